package slogconfig

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/slogtest"
	"time"

	"github.com/slogtree/slogtree/internal/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// guardEnv names the case of TestGuardUserPanics that a child process
// runs.
const guardEnv = "SLOGTREE_TEST_GUARD_CASE"

// guardHandler is a user's handler that panics in one method: "WithAttrs",
// "WithGroup" or "Enabled". It counts the panics and writes nothing.
type guardHandler struct {
	method string
	panics *atomic.Int64
}

func (h guardHandler) boom(method string) {
	if h.method == method {
		h.panics.Add(1)
		panic("guard: " + method + " boom")
	}
}

func (h guardHandler) Enabled(context.Context, slog.Level) bool {
	h.boom("Enabled")
	return true
}
func (h guardHandler) Handle(context.Context, slog.Record) error { return nil }
func (h guardHandler) WithAttrs([]slog.Attr) slog.Handler {
	h.boom("WithAttrs")
	return h
}
func (h guardHandler) WithGroup(string) slog.Handler {
	h.boom("WithGroup")
	return h
}

// guardCases are the cases of TestGuardUserPanics: the method that panics,
// and whether the handler is behind a queue (which asks its Enabled, with
// respect_handler_level, in the queue's goroutine).
var guardCases = []struct {
	name   string
	method string
	queue  bool
}{
	{name: "WithAttrs", method: "WithAttrs"},
	{name: "WithGroup", method: "WithGroup"},
	{name: "Enabled", method: "Enabled"},
	{name: "WithAttrs behind queue", method: "WithAttrs", queue: true},
	{name: "WithGroup behind queue", method: "WithGroup", queue: true},
	{name: "Enabled behind queue", method: "Enabled", queue: true},
}

// TestGuardUserPanics: a panic in a user's handler (a registered class, so
// not trusted) is recovered and reported to the error handler, and the
// other handlers still get every record, as STYLE.md asks ("panics in
// user-registered code are recovered into errors") and as slogtree does
// for Handle and for filters. Today a panic in WithAttrs or WithGroup, which
// the logger calls when it first specialises its handlers for its name
// (even without With) and for With and WithGroup, reaches the caller, and
// a panic in Enabled behind a queue kills the process from the queue's
// goroutine. Each case therefore runs in a child process (this test
// binary, with guardEnv set), so that a crash fails the case with its
// output instead of ending the test binary.
func TestGuardUserPanics(t *testing.T) {
	if name := os.Getenv(guardEnv); name != "" {
		guardChild(t, name)
		return
	}
	t.Parallel()
	for _, tc := range guardCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestGuardUserPanics$", "-test.count=1")
			cmd.Env = append(os.Environ(), guardEnv+"="+tc.name)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("the case failed or crashed its process (%v); its output:\n%s", err, guardHead(out, 40))
			}
		})
	}
}

// guardHead returns the first n lines of out.
func guardHead(out []byte, n int) string {
	lines := strings.SplitAfter(string(out), "\n")
	if len(lines) > n {
		lines = append(lines[:n], fmt.Sprintf("[%d more lines]\n", len(lines)-n))
	}
	return strings.Join(lines, "")
}

// guardChild runs the case called name of TestGuardUserPanics.
func guardChild(t *testing.T, name string) {
	var method string
	var queue bool
	for _, tc := range guardCases {
		if tc.name == name {
			method, queue = tc.method, tc.queue
		}
	}
	require.NotEmpty(t, method, "unknown case %q", name)

	e := newTestEnv(t, "ok")
	var panics atomic.Int64
	require.NoError(t, e.reg.RegisterHandler("guard.panic", HandlerClass{
		New: func(*HandlerConfig) (slog.Handler, io.Closer, error) {
			return guardHandler{method: method, panics: &panics}, nil, nil
		},
	}))
	hs := map[string]any{
		"bad": map[string]any{"class": "guard.panic"},
		"ok":  map[string]any{"class": "stream", "stream": "ext://out.ok", "formatter": "f"},
	}
	rootHandlers := []any{"bad", "ok"}
	if queue {
		hs["q"] = map[string]any{"class": "queue", "handlers": []any{"bad"}, "respect_handler_level": true}
		rootHandlers = []any{"q", "ok"}
	}
	e.config(t, map[string]any{
		"version":    1,
		"formatters": map[string]any{"f": map[string]any{"format": "%(name)s %(message)s"}},
		"handlers":   hs,
		"root":       map[string]any{"level": "INFO", "handlers": rootHandlers},
	})

	root := e.Logger("")
	logs := []struct {
		name string
		log  func()
	}{
		{"root logger", func() { root.Info("plain") }},
		{`logger made with With("k", 1)`, func() { root.With("k", 1).Info("with") }},
		{`logger made with WithGroup("g")`, func() { root.WithGroup("g").Info("group", "a", 2) }},
	}
	for _, l := range logs {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("%s: the handler's panic reached the caller: %v", l.name, p)
				}
			}()
			l.log()
		}()
	}
	require.NoError(t, e.Shutdown()) // drains the queue

	assert.Equal(t, "root plain\nroot with k=1\nroot group g.a=2\n", e.take("ok"),
		"records of the handler beside the one whose %s panics", method)
	if n := panics.Load(); n > 0 {
		var msgs []string
		found := false
		for _, err := range e.reported() {
			msgs = append(msgs, err.Error())
			found = found || strings.Contains(err.Error(), "guard: "+method+" boom")
		}
		assert.True(t, found, "%s panicked %d times, and no error reported mentions the panic; reported: %q", method, n, msgs)
	}
}

// guardNilErr is an error whose Error method, like most, dereferences its
// receiver.
type guardNilErr struct{ msg string }

func (e *guardNilErr) Error() string { return e.msg }

// guardNilStringer is a fmt.Stringer whose String method dereferences its
// receiver.
type guardNilStringer struct{ s string }

func (s *guardNilStringer) String() string { return s.s }

// TestTypedNilValues: an attribute holding a typed nil error or Stringer,
// whose method panics on a nil receiver, does not crash the caller under
// any formatter, and prints as slog's handlers print it: slog recovers the
// panic and prints <nil> (TextHandler: v=<nil> for both; JSONHandler:
// "v":"<nil>" for the error, null for the Stringer, which it marshals).
// Today the pattern formatter and python-json-logger's call Error or
// String and the panic reaches the caller.
func TestTypedNilValues(t *testing.T) {
	t.Parallel()
	values := []struct {
		name string
		v    any
	}{
		{"typed nil error", (*guardNilErr)(nil)},
		{"typed nil Stringer", (*guardNilStringer)(nil)},
	}
	formatters := []struct {
		name string
		fmt  map[string]any
		// want holds what the record must contain, by value name; any one
		// of the strings will do.
		want map[string][]string
	}{
		{
			name: "pattern default",
			fmt:  map[string]any{},
			want: map[string][]string{"typed nil error": {"hello v=<nil>\n"}, "typed nil Stringer": {"hello v=<nil>\n"}},
		},
		{
			name: "pattern naming the attribute",
			fmt:  map[string]any{"format": "%(message)s %(v)s"},
			want: map[string][]string{"typed nil error": {"hello <nil>\n"}, "typed nil Stringer": {"hello <nil>\n"}},
		},
		{
			name: "json",
			fmt:  map[string]any{"class": "json"},
			want: map[string][]string{"typed nil error": {`"v":"<nil>"`}, "typed nil Stringer": {`"v":null`, `"v":"<nil>"`}},
		},
		{
			name: "text",
			fmt:  map[string]any{"class": "text"},
			want: map[string][]string{"typed nil error": {" v=<nil>"}, "typed nil Stringer": {" v=<nil>"}},
		},
		{
			name: "python-json-logger",
			fmt:  map[string]any{"class": "pythonjsonlogger.json.JsonFormatter"},
			want: map[string][]string{"typed nil error": {`"v": "<nil>"`}, "typed nil Stringer": {`"v": null`, `"v": "<nil>"`}},
		},
	}
	for _, ft := range formatters {
		for _, vt := range values {
			t.Run(ft.name+"/"+vt.name, func(t *testing.T) {
				t.Parallel()
				e := newTestEnv(t, "out")
				e.config(t, map[string]any{
					"version":    1,
					"formatters": map[string]any{"f": ft.fmt},
					"handlers": map[string]any{
						"h": map[string]any{"class": "stream", "stream": "ext://out.out", "formatter": "f"},
					},
					"root": map[string]any{"level": "INFO", "handlers": []any{"h"}},
				})
				func() {
					defer func() {
						if p := recover(); p != nil {
							t.Errorf("logging a %s panicked in the caller: %v", vt.name, p)
						}
					}()
					e.Logger("app").Info("hello", "v", vt.v)
				}()
				got := e.take("out")
				ok := false
				for _, w := range ft.want[vt.name] {
					ok = ok || strings.Contains(got, w)
				}
				assert.True(t, ok, "%s formatter, a %s: want one of %q in %q", ft.name, vt.name, ft.want[vt.name], got)
			})
		}
	}
}

// cfgtSlogtestConfig is a tree whose only handler is a json stream handler
// over sink a, on the root; app.db at DEBUG, everything else at INFO.
const cfgtSlogtestConfig = `{"version": 1,
	"formatters": {"json": {"class": "json"}},
	"handlers": {"out": {"class": "stream", "stream": "ext://out.a", "formatter": "json"}},
	"loggers": {"app": {"level": "INFO"}, "app.db": {"level": "DEBUG"}},
	"root": {"handlers": ["out"], "level": "INFO"}}`

// cfgtSlogtest runs testing/slogtest on the handler that get returns for a
// fresh Manager; configure is called before or after get as the test
// needs.
func cfgtSlogtest(t *testing.T, get func(t *testing.T, e *testEnv) slog.Handler) {
	var mu sync.Mutex
	envs := map[*testing.T]*testEnv{}
	slogtest.Run(t, func(t *testing.T) slog.Handler {
		e := newTestEnv(t, "a")
		mu.Lock()
		envs[t] = e
		mu.Unlock()
		return get(t, e)
	}, func(t *testing.T) map[string]any {
		mu.Lock()
		e := envs[t]
		mu.Unlock()
		out := e.take("a")
		require.Empty(t, e.reported())
		lines := bytes.Split(bytes.TrimSuffix([]byte(out), []byte("\n")), []byte("\n"))
		require.Len(t, lines, 1, "one line per record: %q", out)
		var m map[string]any
		require.NoError(t, json.Unmarshal(lines[0], &m), "line %q", lines[0])
		return m
	})
}

func TestSlogtestConfiguredLogger(t *testing.T) {
	t.Parallel()
	cfgtSlogtest(t, func(t *testing.T, e *testEnv) slog.Handler {
		e.config(t, jsonConfig(t, cfgtSlogtestConfig))
		return e.Handler("app.db")
	})
}

func TestSlogtestLoggerObtainedBeforeConfig(t *testing.T) {
	t.Parallel()
	cfgtSlogtest(t, func(t *testing.T, e *testEnv) slog.Handler {
		h := e.Handler("app.db")
		e.config(t, jsonConfig(t, cfgtSlogtestConfig))
		return h
	})
}

func TestSlogtestUnconfiguredChild(t *testing.T) {
	t.Parallel()
	cfgtSlogtest(t, func(t *testing.T, e *testEnv) slog.Handler {
		e.config(t, jsonConfig(t, cfgtSlogtestConfig))
		return e.Handler("app.db.pool.conn")
	})
}

func TestSlogtestRoot(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"", "root"} {
		t.Run("name="+name, func(t *testing.T) {
			t.Parallel()
			cfgtSlogtest(t, func(t *testing.T, e *testEnv) slog.Handler {
				e.config(t, jsonConfig(t, cfgtSlogtestConfig))
				return e.Handler(name)
			})
		})
	}
}

// TestSlogtestReconfigured runs slogtest on a handler obtained before a
// configuration that a second one replaced.
func TestSlogtestReconfigured(t *testing.T) {
	t.Parallel()
	cfgtSlogtest(t, func(t *testing.T, e *testEnv) slog.Handler {
		h := e.Handler("app.db")
		e.config(t, jsonConfig(t, `{"version": 1, `+rootA+`}`))
		e.config(t, jsonConfig(t, cfgtSlogtestConfig))
		return h
	})
}

// allocRuns is the number of calls testing.AllocsPerRun averages over.
const allocRuns = 1000

// allocCounter is an io.Writer that discards what it gets and counts the
// writes, so an allocation test can prove its records were written.
type allocCounter struct{ n atomic.Int64 }

func (c *allocCounter) Write(p []byte) (int, error) {
	c.n.Add(1)
	return len(p), nil
}

// allocManager returns a Manager whose root logger, at INFO, writes to a
// new allocCounter through one stream handler with the formatter fmtCfg.
func allocManager(t *testing.T, fmtCfg map[string]any) (*Manager, *allocCounter) {
	t.Helper()
	w := &allocCounter{}
	m := benchManager(t, map[string]any{
		"version":    1,
		"formatters": map[string]any{"f": fmtCfg},
		"handlers": map[string]any{
			"h": map[string]any{"class": "stream", "stream": "ext://bench.out", "formatter": "f"},
		},
		"root": map[string]any{"level": "INFO", "handlers": []any{"h"}},
	}, w)
	return m, w
}

func skipAllocsUnderRace(t *testing.T) {
	t.Helper()
	if testutil.RaceEnabled {
		t.Skip("the race detector allocates")
	}
}

// allocArgs are the attribute lists of the allocation tests: up to five
// attributes, the most a slog.Record holds without allocating.
var allocArgs = []struct {
	name string
	give []any
}{
	{name: "no attrs", give: nil},
	{name: "1 attr", give: []any{"k1", 1}},
	{name: "2 attrs", give: []any{"k1", 1, "k2", "two"}},
	{name: "3 attrs", give: []any{"k1", 1, "k2", "two", "k3", true}},
	{name: "4 attrs", give: []any{"k1", 1, "k2", "two", "k3", true, "k4", 4}},
	{name: "5 attrs", give: []any{"k1", 1, "k2", "two", "k3", true, "k4", 4, "k5", "five"}},
}

func TestAllocsDisabledDebug(t *testing.T) {
	skipAllocsUnderRace(t)
	m, w := allocManager(t, map[string]any{"class": "json"})
	l := m.Logger("a.b.c")
	got := testing.AllocsPerRun(allocRuns, func() { l.Debug("x", "k", 1) })

	bw := &allocCounter{}
	base := slog.New(slog.NewJSONHandler(bw, &slog.HandlerOptions{Level: slog.LevelInfo}))
	want := testing.AllocsPerRun(allocRuns, func() { base.Debug("x", "k", 1) })

	assert.Zero(t, w.n.Load()+bw.n.Load(), "a disabled Debug was written")
	assert.Zero(t, got, "allocs of a disabled Debug through slogtree")
	assert.Equal(t, want, got, "allocs of a disabled Debug: slogtree vs slog")
}

func TestAllocsEnabledJSON(t *testing.T) {
	skipAllocsUnderRace(t)
	m, w := allocManager(t, map[string]any{"class": "json"})
	l := m.Logger("a.b.c")
	bw := &allocCounter{}
	base := slog.New(slog.NewJSONHandler(bw, nil)).With("logger", "a.b.c")
	for _, tt := range allocArgs {
		t.Run(tt.name, func(t *testing.T) {
			w0, bw0 := w.n.Load(), bw.n.Load()
			want := testing.AllocsPerRun(allocRuns, func() { base.Info("hello", tt.give...) })
			got := testing.AllocsPerRun(allocRuns, func() { l.Info("hello", tt.give...) })
			require.Equal(t, int64(allocRuns+1), w.n.Load()-w0, "records written through slogtree")
			require.Equal(t, int64(allocRuns+1), bw.n.Load()-bw0, "records written through slog")
			t.Logf("allocs/op: slogtree %v, slog %v", got, want)
			assert.Equal(t, want, got, "allocs of Info with %s: slogtree json vs slog.JSONHandler", tt.name)
		})
	}
}

// TestAllocsPatternFormatter measures the pattern formatter against slog's
// TextHandler, its nearest slog equivalent, for a record of three
// attributes.
func TestAllocsPatternFormatter(t *testing.T) {
	skipAllocsUnderRace(t)
	m, w := allocManager(t, map[string]any{"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"})
	l := m.Logger("a.b.c")
	require.True(t, l.Enabled(context.Background(), slog.LevelInfo))
	args := allocArgs[3].give
	got := testing.AllocsPerRun(allocRuns, func() { l.Info("hello", args...) })
	require.Equal(t, int64(allocRuns+1), w.n.Load(), "records written through slogtree")

	base := slog.New(slog.NewTextHandler(&allocCounter{}, nil)).With("logger", "a.b.c")
	want := testing.AllocsPerRun(allocRuns, func() { base.Info("hello", args...) })

	t.Logf("allocs of Info with 3 attrs: pattern formatter %v, slog.TextHandler %v", got, want)
	assert.LessOrEqual(t, got, want, "allocs of Info with 3 attrs: pattern formatter vs slog.TextHandler")
}

// withAllocsCase is a formatter of the With allocation tests, and the slog
// handler it is measured against.
type withAllocsCase struct {
	fmt  map[string]any
	base func(w *allocCounter) slog.Handler
}

// withAllocs measures l.With("req", 42).Info("hello", "k", 1) through a
// Manager with one stream handler with tc's formatter, and through slog's
// handler (with the logger attribute slogtree's formatters add): a logger
// made per request, as a web handler makes one. slog pre-formats the With
// attributes once per With; slogtree may allocate one more, for the
// logger's name.
func withAllocs(t *testing.T, tc withAllocsCase) {
	t.Helper()
	skipAllocsUnderRace(t)
	m, w := allocManager(t, tc.fmt)
	l := m.Logger("a.b.c")
	got := testing.AllocsPerRun(allocRuns, func() { l.With("req", 42).Info("hello", "k", 1) })
	require.Equal(t, int64(allocRuns+1), w.n.Load(), "records written through slogtree")

	bw := &allocCounter{}
	base := slog.New(tc.base(bw)).With("logger", "a.b.c")
	want := testing.AllocsPerRun(allocRuns, func() { base.With("req", 42).Info("hello", "k", 1) })
	require.Equal(t, int64(allocRuns+1), bw.n.Load(), "records written through slog")

	t.Logf("allocs of With(…).Info: slogtree %v, slog %v", got, want)
	assert.LessOrEqual(t, got, want+1, "allocs of With(…).Info: slogtree vs slog, which pre-formats the With attributes")
}

func TestAllocsWithJSON(t *testing.T) {
	withAllocs(t, withAllocsCase{
		fmt:  map[string]any{"class": "json"},
		base: func(w *allocCounter) slog.Handler { return slog.NewJSONHandler(w, nil) },
	})
}

func TestAllocsWithPattern(t *testing.T) {
	withAllocs(t, withAllocsCase{
		fmt:  map[string]any{"format": "%(levelname)s %(name)s: %(message)s"},
		base: func(w *allocCounter) slog.Handler { return slog.NewTextHandler(w, nil) },
	})
}

// TestRegisteredCodeThatPanics checks the calls into a program's code that
// are not a handler's Handle: a writer registered with RegisterValue whose
// Write panics, and a closer that panics when the configuration is
// retired. Each panic is reported, the other handlers get every record,
// and nothing reaches the caller.
func TestRegisteredCodeThatPanics(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, "ok")
	require.NoError(t, e.reg.RegisterValue("boom.writer", io.Writer(panicWriter{})))
	require.NoError(t, e.reg.RegisterHandler("close.panic", HandlerClass{
		New: func(*HandlerConfig) (slog.Handler, io.Closer, error) {
			return slog.DiscardHandler, closerFunc(func() error { panic("close boom") }), nil
		},
	}))
	e.config(t, map[string]any{"version": 1,
		"handlers": map[string]any{
			"boom": map[string]any{"class": "stream", "stream": "ext://boom.writer"},
			"ok":   map[string]any{"class": "stream", "stream": "ext://out.ok"},
			"cp":   map[string]any{"class": "close.panic"}},
		"root": map[string]any{"handlers": []any{"boom", "ok", "cp"}}})
	assert.NotPanics(t, func() { e.Logger("").Warn("hello") })
	assert.Equal(t, "hello\n", e.take("ok"))
	e.config(t, map[string]any{"version": 1, "root": map[string]any{"handlers": []any{}}})
	require.NoError(t, e.waitRetired(context.Background()))
	var texts []string
	for _, err := range e.reported() {
		texts = append(texts, err.Error())
	}
	joined := strings.Join(texts, "\n")
	assert.Contains(t, joined, "write boom")
	assert.Contains(t, joined, "close boom")
}

// panicWriter is a registered writer whose Write panics.
type panicWriter struct{}

func (panicWriter) Write([]byte) (int, error) { panic("write boom") }
