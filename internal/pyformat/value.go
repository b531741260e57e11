package pyformat

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// AppendFloatRepr appends Python's repr of f: the shortest digits that round
// trip, in fixed notation for exponents in [-4, 16) and with ".0" for
// integral values.
func AppendFloatRepr(b []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	case math.IsNaN(f):
		return append(b, "nan"...)
	}
	// The shortest digits, from the 'e' form "-d.ddde±XX", rearranged.
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64)
	i := bytes.IndexByte(e, 'e')
	exp := 0
	for _, c := range e[i+2:] {
		exp = exp*10 + int(c-'0')
	}
	if e[i+1] == '-' {
		exp = -exp
	}
	if exp < -4 || exp >= 16 {
		return append(b, e...)
	}
	mant := e[:i]
	if mant[0] == '-' {
		b = append(b, '-')
		mant = mant[1:]
	}
	var digs [20]byte
	d := append(digs[:0], mant[0])
	if len(mant) > 2 {
		d = append(d, mant[2:]...)
	}
	if exp < 0 {
		b = append(b, '0', '.')
		for k := -1; k > exp; k-- {
			b = append(b, '0')
		}
		return append(b, d...)
	}
	if len(d) <= exp+1 {
		b = append(b, d...)
		for k := len(d); k <= exp; k++ {
			b = append(b, '0')
		}
		return append(b, '.', '0')
	}
	b = append(b, d[:exp+1]...)
	b = append(b, '.')
	return append(b, d[exp+1:]...)
}

// AppendRepr appends Python's repr of a string: single quotes unless the
// string holds a single quote and no double quote; non-printable characters
// escaped as \xNN, \uNNNN or \UNNNNNNNN.
func AppendRepr(b []byte, s string) []byte { return appendQuoted(b, s, false) }

// AppendASCII appends Python's ascii() of a string: its repr with every
// non-ASCII character escaped.
func AppendASCII(b []byte, s string) []byte { return appendQuoted(b, s, true) }

const hexDigits = "0123456789abcdef"

func appendHexEscape(b []byte, r rune) []byte {
	switch {
	case r < 0x100:
		return append(b, '\\', 'x', hexDigits[r>>4], hexDigits[r&15])
	case r < 0x10000:
		b = append(b, '\\', 'u')
		for sh := 12; sh >= 0; sh -= 4 {
			b = append(b, hexDigits[(r>>sh)&15])
		}
		return b
	}
	b = append(b, '\\', 'U')
	for sh := 28; sh >= 0; sh -= 4 {
		b = append(b, hexDigits[(r>>sh)&15])
	}
	return b
}

func appendQuoted(b []byte, s string, ascii bool) []byte {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	b = append(b, q)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == rune(q) || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\r':
			b = append(b, `\r`...)
		case r == '\t':
			b = append(b, `\t`...)
		case r == utf8.RuneError && n == 1:
			b = appendHexEscape(b, rune(s[i]))
		case r < 0x7f && r >= 0x20:
			b = append(b, byte(r))
		case ascii || !unicode.IsPrint(r):
			b = appendHexEscape(b, r)
		default:
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, q)
}

// AppendStr appends Python's str() of a slog value: for a Go value, its
// Error, String or Format method, or fmt's %v, under [Guard], so that a
// method that panics is rendered as slog renders it.
func AppendStr(b []byte, v slog.Value) []byte {
	switch v.Kind() {
	case slog.KindString:
		return append(b, v.String()...)
	case slog.KindInt64:
		return strconv.AppendInt(b, v.Int64(), 10)
	case slog.KindUint64:
		return strconv.AppendUint(b, v.Uint64(), 10)
	case slog.KindFloat64:
		return AppendFloatRepr(b, v.Float64())
	case slog.KindBool:
		if v.Bool() {
			return append(b, "True"...)
		}
		return append(b, "False"...)
	case slog.KindTime:
		return AppendDatetime(b, v.Time(), ' ')
	case slog.KindAny:
		a := v.Any()
		if a == nil {
			return append(b, "None"...)
		}
		return Guard(b, a, appendGoStr, appendRaw)
	}
	return append(b, v.String()...)
}

// AppendDatetime appends t as Python renders an aware datetime, with sep
// between the date and the time: ' ' for str(), 'T' for isoformat().
// Microseconds, which are all Python keeps, follow the seconds when they
// are not zero, then the zone's offset: "2006-01-02 15:04:05.000006+00:00".
func AppendDatetime(b []byte, t time.Time, sep byte) []byte {
	b = t.AppendFormat(b, "2006-01-02")
	b = append(b, sep)
	if t.Nanosecond() >= 1000 {
		return t.AppendFormat(b, "15:04:05.000000-07:00")
	}
	return t.AppendFormat(b, "15:04:05-07:00")
}

// pad appends s to b, padded to width: spaces on the left, or on the right
// with left set, or zeros after the first head bytes (sign and base
// prefix) with zero set.
func pad(b, s []byte, width int, left, zero bool, head int) []byte {
	if width <= len(s) {
		// No rune count needed: s has at least as many bytes as runes.
		if width <= 0 || width <= utf8.RuneCount(s) {
			return append(b, s...)
		}
	}
	n := utf8.RuneCount(s)
	if width <= n {
		return append(b, s...)
	}
	fill := width - n
	switch {
	case left:
		b = append(b, s...)
		for ; fill > 0; fill-- {
			b = append(b, ' ')
		}
		return b
	case zero:
		b = append(b, s[:head]...)
		for ; fill > 0; fill-- {
			b = append(b, '0')
		}
		return append(b, s[head:]...)
	}
	for ; fill > 0; fill-- {
		b = append(b, ' ')
	}
	return append(b, s...)
}

// Flag bits of a %-style field.
const (
	flagAlt = 1 << iota
	flagZero
	flagLeft
	flagSpace
	flagPlus
)

func flagBits(flags string) int {
	f := 0
	for i := 0; i < len(flags); i++ {
		switch flags[i] {
		case '#':
			f |= flagAlt
		case '0':
			f |= flagZero
		case '-':
			f |= flagLeft
		case ' ':
			f |= flagSpace
		case '+':
			f |= flagPlus
		}
	}
	return f
}

// appendReprValue appends Python's repr (or, with ascii, ascii()) of a slog
// value: strings quoted, other values as str() gives them.
func appendReprValue(b []byte, v slog.Value, ascii bool) []byte {
	if v.Kind() == slog.KindString {
		return appendQuoted(b, v.String(), ascii)
	}
	start := len(b)
	b = AppendStr(b, v)
	if !ascii {
		return b
	}
	for _, c := range b[start:] {
		if c >= 0x80 {
			s := string(b[start:])
			b = b[:start]
			for _, r := range s {
				if r < 0x80 {
					b = append(b, byte(r))
				} else {
					b = appendHexEscape(b, r)
				}
			}
			return b
		}
	}
	return b
}

// AppendField appends v converted by seg's conversion, flags, width and
// precision, as Python's % operator does. scratch is reused to avoid
// allocation and returned for the next call. The errors are Python's
// TypeError, ValueError and OverflowError texts.
func AppendField(b, scratch []byte, seg *Segment, v slog.Value) ([]byte, []byte, error) {
	if seg.Spec != nil {
		return appendBrace(b, scratch, seg.Spec, v)
	}
	if seg.Conv == 's' && seg.Prec < 0 && v.Kind() == slog.KindString {
		// The common %(name)s and %(levelname)-8s, without a copy.
		str := v.String()
		if seg.Width <= 0 {
			return append(b, str...), scratch, nil
		}
		fill := seg.Width - utf8.RuneCountInString(str)
		left := strings.IndexByte(seg.Flags, '-') >= 0
		if left {
			b = append(b, str...)
		}
		for ; fill > 0; fill-- {
			b = append(b, ' ')
		}
		if !left {
			b = append(b, str...)
		}
		return b, scratch, nil
	}
	s := scratch[:0]
	flags := flagBits(seg.Flags)
	left := flags&flagLeft != 0
	zero := false
	head := 0
	switch seg.Conv {
	case 's':
		s = AppendStr(s, v)
		if seg.Prec >= 0 {
			s = truncRunes(s, seg.Prec)
		}
	case 'r', 'a':
		s = appendReprValue(s, v, seg.Conv == 'a')
		if seg.Prec >= 0 {
			s = truncRunes(s, seg.Prec)
		}
	case 'c':
		switch v.Kind() {
		case slog.KindInt64, slog.KindUint64, slog.KindBool:
			n, neg, _ := intOf(v)
			if neg || n >= 0x110000 {
				return b, s, errors.New("%c arg not in range(0x110000)")
			}
			s = utf8.AppendRune(s, rune(n))
		case slog.KindString:
			if utf8.RuneCountInString(v.String()) != 1 {
				return b, s, errors.New("%c requires int or char")
			}
			s = append(s, v.String()...)
		default:
			return b, s, errors.New("%c requires int or char")
		}
	case 'd', 'i', 'u':
		zero = !left && flags&flagZero != 0
		var neg bool
		switch v.Kind() {
		case slog.KindInt64, slog.KindUint64, slog.KindBool:
			var n uint64
			n, neg, _ = intOf(v)
			s = appendSign(s, neg, flags)
			head = len(s)
			s = appendDigits(s, n, 10, false, seg.Prec)
		case slog.KindFloat64:
			f := v.Float64()
			switch {
			case math.IsNaN(f):
				return b, s, errors.New("cannot convert float NaN to integer")
			case math.IsInf(f, 0):
				return b, s, errors.New("cannot convert float infinity to integer")
			}
			f = math.Trunc(f)
			neg = f < 0
			s = appendSign(s, neg, flags)
			head = len(s)
			start := len(s)
			s = strconv.AppendFloat(s, math.Abs(f), 'f', 0, 64)
			s = zeroExtend(s, start, seg.Prec)
		default:
			return b, s, fmt.Errorf("%%%c format: a real number is required, not %s", seg.Conv, pyType(v))
		}
	case 'x', 'X', 'o':
		zero = !left && flags&flagZero != 0
		n, neg, ok := intOf(v)
		if !ok {
			return b, s, fmt.Errorf("%%%c format: an integer is required, not %s", seg.Conv, pyType(v))
		}
		s = appendSign(s, neg, flags)
		if flags&flagAlt != 0 {
			s = append(s, '0', seg.Conv|0x20)
			if seg.Conv == 'X' {
				s[len(s)-1] = 'X'
			}
		}
		head = len(s)
		base := 16
		if seg.Conv == 'o' {
			base = 8
		}
		s = appendDigits(s, n, base, seg.Conv == 'X', seg.Prec)
	case 'f', 'F', 'e', 'E', 'g', 'G':
		var f float64
		switch v.Kind() {
		case slog.KindInt64:
			f = float64(v.Int64())
		case slog.KindUint64:
			f = float64(v.Uint64())
		case slog.KindFloat64:
			f = v.Float64()
		case slog.KindBool:
			if v.Bool() {
				f = 1
			}
		default:
			return b, s, fmt.Errorf("must be real number, not %s", pyType(v))
		}
		s = appendSign(s, math.Signbit(f) && !math.IsNaN(f), flags)
		head = len(s)
		zero = !left && flags&flagZero != 0
		s = appendFloat(s, math.Abs(f), seg.Conv, seg.Prec, flags&flagAlt != 0)
	default:
		s = AppendStr(s, v)
	}
	return pad(b, s, seg.Width, left, zero, head), s, nil
}

// intOf returns the magnitude and sign of an integral value.
func intOf(v slog.Value) (n uint64, neg, ok bool) {
	switch v.Kind() {
	case slog.KindInt64:
		i := v.Int64()
		if i < 0 {
			return uint64(-(i + 1)) + 1, true, true
		}
		return uint64(i), false, true
	case slog.KindUint64:
		return v.Uint64(), false, true
	case slog.KindBool:
		if v.Bool() {
			return 1, false, true
		}
		return 0, false, true
	}
	return 0, false, false
}

func appendSign(s []byte, neg bool, flags int) []byte {
	switch {
	case neg:
		return append(s, '-')
	case flags&flagPlus != 0:
		return append(s, '+')
	case flags&flagSpace != 0:
		return append(s, ' ')
	}
	return s
}

// appendDigits appends n in base with at least prec digits.
func appendDigits(s []byte, n uint64, base int, upper bool, prec int) []byte {
	start := len(s)
	s = strconv.AppendUint(s, n, base)
	if upper {
		for i := start; i < len(s); i++ {
			if s[i] >= 'a' {
				s[i] -= 'a' - 'A'
			}
		}
	}
	return zeroExtend(s, start, prec)
}

// zeroExtend left-pads the digits s[start:] with zeros to prec digits.
func zeroExtend(s []byte, start, prec int) []byte {
	n := len(s) - start
	if prec <= n {
		return s
	}
	for k := n; k < prec; k++ {
		s = append(s, '0')
	}
	copy(s[start+prec-n:], s[start:start+n])
	for i := start; i < start+prec-n; i++ {
		s[i] = '0'
	}
	return s
}

// appendFloat appends the non-negative f as C's printf does for conv
// (f F e E g G) with precision prec (-1 for 6) and the alternate form.
func appendFloat(s []byte, f float64, conv byte, prec int, alt bool) []byte {
	upper := conv == 'F' || conv == 'E' || conv == 'G'
	if math.IsInf(f, 0) || math.IsNaN(f) {
		word := "inf"
		if math.IsNaN(f) {
			word = "nan"
		}
		if upper {
			word = strings.ToUpper(word)
		}
		return append(s, word...)
	}
	if prec < 0 {
		prec = 6
	}
	start := len(s)
	switch conv | 0x20 {
	case 'f':
		s = strconv.AppendFloat(s, f, 'f', prec, 64)
	case 'e':
		s = strconv.AppendFloat(s, f, conv, prec, 64)
	case 'g':
		if prec == 0 {
			prec = 1
		}
		if !alt {
			s = strconv.AppendFloat(s, f, conv, prec, 64)
			break
		}
		// The alternate form keeps trailing zeros: choose the notation as
		// C does from the exponent after rounding to prec digits.
		e := strconv.AppendFloat(s, f, 'e', prec-1, 64)
		x, _ := strconv.Atoi(string(e[bytes.IndexByte(e[start:], 'e')+start+1:]))
		s = e[:start]
		if x < -4 || x >= prec {
			s = strconv.AppendFloat(s, f, conv-2, prec-1, 64) // 'g'-2 = 'e'
		} else {
			s = strconv.AppendFloat(s, f, 'f', prec-1-x, 64)
		}
	}
	if alt {
		s = addPoint(s, start)
	}
	return s
}

// addPoint gives the number s[start:] a decimal point if it has none,
// before its exponent: C's alternate form.
func addPoint(s []byte, start int) []byte {
	if bytes.IndexByte(s[start:], '.') >= 0 {
		return s
	}
	if i := bytes.IndexAny(s[start:], "eE"); i >= 0 {
		s = append(s, 0)
		copy(s[start+i+1:], s[start+i:])
		s[start+i] = '.'
		return s
	}
	return append(s, '.')
}

// unsafeString views b as a string without copying. The string must not
// outlive the next change to b.
func unsafeString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

func truncRunes(s []byte, n int) []byte {
	i := 0
	for j := 0; j < n && i < len(s); j++ {
		_, size := utf8.DecodeRune(s[i:])
		i += size
	}
	return s[:i]
}

func pyType(v slog.Value) string {
	switch v.Kind() {
	case slog.KindString:
		return "str"
	case slog.KindInt64, slog.KindUint64:
		return "int"
	case slog.KindFloat64:
		return "float"
	case slog.KindBool:
		return "bool"
	case slog.KindAny:
		if v.Any() == nil {
			return "NoneType"
		}
	}
	return v.Kind().String()
}
