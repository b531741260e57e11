package formatters_test

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
)

// overlapWriter is an io.Writer with no lock of its own, like
// bytes.Buffer. It notes a Write that starts while another is under way,
// and yields inside Write to give such a Write its chance.
type overlapWriter struct {
	busy, overlapped atomic.Bool
	buf              bytes.Buffer // written only by Writes that did not overlap
}

func (w *overlapWriter) Write(p []byte) (int, error) {
	if !w.busy.CompareAndSwap(false, true) {
		w.overlapped.Store(true)
		return len(p), nil
	}
	defer w.busy.Store(false)
	runtime.Gosched()
	return w.buf.Write(p)
}

// Every formatter serialises its Writes, as slog's handlers do: goroutines
// logging through handlers derived from one NewHandler call (WithAttrs,
// WithGroup, WithLoggerName), at levels that take the text and json
// formatters' CRITICAL path too, never overlap two Writes on a writer
// that has no lock of its own, and every line arrives whole.
func TestFormattersSerialiseWrites(t *testing.T) {
	t.Parallel()
	pattern, err := formatters.NewPattern(&formatters.PatternOptions{Format: "%(name)s %(levelname)s %(message)s"})
	require.NoError(t, err)
	pyjson, err := formatters.NewPyJSON(&formatters.PyJSONOptions{Format: "%(name)s %(message)s"})
	require.NoError(t, err)
	tests := []struct {
		name string
		give formatters.Formatter
	}{
		{name: "pattern", give: pattern},
		{name: "pyjson", give: pyjson},
		{name: "text", give: formatters.NewText(nil)},
		{name: "json", give: formatters.NewJSON(nil)},
	}
	const goroutines, records = 8, 200
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := &overlapWriter{}
			base := tt.give.NewHandler(w)
			handlers := []slog.Handler{
				base,
				base.WithAttrs([]slog.Attr{slog.String("pad", strings.Repeat("x", 64))}),
				base.WithGroup("g"),
				formatters.WithLoggerName(base, "app.db"),
			}
			var wg sync.WaitGroup
			for g := range goroutines {
				wg.Add(1)
				go func() {
					defer wg.Done()
					h := handlers[g%len(handlers)]
					for i := range records {
						level := slog.LevelInfo
						if i%3 == 0 {
							level = 12 // CRITICAL
						}
						_ = h.Handle(context.Background(), fmttRecord(level, "m", slog.Int("i", i)))
					}
				}()
			}
			wg.Wait()
			assert.False(t, w.overlapped.Load(), "two Writes overlapped")
			assert.Equal(t, goroutines*records, strings.Count(w.buf.String(), "\n"), "lines lost")
		})
	}
}

// atomicWriter says its Writes are atomic. Write waits, up to a second,
// until two Writes are under way at once.
type atomicWriter struct {
	inside atomic.Int32
	met    atomic.Bool
}

func (w *atomicWriter) WritesAtomically() bool { return true }

func (w *atomicWriter) Write(p []byte) (int, error) {
	w.inside.Add(1)
	defer w.inside.Add(-1)
	deadline := time.Now().Add(time.Second)
	for !w.met.Load() && time.Now().Before(deadline) {
		if w.inside.Load() >= 2 {
			w.met.Store(true)
		}
		runtime.Gosched()
	}
	return len(p), nil
}

// A writer whose Writes are atomic on their own is written without a
// lock: two records of two goroutines are written at the same time.
func TestFormattersNoLockForAtomicWriters(t *testing.T) {
	t.Parallel()
	pattern, err := formatters.NewPattern(nil)
	require.NoError(t, err)
	pyjson, err := formatters.NewPyJSON(nil)
	require.NoError(t, err)
	for _, f := range []formatters.Formatter{pattern, pyjson} {
		w := &atomicWriter{}
		h := f.NewHandler(w)
		var wg sync.WaitGroup
		for _, h := range []slog.Handler{h, h.WithAttrs([]slog.Attr{slog.Int("a", 1)})} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_ = h.Handle(context.Background(), fmttRecord(slog.LevelInfo, "m"))
			}()
		}
		wg.Wait()
		assert.True(t, w.met.Load(), "%T: the Writes were serialised", f)
	}
}
