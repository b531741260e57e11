//lint:file-ignore ST1005 the error texts are Python's, compared with CPython

package pyformat

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A Spec is a parsed {}-style replacement field: Python's !conversion and
// format mini-language.
type Spec struct {
	Conv     byte // 0, 'r', 's' or 'a'
	Empty    bool // no format spec: str() of the value
	Fill     rune // 0 when absent
	Align    byte // 0, '<', '>', '=' or '^'
	Sign     byte // 0, '+', '-' or ' '
	Alt      bool // '#'
	Zero     bool // '0' before the width
	Width    int  // -1 when absent
	Grouping byte // 0, ',' or '_'
	Prec     int  // -1 when absent
	Type     byte // 0 or the presentation type
}

// braceField is one replacement field found by scanBrace.
type braceField struct {
	name, spec string
	conv       rune // 0 when absent
}

// scanBrace walks a str.format string as Python's string.Formatter.parse
// does, calling lit for literal text and field for each replacement field,
// in order, and stops at the first error or when a callback fails.
func scanBrace(f string, lit func(string), field func(braceField) error) error {
	for f != "" {
		i := strings.IndexAny(f, "{}")
		if i < 0 {
			lit(f)
			return nil
		}
		if i > 0 {
			lit(f[:i])
		}
		c := f[i]
		f = f[i+1:]
		if c == '}' {
			if !strings.HasPrefix(f, "}") {
				return errors.New("Single '}' encountered in format string")
			}
			lit("}")
			f = f[1:]
			continue
		}
		if f == "" {
			return errors.New("Single '{' encountered in format string")
		}
		if f[0] == '{' {
			lit("{")
			f = f[1:]
			continue
		}
		var fd braceField
		// The field name runs to '!', ':' or '}'; '[' skips to ']'.
		j := 0
	name:
		for {
			if j >= len(f) {
				return errors.New("expected '}' before end of string")
			}
			switch f[j] {
			case '[':
				k := strings.IndexByte(f[j:], ']')
				if k < 0 {
					return errors.New("expected '}' before end of string")
				}
				j += k + 1
				continue
			case '{':
				return errors.New("unexpected '{' in field name")
			case '!', ':', '}':
				break name
			}
			j++
		}
		fd.name = f[:j]
		c, f = f[j], f[j+1:]
		if c == '!' {
			if f == "" {
				return errors.New("end of string while looking for conversion specifier")
			}
			r, n := utf8.DecodeRuneInString(f)
			fd.conv, f = r, f[n:]
			if f == "" {
				return errors.New("unmatched '{' in format spec")
			}
			c, f = f[0], f[1:]
			if c != ':' && c != '}' {
				return errors.New("expected ':' after conversion specifier")
			}
		}
		if c == ':' {
			depth, k := 1, 0
			for ; k < len(f); k++ {
				if f[k] == '{' {
					depth++
				} else if f[k] == '}' {
					if depth--; depth == 0 {
						break
					}
				}
			}
			if k == len(f) {
				return errors.New("unmatched '{' in format spec")
			}
			fd.spec, f = f[:k], f[k+1:]
		}
		if err := field(fd); err != nil {
			return err
		}
	}
	return nil
}

var (
	braceFieldName = regexp.MustCompile(`^([\p{Nd}]+|[\p{L}\p{N}_]+)(\.[\p{L}\p{N}_]+|\[[^\]]+\])*$`)
	braceSpecOK    = regexp.MustCompile(`(?i)^(.?[<>=^])?[+ -]?#?0?([\p{Nd}]+|\{[\p{L}\p{N}_]+\})?[,_]?(\.([\p{Nd}]+|\{[\p{L}\p{N}_]+\}))?[bcdefgnosx%]?$`)
)

// validateBrace is StrFormatStyle.validate.
func validateBrace(format string) error {
	fields := 0
	err := scanBrace(format, func(string) {}, func(fd braceField) error {
		if fd.name != "" {
			if !braceFieldName.MatchString(fd.name) {
				return fmt.Errorf("invalid field name/expression: %s", AppendRepr(nil, fd.name))
			}
			fields++
		}
		if fd.conv != 0 && fd.conv != 'r' && fd.conv != 's' && fd.conv != 'a' {
			return fmt.Errorf("invalid conversion: %s", AppendRepr(nil, string(fd.conv)))
		}
		if fd.spec != "" && !braceSpecOK.MatchString(fd.spec) {
			return fmt.Errorf("bad specifier: %s", AppendRepr(nil, fd.spec))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("invalid format: %w", err)
	}
	if fields == 0 {
		return errors.New("invalid format: no fields")
	}
	return nil
}

// parseBrace compiles a {}-style format. The field name a.b[c] is the
// flattened attribute key "a.b.c".
func parseBrace(format string) ([]Segment, error) {
	var segs []Segment
	err := scanBrace(format, func(s string) { segs = appendLit(segs, s) }, func(fd braceField) error {
		root, key, err := flattenName(fd.name)
		if err != nil {
			return err
		}
		if root == "" || root[0] >= '0' && root[0] <= '9' {
			return fmt.Errorf("Replacement index %s out of range for positional args tuple", orZero(root))
		}
		if fd.conv == 0 && fd.spec == "" {
			segs = append(segs, Segment{Key: key, Width: -1, Prec: -1, Conv: 's'})
			return nil
		}
		sp, err := parseSpec(fd.spec)
		if err != nil {
			return err
		}
		switch fd.conv {
		case 0, 'r', 's', 'a':
			sp.Conv = byte(fd.conv)
		default:
			return fmt.Errorf("Unknown conversion specifier %s", string(fd.conv))
		}
		segs = append(segs, Segment{Key: key, Width: -1, Prec: -1, Conv: 's', Spec: sp})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("invalid format: %w", err)
	}
	return segs, nil
}

// flattenName splits a field name as Python's formatter_field_name_split
// does and returns its first part and the flattened attribute key: a.b[c]
// is "a.b.c".
func flattenName(name string) (root, key string, err error) {
	i := strings.IndexAny(name, ".[")
	if i < 0 {
		return name, name, nil
	}
	root, rest := name[:i], name[i:]
	var b strings.Builder
	b.WriteString(root)
	for rest != "" {
		var part string
		if rest[0] == '.' {
			j := strings.IndexAny(rest[1:], ".[")
			if j < 0 {
				j = len(rest) - 1
			}
			part, rest = rest[1:1+j], rest[1+j:]
			if part == "" {
				return "", "", errors.New("Empty attribute in format string")
			}
		} else {
			j := strings.IndexByte(rest, ']')
			if j < 0 {
				return "", "", errors.New("Missing ']' in format string")
			}
			part, rest = rest[1:j], rest[j+1:]
			if part == "" {
				return "", "", errors.New("Empty attribute in format string")
			}
			if rest != "" && rest[0] != '.' && rest[0] != '[' {
				return "", "", errors.New("Only '.' or '[' may follow ']' in format field specifier")
			}
		}
		b.WriteByte('.')
		b.WriteString(part)
	}
	return root, b.String(), nil
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

// parseSpec parses a format mini-language spec as Python's
// parse_internal_render_format_spec does.
func parseSpec(spec string) (*Spec, error) {
	sp := &Spec{Width: -1, Prec: -1, Empty: spec == ""}
	if strings.IndexByte(spec, '{') >= 0 {
		return nil, fmt.Errorf("nested replacement fields in a format spec are not supported: %s", AppendRepr(nil, spec))
	}
	s := spec
	isAlign := func(c byte) bool { return c == '<' || c == '>' || c == '=' || c == '^' }
	if r, n := utf8.DecodeRuneInString(s); n > 0 && n < len(s) && isAlign(s[n]) {
		sp.Fill, sp.Align, s = r, s[n], s[n+1:]
	} else if s != "" && isAlign(s[0]) {
		sp.Align, s = s[0], s[1:]
	}
	if s != "" && (s[0] == '+' || s[0] == '-' || s[0] == ' ') {
		sp.Sign, s = s[0], s[1:]
	}
	if strings.HasPrefix(s, "#") {
		sp.Alt, s = true, s[1:]
	}
	if sp.Fill == 0 && strings.HasPrefix(s, "0") {
		sp.Zero, s = true, s[1:]
	}
	sp.Width, s = number(s)
	if s != "" && (s[0] == ',' || s[0] == '_') {
		sp.Grouping, s = s[0], s[1:]
		if s != "" && (s[0] == ',' || s[0] == '_') {
			return nil, errors.New("Cannot specify both ',' and '_'.")
		}
	}
	if strings.HasPrefix(s, ".") {
		sp.Prec, s = number(s[1:])
		if sp.Prec < 0 {
			return nil, errors.New("Format specifier missing precision")
		}
	}
	if len(s) > 1 {
		return nil, errors.New("Invalid format specifier")
	}
	if s != "" {
		sp.Type = s[0]
	}
	return sp, nil
}

// appendBrace appends v formatted as Python's format(v, spec) after the
// field's !conversion.
func appendBrace(b, scratch []byte, sp *Spec, v slog.Value) ([]byte, []byte, error) {
	s := scratch[:0]
	switch sp.Conv {
	case 'r', 'a':
		s = appendReprValue(s, v, sp.Conv == 'a')
		v = slog.StringValue(unsafeString(s))
		s = s[len(s):]
	case 's':
		if v.Kind() != slog.KindString {
			s = AppendStr(s, v)
			v = slog.StringValue(unsafeString(s))
			s = s[len(s):]
		}
	}
	if sp.Empty {
		return AppendStr(b, v), s, nil
	}
	var err error
	switch v.Kind() {
	case slog.KindString:
		b, err = formatString(b, v.String(), sp)
	case slog.KindInt64, slog.KindUint64, slog.KindBool:
		b, s, err = formatInt(b, s, v, sp)
	case slog.KindFloat64:
		b, s, err = formatFloat(b, s, v.Float64(), sp)
	case slog.KindAny:
		if v.Any() == nil {
			return b, s, errors.New("unsupported format string passed to NoneType.__format__")
		}
		fallthrough
	default:
		start := len(s)
		s = AppendStr(s, v)
		b, err = formatString(b, unsafeString(s[start:]), sp)
	}
	return b, s, err
}

func typeError(t byte, typ string) error {
	return fmt.Errorf("Unknown format code '%c' for object of type '%s'", t, typ)
}

// checkGrouping applies Python's rule, checked when the spec is parsed
// with the type's default: ',' goes with d e f g E G F % and no type, '_'
// with those and b o x X.
func checkGrouping(sp *Spec, t byte) error {
	if sp.Grouping == 0 {
		return nil
	}
	switch t {
	case 'd', 'e', 'f', 'g', 'E', 'G', '%', 'F', 0:
		return nil
	case 'b', 'o', 'x', 'X':
		if sp.Grouping == '_' {
			return nil
		}
	}
	return fmt.Errorf("Cannot specify '%c' with '%c'.", sp.Grouping, t)
}

func formatString(b []byte, s string, sp *Spec) ([]byte, error) {
	t := sp.Type
	if t == 0 {
		t = 's'
	}
	if err := checkGrouping(sp, t); err != nil {
		return b, err
	}
	if t != 's' {
		return b, typeError(t, "str")
	}
	switch sp.Sign {
	case ' ':
		return b, errors.New("Space not allowed in string format specifier")
	case '+', '-':
		return b, errors.New("Sign not allowed in string format specifier")
	}
	if sp.Alt {
		return b, errors.New("Alternate form (#) not allowed in string format specifier")
	}
	if sp.Align == '=' {
		return b, errors.New("'=' alignment not allowed in string format specifier")
	}
	if sp.Prec >= 0 {
		i, n := 0, 0
		for i < len(s) && n < sp.Prec {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			n++
		}
		s = s[:i]
	}
	return alignPad(b, "", s, "", sp, '<'), nil
}

// fillAlign returns the fill and alignment of sp with the type's default
// alignment and the '0' flag.
func fillAlign(sp *Spec, def byte) (rune, byte) {
	fill, align := sp.Fill, sp.Align
	if fill == 0 {
		fill = ' '
		if sp.Zero {
			fill = '0'
			if align == 0 && def == '>' {
				align = '='
			}
		}
	}
	if align == 0 {
		align = def
	}
	return fill, align
}

// alignPad appends sign+prefix+body padded to the spec's width.
func alignPad(b []byte, head, body, tail string, sp *Spec, def byte) []byte {
	fill, align := fillAlign(sp, def)
	n := utf8.RuneCountInString(head) + utf8.RuneCountInString(body) + utf8.RuneCountInString(tail)
	padN := sp.Width - n
	if padN <= 0 {
		return append(append(append(b, head...), body...), tail...)
	}
	left, right := 0, 0
	switch align {
	case '<':
		right = padN
	case '^':
		left = padN / 2
		right = padN - left
	case '=':
		b = append(b, head...)
		head = ""
		left = padN
	default:
		left = padN
	}
	for ; left > 0; left-- {
		b = utf8.AppendRune(b, fill)
	}
	b = append(append(append(b, head...), body...), tail...)
	for ; right > 0; right-- {
		b = utf8.AppendRune(b, fill)
	}
	return b
}

func signOf(neg bool, sign byte) string {
	switch {
	case neg:
		return "-"
	case sign == '+':
		return "+"
	case sign == ' ':
		return " "
	}
	return ""
}

// group inserts sep every n digits from the right of the digits in d, and
// with zero padding widens d with zeros up to width runes.
func group(dst []byte, d []byte, sep byte, n, width int) []byte {
	if sep == 0 {
		for k := len(d); k < width; k++ {
			dst = append(dst, '0')
		}
		return append(dst, d...)
	}
	digits := len(d)
	grouped := func(k int) int { return k + (k-1)/n }
	total := digits
	for grouped(total) < width {
		total++
	}
	for i := 0; i < total; i++ {
		if i > 0 && (total-i)%n == 0 {
			dst = append(dst, sep)
		}
		if i < total-digits {
			dst = append(dst, '0')
		} else {
			dst = append(dst, d[i-(total-digits)])
		}
	}
	return dst
}

func formatInt(b, s []byte, v slog.Value, sp *Spec) ([]byte, []byte, error) {
	t := sp.Type
	if t == 0 {
		t = 'd'
	}
	if err := checkGrouping(sp, t); err != nil {
		return b, s, err
	}
	switch t {
	case 'e', 'E', 'f', 'F', 'g', 'G', '%':
		var f float64
		switch v.Kind() {
		case slog.KindUint64:
			f = float64(v.Uint64())
		case slog.KindBool:
			if v.Bool() {
				f = 1
			}
		default:
			f = float64(v.Int64())
		}
		return formatFloat(b, s, f, sp)
	case 'd', 'n', 'b', 'o', 'x', 'X', 'c':
	default:
		name := "int"
		if v.Kind() == slog.KindBool {
			name = "bool"
		}
		return b, s, typeError(t, name)
	}
	if sp.Prec >= 0 {
		return b, s, errors.New("Precision not allowed in integer format specifier")
	}
	n, neg, _ := intOf(v)
	if t == 'c' {
		if sp.Sign != 0 {
			return b, s, errors.New("Sign not allowed with integer format specifier 'c'")
		}
		if sp.Alt {
			return b, s, errors.New("Alternate form (#) not allowed with integer format specifier 'c'")
		}
		if neg || n > 0x10ffff {
			return b, s, errors.New("%c arg not in range(0x110000)")
		}
		start := len(s)
		s = utf8.AppendRune(s, rune(n))
		return alignPad(b, "", unsafeString(s[start:]), "", sp, '>'), s, nil
	}
	base, every, prefix := 10, 3, ""
	switch t {
	case 'b':
		base, every, prefix = 2, 4, "0b"
	case 'o':
		base, every, prefix = 8, 4, "0o"
	case 'x':
		base, every, prefix = 16, 4, "0x"
	case 'X':
		base, every, prefix = 16, 4, "0X"
	}
	head := signOf(neg, sp.Sign)
	if sp.Alt {
		head += prefix
	}
	start := len(s)
	s = strconv.AppendUint(s, n, base)
	if t == 'X' {
		for i := start; i < len(s); i++ {
			if s[i] >= 'a' {
				s[i] -= 'a' - 'A'
			}
		}
	}
	return appendNumber(b, s, s[start:], head, "", sp, every)
}

// appendNumber pads and groups digits behind head, followed by tail; s is
// scratch space.
func appendNumber(b, s, digits []byte, head, tail string, sp *Spec, every int) ([]byte, []byte, error) {
	fill, align := fillAlign(sp, '>')
	width := 0
	if fill == '0' && align == '=' {
		width = sp.Width - utf8.RuneCountInString(head) - utf8.RuneCountInString(tail)
	}
	sep := sp.Grouping
	if len(digits) == 0 {
		sep = 0 // inf and nan: zero padding without separators
	}
	mid := len(s)
	s = group(s, digits, sep, every, width)
	body := unsafeString(s[mid:])
	return alignPad(b, head, body, tail, sp, '>'), s, nil
}

func formatFloat(b, s []byte, f float64, sp *Spec) ([]byte, []byte, error) {
	t := sp.Type
	if err := checkGrouping(sp, t); err != nil {
		return b, s, err
	}
	switch t {
	case 0, 'e', 'E', 'f', 'F', 'g', 'G', 'n', '%':
	default:
		return b, s, typeError(t, "float")
	}
	neg := math.Signbit(f) && !math.IsNaN(f)
	f = math.Abs(f)
	pct := false
	switch t {
	case 'n':
		t = 'g'
	case '%':
		t, f, pct = 'f', f*100, true
	}
	start := len(s)
	switch {
	case t == 0 && sp.Prec < 0:
		s = AppendFloatRepr(s, f)
		if sp.Alt && !math.IsInf(f, 0) && !math.IsNaN(f) {
			s = addPoint(s, start)
		}
	case t == 0:
		s = appendNoType(s, f, sp.Prec, sp.Alt)
	default:
		s = appendFloat(s, f, t, sp.Prec, sp.Alt)
	}
	if pct {
		s = append(s, '%')
	}
	// Only the integer digits are grouped and zero padded.
	num := s[start:]
	end := len(num)
	for i, c := range num {
		if c < '0' || c > '9' {
			end = i
			break
		}
	}
	return appendNumber(b, s, num[:end], signOf(neg, sp.Sign), unsafeString(num[end:]), sp, 3)
}

// appendNoType formats the non-negative f for a spec with a precision and
// no type: 'g', except that the exponent form is used from exponent
// prec-1 and an integral fixed result gets ".0", as Python's
// Py_DTSF_ADD_DOT_0 does.
func appendNoType(s []byte, f float64, prec int, alt bool) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return appendFloat(s, f, 'g', prec, alt)
	}
	if prec == 0 {
		prec = 1
	}
	start := len(s)
	s = strconv.AppendFloat(s, f, 'e', prec-1, 64)
	i := start + strings.LastIndexByte(unsafeString(s[start:]), 'e')
	x, _ := strconv.Atoi(unsafeString(s[i+1:]))
	if x >= -4 && x < prec-1 {
		s = appendFloat(s[:start], f, 'g', prec, alt)
		if !strings.ContainsAny(unsafeString(s[start:]), ".e") {
			s = append(s, ".0"...)
		}
		return s
	}
	mant := unsafeString(s[start:i])
	if alt {
		return addPoint(s, start)
	}
	if strings.IndexByte(mant, '.') < 0 {
		return s
	}
	// Strip the mantissa's trailing zeros, and its point if bare.
	j := i
	for s[j-1] == '0' {
		j--
	}
	if s[j-1] == '.' {
		j--
	}
	n := copy(s[j:], s[i:])
	return s[:j+n]
}
