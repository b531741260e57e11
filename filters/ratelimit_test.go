package filters

import (
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type rateStep struct {
	at     time.Duration
	logger string
	want   []bool // one record per element
}

func runRateSteps(t *testing.T, l *RateLimiter, clk *fakeClock, steps []rateStep) {
	t.Helper()
	for i, st := range steps {
		clk.set(st.at)
		for j, want := range st.want {
			if got := passes(l, st.logger, record(slog.LevelInfo, "m")); got != want {
				t.Errorf("step %d (%v, %s), record %d: passed %v, want %v", i, st.at, st.logger, j+1, got, want)
			}
		}
	}
}

func TestRateLimiter(t *testing.T) {
	t.Parallel()
	const T, F = true, false
	tests := []struct {
		name      string
		perSecond float64
		opts      RateLimitOptions
		steps     []rateStep
		dropped   uint64
	}{
		{"burst then rate", 1, RateLimitOptions{Burst: 3}, []rateStep{
			{0, "a", []bool{T, T, T, F, F}},
			{time.Second, "a", []bool{T, F}},
			{2500 * time.Millisecond, "a", []bool{T, F}},
			{10 * time.Second, "a", []bool{T, T, T, F}},
		}, 5},
		{"per logger", 1, RateLimitOptions{Burst: 2}, []rateStep{
			{0, "a", []bool{T, T, F}},
			{0, "b", []bool{T, T, F}},
			{0, "a.b", []bool{T, T, F}},
			{500 * time.Millisecond, "a", []bool{F}},
			{time.Second, "b", []bool{T, F}},
		}, 5},
		{"slower than one a second", 0.5, RateLimitOptions{Burst: 1}, []rateStep{
			{0, "a", []bool{T, F}},
			{1999 * time.Millisecond, "a", []bool{F}},
			{2 * time.Second, "a", []bool{T, F}},
		}, 3},
		{"default burst is the rate rounded up", 2.5, RateLimitOptions{}, []rateStep{
			{0, "a", []bool{T, T, T, F}},
			{400 * time.Millisecond, "a", []bool{T, F}},
		}, 2},
		{"default burst at least 1", 0.1, RateLimitOptions{}, []rateStep{
			{0, "a", []bool{T, F}},
			{9 * time.Second, "a", []bool{F}},
			{10 * time.Second, "a", []bool{T}},
		}, 2},
		{"rate 0: the burst only", 0, RateLimitOptions{Burst: 2}, []rateStep{
			{0, "a", []bool{T, T, F}},
			{time.Hour * 24 * 365, "a", []bool{F}},
		}, 2},
		{"NaN: the burst only", math.NaN(), RateLimitOptions{Burst: 1}, []rateStep{
			{0, "a", []bool{T, F}},
			{time.Hour, "a", []bool{F}},
		}, 2},
		{"infinite rate passes all", math.Inf(1), RateLimitOptions{}, []rateStep{
			{0, "a", []bool{T, T, T, T, T, T, T, T}},
		}, 0},
		{"huge burst", 1, RateLimitOptions{Burst: math.MaxInt32}, []rateStep{
			{0, "a", []bool{T, T, T}},
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var clk fakeClock
			opts := tt.opts
			opts.Now = clk.Now
			l := NewRateLimiter(tt.perSecond, &opts)
			runRateSteps(t, l, &clk, tt.steps)
			if l.Dropped() != tt.dropped {
				t.Errorf("Dropped() = %d, want %d", l.Dropped(), tt.dropped)
			}
		})
	}
}

// At most MaxLoggers loggers have a bucket: full buckets are forgotten to
// make room, and the loggers that find no room share one bucket.
func TestRateLimiterBound(t *testing.T) {
	t.Parallel()
	const T, F = true, false
	var clk fakeClock
	l := NewRateLimiter(1, &RateLimitOptions{Burst: 1, MaxLoggers: 2, Now: clk.Now})
	runRateSteps(t, l, &clk, []rateStep{
		{0, "a", []bool{T}},
		{0, "b", []bool{T}},
		{0, "c", []bool{T}}, // no room, no full bucket: the overflow bucket
		{0, "d", []bool{F}}, // shares it with c
		{0, "a", []bool{F}}, // a's own bucket is kept
	})
	if n := len(l.buckets); n != 2 {
		t.Fatalf("%d buckets, want 2", n)
	}
	runRateSteps(t, l, &clk, []rateStep{
		{time.Second, "c", []bool{T, F}}, // a and b are full again: forgotten, c gets a bucket
		{time.Second, "d", []bool{T, F}}, // and d
		{time.Second, "e", []bool{T, F}}, // no room, swept within the second: the overflow bucket
		{time.Second, "a", []bool{F}},    // a, forgotten, now shares it
	})
	if n := len(l.buckets); n != 2 {
		t.Fatalf("%d buckets, want 2", n)
	}
	// Many loggers keep the table at its bound.
	for i := range 1000 {
		clk.set(time.Duration(2+i) * time.Second)
		passes(l, fmt.Sprint("x", i), record(slog.LevelInfo, "m"))
		if len(l.buckets) > 2 {
			t.Fatalf("%d buckets after logger %d", len(l.buckets), i)
		}
	}
}

func TestRateLimiterDefaultBound(t *testing.T) {
	t.Parallel()
	var clk fakeClock
	l := NewRateLimiter(1, &RateLimitOptions{Now: clk.Now})
	for i := range 5000 {
		passes(l, fmt.Sprint("x", i), record(slog.LevelInfo, "m"))
	}
	if n := len(l.buckets); n != 1024 {
		t.Fatalf("%d buckets, want 1024", n)
	}
}

// Drops are reported at most once a second, from a record, and on Close.
func TestRateLimiterReports(t *testing.T) {
	t.Parallel()
	const T, F = true, false
	var clk fakeClock
	reported := newErrs()
	l := NewRateLimiter(1, &RateLimitOptions{Burst: 1, Name: "rl", OnDrop: reported.add, Now: clk.Now})
	runRateSteps(t, l, &clk, []rateStep{
		{0, "a", []bool{T, F, F}},
		{0, "b", []bool{T, F}},
		{999 * time.Millisecond, "a", []bool{F}},
	})
	if got := reported.take(); len(got) != 0 {
		t.Fatalf("reported within the first second: %v", got)
	}
	runRateSteps(t, l, &clk, []rateStep{{time.Second, "a", []bool{T, F}}})
	want := []error{&RateLimitedError{Filter: "rl", Dropped: 4, Total: 4}}
	if got := reported.take(); !equalErrs(got, want) {
		t.Fatalf("at 1s: reported %v, want %v", got, want)
	}
	// The record at 1 s that was dropped after the report is reported on
	// Close, with the one dropped now.
	runRateSteps(t, l, &clk, []rateStep{{1500 * time.Millisecond, "a", []bool{F}}})
	if got := reported.take(); len(got) != 0 {
		t.Fatalf("reported twice in a second: %v", got)
	}
	_ = l.Close()
	want = []error{&RateLimitedError{Filter: "rl", Dropped: 2, Total: 6}}
	if got := reported.take(); !equalErrs(got, want) {
		t.Fatalf("Close: reported %v, want %v", got, want)
	}
	_ = l.Close()
	if got := reported.take(); len(got) != 0 {
		t.Fatalf("a second Close reported %v", got)
	}
	if got := want[0].Error(); got != `filter "rl": rate limit dropped 2 records (6 in all)` {
		t.Errorf("Error() = %q", got)
	}
}

func TestRateLimiterConcurrent(t *testing.T) {
	t.Parallel()
	var reportedDrops atomic.Uint64
	l := NewRateLimiter(1000, &RateLimitOptions{Burst: 10, MaxLoggers: 3, OnDrop: func(err error) {
		reportedDrops.Add(err.(*RateLimitedError).Dropped)
	}})
	const goroutines, each = 8, 2000
	var passed atomic.Uint64
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if passes(l, fmt.Sprint("l", (g+i)%5), record(slog.LevelInfo, "m")) {
					passed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	_ = l.Close()
	if got := passed.Load() + l.Dropped(); got != goroutines*each {
		t.Errorf("passed %d + dropped %d = %d, want %d", passed.Load(), l.Dropped(), got, goroutines*each)
	}
	if reportedDrops.Load() != l.Dropped() {
		t.Errorf("reported %d drops, Dropped() = %d", reportedDrops.Load(), l.Dropped())
	}
}
