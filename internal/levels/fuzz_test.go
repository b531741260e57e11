package levels

import (
	"math/big"
	"strings"
	"testing"
)

// FuzzParseName checks that any string either fails or parses to a level
// that reads back the same way: in lower case, through Parse, and from
// its slog name.
func FuzzParseName(f *testing.F) {
	for _, s := range []string{
		"DEBUG", "info", "Warning", "WARN", "error", "CRITICAL", "fatal", "NOTSET",
		"INFO+2", "warn-1", "debug-4", "CRITICAL+1", "ERROR+0", " info ", "15", "",
		"INFO+", "+1", "INFO+2+3", "NOTSET+1", "INFO+99999999999999999999",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseName(s)
		if err != nil {
			return
		}
		p, err := Parse(s)
		if err != nil || p != l {
			t.Fatalf("Parse(%q) = %+v, %v; ParseName gave %+v", s, p, err, l)
		}
		if lower, err := ParseName(strings.ToLower(s)); err != nil || lower != l {
			t.Fatalf("ParseName(%q) = %+v, %v; ParseName(%q) gave %+v", strings.ToLower(s), lower, err, s, l)
		}
		if l.NotSet {
			return
		}
		name := SlogName(l.Slog)
		back, err := ParseName(name)
		if err != nil || back != l {
			t.Fatalf("ParseName(%q) = %+v, %v; want %+v (from %q)", name, back, err, l, s)
		}
	})
}

// FuzzFromPython checks Parse of any Python level number against the
// definition, in arbitrary precision: the least ℓ with 5ℓ >= 2n-40, or an
// error.
func FuzzFromPython(f *testing.F) {
	for _, n := range []int64{0, 1, 10, 11, 15, 20, 50, -5, 1 << 31} {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, n int64) {
		l, err := Parse(n)
		if err != nil {
			return
		}
		if n == 0 {
			if !l.NotSet {
				t.Fatalf("Parse(0) = %+v, want NOTSET", l)
			}
			return
		}
		if l.NotSet {
			t.Fatalf("Parse(%d) = NOTSET", n)
		}
		// 5ℓ >= 2n-40 and 5(ℓ-1) < 2n-40.
		bound := new(big.Int).Sub(new(big.Int).Mul(big.NewInt(2), big.NewInt(n)), big.NewInt(40))
		five := big.NewInt(5)
		lo := new(big.Int).Mul(five, big.NewInt(int64(l.Slog)))
		below := new(big.Int).Sub(lo, five)
		if lo.Cmp(bound) < 0 || below.Cmp(bound) >= 0 {
			t.Fatalf("Parse(%d) = slog %d, want the least ℓ with 5ℓ >= %s", n, l.Slog, bound)
		}
	})
}
