package otlp

import (
	"context"
	"log/slog"
	"testing"
	"testing/slogtest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/slogtree/slogtree/formatters"
	"github.com/slogtree/slogtree/handlers"
	"github.com/slogtree/slogtree/slogconfig"
)

// newManager returns a Manager on reg (the default Registry when nil)
// whose error handler records what it gets; the test shuts it down.
func newManager(t testing.TB, reg *slogconfig.Registry) (*slogconfig.Manager, *errorLog) {
	t.Helper()
	errs := &errorLog{}
	opts := []slogconfig.Option{slogconfig.WithErrorHandler(errs.add)}
	if reg != nil {
		opts = append(opts, slogconfig.WithRegistry(reg))
	}
	m := slogconfig.New(opts...)
	t.Cleanup(func() { _ = m.Shutdown() })
	return m, errs
}

// oneHandler is a configuration whose root logger, at DEBUG, sends
// everything to one handler "otel" with the given keys.
func oneHandler(keys map[string]any) map[string]any {
	h := map[string]any{"class": "otlp"}
	for k, v := range keys {
		h[k] = v
	}
	return map[string]any{
		"version":                  1,
		"disable_existing_loggers": false,
		"handlers":                 map[string]any{"otel": h},
		"root":                     map[string]any{"level": "DEBUG", "handlers": []any{"otel"}},
	}
}

// Records logged through a configuration arrive at an OTLP/HTTP receiver
// with their body, severity, scope (the logger name), attributes and
// groups, the attributes bound with With, the resource attributes and the
// configured headers. The class comes from the default Registry: importing
// the package registered it.
func TestHTTPExport(t *testing.T) {
	rcv := newHTTPReceiver(t, nil)
	m, errs := newManager(t, nil)
	require.NoError(t, m.DictConfig(oneHandler(map[string]any{
		"endpoint":      rcv.URL(),
		"headers":       map[string]any{"Authorization": "Bearer t0ken", "X-Tenant": "blue"},
		"resource":      map[string]any{"service.name": "checkout", "deployment.environment": "test", "build": 7.0},
		"batchInterval": "1h", // only Shutdown exports
	})))

	ctx := context.Background()
	m.Logger("root").Info("started", "port", 8080, "tls", false)
	m.Logger("app.db").Debug("query", "rows", 3, slog.Group("req", "id", "r1", "ms", 2.5))
	m.Logger("app").With("user", "ann").WithGroup("http").Warn("slow", "path", "/x")
	m.Logger("app").Log(ctx, slogconfig.LevelCritical, "down")
	m.Logger("app.db").Error("failed", "err", assert.AnError)
	require.NoError(t, m.Shutdown())

	recs := rcv.all()
	require.Len(t, recs, 5)
	for _, g := range recs {
		assert.Equal(t, "checkout", g.Resource["service.name"])
		assert.Equal(t, "test", g.Resource["deployment.environment"])
		assert.Equal(t, int64(7), g.Resource["build"])
		assert.Equal(t, "go", g.Resource["telemetry.sdk.language"])
	}
	assert.Equal(t, recs[0].Resource, recs[4].Resource)
	for i := range recs {
		recs[i].Resource = nil
	}
	// The exporter groups records by scope: the order across scopes is not kept.
	assert.ElementsMatch(t, []got{
		{Scope: "root", Body: "started", Severity: 9, Text: "INFO",
			Attrs: map[string]any{"port": int64(8080), "tls": false}},
		{Scope: "app.db", Body: "query", Severity: 5, Text: "DEBUG",
			Attrs: map[string]any{"rows": int64(3), "req": map[string]any{"id": "r1", "ms": 2.5}}},
		{Scope: "app", Body: "slow", Severity: 13, Text: "WARN",
			Attrs: map[string]any{"user": "ann", "http": map[string]any{"path": "/x"}}},
		{Scope: "app", Body: "down", Severity: 21, Text: "CRITICAL", Attrs: map[string]any{}},
		{Scope: "app.db", Body: "failed", Severity: 17, Text: "ERROR",
			Attrs: map[string]any{ // the bridge gives an error to the SDK, which makes these
				"exception.message": assert.AnError.Error(), "exception.type": "*errors.errorString"}},
	}, recs)

	h := rcv.lastHeaders()
	assert.Equal(t, "Bearer t0ken", h["Authorization"])
	assert.Equal(t, "blue", h["X-Tenant"])
	assert.Empty(t, errs.all())
}

// Severity follows the otelslog bridge's offsets, CRITICAL is FATAL, and
// the range is clamped; the severity text is the level's name as
// slogtree's formatters print it.
func TestSeverity(t *testing.T) {
	require.NoError(t, formatters.RegisterLevelName("AUDIT", 6)) // process-wide: no other test uses 6
	exp := &memExporter{}
	h, err := NewHandler(&Options{Exporter: exp})
	require.NoError(t, err)
	for _, tt := range []struct {
		give     slog.Level
		wantSev  otellog.Severity
		wantText string
	}{
		{slog.LevelDebug - 8, otellog.SeverityTrace1, "DEBUG-8"},
		{slog.LevelDebug - 4, otellog.SeverityTrace1, "DEBUG-4"},
		{slog.LevelDebug - 1, otellog.SeverityTrace4, "DEBUG-1"},
		{slog.LevelDebug, otellog.SeverityDebug, "DEBUG"},
		{slog.LevelInfo, otellog.SeverityInfo, "INFO"},
		{slog.LevelInfo + 2, otellog.SeverityInfo3, "INFO+2"},
		{slog.LevelWarn - 1, otellog.SeverityInfo4, "INFO+3"},
		{slog.LevelWarn, otellog.SeverityWarn, "WARN"},
		{6, otellog.SeverityWarn3, "AUDIT"},
		{slog.LevelError, otellog.SeverityError, "ERROR"},
		{slog.LevelError + 3, otellog.SeverityError4, "ERROR+3"},
		{slogconfig.LevelCritical, otellog.SeverityFatal, "CRITICAL"},
		{slogconfig.LevelCritical + 3, otellog.SeverityFatal4, "CRITICAL+3"},
		{slogconfig.LevelCritical + 20, otellog.SeverityFatal4, "CRITICAL+20"},
	} {
		assert.Equal(t, tt.wantSev, Severity(tt.give), "Severity(%d)", int(tt.give))
		require.NoError(t, h.Handle(context.Background(), slog.NewRecord(time.Time{}, tt.give, "m", 0)))
		require.NoError(t, h.ForceFlush(context.Background()))
		rs := exp.take()
		require.Len(t, rs, 1)
		assert.Equal(t, tt.wantSev, rs[0].Severity(), "level %d", int(tt.give))
		assert.Equal(t, tt.wantText, rs[0].SeverityText(), "level %d", int(tt.give))
	}
	require.NoError(t, h.Close())
}

// The handler passes testing/slogtest: the bridge's mapping of attributes
// and groups is slog's.
func TestSlogtest(t *testing.T) {
	exp := &memExporter{}
	h, err := NewHandler(&Options{Exporter: exp})
	require.NoError(t, err)
	t.Cleanup(func() { _ = h.Close() })
	slogtest.Run(t, func(*testing.T) slog.Handler { return h }, func(t *testing.T) map[string]any {
		require.NoError(t, h.ForceFlush(context.Background()))
		rs := exp.take()
		require.Len(t, rs, 1)
		return recordMap(&rs[0])
	})
}

// recordMap is an SDK record as slogtest reads it.
func recordMap(r *sdklog.Record) map[string]any {
	m := map[string]any{
		slog.LevelKey:   slog.Level(r.Severity()) - severityOffset,
		slog.MessageKey: r.Body().AsString(),
	}
	if !r.Timestamp().IsZero() {
		m[slog.TimeKey] = r.Timestamp()
	}
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		m[string(kv.Key)] = valueOf(kv.Value)
		return true
	})
	return m
}

func valueOf(v attribute.Value) any {
	if v.Type() == attribute.MAP {
		m := map[string]any{}
		for _, kv := range v.AsMap() {
			m[string(kv.Key)] = valueOf(kv.Value)
		}
		return m
	}
	return v.AsInterface()
}

// WithLoggerName keeps the attributes and groups of the handler it is
// called on, and Level gates the records.
func TestWithLoggerNameKeepsAttrs(t *testing.T) {
	exp := &memExporter{}
	lv := new(slog.LevelVar)
	lv.Set(slog.LevelWarn)
	h, err := NewHandler(&Options{Exporter: exp, Level: lv})
	require.NoError(t, err)
	assert.Equal(t, RootScope, h.Scope())
	ctx := context.Background()
	assert.False(t, h.Enabled(ctx, slog.LevelInfo))
	assert.True(t, h.Enabled(ctx, slog.LevelWarn))

	named := h.WithAttrs([]slog.Attr{slog.String("a", "1")}).WithGroup("g").(*Handler).WithLoggerName("svc.part")
	assert.Equal(t, "svc.part", named.(*Handler).Scope())
	assert.Same(t, named, named.(*Handler).WithLoggerName("svc.part"))
	require.NoError(t, named.Handle(ctx, slog.NewRecord(time.Time{}, slog.LevelWarn, "m", 0)))
	r := slog.NewRecord(time.Time{}, slog.LevelWarn, "n", 0)
	r.AddAttrs(slog.Int("b", 2))
	require.NoError(t, named.Handle(ctx, r))
	require.NoError(t, h.Close())

	rs := exp.take()
	require.Len(t, rs, 2)
	for _, r := range rs {
		assert.Equal(t, "svc.part", r.InstrumentationScope().Name)
	}
	assert.Equal(t, map[string]any{"a": "1"}, attrsOf(&rs[0]), "an empty group is left out")
	assert.Equal(t, map[string]any{"a": "1", "g": map[string]any{"b": int64(2)}}, attrsOf(&rs[1]))
	assert.ErrorIs(t, named.Handle(ctx, r), handlers.ErrClosed)
	assert.True(t, exp.shutdown)
}

func attrsOf(r *sdklog.Record) map[string]any {
	m := map[string]any{}
	r.WalkAttributes(func(kv attribute.KeyValue) bool {
		m[string(kv.Key)] = valueOf(kv.Value)
		return true
	})
	return m
}

// AddSource adds the caller's code attributes, as the bridge's WithSource.
func TestAddSource(t *testing.T) {
	exp := &memExporter{}
	h, err := NewHandler(&Options{Exporter: exp, AddSource: true})
	require.NoError(t, err)
	slog.New(h).Info("here")
	require.NoError(t, h.Close())
	rs := exp.take()
	require.Len(t, rs, 1)
	attrs := attrsOf(&rs[0])
	assert.Regexp(t, `/handler_test\.go$`, attrs["code.file.path"])
	assert.Equal(t, "github.com/slogtree/slogtree/otlp.TestAddSource", attrs["code.function.name"])
	assert.IsType(t, int64(0), attrs["code.line.number"])
}
