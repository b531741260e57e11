package formatters

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"runtime"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/slogtree/slogtree/internal/levels"
)

// This file renders slog values as slog.JSONHandler does. The comments
// name the behaviour of log/slog that each step reproduces.

// jsonState is the pooled scratch space of one Handle or WithAttrs call.
type jsonState struct {
	buf     []byte // the line
	scratch []byte // a DateFmt time before it is escaped
	// The text of the last second written, for the record times and for
	// the other times.
	recordTime, attrTime jsonTimeCache
}

var jsonStatePool = sync.Pool{New: func() any {
	return &jsonState{buf: make([]byte, 0, 1024)}
}}

// free returns st to the pool unless it grew large, so that one huge
// record does not pin its memory.
func (st *jsonState) free() {
	const maxKept = 64 << 10
	if cap(st.buf)+cap(st.scratch)+cap(st.recordTime.text)+cap(st.attrTime.text) <= maxKept {
		jsonStatePool.Put(st)
	}
}

// jsonEncoder appends the attributes of one record, or of one WithAttrs
// call, to b.
type jsonEncoder struct {
	f  *JSON
	st *jsonState
	b  []byte
	// comma is whether a ',' goes before the next key.
	comma bool
	// depth counts the groups around the next attribute: slog passes them
	// to ReplaceAttr, and the DateFmt and UTC rule applies at depth 0.
	depth int
}

// jsonAllEmptyGroups reports whether every attribute of as is a group
// without attributes, as slog's WithAttrs checks (true for none).
func jsonAllEmptyGroups(as []slog.Attr) bool {
	for _, a := range as {
		if a.Value.Kind() != slog.KindGroup || len(a.Value.Group()) > 0 {
			return false
		}
	}
	return true
}

// appendKey appends the separator, the key and the colon.
func (e *jsonEncoder) appendKey(key string) {
	if e.comma {
		e.b = append(e.b, ',')
	}
	e.b = jsonAppendString(e.b, key)
	e.b = append(e.b, ':')
	e.comma = true
}

func (e *jsonEncoder) openGroup(name string) {
	e.appendKey(name)
	e.b = append(e.b, '{')
	e.comma = false
	e.depth++
}

func (e *jsonEncoder) closeGroup() {
	e.b = append(e.b, '}')
	e.comma = true
	e.depth--
}

// appendAttr appends a and reports whether it counts as written, by
// slog's rules: LogValuers are resolved; an empty Attr is skipped; so is
// a nil or zero *slog.Source, and another is written as a group; a group
// with an empty key is inlined; a group without attributes writes nothing
// but counts as written; a keyed group whose attributes are all skipped
// is taken back, but, as in slog, not the state it opened: no comma goes
// before the next attribute, and the depth still counts the group.
func (e *jsonEncoder) appendAttr(a slog.Attr) bool {
	kind := a.Value.Kind()
	if kind == slog.KindLogValuer {
		a.Value = a.Value.Resolve()
		kind = a.Value.Kind()
	}
	switch kind {
	case slog.KindGroup:
		attrs := a.Value.Group()
		if len(attrs) == 0 {
			return true
		}
		pos := len(e.b)
		if a.Key != "" {
			e.openGroup(a.Key)
		}
		appended := false
		for _, ga := range attrs {
			if e.appendAttr(ga) {
				appended = true
			}
		}
		if !appended {
			e.b = e.b[:pos]
			return false
		}
		if a.Key != "" {
			e.closeGroup()
		}
		return true
	case slog.KindTime:
		if e.depth == 0 && a.Key == slog.TimeKey && (e.f.dateFmt != "" || e.f.utc) {
			e.appendKey(a.Key)
			e.appendOptionTime(a.Value.Time(), &e.st.attrTime)
			return true
		}
	case slog.KindAny:
		switch v := a.Value.Any().(type) {
		case nil:
			if a.Key == "" {
				return false
			}
		case *slog.Source:
			if v == nil || *v == (slog.Source{}) {
				return false
			}
			e.appendSourceGroup(a.Key, v.Function, v.File, v.Line)
			return true
		}
	}
	e.appendKey(a.Key)
	e.appendValue(a.Value)
	return true
}

// appendValue appends a value that is not a group.
func (e *jsonEncoder) appendValue(v slog.Value) {
	switch v.Kind() {
	case slog.KindString:
		e.b = jsonAppendString(e.b, v.String())
	case slog.KindInt64:
		e.b = strconv.AppendInt(e.b, v.Int64(), 10)
	case slog.KindUint64:
		e.b = strconv.AppendUint(e.b, v.Uint64(), 10)
	case slog.KindFloat64:
		e.appendFloat(v.Float64())
	case slog.KindBool:
		e.b = strconv.AppendBool(e.b, v.Bool())
	case slog.KindDuration:
		// Nanoseconds, as encoding/json writes a time.Duration.
		e.b = strconv.AppendInt(e.b, int64(v.Duration()), 10)
	case slog.KindTime:
		e.appendTime(v.Time(), &e.st.attrTime)
	default:
		e.appendAny(v.Any())
	}
}

// appendError appends slog's text for a value that failed to encode.
func (e *jsonEncoder) appendError(msg string) {
	e.b = append(e.b, `"!ERROR:`...)
	e.b = jsonAppendStringBody(e.b, msg)
	e.b = append(e.b, '"')
}

// appendFloat appends f as encoding/json does: plain decimals for
// magnitudes in [1e-6, 1e21) and zero, else an exponent without a
// leading zero; NaN and infinities are an error.
func (e *jsonEncoder) appendFloat(f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		e.b = append(e.b, `"!ERROR:json: unsupported value: `...)
		e.b = strconv.AppendFloat(e.b, f, 'g', -1, 64)
		e.b = append(e.b, '"')
		return
	}
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		start := len(e.b)
		e.b = strconv.AppendFloat(e.b, f, 'e', -1, 64)
		// e-07 becomes e-7. Only negative exponents have two digits
		// starting with 0 here.
		if n := len(e.b); n-start >= 4 && e.b[n-4] == 'e' && e.b[n-3] == '-' && e.b[n-2] == '0' {
			e.b[n-2] = e.b[n-1]
			e.b = e.b[:n-1]
		}
		return
	}
	e.b = strconv.AppendFloat(e.b, f, 'f', -1, 64)
}

// appendLevel appends the name of l: a registered name, else slog's name
// with CRITICAL from levels.Critical up.
func (e *jsonEncoder) appendLevel(l slog.Level) {
	if name, ok := levels.CustomName(l); ok {
		e.b = jsonAppendString(e.b, name)
		return
	}
	base, off := "ERROR", l-slog.LevelError
	switch {
	case l < slog.LevelInfo:
		base, off = "DEBUG", l-slog.LevelDebug
	case l < slog.LevelWarn:
		base, off = "INFO", l-slog.LevelInfo
	case l < slog.LevelError:
		base, off = "WARN", l-slog.LevelWarn
	case l >= levels.Critical:
		base, off = "CRITICAL", l-levels.Critical
	}
	e.b = append(e.b, '"')
	e.b = append(e.b, base...)
	if off != 0 {
		if off > 0 {
			e.b = append(e.b, '+')
		}
		e.b = strconv.AppendInt(e.b, int64(off), 10)
	}
	e.b = append(e.b, '"')
}

// appendSource appends the source attribute of the record made at pc,
// unless the runtime knows nothing of pc.
func (e *jsonEncoder) appendSource(key string, pc uintptr) {
	fs := runtime.CallersFrames([]uintptr{pc})
	f, _ := fs.Next()
	if f.Function == "" && f.File == "" && f.Line == 0 {
		return
	}
	e.appendSourceGroup(key, f.Function, f.File, f.Line)
}

// appendSourceGroup appends slog's group for a source: its non-zero
// fields, of which there is at least one, inlined for an empty key.
func (e *jsonEncoder) appendSourceGroup(key, function, file string, line int) {
	if key != "" {
		e.openGroup(key)
	}
	if function != "" {
		e.appendKey("function")
		e.b = jsonAppendString(e.b, function)
	}
	if file != "" {
		e.appendKey("file")
		e.b = jsonAppendString(e.b, file)
	}
	if line != 0 {
		e.appendKey("line")
		e.b = strconv.AppendInt(e.b, int64(line), 10)
	}
	if key != "" {
		e.closeGroup()
	}
}

// appendAny appends a value of kind Any: an error that is not a
// json.Marshaler as its Error text, anything else as encoding/json writes
// it without HTML escaping, or the encoding error. A panic in the value's
// methods is written as slog writes it: "<nil>" for a nil pointer, else
// "!PANIC: " and the panic value.
func (e *jsonEncoder) appendAny(a any) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if v := reflect.ValueOf(a); v.Kind() == reflect.Pointer && v.IsNil() {
			e.b = jsonAppendString(e.b, "<nil>")
			return
		}
		e.b = jsonAppendString(e.b, fmt.Sprintf("!PANIC: %v", r))
	}()
	if err, ok := a.(error); ok {
		if _, ok := a.(json.Marshaler); !ok {
			e.b = jsonAppendString(e.b, err.Error())
			return
		}
	}
	enc := jsonMarshalerPool.Get().(*jsonMarshaler)
	enc.buf.Reset()
	if err := enc.enc.Encode(a); err != nil {
		e.appendError(err.Error())
	} else {
		out := enc.buf.Bytes()
		e.b = append(e.b, out[:len(out)-1]...) // without Encode's newline
	}
	// Not reached after a panic, which drops enc and what it holds.
	if enc.buf.Cap() <= 16<<10 {
		jsonMarshalerPool.Put(enc)
	}
}

// jsonMarshaler is a pooled encoding/json encoder that does not escape
// HTML.
type jsonMarshaler struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var jsonMarshalerPool = sync.Pool{New: func() any {
	m := &jsonMarshaler{}
	m.enc = json.NewEncoder(&m.buf)
	m.enc.SetEscapeHTML(false)
	return m
}}

// jsonAppendString appends s as a JSON string, escaped as slog escapes it.
func jsonAppendString(b []byte, s string) []byte {
	b = append(b, '"')
	b = jsonAppendStringBody(b, s)
	return append(b, '"')
}

// jsonByteClass sorts the bytes of a string for jsonAppendStringBody.
var jsonByteClass = func() (c [256]uint8) {
	const (
		escape    = 1 // an ASCII byte written as an escape
		multibyte = 2 // the start or the rest of a UTF-8 sequence, or invalid
	)
	for i := range c {
		switch {
		case i < 0x20 || i == '"' || i == '\\':
			c[i] = escape
		case i >= utf8.RuneSelf:
			c[i] = multibyte
		}
	}
	return c
}()

const jsonHex = "0123456789abcdef"

// jsonAppendStringBody appends s escaped for a JSON string without the
// quotes, by slog's rules: '"' and '\\' and the control characters
// below 0x20 escaped (\n, \r and \t by name, the others as \u00XX), each
// byte of invalid UTF-8 replaced by \ufffd, U+2028 and U+2029 escaped,
// and nothing else, not even HTML's <, > and &.
func jsonAppendStringBody(b []byte, s string) []byte {
	done := 0 // s[:done] is in b
	for i := 0; i < len(s); {
		c := s[i]
		switch jsonByteClass[c] {
		case 0:
			i++
			continue
		case 1:
			b = append(b, s[done:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', jsonHex[c>>4], jsonHex[c&0xf])
			}
			i++
			done = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[done:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[done:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', jsonHex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		done = i
	}
	return append(b, s[done:]...)
}
