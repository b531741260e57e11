package pyformat_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"

	"github.com/slogtree/slogtree/internal/testutil"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/internal/pyformat"
)

// pyRun runs a python3 script with in as JSON on stdin and decodes its
// stdout, a JSON document, into out. The test is skipped without python3.
func pyRun(t *testing.T, script string, in, out any) {
	t.Helper()
	py := testutil.Python3(t)
	data, err := json.Marshal(in)
	require.NoError(t, err)
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = strings.NewReader(string(data))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	res, err := cmd.Output()
	require.NoError(t, err, "python3: %s", stderr.String())
	require.NoError(t, json.Unmarshal(res, out))
}

func TestParsePercent(t *testing.T) {
	t.Parallel()
	seg := func(key, flags string, width, prec int, conv byte) pyformat.Segment {
		return pyformat.Segment{Key: key, Flags: flags, Width: width, Prec: prec, Conv: conv}
	}
	lit := func(s string) pyformat.Segment { return pyformat.Segment{Literal: s} }
	tests := []struct {
		name string
		give string
		want []pyformat.Segment
	}{
		{name: "message", give: "%(message)s", want: []pyformat.Segment{seg("message", "", -1, -1, 's')}},
		{name: "literals around", give: "[%(name)s] %(message)s!", want: []pyformat.Segment{
			lit("["), seg("name", "", -1, -1, 's'), lit("] "), seg("message", "", -1, -1, 's'), lit("!"),
		}},
		{name: "flags width", give: "%(levelname)-8s", want: []pyformat.Segment{seg("levelname", "-", 8, -1, 's')}},
		{name: "zero width", give: "%(msecs)03d", want: []pyformat.Segment{seg("msecs", "0", 3, -1, 'd')}},
		{name: "width prec", give: "%(created)10.3f", want: []pyformat.Segment{seg("created", "", 10, 3, 'f')}},
		{name: "dot alone", give: "%(v).f", want: []pyformat.Segment{seg("v", "", -1, 0, 'f')}},
		{name: "all flags", give: "%(v)#0- +5r", want: []pyformat.Segment{seg("v", "#0- +", 5, -1, 'r')}},
		{name: "percent escape", give: "100%% %(v)s%%", want: []pyformat.Segment{lit("100% "), seg("v", "", -1, -1, 's'), lit("%")}},
		{name: "dotted key", give: "%(req.id)s", want: []pyformat.Segment{seg("req.id", "", -1, -1, 's')}},
		{name: "no fields", give: "plain", want: []pyformat.Segment{lit("plain")}},
		{name: "empty", give: "", want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pyformat.Parse(tt.give, "%")
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseBraceAndDollar(t *testing.T) {
	t.Parallel()
	field := func(key string) pyformat.Segment {
		return pyformat.Segment{Key: key, Width: -1, Prec: -1, Conv: 's'}
	}
	lit := func(s string) pyformat.Segment { return pyformat.Segment{Literal: s} }
	tests := []struct {
		name  string
		style string
		give  string
		want  []pyformat.Segment
	}{
		{name: "brace", style: "{", give: "{asctime} {message}", want: []pyformat.Segment{field("asctime"), lit(" "), field("message")}},
		{name: "brace escapes", style: "{", give: "{{x}} {message}", want: []pyformat.Segment{lit("{x} "), field("message")}},
		{name: "brace dotted", style: "{", give: "{req.id}", want: []pyformat.Segment{field("req.id")}},
		{name: "dollar", style: "$", give: "$levelname: ${message}!", want: []pyformat.Segment{field("levelname"), lit(": "), field("message"), lit("!")}},
		{name: "dollar escape", style: "$", give: "$$5 $name", want: []pyformat.Segment{lit("$5 "), field("name")}},
		{name: "dollar ident stops", style: "$", give: "$name-x", want: []pyformat.Segment{field("name"), lit("-x")}},
		{name: "dollar underscore digits", style: "$", give: "$_a1b", want: []pyformat.Segment{field("_a1b")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pyformat.Parse(tt.give, tt.style)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParsePercentErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give string
		want string
	}{
		{name: "no mapping", give: "%s", want: "format requires a mapping"},
		{name: "unclosed key", give: "%(message", want: "incomplete format key"},
		{name: "no conversion", give: "%(message)", want: "incomplete format"},
		{name: "trailing percent", give: "%(message)s %", want: "incomplete format"},
		{name: "bad conversion", give: "%(message)z", want: "unsupported format character 'z' (0x7a) at index 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := pyformat.Parse(tt.give, "%")
			assert.EqualError(t, err, tt.want)
		})
	}
}

func TestDefaultFormatAndStyle(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "%(message)s", pyformat.DefaultFormat("%"))
	assert.Equal(t, "{message}", pyformat.DefaultFormat("{"))
	assert.Equal(t, "${message}", pyformat.DefaultFormat("$"))
	for _, s := range []string{"%", "{", "$"} {
		assert.NoError(t, pyformat.CheckStyle(s))
	}
	for _, s := range []string{"", "%%", "x", "{}"} {
		assert.EqualError(t, pyformat.CheckStyle(s), "Style must be one of: %,{,$")
	}
}

// Validate gives CPython's logging.Formatter(fmt, style=..., validate=True)
// verdict and message. Formats with {} conversions, format specs or
// indexes are left out: the core does not claim them yet.
func TestValidateMatchesCPython(t *testing.T) {
	t.Parallel()
	type tcase struct {
		Fmt   string `json:"fmt"`
		Style string `json:"style"`
	}
	cases := []tcase{
		{"%(message)s", "%"},
		{"hello", "%"},
		{"%(message)", "%"},
		{"%(message)z", "%"},
		{"%s", "%"},
		{"%(asctime)s %(levelname)-8s %(message)s", "%"},
		{"%(msecs)03d", "%"},
		{"%(message)5.2f", "%"},
		{"%(message)*d", "%"},
		{"%(message)#x", "%"},
		{"%(a)s %", "%"},
		{"100%", "%"},
		{"%%(message)s", "%"},
		{"%(a b)s", "%"},
		{"%()s", "%"},
		{"{message}", "{"},
		{"{asctime} - {levelname} - {message}", "{"},
		{"{0}", "{"},
		{"{a.b}", "{"},
		{"{", "{"},
		{"}", "{"},
		{"{message", "{"},
		{"message}", "{"},
		{"{message}}", "{"},
		{"{{}}", "{"},
		{"{{message}}", "{"},
		{"plain", "{"},
		{"{}", "{"},
		{"{a b}", "{"},
		{"{a-b}", "{"},
		{"$message", "$"},
		{"${message}", "$"},
		{"$$", "$"},
		{"$$message", "$"},
		{"$", "$"},
		{"a $ b", "$"},
		{"$message $", "$"},
		{"${message", "$"},
		{"${}", "$"},
		{"${a b}", "$"},
		{"${1x}", "$"},
		{"$1", "$"},
		{"plain", "$"},
		{"$a$b", "$"},
	}
	var want []string
	pyRun(t, `
import json, logging, sys
out = []
for c in json.load(sys.stdin):
    try:
        logging.Formatter(c["fmt"], style=c["style"], validate=True)
        out.append("")
    except ValueError as e:
        out.append(str(e))
print(json.dumps(out))
`, cases, &want)
	for i, c := range cases {
		got := ""
		if err := pyformat.Validate(c.Fmt, c.Style); err != nil {
			got = err.Error()
		}
		assert.Equal(t, want[i], got, "Validate(%q, %q)", c.Fmt, c.Style)
	}
}

// AppendFloatRepr is Python's repr(float).
func TestAppendFloatReprMatchesCPython(t *testing.T) {
	t.Parallel()
	vals := []float64{
		0, math.Copysign(0, -1), 0.1, 0.2, 0.3, 1, -1, 1.5, 589, 589.9, 3.14159,
		1e15, 9999999999999998, 1e16, 1.2345e16, 1e17, 1e22, 1e100, 1.7976931348623157e308,
		1e-4, 0.00012, 1e-5, 1.5e-5, 5e-324, 2.2250738585072014e-308,
		123456789.0, 1795219335.590616, 1234567890123456.7, -1795219335.590616,
		-0.1, -1e-7, -1e20, 100, 1e3, 0.5, 2.5, 1.0 / 3,
		math.Inf(1), math.Inf(-1), math.NaN(),
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		vals = append(vals, r.NormFloat64()*math.Pow(10, float64(r.IntN(40)-20)))
	}
	for range 300 {
		vals = append(vals, math.Float64frombits(r.Uint64()))
	}
	bits := make([]string, len(vals))
	for i, v := range vals {
		bits[i] = fmt.Sprintf("%016x", math.Float64bits(v))
	}
	var want []string
	pyRun(t, `
import json, struct, sys
print(json.dumps([repr(struct.unpack(">d", bytes.fromhex(b))[0]) for b in json.load(sys.stdin)]))
`, bits, &want)
	for i, v := range vals {
		assert.Equal(t, want[i], string(pyformat.AppendFloatRepr(nil, v)), "repr of %v (bits %s)", v, bits[i])
	}
	// It appends.
	assert.Equal(t, "x=0.1", string(pyformat.AppendFloatRepr([]byte("x="), 0.1)))
}

// AppendRepr is Python's repr(str).
func TestAppendReprMatchesCPython(t *testing.T) {
	t.Parallel()
	strs := []string{
		"", "ab", "it's", `say "hi"`, `both ' and "`, `back\slash`, `\'`,
		"tab\there", "new\nline", "cr\rx", "nul\x00", "bell\a", "esc\x1b[0m", "del\x7f",
		"\x01\x1f ", "é", "naïve café", "日本語", "emoji 😀", "\u00a0nbsp", "\u0085nel",
		"\u2028line sep", "\u200bzero width", "\ufeffbom", "\u00adsoft hyphen", "\U000e0001tag",
		"\ud7ff", "\uffff", "\U0010ffff", "mixed 'é' \"x\" \\ \n",
	}
	var want []string
	pyRun(t, `
import json, sys
print(json.dumps([repr(s) for s in json.load(sys.stdin)]))
`, strs, &want)
	for i, s := range strs {
		assert.Equal(t, want[i], string(pyformat.AppendRepr(nil, s)), "repr of %q", s)
	}
}

// fieldCase is one %-conversion of a value, for Python to check.
type fieldCase struct {
	Fmt  string `json:"fmt"`
	Kind string `json:"kind"` // str int float bool none
	S    string `json:"s,omitempty"`
	I    int64  `json:"i,omitempty"`
	F    string `json:"f,omitempty"` // float bits, hex
	B    bool   `json:"b,omitempty"`
}

func (c fieldCase) value() slog.Value {
	switch c.Kind {
	case "str":
		return slog.StringValue(c.S)
	case "int":
		return slog.Int64Value(c.I)
	case "float":
		var u uint64
		fmt.Sscanf(c.F, "%x", &u)
		return slog.Float64Value(math.Float64frombits(u))
	case "bool":
		return slog.BoolValue(c.B)
	}
	return slog.AnyValue(nil)
}

// AppendField renders a value as Python's % operator does, for the
// conversions the core claims: s r a d i u f F e E g G. (Python 3.11
// rejects %(v)% with "unsupported format character"; the core renders "%".)
func TestAppendFieldMatchesCPython(t *testing.T) {
	t.Parallel()
	str := func(s string) fieldCase { return fieldCase{Kind: "str", S: s} }
	num := func(i int64) fieldCase { return fieldCase{Kind: "int", I: i} }
	flt := func(f float64) fieldCase {
		return fieldCase{Kind: "float", F: fmt.Sprintf("%016x", math.Float64bits(f))}
	}
	boolean := func(b bool) fieldCase { return fieldCase{Kind: "bool", B: b} }
	none := fieldCase{Kind: "none"}
	values := []fieldCase{
		str("ab"), str(""), str("it's"), str("héllo wörld"), str("ab\ncd"),
		num(0), num(7), num(-42), num(255), num(1 << 40), num(math.MinInt64),
		flt(0), flt(3.14159), flt(-3.14159), flt(589.9), flt(1795219335.590616), flt(0.1),
		flt(1e16), flt(1e-5), flt(123456789.0), flt(-0.5), flt(2.5), flt(1e20),
		boolean(true), boolean(false), none,
	}
	formats := []string{
		"%(v)s", "%(v)r", "%(v)a", "%(v)d", "%(v)i", "%(v)u", "%(v)f", "%(v)F", "%(v)e", "%(v)E", "%(v)g", "%(v)G",
		"%(v)5.1f", "%(v)-6s", "%(v)06.2f", "%(v)10s", "%(v)-10r", "%(v).2s", "%(v).3r", "%(v)05d", "%(v)-5d|",
		"%(v)+d", "%(v) d", "%(v)+.2f", "%(v) .1e", "%(v)08.3e", "%(v).0f", "%(v).10g", "%(v)-+8.2f",
		"%(v)03d", "%(v)20.4E", "%(v).3G",
	}
	var cases []fieldCase
	for _, f := range formats {
		for _, v := range values {
			v.Fmt = f
			cases = append(cases, v)
		}
	}
	type result struct {
		Out string `json:"out"`
		Err string `json:"err"`
	}
	var want []result
	pyRun(t, `
import json, struct, sys
out = []
for c in json.load(sys.stdin):
    k = c["kind"]
    v = {"str": lambda: c.get("s", ""), "int": lambda: c.get("i", 0),
         "float": lambda: struct.unpack(">d", bytes.fromhex(c["f"]))[0],
         "bool": lambda: c.get("b", False), "none": lambda: None}[k]()
    try:
        out.append({"out": c["fmt"] % {"v": v}, "err": ""})
    except (TypeError, ValueError, OverflowError) as e:
        out.append({"out": "", "err": str(e)})
print(json.dumps(out))
`, cases, &want)
	for i, c := range cases {
		segs, err := pyformat.Parse(c.Fmt, "%")
		require.NoError(t, err, c.Fmt)
		var b []byte
		var ferr error
		for _, s := range segs {
			if s.Key == "" {
				b = append(b, s.Literal...)
				continue
			}
			if b, _, ferr = pyformat.AppendField(b, nil, &s, c.value()); ferr != nil {
				break
			}
		}
		v := c.value()
		switch {
		case want[i].Err != "":
			assert.Error(t, ferr, "%q %% %s %v: Python raises %q, Go gives %q", c.Fmt, c.Kind, v, want[i].Err, b)
		case ferr != nil:
			t.Errorf("%q %% %s %v: Go fails with %q, Python gives %q", c.Fmt, c.Kind, v, ferr, want[i].Out)
		default:
			assert.Equal(t, want[i].Out, string(b), "%q %% %s %v", c.Fmt, c.Kind, v)
		}
	}
}

// The SPEC's worked example of Python's value semantics.
func TestAppendFieldSpecExample(t *testing.T) {
	t.Parallel()
	segs, err := pyformat.Parse("%(a)s|%(b)r|%(c)d|%(d)5.1f|%(e)-6s|%(f)06.2f", "%")
	require.NoError(t, err)
	vals := map[string]slog.Value{
		"a": slog.Float64Value(1795219335.590616), "b": slog.StringValue("ab"), "c": slog.Float64Value(589.9),
		"d": slog.Float64Value(3.14159), "e": slog.StringValue("ab"), "f": slog.Float64Value(3.14159),
	}
	var b, scratch []byte
	for _, s := range segs {
		if s.Key == "" {
			b = append(b, s.Literal...)
			continue
		}
		b, scratch, err = pyformat.AppendField(b, scratch, &s, vals[s.Key])
		require.NoError(t, err)
	}
	assert.Equal(t, "1795219335.590616|'ab'|589|  3.1|ab    |003.14", string(b))
}

func TestAppendFieldTypeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fmt  string
		give slog.Value
		want string
	}{
		{name: "d of str", fmt: "%(v)d", give: slog.StringValue("x"), want: "%d format: a real number is required, not str"},
		{name: "d of None", fmt: "%(v)d", give: slog.AnyValue(nil), want: "%d format: a real number is required, not NoneType"},
		{name: "f of str", fmt: "%(v)f", give: slog.StringValue("x"), want: "must be real number, not str"},
		{name: "f of None", fmt: "%(v)f", give: slog.AnyValue(nil), want: "must be real number, not NoneType"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			segs, err := pyformat.Parse(tt.fmt, "%")
			require.NoError(t, err)
			_, _, err = pyformat.AppendField(nil, nil, &segs[0], tt.give)
			assert.EqualError(t, err, tt.want)
		})
	}
}

func TestAppendStr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give slog.Value
		want string
	}{
		{name: "string", give: slog.StringValue("x y"), want: "x y"},
		{name: "int", give: slog.IntValue(-3), want: "-3"},
		{name: "uint", give: slog.Uint64Value(math.MaxUint64), want: "18446744073709551615"},
		{name: "float", give: slog.Float64Value(589), want: "589.0"},
		{name: "true", give: slog.BoolValue(true), want: "True"},
		{name: "false", give: slog.BoolValue(false), want: "False"},
		{name: "nil", give: slog.AnyValue(nil), want: "None"},
		{name: "error", give: slog.AnyValue(fmt.Errorf("boom")), want: "boom"},
		{name: "stringer", give: slog.AnyValue(slog.LevelWarn), want: "WARN"},
		{name: "struct", give: slog.AnyValue(struct{ A int }{1}), want: "{1}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, string(pyformat.AppendStr(nil, tt.give)))
		})
	}
}
