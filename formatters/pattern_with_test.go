package formatters_test

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/formatters"
)

// countingStringer counts the calls of its String method.
type countingStringer struct{ n *atomic.Int32 }

func (c countingStringer) String() string {
	c.n.Add(1)
	return "counted"
}

// An attribute given to WithAttrs renders as it would in the record: same
// text, same place, same order (the handler's attributes, then the
// record's), whatever the format names, the extras mode and the groups.
func TestPatternWithAttrsAsInRecord(t *testing.T) {
	t.Parallel()
	with := []slog.Attr{
		slog.String("user", "alice"), slog.String("s", "a b"), slog.String("empty", ""), slog.String("q", `say "x"`),
		slog.Float64("f", 1.5), slog.Bool("b", true), slog.Any("nil", nil), slog.Any("err", errors.New("boom")),
		slog.Group("req", slog.Int("id", 42), slog.String("path", "/x")), slog.Group("", slog.String("inlined", "y")),
		slog.Group("emptygroup"), slog.String("", "no key"), slog.Any("c", countingStringer{n: new(atomic.Int32)}),
		slog.Any("exc_info", errors.New("trace")), slog.String("stack_info", "Stack:\n  here"),
	}
	rec := []slog.Attr{slog.Int("n", 3), slog.String("user", "bob")}
	// Defaults for the named attributes that some shapes put in a group.
	dflt := func(keys ...string) map[string]any {
		m := map[string]any{}
		for _, k := range keys {
			m[k] = "-"
		}
		return m
	}
	formats := []formatters.PatternOptions{
		{Format: "%(message)s"},
		{Format: "%(levelname)s"},
		{Format: "%(message)s [%(name)s]"},
		{Format: "%(user)s %(message)s %(req.id)s %(g.n)s %(g.user)s", Defaults: dflt("user", "req.id", "g.n", "g.user")},
		{Format: "%(message)s %(exc_info)s %(g.exc_info)s", Defaults: dflt("exc_info", "g.exc_info")},
		{Format: "{message} {req.path} {f:>6}", Style: "{", Defaults: dflt("req.path", "f")},
		{Format: "$message $user", Style: "$", Defaults: dflt("user")},
		{Format: "%(message)s", Extras: formatters.ExtrasIgnore},
		{Format: "%(message)s %(user)s", Extras: formatters.ExtrasIgnore, Defaults: dflt("user")},
	}
	record := func(attrs ...slog.Attr) slog.Record { return fmttRecord(slog.LevelInfo, "hello", attrs...) }
	shapes := []struct {
		name string
		with func(h slog.Handler) slog.Handler
		want slog.Record // the same attributes, all in the record
	}{
		{
			name: "WithAttrs",
			with: func(h slog.Handler) slog.Handler { return h.WithAttrs(with) },
			want: record(append(append([]slog.Attr{}, with...), rec...)...),
		},
		{
			name: "WithAttrs then WithGroup",
			with: func(h slog.Handler) slog.Handler { return h.WithAttrs(with).WithGroup("g") },
			want: record(append(append([]slog.Attr{}, with...), slog.Attr{Key: "g", Value: slog.GroupValue(rec...)})...),
		},
		{
			name: "WithGroup then WithAttrs",
			with: func(h slog.Handler) slog.Handler { return h.WithGroup("g").WithAttrs(with) },
			want: record(slog.Attr{Key: "g", Value: slog.GroupValue(append(append([]slog.Attr{}, with...), rec...)...)}),
		},
		{
			name: "WithAttrs twice",
			with: func(h slog.Handler) slog.Handler { return h.WithAttrs(with[:5]).WithAttrs(nil).WithAttrs(with[5:]) },
			want: record(append(append([]slog.Attr{}, with...), rec...)...),
		},
	}
	ctx := context.Background()
	for _, opts := range formats {
		p := fmttPattern(t, opts)
		for _, sh := range shapes {
			wantW, gotW := &fmttWriter{}, &fmttWriter{}
			require.NoError(t, p.NewHandler(wantW).Handle(ctx, sh.want), opts.Format)
			require.NoError(t, sh.with(p.NewHandler(gotW)).Handle(ctx, record(rec...)), opts.Format)
			assert.Equal(t, wantW.String(), gotW.String(), "format %q, %s", opts.Format, sh.name)
		}
	}
}

// WithAttrs renders an attribute the format does not name once, however
// many records follow; an attribute the format names is rendered in
// place, for each record.
func TestPatternWithAttrsRenderedOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tt := range []struct {
		format    string
		wantCalls int32
	}{
		{format: "%(message)s", wantCalls: 1},
		{format: "%(c)s %(message)s", wantCalls: 3},
	} {
		p := fmttPattern(t, formatters.PatternOptions{Format: tt.format})
		var n atomic.Int32
		w := &fmttWriter{}
		h := p.NewHandler(w).WithAttrs([]slog.Attr{slog.Any("c", countingStringer{n: &n})})
		for range 3 {
			require.NoError(t, h.Handle(ctx, fmttRecord(slog.LevelInfo, "m")))
		}
		assert.Equal(t, tt.wantCalls, n.Load(), tt.format)
		assert.Contains(t, w.String(), "counted")
	}
}

// WithLoggerName returns the handler itself when the format shows no
// logger name, so that the loggers of a route share one handler; a
// format with the name gets a handler of its own per logger.
func TestPatternWithLoggerNameShared(t *testing.T) {
	t.Parallel()
	tests := []struct {
		opts   formatters.PatternOptions
		shared bool
	}{
		{opts: formatters.PatternOptions{Format: "%(levelname)s %(message)s"}, shared: true},
		{opts: formatters.PatternOptions{Format: "%(message)s %(names)s", Defaults: map[string]any{"names": "x"}}, shared: true},
		{opts: formatters.PatternOptions{Format: "%(name)s %(message)s"}},
		{opts: formatters.PatternOptions{Format: "{name:>8} {message}", Style: "{"}},
		{opts: formatters.PatternOptions{Format: "${name}: $message", Style: "$"}},
	}
	for _, tt := range tests {
		p := fmttPattern(t, tt.opts)
		w := &fmttWriter{}
		base := p.NewHandler(w).WithAttrs([]slog.Attr{slog.Int("a", 1)})
		named := formatters.WithLoggerName(base, "app.db")
		if tt.shared {
			assert.Same(t, base, named, tt.opts.Format)
			continue
		}
		assert.NotSame(t, base, named, tt.opts.Format)
		require.NoError(t, named.Handle(context.Background(), fmttRecord(slog.LevelInfo, "m")))
		require.NoError(t, base.Handle(context.Background(), fmttRecord(slog.LevelInfo, "m")))
		assert.Contains(t, w.String(), "app.db", tt.opts.Format)
		assert.Contains(t, w.String(), "root", tt.opts.Format)
	}
}
