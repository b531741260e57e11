package main

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"gopkg.in/natefinch/lumberjack.v2"
)

// openSlog logs through slog's JSONHandler (TextHandler for text) with
// the logger attribute slogtree adds, at Info: three handlers combine
// with slog.NewMultiHandler (Go 1.26), the rotating file is a
// lumberjack.Logger, and the queue is chanHandler, slog having none.
func openSlog(tb testing.TB, sc scenario, out *outputs) (func(), func() error) {
	newHandler := func(w io.Writer) slog.Handler {
		opts := &slog.HandlerOptions{Level: slog.LevelInfo}
		if sc.text {
			return slog.NewTextHandler(w, opts)
		}
		return slog.NewJSONHandler(w, opts)
	}
	var h slog.Handler
	stop := func() error { return nil }
	switch sc.sink {
	case rotating:
		lj := &lumberjack.Logger{Filename: out.file, MaxSize: benchMaxBytes >> 20, MaxBackups: benchBackups}
		h, stop = newHandler(lj), lj.Close
	case queue:
		q := newChanHandler(newHandler(out.writers[0]), benchQueueSize)
		h, stop = q, q.close
	default:
		hs := make([]slog.Handler, len(out.writers))
		for i, w := range out.writers {
			hs[i] = newHandler(w)
		}
		h = hs[0]
		if len(hs) > 1 {
			h = slog.NewMultiHandler(hs...)
		}
	}
	return slogCall(slog.New(h).With("logger", benchLogger), sc.call), stop
}

// chanHandler is the queue a slog program writes for itself: Handle
// sends a clone of the record on a buffered channel and returns; one
// goroutine hands the records to the wrapped handler in order. A full
// channel blocks the caller, as slogtree's queue does by default.
type chanHandler struct {
	h slog.Handler
	q *chanQueue
}

type chanQueue struct {
	ch   chan chanItem
	done chan struct{}
}

type chanItem struct {
	h slog.Handler
	r slog.Record
}

var _ slog.Handler = (*chanHandler)(nil)

func newChanHandler(h slog.Handler, size int) *chanHandler {
	q := &chanQueue{ch: make(chan chanItem, size), done: make(chan struct{})}
	go func() {
		defer close(q.done)
		for it := range q.ch {
			_ = it.h.Handle(context.Background(), it.r)
		}
	}()
	return &chanHandler{h: h, q: q}
}

func (c *chanHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return c.h.Enabled(ctx, l)
}

func (c *chanHandler) Handle(_ context.Context, r slog.Record) error {
	c.q.ch <- chanItem{c.h, r.Clone()}
	return nil
}

func (c *chanHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &chanHandler{h: c.h.WithAttrs(as), q: c.q}
}

func (c *chanHandler) WithGroup(name string) slog.Handler {
	return &chanHandler{h: c.h.WithGroup(name), q: c.q}
}

// close stops taking records and returns once every queued record is
// handled.
func (c *chanHandler) close() error {
	close(c.q.ch)
	<-c.q.done
	return nil
}
