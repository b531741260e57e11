package handlers

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// An Opener opens sinks for a configuration that may still be refused.
//
// Until [Opener.Commit], nothing a user would see changes: no file is
// truncated, nothing is rotated, and the rotation settings and schedule
// in force on a path that other handles have open stay as they are. A
// handle without Delay opens its file at once, so that a path that cannot
// be opened fails here; a missing file is then created, with the handle's
// permission, and the Opener remembers that it created it. A handle does
// not take records until the Opener commits: a Write before that fails.
//
// [Opener.Abort] undoes the opening: it closes every handle opened
// through the Opener and removes every file the Opener created that no
// other handle has open, leaving the file system as it was.
//
// Within one Opener, the handles on one path must agree: handles that
// rotate it must have the same rotation settings (size, MaxBackups,
// MaxAgeDays, Compress, LocalTime, schedule), and every handle the same
// permission. A handle that disagrees is refused when it is opened, with
// an error that wraps [ErrConflict] and names the setting. Handles of
// different Openers never conflict: the last commit sets the rotation.
//
// An Opener ends with Commit or Abort: until then its handles hold their
// files open and take no records. The methods of an Opener may be called
// from several goroutines.
type Opener struct {
	mu    sync.Mutex
	state int
	paths map[string]*openerPath
	order []*openerPath
}

const (
	openerOpen = iota
	openerCommitted
	openerAborted
)

// openerPath is what an Opener opened on one path.
type openerPath struct {
	handles  []*handle
	perm     os.FileMode
	rot      *rotation // of the handles that rotate (a copy); nil if none does
	first    bool      // no other handle had the path open when the Opener first opened it
	truncate bool      // a handle without Delay asked for mode "w"
	created  os.FileInfo
	path     string
}

var (
	errCommitted = errors.New("the Opener has committed")
	errAborted   = errors.New("the Opener was aborted")
)

// NewOpener returns an Opener with nothing opened.
func NewOpener() *Opener { return &Opener{paths: map[string]*openerPath{}} }

// OpenFile opens a [File] on path, made absolute, as [OpenFile] does, but
// for a configuration that may still be refused: mode "w" truncates at
// [Opener.Commit], not now. Nil options mean the defaults.
func (o *Opener) OpenFile(path string, opts *FileOptions) (*File, error) {
	if opts == nil {
		opts = &FileOptions{}
	}
	h, err := o.openPlain(path, opts.Mode, opts.Delay, opts.Perm, opts.Terminator, false)
	if err != nil {
		return nil, err
	}
	return &File{h: h}, nil
}

// OpenWatched opens a [WatchedFile] on path, made absolute, as
// [OpenWatched] does, but for a configuration that may still be refused:
// mode "w" truncates at [Opener.Commit], not now. Nil options mean the
// defaults.
func (o *Opener) OpenWatched(path string, opts *WatchedOptions) (*WatchedFile, error) {
	if opts == nil {
		opts = &WatchedOptions{}
	}
	h, err := o.openPlain(path, opts.Mode, opts.Delay, opts.Perm, opts.Terminator, true)
	if err != nil {
		return nil, err
	}
	return &WatchedFile{h: h}, nil
}

// openPlain opens the handle of a file that does not rotate: a File, or a
// WatchedFile when watched.
func (o *Opener) openPlain(path, mode string, delay bool, perm os.FileMode, term string, watched bool) (*handle, error) {
	m, err := parseMode(mode)
	if err != nil {
		return nil, err
	}
	h := newHandle(m, delay, perm, term)
	h.watched = watched
	if err := o.open(path, h); err != nil {
		return nil, err
	}
	return h, nil
}

// OpenRotating opens a [RotatingFile] rotated by size on path, made
// absolute, as [OpenRotating] does, but for a configuration that may
// still be refused: its settings are put in force by [Opener.Commit], and
// a file already at or past its limit is not rotated now. Nil options
// mean the defaults.
func (o *Opener) OpenRotating(path string, opts *RotatingOptions) (*RotatingFile, error) {
	h, err := rotatingHandle(opts)
	if err != nil {
		return nil, err
	}
	if err := o.open(path, h); err != nil {
		return nil, err
	}
	return &RotatingFile{h: h}, nil
}

// OpenTimedRotating opens a [RotatingFile] rotated at time boundaries on
// path, made absolute, as [OpenTimedRotating] does, but for a
// configuration that may still be refused: its schedule starts at
// [Opener.Commit] (the first boundary is computed now). Nil options mean
// the defaults.
func (o *Opener) OpenTimedRotating(path string, opts *TimedRotatingOptions) (*RotatingFile, error) {
	abs, err := absPath(path)
	if err != nil {
		return nil, err
	}
	h, err := timedHandle(abs, opts)
	if err != nil {
		return nil, err
	}
	if err := o.open(abs, h); err != nil {
		return nil, err
	}
	return &RotatingFile{h: h}, nil
}

// open adds h on path to the sink table, refusing it if it conflicts with
// a handle o opened on the same path.
func (o *Opener) open(path string, h *handle) error {
	abs, err := absPath(path)
	if err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	switch o.state {
	case openerCommitted:
		return errCommitted
	case openerAborted:
		return errAborted
	}
	op := o.paths[abs]
	if op != nil {
		var field, mine, theirs string
		if h.perm != op.perm {
			field, mine, theirs = "permission", fmt.Sprintf("%#o", h.perm), fmt.Sprintf("%#o", op.perm)
		} else if h.rot != nil && op.rot != nil {
			field, mine, theirs = h.rot.conflict(op.rot)
		}
		switch {
		case field != "" && mine == theirs:
			return fmt.Errorf("%s: %w: the %s differs from that of another handle of this configuration on the file",
				abs, ErrConflict, field)
		case field != "":
			return fmt.Errorf("%s: %w: %s %s, where another handle of this configuration on the file has %s",
				abs, ErrConflict, field, mine, theirs)
		}
	}
	s := acquire(abs)
	first := s.handles == 0
	created, err := s.attach(h)
	s.admin.Unlock()
	if err != nil {
		return err
	}
	if op == nil {
		op = &openerPath{path: abs, perm: h.perm, first: first}
		o.paths[abs] = op
		o.order = append(o.order, op)
	}
	op.handles = append(op.handles, h)
	if h.rot != nil && op.rot == nil {
		r := *h.rot
		op.rot = &r
	}
	if h.mode == 'w' && !h.delay {
		op.truncate = true
	}
	if created != nil {
		op.created = created
	}
	return nil
}

// Commit makes what o opened take effect, path by path. It truncates the
// files of mode "w" handles (without Delay) on paths that o was the first
// to open in the process and that no other handle has open: Python's
// mode "w" truncates, but a later configuration that keeps the same open
// file does not truncate it again. It then puts in force, on every path
// where o has an open handle, the rotation settings and schedule of o's
// handles on it, or no rotation if none of them rotates. A schedule the
// same as the one running keeps running undisturbed, with its next
// boundary; a new one starts from the first boundary its handle computed
// when it was opened. Other settings apply from the next write.
//
// Those settings stay in force until a later commit on the path puts
// others in force, or until every handle committed with them is closed:
// then the settings of the newest commit with a handle still open on the
// path take over.
//
// A delayed handle opens its file at its first write; mode "w" with Delay
// truncates then, if the process had the path open nowhere else.
//
// Commit applies everything it can and returns the errors of what it
// could not (a truncation). A second Commit, or a Commit after Abort,
// returns an error.
func (o *Opener) Commit() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch o.state {
	case openerCommitted:
		return errCommitted
	case openerAborted:
		return errAborted
	}
	o.state = openerCommitted
	var errs []error
	var stop []*scheduler
	defer func() {
		for _, sc := range stop {
			if sc != nil {
				sc.wait()
			}
		}
	}()
	for _, op := range o.order {
		var live []*handle
		for _, h := range op.handles {
			if h.state.Load() == handlePending {
				live = append(live, h)
			}
		}
		if len(live) == 0 {
			continue
		}
		s := live[0].s
		s.admin.Lock()
		if op.truncate && op.first && s.handles == len(live) {
			errs = append(errs, s.truncate())
		}
		var rot *rotation
		if op.rot != nil {
			r := *op.rot
			rot = &r
		}
		stop = append(stop, s.join(&generation{rot: rot}, live))
		s.admin.Unlock()
	}
	return errors.Join(errs...)
}

// Abort closes every handle opened through o and removes every file o
// created, unless another handle has it open. After [Opener.Commit],
// Abort does nothing and returns nil, so it may be deferred.
func (o *Opener) Abort() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.state != openerOpen {
		return nil
	}
	o.state = openerAborted
	var errs []error
	for _, op := range o.order {
		for _, h := range op.handles {
			errs = append(errs, h.close())
		}
	}
	for _, op := range o.order {
		sinks.Lock()
		inUse := sinks.files[op.path] != nil
		sinks.Unlock()
		if op.created == nil || inUse {
			continue
		}
		if fi, err := os.Lstat(op.path); err == nil && os.SameFile(fi, op.created) {
			errs = append(errs, os.Remove(op.path))
		}
	}
	return errors.Join(errs...)
}

// Reopen reopens, as [File.Reopen] does, every path on which a handle
// opened through one of openers is open and committed, each path once,
// and returns the errors of the paths it could not reopen, joined; those
// paths keep their old descriptors. It is how a program that applied
// configurations through Openers reopens their files after an external
// rotation: handles of other Openers on the same paths share the new
// descriptors, as they share every descriptor.
func Reopen(openers ...*Opener) error {
	var todo []*fileSink
	seen := map[*fileSink]bool{}
	for _, o := range openers {
		o.mu.Lock()
		for _, op := range o.order {
			for _, h := range op.handles {
				if h.state.Load() == handleLive && !seen[h.s] {
					seen[h.s] = true
					todo = append(todo, h.s)
				}
			}
		}
		o.mu.Unlock()
	}
	var errs []error
	for _, s := range todo {
		errs = append(errs, s.reopen())
	}
	return errors.Join(errs...)
}

// commitNow commits o after its one open, of f with error err: the
// package-level Open functions are an Opener opened and committed at once.
func commitNow[T io.Closer](o *Opener, f T, err error) (T, error) {
	var none T
	if err != nil {
		return none, err
	}
	if err := o.Commit(); err != nil {
		_ = f.Close()
		return none, err
	}
	return f, nil
}

// truncate empties the file, for a mode "w" handle at its Opener's
// commit. A path that is not a regular file is left alone.
func (s *fileSink) truncate() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.file == nil || s.special {
		return nil
	}
	if err := s.file.Truncate(0); err != nil {
		return fmt.Errorf("truncating %s: %w", s.path, err)
	}
	s.size.Store(0)
	return nil
}
