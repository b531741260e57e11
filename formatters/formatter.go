package formatters

import (
	"io"
	"log/slog"
	"os"
	"sync"
)

// A Formatter makes the [slog.Handler] that renders records onto w. The
// handler must accept records of every level, make one Write per record,
// and be safe for concurrent use.
type Formatter interface {
	NewHandler(w io.Writer) slog.Handler
}

// LoggerKey is the attribute that carries the logger name in formats that
// have no place of their own for it.
const LoggerKey = "logger"

// A LoggerNamer is a handler that renders the logger name itself.
// WithLoggerName returns a handler like the receiver for records of the
// named logger.
type LoggerNamer interface {
	WithLoggerName(name string) slog.Handler
}

// WithLoggerName specialises h for the logger called name: through
// [LoggerNamer] when h implements it, else by adding a [LoggerKey]
// attribute.
func WithLoggerName(h slog.Handler, name string) slog.Handler {
	if n, ok := h.(LoggerNamer); ok {
		return n.WithLoggerName(name)
	}
	return h.WithAttrs([]slog.Attr{slog.String(LoggerKey, name)})
}

// An AtomicWriter is a writer whose concurrent Writes never interleave.
// The sinks of package handlers are; formatters use them without a lock of
// their own.
type AtomicWriter interface {
	io.Writer
	WritesAtomically() bool
}

// serialise returns w, or w behind a lock when concurrent Writes on it
// could interleave, as slog's handlers lock their writer. A formatter's
// NewHandler calls it once, and every handler derived from that handler
// (WithAttrs, WithGroup, WithLoggerName, the text formatter's twin) writes
// through the same lock. A writer whose Writes are atomic gets no lock: it
// would be pure cost.
func serialise(w io.Writer) io.Writer {
	if WritesAtomically(w) {
		return w
	}
	return &lockedWriter{w: w}
}

// WritesAtomically reports whether concurrent Writes on w never
// interleave: an *os.File holds its descriptor's write lock for a whole
// Write, io.Discard writes nothing, and an [AtomicWriter] says so itself.
func WritesAtomically(w io.Writer) bool {
	if w == io.Discard {
		return true
	}
	switch w := w.(type) {
	case *os.File:
		return true
	case AtomicWriter:
		return w.WritesAtomically()
	}
	return false
}

// lockedWriter makes one Write at a time on w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
