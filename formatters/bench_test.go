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
