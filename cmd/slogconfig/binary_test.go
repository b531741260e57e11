package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// binDir holds the command built for the tests that run it.
var binDir string

// TestMain fails the tests if a goroutine they started outlives them, and
// removes the command built for them.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "slogconfig-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "goleak: errors on successful test run: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary returns the path of the command, built once for the tests.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binPath = filepath.Join(binDir, "slogconfig")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return binPath
}

// runBin runs the built command in dir and returns its exit status and
// output.
func runBin(t *testing.T, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), binary(t), args...)
	cmd.Dir = dir
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("running %v: %v", args, err)
	}
	return code, o.String(), e.String()
}

// cliYAML is a configuration with a bit of everything the commands show.
const cliYAML = `version: 1
disable_existing_loggers: false
slogtree_levels: {CLI_TEST_TRACE: DEBUG-4}
formatters:
  brief: {format: "%(levelname)s <%(name)s> %(message)s"}
filters:
  only_app: {name: app}
handlers:
  console: {class: logging.StreamHandler, stream: ext://sys.stderr, formatter: brief}
  errors: {class: file, filename: errors.log, mode: w, level: ERROR}
  q: {class: queue, handlers: [console, errors], filters: [only_app]}
loggers:
  app: {level: INFO, handlers: [q]}
  app.db: {level: CLI_TEST_TRACE, propagate: false, handlers: [errors]}
root: {level: WARNING, handlers: [console]}
`

// cliINI is a fileConfig file with an interpolated file name.
const cliINI = `[loggers]
keys = root, db

[handlers]
keys = console, file

[formatters]
keys = short

[logger_root]
level = WARNING
handlers = console

[logger_db]
level = DEBUG
handlers = file
propagate = 0
qualname = app.db

[handler_console]
class = StreamHandler
args = (sys.stdout,)
formatter = short

[handler_file]
class = handlers.RotatingFileHandler
args = ('%(logdir)s/db.log', 'a', 10, 2)
level = INFO

[formatter_short]
format = %(levelname)s %(name)s: %(message)s
`

// TestBinaryHelp checks the help of the tool and of each command: on
// standard output, exit status 0, what the command does and an example.
func TestBinaryHelp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}} {
		code, stdout, stderr := runBin(t, dir, args...)
		assert.Equal(t, 0, code, "%v", args)
		assert.Empty(t, stderr, "%v", args)
		for _, c := range []string{"check", "tree", "explain", "convert", "send"} {
			assert.Contains(t, stdout, "\n  "+c+" ", "%v", args)
		}
	}
	about := map[string]string{
		"check":   "validates it exactly as a reload would",
		"tree":    "layout of Python's logging_tree",
		"explain": "which handlers a record of LEVEL logged on LOGGER reaches",
		"convert": "What is lost: comments",
		"send":    "Python's wire protocol",
	}
	for c, text := range about {
		for _, args := range [][]string{{c, "-h"}, {c, "--help"}, {c, "-help"}, {"help", c}, {c, "x.json", "--help"}} {
			code, stdout, stderr := runBin(t, dir, args...)
			assert.Equal(t, 0, code, "%v", args)
			assert.Empty(t, stderr, "%v", args)
			assert.True(t, strings.HasPrefix(stdout, "usage: slogconfig "+c+" "), "%v: %s", args, stdout)
			assert.Contains(t, stdout, text, "%v", args)
			assert.Contains(t, stdout, "\nexamples:\n  slogconfig "+c+" ", "%v", args)
		}
	}
}

// TestBinaryUsageErrors checks that usage errors exit with status 2, say
// what is wrong on standard error after the command's name, and print
// nothing on standard output.
func TestBinaryUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := write(t, dir, "c.yaml", cliYAML)
	tests := []struct {
		give []string
		want string
	}{
		{nil, "usage: slogconfig COMMAND"},
		{[]string{"frobnicate"}, `slogconfig: unknown command "frobnicate"`},
		{[]string{"help", "frobnicate"}, `slogconfig: unknown command "frobnicate"`},
		{[]string{"check"}, "slogconfig check: no file given"},
		{[]string{"tree"}, "slogconfig tree: want one file, got 0 arguments"},
		{[]string{"tree", cfg, cfg}, "slogconfig tree: want one file, got 2 arguments"},
		{[]string{"tree", "-format", "xml", cfg}, `slogconfig tree: -format: want text, json or mermaid, got "xml"`},
		{[]string{"tree", "-nope", cfg}, "slogconfig tree: flag provided but not defined: -nope"},
		{[]string{"tree", "-default", "novalue", cfg}, `slogconfig tree: invalid value "novalue" for flag -default: want key=value`},
		{[]string{"explain", cfg, "app"}, "slogconfig explain: want FILE LOGGER LEVEL, got 2 arguments"},
		{[]string{"explain", "-format", "mermaid", cfg, "app", "INFO"}, `slogconfig explain: -format: want text or json, got "mermaid"`},
		{[]string{"explain", cfg, "app", "LOUD"}, `slogconfig explain: LEVEL: unknown level: "LOUD": want a level name`},
		{[]string{"explain", cfg, "app", "0"}, "slogconfig explain: LEVEL: NOTSET is no record's level"},
		{[]string{"convert", cfg}, `slogconfig convert: -to: want json or yaml, got ""`},
		{[]string{"convert", "-to", "toml", cfg}, `slogconfig convert: -to: want json or yaml, got "toml"`},
		{[]string{"send"}, "slogconfig send: want one file, got 0 arguments"},
		{[]string{"send", "-timeout", "soon", cfg}, `slogconfig send: invalid value "soon" for flag -timeout`},
	}
	for _, tt := range tests {
		code, stdout, stderr := runBin(t, dir, tt.give...)
		assert.Equal(t, 2, code, "%v", tt.give)
		assert.Empty(t, stdout, "%v", tt.give)
		assert.True(t, strings.HasPrefix(stderr, tt.want), "%v: stderr %q", tt.give, stderr)
	}
}

// TestBinaryErrors checks that failures exit with status 1 and report on
// standard error after the command's name, each problem of a refused
// configuration on a line naming the file.
func TestBinaryErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := write(t, dir, "bad.json", `{"version": 1, "handlers": {"h": {"class": "nosuch"}},
		"loggers": {"a": {"level": "LOUD", "handlers": ["h"]}}}`)
	missing := filepath.Join(dir, "missing.yaml")
	txt := write(t, dir, "c.txt", "")
	badINI := write(t, dir, "bad.ini", "[loggers]\nkeys=root\n")
	tests := []struct {
		give []string
		want []string // the lines of standard error
	}{
		{[]string{"tree", bad}, []string{
			"slogconfig tree: " + bad + `: handlers.h.class: unknown handler class "nosuch"`,
			"slogconfig tree: " + bad + `: loggers.a.level: unknown level: "LOUD"`}},
		{[]string{"explain", bad, "a", "INFO"}, []string{
			"slogconfig explain: " + bad + `: handlers.h.class: unknown handler class "nosuch"`,
			"slogconfig explain: " + bad + `: loggers.a.level: unknown level: "LOUD"`}},
		{[]string{"tree", missing}, []string{"slogconfig tree: open " + missing + ": no such file or directory"}},
		{[]string{"explain", missing, "app", "INFO"}, []string{"slogconfig explain: open " + missing + ": no such file or directory"}},
		{[]string{"convert", "-to", "json", missing}, []string{"slogconfig convert: open " + missing + ": no such file or directory"}},
		{[]string{"tree", txt}, []string{"slogconfig tree: " + txt + `: unknown configuration format ".txt": want .json, .yaml, .yml, .ini, .conf or .cfg`}},
		{[]string{"convert", "-to", "yaml", txt}, []string{"slogconfig convert: " + txt + `: unknown configuration format ".txt": want .json, .yaml, .yml, .ini, .conf or .cfg`}},
		{[]string{"convert", "-to", "json", badINI}, []string{
			"slogconfig convert: " + badINI + ": [formatters]: section missing: a fileConfig file needs [formatters], [handlers] and [loggers]",
			"slogconfig convert: " + badINI + ": [handlers]: section missing: a fileConfig file needs [formatters], [handlers] and [loggers]",
			"slogconfig convert: " + badINI + `: [loggers] keys: lists "root" but there is no section [logger_root]`}},
		{[]string{"check", missing}, []string{"slogconfig check: open " + missing + ": no such file or directory"}},
		{[]string{"send", missing}, []string{"slogconfig send: open " + missing + ": no such file or directory"}},
	}
	for _, tt := range tests {
		code, _, stderr := runBin(t, dir, tt.give...)
		assert.Equal(t, 1, code, "%v", tt.give)
		assert.Equal(t, strings.Join(tt.want, "\n")+"\n", stderr, "%v", tt.give)
	}
}

// TestBinaryTree checks tree's three formats on YAML and INI files, with
// flags before and after the file.
func TestBinaryTree(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	yml := write(t, dir, "c.yaml", cliYAML)
	ini := write(t, dir, "c.ini", cliINI)

	code, stdout, stderr := runBin(t, dir, "tree", yml)
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, stderr)
	assert.Equal(t, `<--""
   Level WARNING
   Handler Stream <stderr>
     Name 'console'
     Formatter fmt='%(levelname)s <%(name)s> %(message)s' datefmt=None
   |
   o<--"app"
       Level INFO
       Handler Queue
         Name 'q'
         Filter name='app'
         Passes records to:
           Handler Stream <stderr>
             Name 'console'
             Formatter fmt='%(levelname)s <%(name)s> %(message)s' datefmt=None
           Handler File '`+filepath.Join(dir, "errors.log")+`' mode='w'
             Name 'errors'
             Level ERROR
       |
       o   "app.db"
           Level CLI_TEST_TRACE
           Propagate OFF
           Handler File '`+filepath.Join(dir, "errors.log")+`' mode='w'
             Name 'errors'
             Level ERROR
`, stdout)

	for _, args := range [][]string{{"tree", "-format", "json", yml}, {"tree", yml, "--format", "json"}, {"tree", "--format=json", yml}} {
		code, stdout, stderr = runBin(t, dir, args...)
		require.Equal(t, 0, code, stderr)
		var tree struct {
			Root struct {
				Level    string `json:"level"`
				Children []struct {
					Name     string `json:"name"`
					Handlers []struct {
						ID       string `json:"id"`
						Handlers []struct {
							ID   string            `json:"id"`
							Sink map[string]string `json:"sink"`
						} `json:"handlers"`
					} `json:"handlers"`
				} `json:"children"`
			} `json:"root"`
		}
		require.NoError(t, json.Unmarshal([]byte(stdout), &tree), "%v", args)
		assert.Equal(t, "WARNING", tree.Root.Level)
		require.Len(t, tree.Root.Children, 1)
		assert.Equal(t, "app", tree.Root.Children[0].Name)
		assert.Equal(t, "q", tree.Root.Children[0].Handlers[0].ID)
		assert.Equal(t, map[string]string{"kind": "file", "name": filepath.Join(dir, "errors.log")},
			tree.Root.Children[0].Handlers[0].Handlers[1].Sink)
		assert.Contains(t, stdout, `"format": "%(levelname)s <%(name)s> %(message)s"`, "no HTML escapes")
	}

	code, stdout, stderr = runBin(t, dir, "tree", "-format", "mermaid", yml)
	require.Equal(t, 0, code, stderr)
	assert.True(t, strings.HasPrefix(stdout, "flowchart LR\n"), stdout)
	assert.Contains(t, stdout, `[("`+filepath.Join(dir, "errors.log")+`")]`)
	assert.Contains(t, stdout, "-.->|propagates|")

	code, stdout, stderr = runBin(t, dir, "tree", ini, "-default", "logdir=/var/log/app")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "Handler Stream <stdout>\n")
	assert.Contains(t, stdout, "Handler RotatingFile '/var/log/app/db.log' maxBytes=10 backupCount=2\n")
	code, _, stderr = runBin(t, dir, "tree", ini)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "slogconfig tree: "+ini+": [handler_file] args: %(logdir)s names no option")
}

// TestBinaryExplain checks explain's text and JSON, with levels by name,
// by a name the configuration defines, and by Python number.
func TestBinaryExplain(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	yml := write(t, dir, "c.yaml", cliYAML)
	code, stdout, stderr := runBin(t, dir, "explain", yml, "app.db", "cli_test_trace")
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, stderr)
	assert.Equal(t, `record CLI_TEST_TRACE on logger "app.db"
logger "app.db": level CLI_TEST_TRACE, effective level CLI_TEST_TRACE: the record passes
handlers, in the order the record meets them:
  not reached  errors (file) on logger "app.db": the handler's level ERROR is above CLI_TEST_TRACE
  not reached  q (queue) on logger "app": logger "app.db" does not propagate: records stop there
  not reached  console (logging.StreamHandler) on root: logger "app.db" does not propagate: records stop there
reaches no handler
`, stdout)

	code, stdout, stderr = runBin(t, dir, "explain", "--format", "json", yml, "app.sub", "40")
	require.Equal(t, 0, code, stderr)
	var x struct {
		Logger  string   `json:"logger"`
		Exists  bool     `json:"exists"`
		Level   string   `json:"level"`
		Reached []string `json:"reached"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &x))
	assert.Equal(t, "app.sub", x.Logger)
	assert.False(t, x.Exists)
	assert.Equal(t, "ERROR", x.Level)
	assert.Equal(t, []string{"q", "console", "errors", "console"}, x.Reached)

	for _, logger := range []string{"root", ""} {
		code, stdout, stderr = runBin(t, dir, "explain", yml, logger, "warning")
		require.Equal(t, 0, code, stderr)
		assert.True(t, strings.HasPrefix(stdout, "record WARNING on root\n"), stdout)
		assert.True(t, strings.HasSuffix(stdout, "reaches: console\n"), stdout)
	}
}

// TestBinaryConvert checks convert: INI, JSON and YAML to JSON and YAML,
// each applying as the original does (tree shows the same), with flags
// after the file.
func TestBinaryConvert(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	yml := write(t, dir, "c.yaml", cliYAML)
	ini := write(t, dir, "c.ini", strings.ReplaceAll(cliINI, "%(logdir)s", "/var/log/app"))
	treeOf := func(path string) string {
		t.Helper()
		code, stdout, stderr := runBin(t, dir, "tree", path)
		require.Equal(t, 0, code, stderr)
		return stdout
	}
	convertTo := func(src, to, name string) string {
		t.Helper()
		code, stdout, stderr := runBin(t, dir, "convert", src, "--to", to)
		require.Equal(t, 0, code, stderr)
		assert.Empty(t, stderr)
		return write(t, dir, name, stdout)
	}
	iniJSON := convertTo(ini, "json", "from-ini.json")
	iniYAML := convertTo(ini, "yaml", "from-ini.yaml")
	ymlJSON := convertTo(yml, "json", "from-yaml.json")
	back := convertTo(ymlJSON, "yaml", "back.yaml")
	again := convertTo(back, "json", "again.json")
	for _, p := range []string{iniJSON, iniYAML} {
		assert.Equal(t, treeOf(ini), treeOf(p), p)
	}
	for _, p := range []string{ymlJSON, back, again} {
		assert.Equal(t, treeOf(yml), treeOf(p), p)
	}
	j, err := os.ReadFile(iniJSON)
	require.NoError(t, err)
	assert.Contains(t, string(j), `"stream": "ext://sys.stdout"`)
	assert.Contains(t, string(j), `"maxBytes": 10`)
	y, err := os.ReadFile(back)
	require.NoError(t, err)
	assert.Contains(t, string(y), "\nhandlers:\n  console:\n    class: logging.StreamHandler\n", "YAML indented by two")
	assert.Contains(t, string(y), "\nversion: 1\n", "integral numbers written as integers")
	b1, err := os.ReadFile(ymlJSON)
	require.NoError(t, err)
	b2, err := os.ReadFile(again)
	require.NoError(t, err)
	assert.Equal(t, string(b1), string(b2), "JSON to YAML and back is the same JSON")
}

// fileState is what TestBinaryChangesNoFile compares of a file or
// directory.
type fileState struct {
	mode    fs.FileMode
	size    int64
	modTime time.Time
	sum     [sha256.Size]byte
}

// snapshotDir returns the state of everything under dir.
func snapshotDir(t *testing.T, dir string) map[string]fileState {
	t.Helper()
	out := map[string]fileState{}
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		st := fileState{mode: fi.Mode(), size: fi.Size(), modTime: fi.ModTime()}
		if d.Type().IsRegular() {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			st.sum = sha256.Sum256(data)
		}
		out[path] = st
		return nil
	}))
	return out
}

// TestBinaryChangesNoFile checks that tree, explain, check and convert
// leave the file system byte for byte as it was, on configurations whose
// handlers name files that exist (one in mode "w", a rotating one already
// past its size) and files and directories that do not.
func TestBinaryChangesNoFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	require.NoError(t, os.MkdirAll(filepath.Join(logs, "timed"), 0o755))
	write(t, logs, "kept.log", "precious\n")
	write(t, logs, "rotating.log", strings.Repeat("full line\n", 100))
	cfgJSON := write(t, dir, "files.json", `{"version": 1, "handlers": {
		"w": {"class": "file", "filename": "logs/kept.log", "mode": "w"},
		"x": {"class": "file", "filename": "logs/new.log", "mode": "x"},
		"r": {"class": "rotating_file", "filename": "logs/rotating.log", "maxBytes": 10, "backupCount": 3},
		"t": {"class": "timed_rotating_file", "filename": "logs/timed/t.log", "when": "S"},
		"deep": {"class": "file", "filename": "logs/no/such/dir/deep.log", "delay": true},
		"wf": {"class": "watched_file", "filename": "logs/watched.log"},
		"q": {"class": "queue", "handlers": ["w", "r"]},
		"m": {"class": "memory", "capacity": 2, "target": "t"}},
		"loggers": {"app": {"level": "DEBUG", "handlers": ["q", "m", "x", "deep"]}},
		"root": {"handlers": ["wf"]}}`)
	cfgINI := write(t, dir, "files.ini", strings.ReplaceAll(cliINI, "%(logdir)s", logs)+
		"\n[handler_extra]\nclass = FileHandler\nargs = ('"+filepath.Join(logs, "kept.log")+"', 'w')\n")
	cfgINI2 := write(t, dir, "files2.ini", strings.Replace(strings.ReplaceAll(cliINI, "%(logdir)s", logs), "keys = console, file", "keys = console, file, extra", 1)+
		"\n[handler_extra]\nclass = FileHandler\nargs = ('"+filepath.Join(logs, "kept.log")+"', 'w')\n")
	before := snapshotDir(t, dir)
	for _, cfg := range []string{cfgJSON, cfgINI, cfgINI2} {
		for _, args := range [][]string{
			{"tree", cfg}, {"tree", "-format", "json", cfg}, {"tree", "-format", "mermaid", cfg},
			{"explain", cfg, "app", "DEBUG"}, {"explain", cfg, "app.db", "ERROR"}, {"explain", "-format", "json", cfg, "root", "CRITICAL"},
			{"check", cfg}, {"check", "-probe", cfg}, {"convert", "-to", "yaml", cfg},
		} {
			code, stdout, stderr := runBin(t, dir, args...)
			want := 0
			if cfg == cfgJSON && args[0] == "check" && args[1] == "-probe" {
				want = 1 // the probe finds no directory for deep.log, and creates none
				assert.Contains(t, stdout, "handlers.deep.filename: ")
			}
			assert.Equal(t, want, code, "%v: %s%s", args, stdout, stderr)
		}
	}
	assert.Equal(t, before, snapshotDir(t, dir), "a command created, removed or changed a file")
}
