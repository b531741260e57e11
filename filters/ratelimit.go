package filters

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"
)

// RateLimitOptions configures a [RateLimiter]. The zero value is the
// default.
type RateLimitOptions struct {
	// Burst is how many records of one logger may pass at once, the
	// bucket's size. Default: the rate rounded up, at least 1.
	Burst int
	// MaxLoggers bounds the number of loggers with a bucket of their own.
	// Default 1024.
	MaxLoggers int
	// Name names the filter in the errors it reports, as a configuration
	// names it by its id. Default "".
	Name string
	// OnDrop receives a [*RateLimitedError] counting the records dropped
	// and not yet reported: from the first record filtered at or after the
	// end of each second in which records were dropped, and on
	// [RateLimiter.Close]. It is called on the goroutine that logs, so it
	// should be quick; a panic in it is recovered. Default nil: drops are
	// only counted ([RateLimiter.Dropped]).
	OnDrop func(error)
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// RateLimiter passes at most a rate of records per second for each logger
// name, with bursts: a token bucket per logger that holds Burst tokens and
// gains one every 1/rate seconds; a record takes a token, or is dropped
// when there is none. A new logger starts with a full bucket.
//
// The buckets are bounded: at most MaxLoggers loggers have one of their
// own. A bucket that has filled up again is the same as a new one, so when
// a new logger finds the table full, the full buckets are forgotten (at
// most once per refill time or second, whichever is shorter); if none is
// full, the new logger shares one overflow bucket with every other logger
// that found the table full, until room is made. A service that logs under
// unbounded logger names therefore keeps a bounded table, and its rarer
// loggers are limited together.
//
// The bucket is kept as its theoretical arrival time (the generic cell
// rate algorithm, equivalent to a token bucket), in integer nanoseconds:
// the counts are exact.
//
// Drops are counted ([RateLimiter.Dropped]) and reported through OnDrop,
// at most once a second and on [RateLimiter.Close]: never silently. A
// RateLimiter starts no goroutine. It is safe for concurrent use; a record
// takes one lock, and a logger's first record allocates its bucket.
type RateLimiter struct {
	every      int64 // nanoseconds per token
	tolerance  int64 // (burst-1)*every: how far ahead of now a bucket may run
	maxLoggers int
	sweepEvery int64
	clock      clock
	drops      drops
	name       string

	mu        sync.Mutex
	buckets   map[string]*bucket
	overflow  bucket
	nextSweep int64
}

// bucket is one logger's token bucket: the time at which it would be
// full again, at which it would hold Burst tokens.
type bucket struct {
	tat int64
}

var _ Filter = (*RateLimiter)(nil)

// dropReportPeriod is how often a RateLimiter reports its drops at most.
const dropReportPeriod = time.Second

// NewRateLimiter returns a RateLimiter that passes perSecond records a
// second for each logger name, after a burst. A perSecond of 0 or less
// (or NaN) adds no token after the burst; +Inf passes every record. Nil
// options mean the defaults.
func NewRateLimiter(perSecond float64, opts *RateLimitOptions) *RateLimiter {
	if opts == nil {
		opts = &RateLimitOptions{}
	}
	burst := opts.Burst
	if burst <= 0 {
		burst = 1
		if perSecond > 1 && !math.IsInf(perSecond, 1) {
			burst = int(min(math.Ceil(perSecond), math.MaxInt32))
		}
	}
	// Keep every sum of times below overflow: a bucket runs at most
	// burst*every ahead of the clock.
	limit := float64(math.MaxInt64/4) / float64(burst)
	every := limit
	if perSecond > 0 {
		every = min(math.Round(float64(time.Second)/perSecond), limit)
	}
	l := &RateLimiter{
		every:      int64(every),
		maxLoggers: opts.MaxLoggers,
		clock:      newClock(opts.Now),
		name:       opts.Name,
		buckets:    map[string]*bucket{},
	}
	l.tolerance = int64(burst-1) * l.every
	if l.maxLoggers <= 0 {
		l.maxLoggers = 1024
	}
	l.sweepEvery = min(l.tolerance+l.every, int64(time.Second))
	var report func(dropped, total uint64)
	if onDrop := opts.OnDrop; onDrop != nil {
		report = func(dropped, total uint64) {
			onDrop(&RateLimitedError{Filter: l.name, Dropped: dropped, Total: total})
		}
	}
	l.drops.init(dropReportPeriod, report)
	return l
}

// Filter passes r when logger's bucket holds a token, and takes it.
func (l *RateLimiter) Filter(_ context.Context, logger string, r slog.Record) (slog.Record, bool) {
	now := l.clock.nanos()
	l.mu.Lock()
	pass := l.take(l.bucketOf(logger, now), now)
	l.mu.Unlock()
	if !pass {
		l.drops.add()
	}
	l.drops.tick(now)
	return r, pass
}

// bucketOf returns logger's bucket, making one if there is room, or the
// overflow bucket. Call it with l.mu held.
func (l *RateLimiter) bucketOf(logger string, now int64) *bucket {
	if b := l.buckets[logger]; b != nil {
		return b
	}
	if len(l.buckets) >= l.maxLoggers {
		if now < l.nextSweep {
			return &l.overflow
		}
		l.nextSweep = now + l.sweepEvery
		for name, b := range l.buckets {
			if b.tat <= now {
				delete(l.buckets, name)
			}
		}
		if len(l.buckets) >= l.maxLoggers {
			return &l.overflow
		}
	}
	b := &bucket{}
	l.buckets[logger] = b
	return b
}

// take takes a token from b at now, if it holds one.
func (l *RateLimiter) take(b *bucket, now int64) bool {
	tat := max(b.tat, now)
	if tat-now > l.tolerance {
		return false
	}
	b.tat = tat + l.every
	return true
}

// Dropped returns the number of records l has dropped.
func (l *RateLimiter) Dropped() uint64 { return l.drops.total.Load() }

// Close reports the drops not yet reported, if any, through OnDrop. It
// stops nothing: l goes on limiting, and may be closed again.
func (l *RateLimiter) Close() error {
	l.drops.flush()
	return nil
}

// RateLimitedError is what a [RateLimiter] reports through OnDrop: the
// records it dropped since its previous report.
type RateLimitedError struct {
	Filter  string // RateLimitOptions.Name: the filter's id in a configuration
	Dropped uint64 // since the previous report
	Total   uint64 // since the RateLimiter was made
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("filter %q: rate limit dropped %d records (%d in all)", e.Filter, e.Dropped, e.Total)
}
