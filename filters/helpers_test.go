package filters

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// record returns a record at level with msg and args, at a fixed time.
func record(level slog.Level, msg string, args ...any) slog.Record {
	r := slog.NewRecord(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), level, msg, 0)
	r.Add(args...)
	return r
}

// passes reports whether f passes r logged on logger.
func passes(f Filter, logger string, r slog.Record) bool {
	_, ok := f.Filter(context.Background(), logger, r)
	return ok
}

// fakeClock is a clock that moves only when told, safe for concurrent use.
type fakeClock struct {
	ns atomic.Int64
}

var epoch = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func (c *fakeClock) Now() time.Time { return epoch.Add(time.Duration(c.ns.Load())) }

// set moves the clock to d after the epoch.
func (c *fakeClock) set(d time.Duration) { c.ns.Store(int64(d)) }

// errs collects reported errors, safe for concurrent use.
type errs struct {
	list chan error
}

func newErrs() *errs { return &errs{list: make(chan error, 1000)} }

func (e *errs) add(err error) { e.list <- err }

// take returns the errors reported since the last take.
func (e *errs) take() []error {
	var out []error
	for {
		select {
		case err := <-e.list:
			out = append(out, err)
		default:
			return out
		}
	}
}
