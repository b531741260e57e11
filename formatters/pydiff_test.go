package formatters_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slogtree/slogtree/internal/testutil"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/formatters"
	"github.com/slogtree/slogtree/internal/levels"
)

// pydiffAttr is a record attribute of a differential case: k is the key
// (a dotted key is a slog group), t the Python type.
type pydiffAttr struct {
	K string `json:"k"`
	T string `json:"t"` // str int float bool none time
	V any    `json:"v"`
}

func (a pydiffAttr) slog() slog.Attr {
	var v slog.Value
	switch a.T {
	case "str":
		v = slog.StringValue(a.V.(string))
	case "int":
		v = slog.Int64Value(int64(a.V.(int)))
	case "float":
		f, err := strconv.ParseFloat(a.V.(string), 64)
		if err != nil {
			panic(err)
		}
		v = slog.Float64Value(f)
	case "bool":
		v = slog.BoolValue(a.V.(bool))
	case "time":
		tv := a.V.([3]int64)
		v = slog.TimeValue(time.Unix(tv[0], tv[1]).In(time.FixedZone("", int(tv[2]))))
	default:
		v = slog.AnyValue(nil)
	}
	key := a.K
	if i := strings.IndexByte(key, '.'); i > 0 {
		return slog.Attr{Key: key[:i], Value: slog.GroupValue(slog.Attr{Key: key[i+1:], Value: v})}
	}
	return slog.Attr{Key: key, Value: v}
}

func pyStr(k, v string) pydiffAttr     { return pydiffAttr{K: k, T: "str", V: v} }
func pyInt(k string, v int) pydiffAttr { return pydiffAttr{K: k, T: "int", V: v} }

// pyTime is an aware datetime (a time.Time in a fixed zone offset seconds
// east of UTC).
func pyTime(k string, t time.Time, offset int) pydiffAttr {
	return pydiffAttr{K: k, T: "time", V: [3]int64{t.Unix(), int64(t.Nanosecond()), int64(offset)}}
}
func pyFloat(k string, v float64) pydiffAttr {
	return pydiffAttr{K: k, T: "float", V: strconv.FormatFloat(v, 'g', -1, 64)}
}

// pydiffCase is one (format, style, datefmt, record) of the differential
// table; the JSON fields are what testdata/pyformat.py reads.
type pydiffCase struct {
	Name     string         `json:"-"`
	Fmt      string         `json:"fmt"`
	Style    string         `json:"style"`
	DateFmt  string         `json:"datefmt"`
	Validate bool           `json:"validate"`
	Defaults map[string]any `json:"defaults"`
	Level    slog.Level     `json:"-"`
	// GoErr, when set, is the error slogtree gives where CPython fails at
	// format time: slogtree rejects the format when it is compiled.
	GoErr string       `json:"-"`
	Time  time.Time    `json:"-"`
	Msg   string       `json:"msg"`
	Attrs []pydiffAttr `json:"attrs"`

	// Filled in from the fields above for Python.
	Logger  string  `json:"name"`
	Levelno int     `json:"levelno"`
	Created float64 `json:"created"`
	Process int     `json:"process"`
}

// pydiffTime is the default record time: 2024-01-02 03:04:05.678901 UTC,
// away from millisecond boundaries so that CPython's float arithmetic and
// Go's integer nanoseconds agree on msecs.
var pydiffTime = time.Date(2024, 1, 2, 3, 4, 5, 678901000, time.UTC)

var pydiffUser = []pydiffAttr{pyStr("user", "alice"), pyInt("n", 7), pyFloat("f", 3.14159)}

func pydiffCases() []pydiffCase {
	std := []pydiffCase{
		// %-style: record fields.
		{Name: "default format", Fmt: ""},
		{Name: "classic", Fmt: "%(asctime)s %(levelname)-8s %(name)s: %(message)s"},
		{Name: "asctime datefmt", Fmt: "%(asctime)s %(message)s", DateFmt: "%d/%b/%Y:%H:%M:%S %j %a %A %B %p %I %y %e %U %W %w"},
		{Name: "asctime f literal", Fmt: "%(asctime)s|%(message)s", DateFmt: "%H:%M:%S.%f %%"},
		{Name: "asctime iso", Fmt: "%(asctime)s %(message)s", DateFmt: "%Y-%m-%dT%H:%M:%S%z"},
		{Name: "msecs", Fmt: "%(msecs)03d %(msecs)d %(msecs)s %(msecs).1f %(msecs)r"},
		{Name: "msecs small", Fmt: "%(asctime)s.%(msecs)03d", DateFmt: "%H:%M:%S", Time: time.Date(2024, 1, 2, 3, 4, 5, 7200000, time.UTC)},
		{Name: "created", Fmt: "%(created)f %(created).3f %(created)s %(created)d %(created)e %(created)g"},
		{Name: "levelno", Fmt: "%(levelno)s %(levelno)5d %(levelno)-5d| %(levelno)x %(levelno)o %(levelno)03d"},
		{Name: "levelname debug", Fmt: "[%(levelname)s] %(message)s", Level: slog.LevelDebug},
		{Name: "levelname warning", Fmt: "[%(levelname)s] %(message)s", Level: slog.LevelWarn},
		{Name: "levelname error", Fmt: "[%(levelname)s] %(message)s", Level: slog.LevelError},
		{Name: "levelname critical", Fmt: "[%(levelname)s] %(message)s", Level: levels.Critical},
		{Name: "levelname odd level", Fmt: "[%(levelname)s] %(levelno)d", Level: 1},
		{Name: "levelname between", Fmt: "[%(levelname)s] %(levelno)d", Level: -2},
		{Name: "levelname above critical", Fmt: "[%(levelname)s] %(levelno)d", Level: 14},
		{Name: "levelname notset", Fmt: "[%(levelname)s] %(levelno)d", Level: -8},
		{Name: "name widths", Fmt: "%(name)10s|%(name)-10s|%(name).3s|%(name)-4.3s|%(name)r|%(name)a"},
		{Name: "message repr", Fmt: "%(message)r", Msg: "it's"},
		{Name: "message repr dq", Fmt: "%(message)r", Msg: `it's "x"`},
		{Name: "message repr controls", Fmt: "%(message)r", Msg: "a\tb\nc\x01\x7f\\"},
		{Name: "message ascii", Fmt: "%(message)a|%(message)r", Msg: "héllo wörld ☃ 😀"},
		{Name: "unicode widths", Fmt: "%(message)-12s|%(message)12s|%(message).3s|%(message)8s|%(message)-8s|", Msg: "héllo☃"},
		{Name: "unicode literal", Fmt: "→ %(message)s ←", Msg: "日本語"},
		{Name: "literal percent", Fmt: "100%% %(message)s %%(x)s"},
		{Name: "process", Fmt: "%(process)d %(processName)s %(message)s"},
		{Name: "time attributes", Fmt: "%(t)s|%(us)s|%(east)s|%(west)s|%(t)-40s| %(message)s", Attrs: []pydiffAttr{
			pyTime("t", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), 0),
			pyTime("us", time.Date(2024, 1, 2, 3, 4, 5, 6789, time.UTC), 0),
			pyTime("east", time.Date(2024, 7, 1, 12, 0, 0, 500000000, time.UTC), 5*3600+1800),
			pyTime("west", time.Date(1999, 12, 31, 23, 59, 59, 999999999, time.UTC), -8*3600)}},
		{Name: "thread name", Fmt: "%(threadName)s %(threadName)-12s|%(threadName)r %(message)s"},
		// %-style: attributes and their values.
		{Name: "attrs s", Fmt: "%(user)s %(n)s %(f)s %(message)s", Attrs: pydiffUser},
		{Name: "attrs r", Fmt: "%(user)r %(n)r %(f)r", Attrs: pydiffUser},
		{Name: "attrs d", Fmt: "%(n)d %(f)d %(n)i %(n)u %(f)i", Attrs: pydiffUser},
		{Name: "attrs f", Fmt: "%(n)f %(f)f %(f).2f %(f)5.1f %(f)06.2f %(f)-8.2f| %(f)+.3f %(f) .1f", Attrs: pydiffUser},
		{Name: "attrs e", Fmt: "%(f)e %(f)E %(f).2e %(n)e %(f)012.3E %(f)#.0e", Attrs: pydiffUser},
		{Name: "attrs g", Fmt: "%(f)g %(f)G %(f).3g %(n)g %(big)g %(tiny)g %(big)G %(f)#g %(f)#.3G", Attrs: append(pydiffUser, pyFloat("big", 1.5e17), pyFloat("tiny", 1.5e-7))},
		{Name: "attrs F", Fmt: "%(f)F %(inf)F %(inf)f %(ninf)f %(nan)F %(nan)f", Attrs: append(pydiffUser, pyFloat("inf", math.Inf(1)), pyFloat("ninf", math.Inf(-1)), pyFloat("nan", math.NaN()))},
		{Name: "inf padded", Fmt: "%(inf)08f|%(ninf)-8f|%(inf)+f|%(nan)+f|%(inf)8.2e", Attrs: []pydiffAttr{pyFloat("inf", math.Inf(1)), pyFloat("ninf", math.Inf(-1)), pyFloat("nan", math.NaN())}},
		{Name: "negative zero", Fmt: "%(z)f %(z)s %(z)d %(z)e %(z)g", Attrs: []pydiffAttr{pyFloat("z", math.Copysign(0, -1))}},
		{Name: "hex octal", Fmt: "%(n)x %(n)X %(n)o %(n)#x %(n)#X %(n)#o %(n)#08x %(n)-#8x| %(neg)x %(neg)#x %(neg)#010X", Attrs: []pydiffAttr{pyInt("n", 255), pyInt("neg", -255)}},
		{Name: "int precision", Fmt: "%(n).5d %(n)8.3d %(neg).4d %(n).3x %(n)+d %(n) d %(neg)+05d", Attrs: []pydiffAttr{pyInt("n", 42), pyInt("neg", -42)}},
		{Name: "int zero and left", Fmt: "%(n)05d %(n)-05d| %(neg)05d %(n)0-5d|", Attrs: []pydiffAttr{pyInt("n", 42), pyInt("neg", -42)}},
		{Name: "big ints", Fmt: "%(max)d %(min)d %(min)x %(bigf)d %(max)e", Attrs: []pydiffAttr{pyInt("max", math.MaxInt64), pyInt("min", math.MinInt64), pyFloat("bigf", 1e20)}},
		{Name: "floats s", Fmt: "%(a)s %(b)s %(c)s %(d)s %(e)s %(g)s", Attrs: []pydiffAttr{pyFloat("a", 0.1), pyFloat("b", 1e16), pyFloat("c", 1e-5), pyFloat("d", 123456789.0), pyFloat("e", 1795219335.590616), pyFloat("g", 2.5e-4)}},
		{Name: "char", Fmt: "%(n)c %(s)c %(u)c|%(n)3c|%(n)-3c|", Attrs: []pydiffAttr{pyInt("n", 65), pyStr("s", "é"), pyInt("u", 0x263a)}},
		{Name: "bools", Fmt: "%(t)s %(ff)s %(t)d %(t)r %(t)f %(ff)x %(t)5s", Attrs: []pydiffAttr{{K: "t", T: "bool", V: true}, {K: "ff", T: "bool", V: false}}},
		{Name: "none", Fmt: "%(x)s %(x)r %(x)10s|", Attrs: []pydiffAttr{{K: "x", T: "none"}}},
		{Name: "empty string", Fmt: "[%(e)s][%(e)5s][%(e)r]", Attrs: []pydiffAttr{pyStr("e", "")}},
		{Name: "string precision", Fmt: "%(user).0s|%(user).2r|%(user)8.2s|", Attrs: pydiffUser},
		{Name: "group key", Fmt: "%(req.id)s %(message)s", Attrs: []pydiffAttr{pyStr("req.id", "r-1")}},
		{Name: "defaults", Fmt: "%(user)s %(message)s", Defaults: map[string]any{"user": "-"}},
		{Name: "defaults lose", Fmt: "%(user)s %(message)s", Defaults: map[string]any{"user": "-"}, Attrs: pydiffUser},
		{Name: "plain text no validate", Fmt: "just text"},
		// %-style: errors.
		{Name: "missing key", Fmt: "%(user)s %(message)s"},
		{Name: "missing key quote", Fmt: "%(it's)s %(message)s"},
		{Name: "d of str", Fmt: "%(user)d %(message)s", Attrs: pydiffUser},
		{Name: "x of float", Fmt: "%(f)x %(message)s", Attrs: pydiffUser},
		{Name: "f of str", Fmt: "%(user)f %(message)s", Attrs: pydiffUser},
		{Name: "c of str", Fmt: "%(user)c %(message)s", Attrs: pydiffUser},
		{Name: "c of float", Fmt: "%(f)c %(message)s", Attrs: pydiffUser},
		{Name: "c out of range", Fmt: "%(n)c %(message)s", Attrs: []pydiffAttr{pyInt("n", 0x110000)}},
		{Name: "d of nan", Fmt: "%(nan)d %(message)s", Attrs: []pydiffAttr{pyFloat("nan", math.NaN())}},
		{Name: "d of inf", Fmt: "%(inf)d %(message)s", Attrs: []pydiffAttr{pyFloat("inf", math.Inf(1))}},
		// Validation.
		{Name: "validate no field", Fmt: "hello", Validate: true},
		{Name: "validate one field enough", Fmt: "%(message)s %(x)s %", Validate: true, GoErr: "incomplete format"},
		{Name: "bad conversion", Fmt: "%(message)s %(message)z", GoErr: "unsupported format character 'z' (0x7a) at index 22"},
		{Name: "bad conversion missing key", Fmt: "%(message)s %(x)z", GoErr: "unsupported format character 'z' (0x7a) at index 16"},
		{Name: "star", Fmt: "%(message)*d", GoErr: "* wants int"},
		{Name: "percent conversion", Fmt: "%(message)s %(message)%"},
		{Name: "incomplete", Fmt: "%(message)s %(x)", GoErr: "incomplete format"},
		{Name: "incomplete key present", Fmt: "%(message)s %(message)5"},
		{Name: "length modifiers", Fmt: "%(n)ld %(n)hd %(n)5.3Lf", Attrs: pydiffUser},
	}
	brace := []pydiffCase{
		{Name: "brace classic", Fmt: "{asctime} {levelname:<8} {name}: {message}"},
		{Name: "brace default", Fmt: ""},
		{Name: "brace levelname center", Fmt: "[{levelname:^9}] [{levelname:*^10}] [{levelname:>9}] [{levelname:.3}]", Level: slog.LevelWarn},
		{Name: "brace conversions", Fmt: "{message!r} {message!s} {message!a} {n!r} {f!r:>10} {message!r:^12}|", Msg: "héllo", Attrs: pydiffUser},
		{Name: "brace msecs created", Fmt: "{msecs:03.0f} {created:.3f} {created} {msecs} {levelno:03d} {levelno:x}"},
		{Name: "brace ints", Fmt: "{n:5d}|{n:<5}|{n:^5}|{n:=+5}|{n:05}|{n:+}|{n: }|{n:b}|{n:#b}|{n:o}|{n:#o}|{n:x}|{n:#X}|{n:c}", Attrs: []pydiffAttr{pyInt("n", 97)}},
		{Name: "brace negative ints", Fmt: "{n:5d}|{n:05}|{n:=8}|{n:x}|{n:#x}|{n:+}|{n:,}", Attrs: []pydiffAttr{pyInt("n", -1234567)}},
		{Name: "brace grouping", Fmt: "{n:,}|{n:_}|{n:_x}|{n:_b}|{n:010,}|{n:08,}|{n:#_o}|{f:,.2f}|{f:_}|{f:015,.1f}", Attrs: []pydiffAttr{pyInt("n", 1234567), pyFloat("f", 9876543.21)}},
		{Name: "brace floats", Fmt: "{f}|{f:.2f}|{f:10.3f}|{f:<10.1f}|{f:e}|{f:.2E}|{f:g}|{f:.3G}|{f:%}|{f:.1%}|{f:+.2f}|{f: .2f}|{f:010.2f}|{f:#.0f}", Attrs: pydiffUser},
		{Name: "brace float no type", Fmt: "{a:.3}|{b:.3}|{c:.3}|{d:10}|{e:}|{a:.0}|{d:.12}", Attrs: []pydiffAttr{pyFloat("a", 1.0), pyFloat("b", 123.0), pyFloat("c", 0.000012345), pyFloat("d", 1e16), pyFloat("e", 2.5)}},
		{Name: "brace int as float", Fmt: "{n:f}|{n:.2e}|{n:%}|{n:g}", Attrs: []pydiffAttr{pyInt("n", 42)}},
		{Name: "brace special floats", Fmt: "{inf}|{inf:f}|{inf:F}|{nan:e}|{ninf:+.2f}|{inf:08}|{inf:>8}|{z}|{z:.1f}", Attrs: []pydiffAttr{pyFloat("inf", math.Inf(1)), pyFloat("ninf", math.Inf(-1)), pyFloat("nan", math.NaN()), pyFloat("z", math.Copysign(0, -1))}},
		{Name: "brace strings", Fmt: "{user:>8}|{user:<8}|{user:^8}|{user:_^9}|{user:.2}|{user:8.2}|{user:s}|{user:05}|{user:☃>7}", Attrs: pydiffUser},
		{Name: "brace unicode", Fmt: "{message:^10}|{message:.2}|{message!a}", Msg: "日本語"},
		{Name: "brace bools none", Fmt: "{t}|{t:>6}|{t:d}|{t!s:>6}|{x}|{x!r:>6}", Attrs: []pydiffAttr{{K: "t", T: "bool", V: true}, {K: "x", T: "none"}}},
		{Name: "brace escapes", Fmt: "{{literal}} {message} }}{{"},
		{Name: "brace group key", Fmt: "{req.id} {message}", Attrs: []pydiffAttr{pyStr("req.id", "r-1")}},
		{Name: "brace defaults", Fmt: "{user} {message}", Defaults: map[string]any{"user": "-"}},
		{Name: "brace missing", Fmt: "{user} {message}"},
		{Name: "brace missing dotted", Fmt: "{req.id} {message}"},
		{Name: "brace str with int type", Fmt: "{user:d} {message}", Attrs: pydiffUser},
		{Name: "brace float with int type", Fmt: "{f:d} {message}", Attrs: pydiffUser},
		{Name: "brace int precision", Fmt: "{n:.2} {message}", Attrs: pydiffUser},
		{Name: "brace str sign", Fmt: "{user:+} {message}", Attrs: pydiffUser},
		{Name: "brace str alt", Fmt: "{user:#} {message}", Attrs: pydiffUser},
		{Name: "brace str equals", Fmt: "{user:=5} {message}", Attrs: pydiffUser},
		{Name: "brace str grouping", Fmt: "{user:,} {message}", Attrs: pydiffUser},
		{Name: "brace x grouping comma", Fmt: "{n:,x} {message}", Attrs: pydiffUser},
		{Name: "brace none spec", Fmt: "{x:>5} {message}", Attrs: []pydiffAttr{{K: "x", T: "none"}}},
		{Name: "brace c sign", Fmt: "{n:+c} {message}", Attrs: pydiffUser},
		// Validation.
		{Name: "brace validate no fields", Fmt: "plain", Validate: true},
		{Name: "brace validate bad name", Fmt: "{a b}", Validate: true},
		{Name: "brace validate bad conversion", Fmt: "{message!x}", Validate: true},
		{Name: "brace validate bad spec", Fmt: "{message:abc}", Validate: true},
		{Name: "brace validate single close", Fmt: "{message}}", Validate: true},
		{Name: "brace validate single open", Fmt: "{message} {", Validate: true},
		{Name: "brace validate unclosed", Fmt: "{message", Validate: true},
		{Name: "brace validate unmatched spec", Fmt: "{message:>5", Validate: true},
		{Name: "brace validate conv no colon", Fmt: "{message!rr}", Validate: true},
		{Name: "brace validate name brace", Fmt: "{mes{sage}", Validate: true},
		{Name: "brace validate conv at end", Fmt: "{message!", Validate: true},
		{Name: "brace validate index bracket", Fmt: "{a[0]}", Validate: true, GoErr: "Formatting field not found in record: 'a'"},
	}
	for i := range brace {
		brace[i].Style = "{"
	}
	dollar := []pydiffCase{
		{Name: "dollar classic", Fmt: "$asctime ${levelname} $name: $message"},
		{Name: "dollar default", Fmt: ""},
		{Name: "dollar escapes", Fmt: "$$ $$name ${message}s $message-x $message.y"},
		{Name: "dollar values", Fmt: "$user $n $f ${msecs} $created $levelno", Attrs: pydiffUser},
		{Name: "dollar unicode", Fmt: "→ $message ←", Msg: "日本語"},
		{Name: "dollar defaults", Fmt: "$user $message", Defaults: map[string]any{"user": "-"}},
		{Name: "dollar missing", Fmt: "$user $message"},
		{Name: "dollar validate bare", Fmt: "$message $", Validate: true},
		{Name: "dollar validate bad brace", Fmt: "${a b} $message", Validate: true},
		{Name: "dollar validate digit", Fmt: "$1 $message", Validate: true},
		{Name: "dollar validate no fields", Fmt: "plain $$", Validate: true},
	}
	for i := range dollar {
		dollar[i].Style = "$"
	}
	std = append(append(std, brace...), dollar...)
	for i := range std {
		c := &std[i]
		if c.Style == "" {
			c.Style = "%"
		}
		if c.Name != "plain text no validate" && !strings.Contains(c.Name, "validate") {
			c.Validate = true
		}
	}
	return std
}

// TestPatternDiffCPython formats every case with CPython's
// logging.Formatter (testdata/pyformat.py, run once) and with the pattern
// formatter, and compares the bytes, or the error texts.
func TestPatternDiffCPython(t *testing.T) {
	t.Parallel()
	py := testutil.Python3(t)
	cases := pydiffCases()
	for i := range cases {
		c := &cases[i]
		if c.Time.IsZero() {
			c.Time = pydiffTime
		}
		if c.Msg == "" {
			c.Msg = "hello"
		}
		c.Logger = "app.db"
		c.Levelno = levels.PythonNumber(c.Level)
		c.Created = float64(c.Time.UnixNano()) / 1e9
		c.Process = os.Getpid()
	}
	in, err := json.Marshal(cases)
	require.NoError(t, err)
	cmd := exec.Command(py, "testdata/pyformat.py")
	cmd.Env = append(os.Environ(), "TZ=UTC")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "python3: %s", stderr.String())
	var want []struct{ Out, Err string }
	require.NoError(t, json.Unmarshal(out, &want))
	require.Len(t, want, len(cases))
	for i, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			got, gotErr := pydiffFormat(c)
			if c.GoErr != "" {
				require.NotEmpty(t, want[i].Err, "CPython formats %q as %q", c.Fmt, want[i].Out)
				assert.Equal(t, c.GoErr, gotErr, "format %q (CPython: %q)", c.Fmt, want[i].Err)
				return
			}
			if want[i].Err != "" {
				assert.Equal(t, want[i].Err, gotErr, "format %q: CPython fails, Go gives %q", c.Fmt, got)
				return
			}
			require.Empty(t, gotErr, "format %q: CPython gives %q", c.Fmt, want[i].Out)
			assert.Equal(t, want[i].Out+"\n", got, "format %q", c.Fmt)
		})
	}
}

// pydiffFormat renders c with the pattern formatter: the output, or the
// error text of NewPattern or Handle.
func pydiffFormat(c pydiffCase) (string, string) {
	p, err := formatters.NewPattern(&formatters.PatternOptions{
		Format: c.Fmt, Style: c.Style, DateFmt: c.DateFmt, NoValidate: !c.Validate,
		Defaults: c.Defaults, Extras: formatters.ExtrasIgnore, UTC: true,
	})
	if err != nil {
		return "", err.Error()
	}
	var buf bytes.Buffer
	h := formatters.WithLoggerName(p.NewHandler(&buf), c.Logger)
	r := slog.NewRecord(c.Time, c.Level, c.Msg, 0)
	for _, a := range c.Attrs {
		r.AddAttrs(a.slog())
	}
	if err := h.Handle(context.Background(), r); err != nil {
		return buf.String(), err.Error()
	}
	return buf.String(), ""
}
