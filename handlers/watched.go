package handlers

import (
	"io"
	"os"
	"sync"

	"github.com/slogtree/slogtree/formatters"
)

// WatchedOptions configures [OpenWatched]. The zero value is the default.
type WatchedOptions struct {
	// Mode is Python's open mode for the first open: "a" appends (the
	// default), "w" truncates. A file reopened after it was moved or
	// removed is always appended to.
	Mode string
	// Delay opens the file at the first write instead of at once.
	// Default false.
	Delay bool
	// Perm is the permission of a file the handler creates. Default 0644.
	Perm os.FileMode
	// Terminator replaces the "\n" that ends each record. Default "\n".
	Terminator string
}

// WatchedFile is Python's WatchedFileHandler sink: before each write it
// checks (with one stat of the path) that the path still names the open
// file, and reopens the path if the file was moved or removed, as
// logrotate does. Handles on the same absolute path share one open file
// and one lock.
type WatchedFile struct {
	w          *watchedPath
	terminator string
	once       sync.Once
	closeErr   error
}

var (
	_ io.WriteCloser          = (*WatchedFile)(nil)
	_ formatters.AtomicWriter = (*WatchedFile)(nil)
)

type watchedPath struct {
	path string
	perm os.FileMode

	mu     sync.Mutex
	flag   int
	file   *os.File
	info   os.FileInfo // of file, when it was opened
	closed bool
	buf    []byte

	refs int // guarded by watched.Mutex
}

var watched = struct {
	sync.Mutex
	m map[string]*watchedPath
}{m: map[string]*watchedPath{}}

// OpenWatched returns a WatchedFile on path, made absolute. Unless
// opts.Delay is set the file is opened now, and an error is returned if
// that fails. Nil options mean the defaults.
func OpenWatched(path string, opts *WatchedOptions) (*WatchedFile, error) {
	if opts == nil {
		opts = &WatchedOptions{}
	}
	flag, err := openFlag(opts.Mode)
	if err != nil {
		return nil, err
	}
	abs, err := absPath(path)
	if err != nil {
		return nil, err
	}
	perm := opts.Perm
	if perm == 0 {
		perm = 0o644
	}
	watched.Lock()
	defer watched.Unlock()
	w := watched.m[abs]
	if w == nil {
		w = &watchedPath{path: abs, perm: perm, flag: flag}
	}
	if !opts.Delay {
		w.mu.Lock()
		err := w.reopenLocked()
		w.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
	// An entry in the table is never closed: the last Close removes it.
	watched.m[abs] = w
	w.refs++
	wf := &WatchedFile{w: w}
	if opts.Terminator != "" && opts.Terminator != "\n" {
		wf.terminator = opts.Terminator
	}
	return wf, nil
}

// reopenLocked opens the path unless the open file is still the one the
// path names.
func (w *watchedPath) reopenLocked() error {
	if w.file != nil {
		fi, err := os.Stat(w.path)
		if err == nil && os.SameFile(fi, w.info) {
			return nil
		}
		_ = w.file.Close()
		w.file, w.info = nil, nil
	}
	f, fi, err := openStat(w.path, w.flag, w.perm)
	if err != nil {
		return err
	}
	w.file, w.info = f, fi
	// Reopening after a move appends, whatever the first mode was.
	w.flag = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	return nil
}

// WritesAtomically reports true: concurrent Writes never interleave.
func (f *WatchedFile) WritesAtomically() bool { return true }

// Path returns the absolute path of the file.
func (f *WatchedFile) Path() string { return f.w.path }

// Write reopens the path if it no longer names the open file, then writes
// p in one write under the shared lock.
func (f *WatchedFile) Write(p []byte) (int, error) {
	w := f.w
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return 0, ErrClosed
	}
	if err := w.reopenLocked(); err != nil {
		return 0, err
	}
	if f.terminator == "" || len(p) == 0 || p[len(p)-1] != '\n' {
		return w.file.Write(p)
	}
	w.buf = append(append(w.buf[:0], p[:len(p)-1]...), f.terminator...)
	if _, err := w.file.Write(w.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close releases this handle's share of the file; the last one closes it.
// Close is idempotent.
func (f *WatchedFile) Close() error {
	f.once.Do(func() {
		watched.Lock()
		defer watched.Unlock()
		w := f.w
		if w.refs--; w.refs > 0 {
			return
		}
		delete(watched.m, w.path)
		w.mu.Lock()
		defer w.mu.Unlock()
		w.closed = true
		if w.file != nil {
			f.closeErr = w.file.Close()
			w.file, w.info = nil, nil
		}
	})
	return f.closeErr
}

// NewWatchedFileHandler returns Python's WatchedFileHandler: fm's handler
// over a [WatchedFile] on path, behind a [Handler] with opts. A nil fm is
// the default pattern formatter; nil wopts and opts mean the defaults.
// Closing the handler closes the file.
func NewWatchedFileHandler(path string, fm formatters.Formatter, wopts *WatchedOptions, opts *Options) (*Handler, error) {
	f, err := OpenWatched(path, wopts)
	if err != nil {
		return nil, err
	}
	return New(formatterOrDefault(fm).NewHandler(f), opts, f), nil
}
