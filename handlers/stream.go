package handlers

import (
	"io"
	"log/slog"
	"reflect"
	"sync"

	"github.com/slogtree/slogtree/filters"
	"github.com/slogtree/slogtree/formatters"
)

// Stream is a writer shared by every handler of the process that writes to
// the same underlying writer: one lock, so records never interleave. It is
// Python's StreamHandler without the formatter: closing it never closes
// the underlying writer.
type Stream struct {
	s          *sharedStream
	terminator string
	once       sync.Once
}

var (
	_ io.WriteCloser          = (*Stream)(nil)
	_ formatters.AtomicWriter = (*Stream)(nil)
)

type sharedStream struct {
	mu     sync.Mutex
	w      io.Writer
	atomic bool // w makes each Write whole on its own (*os.File, io.Discard)
	buf    []byte
	refs   int // guarded by sinks.Mutex
	key    any
}

// StreamOptions configures [NewStream]. The zero value is the default.
type StreamOptions struct {
	// Terminator replaces the "\n" that ends each record. Default "\n".
	Terminator string
}

// NewStream returns a Stream on w, sharing its lock with every other open
// Stream on the same w. Nil options mean the defaults.
func NewStream(w io.Writer, opts *StreamOptions) *Stream {
	var key any = w
	if w == nil || !reflect.TypeOf(w).Comparable() {
		key = new(int) // not shareable: a lock of its own
	}
	sinks.Lock()
	s := sinks.streams[key]
	if s == nil {
		s = &sharedStream{w: w, key: key, atomic: formatters.WritesAtomically(w)}
		sinks.streams[key] = s
	}
	s.refs++
	sinks.Unlock()
	st := &Stream{s: s}
	if opts != nil && opts.Terminator != "" && opts.Terminator != "\n" {
		st.terminator = opts.Terminator
	}
	return st
}

// WritesAtomically reports true: concurrent Writes never interleave.
func (s *Stream) WritesAtomically() bool { return true }

// Direct returns the writer to format onto: the underlying writer itself
// when its Writes never interleave and no terminator is set (an *os.File,
// io.Discard), else the Stream. Writing to it keeps every guarantee of
// Write, one call shorter.
func (s *Stream) Direct() io.Writer {
	if s.s.atomic && s.terminator == "" {
		return s.s.w
	}
	return s
}

// Writer returns the underlying writer.
func (s *Stream) Writer() io.Writer { return s.s.w }

// Write writes p in one Write on the underlying writer, under the shared
// lock, with a trailing "\n" replaced by the terminator.
func (s *Stream) Write(p []byte) (int, error) {
	return s.s.write(p, s.terminator)
}

func (s *sharedStream) write(p []byte, term string) (int, error) {
	if s.atomic && term == "" {
		return s.w.Write(p)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writeLocked(p, term)
}

func (s *sharedStream) writeLocked(p []byte, term string) (int, error) {
	if term == "" || len(p) == 0 || p[len(p)-1] != '\n' {
		return s.w.Write(p)
	}
	s.buf = append(append(s.buf[:0], p[:len(p)-1]...), term...)
	if _, err := s.w.Write(s.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close releases the Stream's share of the lock table. The underlying
// writer is not closed. Close is idempotent.
func (s *Stream) Close() error {
	s.once.Do(func() {
		sinks.Lock()
		defer sinks.Unlock()
		if s.s.refs--; s.s.refs == 0 {
			delete(sinks.streams, s.s.key)
		}
	})
	return nil
}

// NewStreamHandler returns Python's StreamHandler: f's handler over a
// [Stream] on w, behind a [Handler] with opts. A nil f is the default
// pattern formatter (the bare message, attributes appended); nil sopts and
// opts mean the defaults. Closing the handler does not close w.
func NewStreamHandler(w io.Writer, f formatters.Formatter, sopts *StreamOptions, opts *Options) *Handler {
	st := NewStream(w, sopts)
	return New(formatterOrDefault(f).NewHandler(st), opts, st)
}

func formatterOrDefault(f formatters.Formatter) formatters.Formatter {
	if f == nil {
		return formatters.Default()
	}
	return f
}

// newOverSink returns the Handler of a NewXHandler over one of this
// package's file sinks: f's handler over sink, closed with it. When f is
// one of slogtree's formatters (or nil) and every filter of opts is a
// [filters.Name], nothing in it can panic, and it is Trusted: no recover
// per record.
func newOverSink(f formatters.Formatter, sink interface {
	io.Writer
	io.Closer
}, opts *Options) *Handler {
	f = formatterOrDefault(f)
	if ownFormatter(f) && (opts == nil || nameFiltersOnly(opts.Filters)) {
		var o Options
		if opts != nil {
			o = *opts
		}
		o.Trusted = true
		opts = &o
	}
	return New(f.NewHandler(sink), opts, sink)
}

// ownFormatter reports whether f is one of slogtree's formatters.
func ownFormatter(f formatters.Formatter) bool {
	switch f.(type) {
	case *formatters.Pattern, *formatters.JSON, *formatters.Text, *formatters.PyJSON:
		return true
	}
	return false
}

// nameFiltersOnly reports whether every filter of fs is Python's
// logging.Filter by name, which cannot panic.
func nameFiltersOnly(fs []filters.Filter) bool {
	for _, f := range fs {
		if _, ok := f.(filters.Name); !ok {
			return false
		}
	}
	return true
}

// Null is Python's NullHandler: it discards every record. A logger with a
// NullHandler has a handler, so nothing reaches the last-resort handler.
var Null slog.Handler = slog.DiscardHandler
