package main

import (
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/slogtree/slogtree/slogconfig"
)

// slogtreeConfig is the dictConfig of sc: one handler (json, or pattern
// with benchPattern for text) on root, at INFO, writing to
// ext://bench.out0; for a fanout of 3, handlers on app.db, app and root
// (ext://bench.out0, 1, 2), which a record of app.db reaches by
// propagation; for the rotating sink a rotating_file; for the queue sink a
// queue handler in front of the stream handler.
func slogtreeConfig(sc scenario, out *outputs) map[string]any {
	formatter := "json"
	formatters := map[string]any{
		"json": map[string]any{"class": "json"},
		"text": map[string]any{"format": benchPattern},
	}
	if sc.text {
		formatter = "text"
	}
	stream := func(i int) map[string]any {
		return map[string]any{"class": "stream", "stream": fmt.Sprintf("ext://bench.out%d", i), "formatter": formatter}
	}
	handlers := map[string]any{}
	loggers := map[string]any{}
	root := map[string]any{"level": "INFO", "handlers": []any{"h0"}}
	switch sc.sink {
	case rotating:
		handlers["h0"] = map[string]any{"class": "rotating_file", "filename": out.file, "formatter": formatter,
			"maxBytes": benchMaxBytes, "backupCount": benchBackups}
	case queue:
		handlers["out"] = stream(0)
		handlers["h0"] = map[string]any{"class": "queue", "handlers": []any{"out"},
			"queue": map[string]any{"maxsize": benchQueueSize}}
	default:
		for i := range sc.fanout {
			handlers[fmt.Sprintf("h%d", i)] = stream(i)
		}
		if sc.fanout == 3 {
			loggers[benchLogger] = map[string]any{"handlers": []any{"h0"}}
			loggers["app"] = map[string]any{"handlers": []any{"h1"}}
			root["handlers"] = []any{"h2"}
		}
	}
	return map[string]any{
		"version":    1,
		"formatters": formatters,
		"handlers":   handlers,
		"loggers":    loggers,
		"root":       root,
	}
}

// openSlogtree configures a Manager with slogtreeConfig and logs through
// its logger app.db, with LogAttrs, slog's call without boxing.
func openSlogtree(tb testing.TB, sc scenario, out *outputs) (func(), func() error) {
	reg := slogconfig.NewRegistry()
	for i, w := range out.writers {
		if err := reg.RegisterValue(fmt.Sprintf("bench.out%d", i), w); err != nil {
			tb.Fatal(err)
		}
	}
	m := slogconfig.New(slogconfig.WithRegistry(reg), slogconfig.WithErrorHandler(func(err error) { tb.Errorf("slogtree: %v", err) }))
	if err := m.DictConfig(slogtreeConfig(sc, out)); err != nil {
		tb.Fatal(err)
	}
	return slogCall(m.Logger(benchLogger), sc.call), m.Shutdown
}

// slogCall returns the call of shape on l: a *slog.Logger, slogtree's or
// slog's.
func slogCall(l *slog.Logger, call shape) func() {
	ctx := context.Background()
	switch call {
	case debug5:
		return func() {
			l.LogAttrs(ctx, slog.LevelDebug, benchMsg, slog.String("user", "alice"), slog.Int("status", 200),
				slog.Float64("latency_ms", 12.5), slog.Bool("cached", true), slog.Time("at", benchAt))
		}
	case info0:
		return func() { l.LogAttrs(ctx, slog.LevelInfo, benchMsg) }
	case info5:
		return func() {
			l.LogAttrs(ctx, slog.LevelInfo, benchMsg, slog.String("user", "alice"), slog.Int("status", 200),
				slog.Float64("latency_ms", 12.5), slog.Bool("cached", true), slog.Time("at", benchAt))
		}
	case info1:
		args := make([]any, 0, len(benchTen))
		for _, a := range benchTen {
			args = append(args, slog.Any(a.key, a.val))
		}
		l = l.With(args...)
		return func() { l.LogAttrs(ctx, slog.LevelInfo, benchMsg, slog.Int("status", 200)) }
	}
	panic("unknown shape")
}
