package handlers

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/slogtree/slogtree/formatters"
)

// FileOptions configures [OpenFile]. The zero value is the default.
type FileOptions struct {
	// Mode is Python's open mode: "a" appends (the default), "w" truncates,
	// "x" fails if the file exists. A "+" or "t" may follow; "b" is refused.
	Mode string
	// Delay opens the file at the first write instead of at once.
	// Default false.
	Delay bool
	// Perm is the permission of a file the handler creates. Default 0644.
	Perm os.FileMode
	// Terminator replaces the "\n" that ends each record. Default "\n".
	Terminator string
}

// File is a log file shared by every handler of the process that writes to
// the same absolute path: one open file and one lock. The mode of the
// first opener wins, so "w" truncates only when the process first opens the
// file, not again when a reconfiguration keeps it.
type File struct {
	f          *sharedFile
	terminator string
	once       sync.Once
}

var (
	_ io.WriteCloser          = (*File)(nil)
	_ formatters.AtomicWriter = (*File)(nil)
)

type sharedFile struct {
	sharedStream // w is the *os.File once open
	path         string
	flag         int
	perm         os.FileMode
	file         *os.File
	opened       atomic.Pointer[os.File] // file, once open: the lock-free write path
	closed       bool
}

var files = struct {
	sync.Mutex
	m map[string]*sharedFile
}{m: map[string]*sharedFile{}}

// OpenFile returns a File on path, made absolute, sharing the open file with
// every other File on the same path. Unless opts.Delay is set the file is
// opened now, and an error is returned if that fails. Nil options mean the
// defaults.
func OpenFile(path string, opts *FileOptions) (*File, error) {
	if opts == nil {
		opts = &FileOptions{}
	}
	flag, err := openFlag(opts.Mode)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	perm := opts.Perm
	if perm == 0 {
		perm = 0o644
	}
	files.Lock()
	defer files.Unlock()
	s := files.m[abs]
	if s == nil {
		s = &sharedFile{path: abs, flag: flag, perm: perm}
		s.key = abs
		if !opts.Delay {
			if err := s.open(); err != nil {
				return nil, err
			}
		}
		files.m[abs] = s
	} else if !opts.Delay {
		s.mu.Lock()
		err := s.openLocked()
		s.mu.Unlock()
		if err != nil {
			return nil, err
		}
	}
	s.refs++
	f := &File{f: s}
	if opts.Terminator != "" && opts.Terminator != "\n" {
		f.terminator = opts.Terminator
	}
	return f, nil
}

// ErrInvalidMode is wrapped by the error of an open mode the file
// handlers do not take.
var ErrInvalidMode = errors.New("unsupported file mode")

// openFlag maps Python's open mode to os.OpenFile flags.
func openFlag(mode string) (int, error) {
	if mode == "" {
		mode = "a"
	}
	bad := fmt.Errorf("%w %q: want a, w or x, optionally with + or t", ErrInvalidMode, mode)
	if strings.NewReplacer("+", "", "t", "").Replace(mode[1:]) != "" {
		return 0, bad
	}
	switch mode[0] {
	case 'a':
		return os.O_WRONLY | os.O_CREATE | os.O_APPEND, nil
	case 'w':
		return os.O_WRONLY | os.O_CREATE | os.O_TRUNC, nil
	case 'x':
		return os.O_WRONLY | os.O_CREATE | os.O_EXCL, nil
	}
	return 0, bad
}

// openStat opens path with flag and perm and returns the file with its
// FileInfo.
func openStat(path string, flag int, perm os.FileMode) (*os.File, os.FileInfo, error) {
	f, err := os.OpenFile(path, flag, perm)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

func (s *sharedFile) open() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.openLocked()
}

func (s *sharedFile) openLocked() error {
	if s.closed {
		return os.ErrClosed
	}
	if s.file != nil {
		return nil
	}
	f, err := os.OpenFile(s.path, s.flag, s.perm)
	if err != nil {
		return err
	}
	s.file, s.w = f, f
	s.opened.Store(f)
	// Later opens of the same path (after every File on it was closed)
	// append rather than truncate or fail.
	s.flag = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	return nil
}

// WritesAtomically reports true: concurrent Writes never interleave.
func (f *File) WritesAtomically() bool { return true }

// Path returns the absolute path of the file.
func (f *File) Path() string { return f.f.path }

// Write writes p to the file in one write, under the shared lock, opening
// the file first if it was delayed.
func (f *File) Write(p []byte) (int, error) {
	s := f.f
	if of := s.opened.Load(); of != nil && f.terminator == "" {
		// An *os.File write holds the descriptor's write lock for the
		// whole of p, so records never interleave.
		return of.Write(p)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.openLocked(); err != nil {
		return 0, err
	}
	return s.writeLocked(p, f.terminator)
}

// Close releases this File's share of the open file; the last one closes
// it. Close is idempotent.
func (f *File) Close() error {
	var err error
	f.once.Do(func() {
		files.Lock()
		defer files.Unlock()
		s := f.f
		if s.refs--; s.refs > 0 {
			return
		}
		delete(files.m, s.path)
		s.mu.Lock()
		defer s.mu.Unlock()
		s.closed = true
		s.opened.Store(nil)
		if s.file != nil {
			err = s.file.Close()
		}
	})
	return err
}

// NewFileHandler returns Python's FileHandler: f's handler over a [File] on
// path, behind a [Handler] with opts. A nil f is the default pattern
// formatter; nil fopts and opts mean the defaults. Closing the handler
// closes the file.
func NewFileHandler(path string, f formatters.Formatter, fopts *FileOptions, opts *Options) (*Handler, error) {
	file, err := OpenFile(path, fopts)
	if err != nil {
		return nil, err
	}
	return New(formatterOrDefault(f).NewHandler(file), opts, file), nil
}
