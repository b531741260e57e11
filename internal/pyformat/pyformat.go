// Package pyformat parses Python logging format strings into fields and
// literals, and renders values with Python's conversion rules.
//
// This package covers the subset the core needs: %-style fields with flags,
// width, precision and the conversions s, r, d, i, f; {}-style fields
// without a format spec; $-style fields. The full interpreters build on the
// same Segment type.
package pyformat

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// A Segment is a literal or a field of a parsed format string.
type Segment struct {
	Literal string // used when Key is ""
	Key     string
	Flags   string // any of "#0- +"
	Width   int    // -1 when absent
	Prec    int    // -1 when absent
	Conv    byte   // 's', 'r', 'd', ...
}

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
	case "{", "$":
		segs, err := Parse(format, style)
		if err != nil {
			return err
		}
		for _, s := range segs {
			if s.Key != "" {
				return nil
			}
		}
		return fmt.Errorf("invalid format: no fields")
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
	if n := len(segs); n > 0 && segs[n-1].Key == "" {
		segs[n-1].Literal += s
		return segs
	}
	return append(segs, Segment{Literal: s})
}

func parsePercent(f string) ([]Segment, error) {
	var segs []Segment
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
		if !strings.HasPrefix(f, "(") {
			return nil, fmt.Errorf("format requires a mapping")
		}
		end := strings.IndexByte(f, ')')
		if end < 0 {
			return nil, fmt.Errorf("incomplete format key")
		}
		s := Segment{Key: f[1:end], Width: -1, Prec: -1}
		f = f[end+1:]
		j := 0
		for j < len(f) && strings.IndexByte("#0- +", f[j]) >= 0 {
			j++
		}
		s.Flags, f = f[:j], f[j:]
		s.Width, f = number(f)
		if strings.HasPrefix(f, ".") {
			s.Prec, f = number(f[1:])
			if s.Prec < 0 {
				s.Prec = 0
			}
		}
		if f == "" {
			return nil, fmt.Errorf("incomplete format")
		}
		s.Conv, f = f[0], f[1:]
		if strings.IndexByte("diouxXeEfFgGcrsa%", s.Conv) < 0 {
			return nil, fmt.Errorf("unsupported format character '%c' (0x%x)", s.Conv, s.Conv)
		}
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

func parseBrace(f string) ([]Segment, error) {
	var segs []Segment
	for f != "" {
		i := strings.IndexAny(f, "{}")
		if i < 0 {
			return appendLit(segs, f), nil
		}
		segs = appendLit(segs, f[:i])
		if f[i] == '}' {
			if !strings.HasPrefix(f[i:], "}}") {
				return nil, fmt.Errorf("invalid format: Single '}' encountered in format string")
			}
			segs = appendLit(segs, "}")
			f = f[i+2:]
			continue
		}
		if strings.HasPrefix(f[i:], "{{") {
			segs = appendLit(segs, "{")
			f = f[i+2:]
			continue
		}
		end := strings.IndexByte(f[i:], '}')
		if end < 0 {
			return nil, fmt.Errorf("invalid format: expected '}' before end of string")
		}
		field := f[i+1 : i+end]
		if strings.ContainsAny(field, "!:[") {
			return nil, fmt.Errorf("invalid format: conversions and format specs in {} fields are not supported yet: %q", field)
		}
		if field == "" {
			return nil, fmt.Errorf("invalid format: invalid field name/expression: ''")
		}
		segs = append(segs, Segment{Key: field, Width: -1, Prec: -1, Conv: 's'})
		f = f[i+end+1:]
	}
	return segs, nil
}

func isIdent(c byte, first bool) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9')
}

func parseDollar(f string) ([]Segment, error) {
	var segs []Segment
	for {
		i := strings.IndexByte(f, '$')
		if i < 0 {
			return appendLit(segs, f), nil
		}
		segs = appendLit(segs, f[:i])
		f = f[i+1:]
		switch {
		case strings.HasPrefix(f, "$"):
			segs = appendLit(segs, "$")
			f = f[1:]
		case strings.HasPrefix(f, "{"):
			end := strings.IndexByte(f, '}')
			if end < 0 || end == 1 {
				return nil, fmt.Errorf("invalid format: bare '$' not allowed")
			}
			segs = append(segs, Segment{Key: f[1:end], Width: -1, Prec: -1, Conv: 's'})
			f = f[end+1:]
		case f != "" && isIdent(f[0], true):
			j := 1
			for j < len(f) && isIdent(f[j], false) {
				j++
			}
			segs = append(segs, Segment{Key: f[:j], Width: -1, Prec: -1, Conv: 's'})
			f = f[j:]
		default:
			return nil, fmt.Errorf("invalid format: bare '$' not allowed")
		}
	}
}
