package handlers

import (
	"fmt"
	"io"
	"os"
	"strings"

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

// File is Python's FileHandler sink: a log file, written with one write
// per record. It shares the path's one descriptor and one lock with every
// other handle of the process on the same absolute path, whatever its
// kind: when a [RotatingFile] on the path rotates it, by size or by
// schedule, a File writes to the new file, and the size rule in force
// applies to its records too; when a [WatchedFile] on the path reopens
// it, so does the File. Mode "w" truncates only when the process first
// opens the file, not again when a reconfiguration keeps it open.
//
// A File opened through an [Opener] takes no record until the Opener
// commits, and puts no rotation in force: if the handles its Opener opened
// on the path include no [RotatingFile], the commit stops the path's
// rotation (see [Opener.Commit]).
type File struct {
	h *handle
}

var (
	_ io.WriteCloser          = (*File)(nil)
	_ formatters.AtomicWriter = (*File)(nil)
)

// OpenFile returns a File on path, made absolute, sharing the path with
// every other file handle of the process on it (see [File]). It is an
// [Opener] opened and committed at once: mode "w" truncates the file now
// if no handle of the process has it open, and while the File is open, a
// path rotated by older handles is not rotated (the newest commit on a
// path sets its rotation). Unless opts.Delay is set the file is opened
// now, and an error is returned if that fails. Nil options mean the
// defaults.
func OpenFile(path string, opts *FileOptions) (*File, error) {
	o := NewOpener()
	f, err := o.OpenFile(path, opts)
	return commitNow(o, f, err)
}

// CheckMode returns the error opening a file in mode would return for the
// mode (wrapping [ErrInvalidMode]), or nil for a mode the file handlers
// take: "a", "w" or "x", optionally with "+" or "t". It opens nothing.
func CheckMode(mode string) error {
	_, err := parseMode(mode)
	return err
}

// parseMode reads Python's open mode: 'a', 'w' or 'x'.
func parseMode(mode string) (byte, error) {
	if mode == "" {
		mode = "a"
	}
	if strings.NewReplacer("+", "", "t", "").Replace(mode[1:]) != "" || !strings.ContainsRune("awx", rune(mode[0])) {
		return 0, fmt.Errorf("%w %q: want a, w or x, optionally with + or t", ErrInvalidMode, mode)
	}
	return mode[0], nil
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

// WritesAtomically reports true: concurrent Writes never interleave.
func (f *File) WritesAtomically() bool { return true }

// Path returns the absolute path of the file.
func (f *File) Path() string { return f.h.s.path }

// Write writes p to the file in one write, opening the file first if it
// was delayed. On a path that a [RotatingFile] rotates, the size rule in
// force applies to the File's records too.
func (f *File) Write(p []byte) (int, error) { return f.h.write(p) }

// Reopen closes the path's descriptor and opens the path again, to
// append, creating the file if it is missing, for every handle of the
// process on the path: after an external rotation such as logrotate's
// "create", which renames the file away, records go to a new file at the
// path. Mode "w" does not truncate again. A write in progress finishes
// first, and a write made meanwhile waits: each record lands wholly in the
// old file or wholly in the new one. If the path cannot be opened (its
// directory was removed), the old descriptor stays in use and the error is
// returned. A File whose delayed file is not open yet has nothing to
// reopen.
func (f *File) Reopen() error { return f.h.reopen() }

// Close releases this File's share of the open file; the last handle on
// the path closes it. Close is idempotent.
func (f *File) Close() error { return f.h.close() }

// NewFileHandler returns Python's FileHandler: f's handler over a [File] on
// path, behind a [Handler] with opts. A nil f is the default pattern
// formatter; nil fopts and opts mean the defaults. Closing the handler
// closes the file.
func NewFileHandler(path string, f formatters.Formatter, fopts *FileOptions, opts *Options) (*Handler, error) {
	file, err := OpenFile(path, fopts)
	if err != nil {
		return nil, err
	}
	return newOverSink(f, file, opts), nil
}
