package filters_test

import (
	"context"
	"io"
	"log/slog"
	"regexp"
	"testing"
	"time"

	"github.com/slogtree/slogtree/filters"
	"github.com/slogtree/slogtree/handlers"
)

type benchKey struct{}

// BenchmarkFilters logs one record through slog's JSON handler behind
// handlers.New, first with no filter (the baseline), then with each filter,
// set so that the record passes: the cost of a filter reads as the ratio
// to the baseline.
func BenchmarkFilters(b *testing.B) {
	ctx := context.WithValue(context.Background(), benchKey{}, "r-1")
	cases := []struct {
		name string
		f    func() filters.Filter
	}{
		{"baseline", nil},
		{"level", func() filters.Filter { return filters.LevelRange{Min: slog.LevelDebug, Max: slog.LevelWarn} }},
		{"attr_equals", func() filters.Filter { return filters.AttrEquals("status", "200") }},
		{"attr_equals_group", func() filters.Filter { return filters.AttrEquals("req.id", "r-1") }},
		{"attr_match", func() filters.Filter { return filters.AttrMatch("path", regexp.MustCompile("^/api/")) }},
		{"regex", func() filters.Filter { return filters.NewRegex(regexp.MustCompile(`^GET /api/\w+$`)) }},
		{"sample", func() filters.Filter { return filters.NewSampler(time.Minute, 1<<40, 0, nil) }},
		{"rate_limit", func() filters.Filter { return filters.NewRateLimiter(1e12, &filters.RateLimitOptions{Burst: 1 << 30}) }},
		{"context", func() filters.Filter {
			return filters.NewContext(func(ctx context.Context) []slog.Attr {
				id, _ := ctx.Value(benchKey{}).(string)
				return []slog.Attr{slog.String("request_id", id)}
			}, nil)
		}},
	}
	for _, c := range cases {
		var fs []filters.Filter
		if c.f != nil {
			fs = []filters.Filter{c.f()}
		}
		logger := slog.New(handlers.New(slog.NewJSONHandler(io.Discard, nil), &handlers.Options{Filters: fs}).WithLoggerName("app.db"))
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				logger.InfoContext(ctx, "GET /api/users", "method", "GET", "status", 200, "path", "/api/users", slog.Group("req", "id", "r-1"))
			}
		})
		b.Run(c.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					logger.InfoContext(ctx, "GET /api/users", "method", "GET", "status", 200, "path", "/api/users", slog.Group("req", "id", "r-1"))
				}
			})
		})
	}
}
