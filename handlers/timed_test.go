package handlers

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// fhClock is a Clock that moves only when told to. Each After call is
// announced on added with its deadline.
type fhClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fhWaiter
	added   chan time.Time
}

type fhWaiter struct {
	at time.Time
	ch chan time.Time
}

func newFHClock(now time.Time) *fhClock {
	return &fhClock{now: now, added: make(chan time.Time, 64)}
}

func (c *fhClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fhClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	at := c.now.Add(d)
	if d <= 0 {
		ch <- c.now
	} else {
		c.waiters = append(c.waiters, fhWaiter{at: at, ch: ch})
	}
	c.added <- at
	return ch
}

// set moves the clock to t, firing the waiters that are due.
func (c *fhClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(t) {
			kept = append(kept, w)
		} else {
			w.ch <- t
		}
	}
	c.waiters = kept
}

// none checks that no schedule starts waiting for a boundary, for 50ms.
func (c *fhClock) none(t *testing.T) {
	t.Helper()
	select {
	case at := <-c.added:
		t.Fatalf("a schedule started waiting for %v", at)
	case <-time.After(50 * time.Millisecond):
	}
}

// next waits for the schedule's next After call and returns its deadline.
func (c *fhClock) next(t *testing.T) time.Time {
	t.Helper()
	select {
	case at := <-c.added:
		return at
	case <-time.After(10 * time.Second):
		t.Fatal("the schedule did not wait for its next boundary")
		return time.Time{}
	}
}

func TestTimedRotatesAtEachBoundary(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "t.log")
	start := time.Date(2025, 3, 4, 10, 20, 30, 0, time.UTC)
	clock := newFHClock(start)
	f, err := OpenTimedRotating(path, &TimedRotatingOptions{When: "m", Interval: 5, Clock: clock, MaxBackups: 2})
	require.NoError(t, err)

	write := func(s string) {
		_, err := f.Write([]byte(s + "\n"))
		require.NoError(t, err)
	}
	// CPython's M rule: the first boundary is now + interval. The schedule
	// runs from the commit, which OpenTimedRotating makes at once.
	assert.Equal(t, start.Add(5*time.Minute), f.NextRollover().UTC())
	first := clock.next(t)
	write("one")
	assert.Equal(t, start.Add(5*time.Minute), first)
	assert.Equal(t, first, f.NextRollover().UTC())

	clock.set(first)
	second := clock.next(t)
	assert.Equal(t, first.Add(5*time.Minute), second)
	require.Len(t, fhBackups(t, dir, "t.log"), 1, "rotated at the boundary")

	// Nothing written in this interval: nothing to rotate.
	clock.set(second)
	third := clock.next(t)
	assert.Len(t, fhBackups(t, dir, "t.log"), 1, "an empty file is not rotated")

	write("two")
	time.Sleep(2 * time.Millisecond) // lumberjack names backups to the millisecond
	clock.set(third)
	clock.next(t)
	require.NoError(t, f.Close())

	backups := fhBackups(t, dir, "t.log")
	require.Len(t, backups, 2)
	var got []string
	for _, b := range append(backups, path) {
		data, err := os.ReadFile(b)
		require.NoError(t, err)
		got = append(got, string(data))
	}
	assert.Equal(t, []string{"one\n", "two\n", ""}, got)
}

// The schedule's goroutine stops with the last handle on the path, however
// often the schedule changed. Not parallel: goleak sees every goroutine.
func TestTimedCloseStopsSchedule(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent(), goleak.IgnoreAnyFunction(lumberjackMill))
	dir := t.TempDir()
	clock := newFHClock(time.Now())
	var files []*RotatingFile
	for i := range 10 {
		// Two schedules in turn on one path: each handle puts its own in
		// force; the last Close stops the one running.
		f, err := OpenTimedRotating(filepath.Join(dir, "a.log"), &TimedRotatingOptions{When: "S", Interval: 1 + i%2, Clock: clock})
		require.NoError(t, err)
		_, err = f.Write([]byte("x\n"))
		require.NoError(t, err)
		files = append(files, f)
	}
	for _, f := range files {
		require.NoError(t, f.Close())
	}
}

func TestTimedSameScheduleKeepsRunning(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "k.log")
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := newFHClock(start)
	opts := &TimedRotatingOptions{When: "H", Clock: clock}
	old, err := OpenTimedRotating(path, opts)
	require.NoError(t, err)
	_, err = old.Write([]byte("old\n"))
	require.NoError(t, err)
	first := clock.next(t)
	clock.set(start.Add(30 * time.Minute))
	// A reconfiguration with the same schedule: the boundary stays, where
	// a new schedule would start counting an hour from now.
	cur, err := OpenTimedRotating(path, opts)
	require.NoError(t, err)
	require.NoError(t, old.Close())
	assert.Equal(t, first, cur.NextRollover().UTC())

	other, err := OpenTimedRotating(path, &TimedRotatingOptions{When: "M", Clock: clock})
	require.NoError(t, err)
	assert.Equal(t, time.Unix(mtime(t, path).Unix()+60, 0), other.NextRollover(),
		"a changed schedule starts again, from the modification time of the existing file")
	require.NoError(t, cur.Close())
	require.NoError(t, other.Close())
}

func mtime(t *testing.T, path string) time.Time {
	t.Helper()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	return fi.ModTime()
}

// The schedule in force on a path is that of the newest commit with a
// handle still open: an aborted Opener changes nothing, a committed one
// starts its schedule at once, and when its handles are closed the older
// schedule resumes at the boundary it had.
func TestTimedScheduleOfTheNewestCommit(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "v.log")
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := newFHClock(start)
	write := func(f *RotatingFile) {
		t.Helper()
		_, err := f.Write([]byte("x\n"))
		require.NoError(t, err)
	}
	live, err := OpenTimedRotating(path, &TimedRotatingOptions{When: "H", Clock: clock})
	require.NoError(t, err)
	first := clock.next(t)
	write(live)
	// CPython: a handler opened on an existing file counts from its
	// modification time.
	minuteAfterMtime := time.Unix(mtime(t, path).Unix()+60, 0)

	// A configuration that is refused opens the file with another schedule
	// and is aborted: the live schedule runs on.
	refused := NewOpener()
	checked, err := refused.OpenTimedRotating(path, &TimedRotatingOptions{When: "M", Clock: clock})
	require.NoError(t, err)
	assert.Equal(t, minuteAfterMtime, checked.NextRollover(), "its own first boundary, not running")
	require.NoError(t, refused.Abort())
	clock.none(t)
	assert.Equal(t, first, live.NextRollover().UTC())

	// A newer configuration's schedule runs from its commit, and when its
	// handle closes the live schedule is back, at the boundary it had.
	o := NewOpener()
	newer, err := o.OpenTimedRotating(path, &TimedRotatingOptions{When: "M", Clock: clock})
	require.NoError(t, err)
	clock.none(t)
	require.NoError(t, o.Commit())
	assert.True(t, minuteAfterMtime.Equal(clock.next(t)), "the newest commit sets the schedule")
	assert.Equal(t, first, live.NextRollover().UTC(), "where the live schedule will resume")
	write(newer)
	require.NoError(t, newer.Close())
	assert.Equal(t, first, clock.next(t))
	assert.Equal(t, first, live.NextRollover().UTC())

	// A handle rotated by size has no schedule: while it is the newest,
	// nothing runs.
	sized, err := OpenRotating(path, nil)
	require.NoError(t, err)
	write(sized)
	assert.True(t, sized.NextRollover().IsZero(), "a size-rotated handle has no schedule")
	require.NoError(t, sized.Close())
	assert.Equal(t, first, clock.next(t))
	require.NoError(t, live.Close())
}

func TestTimedOptionErrors(t *testing.T) {
	t.Parallel()
	at := func(d time.Duration) *time.Duration { return &d }
	tests := []struct {
		name string
		give TimedRotatingOptions
		want string
	}{
		{name: "unknown when", give: TimedRotatingOptions{When: "X"}, want: "invalid rollover interval specified: X"},
		{name: "weekday missing", give: TimedRotatingOptions{When: "W"}, want: "you must specify a day for weekly rollover from 0 to 6 (0 is Monday): W"},
		{name: "weekday 7", give: TimedRotatingOptions{When: "w7"}, want: "invalid day specified for weekly rollover: W7"},
		{name: "negative interval", give: TimedRotatingOptions{Interval: -1}, want: "interval must be positive, got -1"},
		{name: "atTime past the day", give: TimedRotatingOptions{When: "midnight", AtTime: at(24 * time.Hour)}, want: "atTime must be a time of day"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := OpenTimedRotating(filepath.Join(t.TempDir(), "e.log"), &tt.give)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			if strings.Contains(tt.name, "when") || strings.Contains(tt.name, "weekday") {
				assert.True(t, errors.Is(err, ErrInvalidWhen))
			}
		})
	}
}

func TestParseTimeOfDay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		give    string
		want    time.Duration
		wantErr bool
	}{
		{give: "00:00", want: 0},
		{give: "13:45", want: 13*time.Hour + 45*time.Minute},
		{give: "23:59:59", want: 24*time.Hour - time.Second},
		{give: "24:00", wantErr: true},
		{give: "1:05", wantErr: true},
		{give: "12", wantErr: true},
		{give: "12:60", wantErr: true},
		{give: "12:00:00:00", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseTimeOfDay(tt.give)
		if tt.wantErr {
			assert.Error(t, err, tt.give)
			continue
		}
		require.NoError(t, err, tt.give)
		assert.Equal(t, tt.want, got, tt.give)
	}
}

// funcClock is a Clock of an uncomparable type, as a program may write.
type funcClock struct {
	now   func() time.Time
	after []func(time.Duration) <-chan time.Time
}

func (c funcClock) Now() time.Time                         { return c.now() }
func (c funcClock) After(d time.Duration) <-chan time.Time { return c.after[0](d) }

// TestTimedRotatingUncomparableClock checks that a program's Clock of an
// uncomparable type can be given to two handles on one path (settings of
// two commits compared, schedules replaced) without a panic, and that a
// clock that panics stops its schedule with a report instead of crashing.
func TestTimedRotatingUncomparableClock(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "c.log")
	clock := funcClock{now: time.Now, after: []func(time.Duration) <-chan time.Time{time.After}}
	a, err := OpenTimedRotating(path, &TimedRotatingOptions{When: "H", Clock: clock})
	require.NoError(t, err)
	b, err := OpenTimedRotating(path, &TimedRotatingOptions{When: "H", Clock: clock})
	require.NoError(t, err)
	require.NoError(t, b.Close())
	require.NoError(t, a.Close())

	reported := make(chan error, 1)
	boom := funcClock{now: time.Now, after: []func(time.Duration) <-chan time.Time{func(time.Duration) <-chan time.Time { panic("tick boom") }}}
	c, err := OpenTimedRotating(path, &TimedRotatingOptions{When: "H", Clock: boom, OnError: func(err error) { reported <- err }})
	require.NoError(t, err)
	select {
	case err := <-reported:
		assert.ErrorContains(t, err, "clock panicked: tick boom")
	case <-time.After(10 * time.Second):
		t.Fatal("the clock's panic was not reported")
	}
	require.NoError(t, c.Close())
}
