package formatters_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/slogtree/slogtree/formatters"
	"github.com/slogtree/slogtree/internal/testutil"
)

// allocsPattern is the pattern handler of the allocation tests and the
// benchmarks: benchFormat, specialised for the logger "app.db".
func allocsPattern(tb testing.TB) slog.Handler {
	p, err := formatters.NewPattern(&formatters.PatternOptions{Format: benchFormat})
	if err != nil {
		tb.Fatal(err)
	}
	return formatters.WithLoggerName(p.NewHandler(io.Discard), "app.db")
}

// tenAttrs are the attributes of the benchmarks and tests that log
// through a handler made with With.
func tenAttrs() []slog.Attr {
	return []slog.Attr{
		slog.String("svc", "api"), slog.String("host", "web-1"), slog.Int("pid", 4242), slog.String("region", "eu west"),
		slog.Bool("canary", false), slog.Float64("ratio", 0.25), slog.String("version", "1.2.3"),
		slog.Group("req", slog.String("id", "r-1"), slog.String("path", "/x")), slog.Int("shard", 7), slog.String("env", "prod"),
	}
}

// PatternHandler.WithAttrs of one attribute costs at most two
// allocations: the handler and its rendered text, or the kept attribute.
func TestAllocsPatternWithAttrs(t *testing.T) {
	if testutil.RaceEnabled {
		t.Skip("the race detector allocates")
	}
	h := allocsPattern(t)
	p, err := formatters.NewPattern(&formatters.PatternOptions{Format: "%(req)d " + benchFormat})
	if err != nil {
		t.Fatal(err)
	}
	named := p.NewHandler(io.Discard)
	attrs := []slog.Attr{slog.Int("req", 42)}
	for _, tt := range []struct {
		name string
		h    slog.Handler
	}{{"extra", h}, {"named", named}, {"after extras", h.WithAttrs(tenAttrs())}} {
		if got := testing.AllocsPerRun(1000, func() { tt.h.WithAttrs(attrs) }); got > 2 {
			t.Errorf("%s: WithAttrs of one attribute: %v allocations, want at most 2", tt.name, got)
		}
	}
}

// PatternHandler.Handle of a record with up to five attributes allocates
// nothing, with or without attributes from With or a group.
func TestAllocsPatternHandle(t *testing.T) {
	if testutil.RaceEnabled {
		t.Skip("the race detector allocates")
	}
	base := allocsPattern(t)
	ten := base.WithAttrs(tenAttrs())
	handlers := []struct {
		name string
		h    slog.Handler
	}{
		{"plain", base},
		{"With one", base.WithAttrs([]slog.Attr{slog.Int("req", 42)})},
		{"With ten", ten},
		{"With ten, group", ten.WithGroup("g")},
	}
	five := []slog.Attr{
		slog.String("user", "alice"), slog.Int("n", 7), slog.Float64("f", 3.25), slog.Bool("ok", true),
		slog.Group("req", slog.String("id", "r-2")),
	}
	// One of each kind, a time and a string that are quoted among them.
	kinds := []slog.Attr{
		slog.String("user", "alice smith"), slog.Int("n", 7), slog.Float64("f", 3.25), slog.Bool("ok", true),
		slog.Time("at", time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC)),
	}
	ctx := context.Background()
	for _, tt := range handlers {
		for n := 0; n <= len(five); n++ {
			r := fmttRecord(slog.LevelInfo, "hello world", five[:n]...)
			if got := testing.AllocsPerRun(1000, func() { _ = tt.h.Handle(ctx, r) }); got != 0 {
				t.Errorf("%s: Handle of a record of %d attributes: %v allocations, want 0", tt.name, n, got)
			}
		}
		r := fmttRecord(slog.LevelInfo, "hello world", kinds...)
		if got := testing.AllocsPerRun(1000, func() { _ = tt.h.Handle(ctx, r) }); got != 0 {
			t.Errorf("%s: Handle of a record of five kinds of attribute: %v allocations, want 0", tt.name, got)
		}
	}
}

// The text formatter's WithAttrs costs what slog's TextHandler.WithAttrs
// costs, and one small struct: the twin that names CRITICAL is made only
// for records that need it.
func TestAllocsTextWithAttrs(t *testing.T) {
	if testutil.RaceEnabled {
		t.Skip("the race detector allocates")
	}
	attrs := []slog.Attr{slog.Int("req", 42)}
	// Both through the slog.Handler interface, as a Logger calls them.
	handlers := []slog.Handler{slog.NewTextHandler(io.Discard, nil), formatters.NewText(nil).NewHandler(io.Discard)}
	allocs := make([]float64, len(handlers))
	for i, h := range handlers {
		allocs[i] = testing.AllocsPerRun(1000, func() { h.WithAttrs(attrs) })
	}
	if allocs[1] > allocs[0]+1 {
		t.Errorf("text WithAttrs: %v allocations, want at most slog's %v + 1", allocs[1], allocs[0])
	}
}
