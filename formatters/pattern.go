package formatters

import (
	"cmp"
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
	// ThreadName is the value of %(threadName)s. Default
	// [DefaultThreadName].
	ThreadName string
}

// DefaultThreadName is the value of %(threadName)s unless an option says
// otherwise: "MainThread", what Python prints in a program that starts no
// thread. Goroutines have no names, and the configurations Go programs
// bring from Python expect it.
const DefaultThreadName = "MainThread"

// Pattern is Python's logging.Formatter: a format string over the record's
// attributes. Attributes the format does not name are appended after the
// message as key=value unless Extras is ExtrasIgnore.
type Pattern struct {
	segs       []pyformat.Segment
	kinds      []fieldKind // per segment
	plain      []bool      // per segment: a bare %(key)s, the value copied as it is
	named      map[string]bool
	namedList  []string // the keys of named, searched faster than the map when few
	dateFmt    string
	brace      bool // {}-style: a missing a.b reports a, as Python does
	utc        bool
	appendRest bool
	hasMessage bool
	usesName   bool // a field renders the logger name
	defaults   map[string]slog.Value
	threadName string
}

var _ Formatter = (*Pattern)(nil)

// defaultPattern is the formatter of a handler that names none: the bare
// message, attributes appended.
var defaultPattern, _ = NewPattern(nil)

// Default returns the formatter of a handler configured without one:
// Python's bare %(message)s, with the record's attributes appended.
func Default() Formatter { return defaultPattern }

// pythonFormat applies Python's Formatter rules to a format and style: "%"
// by default, the style's message field for an empty format, and, with
// validate, Python's check with its messages.
func pythonFormat(format, style string, validate bool) (string, string, error) {
	if style == "" {
		style = "%"
	}
	if err := pyformat.CheckStyle(style); err != nil {
		return "", "", err
	}
	if format == "" {
		format = pyformat.DefaultFormat(style)
	}
	if validate {
		if err := pyformat.Validate(format, style); err != nil {
			return "", "", err
		}
	}
	return format, style, nil
}

// NewPattern compiles a pattern formatter. Nil options mean the defaults.
// The error texts are Python's where Python defines them.
func NewPattern(opts *PatternOptions) (*Pattern, error) {
	if opts == nil {
		opts = &PatternOptions{}
	}
	format, style, err := pythonFormat(opts.Format, opts.Style, !opts.NoValidate)
	if err != nil {
		return nil, err
	}
	segs, err := pyformat.Parse(format, style)
	if err != nil {
		return nil, err
	}
	p := &Pattern{segs: segs, named: map[string]bool{}, dateFmt: opts.DateFmt, utc: opts.UTC, brace: style == "{",
		threadName: cmp.Or(opts.ThreadName, DefaultThreadName)}
	switch opts.Extras {
	case "", ExtrasAppend:
		p.appendRest = true
	case ExtrasIgnore:
	default:
		return nil, fmt.Errorf("extras must be %q or %q, got %q", ExtrasAppend, ExtrasIgnore, opts.Extras)
	}
	defer func() {
		if len(p.named) <= 8 {
			for k := range p.named {
				p.namedList = append(p.namedList, k)
			}
		}
	}()
	p.kinds = make([]fieldKind, len(segs))
	p.plain = make([]bool, len(segs))
	for i, s := range segs {
		if !s.IsField() {
			continue
		}
		p.kinds[i] = kindOf(s.Key)
		p.plain[i] = s.Conv == 's' && s.Width < 0 && s.Prec < 0 && s.Spec == nil
		switch p.kinds[i] {
		case kindAttr:
			// Only attributes the format shows are left out of the
			// extras: an attribute called name is not %(name)s.
			p.named[s.Key] = true
		case kindName:
			p.usesName = true
		}
		if s.Key == "message" {
			p.hasMessage = true
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
	return &PatternHandler{p: p, w: serialise(w), name: "root"}
}

// PatternHandler renders records with a [Pattern]. Each Handle makes one
// Write of one line ending in "\n", serialised with the Writes of the
// handlers derived from the same NewHandler call, so any io.Writer is safe
// for concurrent use. Writers whose Writes are atomic on their own (see
// [WritesAtomically]) are written without a lock.
//
// WithAttrs renders the attributes the format does not name once, when it
// is called, as slog's handlers do; Handle copies that text.
type PatternHandler struct {
	p      *Pattern
	w      io.Writer // behind the lock of serialise, shared by derived handlers
	name   string
	prefix string // group prefix, "g1.g2."
	// extras are the attributes of WithAttrs that the format does not
	// name, rendered as Handle appends a record's: " key=value"...
	extras []byte
	// attrs are the attributes of WithAttrs that Handle looks up: those
	// the format names, and exc_info and stack_info. Keys are qualified
	// by their groups (g.k).
	attrs []slog.Attr
}

var (
	_ slog.Handler = (*PatternHandler)(nil)
	_ LoggerNamer  = (*PatternHandler)(nil)
)

// Enabled reports true: levels are decided in front of the formatter.
func (h *PatternHandler) Enabled(context.Context, slog.Level) bool { return true }

// WithLoggerName returns a handler that renders name as %(name)s: h
// itself when the format has no name field, so that the handlers of
// several loggers can be one.
func (h *PatternHandler) WithLoggerName(name string) slog.Handler {
	if !h.p.usesName || name == h.name {
		return h
	}
	h2 := *h
	h2.name = name
	return &h2
}

// WithAttrs returns a handler whose records carry attrs too, after the
// handler's own and before the record's. The attributes the format does
// not name are rendered now, once; the handler keeps only those it names,
// and exc_info and stack_info.
func (h *PatternHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	bufs := bufPool.Get().(*buffers)
	var kb [64]byte
	key := append(kb[:0], h.prefix...)
	extras, kept := bufs.line[:0], h.attrs[:len(h.attrs):len(h.attrs)]
	for _, a := range attrs {
		extras, kept = h.withAttr(extras, kept, key, a)
	}
	var h2 *PatternHandler
	if len(extras) > 0 || len(kept) > len(h.attrs) {
		h2 = new(PatternHandler)
		*h2 = *h
		h2.attrs = kept
		if len(extras) > 0 {
			// One allocation, and never a write into h's extras.
			h2.extras = append(h.extras[:len(h.extras):len(h.extras)], extras...)
		}
	} else {
		h2 = h // nothing to render or keep
	}
	bufs.line = extras
	putBuffers(bufs)
	return h2
}

// withAttr renders a, its key qualified by the groups in key, into the
// extras, or keeps it when Handle looks it up.
func (h *PatternHandler) withAttr(extras []byte, kept []slog.Attr, key []byte, a slog.Attr) ([]byte, []slog.Attr) {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		if a.Key != "" {
			key = append(append(key, a.Key...), '.')
		}
		for _, g := range v.Group() {
			extras, kept = h.withAttr(extras, kept, key, g)
		}
		return extras, kept
	}
	if a.Key == "" {
		return extras, kept
	}
	key = append(key, a.Key...)
	if k := unsafeString(key); k != excInfoKey && k != stackInfoKey && !h.p.isNamed(k) {
		if h.p.appendRest {
			extras = appendKV(extras, k, v)
		}
		return extras, kept
	}
	stored := a.Key // not qualified: no copy
	if len(key) != len(a.Key) {
		stored = string(key)
	}
	return extras, append(kept, slog.Attr{Key: stored, Value: v})
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

// isNamed reports whether the format names key.
func (p *Pattern) isNamed(key string) bool {
	if p.namedList == nil && len(p.named) > 0 {
		return p.named[key]
	}
	for _, k := range p.namedList {
		if len(k) == len(key) && k == key {
			return true
		}
	}
	return false
}

// buffers are the pooled scratch space of one Handle call.
type buffers struct {
	line, field, time []byte
}

var bufPool = sync.Pool{New: func() any {
	return &buffers{line: make([]byte, 0, 1024), field: make([]byte, 0, 256), time: make([]byte, 0, 64)}
}}

var startTime = time.Now()

// putBuffers returns bufs to the pool unless a record made them large.
func putBuffers(bufs *buffers) {
	if cap(bufs.line)+cap(bufs.field) <= 64<<10 {
		bufPool.Put(bufs)
	}
}

// Handle formats r and writes it. A field the record lacks is an error
// (Python's "Formatting field not found in record"), and nothing is written.
func (h *PatternHandler) Handle(_ context.Context, r slog.Record) error {
	bufs := bufPool.Get().(*buffers)
	line, err := h.appendLine(bufs, &r)
	if err == nil {
		_, err = h.w.Write(line)
	}
	putBuffers(bufs)
	return err
}

// appendLine formats r, with its "\n", into bufs.line and returns it.
func (h *PatternHandler) appendLine(bufs *buffers, r *slog.Record) ([]byte, error) {
	b, scratch := bufs.line[:0], bufs.field[:0]
	st := fieldState{bufs: bufs}
	var sp specials
	extrasDone := false
	for i := range h.p.segs {
		s := &h.p.segs[i]
		kind := h.p.kinds[i]
		switch {
		case kind == kindLiteral:
			b = append(b, s.Literal...)
			continue
		case h.p.plain[i] && kind == kindMessage:
			b = append(b, r.Message...)
		case h.p.plain[i] && kind == kindName:
			b = append(b, h.name...)
		case h.p.plain[i] && kind == kindLevelName:
			b = append(b, levels.Name(r.Level)...)
		default:
			var v slog.Value
			ok := true
			if kind == kindAttr {
				v, ok = h.lookup(r, s.Key)
			} else {
				v = h.p.recordField(kind, h.name, r, &st)
			}
			if !ok {
				key := s.Key
				if i := strings.IndexByte(key, '.'); i >= 0 && h.p.brace {
					key = key[:i]
				}
				return nil, missingField(key)
			}
			var err error
			if b, scratch, err = pyformat.AppendField(b, scratch, s, v); err != nil {
				return nil, err
			}
		}
		if kind == kindMessage && !extrasDone {
			extrasDone = true
			b = h.appendExtras(b, r, &sp)
		}
	}
	if !extrasDone {
		b = h.appendExtras(b, r, &sp)
	}
	if sp.seen {
		b = appendSpecials(b, &sp, r.PC)
	}
	b = append(b, '\n')
	bufs.line, bufs.field = b, scratch
	return b, nil
}

// fieldState is the per-record state of recordField.
type fieldState struct {
	bufs    *buffers
	srcDone bool // frame is computed
	frame   runtime.Frame
}

// recordField returns the LogRecord attribute of kind, which is not
// kindAttr, for r logged by the logger called name.
func (p *Pattern) recordField(kind fieldKind, name string, r *slog.Record, st *fieldState) slog.Value {
	if kind == kindAsctime {
		st.bufs.time = p.appendTime(st.bufs.time[:0], r.Time)
		return slog.StringValue(unsafeString(st.bufs.time))
	}
	return logRecordField(kind, name, p.threadName, r, st)
}

// logRecordField returns the LogRecord attribute of kind, which is
// neither kindAttr nor kindAsctime, for r logged by the logger called
// name in the thread called threadName. The pattern formatter and
// [AppendLogRecord] compute every field with it.
func logRecordField(kind fieldKind, name, threadName string, r *slog.Record, st *fieldState) slog.Value {
	switch kind {
	case kindMessage:
		return slog.StringValue(r.Message)
	case kindName:
		return slog.StringValue(name)
	case kindLevelName:
		return slog.StringValue(levels.Name(r.Level))
	case kindLevelNo:
		return slog.IntValue(levels.PythonNumber(r.Level))
	case kindCreated:
		return slog.Float64Value(float64(r.Time.UnixNano()) / 1e9)
	case kindMsecs:
		return slog.Float64Value(float64(r.Time.Nanosecond() / 1e6))
	case kindRelativeCreated:
		return slog.Float64Value(float64(r.Time.Sub(startTime).Nanoseconds()) / 1e6)
	case kindProcess:
		return slog.IntValue(pid)
	case kindProcessName:
		return slog.StringValue("MainProcess")
	case kindThread:
		return slog.IntValue(0)
	case kindThreadName:
		return slog.StringValue(threadName)
	case kindPathname, kindFilename, kindModule, kindLineno, kindFuncName:
		if !st.srcDone {
			st.srcDone = true
			if r.PC != 0 {
				st.frame, _ = runtime.CallersFrames([]uintptr{r.PC}).Next()
			}
		}
		return sourceField(kind, &st.frame)
	}
	return slog.AnyValue(nil) // kindNone: Python's None
}

var pid = os.Getpid()

// missingField is Python's error for a field the record lacks.
func missingField(key string) error {
	var b [64]byte
	//lint:ignore ST1005 Python's exact text
	return fmt.Errorf("Formatting field not found in record: %s", pyformat.AppendRepr(b[:0], key))
}

// sourceField returns a source attribute of the frame; without a frame,
// Python's placeholders for an unknown caller.
func sourceField(kind fieldKind, f *runtime.Frame) slog.Value {
	if f.File == "" && kind != kindLineno {
		if kind == kindFuncName {
			return slog.StringValue("(unknown function)")
		}
		return slog.StringValue("(unknown file)")
	}
	switch kind {
	case kindPathname:
		return slog.StringValue(f.File)
	case kindFilename:
		return slog.StringValue(filepath.Base(f.File))
	case kindModule:
		return slog.StringValue(strings.TrimSuffix(filepath.Base(f.File), filepath.Ext(f.File)))
	case kindLineno:
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
	// Python's default, "%Y-%m-%d %H:%M:%S,mmm", without the
	// interpreter.
	y, mo, d := t.Date()
	h, mi, sec := t.Clock()
	b = appendInt(b, y, 4, '0')
	b = append(b, '-', byte('0'+mo/10), byte('0'+mo%10), '-', byte('0'+d/10), byte('0'+d%10), ' ',
		byte('0'+h/10), byte('0'+h%10), ':', byte('0'+mi/10), byte('0'+mi%10), ':', byte('0'+sec/10), byte('0'+sec%10), ',')
	ms := t.Nanosecond() / 1e6
	return append(b, byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
}

// lookup finds the attribute called key among the handler's and the
// record's attributes, groups flattened, then among the defaults.
func (h *PatternHandler) lookup(r *slog.Record, key string) (slog.Value, bool) {
	found, ok := lookupAttr(h.attrs, h.prefix, r, key)
	if !ok && h.p.defaults != nil {
		found, ok = h.p.defaults[key]
		found = found.Resolve()
	}
	return found, ok
}

// lookupAttr finds the attribute called key among attrs, whose keys are
// qualified, then among the record's attributes, in the groups of prefix.
func lookupAttr(attrs []slog.Attr, prefix string, r *slog.Record, key string) (slog.Value, bool) {
	for _, a := range attrs {
		if a.Key == key {
			return a.Value, true
		}
	}
	var found slog.Value
	ok := false
	if rest, match := strings.CutPrefix(key, prefix); match {
		r.Attrs(func(a slog.Attr) bool {
			found, ok = findAttr(a, rest)
			return !ok
		})
	}
	if !ok {
		return slog.Value{}, false
	}
	return found, true
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

// specials are the exc_info and stack_info attributes of a record, which
// are rendered after the line, as Python renders a record's exc_info and
// stack_info, and never as extras.
type specials struct {
	exc, stack slog.Value
	seen       bool // either was found
}

const (
	excInfoKey   = "exc_info"
	stackInfoKey = "stack_info"
)

// special records a in sp if it is exc_info or stack_info.
func (sp *specials) special(key string, v slog.Value) bool {
	switch key {
	case excInfoKey:
		sp.exc, sp.seen = v, true
		return true
	case stackInfoKey:
		sp.stack, sp.seen = v, true
		return true
	}
	return false
}

// appendExtras appends the attributes the format does not name, when the
// formatter appends them, and finds the specials: the handler's, rendered
// by WithAttrs, then the record's.
func (h *PatternHandler) appendExtras(b []byte, r *slog.Record, sp *specials) []byte {
	for _, a := range h.attrs {
		sp.special(a.Key, a.Value)
	}
	if len(h.extras) > 0 {
		b = append(b, h.extras...)
	}
	if r.NumAttrs() == 0 {
		return b
	}
	var kb [64]byte
	key := append(kb[:0], h.prefix...)
	r.Attrs(func(a slog.Attr) bool {
		b = h.appendExtra(b, key, a, sp)
		return true
	})
	return b
}

func (h *PatternHandler) appendExtra(b, key []byte, a slog.Attr, sp *specials) []byte {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		if a.Key != "" {
			key = append(append(key, a.Key...), '.')
		}
		for _, g := range v.Group() {
			b = h.appendExtra(b, key, g, sp)
		}
		return b
	}
	if a.Key == "" {
		return b
	}
	key = append(key, a.Key...)
	if sp.special(unsafeString(key), v) || !h.p.appendRest || h.p.isNamed(unsafeString(key)) {
		return b
	}
	return appendKV(b, unsafeString(key), v)
}

// appendSpecials appends "\n" and the text of exc_info, then "\n" and the
// text of stack_info (see [AppendExcText] and [AppendStackInfo]), as
// Python's Formatter.format appends exc_text and stack_info.
func appendSpecials(b []byte, sp *specials, pc uintptr) []byte {
	newline := func(b []byte) []byte {
		if len(b) == 0 || b[len(b)-1] != '\n' {
			b = append(b, '\n')
		}
		return b
	}
	if excShown(sp.exc) {
		b, _ = AppendExcText(newline(b), sp.exc)
	}
	if stackShown(sp.stack) {
		b, _ = AppendStackInfo(newline(b), sp.stack, pc)
	}
	return b
}

// excShown reports whether an exc_info attribute of value v is shown:
// every value but false and nil.
func excShown(v slog.Value) bool {
	switch {
	case v.Kind() == slog.KindBool && !v.Bool(), v.Kind() == slog.KindAny && v.Any() == nil:
		return false
	}
	return true
}

// stackShown reports whether a stack_info attribute of value v is shown:
// true, or a string that is not empty.
func stackShown(v slog.Value) bool {
	return v.Kind() == slog.KindBool && v.Bool() || v.Kind() == slog.KindString && v.String() != ""
}

// AppendExcText appends the text that the pattern formatter writes after
// the line for an exc_info attribute of value v, Python's exc_text: an
// error rendered with %+v (its stack, for errors that carry one), any
// other value as Python's str(), without trailing newlines. For false
// and nil, which the pattern formatter leaves out, it appends nothing and
// reports false.
func AppendExcText(b []byte, v slog.Value) ([]byte, bool) {
	if !excShown(v) {
		return b, false
	}
	start := len(b)
	if err, ok := v.Any().(error); ok && v.Kind() == slog.KindAny {
		b = pyformat.AppendPlusV(b, err)
	} else {
		b = pyformat.AppendStr(b, v)
	}
	for len(b) > start && b[len(b)-1] == '\n' {
		b = b[:len(b)-1]
	}
	return b, true
}

// AppendStackInfo appends the text that the pattern formatter writes
// after the line for a stack_info attribute of value v, Python's
// stack_info: for true, Python's "Stack (most recent call last):" and the
// frames of the calling goroutine from the outermost to the record's
// caller at pc (all of them when pc is not on this goroutine's stack); a
// string that is not empty as it is. For other values, which the pattern
// formatter leaves out, it appends nothing and reports false.
func AppendStackInfo(b []byte, v slog.Value, pc uintptr) ([]byte, bool) {
	switch {
	case v.Kind() == slog.KindBool && v.Bool():
		return appendStack(b, pc), true
	case v.Kind() == slog.KindString && v.String() != "":
		return append(b, v.String()...), true
	}
	return b, false
}

// appendStack appends Python's "Stack (most recent call last):" and the
// frames of the calling goroutine from the outermost to the one at pc (all
// of them when pc is not on this goroutine's stack), as traceback's
// '  File "path", line N, in func' lines.
func appendStack(b []byte, pc uintptr) []byte {
	var pcs [64]uintptr
	n := runtime.Callers(4, pcs[:]) // skips Callers, appendStack, AppendStackInfo and its caller
	frames := pcs[:n]
	for i, p := range frames {
		if p == pc {
			frames = frames[i:]
			break
		}
	}
	b = append(b, "Stack (most recent call last):"...)
	fs := runtime.CallersFrames(frames)
	var list []runtime.Frame
	for {
		f, more := fs.Next()
		list = append(list, f)
		if !more {
			break
		}
	}
	for i := len(list) - 1; i >= 0; i-- {
		f := list[i]
		b = fmt.Appendf(b, "\n  File %q, line %d, in %s", f.File, f.Line, f.Function)
	}
	return b
}

func appendKV(b []byte, key string, v slog.Value) []byte {
	b = append(b, ' ')
	b = append(b, key...)
	b = append(b, '=')
	start := len(b)
	b = pyformat.AppendStr(b, v)
	if needsQuote(b[start:]) {
		b = quoteTail(b, start)
	}
	return b
}

// quoteTail quotes b[start:] in place, as strconv.Quote would.
func quoteTail(b []byte, start int) []byte {
	plain := true
	for _, c := range b[start:] {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			plain = false
			break
		}
	}
	if plain { // printable ASCII: the quotes are all that changes
		b = append(b, 0, '"')
		copy(b[start+1:], b[start:len(b)-2])
		b[start] = '"'
		return b
	}
	// AppendQuote reads what it overwrites: quote a copy, on the stack
	// when it is short.
	var scratch [128]byte
	s := append(scratch[:0], b[start:]...)
	return strconv.AppendQuote(b[:start], unsafeString(s))
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
