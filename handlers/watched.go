package handlers

import (
	"io"
	"os"

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
// logrotate does. It shares the path's one descriptor and one lock with
// every other handle of the process on the same absolute path, whatever
// its kind, so its reopening moves them all to the new file, and a
// rotation by a [RotatingFile] on the path moves it too.
//
// A WatchedFile opened through an [Opener] takes no record until the
// Opener commits, and puts no rotation in force: if the handles its Opener
// opened on the path include no [RotatingFile], the commit stops the
// path's rotation (see [Opener.Commit]).
type WatchedFile struct {
	h *handle
}

var (
	_ io.WriteCloser          = (*WatchedFile)(nil)
	_ formatters.AtomicWriter = (*WatchedFile)(nil)
)

// OpenWatched returns a WatchedFile on path, made absolute, sharing the
// path with every other file handle of the process on it (see
// [WatchedFile]). It is an [Opener] opened and committed at once: mode "w"
// truncates the file now if no handle of the process has it open, and
// while the WatchedFile is open, a path rotated by older handles is not
// rotated (the newest commit on a path sets its rotation). Unless
// opts.Delay is set the file is opened now, and an error is returned if
// that fails. Nil options mean the defaults.
func OpenWatched(path string, opts *WatchedOptions) (*WatchedFile, error) {
	o := NewOpener()
	f, err := o.OpenWatched(path, opts)
	return commitNow(o, f, err)
}

// WritesAtomically reports true: concurrent Writes never interleave.
func (f *WatchedFile) WritesAtomically() bool { return true }

// Path returns the absolute path of the file.
func (f *WatchedFile) Path() string { return f.h.s.path }

// Write reopens the path if it no longer names the open file, then writes
// p in one write.
func (f *WatchedFile) Write(p []byte) (int, error) { return f.h.write(p) }

// Reopen opens the path again for every handle on it, whether or not the
// path still names the open file, as [File.Reopen] does.
func (f *WatchedFile) Reopen() error { return f.h.reopen() }

// Close releases this handle's share of the file; the last handle on the
// path closes it. Close is idempotent.
func (f *WatchedFile) Close() error { return f.h.close() }

// NewWatchedFileHandler returns Python's WatchedFileHandler: fm's handler
// over a [WatchedFile] on path, behind a [Handler] with opts. A nil fm is
// the default pattern formatter; nil wopts and opts mean the defaults.
// Closing the handler closes the file.
func NewWatchedFileHandler(path string, fm formatters.Formatter, wopts *WatchedOptions, opts *Options) (*Handler, error) {
	f, err := OpenWatched(path, wopts)
	if err != nil {
		return nil, err
	}
	return newOverSink(fm, f, opts), nil
}
