package formatters_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"regexp"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/formatters"
	"github.com/slogtree/slogtree/internal/levels"
)

// The tests of this file check that the json formatter writes what slog's
// JSONHandler writes, byte for byte, except for the level names and the
// DateFmt and UTC times that slogtree adds. The reference for those is
// the rule they replaced: slog's handler with a ReplaceAttr.

// jsonRef is the reference: slog's JSONHandler, and for records whose
// level slogtree names a twin with a ReplaceAttr that names it.
type jsonRef struct {
	plain, named slog.Handler
}

func newJSONRef(w io.Writer, o formatters.JSONOptions) jsonRef {
	opts := slog.HandlerOptions{AddSource: o.AddSource, Level: levels.All}
	timeRule := jsonRefTimeRule(o)
	opts.ReplaceAttr = timeRule
	named := opts
	named.ReplaceAttr = func(groups []string, a slog.Attr) slog.Attr {
		if timeRule != nil {
			a = timeRule(groups, a)
		}
		if l, ok := a.Value.Any().(slog.Level); ok && a.Key == slog.LevelKey && len(groups) == 0 {
			a.Value = slog.StringValue(levels.SlogName(l))
		}
		return a
	}
	return jsonRef{slog.NewJSONHandler(w, &opts), slog.NewJSONHandler(w, &named)}
}

// jsonRefTimeRule is the DateFmt and UTC rule: a time keyed "time" outside
// any group, the record's among them.
func jsonRefTimeRule(o formatters.JSONOptions) func([]string, slog.Attr) slog.Attr {
	if o.DateFmt == "" && !o.UTC {
		return nil
	}
	return func(groups []string, a slog.Attr) slog.Attr {
		if a.Key != slog.TimeKey || len(groups) != 0 || a.Value.Kind() != slog.KindTime {
			return a
		}
		t := a.Value.Time()
		if o.UTC {
			t = t.UTC()
		}
		if o.DateFmt == "" {
			a.Value = slog.TimeValue(t)
		} else {
			a.Value = slog.StringValue(string(formatters.AppendStrftime(nil, o.DateFmt, t)))
		}
		return a
	}
}

func (r jsonRef) WithAttrs(as []slog.Attr) jsonRef {
	return jsonRef{r.plain.WithAttrs(as), r.named.WithAttrs(as)}
}

func (r jsonRef) WithGroup(name string) jsonRef {
	return jsonRef{r.plain.WithGroup(name), r.named.WithGroup(name)}
}

func (r jsonRef) Handle(ctx context.Context, rec slog.Record) error {
	if _, ok := levels.CustomName(rec.Level); ok || rec.Level >= levels.Critical {
		return r.named.Handle(ctx, rec)
	}
	return r.plain.Handle(ctx, rec)
}

// jsonOp is one step in making a handler from another.
type jsonOp struct {
	group  *string     // WithGroup(*group)
	logger *string     // WithLoggerName(*logger)
	attrs  []slog.Attr // else WithAttrs(attrs)
}

func jsonWithGroup(name string) jsonOp  { return jsonOp{group: &name} }
func jsonWithLogger(name string) jsonOp { return jsonOp{logger: &name} }
func jsonWith(as ...slog.Attr) jsonOp   { return jsonOp{attrs: as} }

// jsonScenario is a formatter's options, the steps that derive a handler
// from its NewHandler, and the records that handler writes.
type jsonScenario struct {
	opts    formatters.JSONOptions
	ops     []jsonOp
	records []slog.Record
}

// run writes the scenario's records with slogtree's handler and with the
// reference, and returns both outputs.
func (sc jsonScenario) run(t testing.TB) (got, want string) {
	t.Helper()
	var gotBuf, wantBuf bytes.Buffer
	h := formatters.NewJSON(&sc.opts).NewHandler(&gotBuf)
	ref := newJSONRef(&wantBuf, sc.opts)
	for _, op := range sc.ops {
		switch {
		case op.group != nil:
			h, ref = h.WithGroup(*op.group), ref.WithGroup(*op.group)
		case op.logger != nil:
			h = formatters.WithLoggerName(h, *op.logger)
			ref = ref.WithAttrs([]slog.Attr{slog.String(formatters.LoggerKey, *op.logger)})
		default:
			// Each handler owns the slice it is given.
			h, ref = h.WithAttrs(jsonCloneAttrs(op.attrs)), ref.WithAttrs(jsonCloneAttrs(op.attrs))
		}
	}
	ctx := context.Background()
	for _, r := range sc.records {
		require.NoError(t, h.Handle(ctx, r.Clone()))
		require.NoError(t, ref.Handle(ctx, r.Clone()))
	}
	return normaliseJSONStack(gotBuf.String()), normaliseJSONStack(wantBuf.String())
}

func jsonCloneAttrs(as []slog.Attr) []slog.Attr { return append([]slog.Attr(nil), as...) }

// jsonStack matches the call stack slog adds to the error of a LogValue
// method that panicked: its frames differ by the caller of Resolve.
var jsonStack = regexp.MustCompile(`LogValue panicked\\n[^"]*`)

func normaliseJSONStack(s string) string {
	return jsonStack.ReplaceAllString(s, `LogValue panicked\n<stack>`)
}

// The values of the table.

var jsonDiffTime = time.Date(2024, 1, 2, 3, 4, 5, 678901234, time.UTC)

func jsonRecord(level slog.Level, msg string, attrs ...slog.Attr) slog.Record {
	r := slog.NewRecord(jsonDiffTime, level, msg, 0)
	r.AddAttrs(attrs...)
	return r
}

// jsonPC is the program counter of a real call, for AddSource.
func jsonPC() uintptr {
	var pcs [1]uintptr
	runtime.Callers(2, pcs[:])
	return pcs[0]
}

// jsonSource is the source of pc, as slog makes it for a record.
func jsonSource(pc uintptr) *slog.Source {
	f, _ := runtime.CallersFrames([]uintptr{pc}).Next()
	return &slog.Source{Function: f.Function, File: f.File, Line: f.Line}
}

type jsonStringer struct{ s string }

func (s *jsonStringer) String() string { return s.s }

type jsonErr struct{ msg string }

func (e *jsonErr) Error() string { return e.msg } // panics on a nil *jsonErr

type jsonPanicErr struct{}

func (jsonPanicErr) Error() string { panic("error method broke") }

type jsonMarshalErr struct{ s string }

func (m jsonMarshalErr) Error() string                { return "as error: " + m.s }
func (m jsonMarshalErr) MarshalJSON() ([]byte, error) { return json.Marshal("as json: " + m.s) }

type jsonGoodMarshaler struct{ n int }

func (m jsonGoodMarshaler) MarshalJSON() ([]byte, error) {
	return []byte(fmt.Sprintf(` { "n" : %d, "html": "<&>" } `, m.n)), nil
}

type jsonFailMarshaler struct{}

func (jsonFailMarshaler) MarshalJSON() ([]byte, error) { return nil, errors.New("cannot marshal") }

type jsonPanicMarshaler struct{}

func (*jsonPanicMarshaler) MarshalJSON() ([]byte, error) { panic("marshal broke") }

type jsonBadJSONMarshaler struct{}

func (jsonBadJSONMarshaler) MarshalJSON() ([]byte, error) { return []byte("{not json"), nil }

type jsonTextMarshaler struct{ s string }

func (m jsonTextMarshaler) MarshalText() ([]byte, error) { return []byte("text:" + m.s), nil }

type jsonFailTextMarshaler struct{}

func (jsonFailTextMarshaler) MarshalText() ([]byte, error) { return nil, errors.New("no text") }

type jsonPtrTextMarshaler struct{ s string }

func (m *jsonPtrTextMarshaler) MarshalText() ([]byte, error) { return []byte(m.s), nil }

// jsonValuer is a LogValuer of a fixed value.
type jsonValuer struct{ v slog.Value }

func (v jsonValuer) LogValue() slog.Value { return v.v }

type jsonPanicValuer struct{}

func (jsonPanicValuer) LogValue() slog.Value { panic("LogValue broke") }

// jsonLoopValuer returns itself: slog gives up after 100 calls.
type jsonLoopValuer struct{}

func (v jsonLoopValuer) LogValue() slog.Value { return slog.AnyValue(v) }

type jsonStruct struct {
	Name  string            `json:"name"`
	HTML  string            `json:"html"`
	Bytes []byte            `json:"bytes"`
	Map   map[string]int    `json:"map,omitempty"`
	Skip  string            `json:"-"`
	Inner *jsonStruct       `json:"inner"`
	Tags  map[string]string `json:"tags"`
}

// jsonOddStrings need escaping, or look as if they do.
var jsonOddStrings = []string{
	"", "plain", `quote " and backslash \`, "new\nline\rreturn\ttab", "\x00\x01\x08\x0b\x0c\x1f\x7f",
	"<html> & 'apos'", "é ü 日本 😀", "\u2028\u2029", "bad \xff\xfe utf-8", "cut \xe2\x80", "\ufffd real replacement char",
	"\xed\xa0\x80 surrogate", "/slash", "}{][,:",
}

func jsonValues(pc uintptr) []slog.Attr {
	var nilErr *jsonErr
	var nilStringer *jsonStringer
	var nilPtrText *jsonPtrTextMarshaler
	var nilPanicMarshaler *jsonPanicMarshaler
	loc := time.FixedZone("X", -(3*3600 + 30*60))
	return []slog.Attr{
		slog.String("s", "v"),
		slog.Int64("i0", 0), slog.Int64("imin", math.MinInt64), slog.Int64("imax", math.MaxInt64),
		slog.Uint64("u", math.MaxUint64),
		slog.Float64("f0", 0), slog.Float64("fneg0", math.Copysign(0, -1)), slog.Float64("f", 1.5),
		slog.Float64("fsmall", 1e-7), slog.Float64("fedge", 1e-6), slog.Float64("fbelow", 9.99e-7),
		slog.Float64("fbig", 1e21), slog.Float64("fnearbig", 1e20), slog.Float64("fneg", -123456789.125),
		slog.Float64("fmin", math.SmallestNonzeroFloat64), slog.Float64("fmax", math.MaxFloat64),
		slog.Float64("fe100", -1e-100), slog.Any("f32", float32(0.1)),
		slog.Float64("nan", math.NaN()), slog.Float64("inf", math.Inf(1)), slog.Float64("ninf", math.Inf(-1)),
		slog.Bool("t", true), slog.Bool("f", false),
		slog.Duration("d", 1500*time.Millisecond), slog.Duration("dneg", -time.Nanosecond),
		slog.Time("tm", jsonDiffTime), slog.Time("tzone", jsonDiffTime.In(loc)), slog.Time("tlocal", jsonDiffTime.Local()),
		slog.Time("tzero", time.Time{}), slog.Time("year0", time.Date(0, 3, 1, 0, 0, 0, 0, time.UTC)),
		slog.Time("year9999", time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)),
		slog.Time("yearneg", time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)),
		slog.Time("year10000", time.Date(10000, 1, 1, 0, 0, 0, 0, loc)),
		slog.Time("year3000", time.Date(3000, 1, 1, 0, 0, 0, 1, time.UTC)),
		slog.Time("monotonic", time.Now()),
		slog.Any("nil", nil), slog.Any("err", errors.New("bad <thing>")),
		slog.Any("wrapped", fmt.Errorf("outer: %w", errors.New("inner\n"))),
		slog.Any("errmarshal", jsonMarshalErr{"x"}), slog.Any("marshal", jsonGoodMarshaler{7}),
		slog.Any("failmarshal", jsonFailMarshaler{}), slog.Any("panicmarshal", &jsonPanicMarshaler{}),
		slog.Any("nilpanicmarshal", nilPanicMarshaler), slog.Any("badjson", jsonBadJSONMarshaler{}),
		slog.Any("text", jsonTextMarshaler{"<a>"}), slog.Any("failtext", jsonFailTextMarshaler{}),
		slog.Any("niltext", nilPtrText), slog.Any("textkey", map[jsonTextMarshaler]int{{"k"}: 1}),
		slog.Any("bytes", []byte("hello <\x00>")), slog.Any("nilbytes", []byte(nil)),
		slog.Any("map", map[string]any{"b": 1, "a": "<&>", "c": []any{nil, true, 2.5}}),
		slog.Any("struct", jsonStruct{Name: "n", HTML: "<b>", Bytes: []byte{0, 1}, Inner: &jsonStruct{Name: "in"}}),
		slog.Any("slice", []string{"x", "\u2028"}), slog.Any("array", [2]int{1, 2}),
		slog.Any("chan", make(chan int)), slog.Any("func", func() {}), slog.Any("complex", 1+2i),
		slog.Any("nilerr", nilErr), slog.Any("nilstringer", nilStringer), slog.Any("stringer", &jsonStringer{"s"}),
		slog.Any("panicerr", jsonPanicErr{}), slog.Any("nilany", (*int)(nil)),
		slog.Any("level", slog.LevelWarn), slog.Any("kind", slog.KindGroup),
		slog.Any("source", &slog.Source{Function: "f", File: "/a/b.go", Line: 3}),
		slog.Any("partialsource", &slog.Source{Line: 9}), slog.Any("emptysource", &slog.Source{}),
		slog.Any("nilsource", (*slog.Source)(nil)), slog.Any("sourcevalue", slog.Source{Function: "f"}),
		slog.Any("pcsource", jsonSource(pc)),
		slog.Any("valuer", jsonValuer{slog.IntValue(3)}),
		slog.Any("valuer2", jsonValuer{slog.AnyValue(jsonValuer{slog.StringValue("deep")})}),
		slog.Any("valuergroup", jsonValuer{slog.GroupValue(slog.Int("a", 1), slog.Any("nested", jsonValuer{slog.BoolValue(true)}))}),
		slog.Any("valuerempty", jsonValuer{slog.GroupValue()}),
		slog.Any("valuernil", jsonValuer{slog.AnyValue(nil)}),
		slog.Any("", jsonValuer{slog.AnyValue(nil)}),
		slog.Any("valuerpanic", jsonPanicValuer{}), slog.Any("valuerloop", jsonLoopValuer{}),
		slog.Any("valuersource", jsonValuer{slog.AnyValue(&slog.Source{File: "v.go"})}),
		slog.Int("", 1), slog.String("", ""),
	}
}

func TestJSONMatchesSlog(t *testing.T) {
	t.Parallel()
	jsonRegisterName(t)
	pc := jsonPC()
	values := jsonValues(pc)
	var keys []slog.Attr
	for i, s := range jsonOddStrings {
		keys = append(keys, slog.Int(s, i), slog.String("v", s))
	}
	dateFmt := `%Y-%m-%d %H:%M:%S %z "%Z" \ %% é` + "\t"
	tests := []struct {
		name string
		give jsonScenario
	}{
		{name: "every kind", give: jsonScenario{records: []slog.Record{jsonRecord(slog.LevelInfo, "m", values...)}}},
		{name: "each kind alone", give: jsonScenario{records: jsonEach(values)}},
		{name: "each kind in With", give: jsonScenario{ops: []jsonOp{jsonWith(values...)}, records: []slog.Record{jsonRecord(0, "m")}}},
		{name: "each kind in a group", give: jsonScenario{records: []slog.Record{jsonRecord(0, "m", slog.Attr{Key: "g", Value: slog.GroupValue(values...)})}}},
		{name: "odd keys and strings", give: jsonScenario{records: []slog.Record{jsonRecord(0, "m", keys...)}}},
		{name: "odd messages", give: jsonScenario{records: jsonMessages()}},
		{name: "zero time", give: jsonScenario{records: []slog.Record{slog.NewRecord(time.Time{}, slog.LevelWarn, "m", 0)}}},
		{name: "record time in a zone", give: jsonScenario{records: []slog.Record{
			slog.NewRecord(jsonDiffTime.In(time.FixedZone("", 5*3600+45*60)), 0, "m", 0),
			slog.NewRecord(time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC), 0, "m", 0),
			slog.NewRecord(time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC), 0, "m", 0),
			slog.NewRecord(time.Now(), 0, "m", 0),
		}}},
		{name: "times of one second", give: jsonScenario{records: jsonOneSecond()}},
		{name: "times of one second, utc", give: jsonScenario{opts: formatters.JSONOptions{UTC: true}, records: jsonOneSecond()}},
		{name: "times of one second, date format", give: jsonScenario{opts: formatters.JSONOptions{DateFmt: "%T %Z"}, records: jsonOneSecond()}},
		{name: "levels", give: jsonScenario{records: jsonLevels()}},
		{name: "source", give: jsonScenario{opts: formatters.JSONOptions{AddSource: true}, records: []slog.Record{
			slog.NewRecord(jsonDiffTime, 0, "pc", pc),
			slog.NewRecord(jsonDiffTime, 0, "no pc", 0),
			slog.NewRecord(jsonDiffTime, 12, "unknown pc", 1),
			slog.NewRecord(time.Time{}, 0, "pc without time", pc),
		}}},
		{name: "source off", give: jsonScenario{records: []slog.Record{slog.NewRecord(jsonDiffTime, 0, "pc", pc)}}},
		{name: "empty attrs", give: jsonScenario{records: []slog.Record{
			jsonRecord(0, "m", slog.Attr{}),
			jsonRecord(0, "m", slog.Attr{}, slog.Int("a", 1), slog.Attr{}, slog.Any("", nil), slog.Int("b", 2)),
			jsonRecord(0, "m", slog.Int("a", 1), slog.Group("g")),
		}}},
		{name: "groups", give: jsonScenario{records: []slog.Record{
			jsonRecord(0, "m", slog.Group("g", "a", 1, slog.Group("h", "b", 2, slog.Group("", "c", 3)), "d", 4), slog.Int("e", 5)),
			jsonRecord(0, "m", slog.Group("", "a", 1), slog.Group("", slog.Group("", "b", 2))),
			jsonRecord(0, "m", slog.Group("g", slog.Group("h")), slog.Int("a", 1)),
			jsonRecord(0, "m", slog.Group("g", slog.Attr{}), slog.Int("after", 1)),
			jsonRecord(0, "m", slog.Group("g", slog.Attr{}, slog.Int("a", 1), slog.Attr{})),
			jsonRecord(0, "m", slog.Group("", slog.Attr{}), slog.Int("after", 1)),
			jsonRecord(0, "m", slog.Group("g", slog.Any("e", jsonValuer{slog.GroupValue()})), slog.Int("after", 1)),
			jsonRecord(0, "m", slog.Group("g", slog.Any("", jsonValuer{slog.AnyValue(nil)})), slog.Int("after", 1)),
		}}},
		{name: "more than five attrs", give: jsonScenario{records: []slog.Record{
			jsonRecord(0, "m", slog.Int("a", 1), slog.Int("b", 2), slog.Int("c", 3), slog.Int("d", 4), slog.Int("e", 5),
				slog.Int("f", 6), slog.Group("g", "h", 7), slog.Attr{}, slog.Int("i", 8)),
		}}},
		{name: "with and groups", give: jsonScenario{
			ops:     []jsonOp{jsonWith(slog.Int("a", 1)), jsonWithGroup("g"), jsonWith(slog.Int("b", 2), slog.Group("", "c", 3)), jsonWithGroup("h"), jsonWithGroup("i"), jsonWith(slog.Int("d", 4))},
			records: []slog.Record{jsonRecord(0, "m", slog.Int("e", 5)), jsonRecord(0, "no attrs"), jsonRecord(0, "empty attrs", slog.Attr{})},
		}},
		{name: "group without with", give: jsonScenario{
			ops:     []jsonOp{jsonWithGroup("g"), jsonWithGroup("h")},
			records: []slog.Record{jsonRecord(0, "m", slog.Int("e", 5)), jsonRecord(0, "no attrs"), jsonRecord(0, "empty", slog.Attr{}, slog.Group("", slog.Attr{}))},
		}},
		{name: "group after with", give: jsonScenario{
			ops:     []jsonOp{jsonWith(slog.Int("a", 1)), jsonWithGroup("g")},
			records: []slog.Record{jsonRecord(0, "m", slog.Int("b", 2)), jsonRecord(0, "no attrs")},
		}},
		{name: "empty group name", give: jsonScenario{
			ops:     []jsonOp{jsonWithGroup(""), jsonWith(slog.Int("a", 1)), jsonWithGroup("")},
			records: []slog.Record{jsonRecord(0, "m", slog.Int("b", 2)), jsonRecord(0, "no attrs")},
		}},
		{name: "with only empty groups", give: jsonScenario{
			ops:     []jsonOp{jsonWithGroup("g"), jsonWith(slog.Group("x"), slog.Group("y")), jsonWith()},
			records: []slog.Record{jsonRecord(0, "m", slog.Int("b", 2)), jsonRecord(0, "no attrs")},
		}},
		{name: "with only empty attrs", give: jsonScenario{
			ops:     []jsonOp{jsonWithGroup("g"), jsonWith(slog.Attr{}, slog.Group("x")), jsonWith(slog.Int("a", 1))},
			records: []slog.Record{jsonRecord(0, "m", slog.Int("b", 2)), jsonRecord(0, "no attrs")},
		}},
		{name: "with an empty valued group opens it", give: jsonScenario{
			ops:     []jsonOp{jsonWithGroup("g"), jsonWith(slog.Any("e", jsonValuer{slog.GroupValue()})), jsonWithGroup("h"), jsonWith(slog.Any("e", jsonValuer{slog.GroupValue()}))},
			records: []slog.Record{jsonRecord(0, "m", slog.Int("b", 2)), jsonRecord(0, "no attrs"), jsonRecord(0, "empty", slog.Attr{})},
		}},
		{name: "with an empty valued group, then more", give: jsonScenario{
			ops:     []jsonOp{jsonWithGroup("g"), jsonWith(slog.Any("e", jsonValuer{slog.GroupValue()})), jsonWith(slog.Int("a", 1))},
			records: []slog.Record{jsonRecord(0, "m", slog.Int("b", 2))},
		}},
		{name: "logger name first", give: jsonScenario{
			ops:     []jsonOp{jsonWithLogger("app.db \"x\""), jsonWithGroup("g"), jsonWith(slog.Int("a", 1))},
			records: []slog.Record{jsonRecord(12, "m", slog.Int("b", 2)), jsonRecord(0, "no attrs")},
		}},
		{name: "logger name in a group", give: jsonScenario{
			ops:     []jsonOp{jsonWithGroup("g"), jsonWithLogger("app")},
			records: []slog.Record{jsonRecord(0, "m", slog.Int("b", 2))},
		}},
		{name: "date format", give: jsonScenario{opts: formatters.JSONOptions{DateFmt: dateFmt}, records: jsonTimeKeys()}},
		{name: "date format with source", give: jsonScenario{opts: formatters.JSONOptions{DateFmt: "%H", AddSource: true}, records: jsonLevels()}},
		{name: "utc", give: jsonScenario{opts: formatters.JSONOptions{UTC: true}, records: jsonTimeKeys()}},
		{name: "utc and date format", give: jsonScenario{opts: formatters.JSONOptions{UTC: true, DateFmt: "%c %Z"}, records: jsonTimeKeys()}},
		{name: "time keys in with", give: jsonScenario{
			opts:    formatters.JSONOptions{DateFmt: "%Y"},
			ops:     []jsonOp{jsonWith(slog.Time("time", jsonDiffTime), slog.Group("g", slog.Time("time", jsonDiffTime))), jsonWithGroup("h"), jsonWith(slog.Time("time", jsonDiffTime))},
			records: []slog.Record{jsonRecord(0, "m", slog.Time("time", jsonDiffTime))},
		}},
		{name: "time key after a taken-back group", give: jsonScenario{
			opts:    formatters.JSONOptions{UTC: true},
			records: []slog.Record{jsonRecord(0, "m", slog.Group("g", slog.Attr{}), slog.Time("time", jsonDiffTime.In(time.FixedZone("", 3600))))},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, want := tt.give.run(t)
			assert.Equal(t, want, got)
		})
	}
}

// jsonEach is a record for each attribute.
func jsonEach(as []slog.Attr) []slog.Record {
	var rs []slog.Record
	for _, a := range as {
		rs = append(rs, jsonRecord(0, "m", a))
	}
	return rs
}

func jsonMessages() []slog.Record {
	var rs []slog.Record
	for _, s := range jsonOddStrings {
		rs = append(rs, jsonRecord(0, s))
	}
	return rs
}

// jsonLevels are records of the levels slog names, those slogtree names,
// and the extremes.
func jsonLevels() []slog.Record {
	var rs []slog.Record
	for _, l := range []slog.Level{-9, -8, -5, -4, -3, -1, 0, 1, 3, 4, 5, 7, 8, 9, 11, 12, 13, 16, jsonCustomLevel, 100, math.MinInt, math.MaxInt, math.MinInt32, math.MaxInt32} {
		rs = append(rs, jsonRecord(l, "m", slog.Int("a", 1)))
	}
	return rs
}

// jsonTimeKeys are records with attributes keyed "time" in every place,
// for the DateFmt and UTC rule.
func jsonTimeKeys() []slog.Record {
	loc := time.FixedZone("EST", -5*3600)
	t := jsonDiffTime.In(loc)
	return []slog.Record{
		slog.NewRecord(t, 0, "m", 0),
		slog.NewRecord(time.Time{}, 0, "zero", 0),
		jsonRecord(0, "m", slog.Time("time", t), slog.Time("other", t), slog.Group("g", slog.Time("time", t)),
			slog.Group("", slog.Time("time", t)), slog.String("time", "not a time"), slog.Any("time", jsonValuer{slog.TimeValue(t)}),
			slog.Time("time", time.Time{}), slog.Time("time", time.Date(10000, 1, 1, 0, 0, 0, 0, loc))),
		slog.NewRecord(time.Date(-3, 1, 1, 0, 0, 0, 0, loc), 0, "m", 0),
	}
}

// jsonOneSecond are records whose times, of the record and attributes,
// fall in the same second, in several locations, with and without a
// fraction.
func jsonOneSecond() []slog.Record {
	sec := jsonDiffTime.Truncate(time.Second)
	east, west := time.FixedZone("E", 3600), time.FixedZone("W", -7200)
	var rs []slog.Record
	for _, ns := range []int{0, 1, 10, 100000000, 120000000, 999999999, 0} {
		t := sec.Add(time.Duration(ns))
		for _, loc := range []*time.Location{time.UTC, east, west, east} {
			rs = append(rs, slog.NewRecord(t.In(loc), 0, "m", 0))
			rs = append(rs, jsonRecord(0, "m", slog.Time("t", t.In(loc)), slog.Time("time", t.In(west))))
		}
	}
	return rs
}

// Handlers of formatters with different time options, writing times of
// the same second in turn, each write their own.
func TestJSONTimesOfOneSecondAcrossFormats(t *testing.T) {
	t.Parallel()
	opts := []formatters.JSONOptions{{}, {DateFmt: "%H:%M:%S"}, {UTC: true}, {DateFmt: "%M"}, {DateFmt: "%H:%M:%S", UTC: true}}
	gots := make([]bytes.Buffer, len(opts))
	wants := make([]bytes.Buffer, len(opts))
	var hs []slog.Handler
	var refs []jsonRef
	for i, o := range opts {
		hs = append(hs, formatters.NewJSON(&o).NewHandler(&gots[i]))
		refs = append(refs, newJSONRef(&wants[i], o))
	}
	ctx := context.Background()
	for _, r := range jsonOneSecond() {
		for i := range opts {
			require.NoError(t, hs[i].Handle(ctx, r))
			require.NoError(t, refs[i].Handle(ctx, r))
		}
	}
	for i, o := range opts {
		assert.Equal(t, wants[i].String(), gots[i].String(), "%+v", o)
	}
}

// jsonCustomLevel is the level this file names: no other test of the
// package uses it, as the registry is global.
const jsonCustomLevel = slog.Level(17)

var jsonRegisterOnce sync.Once

func jsonRegisterName(t testing.TB) {
	jsonRegisterOnce.Do(func() {
		require.NoError(t, formatters.RegisterLevelName(`NOTE"<\é`, jsonCustomLevel))
	})
}

// The level names and times that slogtree adds, written out.
func TestJSONNamesAndDates(t *testing.T) {
	t.Parallel()
	jsonRegisterName(t)
	tests := []struct {
		name string
		opts formatters.JSONOptions
		give slog.Record
		want string
	}{
		{name: "critical", give: jsonRecord(12, "m"), want: `{"time":"2024-01-02T03:04:05.678901234Z","level":"CRITICAL","msg":"m"}`},
		{name: "critical+3", give: jsonRecord(15, "m"), want: `{"time":"2024-01-02T03:04:05.678901234Z","level":"CRITICAL+3","msg":"m"}`},
		{name: "error+3", give: jsonRecord(11, "m"), want: `{"time":"2024-01-02T03:04:05.678901234Z","level":"ERROR+3","msg":"m"}`},
		{name: "debug-2", give: jsonRecord(-6, "m"), want: `{"time":"2024-01-02T03:04:05.678901234Z","level":"DEBUG-2","msg":"m"}`},
		{name: "registered", give: jsonRecord(jsonCustomLevel, "m"), want: `{"time":"2024-01-02T03:04:05.678901234Z","level":"NOTE\"<\\é","msg":"m"}`},
		{name: "next to registered", give: jsonRecord(jsonCustomLevel+1, "m"), want: `{"time":"2024-01-02T03:04:05.678901234Z","level":"CRITICAL+6","msg":"m"}`},
		{
			name: "date format",
			opts: formatters.JSONOptions{DateFmt: `%d/%m/%Y %H:%M:%S "%Z"`},
			give: jsonRecord(0, "m", slog.Time("time", jsonDiffTime), slog.Group("g", slog.Time("time", jsonDiffTime))),
			want: `{"time":"02/01/2024 03:04:05 \"UTC\"","level":"INFO","msg":"m","time":"02/01/2024 03:04:05 \"UTC\"","g":{"time":"2024-01-02T03:04:05.678901234Z"}}`,
		},
		{
			name: "utc",
			opts: formatters.JSONOptions{UTC: true},
			give: slog.NewRecord(time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600)), 0, "m", 0),
			want: `{"time":"2024-01-02T02:04:05Z","level":"INFO","msg":"m"}`,
		},
		{
			name: "zone kept without utc",
			give: slog.NewRecord(time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600)), 0, "m", 0),
			want: `{"time":"2024-01-02T03:04:05+01:00","level":"INFO","msg":"m"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc := jsonScenario{opts: tt.opts, records: []slog.Record{tt.give}}
			got, ref := sc.run(t)
			assert.Equal(t, tt.want+"\n", got)
			assert.Equal(t, ref, got, "the rule of slog's handler with a ReplaceAttr")
		})
	}
}

// TestJSONMatchesSlogRandom compares thousands of generated scenarios.
func TestJSONMatchesSlogRandom(t *testing.T) {
	t.Parallel()
	jsonRegisterName(t)
	n := 3000
	if testing.Short() {
		n = 300
	}
	rng := rand.New(rand.NewPCG(20240102, 42))
	g := &jsonGen{c: jsonRandChooser{rng}, pc: jsonPC()}
	for i := range n {
		sc := g.scenario()
		got, want := sc.run(t)
		if got != want {
			t.Fatalf("scenario %d:\n got: %s\nwant: %s", i, got, want)
		}
	}
}

// A jsonChooser makes the choices of a jsonGen.
type jsonChooser interface {
	intn(n int) int // in [0, n)
	u64() uint64
	str() string
}

type jsonRandChooser struct{ r *rand.Rand }

func (c jsonRandChooser) intn(n int) int { return c.r.IntN(n) }
func (c jsonRandChooser) u64() uint64    { return c.r.Uint64() }

func (c jsonRandChooser) str() string {
	if c.r.IntN(2) == 0 {
		return jsonOddStrings[c.r.IntN(len(jsonOddStrings))]
	}
	b := make([]byte, c.r.IntN(12))
	for i := range b {
		b[i] = byte(c.r.IntN(256))
		if c.r.IntN(2) == 0 {
			const odd = "ab\"\\\n<é\u2028"
			b[i] = odd[c.r.IntN(len(odd))]
		}
	}
	return string(b)
}

// jsonGen generates scenarios from a jsonChooser.
type jsonGen struct {
	c  jsonChooser
	pc uintptr
}

var jsonKeys = []string{"", "a", "b", "time", "level", "msg", "source", "logger", "k\"ey", "<k>", "\u2028", "\xff", "é"}

func (g *jsonGen) key() string {
	if i := g.c.intn(len(jsonKeys) + 2); i < len(jsonKeys) {
		return jsonKeys[i]
	}
	return g.c.str()
}

func (g *jsonGen) scenario() jsonScenario {
	var sc jsonScenario
	switch g.c.intn(6) {
	case 0:
		sc.opts.AddSource = true
	case 1:
		sc.opts.DateFmt = "%Y-%m-%dT%H:%M:%S%z " + g.c.str()
	case 2:
		sc.opts.UTC = true
	case 3:
		sc.opts = formatters.JSONOptions{AddSource: true, UTC: true, DateFmt: "%s"}
	}
	for range g.c.intn(5) {
		switch g.c.intn(4) {
		case 0:
			sc.ops = append(sc.ops, jsonWithGroup(g.key()))
		case 1:
			sc.ops = append(sc.ops, jsonWithLogger(g.c.str()))
		default:
			sc.ops = append(sc.ops, jsonWith(g.attrs(3)...))
		}
	}
	for range 1 + g.c.intn(3) {
		sc.records = append(sc.records, g.record())
	}
	return sc
}

var jsonGenLevels = []slog.Level{-8, -4, -1, 0, 2, 4, 8, 11, 12, 13, jsonCustomLevel, math.MinInt, math.MaxInt}

func (g *jsonGen) record() slog.Record {
	var t time.Time
	switch g.c.intn(4) {
	case 0:
	case 1:
		t = jsonDiffTime
	default:
		t = g.time()
	}
	var pc uintptr
	switch g.c.intn(3) {
	case 1:
		pc = g.pc
	case 2:
		pc = uintptr(g.c.intn(3))
	}
	l := jsonGenLevels[g.c.intn(len(jsonGenLevels))]
	if g.c.intn(4) == 0 {
		l = slog.Level(int(g.c.u64()))
	}
	if _, ok := levels.CustomName(l); ok && l != jsonCustomLevel {
		l = 0 // a level another test may be naming now
	}
	r := slog.NewRecord(t, l, g.c.str(), pc)
	r.AddAttrs(g.attrs(3)...)
	return r
}

func (g *jsonGen) time() time.Time {
	loc := time.FixedZone(g.c.str(), g.c.intn(48*3600)-24*3600)
	switch g.c.intn(4) {
	case 0:
		return time.Unix(0, int64(g.c.u64())).In(loc)
	case 1:
		return time.Date(g.c.intn(40000)-20000, time.Month(g.c.intn(12)+1), g.c.intn(28)+1,
			g.c.intn(24), g.c.intn(60), g.c.intn(60), g.c.intn(1e9), loc)
	case 2:
		return time.Time{}
	}
	return jsonDiffTime.In(loc)
}

// attrs returns up to 8 attributes nested at most depth deep.
func (g *jsonGen) attrs(depth int) []slog.Attr {
	as := make([]slog.Attr, g.c.intn(9))
	for i := range as {
		as[i] = g.attr(depth)
	}
	return as
}

func (g *jsonGen) attr(depth int) slog.Attr {
	key := g.key()
	switch g.c.intn(12) {
	case 0:
		return slog.String(key, g.c.str())
	case 1:
		return slog.Int64(key, int64(g.c.u64()))
	case 2:
		return slog.Uint64(key, g.c.u64())
	case 3:
		specials := []float64{0, math.Copysign(0, -1), 1e-7, 1e21, 1e20, math.NaN(), math.Inf(1), math.Inf(-1), 0.1, 123.456}
		if i := g.c.intn(len(specials) + 1); i < len(specials) {
			return slog.Float64(key, specials[i])
		}
		return slog.Float64(key, math.Float64frombits(g.c.u64()))
	case 4:
		return slog.Bool(key, g.c.intn(2) == 0)
	case 5:
		return slog.Duration(key, time.Duration(g.c.u64()))
	case 6:
		return slog.Time(key, g.time())
	case 7:
		if depth == 0 {
			return slog.Attr{}
		}
		return slog.Attr{Key: key, Value: slog.GroupValue(g.attrs(depth - 1)...)}
	case 8:
		if depth == 0 {
			return slog.Any(key, jsonValuer{slog.StringValue(g.c.str())})
		}
		return slog.Any(key, jsonValuer{g.attr(depth - 1).Value})
	case 9:
		return slog.Attr{}
	case 10:
		return slog.Any(key, map[string]any{g.c.str(): g.c.str(), "n": g.c.u64(), "b": []byte(g.c.str())})
	}
	values := jsonValues(g.pc)
	return slog.Attr{Key: key, Value: values[g.c.intn(len(values))].Value}
}
