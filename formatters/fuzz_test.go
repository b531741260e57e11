package formatters_test

import (
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
