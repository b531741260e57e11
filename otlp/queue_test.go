package otlp

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/contrib/bridges/otelslog"
	sdklog "go.opentelemetry.io/otel/sdk/log"
)

// slowExporter takes a while over each export, and fails every third: the
// queue of a handler over it overflows, and some exports fail.
type slowExporter struct {
	memExporter
	calls atomic.Int32
}

var errEveryThird = errors.New("every third export fails")

func (e *slowExporter) Export(ctx context.Context, records []sdklog.Record) error {
	time.Sleep(100 * time.Microsecond)
	if e.calls.Add(1)%3 == 0 {
		return errEveryThird
	}
	return e.memExporter.Export(ctx, records)
}

// Goroutines log at once through handlers of several scopes while the
// queue overflows and exports fail: every record is counted exactly once,
// as exported, failed or dropped, and the counts match what the exporter
// received and what the error handler was told.
func TestConcurrentAccounting(t *testing.T) {
	exp := &slowExporter{}
	errs := &errorLog{}
	h, err := NewHandler(&Options{
		Exporter:      exp,
		MaxQueueSize:  16,
		MaxBatchSize:  8,
		BatchInterval: time.Millisecond,
		OnError:       errs.add,
	})
	require.NoError(t, err)
	const goroutines, each = 8, 500
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			l := slog.New(h.WithLoggerName([]string{"a", "b", "c"}[g%3])).With("g", g)
			for i := range each {
				l.Info("m", "i", i)
			}
		})
	}
	wg.Wait()
	require.NoError(t, h.Close())

	s := h.Stats()
	assert.Equal(t, uint64(goroutines*each), s.Exported+s.Failed+s.Dropped, "%+v", s)
	assert.Zero(t, s.Abandoned)
	assert.Zero(t, s.Queued)
	assert.Len(t, exp.take(), int(s.Exported))
	failed, dropped, _ := lost(errs.all())
	assert.Equal(t, int(s.Failed), failed)
	assert.Equal(t, int(s.Dropped), dropped)
	assert.NotZero(t, s.Failed, "an export in three fails")
}

// The handler adds no allocation to the otelslog bridge's: a record
// through Handler costs what it costs through the bridge on the same
// LoggerProvider. (The race detector allocates on its own: make allocs
// runs this without it.)
func TestAllocsSameAsBridge(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	h, err := NewHandler(&Options{Exporter: discardExporter{}, MaxQueueSize: 1 << 12, MaxBatchSize: 1 << 12, BatchInterval: time.Hour})
	require.NoError(t, err)
	defer func() { _ = h.Close() }()
	ctx := context.Background()
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "request", 0)
	r.AddAttrs(slog.String("method", "GET"), slog.String("path", "/x"), slog.Int("status", 200),
		slog.Int("bytes", 5120), slog.Float64("ms", 1.25))
	named := h.WithLoggerName("app.db")
	bridge := otelslog.NewHandler("app.db", otelslog.WithLoggerProvider(h.LoggerProvider()))
	// Fewer records than a batch, so that the export goroutine sleeps.
	ours := testing.AllocsPerRun(100, func() { _ = named.Handle(ctx, r) })
	theirs := testing.AllocsPerRun(100, func() { _ = bridge.Handle(ctx, r) })
	t.Logf("allocations per record: %v, the bridge's %v", ours, theirs)
	assert.Equal(t, theirs, ours)
	assert.Zero(t, h.Stats().Dropped)
}
