package slogconfig

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
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
)

// cfgtBuffer is a bytes.Buffer safe for concurrent use.
type cfgtBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *cfgtBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

var _ io.Writer = (*cfgtBuffer)(nil)

// take returns what was written since the last take and forgets it.
func (b *cfgtBuffer) take() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.buf.String()
	b.buf.Reset()
	return s
}

// cfgtEnv is a Manager with a fresh registry, named buffer sinks registered
// as ext://out.NAME, a last-resort handler over a buffer, and an error
// handler that records what it gets.
type cfgtEnv struct {
	*Manager
	reg  *Registry
	out  map[string]*cfgtBuffer
	last *cfgtBuffer

	mu   sync.Mutex
	errs []error
}

// cfgtManager returns a cfgtEnv with one buffer per sink name, usable in a
// configuration as "stream": "ext://out.NAME". Every test handler class of
// cfgtRegisterTestClasses is registered too.
func cfgtManager(t testing.TB, sinks ...string) *cfgtEnv {
	t.Helper()
	e := &cfgtEnv{reg: NewRegistry(), out: map[string]*cfgtBuffer{}, last: &cfgtBuffer{}}
	for _, s := range sinks {
		b := &cfgtBuffer{}
		e.out[s] = b
		require.NoError(t, e.reg.RegisterValue("out."+s, io.Writer(b)))
	}
	cfgtRegisterTestClasses(t, e.reg)
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

// config applies cfg and fails the test on error.
func (e *cfgtEnv) config(t testing.TB, cfg map[string]any) {
	t.Helper()
	require.NoError(t, e.DictConfig(cfg))
}

// take returns what sink name got since the last take.
func (e *cfgtEnv) take(name string) string {
	return e.out[name].take()
}

// takeAll returns every sink's output since the last take, by sink name,
// leaving out sinks that got nothing.
func (e *cfgtEnv) takeAll() map[string]string {
	got := map[string]string{}
	for name, b := range e.out {
		if s := b.take(); s != "" {
			got[name] = s
		}
	}
	return got
}

// reported returns the errors the error handler got since the last call.
func (e *cfgtEnv) reported() []error {
	e.mu.Lock()
	defer e.mu.Unlock()
	errs := e.errs
	e.errs = nil
	return errs
}

// cfgtJSON decodes a JSON configuration as Load would: numbers are float64.
func cfgtJSON(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(s), &m), "test config: %s", s)
	return m
}

// cfgtLines splits output into lines, without the final newline.
func cfgtLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// cfgtErrHandler is the slog.Handler of the "test.fail" class: its Handle
// always fails.
type cfgtErrHandler struct{}

var errCfgtFail = errors.New("cfgt: sink failed")

func (cfgtErrHandler) Enabled(context.Context, slog.Level) bool  { return true }
func (cfgtErrHandler) Handle(context.Context, slog.Record) error { return errCfgtFail }
func (h cfgtErrHandler) WithAttrs([]slog.Attr) slog.Handler      { return h }
func (h cfgtErrHandler) WithGroup(string) slog.Handler           { return h }

// cfgtPanicHandler panics in Handle.
type cfgtPanicHandler struct{}

func (cfgtPanicHandler) Enabled(context.Context, slog.Level) bool  { return true }
func (cfgtPanicHandler) Handle(context.Context, slog.Record) error { panic("cfgt: handle boom") }
func (h cfgtPanicHandler) WithAttrs([]slog.Attr) slog.Handler      { return h }
func (h cfgtPanicHandler) WithGroup(string) slog.Handler           { return h }

// cfgtRegisterTestClasses registers the test classes:
//
//   - handler "test.fail": Handle returns errCfgtFail;
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
func cfgtRegisterTestClasses(t testing.TB, r *Registry) {
	t.Helper()
	require.NoError(t, r.RegisterHandler("test.fail", HandlerClass{
		New: func(*HandlerConfig) (slog.Handler, io.Closer, error) { return cfgtErrHandler{}, nil, nil },
	}))
	require.NoError(t, r.RegisterHandler("test.panic_handle", HandlerClass{
		New: func(*HandlerConfig) (slog.Handler, io.Closer, error) { return cfgtPanicHandler{}, nil, nil },
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
			return cfgtTee{h}, nil, nil
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
			return cfgtTee(hs), nil, nil
		},
	}))
	require.NoError(t, r.RegisterFilter("test.prefix", func(args map[string]any) (filters.Filter, error) {
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
	require.NoError(t, r.RegisterFilter("test.panic", func(map[string]any) (filters.Filter, error) {
		return filters.Func(func(context.Context, string, slog.Record) (slog.Record, bool) {
			panic("cfgt: filter boom")
		}), nil
	}))
}

// cfgtTee sends each record to every handler that is enabled for it.
type cfgtTee []slog.Handler

func (t cfgtTee) Enabled(context.Context, slog.Level) bool { return true }
func (t cfgtTee) Handle(ctx context.Context, r slog.Record) error {
	var errs []error
	for _, h := range t {
		if h.Enabled(ctx, r.Level) {
			errs = append(errs, h.Handle(ctx, r.Clone()))
		}
	}
	return errors.Join(errs...)
}
func (t cfgtTee) WithAttrs(as []slog.Attr) slog.Handler {
	out := make(cfgtTee, len(t))
	for i, h := range t {
		out[i] = h.WithAttrs(as)
	}
	return out
}
func (t cfgtTee) WithLoggerName(name string) slog.Handler {
	out := make(cfgtTee, len(t))
	for i, h := range t {
		out[i] = formatters.WithLoggerName(h, name)
	}
	return out
}
func (t cfgtTee) WithGroup(g string) slog.Handler {
	out := make(cfgtTee, len(t))
	for i, h := range t {
		out[i] = h.WithGroup(g)
	}
	return out
}

// cfgtCase is one row of a configuration table: loggers obtained first,
// configurations applied first, the configuration under test, records
// logged after it, and what each sink must then hold.
type cfgtCase struct {
	name   string
	pre    []string          // loggers obtained before any configuration
	before []string          // JSON configurations applied first, in order
	give   string            // the JSON configuration under test
	log    []string          // records: "logger LEVEL message [key=value ...]"
	want   map[string]string // sink name or "lastResort" -> output, times scrubbed
}

// cfgtSinks are the sinks cfgtRun gives every case.
var cfgtSinks = []string{"a", "b", "c"}

// cfgtRun runs configuration cases in parallel, each on its own Manager.
func cfgtRun(t *testing.T, tests []cfgtCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := cfgtManager(t, cfgtSinks...)
			e.check(t, tt)
		})
	}
}

// check applies one case to e.
func (e *cfgtEnv) check(t *testing.T, tt cfgtCase) {
	t.Helper()
	for _, name := range tt.pre {
		e.Logger(name)
	}
	for _, b := range tt.before {
		e.config(t, cfgtJSON(t, b))
	}
	e.config(t, cfgtJSON(t, tt.give))
	e.takeAll()
	e.last.take()
	cfgtLog(t, e.Manager, tt.log...)
	got := e.takeAll()
	if s := e.last.take(); s != "" {
		got["lastResort"] = s
	}
	for k, v := range got {
		got[k] = cfgtScrub(v)
	}
	want := tt.want
	if want == nil {
		want = map[string]string{}
	}
	assert.Equal(t, want, got)
	assert.Empty(t, e.reported(), "errors reported to the error handler")
}

// cfgtLog logs records given as "logger LEVEL message [key=value ...]".
// LEVEL is a level name (DEBUG, WARN, INFO+2, CRITICAL) or a slog number.
func cfgtLog(t testing.TB, m *Manager, recs ...string) {
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
		m.Logger(f[0]).Log(context.Background(), cfgtLevel(t, f[1]), f[2], args...)
	}
}

func cfgtLevel(t testing.TB, s string) slog.Level {
	t.Helper()
	if n, err := strconv.Atoi(s); err == nil {
		return slog.Level(n)
	}
	l, err := levels.ParseName(s)
	require.NoError(t, err)
	return l.Slog
}

var (
	cfgtRFC3339 = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`)
	cfgtAsctime = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}`)
	cfgtDate    = regexp.MustCompile(`\d\d/\d\d/\d{4}`)
)

// cfgtScrub replaces times: slog's RFC 3339 times by TIME, Python's
// default asctime by ASCTIME, dd/mm/yyyy dates by DATE.
func cfgtScrub(s string) string {
	s = cfgtRFC3339.ReplaceAllString(s, "TIME")
	s = cfgtAsctime.ReplaceAllString(s, "ASCTIME")
	return cfgtDate.ReplaceAllString(s, "DATE")
}

// goleakLumberjack ignores lumberjack's cleanup goroutine, which it starts
// once per rotated file and never stops (one per path for the life of the
// process, as the README says).
var goleakLumberjack = goleak.IgnoreTopFunction("gopkg.in/natefinch/lumberjack%2ev2.(*Logger).millRun")
