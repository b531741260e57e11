// Package pyliteral reads the Python expressions of a fileConfig "args" or
// "kwargs" value without evaluating them. It accepts what a logging
// configuration needs and nothing that could run code:
//
//   - strings in single, double or triple quotes, with an r or u prefix,
//     with Python's escapes; adjacent strings are joined;
//   - integers (decimal, 0x, 0o, 0b, with underscores) and floats;
//   - True, False and None;
//   - tuples, lists and dicts (string keys);
//   - unary minus and plus on numbers;
//   - dotted names, looked up by a function the caller gives.
//
// Calls, subscripts, operators, attribute access on anything but a name,
// lambdas, comprehensions, f-strings and bytes are errors. Nesting is
// limited to [MaxDepth] and the input to [MaxLen] bytes.
package pyliteral

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of brackets and unary operators Parse
// accepts.
const MaxDepth = 64

// MaxLen is the longest input Parse accepts, in bytes.
const MaxLen = 1 << 20

// Error is the error of an input Parse refuses.
type Error struct {
	Offset int // byte offset in the input
	Msg    string
}

func (e *Error) Error() string { return fmt.Sprintf("%s (at offset %d)", e.Msg, e.Offset) }

// A Resolver returns the value of a dotted name such as "sys.stdout", and
// whether the name is known.
type Resolver func(name string) (any, bool)

// Parse reads one expression. Tuples and lists become []any, dicts
// map[string]any, integers int, floats float64, None nil; names become
// what resolve returns (nil resolve knows no name).
func Parse(src string, resolve Resolver) (any, error) {
	if len(src) > MaxLen {
		return nil, &Error{0, fmt.Sprintf("expression longer than %d bytes", MaxLen)}
	}
	if !utf8.ValidString(src) {
		return nil, &Error{0, "not valid UTF-8"}
	}
	p := &parser{src: src, resolve: resolve}
	p.next()
	v, err := p.exprList(true)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.unexpected()
	}
	return v, nil
}

type kind int

const (
	tEOF kind = iota
	tName
	tNumber
	tString
	tOp // punctuation and operators
	tBad
)

type token struct {
	kind kind
	text string // the source text; for tString the decoded value
	pos  int
	err  string // tBad: why
}

type parser struct {
	src     string
	pos     int
	depth   int // bracket depth: newlines are white space inside brackets
	nest    int // expression nesting, limited by MaxDepth
	tok     token
	started bool // a token was read
	resolve Resolver
}

func isIdentStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }
func isIdentPart(r rune) bool  { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// skipSpace skips blanks, and newlines inside brackets (and before the
// first token, as eval does).
func (p *parser) skipSpace() {
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\f':
			p.pos++
		case c == '\\' && strings.HasPrefix(p.src[p.pos:], "\\\n"):
			p.pos += 2
		case (c == '\n' || c == '\r') && (p.depth > 0 || !p.started):
			p.pos++
		case (c == '\n' || c == '\r') && p.onlySpace(p.src[p.pos:]):
			p.pos = len(p.src)
		default:
			return
		}
	}
}

// onlySpace reports whether s is blank: newlines before the first token
// and after the last are white space to eval, as inside brackets.
func (p *parser) onlySpace(s string) bool {
	return strings.Trim(s, " \t\f\r\n") == ""
}

func (p *parser) next() {
	p.skipSpace()
	p.started = true
	start := p.pos
	if p.pos >= len(p.src) {
		p.tok = token{kind: tEOF, pos: start}
		return
	}
	c := p.src[p.pos]
	r, size := utf8.DecodeRuneInString(p.src[p.pos:])
	switch {
	case c == '\'' || c == '"':
		p.tok = p.str(start, "")
	case c >= '0' && c <= '9', c == '.' && p.pos+1 < len(p.src) && p.src[p.pos+1] >= '0' && p.src[p.pos+1] <= '9':
		p.tok = p.number(start)
	case isIdentStart(r):
		end := p.pos + size
		for end < len(p.src) {
			r2, s2 := utf8.DecodeRuneInString(p.src[end:])
			if !isIdentPart(r2) {
				break
			}
			end += s2
		}
		word := p.src[p.pos:end]
		if end < len(p.src) && (p.src[end] == '\'' || p.src[end] == '"') {
			p.pos = end
			p.tok = p.str(start, word)
			return
		}
		p.pos = end
		p.tok = token{kind: tName, text: word, pos: start}
	default:
		for _, op := range []string{"**", "//", "==", "!=", "<=", ">=", "<<", ">>", "->", ":=", "..."} {
			if strings.HasPrefix(p.src[p.pos:], op) {
				p.pos += len(op)
				p.tok = token{kind: tOp, text: op, pos: start}
				return
			}
		}
		p.pos += size
		p.tok = token{kind: tOp, text: string(r), pos: start}
	}
}

// str reads a string literal whose prefix (possibly empty) was already
// read; p.pos is at the opening quote.
func (p *parser) str(start int, prefix string) token {
	raw := false
	switch strings.ToLower(prefix) {
	case "":
	case "r":
		raw = true
	case "u":
	case "b", "br", "rb":
		return p.bad(start, "bytes literals are not supported")
	case "f", "fr", "rf":
		return p.bad(start, "f-strings are not supported")
	default:
		return p.bad(start, fmt.Sprintf("unknown string prefix %q", prefix))
	}
	q := p.src[p.pos : p.pos+1]
	if strings.HasPrefix(p.src[p.pos:], q+q+q) {
		q = q + q + q
	}
	p.pos += len(q)
	var b strings.Builder
	for {
		if p.pos >= len(p.src) {
			return p.bad(start, "unterminated string")
		}
		if strings.HasPrefix(p.src[p.pos:], q) {
			p.pos += len(q)
			return token{kind: tString, text: b.String(), pos: start}
		}
		c := p.src[p.pos]
		if (c == '\n' || c == '\r') && len(q) == 1 {
			return p.bad(start, "unterminated string")
		}
		if c != '\\' {
			r, size := utf8.DecodeRuneInString(p.src[p.pos:])
			b.WriteRune(r)
			p.pos += size
			continue
		}
		if p.pos+1 >= len(p.src) {
			return p.bad(start, "unterminated string")
		}
		if raw {
			// A raw string keeps the backslash, and the character after it
			// cannot end the string.
			r, size := utf8.DecodeRuneInString(p.src[p.pos+1:])
			b.WriteByte('\\')
			b.WriteRune(r)
			p.pos += 1 + size
			continue
		}
		if msg := p.escape(&b); msg != "" {
			return p.bad(start, msg)
		}
	}
}

// escape decodes one backslash escape at p.pos into b.
func (p *parser) escape(b *strings.Builder) string {
	e := p.src[p.pos+1]
	p.pos += 2
	simple := map[byte]string{'\\': "\\", '\'': "'", '"': "\"", 'a': "\a", 'b': "\b", 'f': "\f", 'n': "\n", 'r': "\r", 't': "\t", 'v': "\v", '\n': ""}
	if s, ok := simple[e]; ok {
		b.WriteString(s)
		return ""
	}
	hex := func(n int) string {
		if p.pos+n > len(p.src) {
			return "truncated \\" + string(e) + " escape"
		}
		v, err := strconv.ParseUint(p.src[p.pos:p.pos+n], 16, 32)
		if err != nil {
			return "bad \\" + string(e) + " escape"
		}
		if e != 'x' && (v > unicode.MaxRune || (v >= 0xD800 && v <= 0xDFFF)) {
			return "\\" + string(e) + " escape out of range"
		}
		b.WriteRune(rune(v))
		p.pos += n
		return ""
	}
	switch {
	case e == 'x':
		return hex(2)
	case e == 'u':
		return hex(4)
	case e == 'U':
		return hex(8)
	case e == 'N':
		return "\\N{...} escapes are not supported"
	case e >= '0' && e <= '7':
		v := int(e - '0')
		for i := 0; i < 2 && p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '7'; i++ {
			v = v*8 + int(p.src[p.pos]-'0')
			p.pos++
		}
		b.WriteRune(rune(v))
		return ""
	case e == '\r':
		if p.pos < len(p.src) && p.src[p.pos] == '\n' {
			p.pos++
		}
		return ""
	}
	// Python keeps an unknown escape as it is.
	b.WriteByte('\\')
	p.pos-- // the character after the backslash is read as itself
	return ""
}

func (p *parser) bad(start int, msg string) token {
	return token{kind: tBad, pos: start, err: msg}
}

// number reads a numeric literal at p.pos.
func (p *parser) number(start int) token {
	end := p.pos
	s := p.src
	if strings.HasPrefix(strings.ToLower(s[end:]), "0x") || strings.HasPrefix(strings.ToLower(s[end:]), "0o") || strings.HasPrefix(strings.ToLower(s[end:]), "0b") {
		end += 2
		for end < len(s) && (isHex(s[end]) || s[end] == '_') {
			end++
		}
	} else {
		digits := func() {
			for end < len(s) && (s[end] >= '0' && s[end] <= '9' || s[end] == '_') {
				end++
			}
		}
		digits()
		if end < len(s) && s[end] == '.' {
			end++
			digits()
		}
		if end < len(s) && (s[end] == 'e' || s[end] == 'E') {
			j := end + 1
			if j < len(s) && (s[j] == '+' || s[j] == '-') {
				j++
			}
			if j < len(s) && s[j] >= '0' && s[j] <= '9' {
				end = j
				digits()
			}
		}
	}
	if end < len(s) {
		if r, _ := utf8.DecodeRuneInString(s[end:]); isIdentPart(r) {
			if r == 'j' || r == 'J' {
				return p.bad(start, "complex numbers are not supported")
			}
			return p.bad(start, fmt.Sprintf("invalid number %q", s[start:end+1]))
		}
	}
	p.pos = end
	return token{kind: tNumber, text: s[start:end], pos: start}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// numberValue converts a numeric literal as Python does.
func numberValue(text string) (any, string) {
	if strings.HasPrefix(text, "_") || strings.HasSuffix(text, "_") || strings.Contains(text, "__") {
		return nil, fmt.Sprintf("invalid number %q", text)
	}
	lower := strings.ToLower(text)
	if len(lower) > 1 && lower[0] == '0' && (lower[1] == 'x' || lower[1] == 'o' || lower[1] == 'b') {
		base := map[byte]int{'x': 16, 'o': 8, 'b': 2}[lower[1]]
		digits := strings.ReplaceAll(lower[2:], "_", "")
		if strings.HasPrefix(lower[2:], "__") || digits == "" {
			return nil, fmt.Sprintf("invalid number %q", text)
		}
		return intValue(digits, base, text)
	}
	clean := strings.ReplaceAll(text, "_", "")
	for i := 1; i < len(text); i++ {
		// An underscore must sit between two digits.
		if text[i] == '_' && !(isDigit(text[i-1]) && i+1 < len(text) && isDigit(text[i+1])) {
			return nil, fmt.Sprintf("invalid number %q", text)
		}
	}
	if strings.ContainsAny(clean, ".eE") {
		f, err := strconv.ParseFloat(clean, 64)
		if err != nil && !strings.Contains(err.Error(), "value out of range") {
			return nil, fmt.Sprintf("invalid number %q", text)
		}
		return f, "" // Python gives inf for an overlong float literal
	}
	if len(clean) > 1 && clean[0] == '0' && strings.Trim(clean, "0") != "" {
		return nil, fmt.Sprintf("leading zeros in decimal integer literals are not permitted: %q", text)
	}
	return intValue(clean, 10, text)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func intValue(digits string, base int, text string) (any, string) {
	n, ok := new(big.Int).SetString(digits, base)
	if !ok {
		return nil, fmt.Sprintf("invalid number %q", text)
	}
	if !n.IsInt64() || n.Int64() > math.MaxInt || n.Int64() < math.MinInt {
		return nil, fmt.Sprintf("integer %s is too large", text)
	}
	return int(n.Int64()), ""
}

func (p *parser) errAt(pos int, format string, args ...any) error {
	return &Error{Offset: pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) unexpected() error {
	t := p.tok
	switch t.kind {
	case tEOF:
		return p.errAt(t.pos, "unexpected end of expression")
	case tBad:
		return p.errAt(t.pos, "%s", t.err)
	case tOp:
		switch t.text {
		case "(":
			return p.errAt(t.pos, "unsupported expression: calls are not allowed")
		case "[":
			return p.errAt(t.pos, "unsupported expression: subscripts are not allowed")
		case ".":
			return p.errAt(t.pos, "unsupported expression: attribute access is allowed only on names")
		case "=", ":=":
			return p.errAt(t.pos, "unsupported expression: assignment")
		case "\n", "\r":
			return p.errAt(t.pos, "unexpected line break")
		}
		return p.errAt(t.pos, "unsupported expression: operator %q", t.text)
	case tName:
		return p.errAt(t.pos, "unsupported expression: unexpected name %q", t.text)
	}
	return p.errAt(t.pos, "unsupported expression: unexpected %q", p.src[t.pos:min(len(p.src), t.pos+10)])
}

func (p *parser) isOp(s string) bool { return p.tok.kind == tOp && p.tok.text == s }

// exprList reads an expression or, when tuples is set, a comma-separated
// list of them, which is a tuple (as "1, 2" is in Python).
func (p *parser) exprList(tuples bool) (any, error) {
	if p.tok.kind == tEOF && tuples {
		return nil, p.errAt(p.tok.pos, "empty expression")
	}
	first, err := p.expr()
	if err != nil {
		return nil, err
	}
	if !tuples || !p.isOp(",") {
		return first, nil
	}
	items := []any{first}
	for p.isOp(",") {
		p.next()
		if p.tok.kind == tEOF || p.isOp(")") {
			break
		}
		v, err := p.expr()
		if err != nil {
			return nil, err
		}
		items = append(items, v)
	}
	return items, nil
}

// expr reads one expression: a unary operator or a primary, and refuses
// what may follow it.
func (p *parser) expr() (any, error) {
	if p.nest++; p.nest > MaxDepth {
		return nil, p.errAt(p.tok.pos, "expression nested deeper than %d", MaxDepth)
	}
	defer func() { p.nest-- }()
	v, err := p.unary()
	if err != nil {
		return nil, err
	}
	// What may follow an expression: a separator or a closing bracket.
	switch {
	case p.tok.kind == tEOF, p.isOp(","), p.isOp(")"), p.isOp("]"), p.isOp("}"), p.isOp(":"):
		return v, nil
	}
	return nil, p.unexpected()
}

func (p *parser) unary() (any, error) {
	if p.isOp("-") || p.isOp("+") {
		neg, pos := p.isOp("-"), p.tok.pos
		if p.nest++; p.nest > MaxDepth {
			return nil, p.errAt(pos, "expression nested deeper than %d", MaxDepth)
		}
		defer func() { p.nest-- }()
		p.next()
		v, err := p.unary()
		if err != nil {
			return nil, err
		}
		switch n := v.(type) {
		case int:
			if neg {
				if n == math.MinInt {
					return nil, p.errAt(pos, "integer is too large")
				}
				return -n, nil
			}
			return n, nil
		case float64:
			if neg {
				return -n, nil
			}
			return n, nil
		}
		return nil, p.errAt(pos, "unsupported expression: unary %s on a %s", map[bool]string{true: "-", false: "+"}[neg], typeName(v))
	}
	return p.primary()
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "None"
	case bool:
		return "bool"
	case string:
		return "string"
	case []any:
		return "tuple or list"
	case map[string]any:
		return "dict"
	}
	return fmt.Sprintf("%T", v)
}

func (p *parser) primary() (any, error) {
	t := p.tok
	switch t.kind {
	case tString:
		var b strings.Builder
		for p.tok.kind == tString {
			b.WriteString(p.tok.text)
			p.next()
		}
		return b.String(), nil
	case tNumber:
		v, msg := numberValue(t.text)
		if msg != "" {
			return nil, p.errAt(t.pos, "%s", msg)
		}
		p.next()
		return v, nil
	case tName:
		return p.name()
	case tOp:
		switch t.text {
		case "(":
			return p.tuple()
		case "[":
			return p.list()
		case "{":
			return p.dict()
		}
	}
	return nil, p.unexpected()
}

var keywords = map[string]bool{
	"and": true, "as": true, "assert": true, "async": true, "await": true, "break": true,
	"class": true, "continue": true, "def": true, "del": true, "elif": true, "else": true,
	"except": true, "finally": true, "for": true, "from": true, "global": true, "if": true,
	"import": true, "in": true, "is": true, "lambda": true, "nonlocal": true, "not": true,
	"or": true, "pass": true, "raise": true, "return": true, "try": true, "while": true,
	"with": true, "yield": true,
}

func (p *parser) name() (any, error) {
	start := p.tok.pos
	switch p.tok.text {
	case "True":
		p.next()
		return true, nil
	case "False":
		p.next()
		return false, nil
	case "None":
		p.next()
		return nil, nil
	}
	if keywords[p.tok.text] {
		return nil, p.errAt(start, "unsupported expression: %q", p.tok.text)
	}
	parts := []string{p.tok.text}
	p.next()
	for p.isOp(".") {
		p.next()
		if p.tok.kind != tName || keywords[p.tok.text] {
			return nil, p.unexpected()
		}
		parts = append(parts, p.tok.text)
		p.next()
	}
	name := strings.Join(parts, ".")
	if p.isOp("(") {
		return nil, p.errAt(p.tok.pos, "unsupported expression: calls are not allowed (%s(...))", name)
	}
	if p.isOp("[") {
		return nil, p.errAt(p.tok.pos, "unsupported expression: subscripts are not allowed (%s[...])", name)
	}
	if p.resolve != nil {
		if v, ok := p.resolve(name); ok {
			return v, nil
		}
	}
	return nil, p.errAt(start, "unknown name %q: only the names a configuration may use (sys.stdout, sys.stderr, level names, handlers.* constants, registered values) are allowed", name)
}

func (p *parser) open() { p.depth++; p.next() }

func (p *parser) close() { p.depth--; p.next() }

func (p *parser) tuple() (any, error) {
	p.open()
	if p.isOp(")") {
		p.close()
		return []any{}, nil
	}
	first, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.isOp(")") {
		p.close()
		return first, nil // a parenthesised expression, not a tuple
	}
	items := []any{first}
	for p.isOp(",") {
		p.next()
		if p.isOp(")") {
			break
		}
		v, err := p.expr()
		if err != nil {
			return nil, err
		}
		items = append(items, v)
	}
	if !p.isOp(")") {
		return nil, p.unexpected()
	}
	p.close()
	return items, nil
}

func (p *parser) list() (any, error) {
	p.open()
	items := []any{}
	for !p.isOp("]") {
		v, err := p.expr()
		if err != nil {
			return nil, err
		}
		items = append(items, v)
		if !p.isOp(",") {
			break
		}
		p.next()
	}
	if !p.isOp("]") {
		return nil, p.unexpected()
	}
	p.close()
	return items, nil
}

func (p *parser) dict() (any, error) {
	p.open()
	out := map[string]any{}
	for !p.isOp("}") {
		kpos := p.tok.pos
		k, err := p.expr()
		if err != nil {
			return nil, err
		}
		key, ok := k.(string)
		if !ok {
			return nil, p.errAt(kpos, "dict keys must be strings, got a %s", typeName(k))
		}
		if !p.isOp(":") {
			if p.isOp(",") || p.isOp("}") {
				return nil, p.errAt(p.tok.pos, "unsupported expression: sets are not allowed")
			}
			return nil, p.unexpected()
		}
		p.next()
		v, err := p.expr()
		if err != nil {
			return nil, err
		}
		out[key] = v // a repeated key keeps the last value, as in Python
		if !p.isOp(",") {
			break
		}
		p.next()
	}
	if !p.isOp("}") {
		return nil, p.unexpected()
	}
	p.close()
	return out, nil
}
