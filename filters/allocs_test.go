package filters

import (
	"context"
	"log/slog"
	"regexp"
	"testing"
	"time"

	"github.com/slogtree/slogtree/internal/testutil"
)

// TestAllocsPass pins the allocations of a record that passes each filter:
// none.
func TestAllocsPass(t *testing.T) {
	if testutil.RaceEnabled {
		t.Skip("the race detector allocates")
	}
	r := record(slog.LevelInfo, "GET /api/users", "method", "GET", "status", 200, "ratio", 0.5, "ok", true,
		slog.Group("req", "id", "r-1", "path", "/api/users"))
	ctx := context.Background()
	tests := []struct {
		name string
		f    Filter
	}{
		{"level", LevelRange{Min: slog.LevelDebug, Max: slog.LevelWarn}},
		{"attr present", AttrPresent("req.id")},
		{"attr equals string", AttrEquals("method", "GET")},
		{"attr equals int", AttrEquals("status", "200")},
		{"attr equals float", AttrEquals("ratio", "0.5")},
		{"attr equals bool", AttrEquals("ok", "true")},
		{"attr equals in group", AttrEquals("req.id", "r-1")},
		{"attr match string", AttrMatch("req.path", regexp.MustCompile("^/api/"))},
		{"regex", NewRegex(regexp.MustCompile(`^GET /api/\w+$`))},
		{"not regex", Not(NewRegex(regexp.MustCompile("health")))},
		{"sample first", NewSampler(time.Minute, 1<<30, 0, nil)},
		{"sample thereafter", NewSampler(time.Minute, 0, 1, nil)},
		{"rate limit", NewRateLimiter(1e12, &RateLimitOptions{Burst: 1 << 30})},
		{"context without attributes", NewContext(func(context.Context) []slog.Attr { return nil }, nil)},
		{"name", Name("app")},
	}
	for _, tt := range tests {
		tt.f.Filter(ctx, "app.db", r) // the rate limiter makes the logger's bucket
		got := testing.AllocsPerRun(100, func() {
			if _, ok := tt.f.Filter(ctx, "app.db", r); !ok {
				t.Fatalf("%s dropped the record", tt.name)
			}
		})
		if got != 0 {
			t.Errorf("%s: %v allocations per record, want 0", tt.name, got)
		}
	}
}

// TestAllocsDrop: dropping a record allocates nothing either.
func TestAllocsDrop(t *testing.T) {
	if testutil.RaceEnabled {
		t.Skip("the race detector allocates")
	}
	r := record(slog.LevelInfo, "m", "status", 200)
	ctx := context.Background()
	tests := []struct {
		name string
		f    Filter
	}{
		{"level", LevelRange{Max: slog.LevelDebug}},
		{"attr equals int", AttrEquals("status", "404")},
		{"regex", NewRegex(regexp.MustCompile("x"))},
		{"sample", NewSampler(time.Minute, 0, 0, &SamplerOptions{OnDrop: func(error) {}})},
		{"rate limit", NewRateLimiter(0, &RateLimitOptions{Burst: 1, OnDrop: func(error) {}})},
	}
	for _, tt := range tests {
		tt.f.Filter(ctx, "app", r)
		got := testing.AllocsPerRun(100, func() {
			if _, ok := tt.f.Filter(ctx, "app", r); ok {
				t.Fatalf("%s passed the record", tt.name)
			}
		})
		if got != 0 {
			t.Errorf("%s: %v allocations per record, want 0", tt.name, got)
		}
	}
}

// BenchmarkFilterCall is the cost of one Filter call on a record that
// passes, without a handler around it: what each filter adds to a record's
// way (see BenchmarkFilters for the ratio to a whole handler).
func BenchmarkFilterCall(b *testing.B) {
	r := record(slog.LevelInfo, "GET /api/users", "method", "GET", "status", 200, "path", "/api/users",
		slog.Group("req", "id", "r-1"))
	ctx := context.WithValue(context.Background(), ctxKey{}, "r-1")
	cases := []struct {
		name string
		f    Filter
	}{
		{"name", Name("app")},
		{"level", LevelRange{Min: slog.LevelDebug, Max: slog.LevelWarn}},
		{"attr_equals", AttrEquals("status", "200")},
		{"attr_equals_group", AttrEquals("req.id", "r-1")},
		{"attr_match", AttrMatch("path", regexp.MustCompile("^/api/"))},
		{"regex", NewRegex(regexp.MustCompile(`^GET /api/\w+$`))},
		{"sample", NewSampler(time.Minute, 1<<40, 0, nil)},
		{"rate_limit", NewRateLimiter(1e12, &RateLimitOptions{Burst: 1 << 30})},
		{"context", NewContext(requestID, nil)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.f.Filter(ctx, "app.db", r)
			}
		})
		b.Run(c.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c.f.Filter(ctx, "app.db", r)
				}
			})
		})
	}
}
