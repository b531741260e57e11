package slogconfig

// The helpers shared by the tests of this package.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/slogtree/slogtree/filters"
	"github.com/slogtree/slogtree/formatters"
	"github.com/slogtree/slogtree/internal/levels"
	"github.com/slogtree/slogtree/internal/testutil"
)

// buffer is an io.Writer that keeps what it gets and counts the writes,
// safe for concurrent use.
type buffer struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
}

var _ io.Writer = (*buffer)(nil)

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.writes++
	return b.buf.Write(p)
}

// String returns what was written and not yet taken.
func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// take returns what was written since the last take and forgets it.
func (b *buffer) take() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	b.buf.Reset()
	return s
}

// lines returns what was written and not yet taken, line by line, without
// the final newline. Unlike splitLines, it never returns nil: no output is
// an empty list, as it is when decoded from JSON.
func (b *buffer) lines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := strings.TrimSuffix(b.buf.String(), "\n")
	if s == "" {
		return []string{}
	}
	return strings.Split(s, "\n")
}

// count returns the number of writes so far.
func (b *buffer) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.writes
}

// testEnv is a Manager on a fresh Registry with named buffer sinks, the
// handler and filter classes of registerTestClasses, a last-resort handler
// over a buffer, and an error handler that records what it gets.
type testEnv struct {
	*Manager
	reg    *Registry
	prefix string             // sink NAME is the registry value PREFIX.NAME
	out    map[string]*buffer // the sinks by name
	last   *buffer            // what the last-resort handler wrote, without times

	mu    sync.Mutex
	errs  []error // every error reported
	taken int     // errs[:taken] were returned by reported
}

// newTestEnv returns a testEnv with one buffer per sink name, usable in a
// configuration as "stream": "ext://out.NAME".
func newTestEnv(t testing.TB, sinks ...string) *testEnv {
	t.Helper()
	return newTestEnvAt(t, "out", sinks...)
}

// newTestEnvAt is newTestEnv with the sinks registered as PREFIX.NAME
// ("ext://PREFIX.NAME", or PREFIX.NAME in an INI file's args).
func newTestEnvAt(t testing.TB, prefix string, sinks ...string) *testEnv {
	t.Helper()
	e := &testEnv{reg: NewRegistry(), prefix: prefix, out: map[string]*buffer{}, last: &buffer{}}
	for _, s := range sinks {
		e.sink(t, s)
	}
	registerTestClasses(t, e.reg)
	e.Manager = New(
		WithRegistry(e.reg),
		WithErrorHandler(func(err error) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.errs = append(e.errs, err)
		}),
		WithLastResort(slog.NewTextHandler(e.last, &slog.HandlerOptions{
			ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey {
					return slog.Attr{}
				}
				return a
			},
		})),
	)
	t.Cleanup(func() { _ = e.Shutdown() })
	return e
}

// sink returns the buffer of sink name, registering a new one if there is
// none yet. A configuration applied after it was registered can use it.
func (e *testEnv) sink(t testing.TB, name string) *buffer {
	t.Helper()
	if b := e.out[name]; b != nil {
		return b
	}
	b := &buffer{}
	e.out[name] = b
	require.NoError(t, e.reg.RegisterValue(e.prefix+"."+name, io.Writer(b)))
	return b
}

// config applies cfg and fails the test on error.
func (e *testEnv) config(t testing.TB, cfg map[string]any) {
	t.Helper()
	require.NoError(t, e.DictConfig(cfg))
}

// take returns what sink name got since the last take.
func (e *testEnv) take(name string) string {
	return e.out[name].take()
}

// takeAll returns every sink's output since the last take, by sink name,
// leaving out sinks that got nothing.
func (e *testEnv) takeAll() map[string]string {
	got := map[string]string{}
	for name, b := range e.out {
		if s := b.take(); s != "" {
			got[name] = s
		}
	}
	return got
}

// reported returns the errors the error handler got since the last call.
func (e *testEnv) reported() []error {
	e.mu.Lock()
	defer e.mu.Unlock()
	errs := slices.Clone(e.errs[e.taken:])
	e.taken = len(e.errs)
	return errs
}

// allReported returns every error the error handler got, including those
// reported has returned.
func (e *testEnv) allReported() []error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.errs)
}

// handlerErrors returns the ids of the handlers reported as failing (a
// [*HandlerError]), in the order reported.
func (e *testEnv) handlerErrors() []string {
	var ids []string
	for _, err := range e.allReported() {
		var he *HandlerError
		if errors.As(err, &he) {
			ids = append(ids, he.Handler)
		}
	}
	return ids
}

// jsonConfig decodes a JSON configuration as Load would: numbers are float64.
func jsonConfig(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(s), &m), "test config: %s", s)
	return m
}

// jsonQuote returns s as a JSON string, for a path in a configuration
// written as JSON.
func jsonQuote(s string) string {
	b := strings.Builder{}
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// rootA is a configuration fragment: handler "a" on sink a at the root,
// root at DEBUG.
const rootA = `"handlers": {"a": {"class": "stream", "stream": "ext://out.a"}},
	"root": {"handlers": ["a"], "level": "DEBUG"}`

// splitLines splits output into lines, without the final newline.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// firstTen returns the first ten elements of s, for failure messages.
func firstTen[T any](s []T) []T { return s[:min(len(s), 10)] }

// failingHandler is the slog.Handler of the "test.fail" class: its Handle
// always fails.
type failingHandler struct{}

var errSinkFailed = errors.New("cfgt: sink failed")

func (failingHandler) Enabled(context.Context, slog.Level) bool  { return true }
func (failingHandler) Handle(context.Context, slog.Record) error { return errSinkFailed }
func (h failingHandler) WithAttrs([]slog.Attr) slog.Handler      { return h }
func (h failingHandler) WithGroup(string) slog.Handler           { return h }

// panickingHandler panics in Handle.
type panickingHandler struct{}

func (panickingHandler) Enabled(context.Context, slog.Level) bool  { return true }
func (panickingHandler) Handle(context.Context, slog.Record) error { panic("cfgt: handle boom") }
func (h panickingHandler) WithAttrs([]slog.Attr) slog.Handler      { return h }
func (h panickingHandler) WithGroup(string) slog.Handler           { return h }

// registerTestClasses registers the test classes:
//
//   - handler "test.fail": Handle returns errSinkFailed;
//   - handler "test.panic_handle": Handle panics;
//   - handler "test.panic_new": New panics;
//   - handler "test.error_new": New returns an error;
//   - handler "test.ref": forwards to the handler named by "target" (a Ref),
//     asking its Enabled first;
//   - handler "test.tee": forwards to the handlers listed in "targets",
//     asking each one's Enabled first;
//   - filter "test.prefix": keeps records whose message starts with the
//     "prefix" kwarg;
//   - filter "test.panic": panics.
func registerTestClasses(t testing.TB, r *Registry) {
	t.Helper()
	require.NoError(t, r.RegisterHandler("test.fail", HandlerClass{
		New: func(*HandlerConfig) (slog.Handler, io.Closer, error) { return failingHandler{}, nil, nil },
	}))
	require.NoError(t, r.RegisterHandler("test.panic_handle", HandlerClass{
		New: func(*HandlerConfig) (slog.Handler, io.Closer, error) { return panickingHandler{}, nil, nil },
	}))
	require.NoError(t, r.RegisterHandler("test.panic_new", HandlerClass{
		New: func(*HandlerConfig) (slog.Handler, io.Closer, error) { panic("cfgt: new boom") },
	}))
	require.NoError(t, r.RegisterHandler("test.error_new", HandlerClass{
		New: func(*HandlerConfig) (slog.Handler, io.Closer, error) {
			return nil, nil, errors.New("cfgt: cannot build")
		},
	}))
	require.NoError(t, r.RegisterHandler("test.ref", HandlerClass{
		Params: []string{"target"},
		Refs:   []string{"target"},
		New: func(c *HandlerConfig) (slog.Handler, io.Closer, error) {
			id, err := c.String("target", "")
			if err != nil {
				return nil, nil, err
			}
			h := c.Handler(id)
			if h == nil {
				return nil, nil, fmt.Errorf("target %q not built", id)
			}
			return teeHandler{h}, nil, nil
		},
	}))
	require.NoError(t, r.RegisterHandler("test.tee", HandlerClass{
		Params: []string{"targets"},
		Refs:   []string{"targets"},
		New: func(c *HandlerConfig) (slog.Handler, io.Closer, error) {
			list, _ := c.Args["targets"].([]any)
			var hs []slog.Handler
			for _, v := range list {
				id, _ := v.(string)
				h := c.Handler(id)
				if h == nil {
					return nil, nil, fmt.Errorf("target %q not built", id)
				}
				hs = append(hs, h)
			}
			return teeHandler(hs), nil, nil
		},
	}))
	require.NoError(t, r.RegisterFilter("test.prefix", func(c *FilterConfig) (filters.Filter, error) {
		args := c.Args
		for k := range args {
			if k != "prefix" {
				return nil, fmt.Errorf("unexpected keyword argument %q", k)
			}
		}
		p, ok := args["prefix"].(string)
		if !ok {
			return nil, fmt.Errorf("prefix: want a string, got %v", args["prefix"])
		}
		return filters.Func(func(_ context.Context, _ string, r slog.Record) (slog.Record, bool) {
			return r, strings.HasPrefix(r.Message, p)
		}), nil
	}))
	require.NoError(t, r.RegisterFilter("test.panic", func(*FilterConfig) (filters.Filter, error) {
		return filters.Func(func(context.Context, string, slog.Record) (slog.Record, bool) {
			panic("cfgt: filter boom")
		}), nil
	}))
}

// teeHandler sends each record to every handler that is enabled for it.
type teeHandler []slog.Handler

func (t teeHandler) Enabled(context.Context, slog.Level) bool { return true }
func (t teeHandler) Handle(ctx context.Context, r slog.Record) error {
	var errs []error
	for _, h := range t {
		if h.Enabled(ctx, r.Level) {
			errs = append(errs, h.Handle(ctx, r.Clone()))
		}
	}
	return errors.Join(errs...)
}
func (t teeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make(teeHandler, len(t))
	for i, h := range t {
		out[i] = h.WithAttrs(as)
	}
	return out
}
func (t teeHandler) WithLoggerName(name string) slog.Handler {
	out := make(teeHandler, len(t))
	for i, h := range t {
		out[i] = formatters.WithLoggerName(h, name)
	}
	return out
}
func (t teeHandler) WithGroup(g string) slog.Handler {
	out := make(teeHandler, len(t))
	for i, h := range t {
		out[i] = h.WithGroup(g)
	}
	return out
}

// configCase is one row of a configuration table: loggers obtained first,
// configurations applied first, the configuration under test, records
// logged after it, and what each sink must then hold.
type configCase struct {
	name   string
	pre    []string          // loggers obtained before any configuration
	before []string          // JSON configurations applied first, in order
	give   string            // the JSON configuration under test
	log    []string          // records: "logger LEVEL message [key=value ...]"
	want   map[string]string // sink name or "lastResort" -> output, times scrubbed
}

// configCaseSinks are the sinks runConfigCases gives every case.
var configCaseSinks = []string{"a", "b", "c"}

// runConfigCases runs configuration cases in parallel, each on its own Manager.
func runConfigCases(t *testing.T, tests []configCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t, configCaseSinks...)
			e.check(t, tt)
		})
	}
}

// check applies one case to e.
func (e *testEnv) check(t *testing.T, tt configCase) {
	t.Helper()
	for _, name := range tt.pre {
		e.Logger(name)
	}
	for _, b := range tt.before {
		e.config(t, jsonConfig(t, b))
	}
	e.config(t, jsonConfig(t, tt.give))
	e.takeAll()
	e.last.take()
	logRecords(t, e.Manager, tt.log...)
	got := e.takeAll()
	if s := e.last.take(); s != "" {
		got["lastResort"] = s
	}
	for k, v := range got {
		got[k] = scrubTimes(v)
	}
	want := tt.want
	if want == nil {
		want = map[string]string{}
	}
	assert.Equal(t, want, got)
	assert.Empty(t, e.reported(), "errors reported to the error handler")
}

// logRecords logs records given as "logger LEVEL message [key=value ...]".
// LEVEL is a level name (DEBUG, WARN, INFO+2, CRITICAL) or a slog number.
func logRecords(t testing.TB, m *Manager, recs ...string) {
	t.Helper()
	for _, rec := range recs {
		f := strings.Fields(rec)
		require.GreaterOrEqual(t, len(f), 3, "record %q", rec)
		var args []any
		for _, kv := range f[3:] {
			k, v, ok := strings.Cut(kv, "=")
			require.True(t, ok, "record %q", rec)
			args = append(args, slog.String(k, v))
		}
		m.Logger(f[0]).Log(context.Background(), testLevel(t, f[1]), f[2], args...)
	}
}

func testLevel(t testing.TB, s string) slog.Level {
	t.Helper()
	if n, err := strconv.Atoi(s); err == nil {
		return slog.Level(n)
	}
	l, err := levels.ParseName(s)
	require.NoError(t, err)
	return l.Slog
}

var (
	rfc3339Re = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`)
	asctimeRe = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}`)
	dateRe    = regexp.MustCompile(`\d\d/\d\d/\d{4}`)
)

// scrubTimes replaces times: slog's RFC 3339 times by TIME, Python's
// default asctime by ASCTIME, dd/mm/yyyy dates by DATE.
func scrubTimes(s string) string {
	s = rfc3339Re.ReplaceAllString(s, "TIME")
	s = asctimeRe.ReplaceAllString(s, "ASCTIME")
	return dateRe.ReplaceAllString(s, "DATE")
}

// benchManager returns a Manager configured with cfg, in a registry of its
// own where ext://bench.out is out; a handler error fails the test. The
// benchmarks and the allocation tests use it.
func benchManager(tb testing.TB, cfg map[string]any, out io.Writer) *Manager {
	tb.Helper()
	reg := NewRegistry()
	require.NoError(tb, reg.RegisterValue("bench.out", out))
	m := New(WithRegistry(reg), WithErrorHandler(func(err error) { tb.Errorf("handler error: %v", err) }))
	require.NoError(tb, m.DictConfig(cfg))
	tb.Cleanup(func() { _ = m.Shutdown() })
	return m
}

// pyResult is what one side, CPython or slogtree, did in a scenario of
// TestPyDiff or TestFCPyDiff: the lines its streams got and whether each
// configuration was accepted, in order, and notes for a failure message.
type pyResult struct {
	Name   string   `json:"name"`
	Events []string `json:"events"`
	Notes  []string `json:"notes"`
}

// runPyScenarios runs scenarios through testdata/script in one CPython
// process and returns its results by scenario name.
func runPyScenarios(t *testing.T, script string, scenarios any) map[string]pyResult {
	t.Helper()
	py := testutil.Python3(t)
	in, err := json.Marshal(map[string]any{"scenarios": scenarios})
	require.NoError(t, err)
	cmd := exec.CommandContext(t.Context(), py, filepath.Join("testdata", script))
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "%s: %s", script, stderr.String())
	assert.Empty(t, stderr.String(), "%s wrote to stderr", script)
	var res []pyResult
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &res), "%s output", script)
	out := make(map[string]pyResult, len(res))
	for _, r := range res {
		out[r.Name] = r
	}
	return out
}

// recorder collects the lines that several writers write, in order, safe
// for concurrent use.
type recorder struct {
	mu     sync.Mutex
	events []string
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, s)
}

func (r *recorder) snapshot() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// openFiles returns the file descriptors the process has open, each with
// what it refers to, as /proc/self/fd lists them; ok is false where there
// is no /proc/self/fd to read.
func openFiles() (fds map[int]string, ok bool) {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil, false
	}
	fds = make(map[int]string, len(ents))
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		if err != nil {
			continue // the descriptor ReadDir used, closed since
		}
		fds[fd] = target
	}
	return fds, true
}

// goleakLumberjack ignores lumberjack's cleanup goroutine, which it starts
// once per rotated file and never stops (one per path for the life of the
// process, as the README says).
var goleakLumberjack = goleak.IgnoreTopFunction("gopkg.in/natefinch/lumberjack%2ev2.(*Logger).millRun")
