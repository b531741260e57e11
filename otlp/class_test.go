package otlp

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/slogconfig"
)

// A YAML and a JSON configuration file name the otlp class; records
// arrive at the endpoint they give, with the headers and resource.
func TestConfigFiles(t *testing.T) {
	for _, tt := range []struct {
		name string
		file string
		give string
	}{
		{"yaml", "logging.yaml", `
version: 1
handlers:
  otel:
    class: otlp
    endpoint: {{URL}}
    protocol: http/protobuf
    headers: {X-Api-Key: s3cret}
    insecure: true
    timeout: 5s
    compression: gzip
    batchSize: 100
    batchInterval: 200ms
    queueSize: 1000
    closeTimeout: 3s
    resource:
      service.name: from-yaml
      service.version: "1.2"
loggers:
  app: {level: INFO, handlers: [otel]}
`},
		{"json", "logging.json", `{
  "version": 1,
  "handlers": {"otel": {"class": "otlp", "endpoint": "{{URL}}", "headers": {"X-Api-Key": "s3cret"},
    "resource": {"service.name": "from-json", "service.version": "1.2"}}},
  "loggers": {"app": {"level": "INFO", "handlers": ["otel"]}}
}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rcv := newHTTPReceiver(t, nil)
			path := filepath.Join(t.TempDir(), tt.file)
			require.NoError(t, os.WriteFile(path, []byte(strings.ReplaceAll(tt.give, "{{URL}}", rcv.URL())), 0o600))
			m, errs := newManager(t, nil)
			require.NoError(t, m.Load(path))
			m.Logger("app.part").Info("from a file", "k", "v")
			m.Logger("app").Debug("below the level")
			require.NoError(t, m.Shutdown())
			recs := rcv.all()
			require.Len(t, recs, 1)
			assert.Equal(t, "from a file", recs[0].Body)
			assert.Equal(t, "app.part", recs[0].Scope)
			assert.Equal(t, "from-"+tt.name, recs[0].Resource["service.name"])
			assert.Equal(t, "1.2", recs[0].Resource["service.version"])
			assert.Equal(t, "s3cret", rcv.lastHeaders()["X-Api-Key"])
			assert.Empty(t, errs.all())
		})
	}
}

// unreachable is an endpoint where nothing answers, for the variables a
// test must not see used.
const unreachable = "http://127.0.0.1:9"

// With its keys absent, a handler reads the standard environment
// variables; a key takes precedence over its variables, and a
// signal-specific variable (OTEL_EXPORTER_OTLP_LOGS_*) over the general
// one.
func TestConfigEnvironment(t *testing.T) {
	t.Run("variables when keys are absent", func(t *testing.T) {
		rcv := newHTTPReceiver(t, nil)
		t.Setenv(envEndpoint, rcv.URL()) // general: /v1/logs appended
		t.Setenv(envHeaders, "x-env=from%20env,x-other=2")
		t.Setenv(envResourceAttrs, "team=core,service.name=overridden")
		t.Setenv(envServiceName, "env-svc")
		t.Setenv(envMaxBatchSize, "1")
		recs := logOne(t, nil)
		rcv.wait(t, 1)
		assert.Equal(t, "env-svc", rcv.all()[0].Resource["service.name"], "OTEL_SERVICE_NAME over OTEL_RESOURCE_ATTRIBUTES")
		assert.Equal(t, "core", rcv.all()[0].Resource["team"])
		assert.Equal(t, "from env", rcv.lastHeaders()["X-Env"])
		assert.Equal(t, "2", rcv.lastHeaders()["X-Other"])
		assert.Empty(t, recs.all())
	})
	t.Run("keys over variables", func(t *testing.T) {
		rcv := newHTTPReceiver(t, nil)
		t.Setenv(envLogsEndpoint, unreachable)
		t.Setenv(envEndpoint, unreachable)
		t.Setenv(envLogsHeaders, "x-env=1")
		t.Setenv(envServiceName, "env-svc")
		t.Setenv(envLogsTimeout, "not a number") // not read: the key is given
		t.Setenv(envLogsProtocol, "grpc")
		errs := logOne(t, map[string]any{
			"endpoint": rcv.URL(),
			"protocol": "http/protobuf",
			"headers":  map[string]any{"x-key": "1"},
			"timeout":  "5s",
			"resource": map[string]any{"service.name": "key-svc"},
		})
		rcv.wait(t, 1)
		assert.Equal(t, "key-svc", rcv.all()[0].Resource["service.name"])
		assert.Equal(t, "1", rcv.lastHeaders()["X-Key"])
		assert.NotContains(t, rcv.lastHeaders(), "X-Env", "given headers replace the environment's")
		assert.Empty(t, errs.all())
	})
	t.Run("signal variables over general ones", func(t *testing.T) {
		rcv := newHTTPReceiver(t, nil)
		t.Setenv(envLogsEndpoint, rcv.URL()+"/v1/logs") // used as it is
		t.Setenv(envEndpoint, unreachable)
		t.Setenv(envLogsHeaders, "x-which=logs")
		t.Setenv(envHeaders, "x-which=general")
		errs := logOne(t, nil)
		rcv.wait(t, 1)
		assert.Equal(t, "logs", rcv.lastHeaders()["X-Which"])
		assert.Empty(t, errs.all())
	})
	t.Run("protocol from the environment", func(t *testing.T) {
		rcv := newGRPCReceiver(t)
		t.Setenv(envProtocol, "grpc")
		t.Setenv(envEndpoint, rcv.URL())
		t.Setenv(envCompression, "gzip")
		errs := logOne(t, nil)
		rcv.wait(t, 1)
		assert.Equal(t, "root", rcv.all()[0].Scope)
		assert.Empty(t, errs.all())
	})
}

// OTEL_EXPORTER_OTLP_CERTIFICATE names the CA that an https endpoint's
// certificate is checked against.
func TestConfigCertificateFromEnvironment(t *testing.T) {
	rcv := newHTTPReceiver(t, func(r *httpReceiver) { r.tls = true })
	require.True(t, strings.HasPrefix(rcv.URL(), "https://"))
	t.Setenv(envCertificate, rcv.certificatePEM(t))
	errs := logOne(t, map[string]any{"endpoint": rcv.URL()})
	assert.Equal(t, []string{"one"}, rcv.bodies())
	assert.Empty(t, errs.all())

	t.Setenv(envCertificate, "")
	errs = logOne(t, map[string]any{"endpoint": rcv.URL()})
	assert.Equal(t, []string{"one"}, rcv.bodies(), "not delivered without the CA")
	require.Len(t, errs.all(), 1)
	assert.ErrorContains(t, errs.all()[0], "certificate")
}

// logOne configures an otlp handler with keys, logs one record on the
// root logger and shuts down; it returns what the error handler got.
func logOne(t *testing.T, keys map[string]any) *errorLog {
	t.Helper()
	m, errs := newManager(t, nil)
	require.NoError(t, m.DictConfig(oneHandler(keys)))
	m.Logger("root").Info("one")
	require.NoError(t, m.Shutdown())
	return errs
}

// Bad keys, and bad environment variables where the key is absent, are
// refused with every problem at its path, before anything is built.
func TestConfigErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		give map[string]any
		env  map[string]string
		want []string
	}{
		{
			name: "every key wrong at once",
			give: map[string]any{
				"endpoint": "localhost:4318", "protocol": "http/json", "headers": map[string]any{"bad name": "x", "X-N": 5},
				"insecure": "yes", "timeout": 10, "compression": "br", "batchSize": 0, "batchInterval": "-1s",
				"queueSize": "many", "resource": map[string]any{"tags": []any{"a"}, "ok": "fine"}, "addSource": 1,
				"closeTimeout": "soon",
			},
			want: []string{
				`handlers.otel.endpoint: want a URL with scheme http or https, such as "http://localhost:4318", got "localhost:4318"`,
				`handlers.otel.protocol: http/json is not supported by the Go exporters: want "http/protobuf" or "grpc"`,
				`handlers.otel.headers.X-N: want a string, got 5`,
				`handlers.otel.headers.bad name: header name "bad name" is not an HTTP token`,
				`handlers.otel.insecure: want a boolean, got "yes"`,
				`handlers.otel.timeout: want a positive duration such as "10s" or "500ms", got 10`,
				`handlers.otel.compression: want "gzip" or "none", got "br"`,
				`handlers.otel.batchSize: want an integer >= 1, got 0`,
				`handlers.otel.batchInterval: want a positive duration such as "10s" or "500ms", got "-1s"`,
				`handlers.otel.queueSize: want an integer, got "many"`,
				`handlers.otel.resource.tags: want a string, a number or a boolean, got a list`,
				`handlers.otel.addSource: want a boolean, got 1`,
				`handlers.otel.closeTimeout: want a positive duration such as "10s" or "500ms", got "soon"`,
			},
		},
		{
			name: "not mappings",
			give: map[string]any{"headers": "a=b", "resource": []any{}},
			want: []string{
				`handlers.otel.headers: want a mapping, got "a=b"`,
				`handlers.otel.resource: want a mapping, got a list`,
			},
		},
		{
			name: "unknown key",
			give: map[string]any{"url": "http://x"},
			want: []string{`handlers.otel.url: unexpected keyword argument "url" for otlp`},
		},
		{
			name: "bad variables where keys are absent",
			env: map[string]string{
				envLogsProtocol: "thrift", envEndpoint: "collector:4318", envTimeout: "abc", envLogsHeaders: "novalue",
				envCompression: "zstd", envMaxQueueSize: "0", envMaxBatchSize: "-3",
				envScheduleDelay: "1s", envExportTimeout: "never", envResourceAttrs: "team=core,broken",
			},
			want: []string{
				`handlers.otel: OTEL_BLRP_EXPORT_TIMEOUT: want a positive integer number of milliseconds, got "never"`,
				`handlers.otel.endpoint: OTEL_EXPORTER_OTLP_ENDPOINT: want a URL with scheme http or https, such as "http://localhost:4318", got "collector:4318"`,
				`handlers.otel.protocol: OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: want "http/protobuf" or "grpc", got "thrift"`,
				`handlers.otel.headers: OTEL_EXPORTER_OTLP_LOGS_HEADERS: want key=value, got "novalue"`,
				`handlers.otel.timeout: OTEL_EXPORTER_OTLP_TIMEOUT: want a positive integer number of milliseconds, got "abc"`,
				`handlers.otel.compression: OTEL_EXPORTER_OTLP_COMPRESSION: want "gzip" or "none", got "zstd"`,
				`handlers.otel.batchSize: OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: want an integer >= 1, got "-3"`,
				`handlers.otel.batchInterval: OTEL_BLRP_SCHEDULE_DELAY: want a positive integer number of milliseconds, got "1s"`,
				`handlers.otel.queueSize: OTEL_BLRP_MAX_QUEUE_SIZE: want an integer >= 1, got "0"`,
				`handlers.otel.resource: OTEL_RESOURCE_ATTRIBUTES: want key=value, got "broken"`,
			},
		},
		{
			name: "a bad key is not also reported for its variable",
			give: map[string]any{"timeout": "x"},
			env:  map[string]string{envTimeout: "abc"},
			want: []string{`handlers.otel.timeout: want a positive duration such as "10s" or "500ms", got "x"`},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			m, _ := newManager(t, nil)
			err := m.Check(oneHandler(tt.give))
			require.Error(t, err)
			var ce *slogconfig.ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.want, strings.Split(err.Error(), "\n"))
			assert.Equal(t, err.Error(), m.DictConfig(oneHandler(tt.give)).Error(), "DictConfig refuses it alike")
		})
	}
}

// A key given takes precedence over a bad variable for it: the variable
// is not read, so it is not refused.
func TestConfigKeyHidesBadVariable(t *testing.T) {
	t.Setenv(envTimeout, "abc")
	t.Setenv(envEndpoint, "nonsense")
	m, _ := newManager(t, nil)
	assert.NoError(t, m.Check(oneHandler(map[string]any{"timeout": "1s", "endpoint": unreachable})))
}

// Neither Check nor applying a configuration connects to the collector:
// the exporter connects on its first export, and a handler that exported
// nothing closes without one.
func TestConfigOpensNothing(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var accepted atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			_ = c.Close()
		}
	}()
	for _, proto := range []string{"http/protobuf", "grpc"} {
		cfg := oneHandler(map[string]any{"endpoint": "http://" + l.Addr().String(), "protocol": proto})
		m, errs := newManager(t, nil)
		require.NoError(t, m.Check(cfg))
		require.NoError(t, m.DictConfig(cfg))
		require.NoError(t, m.Shutdown())
		assert.Empty(t, errs.all())
	}
	require.NoError(t, l.Close())
	<-done
	assert.Zero(t, accepted.Load())
}

// NewHandler names the bad Options fields.
func TestNewHandlerErrors(t *testing.T) {
	_, err := NewHandler(&Options{
		Endpoint:     "ftp://x",
		Headers:      map[string]string{"a b": "c"},
		MaxQueueSize: -1,
		Timeout:      -1,
	})
	require.Error(t, err)
	assert.ElementsMatch(t, []string{
		`otlp: Options.Endpoint: want a URL with scheme http or https, such as "http://localhost:4318", got "ftp://x"`,
		`otlp: Options.Headers["a b"]: header name "a b" is not an HTTP token`,
		`otlp: Options.Timeout: want a positive duration, got -1ns`,
		`otlp: Options.MaxQueueSize: want an integer >= 1, got -1`,
	}, strings.Split(err.Error(), "\n"))

	t.Setenv(envCertificate, filepath.Join(t.TempDir(), "missing.pem"))
	_, err = NewHandler(nil)
	assert.ErrorContains(t, err, "otlp: OTEL_EXPORTER_OTLP_CERTIFICATE: open ")
}

// Register refuses a second registration, as every Registry does.
func TestRegister(t *testing.T) {
	r := slogconfig.NewRegistry()
	require.NoError(t, Register(r))
	assert.EqualError(t, Register(r), fmt.Sprintf("slogconfig: handler class %q is already registered", ClassName))
	assert.EqualError(t, Register(slogconfig.DefaultRegistry), `slogconfig: handler class "otlp" is already registered`,
		"importing the package registered it")
}

// A formatter given to the handler is not used, and the configuration
// says so once.
func TestConfigFormatterWarning(t *testing.T) {
	m, errs := newManager(t, nil)
	cfg := oneHandler(map[string]any{"formatter": "f", "endpoint": unreachable})
	cfg["formatters"] = map[string]any{"f": map[string]any{"format": "%(message)s"}}
	require.NoError(t, m.DictConfig(cfg))
	require.Len(t, errs.all(), 1)
	var w *slogconfig.ConfigWarning
	require.ErrorAs(t, errs.all()[0], &w)
	assert.Equal(t, "handlers.otel", w.Path)
	assert.Contains(t, w.Msg, "formatter is not used")
}
