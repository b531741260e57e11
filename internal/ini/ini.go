// Package ini reads INI files by the rules of Python's configparser.ConfigParser
// with its default settings, the reader behind logging.config.fileConfig:
//
//   - "=" and ":" delimit an option from its value, at the first of them;
//     the option name and the value are stripped of white space;
//   - a line whose first non-space character is "#" or ";" is a comment;
//     there are no inline comments ("a = b ; c" has the value "b ; c");
//   - a line indented deeper than the line that started an option continues
//     its value; blank lines inside a value are kept, trailing ones dropped;
//   - option names are case-insensitive (lowercased), section names are not;
//   - [DEFAULT] and the defaults given to [Parse] supply options to every
//     section;
//   - a section or an option given twice is an error;
//   - values are interpolated when read: %(name)s is the value of option
//     name of the same section (or of the defaults), %% is a percent sign,
//     and any other % is an error.
//
// Lines end at "\n", "\r\n" or "\r", as in a file Python opens in text
// mode. The input must be UTF-8; a leading byte-order mark is skipped
// (Python would refuse the file: it reads the mark as part of the first line).
package ini

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DefaultSection is the name of the section whose options every section
// inherits.
const DefaultSection = "DEFAULT"

// maxDepth is configparser's MAX_INTERPOLATION_DEPTH.
const maxDepth = 10

// Interpolation can grow a value exponentially (each level may name the
// next many times), which Python lets run until memory runs out. Get
// refuses a value longer than MaxValueLen bytes or needing more than
// maxRefs substitutions.
const (
	MaxValueLen = 1 << 20
	maxRefs     = 100000
)

// File is a parsed INI file.
type File struct {
	defaults *section
	sections map[string]*section
	order    []string
}

type section struct {
	name   string
	values map[string]string
	order  []string
}

func newSection(name string) *section {
	return &section{name: name, values: map[string]string{}}
}

func (s *section) set(option, value string) {
	if _, ok := s.values[option]; !ok {
		s.order = append(s.order, option)
	}
	s.values[option] = value
}

// LineError is one problem of a file at a line (counted from 1).
type LineError struct {
	Line int
	Msg  string
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// SyntaxError lists every problem [Parse] found.
type SyntaxError struct {
	Problems []*LineError
}

func (e *SyntaxError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

// ErrNoSection and ErrNoOption are wrapped by the errors of [File.Get].
var (
	ErrNoSection = errors.New("no such section")
	ErrNoOption  = errors.New("no such option")
)

// IsSpace reports whether r is white space for Python's str.strip and the
// \s of its regular expressions.
func IsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// Strip removes Python white space from both ends of s.
func Strip(s string) string { return strings.TrimFunc(s, IsSpace) }

func rstrip(s string) string { return strings.TrimRightFunc(s, IsSpace) }

// splitLines splits src at "\n", "\r\n" and "\r".
func splitLines(src string) []string {
	var lines []string
	for len(src) > 0 {
		i := strings.IndexAny(src, "\r\n")
		if i < 0 {
			lines = append(lines, src)
			break
		}
		lines = append(lines, src[:i])
		if src[i] == '\r' && i+1 < len(src) && src[i+1] == '\n' {
			i++
		}
		src = src[i+1:]
	}
	return lines
}

// indent returns the position, in characters, of the first non-space
// character of line, or 0 when there is none.
func indent(line string) int {
	n := 0
	for _, r := range line {
		if !IsSpace(r) {
			return n
		}
		n++
	}
	return 0
}

// Parse reads src. defaults are options every section inherits, below
// those of a [DEFAULT] section; their names are lowercased too. Parse
// reports every problem it finds in a [*SyntaxError].
func Parse(src string, defaults map[string]string) (*File, error) {
	if !utf8.ValidString(src) {
		return nil, &SyntaxError{Problems: []*LineError{{Line: firstInvalidLine(src), Msg: "not valid UTF-8"}}}
	}
	src = strings.TrimPrefix(src, "\ufeff")
	f := &File{defaults: newSection(DefaultSection), sections: map[string]*section{}}
	var errs []*LineError
	fail := func(line int, format string, args ...any) {
		errs = append(errs, &LineError{Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	for _, k := range sortedKeys(defaults) {
		opt := strings.ToLower(k)
		if _, dup := f.defaults.values[opt]; dup {
			return nil, &SyntaxError{Problems: []*LineError{{Msg: fmt.Sprintf("defaults: option %q given twice", opt)}}}
		}
		f.defaults.set(opt, defaults[k])
	}

	type pending struct {
		sect  *section
		name  string
		lines []string
	}
	var (
		cur       *section
		opt       *pending // the option whose value continuation lines extend
		all       []*pending
		added     = map[string]bool{}    // sections seen in this file
		addedOpts = map[[2]string]bool{} // (section, option) pairs seen
		level     = 0                    // the indent of the line that started the option
	)
	for i, line := range splitLines(src) {
		lineno := i + 1
		stripped := Strip(line)
		comment := strings.HasPrefix(stripped, "#") || strings.HasPrefix(stripped, ";")
		if comment || stripped == "" {
			// A blank line (not a comment) belongs to the value being read.
			if !comment && opt != nil {
				opt.lines = append(opt.lines, "")
			}
			continue
		}
		cur2 := indent(line)
		if cur != nil && opt != nil && cur2 > level {
			opt.lines = append(opt.lines, stripped)
			continue
		}
		level = cur2
		if name, ok := header(stripped); ok {
			opt = nil
			switch {
			case name == DefaultSection:
				cur = f.defaults
			case added[name]:
				fail(lineno, "section %q given twice", name)
				cur = f.sections[name]
			default:
				added[name] = true
				cur = newSection(name)
				f.sections[name] = cur
				f.order = append(f.order, name)
			}
			continue
		}
		if cur == nil {
			fail(lineno, "no section header before %q: the file must start with a [section] line", stripped)
			return nil, &SyntaxError{Problems: errs}
		}
		j := strings.IndexAny(stripped, "=:")
		if j < 0 {
			fail(lineno, "want option = value or a [section] header, got %q", stripped)
			opt = nil
			continue
		}
		name := strings.ToLower(rstrip(stripped[:j]))
		value := Strip(stripped[j+1:])
		if name == "" {
			fail(lineno, "option without a name: %q", stripped)
		}
		key := [2]string{cur.name, name}
		if addedOpts[key] {
			fail(lineno, "option %q in section %q given twice", name, cur.name)
		}
		addedOpts[key] = true
		opt = &pending{sect: cur, name: name, lines: []string{value}}
		all = append(all, opt)
	}
	for _, p := range all {
		p.sect.set(p.name, rstrip(strings.Join(p.lines, "\n")))
	}
	if len(errs) > 0 {
		return nil, &SyntaxError{Problems: errs}
	}
	return f, nil
}

// header reports whether a stripped line is a section header, as
// configparser's "\[(?P<header>.+)\]" matched at the start of the line: the
// name runs to the last "]" and may be followed by anything.
func header(s string) (string, bool) {
	if !strings.HasPrefix(s, "[") {
		return "", false
	}
	j := strings.LastIndexByte(s, ']')
	if j < 2 {
		return "", false
	}
	return s[1:j], true
}

func firstInvalidLine(src string) int {
	line := 1
	for i := 0; i < len(src); {
		r, n := utf8.DecodeRuneInString(src[i:])
		if r == utf8.RuneError && n <= 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		i += n
	}
	return line
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Sections returns the names of the sections in file order, without
// DEFAULT.
func (f *File) Sections() []string { return slices.Clone(f.order) }

// HasSection reports whether the file has the section (DEFAULT always
// exists).
func (f *File) HasSection(name string) bool {
	_, ok := f.sections[name]
	return ok || name == DefaultSection
}

func (f *File) section(name string) (*section, bool) {
	if name == DefaultSection {
		return f.defaults, true
	}
	s, ok := f.sections[name]
	return s, ok
}

// Has reports whether option is set in section or inherited from the
// defaults. Option names are case-insensitive.
func (f *File) Has(section, option string) bool {
	_, ok := f.Raw(section, option)
	return ok
}

// Options returns the option names of a section, its own in file order
// then the inherited ones.
func (f *File) Options(name string) []string {
	s, ok := f.section(name)
	if !ok {
		return nil
	}
	out := slices.Clone(s.order)
	if s != f.defaults {
		for _, o := range f.defaults.order {
			if _, own := s.values[o]; !own {
				out = append(out, o)
			}
		}
	}
	return out
}

// Raw returns the value of option in section without interpolation.
func (f *File) Raw(section, option string) (string, bool) {
	s, ok := f.section(section)
	if !ok {
		return "", false
	}
	option = strings.ToLower(option)
	if v, ok := s.values[option]; ok {
		return v, true
	}
	v, ok := f.defaults.values[option]
	return v, ok
}

// Get returns the interpolated value of option in section. The error
// wraps [ErrNoSection] or [ErrNoOption] when they are missing, and is an
// [*InterpolationError] when interpolation fails.
func (f *File) Get(section, option string) (string, error) {
	if !f.HasSection(section) {
		return "", fmt.Errorf("%w: %q", ErrNoSection, section)
	}
	raw, ok := f.Raw(section, option)
	if !ok {
		return "", fmt.Errorf("%w: %q in section %q", ErrNoOption, strings.ToLower(option), section)
	}
	it := &interpolation{f: f, section: section, option: strings.ToLower(option), raw: raw}
	if err := it.run(raw, 1); err != nil {
		return "", err
	}
	return it.b.String(), nil
}

// interpolation is one Get's substitution.
type interpolation struct {
	f               *File
	section, option string
	raw             string
	b               strings.Builder
	refs            int
}

func (it *interpolation) fail(format string, args ...any) error {
	return &InterpolationError{Section: it.section, Option: it.option, Msg: fmt.Sprintf(format, args...)}
}

func (it *interpolation) write(s string) error {
	if it.b.Len()+len(s) > MaxValueLen {
		return it.fail("interpolated value longer than %d bytes", MaxValueLen)
	}
	it.b.WriteString(s)
	return nil
}

// InterpolationError is the error of a value whose %-references cannot be
// resolved.
type InterpolationError struct {
	Section, Option string
	Msg             string
}

func (e *InterpolationError) Error() string {
	return fmt.Sprintf("option %q in section %q: %s", e.Option, e.Section, e.Msg)
}

// run is configparser's BasicInterpolation._interpolate_some.
func (it *interpolation) run(rest string, depth int) error {
	if depth > maxDepth {
		return it.fail("recursion limit exceeded in value substitution (raw value %q)", it.raw)
	}
	for rest != "" {
		p := strings.IndexByte(rest, '%')
		if p < 0 {
			return it.write(rest)
		}
		if err := it.write(rest[:p]); err != nil {
			return err
		}
		rest = rest[p:]
		switch {
		case strings.HasPrefix(rest, "%%"):
			if err := it.write("%"); err != nil {
				return err
			}
			rest = rest[2:]
		case strings.HasPrefix(rest, "%("):
			end := strings.IndexByte(rest, ')')
			if end < 3 || end+1 >= len(rest) || rest[end+1] != 's' {
				return it.fail("bad interpolation variable reference %q", rest)
			}
			name := strings.ToLower(rest[2:end])
			rest = rest[end+2:]
			if it.refs++; it.refs > maxRefs {
				return it.fail("more than %d substitutions", maxRefs)
			}
			v, ok := it.f.Raw(it.section, name)
			if !ok {
				return it.fail("%%(%s)s names no option of the section or the defaults (raw value %q)", name, it.raw)
			}
			var err error
			if strings.Contains(v, "%") {
				err = it.run(v, depth+1)
			} else {
				err = it.write(v)
			}
			if err != nil {
				return err
			}
		default:
			return it.fail("'%%' must be followed by '%%' or '(', found: %q", rest)
		}
	}
	return nil
}
