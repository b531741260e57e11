package main

import (
	"io"
	"sync"
	"testing"

	"github.com/rs/zerolog"
	"gopkg.in/natefinch/lumberjack.v2"
)

// openZerolog logs through zerolog.New with a timestamp and the logger
// field (zerolog writes neither unless asked), at Info, with zerolog's
// typed event methods: three writers combine with
// zerolog.MultiLevelWriter (the line is encoded once and written three
// times), text is zerolog.ConsoleWriter without colour (it decodes each
// JSON line again: known to be slow), the rotating file is a
// lumberjack.Logger, and the queue is chanWriter. zerolog's own async
// writer, diode, drops records when its ring is full, and under this load
// it dropped between a quarter and a half of them (reported by its
// Alerter), so it is not the peer here.
func openZerolog(tb testing.TB, sc scenario, out *outputs) (func(), func() error) {
	var w io.Writer
	stop := func() error { return nil }
	switch sc.sink {
	case rotating:
		lj := &lumberjack.Logger{Filename: out.file, MaxSize: benchMaxBytes >> 20, MaxBackups: benchBackups}
		w, stop = lj, lj.Close
	case queue:
		q := newChanWriter(out.writers[0], benchQueueSize)
		w, stop = q, q.close
	default:
		ws := out.writers
		if sc.text {
			ws = make([]io.Writer, len(out.writers))
			for i, w := range out.writers {
				ws[i] = zerolog.ConsoleWriter{Out: w, NoColor: true}
			}
		}
		w = ws[0]
		if len(ws) > 1 {
			w = zerolog.MultiLevelWriter(ws...)
		}
	}
	l := zerolog.New(w).Level(zerolog.InfoLevel).With().Timestamp().Str("logger", benchLogger).Logger()
	switch sc.call {
	case debug5:
		return func() {
			l.Debug().Str("user", "alice").Int("status", 200).Float64("latency_ms", 12.5).
				Bool("cached", true).Time("at", benchAt).Msg(benchMsg)
		}, stop
	case info0:
		return func() { l.Info().Msg(benchMsg) }, stop
	case info5:
		return func() {
			l.Info().Str("user", "alice").Int("status", 200).Float64("latency_ms", 12.5).
				Bool("cached", true).Time("at", benchAt).Msg(benchMsg)
		}, stop
	case info1:
		c := l.With()
		for _, a := range benchTen {
			switch v := a.val.(type) {
			case string:
				c = c.Str(a.key, v)
			case int:
				c = c.Int(a.key, v)
			case bool:
				c = c.Bool(a.key, v)
			}
		}
		l = c.Logger()
		return func() { l.Info().Int("status", 200).Msg(benchMsg) }, stop
	}
	panic("unknown shape")
}

// chanWriter is the asynchronous writer a zerolog program writes when it
// must not lose lines: Write copies the line into a pooled buffer and
// sends it on a buffered channel; one goroutine writes the lines in order.
// A full channel blocks the caller, as phuslu's AsyncWriter and slogtree's
// queue do by default.
type chanWriter struct {
	w    io.Writer
	ch   chan *[]byte
	done chan struct{}
	pool sync.Pool
}

func newChanWriter(w io.Writer, size int) *chanWriter {
	c := &chanWriter{w: w, ch: make(chan *[]byte, size), done: make(chan struct{})}
	c.pool.New = func() any { b := make([]byte, 0, 512); return &b }
	go func() {
		defer close(c.done)
		for p := range c.ch {
			_, _ = c.w.Write(*p)
			*p = (*p)[:0]
			c.pool.Put(p)
		}
	}()
	return c
}

func (c *chanWriter) Write(p []byte) (int, error) {
	b := c.pool.Get().(*[]byte)
	*b = append(*b, p...)
	c.ch <- b
	return len(p), nil
}

// close stops taking lines and returns once every queued line is written.
func (c *chanWriter) close() error {
	close(c.ch)
	<-c.done
	return nil
}
