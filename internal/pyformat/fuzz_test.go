package pyformat_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/slogtree/slogtree/formatters"
	"github.com/slogtree/slogtree/internal/pyformat"
)

// fuzzErr is an error whose Error method panics on a nil receiver.
type fuzzErr struct{ msg string }

func (e *fuzzErr) Error() string { return e.msg }

// FuzzParse parses and validates any format in each style. Neither may
// panic, and a format that both accept must make a pattern formatter that
// renders any record without panicking, a typed-nil error in it too.
func FuzzParse(f *testing.F) {
	seeds := []struct {
		format, style string
	}{
		{"%(message)s", "%"},
		{"%(asctime)s %(levelname)-8s %(name)s: %(message)s", "%"},
		{"%(msecs)03d %(created)f %(levelno)s %(user)r %(req.id)5.2f", "%"},
		{"%(relativeCreated)d %(process)d %(thread)x %(funcName)s %(lineno)d %(filename)s", "%"},
		{"%(message)+08.3e|%(n)-5d|%(n)G|%(f)i|%(b)s|%(message)%", "%"},
		{"%(message)99999s", "%"},
		{"%(a)s %", "%"},
		{"hello", "%"},
		{"{asctime} {levelname} {message} {user}", "{"},
		{"{{x}} {message}}", "{"},
		{"{message!r:>10}", "{"},
		{"%(e)s %(e)r %(e)a %(e)10s %(e)d", "%"},
		{"{e} {e!r:>9} {e:x}", "{"},
		{"$levelname ${message} $$ $user", "$"},
		{"${message", "$"},
		{"$", "$"},
	}
	for _, s := range seeds {
		f.Add(s.format, s.style, "hello %s", "alice", int64(7), 3.25)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, format, style, msg, user string, n int64, fl float64) {
		segs, perr := pyformat.Parse(format, style)
		verr := pyformat.Validate(format, style)
		if perr == nil {
			for _, s := range segs {
				// A field keyed "" (Python's %()s) would read as an empty
				// literal and vanish; Python reports the missing field.
				if s.Key == "" && s.Literal == "" {
					t.Fatalf("Parse(%q, %q) has a segment with neither key nor literal", format, style)
				}
			}
		}
		for _, s := range segs {
			// Python pads to any width it is given, and so do we: a
			// huge one only measures the machine's memory.
			if s.Width > 1<<16 || s.Prec > 1<<16 {
				return
			}
		}
		if perr != nil || verr != nil || pyformat.CheckStyle(style) != nil || format == "" {
			return
		}
		p, err := formatters.NewPattern(&formatters.PatternOptions{Format: format, Style: style, UTC: true})
		if err != nil {
			t.Fatalf("NewPattern(%q, %q): %v, though Validate and Parse accept it", format, style, err)
		}
		h := p.NewHandler(io.Discard)
		r := slog.NewRecord(time.Unix(1700000000, 123456789), slog.LevelInfo, msg, 0)
		r.AddAttrs(slog.String("user", user), slog.Int64("n", n), slog.Float64("f", fl),
			slog.Bool("b", true), slog.Any("nil", nil), slog.Group("req", slog.String("id", user)),
			slog.Any("e", (*fuzzErr)(nil)))
		_ = h.Handle(ctx, r)
		_ = h.WithGroup("g").WithAttrs([]slog.Attr{slog.String("user", msg)}).Handle(ctx, r)
		if l, ok := h.(formatters.LoggerNamer); ok {
			_ = l.WithLoggerName(user).Handle(ctx, r)
		}
	})
}
