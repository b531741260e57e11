package otlp

import (
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"
)

// Protocol is the OTLP transport a [Handler] exports with.
type Protocol string

// The protocols of the OTLP exporters.
const (
	ProtocolHTTP Protocol = "http/protobuf" // OTLP/HTTP with protobuf bodies (the default)
	ProtocolGRPC Protocol = "grpc"          // OTLP/gRPC
)

// Compression is the compression of export requests.
type Compression string

// The compressions the OTLP exporters support.
const (
	CompressionNone Compression = "none"
	CompressionGzip Compression = "gzip"
)

// Options configures a [Handler]. The zero value is the default: every
// field left zero is taken from the standard OpenTelemetry environment
// variable that sets it, if set, else from the default it states. Each
// field is the configuration key named in its comment.
type Options struct {
	// Protocol (key protocol) is the transport. Default:
	// OTEL_EXPORTER_OTLP_LOGS_PROTOCOL, then OTEL_EXPORTER_OTLP_PROTOCOL,
	// then ProtocolHTTP. "http/json" is not supported.
	Protocol Protocol

	// Endpoint (key endpoint) is the receiver's URL, such as
	// "http://collector:4318": scheme http sends in plaintext, https over
	// TLS. For OTLP/HTTP a URL with no path posts to /v1/logs, and one with
	// a path posts to that path; for gRPC the path is ignored. Default:
	// OTEL_EXPORTER_OTLP_LOGS_ENDPOINT (used as it is), then
	// OTEL_EXPORTER_OTLP_ENDPOINT (with /v1/logs appended for HTTP), then the
	// specification's http://localhost:4318 (HTTP) or http://localhost:4317
	// (gRPC).
	Endpoint string

	// Headers (key headers) are sent with every export, as HTTP headers or
	// gRPC metadata. Given, they replace those of the environment. Default:
	// OTEL_EXPORTER_OTLP_LOGS_HEADERS, then OTEL_EXPORTER_OTLP_HEADERS
	// ("key1=value1,key2=value2", values URL-encoded), then none.
	Headers map[string]string

	// Insecure (key insecure) sends in plaintext whatever the endpoint's
	// scheme. Default false: the endpoint's scheme decides.
	// OTEL_EXPORTER_OTLP_[LOGS_]INSECURE has no effect: the specification
	// applies it to an endpoint without a scheme, and every endpoint here
	// has one.
	Insecure bool

	// Timeout (key timeout) bounds each export request. Default:
	// OTEL_EXPORTER_OTLP_LOGS_TIMEOUT, then OTEL_EXPORTER_OTLP_TIMEOUT
	// (milliseconds), then 10 s.
	Timeout time.Duration

	// Compression (key compression) compresses export requests. Default:
	// OTEL_EXPORTER_OTLP_LOGS_COMPRESSION, then
	// OTEL_EXPORTER_OTLP_COMPRESSION, then CompressionNone.
	Compression Compression

	// MaxQueueSize (key queueSize) is the most records that wait for
	// export. A record that finds the queue full is dropped, counted and
	// reported (see [DropError]); the caller never waits. Default:
	// OTEL_BLRP_MAX_QUEUE_SIZE, then 2048.
	MaxQueueSize int

	// MaxBatchSize (key batchSize) is the most records one export sends; a
	// queue that holds this many is exported without waiting for
	// BatchInterval. Default: OTEL_BLRP_MAX_EXPORT_BATCH_SIZE, then 512; at
	// most MaxQueueSize.
	MaxBatchSize int

	// BatchInterval (key batchInterval) is the longest a record waits in
	// the queue before it is exported. Default: OTEL_BLRP_SCHEDULE_DELAY
	// (milliseconds), then 1 s.
	BatchInterval time.Duration

	// Resource (key resource) are the resource attributes, service.name
	// among them. They take precedence over OTEL_SERVICE_NAME, which takes
	// precedence over OTEL_RESOURCE_ATTRIBUTES, which take precedence over
	// the SDK's own: telemetry.sdk.* and service.name
	// "unknown_service:PROGRAM".
	Resource []attribute.KeyValue

	// AddSource (key addSource) adds the caller's code.file.path,
	// code.function.name and code.line.number attributes, as the otelslog
	// bridge's WithSource does. Default false.
	AddSource bool

	// CloseTimeout (key closeTimeout) bounds Close: the flush of the queue
	// and the shutdown of the exporter. Records still queued when it runs
	// out are dropped and counted (see [Handler.CloseContext]). Default 5 s.
	CloseTimeout time.Duration

	// Level is the least level the handler takes. A *slog.LevelVar is read
	// at each record. Default: every level (a configuration sets the
	// handler's level with its level key, in front of the handler).
	Level slog.Leveler

	// OnError receives what goes wrong after the handler is made: a
	// [*DropError] for records dropped because the queue was full, and an
	// [*ExportError] for records an export failed to deliver. It is called
	// from the export goroutine (and from Close), never from a goroutine
	// that logs. Records that Close abandons are counted in the error it
	// returns instead. Default: nothing is reported, and [Handler.Stats]
	// still counts.
	OnError func(error)

	// Exporter, if not nil, is the exporter records are sent to instead of
	// an OTLP exporter (Protocol, Endpoint, Headers, Insecure, Timeout and
	// Compression are then unused): another backend, or a test's. The
	// handler shuts it down on Close.
	Exporter sdklog.Exporter
}

// Defaults of the fields that the environment does not set either.
const (
	DefaultTimeout       = 10 * time.Second
	DefaultMaxQueueSize  = 2048
	DefaultMaxBatchSize  = 512
	DefaultBatchInterval = time.Second
	DefaultCloseTimeout  = 5 * time.Second
)

// The default endpoints, the specification's.
const (
	defaultHTTPEndpoint = "http://localhost:4318"
	defaultGRPCEndpoint = "http://localhost:4317"
	defaultHTTPPath     = "/v1/logs"
)
