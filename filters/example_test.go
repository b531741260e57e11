package filters_test

import (
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"time"

	"github.com/slogtree/slogtree/filters"
	"github.com/slogtree/slogtree/handlers"
)

// Filters in front of a slog.Handler: only INFO and below, and not the
// health checks.
func ExampleLevelRange() {
	h := handlers.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: noTime}), &handlers.Options{
		Filters: []filters.Filter{
			filters.LevelRange{Max: slog.LevelInfo},
			filters.Not(filters.AttrEquals("http.path", "/health")),
		},
	})
	logger := slog.New(h)
	logger.Info("request", slog.Group("http", "path", "/api/users", "status", 200))
	logger.Info("request", slog.Group("http", "path", "/health", "status", 200))
	logger.Error("disk full")
	// Output:
	// level=INFO msg=request http.path=/api/users http.status=200
}

func ExampleNewRegex() {
	f := filters.NewRegex(regexp.MustCompile(`^user \w+ logged (in|out)$`))
	logger := slog.New(handlers.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: noTime}),
		&handlers.Options{Filters: []filters.Filter{f}}))
	logger.Info("user alice logged in")
	logger.Info("cache miss")
	// Output:
	// level=INFO msg="user alice logged in"
}

// The first record of each message passes, then every third, per
// interval; what is dropped is reported.
func ExampleNewSampler() {
	s := filters.NewSampler(time.Minute, 1, 3, &filters.SamplerOptions{
		Name:   "sample",
		OnDrop: func(err error) { fmt.Println("reported:", err) },
	})
	h := handlers.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: noTime}),
		&handlers.Options{Filters: []filters.Filter{s}}, s)
	logger := slog.New(h)
	for i := 1; i <= 8; i++ {
		logger.Info("tick", "i", i)
	}
	_ = h.Close()
	fmt.Println("dropped:", s.Dropped())
	// Output:
	// level=INFO msg=tick i=1
	// level=INFO msg=tick i=4
	// level=INFO msg=tick i=7
	// reported: filter "sample": sampling dropped 5 records (5 in all)
	// dropped: 5
}

func ExampleNewRateLimiter() {
	l := filters.NewRateLimiter(10, &filters.RateLimitOptions{Burst: 2})
	h := handlers.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: noTime}),
		&handlers.Options{Filters: []filters.Filter{l}})
	db := slog.New(h.WithLoggerName("app.db"))
	web := slog.New(h.WithLoggerName("app.web"))
	for range 3 {
		db.Info("slow query")
		web.Info("request")
	}
	fmt.Println("dropped:", l.Dropped())
	// Output:
	// level=INFO msg="slow query" logger=app.db
	// level=INFO msg=request logger=app.web
	// level=INFO msg="slow query" logger=app.db
	// level=INFO msg=request logger=app.web
	// dropped: 2
}
