package pyformat_test

import (
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/internal/pyformat"
)

// braceCase is one {v!conv:spec} field applied to one value.
type braceCase struct {
	Fmt  string `json:"fmt"`
	Kind string `json:"kind"` // str int float bool none
	S    string `json:"s,omitempty"`
	I    int64  `json:"i,omitempty"`
	F    string `json:"f,omitempty"` // float64 bits in hex
	B    bool   `json:"b,omitempty"`
}

func (c braceCase) value() slog.Value {
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

// The format mini-language, on seeded random specs over values of every
// type, gives CPython's str.format output or error text.
func TestBraceSpecMatchesCPython(t *testing.T) {
	t.Parallel()
	flt := func(f float64) braceCase {
		return braceCase{Kind: "float", F: fmt.Sprintf("%016x", math.Float64bits(f))}
	}
	values := []braceCase{
		{Kind: "str", S: "ab"}, {Kind: "str", S: ""}, {Kind: "str", S: "héllo ☃"},
		{Kind: "int", I: 0}, {Kind: "int", I: 7}, {Kind: "int", I: -42}, {Kind: "int", I: 1234567}, {Kind: "int", I: math.MinInt64},
		flt(0), flt(3.14159), flt(-2.5), flt(1234567.891), flt(1e-7), flt(1e22), flt(0.5), flt(100), flt(math.Copysign(0, -1)),
		flt(math.Inf(1)), flt(math.NaN()), flt(0.00012345), flt(999.9999),
		{Kind: "bool", B: true}, {Kind: "bool", B: false}, {Kind: "none"},
	}
	pick := func(r *rand.Rand, opts ...string) string { return opts[r.IntN(len(opts))] }
	r := rand.New(rand.NewPCG(3, 7))
	var cases []braceCase
	for range 2500 {
		spec := pick(r, "", "", "<", ">", "^", "=", "*^", "0=", "☃<", "x>") +
			pick(r, "", "", "+", " ", "-") + pick(r, "", "", "#") + pick(r, "", "", "0") +
			pick(r, "", "", "1", "8", "12") + pick(r, "", "", ",", "_") +
			pick(r, "", "", ".0", ".2", ".10") +
			pick(r, "", "", "b", "c", "d", "e", "E", "f", "F", "g", "G", "n", "o", "s", "x", "X", "%")
		conv := pick(r, "", "", "", "", "!r", "!s", "!a")
		c := values[r.IntN(len(values))]
		c.Fmt = "{v" + conv + ":" + spec + "}"
		cases = append(cases, c)
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
        out.append({"out": c["fmt"].format(v=v), "err": ""})
    except (TypeError, ValueError, OverflowError) as e:
        out.append({"out": "", "err": str(e)})
print(json.dumps(out))
`, cases, &want)
	require.Len(t, want, len(cases))
	fails := 0
	for i, c := range cases {
		segs, err := pyformat.Parse(c.Fmt, "{")
		var got []byte
		if err == nil {
			require.Len(t, segs, 1, c.Fmt)
			got, _, err = pyformat.AppendField(nil, nil, &segs[0], c.value())
		}
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if !assert.Equal(t, want[i], result{Out: string(got), Err: gotErr}, "%q.format(v=%s %v)", c.Fmt, c.Kind, c.value()) {
			if fails++; fails > 20 {
				t.Fatal("too many failures")
			}
		}
	}
}
