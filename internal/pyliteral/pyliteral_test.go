package pyliteral

import (
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// resolver knows the names a fileConfig may use in this test.
func resolver(name string) (any, bool) {
	switch name {
	case "sys.stdout":
		return os.Stdout, true
	case "DEBUG":
		return 10, true
	case "handlers.SYSLOG_UDP_PORT":
		return 514, true
	}
	return nil, false
}

func TestParseAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give string
		want any
	}{
		{name: "empty tuple", give: "()", want: []any{}},
		{name: "one-tuple", give: "('app.log',)", want: []any{"app.log"}},
		{name: "parenthesised value is not a tuple", give: "('app.log')", want: "app.log"},
		{name: "tuple", give: "('app.log', 'w', None, True)", want: []any{"app.log", "w", nil, true}},
		{name: "bare tuple", give: "'a', 'w'", want: []any{"a", "w"}},
		{name: "bare one-tuple", give: "sys.stdout,", want: []any{os.Stdout}},
		{name: "list", give: "[1, 2.5, -3, False]", want: []any{1, 2.5, -3, false}},
		{name: "trailing comma in list", give: "[1,]", want: []any{1}},
		{name: "empty list", give: "[]", want: []any{}},
		{name: "dict", give: "{'mode': 'w', \"delay\": True}", want: map[string]any{"mode": "w", "delay": true}},
		{name: "empty dict", give: "{}", want: map[string]any{}},
		{name: "nested", give: "(('localhost', handlers.SYSLOG_UDP_PORT), {'a': [DEBUG]})", want: []any{[]any{"localhost", 514}, map[string]any{"a": []any{10}}}},
		{name: "names", give: "(sys.stdout, DEBUG)", want: []any{os.Stdout, 10}},
		{name: "spaced dotted name", give: "sys . stdout", want: os.Stdout},
		{name: "negated name", give: "-DEBUG", want: -10},
		{name: "double minus", give: "--1", want: 1},
		{name: "plus", give: "+1.5", want: 1.5},
		{name: "minus on parenthesised", give: "-(1)", want: -1},
		{name: "hex octal binary", give: "(0x1F, 0o17, 0b101, 0X_ff)", want: []any{31, 15, 5, 255}},
		{name: "underscores", give: "1_000_000", want: 1000000},
		{name: "zeros", give: "00", want: 0},
		{name: "floats", give: "(1e3, .5, 5., 1.e2, 1_0.5)", want: []any{1000.0, 0.5, 5.0, 100.0, 10.5}},
		{name: "escapes", give: `'a\tb\n\x41\u00e9\101\'\"\\'`, want: "a\tb\nAé" + "A'\"\\"},
		{name: "unknown escape kept", give: `'C:\dir'`, want: `C:\dir`},
		{name: "raw string", give: `r'C:\new\'x'`, want: `C:\new\'x`},
		{name: "unicode prefix", give: `u'x'`, want: "x"},
		{name: "triple quotes", give: "'''a\n'b'\n'''", want: "a\n'b'\n"},
		{name: "adjacent strings", give: `'a' "b" 'c'`, want: "abc"},
		{name: "percent kept", give: `'%(name)s'`, want: "%(name)s"},
		{name: "newlines inside brackets", give: "(\n'a',\n  'w')", want: []any{"a", "w"}},
		{name: "leading and trailing newline", give: "\n(1,)\n", want: []any{1}},
		{name: "line continuation", give: "1, \\\n2", want: []any{1, 2}},
		{name: "repeated dict key keeps the last", give: "{'a': 1, 'a': 2}", want: map[string]any{"a": 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tt.give, resolver)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give string
		want string // a part of the error
	}{
		{name: "import call", give: "__import__('os').system('x')", want: "calls are not allowed"},
		{name: "call of a whitelisted name", give: "sys.stdout.write('x')", want: "calls are not allowed"},
		{name: "call in a tuple", give: "(open('/etc/passwd', 'w'),)", want: "calls are not allowed"},
		{name: "attribute chain", give: "().__class__.__bases__[0].__subclasses__()", want: "attribute access is allowed only on names"},
		{name: "attribute on a string", give: "'x'.join", want: "attribute access is allowed only on names"},
		{name: "dunder name", give: "__builtins__", want: `unknown name "__builtins__"`},
		{name: "unknown dotted name", give: "os.environ", want: `unknown name "os.environ"`},
		{name: "module", give: "sys", want: `unknown name "sys"`},
		{name: "subscript", give: "sys.argv[0]", want: "subscripts are not allowed"},
		{name: "subscript on a literal", give: "[1][0]", want: "subscripts are not allowed"},
		{name: "lambda", give: "lambda: 0", want: `"lambda"`},
		{name: "binary operator", give: "1 + 2", want: `operator "+"`},
		{name: "power", give: "10 ** 100", want: `operator "**"`},
		{name: "string repetition", give: "'a' * 1000000000", want: `operator "*"`},
		{name: "comparison", give: "1 < 2", want: `operator "<"`},
		{name: "walrus", give: "(x := 1)", want: `unknown name "x"`},
		{name: "not", give: "not True", want: `"not"`},
		{name: "comprehension", give: "[c for c in 'ab']", want: `unknown name "c"`},
		{name: "for after a value", give: "[1 for c in 'ab']", want: `unexpected name "for"`},
		{name: "set", give: "{'a', 'b'}", want: "sets are not allowed"},
		{name: "non-string dict key", give: "{1: 'a'}", want: "dict keys must be strings"},
		{name: "bytes", give: "b'x'", want: "bytes literals are not supported"},
		{name: "f-string", give: "f'{os.system(1)}'", want: "f-strings are not supported"},
		{name: "complex", give: "1j", want: "complex numbers are not supported"},
		{name: "leading zeros", give: "07", want: "leading zeros"},
		{name: "bad underscore", give: "1__0", want: "invalid number"},
		{name: "huge integer", give: "123456789012345678901234567890", want: "too large"},
		{name: "minus on a string", give: "-'a'", want: "unary - on a string"},
		{name: "minus on None", give: "-None", want: "unary - on a None"},
		{name: "unterminated string", give: "'abc", want: "unterminated string"},
		{name: "newline in a string", give: "'a\nb'", want: "unterminated string"},
		{name: "unclosed tuple", give: "(1, 2", want: "unexpected end"},
		{name: "unclosed list", give: "[1", want: "unexpected end"},
		{name: "extra closing bracket", give: "(1,))", want: `operator ")"`},
		{name: "empty", give: "", want: "empty expression"},
		{name: "blank", give: "  ", want: "empty expression"},
		{name: "top-level line break", give: "1,\n2", want: "unexpected line break"},
		{name: "keyword argument syntax", give: "mode='w'", want: `unknown name "mode"`},
		{name: "assignment after a value", give: "1 = 2", want: "assignment"},
		{name: "semicolon", give: "1; import os", want: `operator ";"`},
		{name: "huge nesting", give: strings.Repeat("[", 100000) + strings.Repeat("]", 100000), want: "nested deeper than 64"},
		{name: "huge unary chain", give: strings.Repeat("-", 100000) + "1", want: "nested deeper than 64"},
		{name: "huge paren nesting", give: strings.Repeat("(", 65) + "1" + strings.Repeat(")", 65), want: "nested deeper than 64"},
		{name: "too long", give: strings.Repeat(" ", MaxLen+1), want: "longer than"},
		{name: "invalid UTF-8", give: "'\xff'", want: "not valid UTF-8"},
		{name: "N escape", give: `'\N{BULLET}'`, want: `\N{...}`},
		{name: "surrogate escape", give: `'\ud800'`, want: "out of range"},
		{name: "ellipsis", give: "...", want: `"..."`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := Parse(tt.give, resolver)
			require.Error(t, err, "got %#v", v)
			assert.Contains(t, err.Error(), tt.want)
			var pe *Error
			assert.ErrorAs(t, err, &pe)
		})
	}
}

// TestParseHugeFloat reads an overlong float literal as infinity, as
// Python does.
func TestParseHugeFloat(t *testing.T) {
	t.Parallel()
	v, err := Parse("1e999", nil)
	require.NoError(t, err)
	assert.True(t, math.IsInf(v.(float64), 1))
}

// TestParseNoResolver refuses every name when no resolver is given.
func TestParseNoResolver(t *testing.T) {
	t.Parallel()
	_, err := Parse("sys.stdout", nil)
	assert.ErrorContains(t, err, `unknown name "sys.stdout"`)
	v, err := Parse("(None, True)", nil)
	require.NoError(t, err)
	assert.Equal(t, []any{nil, true}, v)
}

func TestParseDeepestNesting(t *testing.T) {
	t.Parallel()
	// The limit counts expressions: 63 lists around one number is 64.
	v, err := Parse(strings.Repeat("[", 63)+"1"+strings.Repeat("]", 63), nil)
	require.NoError(t, err)
	for range 63 {
		l, ok := v.([]any)
		require.True(t, ok)
		v = l[0]
	}
	assert.Equal(t, 1, v)
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"()", "('a', 'w')", "{'a': [1, -2.5, None]}", "sys.stdout,", "r'\\x'", "'''a'''",
		"__import__('os').system('x')", "0x_1f", "1e999", "[[[]]]", "'\\777'", "u'\\U0001F600'",
		"-DEBUG", "(1,)\n", "\n(\n1\n,\n)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Parse(s, resolver)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Offset < 0 || pe.Offset > len(s) {
				t.Fatalf("error %v: want an *Error with an offset in the input", err)
			}
			return
		}
		// Whatever parses has only the value types the package promises.
		var check func(v any, depth int)
		check = func(v any, depth int) {
			if depth > MaxDepth {
				t.Fatalf("value nested deeper than %d", MaxDepth)
			}
			switch v := v.(type) {
			case nil, bool, int, float64, string, *os.File:
			case []any:
				for _, e := range v {
					check(e, depth+1)
				}
			case map[string]any:
				for _, e := range v {
					check(e, depth+1)
				}
			default:
				t.Fatalf("unexpected value type %T", v)
			}
		}
		check(v, 1)
		// Parsing is deterministic.
		v2, err := Parse(s, resolver)
		if err != nil {
			t.Fatalf("second parse failed: %v", err)
		}
		assert.Equal(t, v, v2)
	})
}
