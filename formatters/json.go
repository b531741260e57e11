package formatters

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"sync"
)

// JSONOptions configures [JSON]. The zero value is the default.
type JSONOptions struct {
	// AddSource adds the caller's function, file and line, as slog does.
	// Default false.
	AddSource bool
	// DateFmt, when set, writes the record's time, and a time-valued
	// top-level attribute keyed "time", as a string in this strftime
	// format. Default: slog's RFC 3339 time.
	DateFmt string
	// UTC writes the times that DateFmt applies to in UTC. Default false:
	// in the record's own location, as slog does (local time for records
	// made by slog).
	UTC bool
}

// JSON is the "json" formatter: slog's JSON lines, with CRITICAL as the
// name of slog level 12 and a "logger" attribute.
type JSON struct {
	addSource bool
	dateFmt   string
	utc       bool
}

var _ Formatter = (*JSON)(nil)

// NewJSON returns a JSON formatter. Nil options mean the defaults.
func NewJSON(opts *JSONOptions) *JSON {
	if opts == nil {
		opts = &JSONOptions{}
	}
	return &JSON{addSource: opts.AddSource, dateFmt: opts.DateFmt, utc: opts.UTC}
}

// NewHandler returns a [JSONHandler] writing to w.
func (f *JSON) NewHandler(w io.Writer) slog.Handler {
	h := &JSONHandler{f: f, w: w}
	if !WritesAtomically(w) {
		h.mu = new(sync.Mutex)
	}
	return h
}

// JSONHandler is the [slog.Handler] of the [JSON] formatter. For the same
// records and the same WithAttrs and WithGroup calls it writes, byte for
// byte, what a [slog.JSONHandler] with the formatter's AddSource writes,
// with two exceptions: a level from 12 up is written CRITICAL, CRITICAL+1,
// ..., and a level named with [RegisterLevelName] by that name; and with
// DateFmt or UTC set, the record's time and a time-valued top-level
// attribute keyed "time" are written as [JSONOptions] says.
//
// Each Handle makes one Write of one line ending in "\n". Writes of the
// handler and of the handlers derived from it with WithAttrs, WithGroup
// and WithLoggerName are serialised, unless the writer writes atomically
// itself ([WritesAtomically]). A JSONHandler is safe for concurrent use.
type JSONHandler struct {
	f  *JSON
	w  io.Writer
	mu *sync.Mutex // nil when w writes atomically

	pre    []byte   // attributes of WithAttrs, rendered, and the groups they opened
	groups []string // every group of WithGroup
	nOpen  int      // how many of groups pre opened
}

var (
	_ slog.Handler = (*JSONHandler)(nil)
	_ LoggerNamer  = (*JSONHandler)(nil)
)

// Enabled reports true: levels are decided in front of the formatter.
func (h *JSONHandler) Enabled(context.Context, slog.Level) bool { return true }

// WithLoggerName returns h.WithAttrs with a [LoggerKey] attribute of name.
func (h *JSONHandler) WithLoggerName(name string) slog.Handler {
	return h.WithAttrs([]slog.Attr{slog.String(LoggerKey, name)})
}

// WithAttrs returns a handler whose records carry attrs after the
// attributes h already has, in the groups of h. The attributes are
// rendered once, here.
func (h *JSONHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if jsonAllEmptyGroups(attrs) {
		return h
	}
	st := jsonStatePool.Get().(*jsonState)
	defer st.free()
	e := jsonEncoder{f: h.f, st: st, b: st.buf[:0], depth: h.nOpen}
	// The new attributes follow h.pre, and a comma separates them unless
	// h.pre ends by opening a group.
	e.comma = len(h.pre) > 0 && h.pre[len(h.pre)-1] != '{'
	for _, g := range h.groups[h.nOpen:] {
		e.openGroup(g)
	}
	appended := false
	for _, a := range attrs {
		if e.appendAttr(a) {
			appended = true
		}
	}
	st.buf = e.b
	if !appended {
		return h
	}
	h2 := *h
	h2.pre = make([]byte, len(h.pre)+len(e.b))
	copy(h2.pre[copy(h2.pre, h.pre):], e.b)
	h2.nOpen = len(h.groups)
	return &h2
}

// WithGroup returns a handler that puts the attributes added after it,
// by WithAttrs or in records, in a group called name. As slog's handler
// does, it opens a group for an empty name too; [slog.Logger.WithGroup]
// does not call it with one.
func (h *JSONHandler) WithGroup(name string) slog.Handler {
	h2 := *h
	h2.groups = append(slices.Clip(h.groups), name)
	return &h2
}

// Handle writes r as one line of JSON. A value that fails to encode, or
// whose methods panic, is written as slog writes it, as a string that
// says so; Handle returns only the writer's error.
func (h *JSONHandler) Handle(_ context.Context, r slog.Record) error {
	st := jsonStatePool.Get().(*jsonState)
	defer st.free()
	e := jsonEncoder{f: h.f, st: st, b: st.buf[:0]}
	e.b = append(e.b, '{')
	if !r.Time.IsZero() {
		e.b = append(e.b, `"time":`...)
		e.appendRecordTime(r.Time)
		e.b = append(e.b, ',')
	}
	e.b = append(e.b, `"level":`...)
	e.appendLevel(r.Level)
	if h.f.addSource && r.PC != 0 {
		e.comma = true
		e.appendSource(slog.SourceKey, r.PC)
	}
	e.b = append(e.b, `,"msg":`...)
	e.b = jsonAppendString(e.b, r.Message)
	e.comma = true

	if len(h.pre) > 0 {
		e.b = append(e.b, ',')
		e.b = append(e.b, h.pre...)
		e.comma = h.pre[len(h.pre)-1] != '{'
	}
	nOpen := h.nOpen
	if r.NumAttrs() > 0 {
		pos := len(e.b)
		e.depth = h.nOpen
		for _, g := range h.groups[h.nOpen:] {
			e.openGroup(g)
		}
		appended := false
		r.Attrs(func(a slog.Attr) bool {
			if e.appendAttr(a) {
				appended = true
			}
			return true
		})
		if appended {
			nOpen = len(h.groups)
		} else {
			e.b = e.b[:pos]
		}
	}
	for range nOpen {
		e.b = append(e.b, '}')
	}
	e.b = append(e.b, '}', '\n')
	st.buf = e.b
	return h.write(e.b)
}

func (h *JSONHandler) write(b []byte) error {
	if h.mu == nil {
		_, err := h.w.Write(b)
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := h.w.Write(b)
	return err
}
