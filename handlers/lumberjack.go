package handlers

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"gopkg.in/natefinch/lumberjack.v2"
)

// rollers is the process-wide table of rotating files, one per absolute
// path. An entry is never removed: it holds every lumberjack.Logger made for
// its path, and each of those has a cleanup ("mill") goroutine that
// lumberjack starts when it first opens the file and never stops. Keeping them makes
// the number of those goroutines bounded by the number of distinct files
// (and distinct settings of each file) the process ever rotated, however
// often it is reconfigured.
var rollers = struct {
	sync.Mutex
	m map[string]*rollPath
}{m: map[string]*rollPath{}}

// rollKey is the part of the settings that lumberjack reads from its
// fields. Fields of a Logger in use cannot change (its mill goroutine reads
// them without a lock), so each distinct key gets a Logger of its own.
type rollKey struct {
	maxSizeMB  int
	maxBackups int
	maxAgeDays int
	compress   bool
	localTime  bool
}

// rollPath is one rotating file: the lumberjack.Logger that rotates it,
// the descriptor records are written to, the time-rotation schedule, and
// one lock for writes, rotations and changes of settings, so handlers on
// the same path never rotate against each other.
//
// Records are not written through lumberjack.Logger.Write. That would take
// lumberjack's lock inside ours on every record, for nothing: ours already
// orders writes against rotations and changes of settings. Instead the
// rollPath keeps the file open itself and counts its size, with
// lumberjack's rule (a write that would take the file past MaxSize rotates
// first), and leaves the rest to lumberjack: opening (an existing file at
// or past the limit is rotated, old backups are cleaned up), Rotate
// (renaming, the new file's mode and owner, MaxBackups, MaxAge, Compress)
// and the cleanup goroutine. lumberjack's own descriptor is closed as soon
// as it has done its part.
//
// The settings in force (size, backups, schedule) are those of the newest
// handle that has written. A handle that has not written changes nothing,
// so a configuration that is only checked, or refused, leaves the path as
// it found it; a new configuration takes over a file with its first
// record. When the handle whose settings are in force is closed, the
// newest remaining one that has written takes over, and if none has, the
// settings stay as they are until one writes.
type rollPath struct {
	path string

	mu      sync.Mutex
	lj      *lumberjack.Logger // the one of the settings in force
	curKey  rollKey
	limit   int64 // lumberjack's size limit for curKey, in bytes
	kept    map[rollKey]*lumberjack.Logger
	perm    os.FileMode
	file    *os.File // nil until opened, and after a rotation or a change of settings
	size    int64    // of file, as written through it
	special bool     // the path is not a regular file (a device, a pipe): never rotated
	fresh   bool     // lumberjack has not opened the file with the settings in force
	closed  bool     // no handle is open: writes fail
	buf     []byte
	onError func(error)

	// guarded by rollers.Mutex
	handles []*RotatingFile // open handles, oldest first
	applied *RotatingFile   // the handle whose settings are in force, if open and written
	sched   *scheduler
}

// timedSpec is the schedule a time-rotating handle asks for.
type timedSpec struct {
	rule    rollRule
	clock   Clock
	next    int64 // Unix seconds: the next boundary, kept while another schedule runs
	onError func(error)
}

func (t *timedSpec) same(o *timedSpec) bool {
	return t != nil && o != nil && t.rule == o.rule && t.clock == o.clock
}

// acquireRoller returns the rollPath of abs with h as its newest handle.
// On a path no other handle has open, h's size and permission apply at
// once; its schedule, like any settings on a path in use, waits for its
// first write. Call with rollers locked.
func acquireRoller(abs string, h *RotatingFile) *rollPath {
	p := rollers.m[abs]
	if p == nil {
		p = &rollPath{path: abs, kept: map[rollKey]*lumberjack.Logger{}}
		rollers.m[abs] = p
	}
	h.p = p
	p.handles = append(p.handles, h)
	if len(p.handles) == 1 {
		p.mu.Lock()
		p.settingsLocked(h)
		p.closed = false
		p.mu.Unlock()
	}
	return p
}

// activate records that h has written (or rotated): its settings apply
// if it is the newest such handle. Call with rollers locked.
func (p *rollPath) activate(h *RotatingFile) {
	if h.active.Load() || !slices.Contains(p.handles, h) {
		return
	}
	h.active.Store(true)
	if p.applied == nil || slices.Index(p.handles, h) > slices.Index(p.handles, p.applied) {
		p.apply(h)
	}
}

// apply makes h's settings and schedule those in force. Call with rollers
// locked.
func (p *rollPath) apply(h *RotatingFile) {
	p.applied = h
	p.mu.Lock()
	p.settingsLocked(h)
	p.mu.Unlock()

	switch {
	case p.sched != nil && p.sched.spec.same(h.timed):
		// The same schedule keeps running, undisturbed.
	case p.sched != nil:
		p.sched.stop()
		p.sched = nil
	}
	if h.timed != nil && p.sched == nil {
		p.sched = startScheduler(p, h.timed)
	}
}

// settingsLocked makes h's size, backups and permission those in force.
func (p *rollPath) settingsLocked(h *RotatingFile) {
	if p.lj == nil || p.curKey != h.key {
		l := p.kept[h.key]
		if l == nil {
			l = &lumberjack.Logger{
				Filename:   p.path,
				MaxSize:    h.key.maxSizeMB,
				MaxBackups: h.key.maxBackups,
				MaxAge:     h.key.maxAgeDays,
				Compress:   h.key.compress,
				LocalTime:  h.key.localTime,
			}
			p.kept[h.key] = l
		}
		p.lj, p.curKey = l, h.key
		p.limit = int64(h.key.maxSizeMB) * megabyte
		if p.limit == 0 {
			p.limit = lumberjackDefaultMB * megabyte
		}
		// The next write has the new Logger open the file, which applies
		// the new settings to what is on disk now.
		p.fresh = true
	}
	p.perm = h.perm
	if h.timed != nil {
		p.onError = h.timed.onError
	} else {
		p.onError = nil
	}
}

// release removes h. The last handle stops the schedule and closes the
// file; if h's settings were in force, the newest remaining handle that has
// written takes over. Call with rollers locked.
func (p *rollPath) release(h *RotatingFile) error {
	i := slices.Index(p.handles, h)
	if i < 0 {
		return nil
	}
	p.handles = slices.Delete(p.handles, i, i+1)
	if len(p.handles) > 0 {
		if p.applied == h {
			p.applied = nil
			for _, o := range slices.Backward(p.handles) {
				if o.active.Load() {
					p.apply(o)
					break
				}
			}
		}
		return nil
	}
	p.applied = nil
	if p.sched != nil {
		p.sched.stop()
		p.sched = nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	return p.closeFileLocked()
}

const (
	megabyte            = 1 << 20 // lumberjack's unit of MaxSize
	lumberjackDefaultMB = 100     // lumberjack's MaxSize when it is 0
)

// openLocked opens the file for writing unless it is open, creating it
// with the configured permission (lumberjack would create it with mode
// 0600, and create missing directories, which Python's handlers do not).
// lumberjack's rules for opening wait for the first write (see
// writeThroughLumberjackLocked): a handle that never writes rotates nothing.
func (p *rollPath) openLocked() error {
	if p.file != nil {
		return nil
	}
	if fi, err := os.Stat(p.path); err == nil && !fi.Mode().IsRegular() {
		// Python never rolls over anything but a regular file (bpo-45401);
		// lumberjack would rename the device or pipe to a backup name.
		f, err := os.OpenFile(p.path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return err
		}
		p.file, p.size, p.special = f, 0, true
		return nil
	}
	p.special = false
	p.fresh = true
	return p.reopenLocked()
}

// writeThroughLumberjackLocked writes b with lumberjack.Logger.Write, the
// first write with the settings in force, so that lumberjack opens the
// file by its own rules (a file the record would take to its limit is
// rotated first; old backups are cleaned up). Then lumberjack's descriptor
// is closed and the file opened again for the rollPath.
func (p *rollPath) writeThroughLumberjackLocked(b []byte) error {
	if err := p.closeFileLocked(); err != nil {
		return err
	}
	_, err := p.lj.Write(b)
	if cerr := p.lj.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	p.fresh = false
	return p.reopenLocked()
}

// reopenLocked opens the file lumberjack has left at the path.
func (p *rollPath) reopenLocked() error {
	f, fi, err := openStat(p.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, p.perm)
	if err != nil {
		return err
	}
	p.file, p.size = f, fi.Size()
	return nil
}

// closeFileLocked closes the file, if open.
func (p *rollPath) closeFileLocked() error {
	if p.file == nil {
		return nil
	}
	err := p.file.Close()
	p.file = nil
	return err
}

// rotateLocked closes the file and has lumberjack rotate it: rename it,
// create the next one and clean up old backups.
func (p *rollPath) rotateLocked() error {
	if err := p.closeFileLocked(); err != nil {
		return err
	}
	if err := p.lj.Rotate(); err != nil {
		return fmt.Errorf("rotating %s: %w", p.path, err)
	}
	if err := p.lj.Close(); err != nil {
		return err
	}
	p.fresh = false
	return p.reopenLocked()
}

// open opens the file now, for a handler without delay.
func (p *rollPath) open() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.openLocked()
}

// write writes b as one write, with a trailing "\n" replaced by term when
// term is set, rotating first if it would take the file past its limit. A
// record longer than the limit is refused with lumberjack's error. Neither
// applies to a path that is not a regular file.
func (p *rollPath) write(b []byte, term string) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return 0, ErrClosed
	}
	out := b
	if term != "" && len(b) > 0 && b[len(b)-1] == '\n' {
		p.buf = append(append(p.buf[:0], b[:len(b)-1]...), term...)
		out = p.buf
	}
	if err := p.openLocked(); err != nil {
		return 0, err
	}
	if p.fresh && !p.special {
		if err := p.writeThroughLumberjackLocked(out); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	n := int64(len(out))
	if n > p.limit && !p.special {
		return 0, fmt.Errorf("write length %d exceeds maximum file size %d", n, p.limit)
	}
	if p.size+n > p.limit && !p.special {
		if err := p.rotateLocked(); err != nil {
			return 0, err
		}
	}
	w, err := p.file.Write(out)
	p.size += int64(w)
	if err != nil {
		return 0, err
	}
	return len(b), nil
}

// rotate rotates the file now. With ifNonEmpty, an empty or missing file
// is left alone, as a Python handler that got no record since its last
// rollover does not roll over. A path that is not a regular file is never
// rotated.
func (p *rollPath) rotate(ifNonEmpty bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	if ifNonEmpty {
		fi, err := os.Stat(p.path)
		if err != nil || fi.Size() == 0 || !fi.Mode().IsRegular() {
			return nil
		}
	}
	if err := p.openLocked(); err != nil || p.special {
		return err
	}
	return p.rotateLocked()
}

func (p *rollPath) reportError(err error) {
	p.mu.Lock()
	f := p.onError
	p.mu.Unlock()
	if f != nil && err != nil {
		f(err)
	}
}

// absPath is filepath.Abs with the error naming the path.
func absPath(path string) (string, error) {
	if path == "" {
		return "", errors.New("empty file name")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("file name %q: %w", path, err)
	}
	return abs, nil
}
