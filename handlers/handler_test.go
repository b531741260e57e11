package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"testing/slogtest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/filters"
	"github.com/slogtree/slogtree/formatters"
	"github.com/slogtree/slogtree/handlers"
)

// hdltRecorder is an inner handler that keeps what it gets.
type hdltRecorder struct {
	mu      sync.Mutex
	enabled bool
	records []slog.Record
}

func (h *hdltRecorder) Enabled(context.Context, slog.Level) bool { return h.enabled }
func (h *hdltRecorder) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r)
	return nil
}
func (h *hdltRecorder) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *hdltRecorder) WithGroup(string) slog.Handler      { return h }

func (h *hdltRecorder) messages() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, r := range h.records {
		out = append(out, r.Message)
	}
	return out
}

func hdltRec(level slog.Level, msg string) slog.Record {
	return slog.NewRecord(time.Time{}, level, msg, 0)
}

func TestHandlerLevel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name  string
		give  slog.Leveler
		level slog.Level
		want  bool
	}{
		{name: "default passes everything", give: nil, level: -1000, want: true},
		{name: "below", give: slog.LevelWarn, level: slog.LevelInfo, want: false},
		{name: "at", give: slog.LevelWarn, level: slog.LevelWarn, want: true},
		{name: "above", give: slog.LevelWarn, level: 12, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := handlers.New(&hdltRecorder{enabled: true}, &handlers.Options{Level: tt.give})
			assert.Equal(t, tt.want, h.Enabled(ctx, tt.level))
		})
	}

	// A LevelVar is read at each call.
	var lv slog.LevelVar
	lv.Set(slog.LevelError)
	h := handlers.New(&hdltRecorder{enabled: true}, &handlers.Options{Level: &lv})
	assert.False(t, h.Enabled(ctx, slog.LevelWarn))
	lv.Set(slog.LevelDebug)
	assert.True(t, h.Enabled(ctx, slog.LevelWarn))
	assert.Equal(t, slog.LevelDebug, h.Level())

	// The inner handler has its say too.
	assert.False(t, handlers.New(&hdltRecorder{enabled: false}, nil).Enabled(ctx, 12))

	// Through a slog.Logger, the level gates records.
	rec := &hdltRecorder{enabled: true}
	l := slog.New(handlers.New(rec, &handlers.Options{Level: slog.LevelWarn}))
	l.Info("dropped")
	l.Warn("kept")
	assert.Equal(t, []string{"kept"}, rec.messages())

	// Handle leaves the level to Enabled, as Python's Handler.handle does.
	rec = &hdltRecorder{enabled: true}
	require.NoError(t, handlers.New(rec, &handlers.Options{Level: slog.LevelError}).Handle(ctx, hdltRec(slog.LevelDebug, "forwarded")))
	assert.Equal(t, []string{"forwarded"}, rec.messages())
}

func TestHandlerFilters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var mu sync.Mutex
	var seen []string
	saw := func(tag string) filters.Filter {
		return filters.Func(func(_ context.Context, logger string, r slog.Record) (slog.Record, bool) {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, tag+":"+logger+":"+r.Message)
			return r, true
		})
	}
	dropSecret := filters.Func(func(_ context.Context, _ string, r slog.Record) (slog.Record, bool) {
		return r, r.Message != "secret"
	})
	rename := filters.Func(func(_ context.Context, _ string, r slog.Record) (slog.Record, bool) {
		r2 := slog.NewRecord(r.Time, r.Level, "renamed "+r.Message, r.PC)
		return r2, true
	})
	rec := &hdltRecorder{enabled: true}
	fs := []filters.Filter{saw("1"), dropSecret, rename, saw("2")}
	h := handlers.New(rec, &handlers.Options{Filters: fs})
	assert.Equal(t, fs, h.Filters())
	require.NoError(t, h.Handle(ctx, hdltRec(slog.LevelInfo, "hello")))
	require.NoError(t, h.Handle(ctx, hdltRec(slog.LevelInfo, "secret")))
	require.NoError(t, formatters.WithLoggerName(h, "app.db").Handle(ctx, hdltRec(slog.LevelInfo, "named")))

	assert.Equal(t, []string{"renamed hello", "renamed named"}, rec.messages())
	assert.Equal(t, []string{
		"1:root:hello", "2:root:renamed hello",
		"1:root:secret",
		"1:app.db:named", "2:app.db:renamed named",
	}, seen, "filters run in order, see the logger name and the record a filter before returned, and stop at a drop")

	// A logging.Filter by name.
	rec = &hdltRecorder{enabled: true}
	h = handlers.New(rec, &handlers.Options{Filters: []filters.Filter{filters.Name("app")}})
	for _, name := range []string{"app", "app.db", "apple", "other"} {
		require.NoError(t, formatters.WithLoggerName(h, name).Handle(ctx, hdltRec(slog.LevelInfo, name)))
	}
	require.NoError(t, h.Handle(ctx, hdltRec(slog.LevelInfo, "root")))
	assert.Equal(t, []string{"app", "app.db"}, rec.messages())
}

// WithLoggerName names the logger both to the filters and to the
// formatter.
func TestHandlerWithLoggerName(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	p, err := formatters.NewPattern(&formatters.PatternOptions{Format: "%(name)s %(message)s"})
	require.NoError(t, err)
	h := handlers.NewStreamHandler(&buf, p, nil, &handlers.Options{Filters: []filters.Filter{filters.Name("a.b")}})
	defer h.Close()
	ctx := context.Background()
	require.NoError(t, formatters.WithLoggerName(h, "a.b.c").WithAttrs([]slog.Attr{slog.Int("k", 1)}).Handle(ctx, hdltRec(slog.LevelInfo, "in")))
	require.NoError(t, formatters.WithLoggerName(h, "a.bc").Handle(ctx, hdltRec(slog.LevelInfo, "out")))
	require.NoError(t, formatters.WithLoggerName(h.WithGroup("g"), "a.b").Handle(ctx, func() slog.Record {
		r := hdltRec(slog.LevelInfo, "grouped")
		r.AddAttrs(slog.Int("x", 2))
		return r
	}()))
	assert.Equal(t, "a.b.c in k=1\na.b grouped g.x=2\n", buf.String())

	// JSON gets a logger attribute.
	var jbuf bytes.Buffer
	jh := handlers.New(formatters.NewJSON(nil).NewHandler(&jbuf), nil)
	require.NoError(t, formatters.WithLoggerName(jh, "svc").Handle(ctx, hdltRec(slog.LevelInfo, "m")))
	var got map[string]any
	require.NoError(t, json.Unmarshal(jbuf.Bytes(), &got))
	assert.Equal(t, "svc", got[formatters.LoggerKey])
}

// hdltCloser counts its Close calls and returns err.
type hdltCloser struct {
	mu    sync.Mutex
	calls int
	err   error
	order *[]string
	name  string
}

func (c *hdltCloser) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	*c.order = append(*c.order, c.name)
	return c.err
}

// Close closes each closer once, in order, from any of the handler's
// derived copies, and returns the first result every time.
func TestHandlerCloseOnce(t *testing.T) {
	t.Parallel()
	var order []string
	errB := errors.New("b failed")
	errC := errors.New("c failed")
	a := &hdltCloser{name: "a", order: &order}
	b := &hdltCloser{name: "b", order: &order, err: errB}
	c := &hdltCloser{name: "c", order: &order, err: errC}
	h := handlers.New(&hdltRecorder{enabled: true}, nil, a, b, c)
	derived := []interface{ Close() error }{
		h.WithAttrs([]slog.Attr{slog.Int("k", 1)}).(*handlers.Handler),
		h.WithGroup("g").(*handlers.Handler),
		formatters.WithLoggerName(h, "x").(*handlers.Handler),
		h,
	}
	var wg sync.WaitGroup
	errs := make([]error, len(derived)*3)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = derived[i%len(derived)].Close()
		}()
	}
	wg.Wait()
	assert.Equal(t, []string{"a", "b", "c"}, order)
	for _, cl := range []*hdltCloser{a, b, c} {
		assert.Equal(t, 1, cl.calls, cl.name)
	}
	for _, err := range errs {
		assert.ErrorIs(t, err, errB)
		assert.ErrorIs(t, err, errC)
	}
	assert.NoError(t, handlers.New(&hdltRecorder{}, nil).Close(), "nothing to close")
}

func TestHandlerAccessors(t *testing.T) {
	t.Parallel()
	inner := &hdltRecorder{enabled: true}
	h := handlers.New(inner, nil)
	assert.Same(t, inner, h.Handler())
	assert.Empty(t, h.Filters())
	assert.Less(t, h.Level(), slog.Level(-1000), "the default level passes everything")
}

func TestHandlerSlogtest(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	h := handlers.New(formatters.NewJSON(nil).NewHandler(&buf), &handlers.Options{
		Filters: []filters.Filter{filters.Name("")},
	})
	results := func() []map[string]any {
		var ms []map[string]any
		for _, line := range bytes.Split(bytes.TrimSuffix(buf.Bytes(), []byte("\n")), []byte("\n")) {
			if len(line) == 0 {
				continue
			}
			var m map[string]any
			require.NoError(t, json.Unmarshal(line, &m))
			ms = append(ms, m)
		}
		return ms
	}
	require.NoError(t, slogtest.TestHandler(h, results))
}

func TestNull(t *testing.T) {
	t.Parallel()
	assert.False(t, handlers.Null.Enabled(context.Background(), 100))
	assert.NoError(t, handlers.Null.Handle(context.Background(), hdltRec(slog.LevelError, "x")))
}

// hdltPanicky is an inner handler that panics in the methods named in
// panics, and otherwise records what it gets, attributes resolved in
// groups as a TextHandler would print them.
type hdltPanicky struct {
	panics map[string]bool
	out    *bytes.Buffer
	mu     *sync.Mutex
	inner  slog.Handler
}

func newHdltPanicky(methods ...string) *hdltPanicky {
	p := &hdltPanicky{panics: map[string]bool{}, out: &bytes.Buffer{}, mu: &sync.Mutex{}}
	for _, m := range methods {
		p.panics[m] = true
	}
	p.inner = slog.NewTextHandler(lockedWriter{p}, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey || a.Key == slog.LevelKey {
			return slog.Attr{}
		}
		return a
	}})
	return p
}

type lockedWriter struct{ p *hdltPanicky }

func (w lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.p.out.Write(b)
}

func (p *hdltPanicky) text() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func (p *hdltPanicky) Enabled(ctx context.Context, l slog.Level) bool {
	if p.panics["Enabled"] {
		panic("enabled boom")
	}
	return true
}

func (p *hdltPanicky) Handle(ctx context.Context, r slog.Record) error {
	if p.panics["Handle"] {
		panic("handle boom")
	}
	return p.inner.Handle(ctx, r)
}

func (p *hdltPanicky) WithAttrs(as []slog.Attr) slog.Handler {
	if p.panics["WithAttrs"] {
		panic("attrs boom")
	}
	p2 := *p
	p2.inner = p.inner.WithAttrs(as)
	return &p2
}

func (p *hdltPanicky) WithGroup(name string) slog.Handler {
	if p.panics["WithGroup"] {
		panic("group boom")
	}
	p2 := *p
	p2.inner = p.inner.WithGroup(name)
	return &p2
}

// TestHandlerGuardsWrappedCode checks that a panic in the wrapped handler
// never reaches the caller: from Handle it becomes the error; from
// Enabled, WithAttrs, WithGroup and the logger-name specialisation it is
// reported, and WithAttrs and WithGroup are applied to each record instead,
// so that the record keeps its attributes and groups.
func TestHandlerGuardsWrappedCode(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rec := func() slog.Record {
		r := hdltRec(slog.LevelInfo, "m")
		r.AddAttrs(slog.Int("k", 1))
		return r
	}
	tests := []struct {
		name    string
		panics  []string
		use     func(h *handlers.Handler) slog.Handler
		want    string // what the inner handler printed
		wantErr string // Handle's error
		method  string // reported, with the panic
	}{
		{name: "Handle", panics: []string{"Handle"}, use: func(h *handlers.Handler) slog.Handler { return h },
			wantErr: "handler panicked: handle boom"},
		{name: "WithAttrs", panics: []string{"WithAttrs"},
			use:    func(h *handlers.Handler) slog.Handler { return h.WithAttrs([]slog.Attr{slog.String("req", "r1")}) },
			want:   "msg=m req=r1 k=1\n",
			method: "WithAttrs"},
		{name: "WithGroup then WithAttrs", panics: []string{"WithGroup"},
			use: func(h *handlers.Handler) slog.Handler {
				return h.WithAttrs([]slog.Attr{slog.String("a", "1")}).WithGroup("g").WithAttrs([]slog.Attr{slog.String("b", "2")})
			},
			want:   "msg=m a=1 g.b=2 g.k=1\n",
			method: "WithGroup"},
		{name: "logger name", panics: []string{"WithAttrs"},
			use:    func(h *handlers.Handler) slog.Handler { return h.WithLoggerName("app.db") },
			want:   "msg=m logger=app.db k=1\n",
			method: "WithLoggerName"},
		{name: "Enabled", panics: []string{"Enabled"},
			use: func(h *handlers.Handler) slog.Handler {
				assert.True(t, h.Enabled(ctx, slog.LevelInfo), "a panicking Enabled counts as enabled")
				return h
			},
			want:   "msg=m k=1\n",
			method: "Enabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var reported []error
			inner := newHdltPanicky(tt.panics...)
			h := handlers.New(inner, &handlers.Options{Name: "h1", OnError: func(err error) {
				mu.Lock()
				defer mu.Unlock()
				reported = append(reported, err)
			}})
			var err error
			assert.NotPanics(t, func() { err = tt.use(h).Handle(ctx, rec()) })
			if tt.wantErr != "" {
				assert.EqualError(t, err, tt.wantErr)
			} else {
				assert.NoError(t, err)
			}
			assert.Equal(t, tt.want, inner.text())
			mu.Lock()
			defer mu.Unlock()
			if tt.method == "" {
				assert.Empty(t, reported)
				return
			}
			require.Len(t, reported, 1)
			var ce *handlers.CallError
			require.ErrorAs(t, reported[0], &ce)
			assert.Equal(t, tt.method, ce.Method)
			assert.Equal(t, "h1", ce.Handler)
			assert.Contains(t, ce.Error(), "boom")
		})
	}

	// A trusted handler has no recover: the panic is the caller's.
	trusted := handlers.New(newHdltPanicky("Handle"), &handlers.Options{Trusted: true})
	assert.Panics(t, func() { _ = trusted.Handle(ctx, rec()) })

	// A filter's panic is Handle's error.
	boom := filters.Func(func(context.Context, string, slog.Record) (slog.Record, bool) { panic("filter boom") })
	fh := handlers.New(newHdltPanicky(), &handlers.Options{Filters: []filters.Filter{boom}})
	assert.EqualError(t, fh.Handle(ctx, rec()), "filter panicked: filter boom")
}

// TestHandlerSetLevelReachesEveryUse checks that the handlers derived from
// one handlers.Handler share its level: SetLevel on any of them changes them all,
// as Python's setLevel on its one handler object does.
func TestHandlerSetLevelReachesEveryUse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := handlers.New(&hdltRecorder{enabled: true}, &handlers.Options{Level: slog.LevelWarn, Filters: []filters.Filter{filters.Name("")}})
	uses := []slog.Handler{h, h.WithLoggerName("a"), h.WithAttrs([]slog.Attr{slog.Int("k", 1)}), h.WithGroup("g")}
	for _, u := range uses {
		assert.False(t, u.Enabled(ctx, slog.LevelInfo))
	}
	uses[1].(*handlers.Handler).SetLevel(slog.LevelDebug)
	for i, u := range uses {
		assert.True(t, u.Enabled(ctx, slog.LevelInfo), "use %d", i)
		assert.Equal(t, slog.LevelDebug, u.(*handlers.Handler).Level())
	}
}

// TestHandlerWithLoggerNameShares checks that a Handler whose output does
// not depend on the logger name is its own specialisation, so that routes
// of many loggers can share it, and that one with filters, or over a
// handler that renders the name, is not.
func TestHandlerWithLoggerNameShares(t *testing.T) {
	t.Parallel()
	plain, err := formatters.NewPattern(&formatters.PatternOptions{Format: "%(message)s"})
	require.NoError(t, err)
	named, err := formatters.NewPattern(&formatters.PatternOptions{Format: "%(name)s %(message)s"})
	require.NoError(t, err)
	var buf bytes.Buffer
	h := handlers.New(plain.NewHandler(&buf), nil)
	assert.Same(t, h, h.WithLoggerName("x"), "nothing depends on the name")
	hn := handlers.New(named.NewHandler(&buf), nil)
	assert.NotSame(t, hn, hn.WithLoggerName("x"), "the name is rendered")
	hf := handlers.New(plain.NewHandler(&buf), &handlers.Options{Filters: []filters.Filter{filters.Name("a")}})
	sf := hf.WithLoggerName("b").(*handlers.Handler)
	assert.NotSame(t, hf, sf, "name filters are decided per name")
	assert.False(t, sf.Passes())
	assert.True(t, hf.WithLoggerName("a.b").(*handlers.Handler).Passes())
}

// userFormatter is a program's formatter: code slogtree does not trust.
type userFormatter struct{}

func (userFormatter) NewHandler(io.Writer) slog.Handler { return newHdltPanicky("Handle") }

// TestNewXHandlerTrust checks that the constructors over this package's
// file sinks skip the recover only when nothing can panic: slogtree's own
// formatter and name filters. A program's formatter or filter is guarded.
func TestNewXHandlerTrust(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pattern, err := formatters.NewPattern(nil)
	require.NoError(t, err)
	own, err := handlers.NewFileHandler(filepath.Join(dir, "a.log"), pattern, nil, &handlers.Options{Filters: []filters.Filter{filters.Name("a")}})
	require.NoError(t, err)
	defer own.Close()
	assert.True(t, own.Trusted())
	user, err := handlers.NewFileHandler(filepath.Join(dir, "b.log"), userFormatter{}, nil, nil)
	require.NoError(t, err)
	defer user.Close()
	assert.False(t, user.Trusted())
	assert.NotPanics(t, func() {
		assert.EqualError(t, user.Handle(context.Background(), hdltRec(slog.LevelInfo, "m")), "handler panicked: handle boom")
	})
	withFunc, err := handlers.NewRotatingFileHandler(filepath.Join(dir, "c.log"), nil, nil,
		&handlers.Options{Filters: []filters.Filter{filters.Func(func(_ context.Context, _ string, r slog.Record) (slog.Record, bool) { return r, true })}})
	require.NoError(t, err)
	defer withFunc.Close()
	assert.False(t, withFunc.Trusted())
}
