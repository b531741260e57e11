package filters

import (
	"sync/atomic"
	"time"
)

// clock reads time as nanoseconds since it was made, on the monotonic
// clock when now is time.Now.
type clock struct {
	now   func() time.Time
	start time.Time
}

func newClock(now func() time.Time) clock {
	if now == nil {
		now = time.Now
	}
	return clock{now: now, start: now()}
}

func (c *clock) nanos() int64 { return int64(c.now().Sub(c.start)) }

// drops counts the records a filter drops and reports them: at most once
// per period, from the first call of [drops.tick] at or after each period's
// end, and on [drops.flush]. Every drop is reported exactly once, however
// many goroutines count and report.
type drops struct {
	total    atomic.Uint64
	reported atomic.Uint64
	next     atomic.Int64 // the clock reading from which tick reports
	period   int64
	report   func(dropped, total uint64) // nil: drops are counted only
}

func (d *drops) init(period time.Duration, report func(dropped, total uint64)) {
	d.period, d.report = int64(period), report
	d.next.Store(d.period)
}

func (d *drops) add() { d.total.Add(1) }

// tick reports the drops not yet reported when a period has ended at now.
func (d *drops) tick(now int64) {
	next := d.next.Load()
	if now < next || !d.next.CompareAndSwap(next, now+d.period) {
		return
	}
	d.flush()
}

// flush reports the drops not yet reported, if any.
func (d *drops) flush() {
	if d.report == nil {
		return
	}
	for {
		prev, total := d.reported.Load(), d.total.Load()
		if total <= prev {
			return
		}
		if d.reported.CompareAndSwap(prev, total) {
			d.call(total-prev, total)
			return
		}
	}
}

// call calls report; an error handler that panics must not take the
// caller down.
func (d *drops) call(dropped, total uint64) {
	defer func() { _ = recover() }()
	d.report(dropped, total)
}
