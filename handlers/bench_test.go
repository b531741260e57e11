package handlers

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gopkg.in/natefinch/lumberjack.v2"

	"github.com/slogtree/slogtree/formatters"
)

// The record every benchmark writes: its message is the line.
var fhBenchMsg = strings.Repeat("m", 99)

func fhBenchRecord() slog.Record {
	return slog.NewRecord(time.Now(), slog.LevelInfo, fhBenchMsg, 0)
}

func fhBenchFormatter(b *testing.B) formatters.Formatter {
	f, err := formatters.NewPattern(&formatters.PatternOptions{Format: "%(message)s"})
	if err != nil {
		b.Fatal(err)
	}
	return f
}

// fhBenchHandle handles the benchmark record through h, b.N times.
func fhBenchHandle(b *testing.B, h slog.Handler) {
	r := fhBenchRecord()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := h.Handle(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareLumberjack writes the bytes of the record's line to a
// lumberjack.Logger: the baseline of BenchmarkRotatingFileHandler.
func BenchmarkBareLumberjack(b *testing.B) {
	l := &lumberjack.Logger{Filename: filepath.Join(b.TempDir(), "bare.log"), MaxSize: 10}
	defer l.Close()
	line := []byte(fhBenchMsg + "\n")
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Write(line); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRotatingFileHandler handles the record through Python's
// RotatingFileHandler: the pattern formatter over the shared rotating
// file, with the same size limit and the same bytes written.
func BenchmarkRotatingFileHandler(b *testing.B) {
	h, err := NewRotatingFileHandler(filepath.Join(b.TempDir(), "rot.log"), fhBenchFormatter(b), &RotatingOptions{MaxSizeMB: 10}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	b.SetBytes(int64(len(fhBenchMsg) + 1))
	fhBenchHandle(b, h)
}

// BenchmarkRotatingFileHandlerVsLumberjack runs BenchmarkBareLumberjack
// and BenchmarkRotatingFileHandler in alternating blocks of 1,000 records,
// so that both see the same state of the machine and its disk, and reports
// their times per record and the handler's throughput as a fraction of the
// bare Logger's (the goal is at least 0.9).
func BenchmarkRotatingFileHandlerVsLumberjack(b *testing.B) {
	dir := b.TempDir()
	l := &lumberjack.Logger{Filename: filepath.Join(dir, "bare.log"), MaxSize: 10}
	defer l.Close()
	h, err := NewRotatingFileHandler(filepath.Join(dir, "rot.log"), fhBenchFormatter(b), &RotatingOptions{MaxSizeMB: 10}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	line := []byte(fhBenchMsg + "\n")
	r := fhBenchRecord()
	ctx := context.Background()
	const block = 1000
	var bare, ours time.Duration
	b.ReportAllocs()
	for done := 0; done < b.N; done += block {
		n := min(block, b.N-done)
		start := time.Now()
		for range n {
			if _, err := l.Write(line); err != nil {
				b.Fatal(err)
			}
		}
		mid := time.Now()
		for range n {
			if err := h.Handle(ctx, r); err != nil {
				b.Fatal(err)
			}
		}
		bare += mid.Sub(start)
		ours += time.Since(mid)
	}
	b.ReportMetric(float64(bare.Nanoseconds())/float64(b.N), "bare-ns/rec")
	b.ReportMetric(float64(ours.Nanoseconds())/float64(b.N), "handler-ns/rec")
	b.ReportMetric(float64(bare)/float64(ours), "throughput-ratio")
}

// BenchmarkRotatingFile writes the same bytes as BenchmarkBareLumberjack
// through the shared sink alone: the cost of the sharing.
func BenchmarkRotatingFile(b *testing.B) {
	f, err := OpenRotating(filepath.Join(b.TempDir(), "sink.log"), &RotatingOptions{MaxSizeMB: 10})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	line := []byte(fhBenchMsg + "\n")
	b.SetBytes(int64(len(line)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Write(line); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRotatingFileHandlerParallel is BenchmarkRotatingFileHandler
// from every P at once, through one shared file.
func BenchmarkRotatingFileHandlerParallel(b *testing.B) {
	h, err := NewRotatingFileHandler(filepath.Join(b.TempDir(), "rotp.log"), fhBenchFormatter(b), &RotatingOptions{MaxSizeMB: 10}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	fhBenchParallel(b, h)
}

// BenchmarkFileHandler is the synchronous file handler: the baseline of
// the queue and watched-file benchmarks.
func BenchmarkFileHandler(b *testing.B) {
	h, err := NewFileHandler(filepath.Join(b.TempDir(), "f.log"), fhBenchFormatter(b), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	fhBenchHandle(b, h)
}

// BenchmarkFileHandlerParallel is BenchmarkFileHandler from every P at
// once, through one shared file: records are written under the path's
// read lock, in parallel.
func BenchmarkFileHandlerParallel(b *testing.B) {
	h, err := NewFileHandler(filepath.Join(b.TempDir(), "fp.log"), fhBenchFormatter(b), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	fhBenchParallel(b, h)
}

// BenchmarkWatchedFileHandler is BenchmarkFileHandler with the stat of
// the path that WatchedFileHandler makes before each record.
func BenchmarkWatchedFileHandler(b *testing.B) {
	h, err := NewWatchedFileHandler(filepath.Join(b.TempDir(), "w.log"), fhBenchFormatter(b), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	fhBenchHandle(b, h)
}

// fhCounting counts the records that reach it.
type fhCounting struct {
	slog.Handler
	n atomic.Int64
}

func (c *fhCounting) Handle(ctx context.Context, r slog.Record) error {
	err := c.Handler.Handle(ctx, r)
	c.n.Add(1)
	return err
}

// BenchmarkQueueHandlerCallerLatency measures the time a caller spends in
// a QueueHandler in front of the file handler of BenchmarkFileHandler, in
// bursts that fit in the queue; the queue is drained between bursts,
// untimed.
func BenchmarkQueueHandlerCallerLatency(b *testing.B) {
	file, err := NewFileHandler(filepath.Join(b.TempDir(), "ql.log"), fhBenchFormatter(b), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer file.Close()
	sink := &fhCounting{Handler: file}
	q := NewQueueHandler([]slog.Handler{sink}, nil)
	defer q.Close()
	r := fhBenchRecord()
	ctx := context.Background()
	const burst = 1000
	b.ReportAllocs()
	sent := int64(0)
	for i := 0; i < b.N; i++ {
		if i%burst == 0 && i > 0 {
			b.StopTimer()
			for sink.n.Load() < sent {
				time.Sleep(10 * time.Microsecond)
			}
			b.StartTimer()
		}
		if err := q.Handle(ctx, r); err != nil {
			b.Fatal(err)
		}
		sent++
	}
	b.StopTimer()
	if d := q.Dropped(); d != 0 {
		b.Fatalf("%d records dropped", d)
	}
}

// BenchmarkQueueHandlerThroughput logs through a QueueHandler (Block
// overflow) in front of the file handler of BenchmarkFileHandler until
// every record is written: the sustained rate, with the number of dropped
// records (always 0 with Block) reported as drops.
func BenchmarkQueueHandlerThroughput(b *testing.B) {
	file, err := NewFileHandler(filepath.Join(b.TempDir(), "qt.log"), fhBenchFormatter(b), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer file.Close()
	sink := &fhCounting{Handler: file}
	q := NewQueueHandler([]slog.Handler{sink}, nil)
	r := fhBenchRecord()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	// Not b.Loop: the timer must run on through the drain in Close.
	for i := 0; i < b.N; i++ {
		if err := q.Handle(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
	if err := q.Close(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(q.Dropped()), "drops")
	if got := sink.n.Load(); got != int64(b.N) {
		b.Fatalf("%d of %d records written", got, b.N)
	}
}

// BenchmarkQueueHandlerThroughputParallel is BenchmarkQueueHandlerThroughput
// with every P logging.
func BenchmarkQueueHandlerThroughputParallel(b *testing.B) {
	file, err := NewFileHandler(filepath.Join(b.TempDir(), "qtp.log"), fhBenchFormatter(b), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer file.Close()
	sink := &fhCounting{Handler: file}
	q := NewQueueHandler([]slog.Handler{sink}, nil)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r := fhBenchRecord()
		for pb.Next() {
			if err := q.Handle(ctx, r); err != nil {
				b.Error(err)
				return
			}
		}
	})
	if err := q.Close(); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(q.Dropped()), "drops")
	if got := sink.n.Load(); got != int64(b.N) {
		b.Fatalf("%d of %d records written", got, b.N)
	}
}

// BenchmarkMemoryHandler buffers records and flushes them to a discarding
// handler every 100.
func BenchmarkMemoryHandler(b *testing.B) {
	h := NewMemoryHandler(slog.DiscardHandler, &MemoryOptions{Capacity: 100})
	defer h.Close()
	fhBenchHandle(b, h)
}

// fhBenchParallel handles the benchmark record through h from every P at
// once.
func fhBenchParallel(b *testing.B, h slog.Handler) {
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r := fhBenchRecord()
		for pb.Next() {
			if err := h.Handle(ctx, r); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
