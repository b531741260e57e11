package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"testing/slogtest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/filters"
	"github.com/slogtree/slogtree/formatters"
)

// fhStep is one action on a handler under test: a record on a logger, or a
// Close.
type fhStep struct {
	logger string
	level  slog.Level
	msg    string
	close  bool
}

func TestMemoryHandler(t *testing.T) {
	t.Parallel()
	debug := func(logger, msg string) fhStep { return fhStep{logger: logger, level: slog.LevelDebug, msg: msg} }
	info := func(logger, msg string) fhStep { return fhStep{logger: logger, level: slog.LevelInfo, msg: msg} }
	errorf := func(logger, msg string) fhStep { return fhStep{logger: logger, level: slog.LevelError, msg: msg} }
	closing := fhStep{close: true}
	tests := []struct {
		name         string
		give         MemoryOptions
		targetLevel  slog.Level
		targetFilter filters.Filter
		noTarget     bool
		steps        []fhStep
		want         [][]string // the target's output after each step
	}{
		{
			name:        "flush at capacity bypasses the target's level",
			give:        MemoryOptions{Capacity: 3},
			targetLevel: slog.LevelWarn,
			steps:       []fhStep{debug("a", "1"), debug("a", "2"), debug("a", "3"), debug("a", "4")},
			want: [][]string{nil, nil,
				{"a DEBUG 1", "a DEBUG 2", "a DEBUG 3"},
				{"a DEBUG 1", "a DEBUG 2", "a DEBUG 3"}},
		},
		{
			name:  "flush at the default flush level, ERROR",
			give:  MemoryOptions{Capacity: 10},
			steps: []fhStep{info("a", "1"), errorf("b.c", "2"), info("a", "3")},
			want:  [][]string{nil, {"a INFO 1", "b.c ERROR 2"}, {"a INFO 1", "b.c ERROR 2"}},
		},
		{
			name:  "custom flush level",
			give:  MemoryOptions{Capacity: 10, FlushLevel: slog.LevelInfo},
			steps: []fhStep{debug("a", "1"), info("a", "2")},
			want:  [][]string{nil, {"a DEBUG 1", "a INFO 2"}},
		},
		{
			name:  "capacity 0 flushes every record",
			steps: []fhStep{debug("a", "1"), debug("a", "2")},
			want:  [][]string{{"a DEBUG 1"}, {"a DEBUG 1", "a DEBUG 2"}},
		},
		{
			name:         "the target's filters apply at the flush",
			give:         MemoryOptions{Capacity: 2},
			targetFilter: filters.Name("keep"),
			steps:        []fhStep{info("keep.x", "1"), info("drop", "2")},
			want:         [][]string{nil, {"keep.x INFO 1"}},
		},
		{
			name:  "close flushes",
			give:  MemoryOptions{Capacity: 10},
			steps: []fhStep{info("a", "1"), closing},
			want:  [][]string{nil, {"a INFO 1"}},
		},
		{
			name:  "close without flushOnClose drops",
			give:  MemoryOptions{Capacity: 10, NoFlushOnClose: true},
			steps: []fhStep{info("a", "1"), closing},
			want:  [][]string{nil, nil},
		},
		{
			name:     "no target drops",
			noTarget: true,
			steps:    []fhStep{errorf("a", "1")},
			want:     [][]string{nil},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := &fhBuffer{}
			opts := &Options{Level: tt.targetLevel}
			if tt.targetFilter != nil {
				opts.Filters = []filters.Filter{tt.targetFilter}
			}
			var target slog.Handler = New(fhPattern(t, out, "%(name)s %(levelname)s %(message)s"), opts)
			if tt.noTarget {
				target = nil
			}
			h := NewMemoryHandler(target, &tt.give)
			for i, s := range tt.steps {
				if s.close {
					require.NoError(t, h.Close())
				} else {
					require.NoError(t, h.WithLoggerName(s.logger).Handle(context.Background(), fhRecord(s.level, s.msg)))
				}
				assert.Equal(t, tt.want[i], out.lines(), "after step %d", i)
			}
		})
	}
}

func TestMemoryHandlerKeepsEachRecordsAttrs(t *testing.T) {
	t.Parallel()
	out := &fhBuffer{}
	h := NewMemoryHandler(fhPattern(t, out, "%(name)s %(message)s"), &MemoryOptions{Capacity: 3})
	ctx := context.Background()
	require.NoError(t, h.WithLoggerName("a").WithAttrs([]slog.Attr{slog.String("k", "v")}).Handle(ctx, fhRecord(slog.LevelInfo, "1")))
	require.NoError(t, h.WithLoggerName("b").WithGroup("g").Handle(ctx, fhRecord(slog.LevelInfo, "2", "x", 1)))
	require.NoError(t, h.Handle(ctx, fhRecord(slog.LevelInfo, "3")))
	assert.Equal(t, []string{"a 1 k=v", "b 2 g.x=1", "root 3"}, out.lines())
}

func TestMemoryHandlerErrors(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	failing := newFHFailing(boom)
	h := NewMemoryHandler(failing, &MemoryOptions{Capacity: 2})
	ctx := context.Background()
	require.NoError(t, h.Handle(ctx, fhRecord(slog.LevelInfo, "1")))
	err := h.Handle(ctx, fhRecord(slog.LevelInfo, "2"))
	assert.ErrorIs(t, err, boom, "a failed flush is the error of the record that triggered it")
	assert.Equal(t, int64(2), failing.count(), "every buffered record was tried")

	panicking := newFHFailing(boom)
	panicking.panic = true
	h = NewMemoryHandler(panicking, nil)
	err = h.Handle(ctx, fhRecord(slog.LevelInfo, "1"))
	assert.ErrorContains(t, err, "handler panicked: boom")

	require.NoError(t, h.Close())
	assert.ErrorIs(t, h.Handle(ctx, fhRecord(slog.LevelInfo, "late")), ErrClosed)
}

func TestMemoryHandlerConcurrent(t *testing.T) {
	t.Parallel()
	out := &fhBuffer{}
	h := NewMemoryHandler(fhPattern(t, out, "%(name)s %(message)s"), &MemoryOptions{Capacity: 7})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := h.WithLoggerName(fmt.Sprintf("g%d", g))
			for i := range 500 {
				assert.NoError(t, v.Handle(context.Background(), fhRecord(slog.LevelInfo, fmt.Sprint(i))))
			}
		}()
	}
	wg.Wait()
	require.NoError(t, h.Close())
	lines := out.lines()
	assert.Len(t, lines, 8*500)
	seen := map[string]bool{}
	for _, l := range lines {
		assert.False(t, seen[l], "%q delivered twice", l)
		seen[l] = true
	}
}

// fhJSONResults runs slogtest.Run on the handlers mk makes over a JSON
// formatter writing to a buffer; done is called before the output is read.
func fhJSONResults(t *testing.T, mk func(t *testing.T, target slog.Handler) (h slog.Handler, done func() error)) {
	t.Helper()
	var buf *fhBuffer
	var done func() error
	slogtest.Run(t, func(t *testing.T) slog.Handler {
		buf = &fhBuffer{}
		var h slog.Handler
		h, done = mk(t, formatters.NewJSON(nil).NewHandler(buf))
		return h
	}, func(t *testing.T) map[string]any {
		require.NoError(t, done())
		lines := bytes.Split(bytes.TrimSpace([]byte(buf.String())), []byte("\n"))
		require.Len(t, lines, 1)
		var m map[string]any
		require.NoError(t, json.Unmarshal(lines[0], &m))
		return m
	})
}

func TestMemoryHandlerSlogtest(t *testing.T) {
	t.Parallel()
	fhJSONResults(t, func(t *testing.T, target slog.Handler) (slog.Handler, func() error) {
		h := NewMemoryHandler(target, &MemoryOptions{Capacity: 100})
		return h, h.Close
	})
}

// TestMemoryHandlerCloseContext checks a bounded close of a memory handler
// whose target blocks in the flush: it returns when the context ends,
// counting the records not yet passed on, and the target gets the record
// it was handling once it returns, and no other.
func TestMemoryHandlerCloseContext(t *testing.T) {
	t.Parallel()
	out := &fhBuffer{}
	g := newFHGate(fhPattern(t, out, "%(message)s"))
	m := NewMemoryHandler(g, &MemoryOptions{Capacity: 100})
	for i := range 5 {
		require.NoError(t, m.Handle(context.Background(), fhRecord(slog.LevelInfo, fmt.Sprint(i))))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.CloseContext(ctx) }()
	g.waitEntered(t, "0") // the flush is blocked on the first record
	cancel()
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("CloseContext did not return when its context ended")
	}
	var ae *AbandonedError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 4, ae.Dropped)
	require.NoError(t, m.Close(), "a later Close does not wait again")
	close(g.release)
	assert.Eventually(t, func() bool { return len(out.lines()) == 1 }, 10*time.Second, time.Millisecond)
	assert.Equal(t, []string{"0"}, out.lines())
	assert.ErrorIs(t, m.Handle(context.Background(), fhRecord(slog.LevelInfo, "late")), ErrClosed)
}
