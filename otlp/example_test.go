package otlp_test

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/slogtree/slogtree/otlp"
	"github.com/slogtree/slogtree/slogconfig"
)

// printExporter prints each record it exports: scope, severity number and
// text, body and attributes. It stands for an OTLP receiver.
type printExporter struct{}

func (printExporter) Export(_ context.Context, records []sdklog.Record) error {
	for _, r := range records {
		attrs := map[string]string{}
		r.WalkAttributes(func(kv attribute.KeyValue) bool {
			attrs[string(kv.Key)] = kv.Value.String()
			return true
		})
		var b strings.Builder
		for _, k := range slices.Sorted(maps.Keys(attrs)) {
			fmt.Fprintf(&b, " %s=%s", k, attrs[k])
		}
		fmt.Printf("%s %d %s %q%s\n", r.InstrumentationScope().Name, r.Severity(), r.SeverityText(), r.Body().AsString(), b.String())
	}
	return nil
}

func (printExporter) Shutdown(context.Context) error   { return nil }
func (printExporter) ForceFlush(context.Context) error { return nil }

// A Handler made in Go, with no configuration: one scope per logger name,
// CRITICAL as FATAL. Close exports what is queued.
func ExampleNewHandler() {
	h, err := otlp.NewHandler(&otlp.Options{
		Exporter: printExporter{}, // without it: OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT, or http://localhost:4318
		Resource: []attribute.KeyValue{attribute.String("service.name", "checkout")},
	})
	if err != nil {
		panic(err)
	}
	db := slog.New(h.WithLoggerName("app.db"))
	db.Info("query", "rows", 3)
	db.With("user", "ann").Log(context.Background(), slogconfig.LevelCritical, "disk full")
	if err := h.Close(); err != nil {
		panic(err)
	}
	// Output:
	// app.db 9 INFO "query" rows=3
	// app.db 21 CRITICAL "disk full" user=ann
}

// A configuration names the class otlp once the package is imported;
// Check refuses bad keys at their paths, without connecting to anything.
func Example_check() {
	err := slogconfig.New().Check(map[string]any{
		"version": 1,
		"handlers": map[string]any{"otel": map[string]any{
			"class":    "otlp",
			"endpoint": "collector:4318",
			"timeout":  10,
			"headers":  map[string]any{"Authorization": "Bearer x"},
			"resource": map[string]any{"service.name": "checkout"},
		}},
		"root": map[string]any{"level": "INFO", "handlers": []any{"otel"}},
	})
	fmt.Println(err)
	// Output:
	// handlers.otel.endpoint: want a URL with scheme http or https, such as "http://localhost:4318", got "collector:4318"
	// handlers.otel.timeout: want a positive duration such as "10s" or "500ms", got 10
}
