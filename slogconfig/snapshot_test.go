package slogconfig

import (
	"bytes"
	"encoding/json"
	"flag"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/internal/levels"
	"github.com/slogtree/slogtree/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/tree")

// golden compares got with the file testdata/tree/name, or with -update
// rewrites the file.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "tree", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -run %s -update to create it", t.Name())
	assert.Equal(t, string(want), got, "golden file %s (go test -update rewrites it)", path)
}

// query is one record an explanation golden file explains.
type query struct {
	logger string
	level  slog.Level
}

// treeCase is a configuration of the golden files: loggers named first,
// configurations applied first, the configuration, and the records to
// explain. "TMP" in a configuration is the test's temporary directory,
// and in the output it stands for it.
type treeCase struct {
	name    string
	pre     []string
	before  []string
	give    string
	queries []query
}

var treeCases = []treeCase{
	{
		name: "propagation",
		pre:  []string{"lib", "app.db.pool", "ro.x"},
		give: `{"version": 1,
			"formatters": {"brief": {"format": "%(levelname)s <%(name)s> %(message)s", "datefmt": "%H:%M"},
			               "js": {"class": "json"}},
			"handlers": {
				"console": {"class": "logging.StreamHandler", "stream": "ext://out.a", "formatter": "brief"},
				"errors": {"class": "file", "filename": "TMP/errors.log", "mode": "w", "level": "ERROR", "formatter": "js"},
				"audit": {"class": "logging.handlers.RotatingFileHandler", "filename": "TMP/audit.log",
				          "maxBytes": 1000, "backupCount": 3},
				"daily": {"class": "timed_rotating_file", "filename": "TMP/daily.log", "when": "midnight"},
				"watched": {"class": "watched_file", "filename": "TMP/errors.log", "level": "WARNING"}
			},
			"loggers": {
				"app": {"level": "INFO", "handlers": ["watched"]},
				"app.db": {"level": "DEBUG"},
				"app.audit": {"propagate": false, "handlers": ["audit", "daily"]},
				"ro": {"handlers": ["console"]},
				"x.y.z": {}
			},
			"root": {"level": "WARNING", "handlers": ["console", "errors"]}}`,
		queries: []query{
			{"app.db", slog.LevelDebug}, {"app.db.pool", slog.LevelInfo}, {"app.audit", slog.LevelInfo},
			{"app", slog.LevelWarn}, {"lib", slog.LevelError}, {"ro.x", slog.LevelError}, {"nobody.yet", slog.LevelWarn},
			{"", slog.LevelError}, {"x.y.z", slog.LevelInfo},
		},
	},
	{
		name: "filters",
		give: `{"version": 1,
			"filters": {"app": {"name": "app"}, "keep": {"()": "test.prefix", "prefix": "keep"},
			            "db": {"()": "logging.Filter", "name": "app.db"}},
			"handlers": {
				"a": {"class": "stream", "stream": "ext://out.a", "filters": ["db"]},
				"b": {"class": "stream", "stream": "ext://out.b", "filters": ["keep"], "level": "INFO"}
			},
			"loggers": {
				"app": {"filters": ["app", "keep"], "handlers": ["a"]},
				"app.db": {"handlers": ["b"]},
				"lib": {"filters": ["app"], "handlers": ["a"]}
			},
			"root": {"level": "DEBUG", "handlers": ["b"], "filters": ["keep"]}}`,
		queries: []query{
			{"app", slog.LevelInfo}, {"app.db", slog.LevelInfo}, {"app.db", slog.LevelDebug},
			{"lib", slog.LevelError}, {"", slog.LevelInfo},
		},
	},
	{
		name: "wrappers",
		give: `{"version": 1,
			"handlers": {
				"a": {"class": "stream", "stream": "ext://out.a", "level": "INFO"},
				"b": {"class": "stream", "stream": "ext://out.b", "level": "ERROR"},
				"c": {"class": "stream", "stream": "ext://out.c"},
				"q": {"class": "logging.handlers.QueueHandler", "handlers": ["a", "b"]},
				"qr": {"class": "queue", "handlers": ["a", "b"], "respect_handler_level": true, "queue": {"maxsize": 100}},
				"mem": {"class": "logging.handlers.MemoryHandler", "capacity": 10, "flushLevel": "ERROR", "target": "c"},
				"keeper": {"class": "memory", "capacity": 10, "target": "c", "flushOnClose": false},
				"fo": {"class": "failover", "handlers": ["b", "a"]},
				"rt": {"class": "router", "handlers": ["a", "b", "c"],
				       "routes": {"a": {"maxLevel": "INFO"}, "b": {"level": "ERROR"}, "c": {"attrs": {"user": "x"}}}},
				"pl": {"class": "pool", "handlers": ["a", "c"]},
				"nul": {"class": "null"}
			},
			"loggers": {
				"q": {"handlers": ["q", "qr"]},
				"m": {"handlers": ["mem", "keeper"]},
				"f": {"handlers": ["fo", "rt", "pl"]},
				"n": {"handlers": ["nul"], "propagate": false},
				"n.child": {}
			},
			"root": {"level": "DEBUG"}}`,
		queries: []query{
			{"q", slog.LevelWarn}, {"q", slog.LevelDebug}, {"m", slog.LevelInfo}, {"m", slog.LevelError},
			{"f", slog.LevelInfo}, {"f", slog.LevelError}, {"n.child", slog.LevelWarn}, {"other", slog.LevelWarn},
			{"other", slog.LevelInfo},
		},
	},
	{
		name:   "levels",
		before: []string{`{"version": 1, "root": {"level": "INFO"}}`},
		give: `{"version": 1, "disable_existing_loggers": false,
			"slogtree_levels": {"TREE_TEST_TRACE": "DEBUG-4", "TREE_TEST_NOTICE": 25},
			"handlers": {
				"all": {"class": "stream", "stream": "ext://out.a"},
				"notice": {"class": "stream", "stream": "ext://out.b", "level": "TREE_TEST_NOTICE"},
				"plus3": {"class": "stream", "stream": "ext://out.c", "level": "INFO+3"}
			},
			"loggers": {
				"chatty": {"level": "tree_test_trace", "handlers": ["notice"]},
				"quiet": {"level": "CRITICAL", "handlers": ["plus3"]},
				"quiet.loud": {"level": 15}
			},
			"root": {"level": "NOTSET", "handlers": ["all"]}}`,
		queries: []query{
			{"chatty", slog.LevelDebug - 4}, {"chatty", slog.LevelInfo + 2}, {"quiet", slog.LevelError},
			{"quiet.loud", slog.LevelInfo + 2}, {"quiet.loud", slog.LevelInfo + 3}, {"", slog.LevelDebug - 8},
		},
	},
	{
		name:   "disabled",
		pre:    []string{"old", "old.child", "app.sub", "appx"},
		before: []string{`{"version": 1, "disable_existing_loggers": false, "loggers": {"app.sub": {"level": "DEBUG"}}}`},
		give: `{"version": 1,
			"handlers": {"h": {"class": "stream", "stream": "ext://out.a"}},
			"loggers": {"app": {"level": "INFO", "handlers": ["h"]}},
			"root": {"level": "WARNING", "handlers": ["h"]}}`,
		queries: []query{
			{"old", slog.LevelError}, {"old.child", slog.LevelError}, {"app.sub", slog.LevelInfo},
			{"appx", slog.LevelWarn}, {"app", slog.LevelInfo},
		},
	},
}

// treeCaseEnv applies a tree case to a new testEnv, in a temporary
// directory whose path the returned function scrubs from output.
func treeCaseEnv(t *testing.T, tc treeCase, opts ...Option) (*testEnv, func(string) string) {
	t.Helper()
	dir := t.TempDir()
	e := newTestEnvOpts(t, opts, configCaseSinks...)
	for _, name := range tc.pre {
		e.Logger(name)
	}
	for _, b := range tc.before {
		e.config(t, jsonConfig(t, strings.ReplaceAll(b, "TMP", dir)))
	}
	e.config(t, jsonConfig(t, strings.ReplaceAll(tc.give, "TMP", dir)))
	return e, func(s string) string { return strings.ReplaceAll(s, dir, "TMP") }
}

// TestTreeGolden checks Tree's text (logging_tree's layout), JSON and
// Mermaid against the golden files of testdata/tree, on configurations
// with propagation, filters, wrappers, custom levels, disabled loggers and
// placeholders.
func TestTreeGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range treeCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, scrub := treeCaseEnv(t, tc)
			tr := e.Tree()
			golden(t, tc.name+".txt", scrub(tr.String()))
			golden(t, tc.name+".json", scrub(indentJSON(t, tr)))
			golden(t, tc.name+".mmd", scrub(tr.Mermaid()))
			assert.Empty(t, e.reported())
		})
	}
}

func indentJSON(t *testing.T, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	require.NoError(t, enc.Encode(v))
	return b.String()
}

// TestTreeDryRun checks that a dry-run Manager shows the tree exactly as
// a Manager that built the handlers does, and that it opens, creates and
// changes no file doing so, and registers no level name.
func TestTreeDryRun(t *testing.T) {
	t.Parallel()
	for _, tc := range treeCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			live, scrubLive := treeCaseEnv(t, tc)
			dry, scrubDry := treeCaseEnv(t, tc, WithDryRun())
			assert.Equal(t, scrubLive(indentJSON(t, live.Tree())), scrubDry(indentJSON(t, dry.Tree())))
			assert.Equal(t, scrubLive(live.Tree().String()), scrubDry(dry.Tree().String()))
		})
	}
	t.Run("changes nothing", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		kept := filepath.Join(dir, "kept.log")
		require.NoError(t, os.WriteFile(kept, []byte("precious\n"), 0o600))
		e := newTestEnvOpts(t, []Option{WithDryRun()}, "a")
		e.config(t, jsonConfig(t, `{"version": 1, "handlers": {
			"w": {"class": "file", "filename": `+jsonQuote(kept)+`, "mode": "w"},
			"r": {"class": "rotating_file", "filename": `+jsonQuote(filepath.Join(dir, "r.log"))+`, "maxBytes": 1, "backupCount": 1},
			"t": {"class": "timed_rotating_file", "filename": `+jsonQuote(filepath.Join(dir, "sub", "t.log"))+`, "when": "S"},
			"q": {"class": "queue", "handlers": ["w", "r", "t"]}},
			"slogtree_levels": {"TREE_DRY_ONLY": "INFO+1"},
			"root": {"level": "DEBUG", "handlers": ["q"]}}`))
		assert.Contains(t, e.Tree().String(), "Handler Queue")
		e.Logger("app").Error("into nothing")
		require.NoError(t, e.Shutdown())
		ents, err := os.ReadDir(dir)
		require.NoError(t, err)
		require.Len(t, ents, 1, "a dry run created a file")
		got, err := os.ReadFile(kept)
		require.NoError(t, err)
		assert.Equal(t, "precious\n", string(got), "a dry run truncated or wrote a mode \"w\" file")
		_, err = levels.ParseName("TREE_DRY_ONLY")
		assert.Error(t, err, "a dry run registered a level name process-wide")
		l, err := e.ParseLevel("tree_dry_only")
		require.NoError(t, err, "the dry run's own level names parse on it")
		assert.Equal(t, slog.LevelInfo+1, l)
	})
}

// newTestEnvOpts is newTestEnv with more options for the Manager.
func newTestEnvOpts(t testing.TB, opts []Option, sinks ...string) *testEnv {
	t.Helper()
	if len(opts) == 0 {
		return newTestEnv(t, sinks...)
	}
	e := newTestEnv(t, sinks...)
	e.Manager = New(append([]Option{WithRegistry(e.reg), WithErrorHandler(func(err error) {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.errs = append(e.errs, err)
	})}, opts...)...)
	t.Cleanup(func() { _ = e.Shutdown() })
	return e
}

// TestTreeSnapshot checks the snapshot's data: the loggers in order, a
// handler used twice as one *TreeHandler, the levels, Python's
// placeholder quirk in Parent, an incremental level change, the fields a
// listing of loggers reads, and that a snapshot does not follow later
// configurations.
func TestTreeSnapshot(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, "a", "b")
	e.Logger("ro.x")
	e.config(t, jsonConfig(t, `{"version": 1, "disable_existing_loggers": false,
		"filters": {"f": {"name": "app"}},
		"handlers": {"h": {"class": "stream", "stream": "ext://out.a", "level": "INFO"},
		             "m": {"class": "memory", "capacity": 5, "target": "h"}},
		"loggers": {"app": {"level": "DEBUG", "handlers": ["h", "m"], "filters": ["f"]}, "ro": {}},
		"root": {"handlers": ["h"]}}`))
	tr := e.Tree()
	var names []string
	for _, l := range tr.Loggers() {
		names = append(names, l.Name)
	}
	assert.Equal(t, []string{"", "app", "ro", "ro.x"}, names)
	root, app, rox := tr.Root, tr.Logger("app"), tr.Logger("ro.x")
	require.NotNil(t, app)
	require.NotNil(t, rox)
	assert.Same(t, root, tr.Logger("root"))
	assert.Nil(t, tr.Logger("nobody"))
	assert.Equal(t, slog.LevelWarn, root.Level)
	assert.Equal(t, slog.LevelDebug, app.Level)
	assert.Equal(t, LevelNotSet, rox.Level)
	assert.Equal(t, slog.LevelWarn, rox.EffectiveLevel)
	assert.Equal(t, "", rox.Parent, "ro.x, made before ro, stays under root as in CPython")
	assert.Equal(t, []TreeFilter{{ID: "f", Class: "name", Name: "app", ByName: true}}, app.Filters)
	require.Len(t, app.Handlers, 2)
	assert.Same(t, app.Handlers[0], root.Handlers[0], "one handler object, one *TreeHandler")
	assert.Same(t, app.Handlers[0], app.Handlers[1].Handlers[0], "the memory handler's target too")
	assert.Equal(t, &TreeSink{Kind: "stream", Name: "out.a"}, app.Handlers[0].Sink)
	assert.Equal(t, map[string]any{"capacity": float64(5)}, app.Handlers[1].Settings)
	assert.Equal(t, slog.LevelInfo, app.Handlers[0].Level)

	e.config(t, jsonConfig(t, `{"version": 1, "incremental": true, "handlers": {"h": {"level": "ERROR"}},
		"loggers": {"app": {"level": "WARNING", "propagate": false}}}`))
	assert.Equal(t, slog.LevelInfo, app.Handlers[0].Level, "a snapshot does not change")
	tr2 := e.Tree()
	assert.Equal(t, slog.LevelError, tr2.Root.Handlers[0].Level, "an incremental handler level")
	assert.Equal(t, slog.LevelWarn, tr2.Logger("app").Level)
	assert.False(t, tr2.Logger("app").Propagate)
	assert.Contains(t, tr2.String(), "o   \"app\"\n   |   Level WARNING\n   |   Propagate OFF\n")
	assert.Contains(t, tr2.String(), "       o !-\"ro.x\"\n           Broken .parent redirects messages to 'root' instead\n")

	require.NoError(t, e.Shutdown())
	assert.Empty(t, e.Tree().Root.Handlers, "Shutdown leaves the loggers without handlers")
	assert.Equal(t, (&Tree{}).String(), "")
}

// TestLoggerTreeDefault checks the package-level LoggerTree on the
// default Manager, which no test configures: root at WARNING with no
// handler.
func TestLoggerTreeDefault(t *testing.T) {
	t.Parallel()
	Logger("tree.default.named")
	tr := LoggerTree()
	require.NotNil(t, tr.Root)
	assert.Equal(t, "", tr.Root.Name)
	assert.True(t, strings.HasPrefix(tr.String(), "<--\"\"\n   Level WARNING\n"), tr.String())
	assert.NotNil(t, tr.Logger("tree.default.named"))
}

// mermaidLine is the form of every line Tree.Mermaid writes: the header, a
// node (rounded logger, rectangular handler, cylindrical sink, each with a
// quoted label free of raw quotes and markup), an edge (plain, or dotted
// with a label), and the class definitions of disabled loggers.
var mermaidLine = regexp.MustCompile(`^(flowchart LR` +
	`|    [lhs]\d+(\("[^"<>]*(<br/>[^"<>]*)*"\)|\["[^"<>]*(<br/>[^"<>]*)*"\]|\[\("[^"<>]*"\)\])` +
	`|    [lh]\d+ --> [hs]\d+` +
	`|    l\d+ -\.->\|propagates\| l\d+` +
	`|    classDef disabled stroke-dasharray: 5 5,color:#888` +
	`|    class l\d+(,l\d+)* disabled)$`)

// TestMermaidSyntax checks every line of the flowcharts of the golden
// configurations, and of names and paths with characters Mermaid reads as
// markup, against the Mermaid syntax they use, and that every node an
// edge names is declared before it.
func TestMermaidSyntax(t *testing.T) {
	t.Parallel()
	var charts []string
	for _, tc := range treeCases {
		e, _ := treeCaseEnv(t, tc)
		charts = append(charts, e.Tree().Mermaid())
	}
	e := newTestEnv(t, `a"b`)
	e.config(t, jsonConfig(t, `{"version": 1, "handlers": {"h<1>": {"class": "stream", "stream": "ext://out.a\"b"},
		"f#2": {"class": "file", "filename": "/nonexistent/dir/x&y\"<z>.log", "delay": true}},
		"loggers": {"we\"ird<name>#&": {"handlers": ["h<1>", "f#2"]}}}`))
	chart := e.Tree().Mermaid()
	assert.Contains(t, chart, `we#quot;ird#lt;name#gt;#35;#amp;`)
	charts = append(charts, chart, (&Tree{}).Mermaid())
	node := regexp.MustCompile(`^    ([lhs]\d+)[(\[]`)
	edge := regexp.MustCompile(`^    (\S+) (?:-->|-\.->\|propagates\|) (\S+)$`)
	for _, c := range charts {
		declared := map[string]bool{}
		for _, line := range strings.Split(strings.TrimSuffix(c, "\n"), "\n") {
			assert.Regexp(t, mermaidLine, line)
			if m := node.FindStringSubmatch(line); m != nil {
				declared[m[1]] = true
			} else if m := edge.FindStringSubmatch(line); m != nil {
				assert.True(t, declared[m[1]] && declared[m[2]], "an edge before its nodes: %q", line)
			}
		}
	}
}

// TestPyRepr checks pyRepr, which quotes names and formats in the tree's
// text, against CPython's repr.
func TestPyRepr(t *testing.T) {
	t.Parallel()
	gives := []string{"", "plain", "it's", `say "hi"`, `both ' and "`, "back\\slash", "tab\tnew\nline\r",
		"\x00\x1f\x7f", "é ü", "\u00a0nbsp", "\u200bzero width", "日本", "emoji 😀", "%(message)s"}
	want := pythonReprs(t, gives)
	for i, s := range gives {
		assert.Equal(t, want[i], pyRepr(s), "%q", s)
	}
}

// pythonReprs returns CPython's repr of each string.
func pythonReprs(t *testing.T, ss []string) []string {
	t.Helper()
	py := testutil.Python3(t)
	in, err := json.Marshal(ss)
	require.NoError(t, err)
	cmd := exec.CommandContext(t.Context(), py, "-c", "import json, sys; print(json.dumps([repr(s) for s in json.load(sys.stdin)]))")
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	require.NoError(t, err)
	var reprs []string
	require.NoError(t, json.Unmarshal(out, &reprs))
	return reprs
}

// pyTreeStep is a step of a TestTreeMatchesCPython scenario: loggers to
// name, or a configuration to apply.
type pyTreeStep struct {
	Get    []string       `json:"get,omitempty"`
	Config map[string]any `json:"config,omitempty"`
}

type pyTreeScenario struct {
	Name  string       `json:"name"`
	Steps []pyTreeStep `json:"steps"`
}

// TestTreeMatchesCPython checks the logger lines of Tree.String (all but
// filters and handlers) against the tree CPython builds from the same
// steps, printed by testdata/pytree.py as logging_tree 1.9 prints it:
// placeholders, the names under them, Python's placeholder quirk (" !-"
// and "Broken .parent"), levels, effective levels, Propagate OFF and the
// loggers disable_existing_loggers disables.
func TestTreeMatchesCPython(t *testing.T) {
	t.Parallel()
	cfg := func(s string) map[string]any { return jsonConfig(t, s) }
	scenarios := []pyTreeScenario{
		{Name: "names, placeholders and the quirk", Steps: []pyTreeStep{
			{Get: []string{"lib", "app.db.pool", "ro.x", "a..b", "y.", "deep.er.est", "app.db.pool.x.y"}},
			{Config: cfg(`{"version": 1, "loggers": {"app": {"level": "INFO"}, "app.db": {"level": "DEBUG"},
				"app.audit": {"propagate": false}, "ro": {}, "x.y.z": {}, "deep": {"level": "ERROR"}},
				"root": {"level": "WARNING"}}`)},
			{Get: []string{"deep.er", "app.other"}},
		}},
		{Name: "a root placeholder", Steps: []pyTreeStep{
			{Get: []string{"root.x", "rootish"}},
			{Config: cfg(`{"version": 1, "loggers": {"root": {"level": "DEBUG"}, "root.x.y": {"propagate": false}}}`)},
		}},
		{Name: "root NOTSET and reconfigurations", Steps: []pyTreeStep{
			{Get: []string{"a.b", "c"}},
			{Config: cfg(`{"version": 1, "disable_existing_loggers": false, "loggers": {"a": {"level": "ERROR", "propagate": false}},
				"root": {"level": "NOTSET"}}`)},
			{Config: cfg(`{"version": 1, "incremental": true, "loggers": {"a": {"propagate": true}, "c": {"level": "CRITICAL"}}}`)},
			{Config: cfg(`{"version": 1, "loggers": {"a.b": {"level": "INFO"}}}`)},
		}},
	}
	want := runPyScenarios(t, "pytree.py", scenarios)
	for _, sc := range scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			m := New(WithRegistry(NewRegistry()), WithDryRun())
			for _, st := range sc.Steps {
				for _, n := range st.Get {
					m.Logger(n)
				}
				if st.Config != nil {
					require.NoError(t, m.DictConfig(st.Config))
				}
			}
			tr := m.Tree()
			for _, l := range tr.Loggers() {
				l.Filters, l.Handlers = nil, nil
			}
			py, ok := want[sc.Name]
			require.True(t, ok, "pytree.py returned no result")
			assert.Equal(t, strings.Join(py.Events, "\n")+"\n", tr.String())
		})
	}
}
