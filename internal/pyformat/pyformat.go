// Package pyformat parses Python logging format strings into fields and
// literals, validates them as logging.Formatter(validate=True) does, and
// renders values with Python's rules: the % operator (flags, width,
// precision, conversions s r a d i u o x X e E f F g G c), str.format
// (!r !s !a and the format mini-language) and string.Template. Error texts
// are CPython's.
package pyformat

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A Segment is a literal or a field of a parsed format string.
// A field always has a conversion (Conv != 0); a literal has Conv 0.
type Segment struct {
	Literal string // the text of a literal
	Key     string
	Flags   string // any of "#0- +"
	Width   int    // -1 when absent
	Prec    int    // -1 when absent
	Conv    byte   // 's', 'r', 'd', ...
	// Spec is the {}-style conversion and format spec; nil for the other
	// styles.
	Spec *Spec
}

// IsField reports whether s is a field rather than a literal.
func (s *Segment) IsField() bool { return s.Conv != 0 }

// DefaultFormat returns the format used for an empty format string.
func DefaultFormat(style string) string {
	switch style {
	case "{":
		return "{message}"
	case "$":
		return "${message}"
	}
	return "%(message)s"
}

// CheckStyle reports an unknown style with Python's message.
func CheckStyle(style string) error {
	switch style {
	case "%", "{", "$":
		return nil
	}
	//lint:ignore ST1005 Python's exact text
	return fmt.Errorf("Style must be one of: %%,{,$")
}

var validPercent = regexp.MustCompile(`%\(\w+\)[#0+ -]*(\*|\d+)?(\.(\*|\d+))?[diouxefgcrsa%]`)

// Validate applies Python's Formatter(validate=True) check for the style.
func Validate(format, style string) error {
	switch style {
	case "%":
		if !validPercent.MatchString(format) {
			//lint:ignore ST1005 Python's exact text
			return fmt.Errorf("Invalid format '%s' for '%%' style", format)
		}
	case "{":
		return validateBrace(format)
	case "$":
		return validateDollar(format)
	}
	return nil
}

// Parse splits format into segments for the given style.
func Parse(format, style string) ([]Segment, error) {
	switch style {
	case "{":
		return parseBrace(format)
	case "$":
		return parseDollar(format)
	}
	return parsePercent(format)
}

func appendLit(segs []Segment, s string) []Segment {
	if s == "" {
		return segs
	}
	if n := len(segs); n > 0 && !segs[n-1].IsField() {
		segs[n-1].Literal += s
		return segs
	}
	return append(segs, Segment{Literal: s})
}

// parsePercent parses a %-style format. Python reports most of these
// errors only when a record is formatted, for every record; they are
// reported here, when the format is compiled, with Python's texts.
func parsePercent(format string) ([]Segment, error) {
	var segs []Segment
	if n := strings.Count(format, "%"); n > 0 {
		segs = make([]Segment, 0, 2*n+1) // a literal and a field for each %
	}
	f := format
	for {
		i := strings.IndexByte(f, '%')
		if i < 0 {
			return appendLit(segs, f), nil
		}
		segs = appendLit(segs, f[:i])
		f = f[i+1:]
		if strings.HasPrefix(f, "%") {
			segs = appendLit(segs, "%")
			f = f[1:]
			continue
		}
		if f == "" {
			return nil, errors.New("incomplete format")
		}
		if !strings.HasPrefix(f, "(") {
			return nil, errors.New("format requires a mapping")
		}
		end := strings.IndexByte(f, ')')
		if end < 0 {
			return nil, errors.New("incomplete format key")
		}
		s := Segment{Key: f[1:end], Width: -1, Prec: -1}
		if s.Key == "" {
			//lint:ignore ST1005 Python's exact text
			return nil, errors.New("Formatting field not found in record: ''")
		}
		f = f[end+1:]
		j := 0
		for j < len(f) && strings.IndexByte("#0- +", f[j]) >= 0 {
			j++
		}
		s.Flags, f = f[:j], f[j:]
		if strings.HasPrefix(f, "*") {
			return nil, errors.New("* wants int")
		}
		s.Width, f = number(f)
		if strings.HasPrefix(f, ".") {
			if strings.HasPrefix(f[1:], "*") {
				return nil, errors.New("* wants int")
			}
			s.Prec, f = number(f[1:])
			if s.Prec < 0 {
				s.Prec = 0
			}
		}
		// Python skips the C length modifiers.
		for f != "" && (f[0] == 'h' || f[0] == 'l' || f[0] == 'L') {
			f = f[1:]
		}
		if f == "" {
			return nil, errors.New("incomplete format")
		}
		r, n := utf8.DecodeRuneInString(f)
		if r >= utf8.RuneSelf || strings.IndexByte("diouxXeEfFgGcrsa", f[0]) < 0 {
			at := utf8.RuneCountInString(format[:len(format)-len(f)])
			if r == utf8.RuneError && n == 1 {
				r = rune(f[0])
			}
			return nil, fmt.Errorf("unsupported format character '%c' (0x%x) at index %d", r, r, at)
		}
		s.Conv, f = f[0], f[1:]
		segs = append(segs, s)
	}
}

func number(f string) (int, string) {
	j := 0
	for j < len(f) && f[j] >= '0' && f[j] <= '9' {
		j++
	}
	if j == 0 {
		return -1, f
	}
	n, err := strconv.Atoi(f[:j])
	if err != nil {
		n = 0
	}
	return n, f[j:]
}

func isIdent(c byte, first bool) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9')
}

// scanDollar walks a string.Template as its pattern does: $$, $name,
// ${name}, or an invalid bare '$'.
func scanDollar(f string, lit func(string), field func(string)) error {
	for {
		i := strings.IndexByte(f, '$')
		if i < 0 {
			lit(f)
			return nil
		}
		lit(f[:i])
		f = f[i+1:]
		j := identLen(f)
		switch {
		case strings.HasPrefix(f, "$"):
			lit("$")
			f = f[1:]
		case j > 0:
			field(f[:j])
			f = f[j:]
		case strings.HasPrefix(f, "{") && identLen(f[1:]) > 0 && strings.HasPrefix(f[1+identLen(f[1:]):], "}"):
			j = identLen(f[1:])
			field(f[1 : 1+j])
			f = f[j+2:]
		default:
			return errors.New("invalid format: bare '$' not allowed")
		}
	}
}

// identLen is the length of the identifier [_a-zA-Z][_a-zA-Z0-9]* at the
// start of f.
func identLen(f string) int {
	if f == "" || !isIdent(f[0], true) {
		return 0
	}
	j := 1
	for j < len(f) && isIdent(f[j], false) {
		j++
	}
	return j
}

// validateDollar is StringTemplateStyle.validate.
func validateDollar(format string) error {
	fields := 0
	if err := scanDollar(format, func(string) {}, func(string) { fields++ }); err != nil {
		return err
	}
	if fields == 0 {
		return errors.New("invalid format: no fields")
	}
	return nil
}

func parseDollar(f string) ([]Segment, error) {
	var segs []Segment
	err := scanDollar(f, func(s string) { segs = appendLit(segs, s) }, func(key string) {
		segs = append(segs, Segment{Key: key, Width: -1, Prec: -1, Conv: 's'})
	})
	if err != nil {
		return nil, err
	}
	return segs, nil
}
