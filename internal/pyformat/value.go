package pyformat

import (
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
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
	exp := 0
	if f != 0 {
		exp = int(math.Floor(math.Log10(math.Abs(f))))
		// Log10 can be off by one near powers of ten; the 'e' form knows.
		e := strconv.FormatFloat(f, 'e', -1, 64)
		if i := strings.IndexByte(e, 'e'); i >= 0 {
			if n, err := strconv.Atoi(e[i+1:]); err == nil {
				exp = n
			}
		}
	}
	if exp < -4 || exp >= 16 {
		return strconv.AppendFloat(b, f, 'e', -1, 64)
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'f', -1, 64)
	for _, c := range b[start:] {
		if c == '.' {
			return b
		}
	}
	return append(b, ".0"...)
}

// AppendRepr appends Python's repr of a string: single quotes unless the
// string holds a single quote and no double quote.
func AppendRepr(b []byte, s string) []byte {
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
			b = fmt.Appendf(b, `\x%02x`, s[i])
		case r < 0x20 || r == 0x7f:
			b = fmt.Appendf(b, `\x%02x`, r)
		default:
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, q)
}

// AppendStr appends Python's str() of a slog value.
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
	case slog.KindAny:
		switch a := v.Any().(type) {
		case nil:
			return append(b, "None"...)
		case error:
			return append(b, a.Error()...)
		case fmt.Stringer:
			return append(b, a.String()...)
		default:
			return fmt.Append(b, a)
		}
	}
	return append(b, v.String()...)
}

// Pad appends s to b, padded to width by the flags' rules ('-' aligns left,
// '0' pads numbers with zeros after the sign).
func Pad(b []byte, s []byte, width int, flags string, numeric bool) []byte {
	n := utf8.RuneCount(s)
	if width <= n {
		return append(b, s...)
	}
	fill := width - n
	switch {
	case strings.IndexByte(flags, '-') >= 0:
		b = append(b, s...)
		for ; fill > 0; fill-- {
			b = append(b, ' ')
		}
		return b
	case numeric && strings.IndexByte(flags, '0') >= 0:
		if len(s) > 0 && (s[0] == '-' || s[0] == '+' || s[0] == ' ') {
			b = append(b, s[0])
			s = s[1:]
		}
		for ; fill > 0; fill-- {
			b = append(b, '0')
		}
		return append(b, s...)
	}
	for ; fill > 0; fill-- {
		b = append(b, ' ')
	}
	return append(b, s...)
}

// AppendField appends v converted by seg's conversion, flags, width and
// precision, as Python's % operator does. scratch is reused to avoid
// allocation and returned for the next call.
func AppendField(b, scratch []byte, seg *Segment, v slog.Value) ([]byte, []byte, error) {
	s := scratch[:0]
	numeric := false
	switch seg.Conv {
	case 's':
		s = AppendStr(s, v)
		if seg.Prec >= 0 {
			s = truncRunes(s, seg.Prec)
		}
	case 'r', 'a':
		if v.Kind() == slog.KindString {
			s = AppendRepr(s, v.String())
		} else {
			s = AppendStr(s, v)
		}
		if seg.Prec >= 0 {
			s = truncRunes(s, seg.Prec)
		}
	case 'd', 'i', 'u':
		numeric = true
		var n int64
		switch v.Kind() {
		case slog.KindInt64:
			n = v.Int64()
		case slog.KindUint64:
			s = strconv.AppendUint(s, v.Uint64(), 10)
			return Pad(b, s, seg.Width, seg.Flags, true), s, nil
		case slog.KindFloat64:
			n = int64(v.Float64())
		case slog.KindBool:
			if v.Bool() {
				n = 1
			}
		default:
			return b, s, fmt.Errorf("%%%c format: a real number is required, not %s", seg.Conv, pyType(v))
		}
		s = appendSign(s, n >= 0, seg.Flags)
		s = strconv.AppendInt(s, n, 10)
	case 'f', 'F', 'e', 'E', 'g', 'G':
		numeric = true
		var f float64
		switch v.Kind() {
		case slog.KindInt64:
			f = float64(v.Int64())
		case slog.KindUint64:
			f = float64(v.Uint64())
		case slog.KindFloat64:
			f = v.Float64()
		default:
			return b, s, fmt.Errorf("must be real number, not %s", pyType(v))
		}
		prec := seg.Prec
		if prec < 0 {
			prec = 6
		}
		s = appendSign(s, f >= 0 || math.IsNaN(f), seg.Flags)
		s = strconv.AppendFloat(s, f, seg.Conv|0x20, prec, 64)
	case '%':
		s = append(s, '%')
	default:
		s = AppendStr(s, v)
	}
	return Pad(b, s, seg.Width, seg.Flags, numeric), s, nil
}

func appendSign(s []byte, nonneg bool, flags string) []byte {
	if !nonneg {
		return s
	}
	switch {
	case strings.IndexByte(flags, '+') >= 0:
		return append(s, '+')
	case strings.IndexByte(flags, ' ') >= 0:
		return append(s, ' ')
	}
	return s
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
	case slog.KindAny:
		if v.Any() == nil {
			return "NoneType"
		}
	}
	return v.Kind().String()
}
