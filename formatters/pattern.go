package formatters

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slogtree/slogtree/internal/levels"
	"github.com/slogtree/slogtree/internal/pyformat"
)

// Extras modes of [PatternOptions].
const (
	// ExtrasAppend renders attributes the format does not name after the
	// message as key=value.
	ExtrasAppend = "append"
	// ExtrasIgnore leaves them out, as CPython does.
	ExtrasIgnore = "ignore"
)

// PatternOptions configures [Pattern], Python's logging.Formatter. The zero
// value is the default: the bare message.
type PatternOptions struct {
	// Format is the format string. Default: the style's message field
	// (%(message)s).
	Format string
	// DateFmt is a strftime format for %(asctime)s. Default:
	// "%Y-%m-%d %H:%M:%S" followed by ",mmm" milliseconds.
	DateFmt string
	// Style is "%", "{" or "$". Default "%".
	Style string
	// NoValidate skips Python's check of Format. Default false: formats are
	// validated as Python's Formatter(validate=True) does.
	NoValidate bool
	// Defaults are values for fields the record does not have. Default none.
	Defaults map[string]any
	// Extras is ExtrasAppend (the default) or ExtrasIgnore.
	Extras string
	// UTC formats times in UTC instead of the local time zone. Default false.
	UTC bool
}

// Pattern is Python's logging.Formatter: a format string over the record's
// attributes. Attributes the format does not name are appended after the
// message as key=value unless Extras is ExtrasIgnore.
type Pattern struct {
	segs       []pyformat.Segment
	named      map[string]bool
	dateFmt    string
	utc        bool
	appendRest bool
	hasMessage bool
	defaults   map[string]slog.Value
}

var _ Formatter = (*Pattern)(nil)

// NewPattern compiles a pattern formatter. Nil options mean the defaults.
// The error texts are Python's where Python defines them.
func NewPattern(opts *PatternOptions) (*Pattern, error) {
	if opts == nil {
		opts = &PatternOptions{}
	}
	style := opts.Style
	if style == "" {
		style = "%"
	}
	if err := pyformat.CheckStyle(style); err != nil {
		return nil, err
	}
	format := opts.Format
	if format == "" {
		format = pyformat.DefaultFormat(style)
	}
	if !opts.NoValidate {
		if err := pyformat.Validate(format, style); err != nil {
			return nil, err
		}
	}
	segs, err := pyformat.Parse(format, style)
	if err != nil {
		return nil, err
	}
	p := &Pattern{segs: segs, named: map[string]bool{}, dateFmt: opts.DateFmt, utc: opts.UTC}
	switch opts.Extras {
	case "", ExtrasAppend:
		p.appendRest = true
	case ExtrasIgnore:
	default:
		return nil, fmt.Errorf("extras must be %q or %q, got %q", ExtrasAppend, ExtrasIgnore, opts.Extras)
	}
	for _, s := range segs {
		if s.Key != "" {
			p.named[s.Key] = true
			if s.Key == "message" {
				p.hasMessage = true
			}
		}
	}
	if len(opts.Defaults) > 0 {
		p.defaults = make(map[string]slog.Value, len(opts.Defaults))
		for k, v := range opts.Defaults {
			p.defaults[k] = slog.AnyValue(v)
		}
	}
	return p, nil
}

// NewHandler returns a handler that writes one formatted line per record
// to w.
func (p *Pattern) NewHandler(w io.Writer) slog.Handler {
	return &PatternHandler{p: p, w: w, name: "root"}
}

// PatternHandler renders records with a [Pattern]. Each Handle makes one
// Write of one line ending in "\n".
type PatternHandler struct {
	p      *Pattern
	w      io.Writer
	name   string
	prefix string // group prefix, "g1.g2."
	attrs  []slog.Attr
}

var (
	_ slog.Handler = (*PatternHandler)(nil)
	_ LoggerNamer  = (*PatternHandler)(nil)
)

// Enabled reports true: levels are decided in front of the formatter.
func (h *PatternHandler) Enabled(context.Context, slog.Level) bool { return true }

// WithLoggerName returns a handler that renders name as %(name)s.
func (h *PatternHandler) WithLoggerName(name string) slog.Handler {
	h2 := *h
	h2.name = name
	return &h2
}

// WithAttrs returns a handler whose records carry attrs too.
func (h *PatternHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	h2 := *h
	h2.attrs = appendFlat(h.attrs[:len(h.attrs):len(h.attrs)], h.prefix, attrs)
	return &h2
}

// WithGroup returns a handler that qualifies later attribute keys with name.
func (h *PatternHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.prefix = h.prefix + name + "."
	return &h2
}

// appendFlat appends attrs with keys qualified by prefix and groups
// flattened (g.k).
func appendFlat(dst []slog.Attr, prefix string, attrs []slog.Attr) []slog.Attr {
	for _, a := range attrs {
		v := a.Value.Resolve()
		if v.Kind() == slog.KindGroup {
			p := prefix
			if a.Key != "" {
				p += a.Key + "."
			}
			dst = appendFlat(dst, p, v.Group())
			continue
		}
		if a.Key == "" {
			continue
		}
		dst = append(dst, slog.Attr{Key: prefix + a.Key, Value: v})
	}
	return dst
}

// buffers are the pooled scratch space of one Handle call.
type buffers struct {
	line, field, time []byte
}

var bufPool = sync.Pool{New: func() any {
	return &buffers{line: make([]byte, 0, 1024), field: make([]byte, 0, 256), time: make([]byte, 0, 64)}
}}

var startTime = time.Now()

// Handle formats r and writes it. A field the record lacks is an error
// (Python's "Formatting field not found in record"), and nothing is written.
func (h *PatternHandler) Handle(_ context.Context, r slog.Record) error {
	bufs := bufPool.Get().(*buffers)
	defer func() {
		if cap(bufs.line)+cap(bufs.field) <= 64<<10 {
			bufPool.Put(bufs)
		}
	}()
	b, scratch := bufs.line[:0], bufs.field[:0]
	var src *runtime.Frame
	var frame runtime.Frame
	extrasDone := false
	for i := range h.p.segs {
		s := &h.p.segs[i]
		if s.Key == "" {
			b = append(b, s.Literal...)
			continue
		}
		var v slog.Value
		switch s.Key {
		case "message", "msg":
			v = slog.StringValue(r.Message)
		case "name":
			v = slog.StringValue(h.name)
		case "levelname":
			v = slog.StringValue(levels.Name(r.Level))
		case "levelno":
			v = slog.IntValue(levels.PythonNumber(r.Level))
		case "asctime":
			bufs.time = h.p.appendTime(bufs.time[:0], r.Time)
			v = slog.StringValue(unsafeString(bufs.time))
		case "created":
			v = slog.Float64Value(float64(r.Time.UnixNano()) / 1e9)
		case "msecs":
			v = slog.Float64Value(float64(r.Time.Nanosecond() / 1e6))
		case "relativeCreated":
			v = slog.Float64Value(float64(r.Time.Sub(startTime).Nanoseconds()) / 1e6)
		case "process":
			v = slog.IntValue(pid)
		case "processName":
			v = slog.StringValue("MainProcess")
		case "thread":
			v = slog.IntValue(0)
		case "threadName":
			v = slog.StringValue("")
		case "taskName":
			v = slog.AnyValue(nil)
		case "pathname", "filename", "module", "lineno", "funcName":
			if src == nil {
				if r.PC != 0 {
					frame, _ = runtime.CallersFrames([]uintptr{r.PC}).Next()
				}
				src = &frame
			}
			v = sourceField(s.Key, src)
		default:
			var ok bool
			if v, ok = h.lookup(r, s.Key); !ok {
				//lint:ignore ST1005 Python's exact text
				return fmt.Errorf("Formatting field not found in record: %s", strconv.Quote(s.Key))
			}
		}
		var err error
		b, scratch, err = pyformat.AppendField(b, scratch, s, v)
		if err != nil {
			return err
		}
		if s.Key == "message" && !extrasDone {
			extrasDone = true
			b = h.appendExtras(b, r)
		}
	}
	if !extrasDone {
		b = h.appendExtras(b, r)
	}
	b = append(b, '\n')
	bufs.line, bufs.field = b, scratch
	_, err := h.w.Write(b)
	return err
}

var pid = os.Getpid()

func sourceField(key string, f *runtime.Frame) slog.Value {
	switch key {
	case "pathname":
		return slog.StringValue(f.File)
	case "filename":
		return slog.StringValue(filepath.Base(f.File))
	case "module":
		return slog.StringValue(strings.TrimSuffix(filepath.Base(f.File), filepath.Ext(f.File)))
	case "lineno":
		return slog.IntValue(f.Line)
	}
	fn := f.Function
	if i := strings.LastIndexByte(fn, '/'); i >= 0 {
		fn = fn[i+1:]
	}
	if i := strings.IndexByte(fn, '.'); i >= 0 {
		fn = fn[i+1:]
	}
	return slog.StringValue(fn)
}

func (p *Pattern) appendTime(b []byte, t time.Time) []byte {
	if p.utc {
		t = t.UTC()
	} else {
		t = t.Local()
	}
	if p.dateFmt != "" {
		return AppendStrftime(b, p.dateFmt, t)
	}
	b = AppendStrftime(b, "%Y-%m-%d %H:%M:%S", t)
	b = append(b, ',')
	return appendInt(b, t.Nanosecond()/1e6, 3, '0')
}

// lookup finds the attribute called key among the handler's and the
// record's attributes, groups flattened, then among the defaults.
func (h *PatternHandler) lookup(r slog.Record, key string) (slog.Value, bool) {
	for _, a := range h.attrs {
		if a.Key == key {
			return a.Value, true
		}
	}
	var found slog.Value
	ok := false
	if rest, match := strings.CutPrefix(key, h.prefix); match {
		r.Attrs(func(a slog.Attr) bool {
			found, ok = findAttr(a, rest)
			return !ok
		})
	}
	if !ok && h.p.defaults != nil {
		found, ok = h.p.defaults[key]
	}
	return found, ok
}

func findAttr(a slog.Attr, key string) (slog.Value, bool) {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		rest := key
		if a.Key != "" {
			var match bool
			if rest, match = strings.CutPrefix(key, a.Key+"."); !match {
				return slog.Value{}, false
			}
		}
		for _, g := range v.Group() {
			if fv, ok := findAttr(g, rest); ok {
				return fv, true
			}
		}
		return slog.Value{}, false
	}
	return v, a.Key == key
}

func (h *PatternHandler) appendExtras(b []byte, r slog.Record) []byte {
	if !h.p.appendRest {
		return b
	}
	for _, a := range h.attrs {
		if !h.p.named[a.Key] {
			b = appendKV(b, a.Key, a.Value)
		}
	}
	if r.NumAttrs() == 0 {
		return b
	}
	var kb [64]byte
	key := append(kb[:0], h.prefix...)
	r.Attrs(func(a slog.Attr) bool {
		b = h.appendExtra(b, key, a)
		return true
	})
	return b
}

func (h *PatternHandler) appendExtra(b, key []byte, a slog.Attr) []byte {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		if a.Key != "" {
			key = append(append(key, a.Key...), '.')
		}
		for _, g := range v.Group() {
			b = h.appendExtra(b, key, g)
		}
		return b
	}
	if a.Key == "" {
		return b
	}
	key = append(key, a.Key...)
	if h.p.named[string(key)] {
		return b
	}
	return appendKV(b, unsafeString(key), v)
}

func appendKV(b []byte, key string, v slog.Value) []byte {
	b = append(b, ' ')
	b = append(b, key...)
	b = append(b, '=')
	start := len(b)
	b = pyformat.AppendStr(b, v)
	if needsQuote(b[start:]) {
		s := string(b[start:])
		b = strconv.AppendQuote(b[:start], s)
	}
	return b
}

func needsQuote(s []byte) bool {
	if len(s) == 0 {
		return true
	}
	for _, c := range s {
		if c <= ' ' || c == '=' || c == '"' || c == 0x7f {
			return true
		}
	}
	return false
}
