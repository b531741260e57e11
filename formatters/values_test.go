package formatters_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/formatters"
)

// valErr is an error whose Error method does not guard against a nil
// receiver, as most do not.
type valErr struct{ msg string }

func (e *valErr) Error() string { return e.msg }

// valStringer is a fmt.Stringer that does not guard against a nil
// receiver.
type valStringer struct{ s string }

func (s *valStringer) String() string { return s.s }

type panicStringer struct{}

func (panicStringer) String() string { panic("boom") }

type panicError struct{}

func (panicError) Error() string { panic("boom") }

type panicLogValuer struct{}

func (panicLogValuer) LogValue() slog.Value { panic("boom") }

// nilErrLogValuer resolves to a typed-nil error.
type nilErrLogValuer struct{}

func (nilErrLogValuer) LogValue() slog.Value { return slog.AnyValue((*valErr)(nil)) }

// panicMarshaler is a json.Marshaler that panics.
type panicMarshaler struct{}

func (panicMarshaler) MarshalJSON() ([]byte, error) { panic("boom") }

// panicFormatter is an error whose Format method, which prints it with
// %+v, panics.
type panicFormatter struct{}

func (panicFormatter) Error() string          { return "short" }
func (panicFormatter) Format(fmt.State, rune) { panic("boom") }

// valCases are values whose methods panic. want is the text each
// formatter renders for the value, as slog renders it: "<nil>" for a
// method that panics on a nil receiver, "!PANIC: " and the panic value for
// any other panic. slogText tells whether slog's TextHandler prints want
// too: for a panicking Error or String method it prints fmt's
// "%!v(PANIC=String method: boom)" instead, because it renders those
// values through fmt, which recovers first. A LogValue method that panics
// is recovered by slog.Value.Resolve into an error whose text begins with
// want and goes on with the stack of the call that resolved it.
var valCases = []struct {
	name     string
	give     any
	want     string
	prefix   bool // want is only the beginning of the text
	slogText bool
}{
	{name: "typed-nil error", give: (*valErr)(nil), want: "<nil>", slogText: true},
	{name: "typed-nil Stringer", give: (*valStringer)(nil), want: "<nil>", slogText: true},
	{name: "Stringer that panics", give: panicStringer{}, want: "!PANIC: boom"},
	{name: "error that panics", give: panicError{}, want: "!PANIC: boom"},
	{name: "LogValuer that panics", give: panicLogValuer{}, want: "LogValue panicked\n", prefix: true, slogText: true},
	{name: "LogValuer of a typed-nil error", give: nilErrLogValuer{}, want: "<nil>", slogText: true},
}

// valRecord is a record without a time, so that slog's handlers leave the
// time out, holding one attribute v.
func valRecord(v any) slog.Record {
	r := slog.NewRecord(time.Time{}, slog.LevelInfo, "m", 0)
	r.AddAttrs(slog.Any("v", v))
	return r
}

// valHandle renders r with h and returns the output; a panic fails the
// test, as it would crash the caller of the log call.
func valHandle(t *testing.T, h func(w *bytes.Buffer) slog.Handler, r slog.Record) string {
	t.Helper()
	var buf bytes.Buffer
	require.NotPanics(t, func() {
		require.NoError(t, h(&buf).Handle(context.Background(), r))
	})
	return buf.String()
}

// assertText checks that got is want, or begins with it for a prefix
// case.
func assertText(t *testing.T, prefix bool, want, got string) {
	t.Helper()
	if prefix {
		assert.True(t, strings.HasPrefix(got, want), "got %q, want it to begin with %q", got, want)
		return
	}
	assert.Equal(t, want, got)
}

// slogTextValue is what slog's TextHandler prints for v: the text after
// "v=" of its line.
func slogTextValue(t *testing.T, v any) string {
	t.Helper()
	out := valHandle(t, func(w *bytes.Buffer) slog.Handler { return slog.NewTextHandler(w, nil) }, valRecord(v))
	_, val, ok := strings.Cut(strings.TrimSuffix(out, "\n"), " v=")
	require.True(t, ok, out)
	return val
}

// quoteText quotes s as the extras and slog's text format do; with
// prefix, s is the beginning of a text, and its quote stays open.
func quoteText(s string, prefix bool) string {
	if s == "" || strings.ContainsAny(s, " =\"\n\t") {
		s = strconv.Quote(s)
		if prefix {
			s = strings.TrimSuffix(s, `"`)
		}
	}
	return s
}

// No formatter lets a value's method crash the caller: a panic is
// rendered where the value goes, as slog renders it.
func TestValuesThatPanic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range valCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.slogText {
				assertText(t, tc.prefix, quoteText(tc.want, tc.prefix), slogTextValue(t, tc.give))
			}

			// The pattern formatter, each style and conversion, the
			// extras, With and the defaults.
			patterns := []struct {
				name string
				opts formatters.PatternOptions
				want string
			}{
				{name: "%s", opts: formatters.PatternOptions{Format: "%(v)s|%(message)s", Extras: formatters.ExtrasIgnore}, want: tc.want},
				{name: "%r", opts: formatters.PatternOptions{Format: "%(v)r|%(message)s", Extras: formatters.ExtrasIgnore}, want: tc.want},
				{name: "%a", opts: formatters.PatternOptions{Format: "%(v)a|%(message)s", Extras: formatters.ExtrasIgnore}, want: tc.want},
				{name: "%20s", opts: formatters.PatternOptions{Format: "%(v)-20s|%(message)s", Extras: formatters.ExtrasIgnore}, want: tc.want},
				{name: "{}", opts: formatters.PatternOptions{Format: "{v}|{message}", Style: "{", Extras: formatters.ExtrasIgnore}, want: tc.want},
				{name: "{!r}", opts: formatters.PatternOptions{Format: "{v!r}|{message}", Style: "{", Extras: formatters.ExtrasIgnore}, want: tc.want},
				{name: "{:spec}", opts: formatters.PatternOptions{Format: "{v:<20}|{message}", Style: "{", Extras: formatters.ExtrasIgnore}, want: tc.want},
				{name: "$", opts: formatters.PatternOptions{Format: "$v|$message", Style: "$", Extras: formatters.ExtrasIgnore}, want: tc.want},
			}
			for _, pt := range patterns {
				p := fmttPattern(t, pt.opts)
				got := valHandle(t, func(w *bytes.Buffer) slog.Handler { return p.NewHandler(w) }, valRecord(tc.give))
				if tc.prefix {
					assertText(t, true, tc.want, got)
					continue
				}
				// Widths pad the text, which is all they may do.
				line, _, _ := strings.Cut(got, "|")
				assert.Equal(t, tc.want, strings.TrimRight(line, " "), pt.name)
				assert.True(t, strings.HasSuffix(got, "|m\n"), "%s: %q", pt.name, got)
			}

			extras := fmttPattern(t, formatters.PatternOptions{Format: "%(message)s"})
			wantExtra := "m v=" + quoteText(tc.want, tc.prefix)
			got := valHandle(t, func(w *bytes.Buffer) slog.Handler { return extras.NewHandler(w) }, valRecord(tc.give))
			assertText(t, tc.prefix, wantExtra, strings.TrimSuffix(got, "\n"))
			if tc.slogText && !tc.prefix {
				assert.Equal(t, "m v="+slogTextValue(t, tc.give)+"\n", got, "as slog's TextHandler")
			}

			var with string
			require.NotPanics(t, func() {
				var buf bytes.Buffer
				h := extras.NewHandler(&buf).WithAttrs([]slog.Attr{slog.Any("v", tc.give)})
				require.NoError(t, h.Handle(ctx, slog.NewRecord(time.Time{}, slog.LevelInfo, "m", 0)))
				with = buf.String()
			}, "WithAttrs")
			assertText(t, tc.prefix, wantExtra, strings.TrimSuffix(with, "\n"))

			defaults := fmttPattern(t, formatters.PatternOptions{Format: "%(v)s|%(message)s", Defaults: map[string]any{"v": tc.give}})
			got = valHandle(t, func(w *bytes.Buffer) slog.Handler { return defaults.NewHandler(w) }, slog.NewRecord(time.Time{}, slog.LevelInfo, "m", 0))
			wantDefault := tc.want
			if !tc.prefix {
				wantDefault += "|m\n"
			}
			assertText(t, tc.prefix, wantDefault, got)

			// The python-json-logger formatter.
			pyjson, err := formatters.NewPyJSON(nil)
			require.NoError(t, err)
			got = valHandle(t, func(w *bytes.Buffer) slog.Handler { return pyjson.NewHandler(w) }, valRecord(tc.give))
			wantJSON := `{"message": "m", "v": ` + strconv.Quote(tc.want)
			if tc.prefix {
				wantJSON = strings.TrimSuffix(wantJSON, `"`)
			} else {
				wantJSON += "}\n"
			}
			assertText(t, tc.prefix, wantJSON, got)

			// The text and json formatters print what slog's own
			// handlers print.
			for _, f := range []struct {
				name string
				give formatters.Formatter
				slog func(w *bytes.Buffer) slog.Handler
			}{
				{name: "text", give: formatters.NewText(nil), slog: func(w *bytes.Buffer) slog.Handler { return slog.NewTextHandler(w, nil) }},
				{name: "json", give: formatters.NewJSON(nil), slog: func(w *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(w, nil) }},
			} {
				want := valHandle(t, f.slog, valRecord(tc.give))
				got := valHandle(t, func(w *bytes.Buffer) slog.Handler { return f.give.NewHandler(w) }, valRecord(tc.give))
				if tc.prefix {
					// The text goes on with the stack of the call that
					// resolved the value, which is no part of the value.
					want, _, _ = strings.Cut(want, "called from")
					assertText(t, true, want, got)
					continue
				}
				assert.Equal(t, want, got, f.name)
			}
		})
	}
}

// An exc_info error whose Error or Format method panics is rendered after
// the line as slog renders it.
func TestExcInfoThatPanics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give error
		want string
	}{
		{name: "typed-nil error", give: (*valErr)(nil), want: "<nil>"},
		{name: "Error panics", give: panicError{}, want: "!PANIC: boom"},
		{name: "Format panics", give: panicFormatter{}, want: "!PANIC: boom"},
	}
	p := fmttPattern(t, formatters.PatternOptions{Format: "%(message)s"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := slog.NewRecord(time.Time{}, slog.LevelError, "m", 0)
			r.AddAttrs(slog.Any("exc_info", tt.give))
			got := valHandle(t, func(w *bytes.Buffer) slog.Handler { return p.NewHandler(w) }, r)
			assert.Equal(t, "m\n"+tt.want+"\n", got)
		})
	}
}

// A json.Marshaler that panics is rendered by the python-json-logger
// formatter as slog's JSONHandler renders it.
func TestPyJSONMarshalerThatPanics(t *testing.T) {
	t.Parallel()
	f, err := formatters.NewPyJSON(nil)
	require.NoError(t, err)
	got := valHandle(t, func(w *bytes.Buffer) slog.Handler { return f.NewHandler(w) }, valRecord(panicMarshaler{}))
	assert.Equal(t, `{"message": "m", "v": "!PANIC: boom"}`+"\n", got)
	want := valHandle(t, func(w *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(w, nil) }, valRecord(panicMarshaler{}))
	assert.Contains(t, want, `"v":"!PANIC: boom"`)
}
