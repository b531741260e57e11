package handlers

import (
	"fmt"
	"io"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slogtree/slogtree/formatters"
)

// MaxSizeMB is the largest RotatingOptions.MaxSizeMB: a size in bytes
// that an int64 holds.
const MaxSizeMB = math.MaxInt64 / (1 << 20)

// RotatingOptions configures [OpenRotating]: size-based rotation on
// gopkg.in/natefinch/lumberjack.v2. The zero value is the default.
type RotatingOptions struct {
	// MaxSizeMB is the size in MiB (1,048,576 bytes) at which the file is
	// rotated: a write that would take the file past it rotates first.
	// Default 100 (lumberjack's default).
	MaxSizeMB int
	// MaxBackups is the number of rotated files kept. Default 0: every
	// rotated file is kept (lumberjack's rule, unlike Python's
	// backupCount, for which 0 means never rotate).
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
	// A file that lumberjack creates on rotation takes the permission of
	// the file it replaces.
	Perm os.FileMode
	// Delay opens the file at the first write instead of at once. Default
	// false.
	Delay bool
	// Terminator replaces the "\n" that ends each record. Default "\n".
	Terminator string
}

// RotatingFile is a log file rotated by size (see [OpenRotating]) or by time
// (see [OpenTimedRotating]), shared by every handler of the process that
// writes to the same absolute path.
//
// Rotated files are named by lumberjack: app.log becomes
// app-2006-01-02T15-04-05.000.log, stamped with the time of the rotation
// (UTC unless LocalTime is set), not Python's app.log.1 … app.log.N.
//
// A record larger than the maximum size cannot be written: Write returns
// lumberjack's error ("write length … exceeds maximum file size …").
type RotatingFile struct {
	p          *rollPath
	key        rollKey
	perm       os.FileMode
	timed      *timedSpec // nil: rotated by size only
	terminator string
	active     atomic.Bool // has written or rotated: its settings may be in force
	once       sync.Once
	closeErr   error
}

var (
	_ io.WriteCloser          = (*RotatingFile)(nil)
	_ formatters.AtomicWriter = (*RotatingFile)(nil)
)

// OpenRotating returns a size-rotated file on path, made absolute. Every
// handle on one path shares one open file, one size count and one lock, so
// handlers never rotate against each other. Records are written with one
// write each under that lock; lumberjack opens and rotates the file, with
// its rule for the size: a write that would take the file past MaxSizeMB
// rotates it first. When handles on a path ask for different settings,
// those of the newest handle that has written apply: a handle that never
// writes (a configuration only checked, or refused) changes nothing; when
// the handle whose settings apply closes, the newest remaining one that has
// written takes over. Unless opts.Delay is set the file is
// opened now, and an error is returned if that fails; a missing directory
// is an error, as in Python. Nil options mean the defaults.
func OpenRotating(path string, opts *RotatingOptions) (*RotatingFile, error) {
	if opts == nil {
		opts = &RotatingOptions{}
	}
	if opts.MaxSizeMB < 0 || opts.MaxSizeMB > MaxSizeMB {
		return nil, fmt.Errorf("MaxSizeMB %d is out of range: want 0 to %d", opts.MaxSizeMB, MaxSizeMB)
	}
	return openRolling(path, &RotatingFile{key: rollKey{
		maxSizeMB:  opts.MaxSizeMB,
		maxBackups: opts.MaxBackups,
		maxAgeDays: opts.MaxAgeDays,
		compress:   opts.Compress,
		localTime:  opts.LocalTime,
	}, perm: opts.Perm}, opts.Delay, opts.Terminator)
}

// openRolling adds the handle f, its settings filled in, to the shared
// entry of path.
func openRolling(path string, f *RotatingFile, delay bool, term string) (*RotatingFile, error) {
	abs, err := absPath(path)
	if err != nil {
		return nil, err
	}
	if f.perm == 0 {
		f.perm = 0o644
	}
	if term != "" && term != "\n" {
		f.terminator = term
	}
	rollers.Lock()
	p := acquireRoller(abs, f)
	rollers.Unlock()
	if !delay {
		if err := p.open(); err != nil {
			rollers.Lock()
			_ = p.release(f)
			rollers.Unlock()
			return nil, err
		}
	}
	return f, nil
}

// WritesAtomically reports true: concurrent Writes never interleave.
func (f *RotatingFile) WritesAtomically() bool { return true }

// Path returns the absolute path of the file.
func (f *RotatingFile) Path() string { return f.p.path }

// Write writes p to the file in one write under the shared lock, rotating
// first if p would take the file past its maximum size.
func (f *RotatingFile) Write(p []byte) (int, error) {
	if !f.active.Load() {
		f.activate()
	}
	return f.p.write(p, f.terminator)
}

// activate makes f's settings those in force if f is the newest handle on
// its path to write.
func (f *RotatingFile) activate() {
	rollers.Lock()
	defer rollers.Unlock()
	f.p.activate(f)
}

// Rotate closes the file, renames it with a time stamp and starts a new
// one, as lumberjack's Rotate does. Like a write, it makes f's settings
// those in force if f is the newest handle to write. A path that is not a
// regular file is not rotated.
func (f *RotatingFile) Rotate() error {
	if !f.active.Load() {
		f.activate()
	}
	return f.p.rotate(false)
}

// NextRollover returns the time of the next time-based rotation of the
// file by f's schedule, or the zero time when f rotates by size only. Until
// f's schedule runs (from f's first write, if no newer handle has written)
// it is the first boundary f computed when it was opened.
func (f *RotatingFile) NextRollover() time.Time {
	if f.timed == nil {
		return time.Time{}
	}
	rollers.Lock()
	defer rollers.Unlock()
	if s := f.p.sched; s != nil && s.spec.same(f.timed) {
		return s.nextRollover()
	}
	return time.Unix(f.timed.next, 0)
}

// Close releases this handle's share of the file. The last handle on a path
// stops its rotation schedule and closes the file. Close is idempotent.
func (f *RotatingFile) Close() error {
	f.once.Do(func() {
		rollers.Lock()
		defer rollers.Unlock()
		f.closeErr = f.p.release(f)
	})
	return f.closeErr
}

// NewRotatingFileHandler returns Python's RotatingFileHandler: fm's handler
// over a file rotated by size ([OpenRotating]), behind a [Handler] with
// opts. A nil fm is the default pattern formatter; nil ropts and opts mean
// the defaults. Closing the handler closes the file.
func NewRotatingFileHandler(path string, fm formatters.Formatter, ropts *RotatingOptions, opts *Options) (*Handler, error) {
	f, err := OpenRotating(path, ropts)
	if err != nil {
		return nil, err
	}
	return New(formatterOrDefault(fm).NewHandler(f), opts, f), nil
}
