package handlers

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sync"
	"sync/atomic"
)

// sinks is the process-wide table of sinks: one fileSink per absolute
// path, whatever the kind of the handles on it, and one sharedStream per
// writer. An entry lives while a handle on it is open. Its lock guards the
// maps only: what happens to one path (opening, committing, closing) is
// serialised by that path's own lock, so that a path whose file blocks
// holds up nothing on the others.
var sinks = struct {
	sync.Mutex
	files   map[string]*fileSink
	streams map[any]*sharedStream
}{files: map[string]*fileSink{}, streams: map[any]*sharedStream{}}

// fileSink is one file path of the process: one descriptor and one lock,
// shared by every [File], [WatchedFile] and [RotatingFile] on the path.
//
// Writes that need nothing but the write (no rotation due, no path to
// check, no terminator to put in) are made under the read lock, so they
// run in parallel: an *os.File write is whole, and O_APPEND keeps records
// apart. Opening, reopening, rotating and changing the settings take the
// write lock, so none of them ever overlaps a write.
type fileSink struct {
	path string

	// admin serialises opening, committing, leaving and closing on the
	// path, and guards the fields below it. It is taken before mu, and
	// never while the table's lock is held.
	admin   sync.Mutex
	handles int           // open handles, committed or not
	gens    []*generation // commits with open handles on the path, oldest first
	sched   *scheduler    // the schedule in force, running
	gone    bool          // out of the table: a new sink stands for the path

	mu      sync.RWMutex
	file    *os.File    // nil until opened
	info    os.FileInfo // of file, when it was opened
	opened  bool        // file was opened once: later opens append
	special bool        // file is not a regular file: never rotated, no size limit
	size    atomic.Int64
	rot     *rotation   // the settings in force; nil: not rotated
	fresh   bool        // no write yet under rot: lumberjack's rule for opening applies
	closed  bool        // every handle is closed
	perm    os.FileMode // of a file the sink creates when no handle is at hand
	rt      *rotator    // the path's lumberjack.Logger and retention, once needed
	buf     []byte
}

// generation is the share of one commit in a path: the rotation it put in
// force and how many of its handles are still open.
type generation struct {
	rot  *rotation // nil: the path is not rotated
	live int
}

// handle is the part that File, WatchedFile and RotatingFile have in
// common: one user of a fileSink.
type handle struct {
	s       *fileSink
	term    string // replaces a trailing "\n"; "" keeps it
	mode    byte   // 'a', 'w' or 'x'
	delay   bool
	perm    os.FileMode
	watched bool
	rot     *rotation   // asked for; nil for File and WatchedFile
	gen     *generation // once committed; guarded by sinks.Mutex
	state   atomic.Int32
	once    sync.Once
	err     error // of Close
}

const (
	handlePending int32 = iota // opened through an Opener that has not committed
	handleLive
	handleClosed
)

// errPending is the error of a write through a handle whose Opener has
// not committed.
var errPending = errors.New("sink not in use: its Opener has not committed")

func newHandle(mode byte, delay bool, perm os.FileMode, term string) *handle {
	if perm == 0 {
		perm = 0o644
	}
	if term == "\n" {
		term = ""
	}
	return &handle{mode: mode, delay: delay, perm: perm, term: term}
}

// acquire returns the sink of abs, made if missing, with its admin lock
// held.
func acquire(abs string) *fileSink {
	for {
		sinks.Lock()
		s := sinks.files[abs]
		if s == nil {
			s = &fileSink{path: abs, perm: 0o644}
			sinks.files[abs] = s
		}
		sinks.Unlock()
		s.admin.Lock()
		if !s.gone {
			return s
		}
		s.admin.Unlock() // closed meanwhile: the table has a new one, or none
	}
}

// drop takes s out of the table. Call with s.admin locked.
func (s *fileSink) drop() {
	s.gone = true
	sinks.Lock()
	if sinks.files[s.path] == s {
		delete(sinks.files, s.path)
	}
	sinks.Unlock()
}

// attach counts h as open on s, opening the descriptor now unless h is
// delayed. It reports whether it created the file. When other handles
// hold the path without a descriptor (they are all delayed), a handle
// without Delay only checks that the file could be opened, and it is
// opened by the first write: a handle of a configuration that is then
// refused must not create a file the live configuration has not created
// yet. Call with s.admin locked.
func (s *fileSink) attach(h *handle) (created os.FileInfo, err error) {
	if !h.delay {
		s.mu.Lock()
		switch {
		case s.file != nil:
		case s.handles > 0:
			err = probeFor(s.path, h.mode)
		default:
			created, err = s.openLocked(h, false)
		}
		s.mu.Unlock()
		if err != nil {
			if s.handles == 0 {
				s.drop()
			}
			return nil, err
		}
	}
	h.s = s
	s.handles++
	return created, nil
}

// probeFor checks that a handle of mode could open path, changing
// nothing: mode "x" wants no file there.
func probeFor(path string, mode byte) error {
	if mode == 'x' {
		if _, err := os.Lstat(path); err == nil {
			return &fs.PathError{Op: "open", Path: path, Err: fs.ErrExist}
		}
	}
	return ProbeFile(path)
}

// openLocked opens the descriptor for h. A missing file is created with
// h's permission, with O_EXCL so as to know that it was: created is its
// FileInfo. On the first open of the path by the process, mode "x" fails
// if the file exists and, with trunc, mode "w" truncates it; later opens
// append. Call with s.mu locked.
func (s *fileSink) openLocked(h *handle, trunc bool) (created os.FileInfo, err error) {
	excl := h.mode == 'x' && !s.opened
	flag := os.O_WRONLY | os.O_APPEND
	if trunc && h.mode == 'w' && !s.opened {
		flag |= os.O_TRUNC
	}
	var f *os.File
	made := false
	for range 3 { // the file may come and go between the two opens
		f, err = os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_EXCL, h.perm)
		if made = err == nil; made || excl || !errors.Is(err, fs.ErrExist) {
			break
		}
		if f, err = os.OpenFile(s.path, flag, 0); !errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		if made {
			_ = os.Remove(s.path)
		}
		return nil, err
	}
	s.setFileLocked(f, fi)
	if !s.opened {
		s.opened, s.perm = true, h.perm
	}
	if made {
		return fi, nil
	}
	return nil, nil
}

// setFileLocked makes f, described by fi, the descriptor of the path.
func (s *fileSink) setFileLocked(f *os.File, fi os.FileInfo) {
	s.file, s.info = f, fi
	s.special = !fi.Mode().IsRegular()
	s.size.Store(fi.Size())
}

// reopenLocked opens the path again, to append, creating the file with
// perm if it is missing.
func (s *fileSink) reopenLocked(perm os.FileMode) error {
	f, fi, err := openStat(s.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, perm)
	if err != nil {
		return err
	}
	s.setFileLocked(f, fi)
	return nil
}

// reopen closes the descriptor and opens the path again, to append,
// creating the file with the path's permission if it is missing: after an
// external rotation (logrotate's "create": the file was renamed away), the
// handles on the path write to the file the path now names. The new file
// is opened before the old one is closed, under the write lock: a write
// waits meanwhile and lands wholly in the old file or wholly in the new
// one, and the size count is the new file's size. If the path cannot be
// opened (its directory is gone), the old descriptor stays, so that
// records go on being written to the file they were written to, and the
// error is returned. A sink without a descriptor (every handle delayed,
// no write yet) or closed is left alone: its next open finds the path.
func (s *fileSink) reopen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.file == nil {
		return nil
	}
	f, fi, err := openStat(s.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, s.perm)
	if err != nil {
		return fmt.Errorf("reopen: %w", err)
	}
	old := s.file
	s.setFileLocked(f, fi)
	if err := old.Close(); err != nil {
		return fmt.Errorf("reopen %s: closing the old descriptor: %w", s.path, err)
	}
	return nil
}

// closeFileLocked closes the descriptor, if open.
func (s *fileSink) closeFileLocked() error {
	if s.file == nil {
		return nil
	}
	err := s.file.Close()
	s.file, s.info = nil, nil
	return err
}

// samePathLocked reports whether the path still names the open file.
// Call with s.mu locked, for reading or writing.
func (s *fileSink) samePathLocked() bool {
	fi, err := os.Stat(s.path)
	return err == nil && os.SameFile(fi, s.info)
}

// write writes p for h as one write on the descriptor.
func (s *fileSink) write(h *handle, p []byte) (int, error) {
	if h.term == "" {
		s.mu.RLock()
		n, done, err := s.writeShared(h, p)
		s.mu.RUnlock()
		if done {
			return n, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writeLocked(h, p)
}

// writeShared makes the write under the read lock when nothing else has
// to be done first; done is false when something has (open the file,
// reopen it, rotate it, or apply new settings), which needs the write
// lock. The size is counted with an atomic add that reserves the room,
// so that writers in parallel never take the file past its limit.
func (s *fileSink) writeShared(h *handle, p []byte) (n int, done bool, err error) {
	if s.closed {
		return 0, true, ErrClosed
	}
	if s.file == nil || s.fresh || h.watched && !s.samePathLocked() {
		return 0, false, nil
	}
	r := s.rot
	if r == nil || r.limit == 0 || s.special {
		n, err = s.file.Write(p)
		return n, true, err
	}
	m := int64(len(p))
	if m > r.limit && !r.pyRule {
		return 0, true, tooLarge(m, r.limit)
	}
	if size := s.size.Add(m) - m; r.full(size, m, false) {
		s.size.Add(-m)
		return 0, false, nil
	}
	n, err = s.file.Write(p)
	if int64(n) < m {
		s.size.Add(int64(n) - m)
	}
	return n, true, err
}

// writeLocked writes p for h, with a trailing "\n" replaced by h's
// terminator, after opening the file if it is not open, reopening it if h
// is watched and the path no longer names it, and rotating it if the
// write would take it past its limit. Call with s.mu locked.
func (s *fileSink) writeLocked(h *handle, p []byte) (int, error) {
	if s.closed {
		return 0, ErrClosed
	}
	out := p
	if h.term != "" && len(p) > 0 && p[len(p)-1] == '\n' {
		s.buf = append(append(s.buf[:0], p[:len(p)-1]...), h.term...)
		out = s.buf
	}
	if err := s.readyLocked(h); err != nil {
		return 0, err
	}
	if err := s.makeRoomLocked(int64(len(out))); err != nil {
		return 0, err
	}
	n, err := s.file.Write(out)
	s.size.Add(int64(n))
	if len(out) != len(p) {
		// Report the bytes of p, which the caller knows.
		if err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return n, err
}

// readyLocked opens the file if it is not open (a delayed handle's first
// write), or reopens it if h is watched and the path no longer names the
// open file (it was moved or removed): every handle then writes to the
// new one.
func (s *fileSink) readyLocked(h *handle) error {
	if s.file == nil {
		_, err := s.openLocked(h, true)
		return err
	}
	if !h.watched || s.samePathLocked() {
		return nil
	}
	_ = s.closeFileLocked() // the file is gone from the path: nothing to lose
	return s.reopenLocked(h.perm)
}

// makeRoomLocked applies the size rule of the settings in force to a
// write of m bytes. Lumberjack's (MaxSizeMB): a record larger than the
// limit is refused; a write that would take the file past the limit
// rotates it first; the first write under new settings follows
// lumberjack's rule for opening a file instead, rotating a file that the
// write would take to the limit. Python's (MaxBytes), at every write: a
// write that would bring a non-empty file to the limit or past rotates it
// first. The first write under new settings also cleans up old backups. A
// path that is not a regular file has no limit.
func (s *fileSink) makeRoomLocked(m int64) error {
	r := s.rot
	if r == nil || s.special {
		s.fresh = false
		return nil
	}
	if r.limit > 0 && m > r.limit && !r.pyRule {
		return tooLarge(m, r.limit)
	}
	fresh := s.fresh
	if fresh {
		s.fresh = false
		fi, err := s.file.Stat()
		if err != nil {
			return err
		}
		s.size.Store(fi.Size())
		s.rotatorLocked().retain(r)
	}
	if r.full(s.size.Load(), m, fresh) {
		return s.rotateLocked(r)
	}
	return nil
}

// tooLarge is lumberjack's error for a record larger than the limit.
func tooLarge(m, limit int64) error {
	return fmt.Errorf("write length %d exceeds maximum file size %d", m, limit)
}

// rotatorLocked returns the path's rotator. Call with s.mu locked.
func (s *fileSink) rotatorLocked() *rotator {
	if s.rt == nil {
		s.rt = rotatorFor(s.path)
	}
	return s.rt
}

// rotateLocked has the path's lumberjack.Logger rotate the file (rename
// it with a time stamp, create the next one), opens the new one and
// starts the clean-up of backups by r. A path that is not a regular file
// is not rotated. Call with s.mu locked.
func (s *fileSink) rotateLocked(r *rotation) error {
	if s.special {
		return nil
	}
	rt := s.rotatorLocked()
	if err := s.closeFileLocked(); err != nil {
		return err
	}
	s.fresh = false
	if err := rt.rotate(r.localTime); err != nil {
		// Whether or not the file moved, go on writing to what the path
		// holds.
		err = fmt.Errorf("rotating %s: %w", s.path, err)
		return errors.Join(err, s.reopenLocked(s.perm))
	}
	if err := s.reopenLocked(s.perm); err != nil {
		return err
	}
	rt.retain(r)
	return nil
}

// rotate rotates the file now, by the settings in force or, if the path
// has none, by r. With ifNonEmpty (a schedule's boundary) an empty or
// missing file is left alone, as a Python handler that got no record
// since its last rollover does not roll over. A path that is not a
// regular file is never rotated.
func (s *fileSink) rotate(r *rotation, ifNonEmpty bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if ifNonEmpty {
		fi, err := os.Stat(s.path)
		if err != nil || fi.Size() == 0 || !fi.Mode().IsRegular() {
			return nil
		}
	}
	if s.file == nil {
		if err := s.reopenLocked(s.perm); err != nil {
			return err
		}
	}
	if s.rot != nil {
		r = s.rot
	} else if r == nil {
		r = &rotation{}
	}
	return s.rotateLocked(r)
}

// apply puts r in force (nil: the path stops rotating) and returns the
// rotation now in force, which is the one already in force if r has the
// same settings: that one's schedule keeps running, undisturbed. New
// settings take effect at the next write, with lumberjack's rule for
// opening a file; a new schedule starts at once, from its next boundary.
// The schedule it replaces is told to stop and returned: the caller waits
// for it once it has let go of s.admin. Call with s.admin locked.
func (s *fileSink) apply(r *rotation) (*rotation, *scheduler) {
	if s.rot.same(r) {
		return s.rot, nil
	}
	var old *scheduler
	keep := s.sched != nil && r != nil && s.sched.spec.same(r.timed)
	if keep {
		// The schedule stays, with its next boundary.
		r.timed = s.sched.spec
	} else if s.sched != nil {
		old, s.sched = s.sched, nil
		old.signal()
	}
	s.mu.Lock()
	s.rot, s.fresh = r, r != nil
	s.mu.Unlock()
	if !keep && r != nil && r.timed != nil {
		s.sched = startScheduler(s, r.timed)
	}
	return r, old
}

// join makes hs, committed together in g, live handles of s, with g's
// settings in force. It returns the schedule it replaced, told to stop.
// Call with s.admin locked.
func (s *fileSink) join(g *generation, hs []*handle) *scheduler {
	var old *scheduler
	g.rot, old = s.apply(g.rot)
	g.live = len(hs)
	s.gens = append(s.gens, g)
	for _, h := range hs {
		h.gen = g
		h.state.Store(handleLive)
	}
	return old
}

// leave removes the closed handle h, committed in g. When g has no open
// handle left it is dropped, and if its settings were in force, those of
// the newest commit with an open handle on the path take over. It returns
// the schedule it replaced, told to stop. Call with s.admin locked.
func (s *fileSink) leave(g *generation) *scheduler {
	if g.live--; g.live > 0 {
		return nil
	}
	i := slices.Index(s.gens, g)
	if i < 0 {
		return nil
	}
	s.gens = slices.Delete(s.gens, i, i+1)
	if i == len(s.gens) && i > 0 {
		prev := s.gens[i-1]
		var old *scheduler
		prev.rot, old = s.apply(prev.rot)
		return old
	}
	return nil
}

// close closes h. The last handle on the path stops its schedule, closes
// the file, takes the sink out of the table and waits for the clean-up of
// backups to finish. It waits for a schedule, or for a write in progress
// on the file, without holding the path's admin lock, and never holds the
// table's.
func (h *handle) close() error {
	h.once.Do(func() {
		s := h.s
		s.admin.Lock()
		prev := h.state.Swap(handleClosed)
		var stop []*scheduler
		if prev == handleLive && h.gen != nil {
			stop = append(stop, s.leave(h.gen))
		}
		last := false
		if s.handles--; s.handles == 0 {
			last = true
			s.drop()
			if s.sched != nil {
				s.sched.signal()
				stop = append(stop, s.sched)
				s.sched = nil
			}
		}
		s.admin.Unlock()
		for _, sc := range stop {
			if sc != nil {
				sc.wait()
			}
		}
		if last {
			s.mu.Lock()
			s.closed = true
			h.err = s.closeFileLocked()
			rt := s.rt
			s.mu.Unlock()
			if rt != nil {
				rt.stop()
			}
		}
	})
	return h.err
}

// reopen checks h's state, then reopens the path for every handle on it.
func (h *handle) reopen() error {
	switch h.state.Load() {
	case handlePending:
		return errPending
	case handleClosed:
		return ErrClosed
	}
	return h.s.reopen()
}

// write checks h's state, then writes p.
func (h *handle) write(p []byte) (int, error) {
	switch h.state.Load() {
	case handleLive:
		return h.s.write(h, p)
	case handlePending:
		return 0, errPending
	}
	return 0, ErrClosed
}
