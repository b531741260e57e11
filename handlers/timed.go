package handlers

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slogtree/slogtree/formatters"
)

// A Clock tells the time and waits, for the rotation schedule of
// [OpenTimedRotating]. Tests replace it to drive the schedule.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives once d has passed.
	After(d time.Duration) <-chan time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// SystemClock is the real clock: time.Now and time.After.
var SystemClock Clock = systemClock{}

// TimedRotatingOptions configures [OpenTimedRotating], Python's
// TimedRotatingFileHandler. The zero value is the default: hourly.
type TimedRotatingOptions struct {
	// When is the unit of the rotation interval, in any case: "S"
	// (seconds), "M" (minutes), "H" (hours), "D" (days), "MIDNIGHT" (at
	// midnight, or AtTime) or "W0"…"W6" (weekly on that day, Monday = 0,
	// at midnight or AtTime). Default "H".
	When string
	// Interval is the number of units between rotations. Default 1.
	Interval int
	// UTC computes midnight and weekdays in UTC instead of Location.
	// Default false.
	UTC bool
	// AtTime is the time of day, as an offset from midnight, at which
	// MIDNIGHT and W0…W6 rotate. Default nil: midnight. Other units ignore
	// it, as Python does.
	AtTime *time.Duration
	// Location is the time zone of midnight and weekdays when UTC is not
	// set. Default time.Local.
	Location *time.Location
	// MaxBackups is the number of rotated files kept (Python's
	// backupCount). Default 0: every rotated file is kept.
	MaxBackups int
	// MaxAgeDays removes rotated files older than this many days. Default
	// 0: no age limit.
	MaxAgeDays int
	// Compress gzips rotated files. Default false.
	Compress bool
	// LocalTime names rotated files by local time instead of UTC. Default
	// false.
	LocalTime bool
	// Perm is the permission of a file the handler creates. Default 0644.
	Perm os.FileMode
	// Delay opens the file at the first write instead of at once. Default
	// false.
	Delay bool
	// Terminator replaces the "\n" that ends each record. Default "\n".
	Terminator string
	// Clock is the clock of the schedule. Default [SystemClock].
	Clock Clock
	// OnError receives the errors of rotations at the schedule's
	// boundaries and of the clean-up of old backups, which happen on
	// goroutines of their own, not in a Write. Default: they are dropped.
	OnError func(error)
}

// OpenTimedRotating returns a file on path, made absolute, rotated at
// time boundaries, as Python's TimedRotatingFileHandler, sharing the path
// with every other file handle of the process on it (see [RotatingFile]).
// It is an [Opener] opened and committed at once: its schedule is in
// force on the path from now on, until a later commit on the path, or
// until it and every handle committed with it are closed (see
// [Opener.Commit]); a schedule the same as the one running keeps running.
// A goroutine calls the path's lumberjack.Logger's Rotate (the Logger
// lives, with its own goroutine, for the life of the process) at each
// boundary, if anything was written to the file since the last one. The first boundary is computed when the file is opened, from
// the modification time of an existing file, else from the clock's now,
// exactly as CPython 3.11's computeRollover does; later ones as its
// doRollover does. The last handle on the path to close stops the
// goroutine.
//
// Rotated files get lumberjack's names (app-2006-01-02T15-04-05.000.log,
// the time of the rotation), not Python's app.log.2006-01-02 (the start of
// the interval). Nil options mean the defaults.
func OpenTimedRotating(path string, opts *TimedRotatingOptions) (*RotatingFile, error) {
	o := NewOpener()
	f, err := o.OpenTimedRotating(path, opts)
	return commitNow(o, f, err)
}

// CheckTimedRotating returns the error [OpenTimedRotating] would return for
// opts (an unknown When wraps [ErrInvalidWhen]), or nil, without opening
// anything. Nil options are the defaults.
func CheckTimedRotating(opts *TimedRotatingOptions) error {
	if opts == nil {
		return nil
	}
	_, err := newRollRule(opts)
	return err
}

// timedHandle makes the handle of opts on abs, its first boundary
// computed from the file's modification time, else now.
func timedHandle(abs string, opts *TimedRotatingOptions) (*handle, error) {
	if opts == nil {
		opts = &TimedRotatingOptions{}
	}
	rule, err := newRollRule(opts)
	if err != nil {
		return nil, err
	}
	clock := opts.Clock
	if clock == nil {
		clock = SystemClock
	}
	// CPython: the mtime of an existing file, else now.
	start := clock.Now()
	if fi, err := os.Stat(abs); err == nil {
		start = fi.ModTime()
	}
	h := newHandle('a', opts.Delay, opts.Perm, opts.Terminator)
	h.rot = &rotation{
		maxBackups: opts.MaxBackups,
		maxAgeDays: opts.MaxAgeDays,
		compress:   opts.Compress,
		localTime:  opts.LocalTime,
		timed:      &timedSpec{rule: rule, clock: clock, next: rule.first(start.Unix()), onError: opts.OnError},
	}
	return h, nil
}

// NewTimedRotatingFileHandler returns Python's TimedRotatingFileHandler:
// fm's handler over a file rotated at time boundaries
// ([OpenTimedRotating]), behind a [Handler] with opts. A nil fm is the
// default pattern formatter; nil topts and opts mean the defaults. Closing
// the handler closes the file.
func NewTimedRotatingFileHandler(path string, fm formatters.Formatter, topts *TimedRotatingOptions, opts *Options) (*Handler, error) {
	f, err := OpenTimedRotating(path, topts)
	if err != nil {
		return nil, err
	}
	return newOverSink(fm, f, opts), nil
}

// ParseTimeOfDay reads Python's atTime as "HH:MM" or "HH:MM:SS".
func ParseTimeOfDay(s string) (time.Duration, error) {
	parts := strings.Split(s, ":")
	bad := fmt.Errorf("want a time of day \"HH:MM[:SS]\", got %q", s)
	if len(parts) < 2 || len(parts) > 3 {
		return 0, bad
	}
	limits := []int{23, 59, 59}
	var d time.Duration
	units := []time.Duration{time.Hour, time.Minute, time.Second}
	for i, part := range parts {
		n, err := strconv.Atoi(part)
		if err != nil || len(part) != 2 || n < 0 || n > limits[i] {
			return 0, bad
		}
		d += time.Duration(n) * units[i]
	}
	return d, nil
}

// rollRule is a rotation schedule: CPython 3.11's computeRollover and the
// rollover-time update of its doRollover, in Unix seconds.
type rollRule struct {
	when      string // S, M, H, D, MIDNIGHT, W
	interval  int64  // seconds
	dayOfWeek int    // for W: 0 = Monday
	utc       bool
	atTime    int64 // seconds after midnight; -1: none
	loc       *time.Location
}

const secondsPerDay = 24 * 60 * 60

func newRollRule(opts *TimedRotatingOptions) (rollRule, error) {
	r := rollRule{utc: opts.UTC, atTime: -1, loc: opts.Location}
	if r.loc == nil {
		r.loc = time.Local
	}
	if r.utc {
		r.loc = time.UTC
	}
	when := strings.ToUpper(opts.When)
	if when == "" {
		when = "H"
	}
	switch {
	case when == "S":
		r.interval = 1
	case when == "M":
		r.interval = 60
	case when == "H":
		r.interval = 60 * 60
	case when == "D" || when == "MIDNIGHT":
		r.interval = secondsPerDay
	case strings.HasPrefix(when, "W"):
		r.interval = 7 * secondsPerDay
		if len(when) != 2 {
			return r, fmt.Errorf("%w: you must specify a day for weekly rollover from 0 to 6 (0 is Monday): %s", ErrInvalidWhen, when)
		}
		if when[1] < '0' || when[1] > '6' {
			return r, fmt.Errorf("%w: invalid day specified for weekly rollover: %s", ErrInvalidWhen, when)
		}
		r.dayOfWeek = int(when[1] - '0')
		when = "W"
	default:
		return r, fmt.Errorf("%w: invalid rollover interval specified: %s", ErrInvalidWhen, opts.When)
	}
	r.when = when
	interval := opts.Interval
	if interval == 0 {
		interval = 1
	}
	if interval < 0 {
		return r, fmt.Errorf("interval must be positive, got %d", interval)
	}
	r.interval *= int64(interval)
	if opts.AtTime != nil {
		at := *opts.AtTime
		if at < 0 || at >= 24*time.Hour {
			return r, fmt.Errorf("atTime must be a time of day, got %v", at)
		}
		r.atTime = int64(at / time.Second)
	}
	return r, nil
}

// daily reports whether the rule rolls over at a time of day.
func (r rollRule) daily() bool { return r.when == "MIDNIGHT" || r.when == "W" }

func (r rollRule) isDST(t int64) bool {
	return !r.utc && time.Unix(t, 0).In(r.loc).IsDST()
}

// first is CPython's computeRollover(currentTime).
func (r rollRule) first(t int64) int64 {
	result := t + r.interval
	if !r.daily() {
		return result
	}
	lt := time.Unix(t, 0).In(r.loc)
	day := (int(lt.Weekday()) + 6) % 7 // Monday = 0
	rotateAt := int64(secondsPerDay)
	if r.atTime >= 0 {
		rotateAt = r.atTime
	}
	left := rotateAt - int64((lt.Hour()*60+lt.Minute())*60+lt.Second())
	if left < 0 {
		left += secondsPerDay
		day = (day + 1) % 7
	}
	result = t + left
	if r.when == "W" && day != r.dayOfWeek {
		var wait int
		if day < r.dayOfWeek {
			wait = r.dayOfWeek - day
		} else {
			wait = 6 - day + r.dayOfWeek + 1
		}
		next := result + int64(wait)*secondsPerDay
		if !r.utc {
			next += dstAddend(lt.IsDST(), r.isDST(next))
		}
		result = next
	}
	return result
}

// after is the rollover time CPython's doRollover sets when it rolls over
// at currentTime t.
func (r rollRule) after(t int64) int64 {
	next := r.first(t)
	for next <= t {
		next += r.interval
	}
	if r.daily() && !r.utc {
		next += dstAddend(r.isDST(t), r.isDST(next))
	}
	return next
}

// dstAddend is CPython's correction when daylight saving time starts (-1h)
// or ends (+1h) before the next rollover.
func dstAddend(dstNow, dstThen bool) int64 {
	switch {
	case dstNow == dstThen:
		return 0
	case !dstNow:
		return -3600
	default:
		return 3600
	}
}

// timedSpec is the schedule a time-rotating handle asks for.
type timedSpec struct {
	rule    rollRule
	clock   Clock
	next    int64 // Unix seconds: the next boundary; guarded by sinks.Mutex
	onError func(error)
}

// same reports whether t and o are the same schedule, on the same clock.
func (t *timedSpec) same(o *timedSpec) bool {
	return t != nil && o != nil && t.rule == o.rule && sameClock(t.clock, o.clock)
}

// sameClock reports whether a and b are the same clock, without the panic
// of == on a program's clock of an uncomparable type (which is then never
// the same as another).
func sameClock(a, b Clock) bool {
	ta := reflect.TypeOf(a)
	return ta == reflect.TypeOf(b) && ta != nil && ta.Comparable() && a == b
}

func (t *timedSpec) describe() string {
	if t == nil {
		return "none"
	}
	s := fmt.Sprintf("when %s, every %ds", t.rule.when, t.rule.interval)
	if t.rule.when == "W" {
		s += fmt.Sprintf(", day %d", t.rule.dayOfWeek)
	}
	if t.rule.atTime >= 0 {
		s += fmt.Sprintf(", at %ds", t.rule.atTime)
	}
	if t.rule.utc {
		s += ", UTC"
	} else if t.rule.loc != nil {
		s += ", in " + t.rule.loc.String()
	}
	return s
}

// scheduler is the goroutine that rotates a path at each boundary of a
// schedule.
type scheduler struct {
	s    *fileSink
	spec *timedSpec
	next atomic.Int64 // Unix seconds
	quit chan struct{}
	done chan struct{}
	once sync.Once
}

// startScheduler runs spec's schedule from its next boundary.
func startScheduler(fs *fileSink, spec *timedSpec) *scheduler {
	s := &scheduler{s: fs, spec: spec, quit: make(chan struct{}), done: make(chan struct{})}
	s.next.Store(spec.next)
	go s.run()
	return s
}

func (s *scheduler) nextRollover() time.Time { return time.Unix(s.next.Load(), 0) }

func (s *scheduler) run() {
	defer close(s.done)
	for {
		next := s.next.Load()
		wake, err := s.after(next)
		if err != nil {
			s.report(err)
			return // a clock that panics cannot schedule anything
		}
		select {
		case <-s.quit:
			return
		case <-wake:
		}
		now, err := s.now()
		if err != nil {
			s.report(err)
			return
		}
		if now < next {
			continue // woken early: wait for the rest
		}
		if err := s.s.rotate(nil, true); err != nil && !errors.Is(err, ErrClosed) {
			s.report(err)
		}
		s.next.Store(s.spec.rule.after(now))
	}
}

// after returns the clock's channel for the wait until next. A program's
// Clock is its own code: a panic is returned as an error.
func (s *scheduler) after(next int64) (c <-chan time.Time, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("rotation schedule of %s: clock panicked: %v", s.s.path, p)
		}
	}()
	clock := s.spec.clock
	return clock.After(time.Unix(next, 0).Sub(clock.Now())), nil
}

// now returns the clock's time in Unix seconds, a panic as an error.
func (s *scheduler) now() (t int64, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("rotation schedule of %s: clock panicked: %v", s.s.path, p)
		}
	}()
	return s.spec.clock.Now().Unix(), nil
}

// report passes err to the schedule's OnError, whose panic is dropped.
func (s *scheduler) report(err error) {
	if s.spec.onError == nil {
		return
	}
	defer func() { _ = recover() }()
	s.spec.onError(err)
}

// signal tells the goroutine to stop, without waiting.
func (s *scheduler) signal() { s.once.Do(func() { close(s.quit) }) }

// wait waits for the goroutine, told to stop, and keeps the next boundary
// in the spec, for a return to this schedule.
func (s *scheduler) wait() {
	<-s.done
	s.spec.next = s.next.Load()
}
