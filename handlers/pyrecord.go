package handlers

import (
	"errors"
	"log/slog"
	"sync"
	"unicode/utf8"

	ogórek "github.com/kisielk/og-rek"

	"github.com/slogtree/slogtree/formatters"
	"github.com/slogtree/slogtree/internal/pyformat"
	"github.com/slogtree/slogtree/internal/slogattr"
)

// pyRecord is what a handler that sends Python's LogRecord.__dict__
// ([SocketHandler], [DatagramHandler], [HTTPHandler]) knows of a record
// besides the record itself: the logger name, the thread name, and the
// groups and attributes it was specialised with.
//
// The record dict is built in one place, [pyRecord.build]:
//
//   - first the attributes CPython 3.11's LogRecord.__init__ sets, in its
//     order, computed as the pattern formatter computes them
//     ([formatters.AppendLogRecord]); msg is the message, args what the
//     handler says (None for a pickle, () for HTTP);
//   - then the attributes of WithAttrs and of the record, as Python's
//     extra adds them, keys qualified by their groups ("g.k", as the
//     python-json-logger formatter writes them); a key given twice keeps
//     its first place and its last value, as in a dict;
//   - an attribute exc_info (or stack_info) is not sent as it is: its
//     text, as the pattern formatter writes it after the line, becomes
//     the exc_text (or stack_info) field, which a Python receiver's
//     formatter prints after the message as it prints a traceback;
//   - any other attribute named like a field (name, msg, levelname, …,
//     and message and asctime, which Python's makeRecord refuses in
//     extra) does not overwrite it: it is sent under its name with "_"
//     appended (name_).
type pyRecord struct {
	logger     string
	threadName string
	prefix     string      // the open groups, "g1.g2."
	attrs      []slog.Attr // of WithAttrs: groups flattened, keys qualified, values resolved
}

func newPyRecord(threadName string) pyRecord {
	return pyRecord{logger: "root", threadName: threadName}
}

// withAttrs returns p with attrs added after its own, in the open groups.
func (p pyRecord) withAttrs(attrs []slog.Attr) pyRecord {
	p.attrs = slogattr.Flatten(p.attrs[:len(p.attrs):len(p.attrs)], p.prefix, attrs)
	return p
}

// withGroup returns p with group name open.
func (p pyRecord) withGroup(name string) pyRecord {
	p.prefix += name + "."
	return p
}

// The positions of the fields that pyRecord.build sets itself.
var pyArgs, pyExcText, pyStackInfo = func() (args, excText, stackInfo int) {
	r := slog.Record{}
	for i, a := range formatters.AppendLogRecord(nil, "", &r, "") {
		switch a.Key {
		case "args":
			args = i
		case "exc_text":
			excText = i
		case "stack_info":
			stackInfo = i
		}
	}
	return
}()

// pyFieldKeys are the keys of the fields, in their order, as the values
// og-rek pickles.
var pyFieldKeys = func() []any {
	r := slog.Record{}
	var keys []any
	for _, a := range formatters.AppendLogRecord(nil, "", &r, "") {
		keys = append(keys, a.Key)
	}
	return keys
}()

// pyReserved reports whether key is an attribute of Python's LogRecord
// that an attribute must not overwrite: the fields LogRecord.__init__
// sets, and message and asctime, which Formatter.format sets.
func pyReserved(key string) bool {
	switch key {
	case "name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module",
		"exc_info", "exc_text", "stack_info", "lineno", "funcName", "created", "msecs",
		"relativeCreated", "thread", "threadName", "processName", "process",
		"message", "asctime":
		return true
	}
	return false
}

// pyDict is the dict of one record, in order, with the scratch space of
// its building and encoding. Get one from pyDictPool.
type pyDict struct {
	kvs   []slog.Attr
	key   []byte
	text  []byte
	items []any  // the pickle's key, value, key, value…
	frame []byte // the encoded record
	exc   slog.Value
	stack slog.Value
	seen  bool // exc or stack was set
}

var pyDictPool = sync.Pool{New: func() any {
	return &pyDict{kvs: make([]slog.Attr, 0, 32), key: make([]byte, 0, 64), text: make([]byte, 0, 256)}
}}

func getPyDict() *pyDict { return pyDictPool.Get().(*pyDict) }

// put returns d to the pool, unless a record made it large.
func (d *pyDict) put() {
	clear(d.kvs)
	clear(d.items)
	d.kvs, d.items = d.kvs[:0], d.items[:0]
	d.exc, d.stack, d.seen = slog.Value{}, slog.Value{}, false
	if cap(d.kvs) <= 1024 && cap(d.text) <= 64<<10 && cap(d.frame) <= 64<<10 {
		pyDictPool.Put(d)
	}
}

// build fills d with the dict of r (see [pyRecord]), with args as the
// args field.
func (p *pyRecord) build(d *pyDict, r *slog.Record, args slog.Value) {
	d.kvs = formatters.AppendLogRecord(d.kvs[:0], p.logger, r, p.threadName)
	d.kvs[pyArgs].Value = args
	for _, a := range p.attrs {
		d.set(a.Key, a.Value)
	}
	if r.NumAttrs() > 0 {
		key := append(d.key[:0], p.prefix...)
		r.Attrs(func(a slog.Attr) bool {
			key = d.addAttr(key, a)
			return true
		})
		d.key = key[:0]
	}
	if !d.seen {
		return
	}
	// exc_text, then stack_info, share d.text: one string each.
	if text, ok := formatters.AppendExcText(d.text[:0], d.exc); ok {
		d.kvs[pyExcText].Value = slog.StringValue(string(text))
		d.text = text
	}
	if text, ok := formatters.AppendStackInfo(d.text[:0], d.stack, r.PC); ok {
		d.kvs[pyStackInfo].Value = slog.StringValue(string(text))
		d.text = text
	}
}

// addAttr adds a record attribute, its key qualified by the groups in
// key, and returns key's buffer for reuse.
func (d *pyDict) addAttr(key []byte, a slog.Attr) []byte {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		n := len(key)
		if a.Key != "" {
			key = append(append(key, a.Key...), '.')
		}
		for _, g := range v.Group() {
			key = d.addAttr(key, g)
		}
		return key[:n]
	}
	if a.Key == "" {
		return key
	}
	if len(key) == 0 {
		d.set(a.Key, v) // not qualified: no copy
		return key
	}
	n := len(key)
	key = append(key, a.Key...)
	d.set(string(key), v)
	return key[:n]
}

// set adds one attribute after the fields: exc_info and stack_info are
// kept for build, other field names get "_" appended, and a key set again
// keeps its place.
func (d *pyDict) set(key string, v slog.Value) {
	switch key {
	case "exc_info":
		d.exc, d.seen = v, true
		return
	case "stack_info":
		d.stack, d.seen = v, true
		return
	}
	if pyReserved(key) {
		key += "_"
	}
	for i := formatters.LogRecordLen; i < len(d.kvs); i++ {
		if d.kvs[i].Key == key {
			d.kvs[i].Value = v
			return
		}
	}
	d.kvs = append(d.kvs, slog.Attr{Key: key, Value: v})
}

// pickleConfig is how the dict is pickled: protocol 1, as CPython's
// SocketHandler.makePickle, with Go strings as Python 3 str.
var pickleConfig = &ogórek.EncoderConfig{Protocol: 1, StrictUnicode: true}

// errPickleLayout is returned if og-rek's output is not what
// appendPickle rewrites; it would be a change in og-rek.
var errPickleLayout = errors.New("pickle: unexpected encoder output")

// appendPickle appends CPython's SocketHandler.makePickle of d: a 4-byte
// big-endian length, then the dict pickled with protocol 1. Strings are
// pickled as str, integers as int, floats as float, booleans as bool and
// nil as None; any other value as the str() the pattern formatter renders
// for it. Invalid UTF-8, which a Python str cannot hold, becomes U+FFFD,
// one per invalid byte.
//
// og-rek pickles a Go map in Go's random order, and a Python dict has an
// order (the LogRecord's, then the attributes'). So the keys and values
// are pickled as one list, MARK key value … LIST, and its LIST opcode is
// replaced by DICT, which builds a dict of the same items in the same
// order: MARK … DICT is what og-rek writes for a map.
func (d *pyDict) appendPickle(b []byte) ([]byte, error) {
	items := d.items[:0]
	for i, kv := range d.kvs {
		var key any
		if i < len(pyFieldKeys) {
			key = pyFieldKeys[i] // boxed once
		} else {
			key = validUTF8(kv.Key)
		}
		items = append(items, key, d.pickleValue(kv.Value))
	}
	d.items = items
	start := len(b)
	w := &appendWriter{b: append(b, 0, 0, 0, 0)}
	if err := ogórek.NewEncoderWithConfig(w, pickleConfig).Encode(items); err != nil {
		return b, err
	}
	b = w.b
	const opList, opDict, opStop = 'l', 'd', '.'
	if len(b) < start+6 || b[len(b)-2] != opList || b[len(b)-1] != opStop {
		return b[:start], errPickleLayout
	}
	b[len(b)-2] = opDict
	n := len(b) - start - 4
	if uint64(n) > 1<<32-1 {
		return b[:start], errors.New("pickle: record larger than 4 GiB")
	}
	b[start], b[start+1], b[start+2], b[start+3] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
	return b, nil
}

// pickleValue returns the Go value og-rek pickles for v.
func (d *pyDict) pickleValue(v slog.Value) any {
	switch v.Kind() {
	case slog.KindString:
		return validUTF8(v.String())
	case slog.KindInt64:
		return v.Int64()
	case slog.KindUint64:
		return v.Uint64()
	case slog.KindFloat64:
		return v.Float64()
	case slog.KindBool:
		return v.Bool()
	case slog.KindAny:
		if v.Any() == nil {
			return nil
		}
	}
	d.text = pyformat.AppendStr(d.text[:0], v)
	return validUTF8(string(d.text))
}

// appendWriter is an io.Writer that appends to b.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// validUTF8 returns s with each byte that is not part of valid UTF-8
// replaced by U+FFFD, as a Go range loop and encoding/json read it. It
// returns s itself when s is valid.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	for _, r := range s {
		b = utf8.AppendRune(b, r)
	}
	return string(b)
}

// appendURLEncoded appends d as Python's urllib.parse.urlencode(d)
// writes it: key=value pairs joined by "&", each key and each value's
// str() escaped by quote_plus. The str() of a value is the one the
// pattern formatter renders (None, True, floats as repr).
func (d *pyDict) appendURLEncoded(b []byte) []byte {
	for i, kv := range d.kvs {
		if i > 0 {
			b = append(b, '&')
		}
		b = appendQuotePlus(b, kv.Key)
		b = append(b, '=')
		if kv.Value.Kind() == slog.KindString {
			b = appendQuotePlus(b, kv.Value.String())
			continue
		}
		d.text = pyformat.AppendStr(d.text[:0], kv.Value)
		b = appendQuotePlus(b, string(d.text))
	}
	return b
}

// appendQuotePlus appends Python's urllib.parse.quote_plus(s): letters,
// digits and "_.-~" as they are, a space as "+", every other byte of the
// UTF-8 encoding as %XX. A byte that is not valid UTF-8 is taken as
// U+FFFD, the character a Python str would hold in its place.
func appendQuotePlus(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '.', c == '-', c == '~':
			b = append(b, c)
		case c == ' ':
			b = append(b, '+')
		case c < utf8.RuneSelf:
			b = append(b, '%', hex[c>>4], hex[c&15])
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				b = append(b, "%EF%BF%BD"...)
				continue
			}
			for _, c := range []byte(s[i : i+n]) {
				b = append(b, '%', hex[c>>4], hex[c&15])
			}
			i += n - 1
		}
	}
	return b
}
