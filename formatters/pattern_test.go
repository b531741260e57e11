package formatters_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/formatters"
)

// fmttWriter records every Write, safely for concurrent use.
type fmttWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
}

func (w *fmttWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes++
	return w.buf.Write(p)
}

func (w *fmttWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// fmttTime is the time of the test records: 2024-01-02 03:04:05.678901234 UTC.
var fmttTime = time.Date(2024, 1, 2, 3, 4, 5, 678901234, time.UTC)

func fmttRecord(level slog.Level, msg string, attrs ...slog.Attr) slog.Record {
	r := slog.NewRecord(fmttTime, level, msg, 0)
	r.AddAttrs(attrs...)
	return r
}

func fmttPattern(t *testing.T, opts formatters.PatternOptions) *formatters.Pattern {
	t.Helper()
	opts.UTC = true
	p, err := formatters.NewPattern(&opts)
	require.NoError(t, err)
	return p
}

// fmttRender renders r through h's handler for the named logger ("" for
// none) and returns the output.
func fmttRender(t *testing.T, p *formatters.Pattern, logger string, r slog.Record) string {
	t.Helper()
	w := &fmttWriter{}
	h := p.NewHandler(w)
	if logger != "" {
		h = formatters.WithLoggerName(h, logger)
	}
	require.NoError(t, h.Handle(context.Background(), r))
	return w.String()
}

func TestPatternFields(t *testing.T) {
	t.Parallel()
	user := slog.String("user", "alice")
	tests := []struct {
		name   string
		format string
		style  string
		date   string
		level  slog.Level
		attrs  []slog.Attr
		want   string
	}{
		{name: "name levelname message", format: "%(name)s %(levelname)-8s %(message)s", want: "app.db INFO     hello\n"},
		{name: "asctime default shape", format: "%(asctime)s", want: "2024-01-02 03:04:05,678\n"},
		{name: "msecs", format: "%(msecs)03d", want: "678\n"},
		{name: "msecs float", format: "%(msecs)s", want: "678.0\n"},
		{name: "created", format: "%(created)f", want: "1704164645.678901\n"},
		{name: "levelno", format: "%(levelno)s", want: "20\n"},
		{name: "levelno between", format: "%(levelno)s %(levelname)s", level: -2, want: "15 Level 15\n"},
		{name: "critical", format: "%(levelno)d %(levelname)s", level: 12, want: "50 CRITICAL\n"},
		{name: "info+1", format: "%(levelname)s", level: 1, want: "Level 22\n"},
		{name: "attribute", format: "%(user)s: %(message)s", attrs: []slog.Attr{user}, want: "alice: hello\n"},
		{name: "group member", format: "%(req.id)s %(message)s", attrs: []slog.Attr{slog.Group("req", slog.Int("id", 42))}, want: "42 hello\n"},
		{name: "nested group member", format: "%(a.b.c)r %(message)s", attrs: []slog.Attr{slog.Group("a", slog.Group("b", slog.String("c", "x")))}, want: "'x' hello\n"},
		{name: "repr of attribute", format: "%(user)r", attrs: []slog.Attr{user}, want: "'alice'\n"},
		{name: "float attribute", format: "%(f)s %(f).2f", attrs: []slog.Attr{slog.Float64("f", 589)}, want: "589.0 589.00\n"},
		{name: "bool and nil", format: "%(b)s %(n)s", attrs: []slog.Attr{slog.Bool("b", true), slog.Any("n", nil)}, want: "True None\n"},
		{name: "process", format: "%(process)d %(processName)s", want: fmt.Sprintf("%d MainProcess\n", os.Getpid())},
		{name: "thread name", format: "%(threadName)s|%(threadName)-12s|", want: "MainThread|MainThread  |\n"},
		{name: "msg is message", format: "%(msg)s", want: "hello\n"},
		{name: "percent escape", format: "100%% %(message)s", want: "100% hello\n"},
		{name: "datefmt", format: "%(asctime)s", date: "%d/%b/%Y:%H:%M:%S", want: "02/Jan/2024:03:04:05\n"},
		{name: "datefmt f literal", format: "%(asctime)s", date: "%H:%M:%S.%f", want: "03:04:05.%f\n"},
		{name: "brace style", style: "{", format: "{asctime} {levelname} {name}: {message} {user}", attrs: []slog.Attr{user}, want: "2024-01-02 03:04:05,678 INFO app.db: hello alice\n"},
		{name: "dollar style", style: "$", format: "$levelname ${name}: $message $$", want: "INFO app.db: hello $\n"},
		{name: "default format", want: "hello\n"},
		{name: "default brace format", style: "{", want: "hello\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := fmttPattern(t, formatters.PatternOptions{Format: tt.format, Style: tt.style, DateFmt: tt.date, Extras: formatters.ExtrasIgnore})
			got := fmttRender(t, p, "app.db", fmttRecord(tt.level, "hello", tt.attrs...))
			assert.Equal(t, tt.want, got)
		})
	}
}

// The pattern formatter renders as CPython's logging.Formatter does (with
// converter = time.gmtime; msecs as whole milliseconds, as in 3.13).
func TestPatternMatchesCPython(t *testing.T) {
	t.Parallel()
	type tcase struct {
		Fmt     string  `json:"fmt"`
		Style   string  `json:"style"`
		DateFmt string  `json:"datefmt"`
		Levelno int     `json:"levelno"`
		Created float64 `json:"created"`
		Msecs   float64 `json:"msecs"`
	}
	formats := []struct{ fmt, style, date string }{
		{"%(asctime)s %(name)s %(levelname)s %(message)s", "%", ""},
		{"%(levelname)-8s|%(levelno)5d|%(name)10s|%(message)r|%(name)-4.3s", "%", ""},
		{"%(msecs)03d %(created)f %(created).3f %(msecs)d", "%", ""},
		{"%(asctime)s %(user)s %(n)d %(n)05.1f %(user)10r", "%", "%d/%b/%Y:%H:%M:%S %j %a %p"},
		{"{asctime} {levelname} {name} {message} {user}", "{", ""},
		{"$asctime $levelname ${name} $message $user $$", "$", "%Y%m%dT%H%M%S"},
	}
	levels := []slog.Level{slog.LevelDebug, slog.LevelInfo, -2, 1, slog.LevelWarn, slog.LevelError, 12, 13}
	var cases []tcase
	for _, f := range formats {
		for _, l := range levels {
			cases = append(cases, tcase{
				Fmt: f.fmt, Style: f.style, DateFmt: f.date,
				Levelno: 40 + 5*int(l), // doubled, halved by Python's floor below
				Created: float64(fmttTime.UnixNano()) / 1e9,
				Msecs:   float64(fmttTime.Nanosecond() / 1e6),
			})
		}
	}
	var want []string
	fmttPython(t, `
import json, logging, sys, time
out = []
for c in json.load(sys.stdin):
    levelno = c["levelno"] // 2
    rec = logging.makeLogRecord({"name": "app.db", "msg": "hello", "levelno": levelno,
        "levelname": logging.getLevelName(levelno), "created": c["created"], "msecs": c["msecs"],
        "user": "alice", "n": 7})
    f = logging.Formatter(c["fmt"], c["datefmt"] or None, style=c["style"])
    f.converter = time.gmtime
    out.append(f.format(rec))
print(json.dumps(out))
`, cases, &want)
	for i, c := range cases {
		p := fmttPattern(t, formatters.PatternOptions{Format: c.Fmt, Style: c.Style, DateFmt: c.DateFmt, Extras: formatters.ExtrasIgnore})
		l := levels[i%len(levels)]
		got := fmttRender(t, p, "app.db", fmttRecord(l, "hello", slog.String("user", "alice"), slog.Int("n", 7)))
		assert.Equal(t, want[i]+"\n", got, "format %q, slog level %d", c.Fmt, l)
	}
}

func TestPatternMissingField(t *testing.T) {
	t.Parallel()
	p := fmttPattern(t, formatters.PatternOptions{Format: "%(user)s %(message)s"})
	w := &fmttWriter{}
	err := p.NewHandler(w).Handle(context.Background(), fmttRecord(slog.LevelInfo, "hello"))
	assert.EqualError(t, err, "Formatting field not found in record: 'user'")
	assert.Zero(t, w.writes, "nothing is written for a record that fails")

	// A field of another group does not count.
	err = p.NewHandler(w).WithGroup("g").Handle(context.Background(), fmttRecord(slog.LevelInfo, "hello", slog.String("user", "x")))
	assert.EqualError(t, err, "Formatting field not found in record: 'user'")
}

func TestPatternDefaults(t *testing.T) {
	t.Parallel()
	p := fmttPattern(t, formatters.PatternOptions{Format: "%(user)s %(message)s", Defaults: map[string]any{"user": "-"}})
	assert.Equal(t, "- hello\n", fmttRender(t, p, "", fmttRecord(slog.LevelInfo, "hello")))
	// The record's attribute wins over the default, as in Python.
	assert.Equal(t, "bob hello\n", fmttRender(t, p, "", fmttRecord(slog.LevelInfo, "hello", slog.String("user", "bob"))))
}

// TestThreadNameOption shows the ThreadName option of the pattern and
// python-json-logger formatters taking the place of "MainThread".
func TestThreadNameOption(t *testing.T) {
	t.Parallel()
	p := fmttPattern(t, formatters.PatternOptions{Format: "%(threadName)s %(message)s", ThreadName: "worker"})
	assert.Equal(t, "worker hello\n", fmttRender(t, p, "", fmttRecord(slog.LevelInfo, "hello")))
	j, err := formatters.NewPyJSON(&formatters.PyJSONOptions{Format: "%(threadName)s", ThreadName: "worker"})
	require.NoError(t, err)
	w := &fmttWriter{}
	require.NoError(t, j.NewHandler(w).Handle(context.Background(), fmttRecord(slog.LevelInfo, "hello")))
	assert.Equal(t, `{"threadName": "worker"}`+"\n", w.String())
}

func TestPatternExtras(t *testing.T) {
	t.Parallel()
	attrs := []slog.Attr{
		slog.String("user", "alice"), slog.Int("n", 3), slog.String("s", "a b"), slog.String("empty", ""),
		slog.String("eq", "a=b"), slog.String("q", `say "x"`), slog.Float64("f", 1.5), slog.Bool("b", true),
		slog.Any("nil", nil), slog.Group("req", slog.Int("id", 42), slog.String("path", "/x")),
		slog.Group("", slog.String("inlined", "y")), slog.Group("emptygroup"),
	}
	tests := []struct {
		name   string
		format string
		extras string
		want   string
	}{
		{name: "all appended", format: "%(message)s", want: `hello user=alice n=3 s="a b" empty="" eq="a=b" q="say \"x\"" f=1.5 b=True nil=None req.id=42 req.path=/x inlined=y` + "\n"},
		{name: "named ones left out", format: "%(user)s %(message)s %(req.id)s", want: `alice hello n=3 s="a b" empty="" eq="a=b" q="say \"x\"" f=1.5 b=True nil=None req.path=/x inlined=y 42` + "\n"},
		{name: "right after the message", format: "%(message)s [%(name)s]", extras: formatters.ExtrasAppend, want: `hello user=alice n=3 s="a b" empty="" eq="a=b" q="say \"x\"" f=1.5 b=True nil=None req.id=42 req.path=/x inlined=y [root]` + "\n"},
		{name: "at the end without a message", format: "%(levelname)s", want: `INFO user=alice n=3 s="a b" empty="" eq="a=b" q="say \"x\"" f=1.5 b=True nil=None req.id=42 req.path=/x inlined=y` + "\n"},
		{name: "ignored", format: "%(message)s", extras: formatters.ExtrasIgnore, want: "hello\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := fmttPattern(t, formatters.PatternOptions{Format: tt.format, Extras: tt.extras})
			assert.Equal(t, tt.want, fmttRender(t, p, "", fmttRecord(slog.LevelInfo, "hello", attrs...)))
		})
	}
	_, err := formatters.NewPattern(&formatters.PatternOptions{Extras: "drop"})
	assert.EqualError(t, err, `extras must be "append" or "ignore", got "drop"`)
}

func TestPatternWithAttrsWithGroupWithLoggerName(t *testing.T) {
	t.Parallel()
	p := fmttPattern(t, formatters.PatternOptions{Format: "%(name)s %(message)s"})
	w := &fmttWriter{}
	base := p.NewHandler(w)
	h := base.WithAttrs([]slog.Attr{slog.Int("a", 1)}).WithGroup("g").WithAttrs([]slog.Attr{slog.Int("b", 2)})
	h = formatters.WithLoggerName(h, "app")
	ctx := context.Background()
	require.NoError(t, h.Handle(ctx, fmttRecord(slog.LevelInfo, "one", slog.Int("c", 3))))
	// The derived handlers leave their parents alone.
	require.NoError(t, base.Handle(ctx, fmttRecord(slog.LevelInfo, "two", slog.Int("c", 3))))
	require.NoError(t, base.WithGroup("").WithAttrs(nil).Handle(ctx, fmttRecord(slog.LevelInfo, "three")))
	assert.Equal(t, "app one a=1 g.b=2 g.c=3\nroot two c=3\nroot three\n", w.String())

	// Attributes of WithAttrs and of the record can be named, with their
	// group.
	p2 := fmttPattern(t, formatters.PatternOptions{Format: "%(a)s %(g.b)s %(g.c)s %(message)s"})
	w2 := &fmttWriter{}
	h2 := p2.NewHandler(w2).WithAttrs([]slog.Attr{slog.Int("a", 1)}).WithGroup("g").WithAttrs([]slog.Attr{slog.Int("b", 2)})
	require.NoError(t, h2.Handle(ctx, fmttRecord(slog.LevelInfo, "hi", slog.Int("c", 3), slog.Int("d", 4))))
	assert.Equal(t, "1 2 3 hi g.d=4\n", w2.String())
}

// Each record is one Write, whatever its fields and attributes.
func TestPatternOneWritePerRecord(t *testing.T) {
	t.Parallel()
	p := fmttPattern(t, formatters.PatternOptions{Format: "%(asctime)s %(levelname)s %(name)s %(message)s %(user)s"})
	w := &fmttWriter{}
	h := formatters.WithLoggerName(p.NewHandler(w).WithAttrs([]slog.Attr{slog.String("user", "u")}), "x")
	for i := range 10 {
		require.NoError(t, h.Handle(context.Background(), fmttRecord(slog.LevelInfo, "m", slog.Int("i", i), slog.Group("g", slog.Int("j", i)))))
	}
	assert.Equal(t, 10, w.writes)
	assert.Equal(t, 10, strings.Count(w.String(), "\n"))
}

// Concurrent records through one pattern handler come out whole.
func TestPatternConcurrent(t *testing.T) {
	t.Parallel()
	p := fmttPattern(t, formatters.PatternOptions{Format: "%(levelname)s %(message)s %(g)d"})
	w := &fmttWriter{}
	h := p.NewHandler(w)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				_ = h.Handle(context.Background(), fmttRecord(slog.LevelWarn, "msg-"+strconv.Itoa(i), slog.Int("g", g), slog.String("pad", strings.Repeat("x", 100))))
			}
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(w.String(), "\n"), "\n")
	require.Len(t, lines, 1600)
	re := regexp.MustCompile(`^WARNING msg-\d+ pad=x{100} \d$`)
	for _, l := range lines {
		require.Regexp(t, re, l)
	}
}

func TestPatternSource(t *testing.T) {
	t.Parallel()
	var pcs [1]uintptr
	runtime.Callers(1, pcs[:])
	_, _, line, _ := runtime.Caller(0)
	r := slog.NewRecord(fmttTime, slog.LevelInfo, "hi", pcs[0])
	p := fmttPattern(t, formatters.PatternOptions{Format: "%(filename)s %(module)s %(funcName)s %(lineno)d"})
	assert.Equal(t, fmt.Sprintf("pattern_test.go pattern_test TestPatternSource %d\n", line-1), fmttRender(t, p, "", r))
	// Without a PC the source fields are Python's for an unknown caller.
	p2 := fmttPattern(t, formatters.PatternOptions{Format: "%(pathname)s|%(filename)s|%(module)s|%(funcName)s|%(lineno)d"})
	assert.Equal(t, "(unknown file)|(unknown file)|(unknown file)|(unknown function)|0\n", fmttRender(t, p2, "", fmttRecord(slog.LevelInfo, "hi")))
}

func TestNewPatternErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give formatters.PatternOptions
		want string
	}{
		{name: "bad style", give: formatters.PatternOptions{Style: "x"}, want: "Style must be one of: %,{,$"},
		{name: "invalid percent", give: formatters.PatternOptions{Format: "hello"}, want: "Invalid format 'hello' for '%' style"},
		{name: "invalid dollar", give: formatters.PatternOptions{Format: "$", Style: "$"}, want: "invalid format: bare '$' not allowed"},
		{name: "no fields brace", give: formatters.PatternOptions{Format: "x", Style: "{"}, want: "invalid format: no fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := formatters.NewPattern(&tt.give)
			assert.EqualError(t, err, tt.want)
		})
	}
	// validate=False accepts what validation refuses.
	p, err := formatters.NewPattern(&formatters.PatternOptions{Format: "hello", NoValidate: true})
	require.NoError(t, err)
	assert.Equal(t, "hello k=v\n", fmttRender(t, p, "", fmttRecord(slog.LevelInfo, "m", slog.String("k", "v"))))
	// Nil options are the bare message.
	p, err = formatters.NewPattern(nil)
	require.NoError(t, err)
	assert.Equal(t, "m\n", fmttRender(t, p, "", fmttRecord(slog.LevelInfo, "m")))
}

// Field conversions that fail are errors of Handle, not panics.
func TestPatternConversionErrors(t *testing.T) {
	t.Parallel()
	p := fmttPattern(t, formatters.PatternOptions{Format: "%(user)d %(message)s"})
	w := &fmttWriter{}
	err := p.NewHandler(w).Handle(context.Background(), fmttRecord(slog.LevelInfo, "m", slog.String("user", "alice")))
	assert.EqualError(t, err, "%d format: a real number is required, not str")
	assert.Zero(t, w.writes)
	// Python: ValueError "cannot convert float NaN to integer",
	// OverflowError "cannot convert float infinity to integer".
	p = fmttPattern(t, formatters.PatternOptions{Format: "%(f)d %(message)s"})
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		err := p.NewHandler(w).Handle(context.Background(), fmttRecord(slog.LevelInfo, "m", slog.Float64("f", f)))
		assert.Error(t, err, "%%d of %v", f)
	}
}
