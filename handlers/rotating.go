package handlers

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/slogtree/slogtree/formatters"
)

// MaxSizeMB is the largest RotatingOptions.MaxSizeMB: a size in bytes
// that an int64 holds.
const MaxSizeMB = math.MaxInt64 / (1 << 20)

// RotatingOptions configures [OpenRotating]: size-based rotation on
// gopkg.in/natefinch/lumberjack.v2. The zero value is the default.
type RotatingOptions struct {
	// MaxBytes is the size in bytes at which the file is rotated, with
	// Python's rule: a record that would bring a non-empty file to
	// MaxBytes or past rotates it first, and a record larger than
	// MaxBytes is written whole, alone in its file. Python's rule counts
	// the record's characters; this counts its bytes, so a record of
	// multi-byte characters does not take the file past the limit. Give
	// MaxBytes or MaxSizeMB, not both. Default 0: MaxSizeMB's rule.
	MaxBytes int64
	// MaxSizeMB is the size in MiB (1,048,576 bytes) at which the file is
	// rotated with lumberjack's rule: a write that would take the file
	// past it rotates first, and a record larger than it is refused.
	// Default 100 (lumberjack's default).
	MaxSizeMB int
	// MaxBackups is the number of rotated files kept. Default 0: every
	// rotated file is kept (lumberjack's rule, unlike Python's
	// backupCount, for which 0 means never rotate).
	MaxBackups int
	// MaxAgeDays removes rotated files older than this many days, by the
	// time in their names. Default 0: no age limit.
	MaxAgeDays int
	// Compress gzips rotated files. Default false.
	Compress bool
	// LocalTime names rotated files by local time instead of UTC. Default
	// false.
	LocalTime bool
	// Perm is the permission of a file the handler creates. Default 0644.
	// A file that lumberjack creates on rotation takes the permission of
	// the file it replaces.
	Perm os.FileMode
	// Delay opens the file at the first write instead of at once. Default
	// false.
	Delay bool
	// Terminator replaces the "\n" that ends each record. Default "\n".
	Terminator string
}

// RotatingFile is a log file rotated by size (see [OpenRotating]) or by
// time (see [OpenTimedRotating]). Like every file sink it shares the
// path's one descriptor and one lock with every other handle of the
// process on the same absolute path, whatever its kind: a rotation, by
// size or by schedule, is seen by all of them, and one size count covers
// the records of all of them.
//
// The path has one set of rotation settings in force at a time: those of
// the newest [Opener] commit with a handle still open on the path (the
// package-level Open functions commit at once). A commit with other
// settings puts them in force from the next write, and its schedule at
// once; when all of its handles are closed, the settings of the commit
// before it come back. Two handles with different rotation settings, or
// permissions, opened on one path through one Opener are refused (see
// [Opener]).
//
// Rotated files are named by lumberjack: app.log becomes
// app-2006-01-02T15-04-05.000.log, stamped with the time of the rotation
// (UTC unless LocalTime is set), not Python's app.log.1 … app.log.N.
// Rotation goes through one lumberjack.Logger per path, made at the
// path's first rotation and kept for the life of the process, because
// lumberjack starts a goroutine with it that nothing stops: one goroutine
// per rotated path. The clean-up of old backups (MaxBackups, MaxAgeDays,
// Compress) follows lumberjack's rules but runs on a goroutine of the
// path's own, which stops when the last handle on the path closes.
//
// With MaxSizeMB (lumberjack's rule), a record larger than the maximum
// size cannot be written: Write returns lumberjack's error ("write length
// … exceeds maximum file size …"). With MaxBytes (Python's rule) it is
// written whole, alone in its file.
type RotatingFile struct {
	h *handle
}

var (
	_ io.WriteCloser          = (*RotatingFile)(nil)
	_ formatters.AtomicWriter = (*RotatingFile)(nil)
)

// OpenRotating returns a file on path, made absolute, rotated by size,
// sharing the path with every other file handle of the process on it
// (see [RotatingFile]). It is an [Opener] opened and committed at once:
// its settings are in force on the path from now on, until a later commit
// on the path, or until it and every handle committed with it are closed
// (see [Opener.Commit]). Records are written with one write each; the
// size rule is Python's with MaxBytes (a write that would bring a
// non-empty file to the limit or past rotates it first), else
// lumberjack's (a write that would take the file past MaxSizeMB rotates
// it first, and the first write under new settings rotates a file it
// would take to the limit). The path's first rotation
// makes the lumberjack.Logger that renames its files for the life of the
// process, with its goroutine. Unless opts.Delay is set the file is opened
// now, and an error is returned if that fails; a missing directory is an
// error, as in Python. Nil options mean the defaults.
func OpenRotating(path string, opts *RotatingOptions) (*RotatingFile, error) {
	o := NewOpener()
	f, err := o.OpenRotating(path, opts)
	return commitNow(o, f, err)
}

// rotatingHandle makes the handle of opts.
func rotatingHandle(opts *RotatingOptions) (*handle, error) {
	if opts == nil {
		opts = &RotatingOptions{}
	}
	if opts.MaxSizeMB < 0 || opts.MaxSizeMB > MaxSizeMB {
		return nil, fmt.Errorf("MaxSizeMB %d is out of range: want 0 to %d", opts.MaxSizeMB, MaxSizeMB)
	}
	if opts.MaxBytes < 0 {
		return nil, fmt.Errorf("MaxBytes %d is out of range: want 0 or more", opts.MaxBytes)
	}
	if opts.MaxBytes > 0 && opts.MaxSizeMB > 0 {
		return nil, errors.New("MaxBytes and MaxSizeMB: give one of them, not both")
	}
	limit := int64(cmp.Or(opts.MaxSizeMB, lumberjackDefaultMB)) * megabyte
	if opts.MaxBytes > 0 {
		limit = opts.MaxBytes
	}
	h := newHandle('a', opts.Delay, opts.Perm, opts.Terminator)
	h.rot = &rotation{
		limit:      limit,
		pyRule:     opts.MaxBytes > 0,
		maxBackups: opts.MaxBackups,
		maxAgeDays: opts.MaxAgeDays,
		compress:   opts.Compress,
		localTime:  opts.LocalTime,
	}
	return h, nil
}

// WritesAtomically reports true: concurrent Writes never interleave.
func (f *RotatingFile) WritesAtomically() bool { return true }

// Path returns the absolute path of the file.
func (f *RotatingFile) Path() string { return f.h.s.path }

// Write writes p to the file in one write, rotating first if p would
// take the file past the size limit in force on the path.
func (f *RotatingFile) Write(p []byte) (int, error) { return f.h.write(p) }

// Rotate closes the file, renames it with a time stamp and starts a new
// one, as lumberjack's Rotate does, then cleans up old backups by the
// settings in force on the path (f's own if the path has none). A path
// that is not a regular file is not rotated.
func (f *RotatingFile) Rotate() error {
	switch f.h.state.Load() {
	case handlePending:
		return errPending
	case handleClosed:
		return ErrClosed
	}
	return f.h.s.rotate(f.h.rot, false)
}

// Reopen opens the path again for every handle on it, as [File.Reopen]
// does, after an external rotation: the size count is then the new
// file's size, and rotation by size goes on from there.
func (f *RotatingFile) Reopen() error { return f.h.reopen() }

// NextRollover returns the time of the next rotation of the file by f's
// schedule, or the zero time when f rotates by size only. While f's
// schedule runs on the path, that is its next boundary; while it does not
// (f's Opener has not committed, or a later commit put another schedule
// in force) it is the boundary at which f's schedule would resume.
func (f *RotatingFile) NextRollover() time.Time {
	h := f.h
	if h.rot.timed == nil {
		return time.Time{}
	}
	h.s.admin.Lock()
	defer h.s.admin.Unlock()
	if s := h.s.sched; s != nil && s.spec.same(h.rot.timed) {
		return s.nextRollover()
	}
	if h.gen != nil && h.gen.rot != nil && h.gen.rot.timed != nil {
		return time.Unix(h.gen.rot.timed.next, 0)
	}
	return time.Unix(h.rot.timed.next, 0)
}

// Close releases this handle's share of the file. The last handle on a
// path stops its rotation schedule, closes the file and waits for the
// clean-up of old backups to finish. Close is idempotent.
func (f *RotatingFile) Close() error { return f.h.close() }

// NewRotatingFileHandler returns Python's RotatingFileHandler: fm's handler
// over a file rotated by size ([OpenRotating]), behind a [Handler] with
// opts. A nil fm is the default pattern formatter; nil ropts and opts mean
// the defaults. Closing the handler closes the file.
func NewRotatingFileHandler(path string, fm formatters.Formatter, ropts *RotatingOptions, opts *Options) (*Handler, error) {
	f, err := OpenRotating(path, ropts)
	if err != nil {
		return nil, err
	}
	return newOverSink(fm, f, opts), nil
}

// rotation is the rotation settings of a path.
type rotation struct {
	limit      int64 // bytes; 0: no size limit (rotated by time)
	pyRule     bool  // limit is Python's maxBytes, with its rule; else lumberjack's
	maxBackups int
	maxAgeDays int
	compress   bool
	localTime  bool
	timed      *timedSpec // nil: rotated by size
}

// same reports whether r and o are the same settings, nil (no rotation)
// included.
func (r *rotation) same(o *rotation) bool {
	field, _, _ := r.conflict(o)
	return field == ""
}

// conflict names the first setting in which r and o differ, with its
// value in each, or returns "" if they are the same.
func (r *rotation) conflict(o *rotation) (field, mine, theirs string) {
	switch {
	case r == nil && o == nil:
		return "", "", ""
	case r == nil || o == nil:
		return "rotation", r.describe(), o.describe()
	case r.limit != o.limit || r.pyRule != o.pyRule:
		return "size limit", r.sizeText(), o.sizeText()
	case r.maxBackups != o.maxBackups:
		return "maxBackups", fmt.Sprint(r.maxBackups), fmt.Sprint(o.maxBackups)
	case r.maxAgeDays != o.maxAgeDays:
		return "maxAgeDays", fmt.Sprint(r.maxAgeDays), fmt.Sprint(o.maxAgeDays)
	case r.compress != o.compress:
		return "compress", fmt.Sprint(r.compress), fmt.Sprint(o.compress)
	case r.localTime != o.localTime:
		return "localTime", fmt.Sprint(r.localTime), fmt.Sprint(o.localTime)
	case (r.timed == nil) != (o.timed == nil) || r.timed != nil && r.timed.rule != o.timed.rule:
		return "schedule", r.timed.describe(), o.timed.describe()
	case r.timed != nil && !sameClock(r.timed.clock, o.timed.clock):
		return "Clock of the schedule", "", ""
	}
	return "", "", ""
}

func (r *rotation) describe() string {
	switch {
	case r == nil:
		return "none"
	case r.timed != nil:
		return "by time (" + r.timed.describe() + ")"
	}
	return "by size (" + r.sizeText() + ")"
}

// full reports whether a write of m bytes to a file of size bytes must
// rotate it first: with Python's rule, when the file is not empty and the
// write would bring it to the limit or past; with lumberjack's, when the
// write would take it past the limit, or, for the first write under new
// settings (fresh), to it.
func (r *rotation) full(size, m int64, fresh bool) bool {
	switch {
	case r.limit == 0:
		return false
	case r.pyRule:
		return size > 0 && size+m >= r.limit
	case fresh:
		return size+m >= r.limit
	}
	return size+m > r.limit
}

// sizeText describes r's size limit: maxBytes in bytes, maxSizeMB in MiB.
func (r *rotation) sizeText() string {
	switch {
	case r.limit == 0:
		return "none"
	case r.pyRule:
		return fmt.Sprintf("maxBytes %d", r.limit)
	}
	return fmt.Sprintf("%d MiB", r.limit/megabyte)
}

// onError returns the receiver of the errors of r's schedule, if any.
func (r *rotation) onError() func(error) {
	if r == nil || r.timed == nil {
		return nil
	}
	return r.timed.onError
}
