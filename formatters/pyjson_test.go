package formatters_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/formatters"
)

// PyJSON writes python-json-logger's JsonFormatter output: the fields its
// format names, in order and once each, then the attributes, in Python's
// json.dumps layout (", " and ": ", ASCII escapes, float repr).
func TestPyJSON(t *testing.T) {
	t.Parallel()
	attrs := []slog.Attr{slog.String("user", "alice"), slog.Int("n", 7), slog.Float64("f", 2), slog.Bool("ok", true), slog.Any("nil", nil)}
	tests := []struct {
		name  string
		give  formatters.PyJSONOptions
		attrs []slog.Attr
		want  string
	}{
		{name: "default", want: `{"message": "hello"}`},
		{name: "default with attrs", attrs: attrs,
			want: `{"message": "hello", "user": "alice", "n": 7, "f": 2.0, "ok": true, "nil": null}`},
		{name: "percent fields", give: formatters.PyJSONOptions{Format: "%(asctime)s %(levelname)-8s %(name)s %(levelno)d: %(message)s"},
			want: `{"asctime": "2024-01-02 03:04:05,678", "levelname": "WARNING", "name": "app.db", "levelno": 30, "message": "hello"}`},
		{name: "named attribute in place", give: formatters.PyJSONOptions{Format: "%(user)s %(message)s %(missing)s"}, attrs: attrs,
			want: `{"user": "alice", "message": "hello", "missing": null, "n": 7, "f": 2.0, "ok": true, "nil": null}`},
		{name: "duplicates once", give: formatters.PyJSONOptions{Format: "%(message)s %(name)s %(message)s"},
			want: `{"message": "hello", "name": "app.db"}`},
		{name: "brace fields keep specs", give: formatters.PyJSONOptions{Format: "{levelname:8} {message}", Style: "{"},
			want: `{"levelname:8": null, "message": "hello"}`},
		{name: "dollar fields", give: formatters.PyJSONOptions{Format: "$levelname ${name} $$ $message", Style: "$"},
			want: `{"levelname": "WARNING", "name": "app.db", "message": "hello"}`},
		{name: "datefmt", give: formatters.PyJSONOptions{Format: "%(asctime)s", DateFmt: "%Y%m%dT%H%M%S"},
			want: `{"asctime": "20240102T030405"}`},
		{name: "rename static defaults prefix", give: formatters.PyJSONOptions{
			Format: "%(levelname)s %(message)s", RenameFields: map[string]string{"levelname": "level", "user": "who"},
			StaticFields: map[string]any{"app": "x"}, Defaults: map[string]any{"env": "prod", "b": 1}, Prefix: "@"},
			attrs: attrs[:1],
			want:  `@{"b": 1, "env": "prod", "level": "WARNING", "message": "hello", "app": "x", "who": "alice"}`},
		{name: "ascii escapes", attrs: []slog.Attr{slog.String("s", "héllo \"q\" \\ \n\t\x01 😀")},
			want: `{"message": "hello", "s": "h\u00e9llo \"q\" \\ \n\t\u0001 \ud83d\ude00"}`},
		{name: "unicode", give: formatters.PyJSONOptions{Unicode: true}, attrs: []slog.Attr{slog.String("s", "héllo 😀")},
			want: `{"message": "hello", "s": "héllo 😀"}`},
		{name: "special floats and values", attrs: []slog.Attr{
			slog.Float64("nan", math.NaN()), slog.Float64("inf", math.Inf(1)), slog.Float64("ninf", math.Inf(-1)),
			slog.Float64("big", 1e20), slog.Any("err", errors.New("boom")), slog.Any("list", []int{1, 2}),
			slog.Group("req", slog.String("id", "r1"), slog.Int("n", 2)),
		},
			want: `{"message": "hello", "nan": NaN, "inf": Infinity, "ninf": -Infinity, "big": 1e+20, "err": "boom", "list": [1,2], "req.id": "r1", "req.n": 2}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.give.UTC = true
			f, err := formatters.NewPyJSON(&tt.give)
			require.NoError(t, err)
			var buf bytes.Buffer
			h := formatters.WithLoggerName(f.NewHandler(&buf), "app.db")
			require.NoError(t, h.Handle(context.Background(), fmttRecord(slog.LevelWarn, "hello", tt.attrs...)))
			assert.Equal(t, tt.want+"\n", buf.String())
		})
	}
}

func TestPyJSONWithAttrsAndGroup(t *testing.T) {
	t.Parallel()
	f, err := formatters.NewPyJSON(&formatters.PyJSONOptions{Format: "%(message)s %(g.a)s"})
	require.NoError(t, err)
	var buf bytes.Buffer
	h := f.NewHandler(&buf).WithAttrs([]slog.Attr{slog.String("svc", "api")}).WithGroup("g")
	require.NoError(t, h.Handle(context.Background(), fmttRecord(slog.LevelInfo, "hi", slog.Int("a", 1), slog.Int("b", 2))))
	assert.Equal(t, `{"message": "hi", "g.a": 1, "svc": "api", "g.b": 2}`+"\n", buf.String())
}

func TestNewPyJSONErrors(t *testing.T) {
	t.Parallel()
	_, err := formatters.NewPyJSON(&formatters.PyJSONOptions{Format: "plain"})
	assert.EqualError(t, err, "Invalid format 'plain' for '%' style")
	_, err = formatters.NewPyJSON(&formatters.PyJSONOptions{Style: "x"})
	assert.EqualError(t, err, "Style must be one of: %,{,$")
}

// The json and text formatters format the time with datefmt, and in UTC
// with utc.
func TestJSONTextDateFmtUTC(t *testing.T) {
	t.Parallel()
	cet := time.FixedZone("CET", 3600)
	r := slog.NewRecord(fmttTime.In(cet), slog.LevelInfo, "hi", 0)
	ctx := context.Background()
	tests := []struct {
		name string
		give formatters.Formatter
		want string
	}{
		{name: "json as is", give: formatters.NewJSON(nil), want: `{"time":"2024-01-02T04:04:05.678901234+01:00","level":"INFO","msg":"hi"}`},
		{name: "json utc", give: formatters.NewJSON(&formatters.JSONOptions{UTC: true}), want: `{"time":"2024-01-02T03:04:05.678901234Z","level":"INFO","msg":"hi"}`},
		{name: "json datefmt", give: formatters.NewJSON(&formatters.JSONOptions{DateFmt: "%d/%m/%Y %H:%M %z"}), want: `{"time":"02/01/2024 04:04 +0100","level":"INFO","msg":"hi"}`},
		{name: "text datefmt utc", give: formatters.NewText(&formatters.TextOptions{DateFmt: "%H:%M:%S", UTC: true}), want: `time=03:04:05 level=INFO msg=hi`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			require.NoError(t, tt.give.NewHandler(&buf).Handle(ctx, r))
			assert.Equal(t, tt.want+"\n", buf.String())
		})
	}
}
