package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
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
