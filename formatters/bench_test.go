package formatters_test

import (
	"context"
	"io"
	"log/slog"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slogtree/slogtree/formatters"
)

const benchFormat = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"

func benchRecord() slog.Record {
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "hello world", 0)
	r.AddAttrs(slog.String("user", "alice"), slog.Int("n", 7), slog.Float64("f", 3.25))
	return r
}

// BenchmarkPatternVsText formats the same record of 3 attributes with the
// pattern formatter (benchFormat, the attributes appended) and with
// slog.TextHandler, both specialised for the logger "app.db". The goal is
// pattern ≤ 0.8× text, with 0 allocations.
func BenchmarkPatternVsText(b *testing.B) {
	p, err := formatters.NewPattern(&formatters.PatternOptions{Format: benchFormat})
	if err != nil {
		b.Fatal(err)
	}
	handlers := []struct {
		name string
		h    slog.Handler
	}{
		{"pattern", formatters.WithLoggerName(p.NewHandler(io.Discard), "app.db")},
		{"pattern-extras-ignored", formatters.WithLoggerName(mustPattern(b, formatters.ExtrasIgnore).NewHandler(io.Discard), "app.db")},
		{"slog-text", slog.NewTextHandler(io.Discard, nil).WithAttrs([]slog.Attr{slog.String(formatters.LoggerKey, "app.db")})},
	}
	ctx := context.Background()
	for _, tt := range handlers {
		b.Run(tt.name, func(b *testing.B) {
			r := benchRecord()
			b.ReportAllocs()
			for b.Loop() {
				if err := tt.h.Handle(ctx, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func mustPattern(b *testing.B, extras string) *formatters.Pattern {
	p, err := formatters.NewPattern(&formatters.PatternOptions{Format: benchFormat, Extras: extras})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

var cpython struct {
	once sync.Once
	ns   float64
	err  error
}

// BenchmarkPatternVsCPython logs the record of BenchmarkPatternVsText
// through a slog.Logger on the pattern formatter, and reports CPython's
// time for the same format, logger and record (testdata/bench.py, run once
// per process) as cpython-ns/op, and the ratio as x-faster. The goal is
// x-faster ≥ 15.
func BenchmarkPatternVsCPython(b *testing.B) {
	cpython.once.Do(func() {
		py, err := exec.LookPath("python3")
		if err != nil {
			cpython.err = err
			return
		}
		out, err := exec.Command(py, "testdata/bench.py", "100000").Output()
		if err != nil {
			cpython.err = err
			return
		}
		cpython.ns, cpython.err = strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	})
	if cpython.err != nil {
		b.Skip("python3: ", cpython.err)
	}
	l := slog.New(formatters.WithLoggerName(mustPattern(b, formatters.ExtrasAppend).NewHandler(io.Discard), "app.db"))
	b.ReportAllocs()
	for b.Loop() {
		l.Info("hello world", "user", "alice", "n", 7, "f", 3.25)
	}
	goNs := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(cpython.ns, "cpython-ns/op")
	b.ReportMetric(cpython.ns/goNs, "x-faster")
}

// withInfoHandlers are the handlers of the With benchmarks, each
// specialised for the logger "app.db".
func withInfoHandlers(b *testing.B, w io.Writer) []struct {
	name string
	h    slog.Handler
} {
	p, err := formatters.NewPattern(&formatters.PatternOptions{Format: benchFormat})
	if err != nil {
		b.Fatal(err)
	}
	return []struct {
		name string
		h    slog.Handler
	}{
		{"pattern", formatters.WithLoggerName(p.NewHandler(w), "app.db")},
		{"text", formatters.WithLoggerName(formatters.NewText(nil).NewHandler(w), "app.db")},
		{"slog_text", slog.NewTextHandler(w, nil).WithAttrs([]slog.Attr{slog.String(formatters.LoggerKey, "app.db")})},
	}
}

// BenchmarkWithInfo is logger.With("req", 42).Info("hello world",
// "user", "alice") on a logger made for one record, as a request handler
// makes: WithAttrs of one attribute, then Handle of a record of one
// attribute, per iteration.
func BenchmarkWithInfo(b *testing.B) {
	ctx := context.Background()
	for _, tt := range withInfoHandlers(b, io.Discard) {
		b.Run(tt.name, func(b *testing.B) {
			r := slog.NewRecord(time.Now(), slog.LevelInfo, "hello world", 0)
			r.AddAttrs(slog.String("user", "alice"))
			b.ReportAllocs()
			for b.Loop() {
				h2 := tt.h.WithAttrs([]slog.Attr{slog.Int("req", 42)})
				if err := h2.Handle(ctx, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHandleWith10 handles a record of one attribute through a
// handler made once with ten attributes (a long-lived logger.With): the
// ten are rendered by WithAttrs, and each record copies their text.
func BenchmarkHandleWith10(b *testing.B) {
	ctx := context.Background()
	for _, tt := range withInfoHandlers(b, io.Discard) {
		b.Run(tt.name, func(b *testing.B) {
			h := tt.h.WithAttrs(tenAttrs())
			r := slog.NewRecord(time.Now(), slog.LevelInfo, "hello world", 0)
			r.AddAttrs(slog.String("user", "alice"))
			b.ReportAllocs()
			for b.Loop() {
				if err := h.Handle(ctx, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// nopWriter writes nothing, and, unlike io.Discard, does not say its
// Writes are atomic, so the formatters lock it.
type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkParallel handles the record of BenchmarkPatternVsText from
// GOMAXPROCS goroutines through one handler on a writer that needs the
// handler's lock.
func BenchmarkParallel(b *testing.B) {
	ctx := context.Background()
	for _, tt := range withInfoHandlers(b, nopWriter{}) {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				r := benchRecord()
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

// BenchmarkFiveKinds handles a record of five attributes, one of each kind
// (string, int, float, bool, time), with the pattern formatter (the
// attributes appended) and with slog.TextHandler. The goal is pattern ≤
// 1.0× slog's text, with 0 allocations.
func BenchmarkFiveKinds(b *testing.B) {
	ctx := context.Background()
	for _, tt := range withInfoHandlers(b, io.Discard) {
		b.Run(tt.name, func(b *testing.B) {
			r := slog.NewRecord(time.Now(), slog.LevelInfo, "hello world", 0)
			r.AddAttrs(slog.String("user", "alice"), slog.Int("n", 7), slog.Float64("f", 3.25),
				slog.Bool("ok", true), slog.Time("at", time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)))
			b.ReportAllocs()
			for b.Loop() {
				if err := tt.h.Handle(ctx, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
