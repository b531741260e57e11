package formatters

import (
	"context"
	"io"
	"log/slog"
	"os"
	"sync"

	"github.com/slogtree/slogtree/internal/levels"
)

// JSONOptions configures [JSON]. The zero value is the default.
type JSONOptions struct {
	// AddSource adds the caller's file and line, as slog does. Default false.
	AddSource bool
	// DateFmt, when set, writes the time as a string in this strftime
	// format. Default: slog's RFC 3339 time.
	DateFmt string
	// UTC writes the time in UTC. Default false: in the record's own
	// location, as slog does (local time for records made by slog).
	UTC bool
}

// JSON is the "json" formatter: slog's JSONHandler, with CRITICAL as the
// name of slog level 12 and a "logger" attribute.
type JSON struct {
	opts slog.HandlerOptions
}

var _ Formatter = (*JSON)(nil)

// NewJSON returns a JSON formatter. Nil options mean the defaults.
func NewJSON(opts *JSONOptions) *JSON {
	if opts == nil {
		opts = &JSONOptions{}
	}
	return &JSON{opts: handlerOptions(opts.AddSource, opts.DateFmt, opts.UTC)}
}

// handlerOptions returns slog's options for the json and text formatters:
// every level, and a ReplaceAttr for the time only when the time needs
// one, since slog calls ReplaceAttr for every attribute of every record.
func handlerOptions(addSource bool, dateFmt string, utc bool) slog.HandlerOptions {
	opts := slog.HandlerOptions{AddSource: addSource, Level: levels.All}
	if dateFmt == "" && !utc {
		return opts
	}
	opts.ReplaceAttr = func(groups []string, a slog.Attr) slog.Attr {
		if a.Key != slog.TimeKey || len(groups) != 0 || a.Value.Kind() != slog.KindTime {
			return a
		}
		t := a.Value.Time()
		if utc {
			t = t.UTC()
		}
		if dateFmt == "" {
			a.Value = slog.TimeValue(t)
		} else {
			a.Value = slog.StringValue(string(AppendStrftime(nil, dateFmt, t)))
		}
		return a
	}
	return opts
}

// NewHandler returns a handler writing slog's JSON to w. Each record is
// one Write, serialised with the other records of the handler and of the
// handlers derived from it.
func (f *JSON) NewHandler(w io.Writer) slog.Handler {
	w = serialise(w)
	return newLevelNamer(slog.NewJSONHandler(w, &f.opts), slog.NewJSONHandler(w, withLevelNames(f.opts)))
}

// withLevelNames returns opts with a ReplaceAttr that names levels from
// Critical up CRITICAL, CRITICAL+1, ... and levels with a registered name
// by that name.
func withLevelNames(opts slog.HandlerOptions) *slog.HandlerOptions {
	next := opts.ReplaceAttr
	opts.ReplaceAttr = func(groups []string, a slog.Attr) slog.Attr {
		if next != nil {
			a = next(groups, a)
		}
		if a.Key == slog.LevelKey && len(groups) == 0 {
			if l, ok := a.Value.Any().(slog.Level); ok {
				a.Value = slog.StringValue(levels.SlogName(l))
			}
		}
		return a
	}
	return &opts
}

// levelNamer sends records below Critical without a registered level name
// to slog's handler as it is and the others to a twin with a ReplaceAttr that names their level: slog
// calls a ReplaceAttr for every attribute of every record, which would
// cost every record for the sake of the rare critical one.
type levelNamer struct {
	plain, named slog.Handler
}

func newLevelNamer(plain, named slog.Handler) *levelNamer {
	return &levelNamer{plain: plain, named: named}
}

func (h *levelNamer) Enabled(context.Context, slog.Level) bool { return true }

func (h *levelNamer) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= levels.Critical {
		return h.named.Handle(ctx, r)
	}
	if _, ok := levels.CustomName(r.Level); ok {
		return h.named.Handle(ctx, r)
	}
	return h.plain.Handle(ctx, r)
}

func (h *levelNamer) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &levelNamer{plain: h.plain.WithAttrs(attrs), named: h.named.WithAttrs(attrs)}
}

func (h *levelNamer) WithGroup(name string) slog.Handler {
	return &levelNamer{plain: h.plain.WithGroup(name), named: h.named.WithGroup(name)}
}

// An AtomicWriter is a writer whose concurrent Writes never interleave.
// The sinks of package handlers are; formatters use them without a lock of
// their own.
type AtomicWriter interface {
	io.Writer
	WritesAtomically() bool
}

// serialise returns w, or w behind a lock when concurrent Writes on it
// could interleave: the formatter's twin handlers must not write at once.
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

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
