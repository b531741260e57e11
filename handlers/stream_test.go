package handlers_test

import (
	"bytes"
	"context"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/formatters"
	"github.com/slogtree/slogtree/handlers"
)

// hdltOverlapWriter is a writer that is not safe for concurrent use and
// notices when it is used so: it counts Writes that overlap another.
type hdltOverlapWriter struct {
	inflight atomic.Int32
	overlaps atomic.Int32
	closed   atomic.Int32
	buf      bytes.Buffer // guarded by the callers' lock, if any
}

func (w *hdltOverlapWriter) Write(p []byte) (int, error) {
	if w.inflight.Add(1) > 1 {
		w.overlaps.Add(1)
	}
	defer w.inflight.Add(-1)
	for _, c := range p {
		w.buf.WriteByte(c)
		if c == ' ' {
			runtime.Gosched() // widen the window for another Write
		}
	}
	return len(p), nil
}

func (w *hdltOverlapWriter) Close() error {
	w.closed.Add(1)
	return nil
}

// Streams on one writer share one lock: concurrent Writes through any of
// them never overlap.
func TestStreamSharesLockPerWriter(t *testing.T) {
	t.Parallel()
	w := &hdltOverlapWriter{}
	streams := []*handlers.Stream{handlers.NewStream(w, nil), handlers.NewStream(w, nil), handlers.NewStream(w, &handlers.StreamOptions{Terminator: "\n"})}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				_, err := streams[(g+i)%len(streams)].Write([]byte("a b c d e f\n"))
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	assert.Zero(t, w.overlaps.Load(), "Writes overlapped")
	assert.Equal(t, strings.Repeat("a b c d e f\n", 8*200), w.buf.String())
	for _, s := range streams {
		require.NoError(t, s.Close())
	}
}

// A Stream made after the others on the same writer were closed still
// serialises with one made while it is open.
func TestStreamLockOutlivesClosedStreams(t *testing.T) {
	t.Parallel()
	w := &hdltOverlapWriter{}
	first := handlers.NewStream(w, nil)
	require.NoError(t, first.Close())
	a, b := handlers.NewStream(w, nil), handlers.NewStream(w, nil)
	defer a.Close()
	defer b.Close()
	var wg sync.WaitGroup
	for _, s := range []*handlers.Stream{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				_, _ = s.Write([]byte("x y z\n"))
			}
		}()
	}
	wg.Wait()
	assert.Zero(t, w.overlaps.Load())
}

func TestStreamTerminator(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	s := handlers.NewStream(&buf, &handlers.StreamOptions{Terminator: "\r\n"})
	defer s.Close()
	for _, give := range []string{"a\n", "no newline", "b\n\n", ""} {
		n, err := s.Write([]byte(give))
		require.NoError(t, err)
		assert.Equal(t, len(give), n)
	}
	assert.Equal(t, "a\r\nno newlineb\n\r\n", buf.String())
}

// Closing a Stream never closes the writer, as Python's StreamHandler
// leaves its stream open.
func TestStreamCloseLeavesWriterOpen(t *testing.T) {
	t.Parallel()
	w := &hdltOverlapWriter{}
	s := handlers.NewStream(w, nil)
	assert.Same(t, w, s.Writer())
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
	h := handlers.NewStreamHandler(w, nil, nil, nil)
	require.NoError(t, h.Close())
	assert.Zero(t, w.closed.Load())
}

// hdltFuncWriter is a writer of a type that cannot be a map key.
type hdltFuncWriter func(p []byte) (int, error)

func (f hdltFuncWriter) Write(p []byte) (int, error) { return f(p) }

func TestStreamNonComparableWriter(t *testing.T) {
	t.Parallel()
	var got []string
	w := hdltFuncWriter(func(p []byte) (int, error) {
		got = append(got, string(p))
		return len(p), nil
	})
	s := handlers.NewStream(w, nil)
	_, err := s.Write([]byte("hi\n"))
	require.NoError(t, err)
	require.NoError(t, s.Close())
	assert.Equal(t, []string{"hi\n"}, got)
}

func TestNewStreamHandler(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	p, err := formatters.NewPattern(&formatters.PatternOptions{Format: "%(levelname)s:%(name)s:%(message)s"})
	require.NoError(t, err)
	h := handlers.NewStreamHandler(&buf, p, &handlers.StreamOptions{Terminator: " |\n"}, &handlers.Options{Level: slog.LevelInfo})
	defer h.Close()
	l := slog.New(formatters.WithLoggerName(h, "app"))
	l.Debug("dropped")
	l.Info("one", "k", 1)
	l.Error("two")
	assert.Equal(t, "INFO:app:one k=1 |\nERROR:app:two |\n", buf.String())

	// Nil formatter: the bare message, attributes appended.
	var buf2 bytes.Buffer
	h2 := handlers.NewStreamHandler(&buf2, nil, nil, nil)
	require.NoError(t, h2.Handle(context.Background(), func() slog.Record {
		r := slog.NewRecord(time.Time{}, slog.LevelDebug, "bare", 0)
		r.AddAttrs(slog.String("k", "v w"))
		return r
	}()))
	assert.Equal(t, "bare k=\"v w\"\n", buf2.String())
}
