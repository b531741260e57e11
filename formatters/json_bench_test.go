package formatters_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/slogtree/slogtree/formatters"
	"github.com/slogtree/slogtree/internal/testutil"
)

// jsonSink discards what it is given. It does not write atomically, so
// slogtree's handler takes its lock around each Write, as slog's does.
type jsonSink struct{}

func (jsonSink) Write(p []byte) (int, error) { return len(p), nil }

// jsonBenchAttrs are five attributes of mixed kinds.
var jsonBenchAttrs = []slog.Attr{
	slog.String("user", "alice"), slog.Int("n", 7), slog.Float64("f", 3.25),
	slog.Bool("ok", true), slog.Time("at", time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)),
}

func jsonBenchRecord(n int) slog.Record {
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "hello world", 0)
	r.AddAttrs(jsonBenchAttrs[:n]...)
	return r
}

func jsonBenchHandlers() []struct {
	name string
	h    slog.Handler
} {
	return []struct {
		name string
		h    slog.Handler
	}{
		{"slogtree", formatters.NewJSON(nil).NewHandler(jsonSink{})},
		{"slog", slog.NewJSONHandler(jsonSink{}, &slog.HandlerOptions{Level: slog.LevelDebug})},
	}
}

// BenchmarkJSON handles a record of five attributes (string, int, float,
// bool, time), with slogtree's handler and with slog.JSONHandler. The
// goal is slogtree ≤ 0.8× slog, with 0 allocations.
func BenchmarkJSON(b *testing.B) {
	ctx := context.Background()
	for _, tt := range jsonBenchHandlers() {
		b.Run(tt.name+"_5attrs", func(b *testing.B) {
			r := jsonBenchRecord(5)
			b.ReportAllocs()
			for b.Loop() {
				if err := tt.h.Handle(ctx, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkJSONWithInfo is logger.With("req", 42).Info(msg, one attr):
// a WithAttrs of one attribute and a Handle through the result.
func BenchmarkJSONWithInfo(b *testing.B) {
	ctx := context.Background()
	for _, tt := range jsonBenchHandlers() {
		b.Run(tt.name, func(b *testing.B) {
			r := jsonBenchRecord(1)
			b.ReportAllocs()
			for b.Loop() {
				if err := tt.h.WithAttrs([]slog.Attr{slog.Int("req", 42)}).Handle(ctx, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkJSONParallel is BenchmarkJSON from every P at once, through
// the handler's lock.
func BenchmarkJSONParallel(b *testing.B) {
	ctx := context.Background()
	for _, tt := range jsonBenchHandlers() {
		b.Run(tt.name+"_5attrs", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				r := jsonBenchRecord(5)
				for pb.Next() {
					if err := tt.h.Handle(ctx, r); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// Handle allocates nothing for records of up to five attributes, with
// and without attributes and groups from WithAttrs and WithGroup.
func TestAllocsJSONHandle(t *testing.T) {
	if testutil.RaceEnabled {
		t.Skip("the race detector allocates")
	}
	base := formatters.NewJSON(nil).NewHandler(jsonSink{})
	handlers := map[string]slog.Handler{
		"plain":      base,
		"with":       formatters.WithLoggerName(base, "app").WithAttrs([]slog.Attr{slog.Int("a", 1), slog.String("b", "x")}),
		"with group": base.WithGroup("g").WithAttrs([]slog.Attr{slog.Int("a", 1)}).WithGroup("h"),
		"critical":   base,
	}
	ctx := context.Background()
	for name, h := range handlers {
		for n := 0; n <= len(jsonBenchAttrs); n++ {
			r := jsonBenchRecord(n)
			if name == "critical" {
				r.Level = 13
			}
			got := testing.AllocsPerRun(100, func() {
				if err := h.Handle(ctx, r); err != nil {
					t.Fatal(err)
				}
			})
			if got != 0 {
				t.Errorf("%s, %d attrs: %v allocations per Handle, want 0", name, n, got)
			}
		}
	}
}

// WithAttrs of one attribute allocates the new handler and its rendered
// attributes, nothing more.
func TestAllocsJSONWithAttrs(t *testing.T) {
	if testutil.RaceEnabled {
		t.Skip("the race detector allocates")
	}
	h := formatters.NewJSON(nil).NewHandler(jsonSink{}).WithGroup("g")
	attrs := []slog.Attr{slog.Int("req", 42)}
	got := testing.AllocsPerRun(100, func() { h.WithAttrs(attrs) })
	if got > 2 {
		t.Errorf("%v allocations per WithAttrs of one attribute, want at most 2", got)
	}
}
