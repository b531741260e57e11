package filters

import (
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// passed returns the 1-based positions of the records of a run that f
// passed.
func passedOf(f Filter, rs []slog.Record) []int {
	var out []int
	for i, r := range rs {
		if passes(f, "app", r) {
			out = append(out, i+1)
		}
	}
	return out
}

func repeat(n int, level slog.Level, msg string) []slog.Record {
	rs := make([]slog.Record, n)
	for i := range rs {
		rs[i] = record(level, msg)
	}
	return rs
}

// The rule is zap's: count <= first, or (count-first) a multiple of
// thereafter.
func TestSamplerRule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name              string
		first, thereafter int
		n                 int
		want              []int
	}{
		{"first 2 thereafter 3", 2, 3, 12, []int{1, 2, 5, 8, 11}},
		{"first 3 thereafter 10", 3, 10, 25, []int{1, 2, 3, 13, 23}},
		{"thereafter 0 drops the rest", 2, 0, 6, []int{1, 2}},
		{"first 0 thereafter 1 passes all", 0, 1, 4, []int{1, 2, 3, 4}},
		{"first 0 thereafter 4", 0, 4, 9, []int{4, 8}},
		{"first 0 thereafter 0 drops all", 0, 0, 3, nil},
		{"negative is 0", -1, -1, 3, nil},
		{"first above count", 10, 10, 5, []int{1, 2, 3, 4, 5}},
	}
	for _, tt := range tests {
		var clk fakeClock
		s := NewSampler(time.Second, tt.first, tt.thereafter, &SamplerOptions{Now: clk.Now})
		got := passedOf(s, repeat(tt.n, slog.LevelInfo, "m"))
		if !equalInts(got, tt.want) {
			t.Errorf("%s: passed %v, want %v", tt.name, got, tt.want)
		}
		if want := uint64(tt.n - len(tt.want)); s.Dropped() != want {
			t.Errorf("%s: Dropped() = %d, want %d", tt.name, s.Dropped(), want)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Each message at each level is counted apart; the logger does not count.
func TestSamplerKeys(t *testing.T) {
	t.Parallel()
	var clk fakeClock
	s := NewSampler(time.Second, 1, 0, &SamplerOptions{Now: clk.Now})
	steps := []struct {
		logger string
		level  slog.Level
		msg    string
		want   bool
	}{
		{"a", slog.LevelInfo, "x", true},
		{"a", slog.LevelInfo, "x", false},
		{"b", slog.LevelInfo, "x", false}, // another logger, same message: one count
		{"a", slog.LevelInfo, "y", true},
		{"a", slog.LevelWarn, "x", true},
		{"a", slog.LevelWarn, "x", false},
		{"a", slog.LevelInfo, "", true},
		{"a", slog.LevelInfo, "", false},
	}
	for i, st := range steps {
		if got := passes(s, st.logger, record(st.level, st.msg)); got != st.want {
			t.Errorf("step %d (%s %v %q): passed %v, want %v", i, st.logger, st.level, st.msg, got, st.want)
		}
	}
}

// A message's interval starts with its first record and lasts the
// interval; the next record after it starts a new one.
func TestSamplerIntervals(t *testing.T) {
	t.Parallel()
	var clk fakeClock
	s := NewSampler(time.Second, 1, 0, &SamplerOptions{Now: clk.Now})
	steps := []struct {
		at   time.Duration
		msg  string
		want bool
	}{
		{0, "x", true},
		{500 * time.Millisecond, "y", true}, // y's interval: 0.5 s to 1.5 s
		{999 * time.Millisecond, "x", false},
		{time.Second, "x", true}, // x's new interval: 1 s to 2 s
		{time.Second, "x", false},
		{1499 * time.Millisecond, "y", false},
		{1500 * time.Millisecond, "y", true},
		{5 * time.Second, "x", true},
		{5 * time.Second, "x", false},
	}
	for i, st := range steps {
		clk.set(st.at)
		if got := passes(s, "app", record(slog.LevelInfo, st.msg)); got != st.want {
			t.Errorf("step %d (%v %q): passed %v, want %v", i, st.at, st.msg, got, st.want)
		}
	}
	if s.Dropped() != 4 {
		t.Errorf("Dropped() = %d, want 4", s.Dropped())
	}
}

// Drops are reported from the first record at or after the end of each
// interval in which there were some, and on Close; exactly once each.
func TestSamplerReports(t *testing.T) {
	t.Parallel()
	var clk fakeClock
	reported := newErrs()
	s := NewSampler(time.Second, 1, 0, &SamplerOptions{Name: "s", OnDrop: reported.add, Now: clk.Now})
	logAt := func(at time.Duration, n int) {
		clk.set(at)
		for range n {
			passes(s, "app", record(slog.LevelInfo, "m"))
		}
	}
	logAt(0, 4) // 1 passes, 3 dropped
	logAt(999*time.Millisecond, 2)
	if got := reported.take(); len(got) != 0 {
		t.Fatalf("reported before the interval ended: %v", got)
	}
	logAt(time.Second, 1) // a new interval: passes, and reports the 5
	want := []error{&SampledError{Filter: "s", Dropped: 5, Total: 5}}
	if got := reported.take(); !equalErrs(got, want) {
		t.Fatalf("at 1s: reported %v, want %v", got, want)
	}
	logAt(1500*time.Millisecond, 3) // 3 dropped, not reported yet
	if got := reported.take(); len(got) != 0 {
		t.Fatalf("reported twice in one interval: %v", got)
	}
	logAt(3*time.Second, 0)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	want = []error{&SampledError{Filter: "s", Dropped: 3, Total: 8}}
	if got := reported.take(); !equalErrs(got, want) {
		t.Fatalf("Close: reported %v, want %v", got, want)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := reported.take(); len(got) != 0 {
		t.Fatalf("a second Close reported %v", got)
	}
	// An interval without drops reports nothing.
	logAt(10*time.Second, 1)
	logAt(12*time.Second, 1)
	if got := reported.take(); len(got) != 0 {
		t.Fatalf("reported without drops: %v", got)
	}
	if s.Dropped() != 8 {
		t.Errorf("Dropped() = %d, want 8", s.Dropped())
	}
	var se *SampledError
	if err := want[0]; !errors.As(err, &se) || err.Error() != `filter "s": sampling dropped 3 records (8 in all)` {
		t.Errorf("Error() = %q", err)
	}
}

func equalErrs(got, want []error) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		switch w := want[i].(type) {
		case *SampledError:
			g, ok := got[i].(*SampledError)
			if !ok || *g != *w {
				return false
			}
		case *RateLimitedError:
			g, ok := got[i].(*RateLimitedError)
			if !ok || *g != *w {
				return false
			}
		default:
			if got[i].Error() != w.Error() {
				return false
			}
		}
	}
	return true
}

// An OnDrop that panics does not reach the caller, and the drops it was
// given count as reported.
func TestSamplerOnDropPanics(t *testing.T) {
	t.Parallel()
	var clk fakeClock
	var calls atomic.Int32
	s := NewSampler(time.Second, 0, 0, &SamplerOptions{Now: clk.Now, OnDrop: func(error) {
		calls.Add(1)
		panic("boom")
	}})
	passes(s, "app", record(slog.LevelInfo, "m"))
	clk.set(time.Second)
	passes(s, "app", record(slog.LevelInfo, "m")) // reports 2
	passes(s, "app", record(slog.LevelInfo, "m"))
	_ = s.Close() // reports 1
	_ = s.Close() // nothing left
	if calls.Load() != 2 {
		t.Errorf("OnDrop called %d times, want 2", calls.Load())
	}
}

// Under concurrent use every record is counted once: what passed and what
// was dropped add up, and every drop is reported exactly once.
func TestSamplerConcurrent(t *testing.T) {
	t.Parallel()
	var reportedDrops atomic.Uint64
	s := NewSampler(time.Millisecond, 5, 7, &SamplerOptions{OnDrop: func(err error) {
		reportedDrops.Add(err.(*SampledError).Dropped)
	}})
	const goroutines, each = 8, 2000
	var passed atomic.Uint64
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msgs := []string{"a", "b", "c"}
			for i := range each {
				if passes(s, "app", record(slog.LevelInfo, msgs[(g+i)%3])) {
					passed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	_ = s.Close()
	if got := passed.Load() + s.Dropped(); got != goroutines*each {
		t.Errorf("passed %d + dropped %d = %d, want %d", passed.Load(), s.Dropped(), got, goroutines*each)
	}
	if reportedDrops.Load() != s.Dropped() {
		t.Errorf("reported %d drops, Dropped() = %d", reportedDrops.Load(), s.Dropped())
	}
}

// The table has a fixed size: many messages do not grow it, and each
// message still passes its first records unless it shares a counter.
func TestSamplerManyMessages(t *testing.T) {
	t.Parallel()
	var clk fakeClock
	s := NewSampler(time.Second, 1, 0, &SamplerOptions{Now: clk.Now})
	seen := map[uint32]bool{}
	for i := range 10000 {
		msg := "message " + string(rune('a'+i%26)) + itoa(i)
		idx := sampleIndex(slog.LevelInfo, msg)
		want := !seen[idx]
		seen[idx] = true
		if got := passes(s, "app", record(slog.LevelInfo, msg)); got != want {
			t.Fatalf("message %d: passed %v, want %v (counter shared: %v)", i, got, want, !want)
		}
	}
	if len(seen) > samplerSize {
		t.Fatalf("%d counters used", len(seen))
	}
}

func itoa(i int) string { return slog.IntValue(i).String() }
