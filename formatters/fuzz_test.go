package formatters_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/slogtree/slogtree/formatters"
)

// FuzzAppendStrftime formats any format string at any instant and zone
// offset: no panic, text without '%' is copied as it is, and the output of
// a format is the output of its halves.
func FuzzAppendStrftime(f *testing.F) {
	for _, s := range []string{
		"%Y-%m-%d %H:%M:%S", "%a %A %b %B %c %C %d %D %e %F %g %G %h %H %I %j %k %l %m %M %n %p %P",
		"%R %s %S %t %T %u %U %V %w %W %x %X %y %Y %z %Z %%", "%f", "%", "plain", "%E%O%-d%5Y", "",
	} {
		f.Add(s, int64(1704164645), int64(678901234), int32(0))
	}
	f.Add("%G %V %z %s", int64(-62135596800), int64(0), int32(-12*3600))
	f.Add("%C %y %G %g", int64(253402300799), int64(999999999), int32(14*3600))
	f.Fuzz(func(t *testing.T, format string, unix, nsec int64, offset int32) {
		tm := time.Unix(unix, nsec).In(time.FixedZone("Z", int(offset%(26*3600))))
		out := formatters.AppendStrftime([]byte("pre"), format, tm)
		if !strings.HasPrefix(string(out), "pre") {
			t.Fatalf("AppendStrftime(%q) dropped what it appends to: %q", format, out)
		}
		if !strings.Contains(format, "%") && string(out[3:]) != format {
			t.Fatalf("AppendStrftime(%q) = %q, want the text unchanged", format, out[3:])
		}
		// Split at a point that does not cut a directive in two.
		if i := strings.Index(format, " "); i >= 0 {
			left := formatters.AppendStrftime(nil, format[:i], tm)
			right := formatters.AppendStrftime(nil, format[i:], tm)
			if !strings.HasSuffix(format[:i], "%") && string(out[3:]) != string(left)+string(right) {
				t.Fatalf("AppendStrftime(%q) = %q, but its halves give %q + %q", format, out[3:], left, right)
			}
		}
	})
}

// FuzzPatternWithAttrs checks, for any format and any attributes, that
// attributes given to WithAttrs, which renders them once, render as the
// same attributes at the front of the record: same text, or same error.
func FuzzPatternWithAttrs(f *testing.F) {
	seeds := []struct{ format, style, k1, v1, k2 string }{
		{"%(message)s", "%", "user", "alice", "n"},
		{"%(user)s %(message)s", "%", "user", "a b", "user"},
		{"%(levelname)s %(g.n)05d", "%", "g", `say "x"`, "n"},
		{"%(message)s", "%", "exc_info", "trace", "stack_info"},
		{"{message} {user!r:>9}", "{", "user", "é=1", "x"},
		{"$message $n", "$", "n", "", "n"},
		{"%(message)s", "%", "", "no key", "a.b"},
	}
	for _, s := range seeds {
		f.Add(s.format, s.style, s.k1, s.v1, s.k2, int64(7), false)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, format, style, k1, v1, k2 string, n int64, ignore bool) {
		extras := formatters.ExtrasAppend
		if ignore {
			extras = formatters.ExtrasIgnore
		}
		p, err := formatters.NewPattern(&formatters.PatternOptions{Format: format, Style: style, Extras: extras, UTC: true})
		if err != nil {
			return
		}
		with := []slog.Attr{slog.String(k1, v1), slog.Int64(k2, n), slog.Group(k1, slog.String(k2, v1)), slog.Group("", slog.Float64(k2, float64(n)/3))}
		rec := []slog.Attr{slog.String(k2, v1), slog.Int64(k1, n)}
		tm := time.Unix(1700000000, 123456789)

		var want, got strings.Builder
		r := slog.NewRecord(tm, slog.LevelInfo, v1, 0)
		r.AddAttrs(append(append([]slog.Attr{}, with...), rec...)...)
		wantErr := p.NewHandler(&want).Handle(ctx, r)
		r = slog.NewRecord(tm, slog.LevelInfo, v1, 0)
		r.AddAttrs(rec...)
		gotErr := p.NewHandler(&got).WithAttrs(with).Handle(ctx, r)
		if fmt.Sprint(wantErr) != fmt.Sprint(gotErr) || want.String() != got.String() {
			t.Fatalf("format %q: With gives %q (%v), the record %q (%v)", format, got.String(), gotErr, want.String(), wantErr)
		}
	})
}
