package handlers

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"
)

// pickleBenchRecord is the record of the pickle benchmarks: a message and
// five attributes.
func pickleBenchRecord() slog.Record {
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "request served", 0)
	r.AddAttrs(slog.String("method", "GET"), slog.String("path", "/api/v1/users"), slog.Int("status", 200),
		slog.Float64("ms", 12.5), slog.Bool("cached", false))
	return r
}

func benchHandle(b *testing.B, h slog.Handler) {
	r := pickleBenchRecord()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := h.Handle(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSlogJSONDiscard is slog's JSONHandler writing the record to
// io.Discard: the baseline of the pickle benchmarks.
func BenchmarkSlogJSONDiscard(b *testing.B) {
	benchHandle(b, slog.NewJSONHandler(io.Discard, nil))
}

// BenchmarkPickleRecord builds the record dict and pickles it, as
// SocketHandler and DatagramHandler do for each record, without sending.
func BenchmarkPickleRecord(b *testing.B) {
	rec := newPyRecord("")
	r := pickleBenchRecord()
	b.ReportAllocs()
	for b.Loop() {
		d := getPyDict()
		rec.build(d, &r, slog.Value{})
		var err error
		if d.frame, err = d.appendPickle(d.frame[:0]); err != nil {
			b.Fatal(err)
		}
		d.put()
	}
}

// BenchmarkURLEncodeRecord builds the record dict and urlencodes it, as
// HTTPHandler does for each record, without sending.
func BenchmarkURLEncodeRecord(b *testing.B) {
	rec := newPyRecord("")
	r := pickleBenchRecord()
	b.ReportAllocs()
	for b.Loop() {
		d := getPyDict()
		rec.build(d, &r, slog.StringValue("()"))
		d.frame = d.appendURLEncoded(d.frame[:0])
		d.put()
	}
}

// BenchmarkSocketHandler sends the record over loopback TCP to a receiver
// that discards what it reads.
func BenchmarkSocketHandler(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, c)
		_ = c.Close()
	}()
	h, err := NewSocketHandler("tcp", ln.Addr().String(), nil)
	if err != nil {
		b.Fatal(err)
	}
	benchHandle(b, h)
	b.StopTimer()
	if n := h.Dropped(); n > 0 {
		b.Errorf("%d records dropped", n)
	}
	_ = h.Close()
	_ = ln.Close()
	<-done
}

// BenchmarkSocketHandlerParallel is BenchmarkSocketHandler from every P.
func BenchmarkSocketHandlerParallel(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, c)
		_ = c.Close()
	}()
	h, err := NewSocketHandler("tcp", ln.Addr().String(), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r := pickleBenchRecord()
		ctx := context.Background()
		for pb.Next() {
			if err := h.Handle(ctx, r); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	_ = h.Close()
	_ = ln.Close()
	<-done
}
