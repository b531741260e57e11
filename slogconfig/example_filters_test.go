package slogconfig_test

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/slogtree/slogtree/filters"
	"github.com/slogtree/slogtree/slogconfig"
)

type requestIDKey struct{}

// Filters named with "()": a level range and a message pattern on a
// handler, sampling and the request id of the context on a logger. The
// sampler's drops reach the error handler, here when the configuration is
// shut down.
func Example_filters() {
	reg := slogconfig.NewRegistry()
	_ = reg.RegisterValue("request_id", filters.ContextFunc(func(ctx context.Context) []slog.Attr {
		if id, ok := ctx.Value(requestIDKey{}).(string); ok {
			return []slog.Attr{slog.String("request_id", id)}
		}
		return nil
	}))
	m := slogconfig.New(slogconfig.WithRegistry(reg), slogconfig.WithErrorHandler(func(err error) {
		fmt.Println("error handler:", err)
	}))
	err := m.DictConfig(map[string]any{
		"version": 1,
		"filters": map[string]any{
			"info_only": map[string]any{"()": "level", "maxLevel": "INFO"},
			"no_health": map[string]any{"()": "regex", "pattern": "^GET /health", "invert": true},
			"sampled":   map[string]any{"()": "sample", "first": 2, "interval": "1m"},
			"request":   map[string]any{"()": "context", "func": "ext://request_id"},
		},
		"handlers": map[string]any{
			"console": map[string]any{"class": "stream", "stream": "ext://sys.stdout",
				"filters": []any{"info_only", "no_health"}},
		},
		"loggers": map[string]any{
			"app.web": map[string]any{"filters": []any{"sampled", "request"}},
		},
		"root": map[string]any{"level": "DEBUG", "handlers": []any{"console"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	web := m.Logger("app.web")
	ctx := context.WithValue(context.Background(), requestIDKey{}, "r-1")
	for range 5 {
		web.InfoContext(ctx, "GET /api/users")
	}
	web.Info("GET /health")
	web.Warn("slow request") // above INFO: not for this handler
	_ = m.Shutdown()
	// Output:
	// GET /api/users request_id=r-1
	// GET /api/users request_id=r-1
	// error handler: filter "sampled": sampling dropped 3 records (3 in all)
}
