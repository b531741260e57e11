package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/formatters"
)

// fhGate is a handler that blocks each Handle until released, announcing
// each record it starts on.
type fhGate struct {
	next    slog.Handler
	entered chan string
	release chan struct{}
}

func newFHGate(next slog.Handler) *fhGate {
	return &fhGate{next: next, entered: make(chan string, 10000), release: make(chan struct{})}
}

func (g *fhGate) Enabled(context.Context, slog.Level) bool { return true }
func (g *fhGate) Handle(ctx context.Context, r slog.Record) error {
	g.entered <- r.Message
	<-g.release
	return g.next.Handle(ctx, r)
}
func (g *fhGate) WithAttrs([]slog.Attr) slog.Handler { return g }
func (g *fhGate) WithGroup(string) slog.Handler      { return g }

func (g *fhGate) waitEntered(t *testing.T, want string) {
	t.Helper()
	select {
	case got := <-g.entered:
		require.Equal(t, want, got)
	case <-time.After(10 * time.Second):
		t.Fatalf("the listener did not start on %q", want)
	}
}

func TestQueueHandlerDeliversInOrderAndDrainsOnClose(t *testing.T) {
	t.Parallel()
	a, b := &fhBuffer{}, &fhBuffer{}
	q := NewQueueHandler([]slog.Handler{fhPattern(t, a, "%(name)s %(message)s"), fhPattern(t, b, "B %(message)s")}, nil)
	for i := range 1000 {
		require.NoError(t, q.WithLoggerName("x.y").Handle(context.Background(), fhRecord(slog.LevelInfo, fmt.Sprint(i))))
	}
	require.NoError(t, q.Close())
	require.NoError(t, q.Close(), "Close is idempotent")
	want := make([]string, 1000)
	for i := range want {
		want[i] = fmt.Sprintf("x.y %d", i)
	}
	assert.Equal(t, want, a.lines())
	assert.Len(t, b.lines(), 1000)
	assert.ErrorIs(t, q.Handle(context.Background(), fhRecord(slog.LevelInfo, "late")), ErrClosed)
	assert.Zero(t, q.Dropped())
	// TestMain's goleak check fails the package if the queue's goroutine
	// outlives Close.
}

func TestQueueHandlerRespectHandlerLevel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give bool
		want []string
	}{
		// Python's QueueListener calls handle(), which skips the level.
		{name: "default: levels ignored", give: false, want: []string{"DEBUG d", "WARNING w"}},
		{name: "respect_handler_level", give: true, want: []string{"WARNING w"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := &fhBuffer{}
			target := New(fhPattern(t, out, "%(levelname)s %(message)s"), &Options{Level: slog.LevelWarn})
			q := NewQueueHandler([]slog.Handler{target}, &QueueOptions{RespectHandlerLevel: tt.give})
			assert.Equal(t, !tt.give, q.Enabled(context.Background(), slog.LevelDebug))
			require.NoError(t, q.Handle(context.Background(), fhRecord(slog.LevelDebug, "d")))
			require.NoError(t, q.Handle(context.Background(), fhRecord(slog.LevelWarn, "w")))
			require.NoError(t, q.Close())
			assert.Equal(t, tt.want, out.lines())
		})
	}
}

func TestQueueHandlerFormatsTwice(t *testing.T) {
	t.Parallel()
	out := &fhBuffer{}
	qf, err := formatters.NewPattern(&formatters.PatternOptions{Format: "QF[%(levelname)s] %(name)s: %(message)s"})
	require.NoError(t, err)
	q := NewQueueHandler([]slog.Handler{fhPattern(t, out, "OUT %(levelname)s %(name)s %(message)s")}, &QueueOptions{Formatter: qf})
	ctx := context.Background()
	require.NoError(t, q.WithLoggerName("app").WithAttrs([]slog.Attr{slog.Int("n", 1)}).Handle(ctx, fhRecord(slog.LevelInfo, "hello", "k", "v")))
	require.NoError(t, q.Close())
	// The attributes are in the first formatting only.
	assert.Equal(t, []string{"OUT INFO app QF[INFO] app: hello n=1 k=v"}, out.lines())
}

func TestQueueHandlerOverflow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		give        Overflow
		wantLines   []string
		wantDropped uint64
	}{
		{name: "drop_newest", give: DropNewest, wantLines: []string{"1", "2", "3"}, wantDropped: 1},
		{name: "drop_oldest", give: DropOldest, wantLines: []string{"1", "3", "4"}, wantDropped: 1},
		{name: "block", give: Block, wantLines: []string{"1", "2", "3", "4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := &fhBuffer{}
			gate := newFHGate(fhPattern(t, out, "%(message)s"))
			var errs fhErrors
			q := NewQueueHandler([]slog.Handler{gate}, &QueueOptions{MaxSize: 2, Overflow: tt.give, OnError: errs.add})
			ctx := context.Background()
			require.NoError(t, q.Handle(ctx, fhRecord(slog.LevelInfo, "1")))
			gate.waitEntered(t, "1") // the listener holds 1; the queue is empty
			require.NoError(t, q.Handle(ctx, fhRecord(slog.LevelInfo, "2")))
			require.NoError(t, q.Handle(ctx, fhRecord(slog.LevelInfo, "3")))
			// The queue is full.
			put := make(chan error, 1)
			go func() { put <- q.Handle(ctx, fhRecord(slog.LevelInfo, "4")) }()
			if tt.give == Block {
				select {
				case err := <-put:
					t.Fatalf("Handle returned (%v) while the queue was full", err)
				case <-time.After(20 * time.Millisecond):
				}
				close(gate.release)
				require.NoError(t, <-put)
			} else {
				require.NoError(t, <-put, "a dropping queue never makes the caller wait")
				close(gate.release)
			}
			require.NoError(t, q.Close())
			assert.Equal(t, tt.wantLines, out.lines())
			assert.Equal(t, tt.wantDropped, q.Dropped())
			var drops []*DropError
			for _, err := range errs.all() {
				var de *DropError
				require.True(t, errors.As(err, &de), "unexpected error %v", err)
				drops = append(drops, de)
			}
			if tt.wantDropped == 0 {
				assert.Empty(t, drops)
				return
			}
			require.Len(t, drops, 1, "drops are reported")
			assert.Equal(t, &DropError{Dropped: 1, Total: 1, Overflow: tt.give, MaxSize: 2}, drops[0])
			assert.Equal(t, fmt.Sprintf("queue handler: dropped 1 records (1 in all): queue of 2 full, overflow %s", tt.name), drops[0].Error())
		})
	}
}

func TestQueueHandlerCloseReleasesBlockedCallers(t *testing.T) {
	t.Parallel()
	gate := newFHGate(slog.DiscardHandler)
	q := NewQueueHandler([]slog.Handler{gate}, &QueueOptions{MaxSize: 1})
	ctx := context.Background()
	require.NoError(t, q.Handle(ctx, fhRecord(slog.LevelInfo, "1")))
	gate.waitEntered(t, "1")
	require.NoError(t, q.Handle(ctx, fhRecord(slog.LevelInfo, "2")))
	put := make(chan error, 1)
	go func() { put <- q.Handle(ctx, fhRecord(slog.LevelInfo, "3")) }()
	closed := make(chan error, 1)
	go func() { closed <- q.Close() }()
	assert.ErrorIs(t, <-put, ErrClosed, "a caller waiting for room gets ErrClosed")
	close(gate.release)
	require.NoError(t, <-closed)
	gate.waitEntered(t, "2")
}

func TestQueueHandlerUnbounded(t *testing.T) {
	t.Parallel()
	gate := newFHGate(slog.DiscardHandler)
	q := NewQueueHandler([]slog.Handler{gate}, &QueueOptions{MaxSize: -1, Overflow: DropNewest})
	ctx := context.Background()
	require.NoError(t, q.Handle(ctx, fhRecord(slog.LevelInfo, "0")))
	gate.waitEntered(t, "0")
	for i := range 5000 {
		require.NoError(t, q.Handle(ctx, fhRecord(slog.LevelInfo, fmt.Sprint(i+1))))
	}
	close(gate.release)
	require.NoError(t, q.Close())
	assert.Zero(t, q.Dropped(), "an unbounded queue never drops")
	assert.Len(t, gate.entered, 5000)
}

func TestQueueHandlerReportsHandlerErrors(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	out := &fhBuffer{}
	failing := newFHFailing(boom)
	var errs fhErrors
	q := NewQueueHandler([]slog.Handler{failing, fhPattern(t, out, "%(message)s")}, &QueueOptions{OnError: errs.add})
	require.NoError(t, q.WithLoggerName("l").Handle(context.Background(), fhRecord(slog.LevelInfo, "m")))
	require.NoError(t, q.Close())
	assert.Equal(t, []string{"m"}, out.lines(), "the other handlers still get the record")
	got := errs.all()
	require.Len(t, got, 1)
	var ce *ChildError
	require.ErrorAs(t, got[0], &ce)
	assert.Equal(t, 0, ce.Index)
	assert.Equal(t, "l", ce.Logger)
	assert.Equal(t, "m", ce.Record.Message)
	assert.ErrorIs(t, got[0], boom)
}

func TestQueueHandlerConcurrent(t *testing.T) {
	t.Parallel()
	out := &fhBuffer{}
	q := NewQueueHandler([]slog.Handler{fhPattern(t, out, "%(name)s %(message)s")}, &QueueOptions{MaxSize: 16})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := q.WithLoggerName(fmt.Sprintf("g%d", g))
			for i := range 500 {
				assert.NoError(t, v.Handle(context.Background(), fhRecord(slog.LevelInfo, fmt.Sprint(i))))
			}
		}()
	}
	wg.Wait()
	require.NoError(t, q.Close())
	assert.Len(t, out.lines(), 8*500)
	assert.Zero(t, q.Dropped())
}

func TestQueueHandlerSlogtest(t *testing.T) {
	t.Parallel()
	fhJSONResults(t, func(t *testing.T, target slog.Handler) (slog.Handler, func() error) {
		q := NewQueueHandler([]slog.Handler{target}, nil)
		return q, q.Close
	})
}

func TestParseOverflow(t *testing.T) {
	t.Parallel()
	for _, o := range []Overflow{Block, DropNewest, DropOldest} {
		got, err := ParseOverflow(o.String())
		require.NoError(t, err)
		assert.Equal(t, o, got)
	}
	_, err := ParseOverflow("drop")
	assert.EqualError(t, err, `overflow must be "block", "drop_newest" or "drop_oldest", got "drop"`)
}

// TestQueueHandlerCloseContext checks a bounded close of a queue whose
// handler blocks: it returns when the context ends, counting the records it
// drops; the record being handled still arrives once the handler returns;
// a later Close returns at once; and the goroutine stops.
func TestQueueHandlerCloseContext(t *testing.T) {
	t.Parallel()
	out := &fhBuffer{}
	g := newFHGate(fhPattern(t, out, "%(message)s"))
	q := NewQueueHandler([]slog.Handler{g}, nil)
	for i := range 5 {
		require.NoError(t, q.Handle(context.Background(), fhRecord(slog.LevelInfo, fmt.Sprint(i))))
	}
	g.waitEntered(t, "0")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := q.CloseContext(ctx)
	var ae *AbandonedError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 4, ae.Dropped, "records 1 to 4 were still queued")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "4 dropped")
	require.NoError(t, q.Close(), "a later Close does not wait again")
	close(g.release)
	assert.Eventually(t, func() bool { return len(out.lines()) == 1 }, 10*time.Second, time.Millisecond)
	assert.Equal(t, []string{"0"}, out.lines(), "the record being handled arrives; the dropped ones do not")
	assert.ErrorIs(t, q.Handle(context.Background(), fhRecord(slog.LevelInfo, "late")), ErrClosed)

	// Without a blocked handler, CloseContext delivers everything.
	out2 := &fhBuffer{}
	q2 := NewQueueHandler([]slog.Handler{fhPattern(t, out2, "%(message)s")}, nil)
	for i := range 100 {
		require.NoError(t, q2.Handle(context.Background(), fhRecord(slog.LevelInfo, fmt.Sprint(i))))
	}
	require.NoError(t, q2.CloseContext(context.Background()))
	assert.Len(t, out2.lines(), 100)
}
