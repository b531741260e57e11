package otlp

import (
	"io"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/contrib/bridges/otelslog"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/slogtree/slogtree/slogconfig"
)

// BenchmarkHandler is the cost to the goroutine that logs a record of five
// attributes: through a slogtree logger to the otlp handler of a
// configuration, and through the otelslog bridge used directly on the same
// SDK LoggerProvider (the same gate, batch processor and exporter). The
// exporter discards, so that the export goroutine keeps up; drops/op says
// whether it did. The ratio reads from one run:
//
//	go test -run '^$' -bench Handler -benchmem -count 10 . | benchstat -col /path -
func BenchmarkHandler(b *testing.B) {
	reg := slogconfig.NewRegistry()
	class := handlerClass(func() sdklog.Exporter { return discardExporter{} })
	var built *Handler
	newHandler := class.New
	class.New = func(c *slogconfig.HandlerConfig) (slog.Handler, io.Closer, error) {
		h, closer, err := newHandler(c)
		built, _ = h.(*Handler)
		return h, closer, err
	}
	require.NoError(b, reg.RegisterHandler(ClassName, class))
	m := slogconfig.New(slogconfig.WithRegistry(reg), slogconfig.WithErrorHandler(func(error) {}))
	defer func() { _ = m.Shutdown() }()
	cfg := oneHandler(map[string]any{"queueSize": 1 << 13}) // room, so that drops are rare
	cfg["root"].(map[string]any)["level"] = "INFO"
	require.NoError(b, m.DictConfig(cfg))
	require.NotNil(b, built)

	loggers := []struct {
		name   string
		logger *slog.Logger
	}{
		{"path=slogtree", m.Logger("app.db")},
		{"path=otelslog", slog.New(otelslog.NewHandler("app.db", otelslog.WithLoggerProvider(built.LoggerProvider())))},
	}
	for _, l := range loggers {
		b.Run(l.name, func(b *testing.B) {
			before := built.Stats().Dropped
			b.ReportAllocs()
			for b.Loop() {
				l.logger.Info("request", "method", "GET", "path", "/users/42", "status", 200, "bytes", 5120, "ms", 1.25)
			}
			b.ReportMetric(float64(built.Stats().Dropped-before)/float64(b.N), "drops/op")
		})
	}
	for _, l := range loggers {
		b.Run("parallel/"+l.name, func(b *testing.B) {
			before := built.Stats().Dropped
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					l.logger.Info("request", "method", "GET", "path", "/users/42", "status", 200, "bytes", 5120, "ms", 1.25)
				}
			})
			b.ReportMetric(float64(built.Stats().Dropped-before)/float64(b.N), "drops/op")
		})
	}
}
