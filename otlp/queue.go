package otlp

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"sync"
	"sync/atomic"

	sdklog "go.opentelemetry.io/otel/sdk/log"
)

// The SDK's BatchProcessor holds the records waiting for export in a ring
// that overwrites its oldest record when full, and tells of it only through
// OpenTelemetry's process-wide internal logger. To count every drop of one
// handler exactly, and report it to that handler's error handler, a gate in
// front of the BatchProcessor counts the records in the queue (taken at
// OnEmit, given back when the exporter receives them) and drops a record
// that would make it overflow. Its count is never below the ring's length,
// so the ring never overflows: the BatchProcessor's queue stays the only
// place records wait, and every record is accounted for exactly once, as
// exported, failed, dropped or abandoned.

// Stats counts what became of a [Handler]'s records.
type Stats struct {
	Queued    int    // waiting in the queue now
	Exported  uint64 // delivered: in exports the receiver accepted
	Failed    uint64 // lost in failed exports, or rejected by the receiver
	Dropped   uint64 // refused because the queue was full
	Abandoned uint64 // still queued when Close ran out of time
}

// counts are a Handler's record counts, shared by its gate and exporter.
type counts struct {
	queued     atomic.Int64
	capacity   int64
	dropped    atomic.Uint64
	unreported atomic.Uint64 // drops not yet reported
	exported   atomic.Uint64
	failed     atomic.Uint64
	abandoned  atomic.Uint64
	onError    func(error)

	mu     sync.Mutex // orders the exporter's take-back with abandon
	gaveUp bool       // abandon ran: records still queued are counted abandoned
}

// abandon counts the records still queued as abandoned, when the handler
// closes, and returns how many there were. A batch the exporter receives
// later (its context ended as abandon ran) is among them, and not exported.
func (c *counts) abandon() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gaveUp = true
	n := c.queued.Swap(0)
	c.abandoned.Add(uint64(n))
	return int(n)
}

// giveBack takes n records out of the queue's count as the exporter
// receives them, unless abandon has counted them already.
func (c *counts) giveBack(n int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gaveUp {
		return false
	}
	c.queued.Add(-int64(n))
	return true
}

// take counts a record into the queue, or counts it dropped when the queue
// is full.
func (c *counts) take() bool {
	for {
		n := c.queued.Load()
		if n >= c.capacity {
			c.dropped.Add(1)
			c.unreported.Add(1)
			return false
		}
		if c.queued.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

func (c *counts) stats() Stats {
	return Stats{
		Queued:    int(c.queued.Load()),
		Exported:  c.exported.Load(),
		Failed:    c.failed.Load(),
		Dropped:   c.dropped.Load(),
		Abandoned: c.abandoned.Load(),
	}
}

// reportDrops reports the drops since the last report.
func (c *counts) reportDrops() {
	if d := c.unreported.Swap(0); d > 0 {
		c.report(&DropError{Dropped: d, Total: c.dropped.Load(), QueueSize: int(c.capacity)})
	}
}

// report passes err to the error handler; a handler that panics does not
// take down the export goroutine.
func (c *counts) report(err error) {
	if c.onError == nil {
		return
	}
	defer func() { _ = recover() }()
	c.onError(err)
}

// gate is the Processor in front of the BatchProcessor that bounds its
// queue.
type gate struct {
	next sdklog.Processor
	c    *counts
}

var _ sdklog.Processor = (*gate)(nil)

func (g *gate) Enabled(ctx context.Context, p sdklog.EnabledParameters) bool {
	return g.next.Enabled(ctx, p)
}

func (g *gate) OnEmit(ctx context.Context, r *sdklog.Record) error {
	if !g.c.take() {
		return nil
	}
	return g.next.OnEmit(ctx, r)
}

func (g *gate) Shutdown(ctx context.Context) error   { return g.next.Shutdown(ctx) }
func (g *gate) ForceFlush(ctx context.Context) error { return g.next.ForceFlush(ctx) }

// countingExporter is the exporter behind the BatchProcessor: it gives the
// records it receives back to the gate, reports the drops before each
// export and the failed exports after, and returns no error to the SDK,
// which would pass it to OpenTelemetry's process-wide error handler.
type countingExporter struct {
	next sdklog.Exporter
	c    *counts
	// transport is the OTLP/HTTP exporter's, closed with it: its idle
	// connections would outlive the handler.
	transport *http.Transport
}

var _ sdklog.Exporter = (*countingExporter)(nil)

func (e *countingExporter) Export(ctx context.Context, records []sdklog.Record) error {
	n := len(records)
	if !e.c.giveBack(n) {
		return nil
	}
	e.c.reportDrops()
	err := e.next.Export(ctx, records)
	lost := 0
	if err != nil {
		lost = n
		if r, ok := rejected(err); ok {
			lost = min(r, n)
		}
	}
	e.c.exported.Add(uint64(n - lost))
	if err != nil {
		total := e.c.failed.Add(uint64(lost))
		e.c.report(&ExportError{Records: lost, Total: total, Err: err})
	}
	return nil
}

func (e *countingExporter) Shutdown(ctx context.Context) error {
	err := e.next.Shutdown(ctx)
	if e.transport != nil {
		e.transport.CloseIdleConnections()
	}
	return err
}

func (e *countingExporter) ForceFlush(ctx context.Context) error { return e.next.ForceFlush(ctx) }

// rejected returns the number of records the receiver rejected when err is
// nothing but OTLP partial successes. The exporters report those with an
// error type of an internal package, PartialSuccess, whose RejectedItems
// field counts them.
func rejected(err error) (int, bool) {
	if errs, ok := err.(interface{ Unwrap() []error }); ok {
		sum := 0
		for _, e := range errs.Unwrap() {
			n, ok := rejected(e)
			if !ok {
				return 0, false
			}
			sum += n
		}
		return sum, true
	}
	v := reflect.ValueOf(err)
	if v.Kind() != reflect.Struct || v.Type().Name() != "PartialSuccess" {
		if next := errors.Unwrap(err); next != nil {
			return rejected(next)
		}
		return 0, false
	}
	f := v.FieldByName("RejectedItems")
	if !f.IsValid() || !f.CanInt() || f.Int() < 0 {
		return 0, false
	}
	return int(f.Int()), true
}
