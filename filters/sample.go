package filters

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"
)

// SamplerOptions configures a [Sampler]. The zero value is the default.
type SamplerOptions struct {
	// Name names the filter in the errors it reports, as a configuration
	// names it by its id. Default "".
	Name string
	// OnDrop receives a [*SampledError] counting the records dropped and
	// not yet reported: from the first record filtered at or after the end
	// of each interval in which records were dropped, and on
	// [Sampler.Close]. It is called on the goroutine that logs, so it
	// should be quick; a panic in it is recovered. Default nil: drops are
	// only counted ([Sampler.Dropped]).
	OnDrop func(error)
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Sampler is zap's sampler as a filter: for each message at each level,
// the first records in an interval pass, then every thereafter-th, and the
// rest of that interval's records of that message and level are dropped.
//
// Precisely: a record's count is the number of records of its level and
// message seen in the current interval of that level and message, itself
// included; it passes when the count is at most first, or when thereafter
// is above 0 and count−first is a multiple of thereafter. An interval
// starts with the first record of its level and message after the
// previous one ended, so each message has its own intervals. With first 3
// and thereafter 10, records 1, 2, 3, 13, 23, … of an interval pass.
//
// Counts are kept in a fixed table of 4096 counters (64 KiB), indexed by a
// hash of the level and the message, so memory does not grow with the
// number of messages; two messages that share a counter share a count,
// and each is then sampled sooner than alone. Concurrent records of one
// message may be counted a little off when its interval ends under them,
// as in zap.
//
// Drops are counted ([Sampler.Dropped]) and reported through OnDrop, at
// most once per interval and on [Sampler.Close]: never silently. A
// Sampler starts no goroutine. It is safe for concurrent use, and
// allocates nothing per record.
type Sampler struct {
	first, thereafter uint64
	interval          int64
	counts            *[samplerSize]sampleCounter
	clock             clock
	drops             drops
	name              string
}

const samplerSize = 4096

type sampleCounter struct {
	n       atomic.Uint64
	resetAt atomic.Int64 // clock reading at which the interval ends; 0: none yet
}

var _ Filter = (*Sampler)(nil)

// NewSampler returns a Sampler that passes, per interval and for each
// level and message, the first records, then every thereafter-th. An
// interval of 0 or less is one second; a negative first or thereafter is
// 0. Nil options mean the defaults.
func NewSampler(interval time.Duration, first, thereafter int, opts *SamplerOptions) *Sampler {
	if opts == nil {
		opts = &SamplerOptions{}
	}
	if interval <= 0 {
		interval = time.Second
	}
	s := &Sampler{
		first:      uint64(max(first, 0)),
		thereafter: uint64(max(thereafter, 0)),
		interval:   int64(interval),
		counts:     new([samplerSize]sampleCounter),
		clock:      newClock(opts.Now),
		name:       opts.Name,
	}
	var report func(dropped, total uint64)
	if onDrop := opts.OnDrop; onDrop != nil {
		report = func(dropped, total uint64) {
			onDrop(&SampledError{Filter: s.name, Dropped: dropped, Total: total})
		}
	}
	s.drops.init(interval, report)
	return s
}

// Filter counts r and passes it when the sampling rule lets it through.
func (s *Sampler) Filter(_ context.Context, _ string, r slog.Record) (slog.Record, bool) {
	now := s.clock.nanos()
	n := s.counts[sampleIndex(r.Level, r.Message)].inc(now, s.interval)
	pass := n <= s.first || (s.thereafter > 0 && (n-s.first)%s.thereafter == 0)
	if !pass {
		s.drops.add()
	}
	s.drops.tick(now)
	return r, pass
}

// Dropped returns the number of records s has dropped.
func (s *Sampler) Dropped() uint64 { return s.drops.total.Load() }

// Close reports the drops not yet reported, if any, through OnDrop. It
// stops nothing: s goes on sampling, and may be closed again.
func (s *Sampler) Close() error {
	s.drops.flush()
	return nil
}

// inc counts a record at now and returns its count in the counter's
// interval, starting a new interval when the last one has ended (zap's
// IncCheckReset).
func (c *sampleCounter) inc(now, interval int64) uint64 {
	resetAt := c.resetAt.Load()
	if now < resetAt {
		return c.n.Add(1)
	}
	c.n.Store(1)
	if !c.resetAt.CompareAndSwap(resetAt, now+interval) {
		// Another goroutine started the interval, and stored 1 too.
		return c.n.Add(1)
	}
	return 1
}

// sampleIndex hashes a level and a message (FNV-1a) into the counters.
func sampleIndex(l slog.Level, msg string) uint32 {
	const prime = 16777619
	h := uint32(2166136261)
	h = (h ^ uint32(l)) * prime
	for i := 0; i < len(msg); i++ {
		h = (h ^ uint32(msg[i])) * prime
	}
	return h % samplerSize
}

// SampledError is what a [Sampler] reports through OnDrop: the records it
// dropped since its previous report.
type SampledError struct {
	Filter  string // SamplerOptions.Name: the filter's id in a configuration
	Dropped uint64 // since the previous report
	Total   uint64 // since the Sampler was made
}

func (e *SampledError) Error() string {
	return fmt.Sprintf("filter %q: sampling dropped %d records (%d in all)", e.Filter, e.Dropped, e.Total)
}
