package slogconfig

// TestFCPyDiff runs the INI scenarios of testdata/ini through CPython's
// logging.config.fileConfig (testdata/pyini.py) and through
// Manager.FileConfig, and compares which stream, file or last-resort
// handler got which line, in order, and whether each file was accepted.
//
// A scenario is an INI file whose "#! " comment lines are its steps:
//
//	#! get NAME...                    create loggers
//	#! config [part=P] [nodisable] [defaults=k=v;k=v] [missing]
//	                                  fileConfig of part P (default: the
//	                                  text before the first "#!=== " line),
//	                                  with disable_existing_loggers false,
//	                                  with defaults ({logdir} is a
//	                                  directory of the scenario), or of a
//	                                  file that does not exist
//	#! probe NAME... [levels=10,30]   log on each logger at each level
//	                                  (default 10..50)
//	#! files                          the lines of each file in {logdir}
//	#! requires CLASS                 run only when CLASS is registered
//	#!=== P                           the lines after it are part P
//
// Streams are "cap.<id>" in args: a module attribute in Python, a
// registered io.Writer here. As in TestPyDiff, a scenario stops at its
// first refused file (slogtree is atomic, Python is not), and the
// scenarios keep inside the documented deviations: upper-case level names,
// no cycles between MemoryHandlers, no reconfiguration while a
// MemoryHandler holds records.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/slogtree/slogtree/formatters"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type fcScenario struct {
	Name     string   `json:"name"`
	Streams  []string `json:"streams"`
	Steps    []fcStep `json:"steps"`
	requires []string
}

type fcStep struct {
	Op              string            `json:"op"`
	Name            string            `json:"name,omitempty"`
	Level           int               `json:"level,omitempty"`
	Msg             string            `json:"msg,omitempty"`
	INI             *string           `json:"ini,omitempty"`
	Defaults        map[string]string `json:"defaults,omitempty"`
	DisableExisting bool              `json:"disable_existing"`
}

var fcStreamRe = regexp.MustCompile(`cap\.(\w+)`)

// fcReadScenario reads one testdata/ini file.
func fcReadScenario(path string) (fcScenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return fcScenario{}, err
	}
	sc := fcScenario{Name: strings.TrimSuffix(filepath.Base(path), ".ini")}
	parts := map[string]*strings.Builder{"main": {}}
	cur := parts["main"]
	var steps []string
	for _, line := range strings.SplitAfter(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, "#!=== "):
			name := strings.TrimSpace(strings.TrimPrefix(line, "#!=== "))
			cur = &strings.Builder{}
			parts[name] = cur
			continue
		case strings.HasPrefix(line, "#! "):
			steps = append(steps, strings.TrimSpace(strings.TrimPrefix(line, "#! ")))
		}
		cur.WriteString(line)
	}
	streams := map[string]bool{}
	for _, m := range fcStreamRe.FindAllStringSubmatch(string(data), -1) {
		streams[m[1]] = true
	}
	sc.Streams = slices.Sorted(maps.Keys(streams))
	msg := 0
	for _, st := range steps {
		f := strings.Fields(st)
		switch f[0] {
		case "get":
			for _, n := range f[1:] {
				sc.Steps = append(sc.Steps, fcStep{Op: "get", Name: n})
			}
		case "requires":
			sc.requires = append(sc.requires, f[1:]...)
		case "files":
			sc.Steps = append(sc.Steps, fcStep{Op: "files"})
		case "probe":
			levels := []int{10, 20, 30, 40, 50}
			var names []string
			for _, a := range f[1:] {
				if v, ok := strings.CutPrefix(a, "levels="); ok {
					levels = nil
					for _, l := range strings.Split(v, ",") {
						n, err := strconv.Atoi(l)
						if err != nil {
							return sc, fmt.Errorf("%s: %v", path, err)
						}
						levels = append(levels, n)
					}
					continue
				}
				names = append(names, a)
			}
			for _, n := range names {
				for _, l := range levels {
					msg++
					sc.Steps = append(sc.Steps, fcStep{Op: "log", Name: n, Level: l, Msg: fmt.Sprintf("s%d", msg)})
				}
			}
		case "config":
			step := fcStep{Op: "config", DisableExisting: true}
			part, missing := "main", false
			for _, a := range f[1:] {
				switch {
				case a == "nodisable":
					step.DisableExisting = false
				case a == "missing":
					missing = true
				case strings.HasPrefix(a, "part="):
					part = strings.TrimPrefix(a, "part=")
				case strings.HasPrefix(a, "defaults="):
					step.Defaults = map[string]string{}
					for _, kv := range strings.Split(strings.TrimPrefix(a, "defaults="), ";") {
						k, v, _ := strings.Cut(kv, "=")
						step.Defaults[k] = v
					}
				default:
					return sc, fmt.Errorf("%s: unknown config argument %q", path, a)
				}
			}
			if !missing {
				b, ok := parts[part]
				if !ok {
					return sc, fmt.Errorf("%s: no part %q", path, part)
				}
				s := b.String()
				step.INI = &s
			}
			sc.Steps = append(sc.Steps, step)
		default:
			return sc, fmt.Errorf("%s: unknown step %q", path, st)
		}
	}
	return sc, nil
}

// fcWriter adds each line of a write to the recorder as an event,
// "id: line".
type fcWriter struct {
	r  *recorder
	id string
}

func (w *fcWriter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimSuffix(string(p), "\n"), "\n") {
		w.r.add(w.id + ": " + line)
	}
	return len(p), nil
}

// fcGo runs a scenario through a Manager of its own.
func fcGo(t *testing.T, sc fcScenario) (res pyResult) {
	t.Helper()
	rec, warnings := &recorder{}, &recorder{}
	reg := NewRegistry()
	for _, id := range sc.Streams {
		require.NoError(t, reg.RegisterValue("cap."+id, &fcWriter{r: rec, id: id}))
	}
	lrf, err := formatters.NewPattern(&formatters.PatternOptions{Format: "%(message)s"})
	require.NoError(t, err)
	m := New(WithRegistry(reg),
		WithLastResort(lrf.NewHandler(&fcWriter{r: rec, id: "lastResort"})),
		WithErrorHandler(func(err error) {
			// Configuration warnings are notes: they say where slogtree
			// documents a difference, and are not records.
			var w *ConfigWarning
			if errors.As(err, &w) {
				warnings.add(err.Error())
				return
			}
			rec.add("handler error: " + err.Error())
		}))
	dir := t.TempDir()
	logdir := filepath.Join(dir, "logs")
	require.NoError(t, os.Mkdir(logdir, 0o755))
	res = pyResult{Name: sc.Name}
	defer func() {
		assert.NoError(t, m.Shutdown())
		res.Notes = append(res.Notes, warnings.snapshot()...)
	}()
	for i, st := range sc.Steps {
		switch st.Op {
		case "get":
			m.Logger(st.Name)
		case "log":
			m.Logger(st.Name).Log(context.Background(), slog.Level((st.Level-20)*2/5), st.Msg)
		case "files":
			entries, err := os.ReadDir(logdir)
			require.NoError(t, err)
			for _, e := range entries {
				data, err := os.ReadFile(filepath.Join(logdir, e.Name()))
				require.NoError(t, err)
				for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
					if line != "" || len(data) > 0 {
						rec.add("file " + e.Name() + ": " + line)
					}
				}
			}
		case "config":
			path := filepath.Join(dir, fmt.Sprintf("config%d.ini", i))
			if st.INI != nil {
				require.NoError(t, os.WriteFile(path, []byte(*st.INI), 0o644))
			}
			opts := []FileConfigOption{DisableExistingLoggers(st.DisableExisting)}
			if st.Defaults != nil {
				d := map[string]string{}
				for k, v := range st.Defaults {
					d[k] = strings.ReplaceAll(v, "{logdir}", logdir)
				}
				opts = append(opts, Defaults(d))
			}
			if err := m.FileConfig(path, opts...); err != nil {
				rec.add("config rejected")
				res.Notes = append(res.Notes, err.Error())
				res.Events = rec.snapshot()
				return res
			}
			rec.add("config ok")
		}
	}
	res.Events = rec.snapshot()
	return res
}

func TestFCPyDiff(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "ini", "*.ini"))
	require.NoError(t, err)
	var scs []fcScenario
	for _, f := range files {
		sc, err := fcReadScenario(f)
		require.NoError(t, err)
		scs = append(scs, sc)
	}
	require.GreaterOrEqual(t, len(scs), 20, "scenarios in testdata/ini")
	want := runPyScenarios(t, "pyini.py", scs)
	for _, sc := range scs {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			for _, cls := range sc.requires {
				if _, ok := DefaultRegistry.handler(cls); !ok {
					t.Skipf("handler class %s is not registered yet", cls)
				}
			}
			py, ok := want[sc.Name]
			require.True(t, ok, "pyini.py returned no result")
			got := fcGo(t, sc)
			if slices.Equal(got.Events, py.Events) {
				return
			}
			t.Errorf("slogtree and CPython differ\n--- CPython events\n%s\n--- slogtree events\n%s\n--- CPython notes\n%s\n--- slogtree notes\n%s",
				strings.Join(py.Events, "\n"), strings.Join(got.Events, "\n"),
				strings.Join(py.Notes, "\n"), strings.Join(got.Notes, "\n"))
		})
	}
}

// fcINI is a valid file with one stream handler, cap.a, on root at INFO.
const fcINI = `[loggers]
keys=root

[handlers]
keys=h1

[formatters]
keys=form

[logger_root]
level=INFO
handlers=h1

[handler_h1]
class=StreamHandler
formatter=form
args=(cap.a,)

[formatter_form]
format=%(levelname)s %(name)s %(message)s
`

// fcManager returns a testEnv with the sinks of fcINI: cap.a and cap.b.
func fcManager(t *testing.T) *testEnv {
	t.Helper()
	return newTestEnvAt(t, "cap", "a", "b")
}

// fcWrite writes an INI file into a new temporary directory.
func fcWrite(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return path
}

// fcCheckGood logs through a Manager configured with fcINI.
func fcCheckGood(t *testing.T, e *testEnv) {
	t.Helper()
	e.Logger("app").Debug("dropped")
	e.Logger("app").Info("kept")
	assert.Equal(t, "INFO app kept\n", e.out["a"].take())
}

func TestFCLoadExtensions(t *testing.T) {
	t.Parallel()
	for _, ext := range []string{".ini", ".conf", ".cfg", ".INI"} {
		t.Run(ext, func(t *testing.T) {
			t.Parallel()
			e := fcManager(t)
			require.NoError(t, e.Load(fcWrite(t, "logging"+ext, fcINI)))
			fcCheckGood(t, e)
		})
	}
}

func TestFCReader(t *testing.T) {
	t.Parallel()
	e := fcManager(t)
	require.NoError(t, e.FileConfigReader(strings.NewReader(fcINI)))
	fcCheckGood(t, e)
}

func TestFCMissingFile(t *testing.T) {
	t.Parallel()
	e := fcManager(t)
	path := filepath.Join(t.TempDir(), "nope.ini")
	err := e.FileConfig(path)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.Contains(t, err.Error(), path)
	err = e.Load(path)
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

// TestFCErrors checks the error of each kind of bad file: one line per
// problem, each naming its section (or line), and the running
// configuration left alone.
func TestFCErrors(t *testing.T) {
	t.Parallel()
	replace := func(old, new string) string { return strings.Replace(fcINI, old, new, 1) }
	tests := []struct {
		name string
		give string
		want string
	}{
		{name: "empty", give: "", want: "empty file"},
		{name: "no section header", give: "keys=root\n" + fcINI, want: `line 1: no section header before "keys=root": the file must start with a [section] line`},
		{name: "syntax errors, all of them", give: fcINI + "[s]\njunk\n[s]\n[logger_root]\n",
			want: "line 22: want option = value or a [section] header, got \"junk\"\nline 23: section \"s\" given twice\nline 24: section \"logger_root\" given twice"},
		{name: "duplicate option", give: replace("level=INFO", "level=INFO\nLEVEL=DEBUG"), want: `line 12: option "level" in section "logger_root" given twice`},
		{name: "missing sections", give: "[logger_root]\nhandlers=\n",
			want: "[formatters]: section missing: a fileConfig file needs [formatters], [handlers] and [loggers]\n[handlers]: section missing: a fileConfig file needs [formatters], [handlers] and [loggers]\n[loggers]: section missing: a fileConfig file needs [formatters], [handlers] and [loggers]"},
		{name: "missing keys", give: replace("keys=h1", "kees=h1"), want: "[handlers] keys: required"},
		{name: "no root", give: replace("keys=root", "keys=app"), want: "[loggers] keys: must include root"},
		{name: "no logger_root", give: replace("[logger_root]", "[logger_x]"), want: `[loggers] keys: lists "root" but there is no section [logger_root]`},
		{name: "listed section missing", give: replace("keys=h1", "keys=h1,h2"), want: `[handlers] keys: lists "h2" but there is no section [handler_h2]`},
		{name: "no qualname", give: replace("keys=root", "keys=root,app") + "[logger_app]\nhandlers=\n", want: "[logger_app] qualname: required"},
		{name: "root handlers required", give: replace("handlers=h1\n", ""), want: "[logger_root] handlers: required"},
		{name: "propagate", give: replace("keys=root", "keys=root,app") + "[logger_app]\nqualname=app\nhandlers=\npropagate=yes\n", want: `[logger_app] propagate: want an integer (0 or 1), got "yes"`},
		{name: "class required", give: replace("class=StreamHandler\n", ""), want: "[handler_h1] class: required"},
		{name: "unknown class", give: replace("class=StreamHandler", "class=handlers.NoSuch"), want: `[handler_h1] class: unknown handler class "handlers.NoSuch" (registered: `},
		{name: "unknown handler", give: replace("handlers=h1", "handlers=h1, nope"), want: `[logger_root] handlers[1]: unknown handler "nope"`},
		{name: "unknown formatter", give: replace("formatter=form", "formatter=nope"), want: `[handler_h1] formatter: unknown formatter "nope"`},
		{name: "bad level", give: replace("level=INFO", "level=LOUD"), want: `[logger_root] level: unknown level: "LOUD"`},
		{name: "bad handler level", give: replace("formatter=form", "formatter=form\nlevel=10"), want: `[handler_h1] level: unknown level: "10"`},
		{name: "interpolation", give: replace("args=(cap.a,)", "args=(%(dir)s,)"), want: `[handler_h1] args: %(dir)s names no option of the section or the defaults (raw value "(%(dir)s,)")`},
		{name: "bare percent", give: replace("args=(cap.a,)", "args=('50%',)"), want: `[handler_h1] args: '%' must be followed by '%' or '(', found: "%',)"`},
		{name: "call in args", give: replace("args=(cap.a,)", "args=(__import__('os').system('touch /tmp/pwned'),)"), want: "[handler_h1] args: unsupported expression: calls are not allowed (__import__(...)) (at offset 11)"},
		{name: "attribute chain in kwargs", give: replace("args=(cap.a,)", "kwargs={'stream': ().__class__}"), want: "[handler_h1] kwargs: unsupported expression: attribute access is allowed only on names (at offset 13)"},
		{name: "unknown name", give: replace("args=(cap.a,)", "args=(os.environ,)"), want: `[handler_h1] args: unknown name "os.environ"`},
		{name: "args not a tuple", give: replace("args=(cap.a,)", "args=(cap.a)"), want: "[handler_h1] args: want a tuple of positional arguments, such as (sys.stdout,), got slogconfig.buffer"},
		{name: "too many args", give: replace("args=(cap.a,)", "args=(cap.a, 1)"), want: "[handler_h1] args: logging.StreamHandler takes at most 1 positional arguments, got 2"},
		{name: "kwargs not a dict", give: replace("args=(cap.a,)", "kwargs=[1]"), want: "[handler_h1] kwargs: want a dict of keyword arguments, such as {'mode': 'w'}, got a list"},
		{name: "duplicate argument", give: replace("args=(cap.a,)", "args=(cap.a,)\nkwargs={'stream': cap.b}"), want: `[handler_h1] kwargs: logging.StreamHandler got multiple values for argument "stream"`},
		{name: "unknown kwarg", give: replace("args=(cap.a,)", "kwargs={'level': 10, 'strem': cap.a}"), want: "[handler_h1] kwargs: unexpected keyword argument \"level\" for logging.StreamHandler\n[handler_h1] kwargs: unexpected keyword argument \"strem\" for logging.StreamHandler"},
		{name: "constructor error", give: strings.NewReplacer("class=StreamHandler\n", "class=FileHandler\n", "args=(cap.a,)", "args=()").Replace(fcINI), want: "[handler_h1] filename: required"},
		{name: "bad format", give: replace("format=%(levelname)s %(name)s %(message)s", "format=hello"), want: "[formatter_form]: Invalid format 'hello' for '%' style"},
		{name: "bad validate", give: replace("format=%(levelname)s", "validate=maybe\nformat=%(levelname)s"), want: `[formatter_form] validate: want a boolean (1/0, yes/no, true/false, on/off), got "maybe"`},
		{name: "bad defaults", give: replace("format=%(levelname)s", "defaults=['x']\nformat=%(levelname)s"), want: `[formatter_form] defaults: want a dict, got "['x']"`},
		{name: "several problems", give: strings.NewReplacer("level=INFO", "level=LOUD", "formatter=form", "formatter=nope").Replace(fcINI),
			want: "[handler_h1] formatter: unknown formatter \"nope\"\n[logger_root] level: unknown level: \"LOUD\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := fcManager(t)
			require.NoError(t, e.FileConfigReader(strings.NewReader(fcINI)))
			path := fcWrite(t, "bad.ini", tt.give)
			err := e.FileConfig(path)
			require.Error(t, err)
			want := path + ": " + tt.want
			if strings.HasSuffix(tt.want, ": ") || strings.HasSuffix(tt.want, "(registered: ") || strings.Contains(tt.name, "unknown name") {
				assert.True(t, strings.HasPrefix(err.Error(), want), "error %q\nwant prefix %q", err, want)
			} else {
				assert.EqualError(t, err, want)
			}
			var ce *ConfigError
			assert.True(t, errors.As(err, &ce), "errors.As(*ConfigError)")
			fcCheckGood(t, e)
		})
	}
}

// fcCapture registers a handler class that records the arguments it is
// built with.
func fcCapture(t *testing.T, reg *Registry) *sync.Map {
	t.Helper()
	var got sync.Map
	require.NoError(t, reg.RegisterHandler("test.Capture", HandlerClass{
		Params: []string{"a", "b", "c", "d", "e", "f", "g"},
		New: func(c *HandlerConfig) (slog.Handler, io.Closer, error) {
			for k, v := range c.Args {
				got.Store(k, v)
			}
			return slog.NewTextHandler(io.Discard, nil), nil, nil
		},
	}))
	return &got
}

// TestFCArgsNames checks the names args may use and how positional args
// and kwargs bind to a class's parameters.
func TestFCArgsNames(t *testing.T) {
	t.Parallel()
	reg := NewRegistry()
	got := fcCapture(t, reg)
	sink := &buffer{}
	require.NoError(t, reg.RegisterValue("myapp.sink", sink))
	m := New(WithRegistry(reg))
	ini := `[loggers]
keys=root
[handlers]
keys=c
[formatters]
keys=
[logger_root]
handlers=c
[handler_c]
class=test.Capture
args=(sys.stdout, DEBUG, handlers.SYSLOG_UDP_PORT, handlers.SysLogHandler.LOG_LOCAL0,
      handlers.socket.SOCK_DGRAM)
kwargs={'f': os.devnull, 'g': (myapp.sink, -FATAL, [None, True], {'k': 'v'})}
`
	require.NoError(t, m.FileConfigReader(strings.NewReader(ini)))
	want := map[string]any{
		"a": os.Stdout, "b": 10, "c": 514, "d": 16, "e": 2, "f": os.DevNull,
		"g": []any{sink, -50, []any{nil, true}, map[string]any{"k": "v"}},
	}
	for k, v := range want {
		g, ok := got.Load(k)
		if assert.True(t, ok, "argument %s", k) {
			assert.Equal(t, v, g, "argument %s", k)
		}
	}
}

func TestFCOptions(t *testing.T) {
	t.Parallel()
	ini := strings.Replace(fcINI, "level=INFO", "level=%(rootlevel)s", 1)
	tests := []struct {
		name     string
		opts     []FileConfigOption
		wantLib  bool // whether the existing logger lib still logs
		wantDrop bool // whether app's INFO is dropped
	}{
		{name: "defaults: disabled, WARNING", opts: []FileConfigOption{Defaults(map[string]string{"RootLevel": "WARNING"})}, wantDrop: true},
		{name: "keep existing", opts: []FileConfigOption{Defaults(map[string]string{"rootlevel": "INFO"}), DisableExistingLoggers(false)}, wantLib: true},
		{name: "disable existing", opts: []FileConfigOption{Defaults(map[string]string{"rootlevel": "INFO"}), DisableExistingLoggers(true), nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := fcManager(t)
			lib := e.Logger("lib")
			require.NoError(t, e.FileConfigReader(strings.NewReader(ini), tt.opts...))
			lib.Warn("lib")
			e.Logger("app").Info("app")
			want := ""
			if tt.wantLib {
				want += "WARNING lib lib\n"
			}
			if !tt.wantDrop {
				want += "INFO app app\n"
			}
			assert.Equal(t, want, e.out["a"].take())
		})
	}
	e := fcManager(t)
	err := e.FileConfigReader(strings.NewReader(ini))
	assert.EqualError(t, err, `[logger_root] level: %(rootlevel)s names no option of the section or the defaults (raw value "%(rootlevel)s")`)
	err = e.FileConfigReader(strings.NewReader(ini), Defaults(map[string]string{"a": "1", "A": "2"}))
	assert.EqualError(t, err, `defaults: defaults: option "a" given twice`)
}

// TestFCFormatterKeys checks validate (honoured, where Python ignores it)
// and defaults (Python 3.12).
func TestFCFormatterKeys(t *testing.T) {
	t.Parallel()
	e := fcManager(t)
	keep := DisableExistingLoggers(false) // app lives on across the files
	ini := strings.Replace(fcINI, "format=%(levelname)s %(name)s %(message)s",
		"format=%(levelname)s %(user)s %(message)s\ndefaults={'user': 'nobody'}", 1)
	require.NoError(t, e.FileConfigReader(strings.NewReader(ini), keep))
	e.Logger("app").Info("hi")
	assert.Equal(t, "INFO nobody hi\n", e.out["a"].take())

	ini = strings.Replace(fcINI, "format=%(levelname)s %(name)s %(message)s", "format=no fields\nvalidate=off", 1)
	require.NoError(t, e.FileConfigReader(strings.NewReader(ini), keep))
	e.Logger("app").Info("hi")
	assert.Equal(t, "no fields\n", e.out["a"].take())

	ini = strings.Replace(fcINI, "format=%(levelname)s %(name)s %(message)s", "format=no fields\nvalidate=yes", 1)
	assert.EqualError(t, e.FileConfigReader(strings.NewReader(ini), keep), "[formatter_form]: Invalid format 'no fields' for '%' style")

	ini = strings.Replace(fcINI, "[formatter_form]", "[formatter_form]\nclass=json", 1)
	require.NoError(t, e.FileConfigReader(strings.NewReader(ini), keep))
	e.Logger("app").Info("hi")
	assert.Contains(t, e.out["a"].take(), `"msg":"hi"`)
}

// TestFCLoggerPaths names a logger's section in errors even when its
// qualname has dots, and a later section for root.
func TestFCLoggerPaths(t *testing.T) {
	t.Parallel()
	e := fcManager(t)
	ini := strings.Replace(fcINI, "keys=root\n", "keys=root,db,again\n", 1) +
		"[logger_db]\nqualname=app.db.pool\nlevel=LOUD\nhandlers=h1,h9\n" +
		"[logger_again]\nqualname=root\nlevel=QUIET\nhandlers=\n"
	err := e.FileConfigReader(strings.NewReader(ini))
	assert.EqualError(t, err, "[logger_db] level: unknown level: \"LOUD\"\n[logger_db] handlers[1]: unknown handler \"h9\"\n[logger_again] level: unknown level: \"QUIET\"")
}

// TestFCSameQualnameRoot configures root in a second section, which wins
// as in Python.
func TestFCSameQualnameRoot(t *testing.T) {
	t.Parallel()
	e := fcManager(t)
	ini := strings.Replace(fcINI, "keys=root\n", "keys=root,again\n", 1) + "[logger_again]\nqualname=\nlevel=ERROR\nhandlers=h1\n"
	require.NoError(t, e.FileConfigReader(strings.NewReader(ini)))
	e.Logger("app").Warn("dropped")
	e.Logger("app").Error("kept")
	assert.Equal(t, "ERROR app kept\n", e.out["a"].take())
}

func TestFCCheckFile(t *testing.T) {
	t.Parallel()
	e := fcManager(t)
	require.NoError(t, e.FileConfigReader(strings.NewReader(fcINI)))
	dir := t.TempDir()
	debug := strings.Replace(fcINI, "level=INFO", "level=DEBUG", 1)
	tests := []struct {
		name string
		file string
		text string
		want string // "" for no error
	}{
		{name: "INI", file: "a.ini", text: debug},
		{name: "JSON", file: "a.json", text: `{"version": 1, "root": {"level": "DEBUG"}}`},
		{name: "YAML", file: "a.yaml", text: "version: 1\nroot: {level: DEBUG}\n"},
		{name: "bad INI", file: "b.cfg", text: strings.Replace(fcINI, "level=INFO", "level=LOUD", 1), want: `[logger_root] level: unknown level: "LOUD"`},
		{name: "bad JSON", file: "b.json", text: `{"version": 1, "root": {"level": "LOUD"}}`, want: `root.level: unknown level: "LOUD"`},
		{name: "invalid YAML", file: "b.yml", text: "[", want: "invalid YAML: "},
		{name: "unknown extension", file: "b.txt", text: "", want: `unknown configuration format ".txt": want .json, .yaml, .yml, .ini, .conf or .cfg`},
	}
	for _, tt := range tests {
		path := filepath.Join(dir, tt.file)
		require.NoError(t, os.WriteFile(path, []byte(tt.text), 0o644))
		err := e.CheckFile(path)
		if tt.want == "" {
			assert.NoError(t, err, tt.name)
		} else if assert.Error(t, err, tt.name) {
			assert.True(t, strings.HasPrefix(err.Error(), path+": "+tt.want), "%s: error %q", tt.name, err)
		}
		fcCheckGood(t, e) // checking installs nothing
	}
	assert.ErrorIs(t, e.CheckFile(filepath.Join(dir, "nope.ini")), fs.ErrNotExist)
}

func FuzzFileConfig(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "ini", "*.ini"))
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(string(data))
		}
	}
	f.Add(fcINI)
	reg := NewRegistry()
	for _, id := range []string{"h1", "h2", "a"} {
		if err := reg.RegisterValue("cap."+id, io.Discard); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		m := New(WithRegistry(reg), WithErrorHandler(func(error) {}))
		// Every input is converted and checked; Check opens nothing, so
		// the fuzzer creates no files.
		cfg, paths, err := m.iniToDict([]byte(src), fileOptions(nil))
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) || len(ce.Problems) == 0 {
				t.Fatalf("error %v: want a *ConfigError with problems", err)
			}
			return
		}
		if cfg["version"] != 1 || paths == nil {
			t.Fatalf("config %v", cfg)
		}
		_ = paths.rewrite(m.Check(cfg))
	})
}

func ExampleManager_FileConfig() {
	m := New(WithRegistry(NewRegistry()))
	// A file in Python's fileConfig format; FileConfig(path) reads one from
	// disk, and Load does for .ini, .conf and .cfg files.
	const ini = `
[loggers]
keys = root, db

[handlers]
keys = console

[formatters]
keys = short

[logger_root]
level = WARNING
handlers = console

[logger_db]
qualname = app.db
level = DEBUG
handlers =

[handler_console]
class = StreamHandler
formatter = short
args = (sys.stdout,)

[formatter_short]
format = %(levelname)s %(name)s: %(message)s
`
	if err := m.FileConfigReader(strings.NewReader(ini)); err != nil {
		panic(err)
	}
	m.Logger("app").Info("hidden")
	m.Logger("app.db").Debug("query", "rows", 3)

	// args are read as literals, never run.
	err := m.FileConfigReader(strings.NewReader(strings.Replace(ini, "(sys.stdout,)", "(open('/etc/passwd', 'w'),)", 1)))
	fmt.Println(err)
	// Output:
	// DEBUG app.db: query rows=3
	// [handler_console] args: unsupported expression: calls are not allowed (open(...)) (at offset 5)
}

// TestFCRotatingFileHandler binds Python's positional args of
// RotatingFileHandler (filename, mode, maxBytes, backupCount) through the
// Registry's parameter order.
func TestFCRotatingFileHandler(t *testing.T) {
	t.Parallel()
	if _, ok := DefaultRegistry.handler("logging.handlers.RotatingFileHandler"); !ok {
		t.Skip("logging.handlers.RotatingFileHandler is not registered yet")
	}
	e := fcManager(t)
	dir := t.TempDir()
	ini := strings.NewReplacer("class=StreamHandler", "class=handlers.RotatingFileHandler",
		"args=(cap.a,)", "args=('%(dir)s/r.log', 'a', 1048576, 3)").Replace(fcINI)
	require.NoError(t, e.FileConfigReader(strings.NewReader(ini), Defaults(map[string]string{"dir": dir})))
	e.Logger("app").Info("rotating")
	require.NoError(t, e.Shutdown())
	data, err := os.ReadFile(filepath.Join(dir, "r.log"))
	require.NoError(t, err)
	assert.Equal(t, "INFO app rotating\n", string(data))
}

// TestDecodeINI checks the dictionary DecodeINI makes of an INI file:
// interpolation resolved, args bound to keyword arguments, level names in
// args as numbers, sys.stderr and a registered writer as ext:// values,
// so that the dictionary survives JSON, and that applying it gives the
// tree FileConfig gives, changing nothing (both on dry runs).
func TestDecodeINI(t *testing.T) {
	t.Parallel()
	const src = `[DEFAULT]
dir = /nonexistent/logs

[loggers]
keys = root, db

[handlers]
keys = console, mine, file, mem

[formatters]
keys = short

[logger_root]
level = WARNING
handlers = console, mem

[logger_db]
level = DEBUG
handlers = mine, file
propagate = 0
qualname = app.db

[handler_console]
class = StreamHandler
args = (sys.stderr,)
formatter = short

[handler_mine]
class = StreamHandler
args = (out.a,)
level = INFO

[handler_file]
class = FileHandler
args = ('%(dir)s/app.log', 'w')
kwargs = {'delay': True}

[handler_mem]
class = handlers.MemoryHandler
args = (100, ERROR)
target = console

[formatter_short]
format = %(levelname)s %(name)s: %(message)s
`
	e := newTestEnvOpts(t, []Option{WithDryRun()}, "a")
	cfg, err := e.DecodeINI([]byte(src))
	require.NoError(t, err)
	b, err := json.Marshal(cfg)
	require.NoError(t, err, "the dictionary is plain data")
	assert.JSONEq(t, `{"version": 1, "disable_existing_loggers": true,
		"formatters": {"short": {"format": "%(levelname)s %(name)s: %(message)s"}},
		"handlers": {
			"console": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "short"},
			"mine": {"class": "logging.StreamHandler", "stream": "ext://out.a", "level": "INFO"},
			"file": {"class": "logging.FileHandler", "filename": "/nonexistent/logs/app.log", "mode": "w", "delay": true},
			"mem": {"class": "logging.handlers.MemoryHandler", "capacity": 100, "flushLevel": 40, "target": "console"}},
		"loggers": {"app.db": {"level": "DEBUG", "handlers": ["mine", "file"], "propagate": false}},
		"root": {"level": "WARNING", "handlers": ["console", "mem"]}}`, string(b))

	var fromJSON map[string]any
	require.NoError(t, json.Unmarshal(b, &fromJSON))
	require.NoError(t, e.DictConfig(fromJSON))
	viaDict := e.Tree().String()
	ini := newTestEnvOpts(t, []Option{WithDryRun()}, "a")
	require.NoError(t, ini.FileConfigReader(strings.NewReader(src)))
	assert.Equal(t, ini.Tree().String(), viaDict)
	assert.Contains(t, viaDict, "Handler Stream <stderr>")
	assert.Contains(t, viaDict, "Handler Stream <out.a>")

	_, err = e.DecodeINI([]byte("[loggers]\nkeys=root\n[logger_root]\nlevel=%(nope)s\nhandlers=\n[handlers]\nkeys=\n[formatters]\nkeys=\n"))
	assert.ErrorContains(t, err, "[logger_root] level: %(nope)s names no option")
	_, err = e.DecodeINI([]byte("[handlers]\nkeys=h\n[handler_h]\nclass=StreamHandler\nargs=(sys.nope,)\n"))
	assert.ErrorContains(t, err, "[handler_h] args: ")
}
