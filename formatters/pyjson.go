package formatters

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/slogtree/slogtree/internal/pyformat"
	"github.com/slogtree/slogtree/internal/slogattr"
)

// PyJSONOptions configures [PyJSON]. The zero value is the default: the
// message and the attributes.
type PyJSONOptions struct {
	// Format names the LogRecord fields to write, as python-json-logger
	// reads it: every %(field) in the % style, every {field} in the {
	// style, every $field or ${field} in the $ style, in order. Default
	// "%(message)s".
	Format string
	// Style is "%", "{" or "$". Default "%".
	Style string
	// DateFmt is the strftime format of the asctime field. Default
	// "%Y-%m-%d %H:%M:%S" followed by ",mmm" milliseconds.
	DateFmt string
	// UTC formats asctime in UTC instead of the local time zone. Default
	// false.
	UTC bool
	// NoValidate skips Python's check of Format. Default false.
	NoValidate bool
	// Defaults are fields written first, before those of Format. Default
	// none.
	Defaults map[string]any
	// StaticFields are fields written after those of Format, before the
	// attributes. Default none.
	StaticFields map[string]any
	// RenameFields renames output keys, e.g. {"levelname": "level"}.
	// Default none.
	RenameFields map[string]string
	// Prefix is written before the JSON object. Default "".
	Prefix string
	// Unicode writes non-ASCII characters as they are. Default false:
	// \u escapes of four hex digits, as Python's json.dumps(ensure_ascii=True).
	Unicode bool
	// ThreadName is the value of the threadName field. Default
	// [DefaultThreadName].
	ThreadName string
}

// PyJSON is python-json-logger's JsonFormatter
// (pythonjsonlogger.json.JsonFormatter, formerly
// pythonjsonlogger.jsonlogger.JsonFormatter): one JSON object per record,
// in Python's json.dumps layout ({"key": value, ...}), with the LogRecord
// fields its format names, in order, then every attribute of the record,
// keys flattened as g.k.
type PyJSON struct {
	pat      *Pattern
	fields   []pyField
	defaults []pyKV
	static   []pyKV
	rename   map[string]string
	skip     map[string]bool
	prefix   string
	ascii    bool
	usesName bool // a field is the logger name
}

type pyField struct {
	key  string // the output key, renamed
	name string // the field name
	kind fieldKind
}

type pyKV struct {
	key string
	v   slog.Value
}

var _ Formatter = (*PyJSON)(nil)

var (
	pyJSONPercent = regexp.MustCompile(`%\((.+?)\)`)
	pyJSONBrace   = regexp.MustCompile(`\{(.+?)\}`)
	pyJSONDollar  = regexp.MustCompile(`(?i)\$(?:\$|\{(.+?)\}|([_a-z][_a-z0-9]*))`)
)

// NewPyJSON compiles a python-json-logger formatter. Nil options mean the
// defaults. The format errors are Python's logging.Formatter ones.
func NewPyJSON(opts *PyJSONOptions) (*PyJSON, error) {
	if opts == nil {
		opts = &PyJSONOptions{}
	}
	format, style, err := pythonFormat(opts.Format, opts.Style, !opts.NoValidate)
	if err != nil {
		return nil, err
	}
	pat, err := NewPattern(&PatternOptions{DateFmt: opts.DateFmt, UTC: opts.UTC, Extras: ExtrasIgnore, ThreadName: opts.ThreadName})
	if err != nil {
		return nil, err
	}
	f := &PyJSON{pat: pat, rename: opts.RenameFields, skip: map[string]bool{}, prefix: opts.Prefix, ascii: !opts.Unicode}
	var names []string
	switch style {
	case "%":
		for _, m := range pyJSONPercent.FindAllStringSubmatch(format, -1) {
			names = append(names, m[1])
		}
	case "{":
		for _, m := range pyJSONBrace.FindAllStringSubmatch(format, -1) {
			names = append(names, m[1])
		}
	case "$":
		for _, m := range pyJSONDollar.FindAllStringSubmatch(format, -1) {
			if n := m[1] + m[2]; n != "" {
				names = append(names, n)
			}
		}
	}
	for _, n := range names {
		if f.skip[n] {
			continue
		}
		f.skip[n] = true
		f.fields = append(f.fields, pyField{key: f.renamed(n), name: n, kind: kindOf(n)})
		f.usesName = f.usesName || kindOf(n) == kindName
	}
	f.defaults = f.sortedKVs(opts.Defaults)
	f.static = f.sortedKVs(opts.StaticFields)
	return f, nil
}

func (f *PyJSON) renamed(key string) string {
	if r, ok := f.rename[key]; ok {
		return r
	}
	return key
}

// sortedKVs returns m's entries by key: Go maps have no order, and a
// stable output needs one.
func (f *PyJSON) sortedKVs(m map[string]any) []pyKV {
	kvs := make([]pyKV, 0, len(m))
	for k, v := range m {
		kvs = append(kvs, pyKV{key: f.renamed(k), v: slog.AnyValue(v)})
	}
	for i := 1; i < len(kvs); i++ {
		for j := i; j > 0 && kvs[j].key < kvs[j-1].key; j-- {
			kvs[j], kvs[j-1] = kvs[j-1], kvs[j]
		}
	}
	return kvs
}

// NewHandler returns a handler that writes one JSON object and "\n" per
// record to w, in one Write, serialised with the Writes of the handlers
// derived from it, so any io.Writer is safe for concurrent use.
func (f *PyJSON) NewHandler(w io.Writer) slog.Handler {
	return &PyJSONHandler{f: f, w: serialise(w), name: "root"}
}

// PyJSONHandler renders records with a [PyJSON].
type PyJSONHandler struct {
	f      *PyJSON
	w      io.Writer // behind the lock of serialise, shared by derived handlers
	name   string
	prefix string      // group prefix, "g1.g2."
	attrs  []slog.Attr // of WithAttrs, keys qualified by their groups (g.k)
}

var (
	_ slog.Handler = (*PyJSONHandler)(nil)
	_ LoggerNamer  = (*PyJSONHandler)(nil)
)

// Enabled reports true: levels are decided in front of the formatter.
func (h *PyJSONHandler) Enabled(context.Context, slog.Level) bool { return true }

// WithLoggerName returns a handler that writes name as the name field: h
// itself when the format has no name field.
func (h *PyJSONHandler) WithLoggerName(name string) slog.Handler {
	if !h.f.usesName || name == h.name {
		return h
	}
	h2 := *h
	h2.name = name
	return &h2
}

// WithAttrs returns a handler whose records carry attrs too.
func (h *PyJSONHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	h2 := *h
	h2.attrs = slogattr.Flatten(h.attrs[:len(h.attrs):len(h.attrs)], h.prefix, attrs)
	return &h2
}

// WithGroup returns a handler that qualifies later attribute keys with name.
func (h *PyJSONHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.prefix = h.prefix + name + "."
	return &h2
}

// pyObject is an ordered JSON object with Python dict semantics: setting a
// key again keeps its place.
type pyObject struct {
	kvs []pyKV
}

var pyObjectPool = sync.Pool{New: func() any { return &pyObject{kvs: make([]pyKV, 0, 16)} }}

func (o *pyObject) set(key string, v slog.Value) {
	for i := range o.kvs {
		if o.kvs[i].key == key {
			o.kvs[i].v = v
			return
		}
	}
	o.kvs = append(o.kvs, pyKV{key: key, v: v})
}

// Handle formats r and writes it.
func (h *PyJSONHandler) Handle(_ context.Context, r slog.Record) error {
	bufs := bufPool.Get().(*buffers)
	obj := pyObjectPool.Get().(*pyObject)
	defer func() {
		clear(obj.kvs)
		obj.kvs = obj.kvs[:0]
		pyObjectPool.Put(obj)
		putBuffers(bufs)
	}()
	st := fieldState{bufs: bufs}
	for _, kv := range h.f.defaults {
		obj.set(kv.key, kv.v)
	}
	for _, fd := range h.f.fields {
		// Fields are unique, so asctime, which lives in bufs.time, is
		// computed once.
		var v slog.Value
		if fd.kind == kindAttr {
			v, _ = lookupAttr(h.attrs, h.prefix, &r, fd.name) // None when missing
		} else {
			v = h.f.pat.recordField(fd.kind, h.name, &r, &st)
		}
		obj.set(fd.key, v)
	}
	for _, kv := range h.f.static {
		obj.set(kv.key, kv.v)
	}
	for _, a := range h.attrs {
		if !h.f.skip[a.Key] {
			obj.set(h.f.renamed(a.Key), a.Value)
		}
	}
	var kb [64]byte
	r.Attrs(func(a slog.Attr) bool {
		h.addAttr(obj, append(kb[:0], h.prefix...), a)
		return true
	})
	b := append(bufs.line[:0], h.f.prefix...)
	b = h.f.appendObject(b, obj.kvs)
	b = append(b, '\n')
	bufs.line = b
	_, err := h.w.Write(b)
	return err
}

func (h *PyJSONHandler) addAttr(obj *pyObject, key []byte, a slog.Attr) {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		if a.Key != "" {
			key = append(append(key, a.Key...), '.')
		}
		for _, g := range v.Group() {
			h.addAttr(obj, key, g)
		}
		return
	}
	if a.Key == "" {
		return
	}
	k := string(append(key, a.Key...))
	if !h.f.skip[k] {
		obj.set(h.f.renamed(k), v)
	}
}

func (f *PyJSON) appendObject(b []byte, kvs []pyKV) []byte {
	b = append(b, '{')
	for i, kv := range kvs {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = appendPyJSONString(b, kv.key, f.ascii)
		b = append(b, ": "...)
		b = f.appendValue(b, kv.v)
	}
	return append(b, '}')
}

// appendValue appends v as Python's json.dumps writes the Python value of
// the slog value.
func (f *PyJSON) appendValue(b []byte, v slog.Value) []byte {
	v = v.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return appendPyJSONString(b, v.String(), f.ascii)
	case slog.KindInt64:
		return strconv.AppendInt(b, v.Int64(), 10)
	case slog.KindUint64:
		return strconv.AppendUint(b, v.Uint64(), 10)
	case slog.KindFloat64:
		x := v.Float64()
		switch {
		case x != x:
			return append(b, "NaN"...)
		case x > 1.7976931348623157e308:
			return append(b, "Infinity"...)
		case x < -1.7976931348623157e308:
			return append(b, "-Infinity"...)
		}
		return pyformat.AppendFloatRepr(b, x)
	case slog.KindBool:
		return strconv.AppendBool(b, v.Bool())
	case slog.KindDuration:
		return appendPyJSONString(b, v.Duration().String(), f.ascii)
	case slog.KindTime:
		var tb [48]byte
		return appendPyJSONString(b, unsafeString(pyformat.AppendDatetime(tb[:0], v.Time(), 'T')), f.ascii)
	case slog.KindGroup:
		attrs := v.Group()
		kvs := make([]pyKV, 0, len(attrs))
		for _, a := range attrs {
			if a.Key != "" {
				kvs = append(kvs, pyKV{key: a.Key, v: a.Value})
			}
		}
		return f.appendObject(b, kvs)
	}
	a := v.Any()
	if a == nil {
		return append(b, "null"...)
	}
	return pyformat.Guard(b, a, f.appendGo, f.appendString)
}

// appendGo appends the JSON of a Go value that is not nil: an error's
// Error or a Stringer's String as a string, a json.Marshaler's JSON, else
// encoding/json's, else fmt's %v as a string. It calls the value's
// methods, so it runs under pyformat.Guard.
func (f *PyJSON) appendGo(b []byte, a any) []byte {
	switch x := a.(type) {
	case error:
		return appendPyJSONString(b, x.Error(), f.ascii)
	case json.Marshaler:
		if data, err := x.MarshalJSON(); err == nil {
			return append(b, data...)
		}
	case fmt.Stringer:
		return appendPyJSONString(b, x.String(), f.ascii)
	default:
		if data, err := json.Marshal(x); err == nil {
			return append(b, data...)
		}
	}
	return appendPyJSONString(b, fmt.Sprint(a), f.ascii)
}

func (f *PyJSON) appendString(b []byte, s string) []byte {
	return appendPyJSONString(b, s, f.ascii)
}

// appendPyJSONString appends s as a JSON string as Python's json.dumps
// does: with ascii, every non-ASCII character as a \u escape of four hex digits (a surrogate pair
// above U+FFFF).
func appendPyJSONString(b []byte, s string, ascii bool) []byte {
	const hex = "0123456789abcdef"
	u := func(b []byte, r rune) []byte {
		return append(b, '\\', 'u', hex[r>>12&15], hex[r>>8&15], hex[r>>4&15], hex[r&15])
	}
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				if c < 0x20 {
					b = u(b, rune(c))
				} else {
					b = append(b, c)
				}
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case !ascii:
			if r == utf8.RuneError && n == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+n]...)
			}
		case r >= 0x10000:
			r -= 0x10000
			b = u(b, 0xd800+(r>>10))
			b = u(b, 0xdc00+(r&0x3ff))
		default:
			b = u(b, r)
		}
		i += n
	}
	return append(b, '"')
}
