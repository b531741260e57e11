// Package otlp is the handler class otlp: slog records exported to an
// OpenTelemetry collector, or any OTLP receiver, over OTLP/HTTP or
// OTLP/gRPC, with OpenTelemetry's Logs SDK and its otelslog bridge.
//
// It is a module of its own, so that a program that does not export to
// OpenTelemetry does not depend on it. Importing it registers the class in
// [slogconfig.DefaultRegistry]:
//
//	import _ "github.com/slogtree/slogtree/otlp"
//
// [Register] adds the class to another Registry, and [NewHandler] makes the
// handler without a configuration.
//
// # Configuration
//
// A handler entry of class otlp takes these keys, each an [Options] field
// of the same meaning:
//
//	handlers:
//	  otel:
//	    class: otlp
//	    endpoint: http://collector:4318   # Endpoint: http is plaintext, https is TLS
//	    protocol: http/protobuf           # Protocol: http/protobuf or grpc
//	    headers: {Authorization: "Bearer ..."}
//	    insecure: false                   # Insecure: plaintext even for https
//	    timeout: 10s                      # Timeout of an export request
//	    compression: gzip                 # Compression: gzip or none
//	    queueSize: 2048                   # MaxQueueSize, in records
//	    batchSize: 512                    # MaxBatchSize, in records
//	    batchInterval: 1s                 # BatchInterval
//	    closeTimeout: 5s                  # CloseTimeout
//	    addSource: false                  # AddSource
//	    resource: {service.name: checkout, deployment.environment: prod}
//
// Durations are strings with their unit ("500ms", "10s"). The handler's
// level and filters are the configuration's as for every class; a
// formatter is not used (with a warning): an OTLP record carries the
// message and the attributes, not text.
//
// # Environment
//
// A key left out is read from the standard variables, the logs-specific
// one first: OTEL_EXPORTER_OTLP_LOGS_PROTOCOL, then
// OTEL_EXPORTER_OTLP_PROTOCOL; the same for _ENDPOINT, _HEADERS, _TIMEOUT,
// _COMPRESSION and the TLS files _CERTIFICATE, _CLIENT_CERTIFICATE and
// _CLIENT_KEY; OTEL_BLRP_MAX_QUEUE_SIZE, OTEL_BLRP_MAX_EXPORT_BATCH_SIZE,
// OTEL_BLRP_SCHEDULE_DELAY and OTEL_BLRP_EXPORT_TIMEOUT for the batch
// processor; OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME for the
// resource, under the resource key. So a key takes precedence over the
// logs-specific variable, which takes precedence over the general one,
// which takes precedence over the default. The variables are read when a
// configuration is checked or applied, and a bad one is refused at the
// path of the key it stands for (handlers.otel.timeout:
// OTEL_EXPORTER_OTLP_TIMEOUT: ...), as a bad key is.
//
// # Scopes
//
// Each logger name is an instrumentation scope: records of logger
// "app.db" have scope "app.db", and those of the root logger scope
// [RootScope], "root", Python's name for it. A scope's handler is made
// when a configuration routes the logger's records to the handler, and
// kept for the handler's life.
//
// # Severity
//
// [Severity] maps a slog level to an OpenTelemetry severity number with
// the otelslog bridge's offsets: DEBUG, INFO, WARN and ERROR are DEBUG (5),
// INFO (9), WARN (13) and ERROR (17); CRITICAL (slog 12) is FATAL (21); a
// level in between is the sub-level as far above (INFO+2 is INFO3, 11),
// clamped to TRACE (1) .. FATAL4 (24). The severity text is the level's
// name as slogtree's json and text formatters print it: CRITICAL, a name
// registered with formatters.RegisterLevelName, else slog's (INFO+2).
//
// # Drops and errors
//
// The batch processor's queue is the only place records wait: the
// goroutine that logs never waits for the collector. Every record is
// counted once ([Handler.Stats]): exported; failed, when the export that
// carried it failed after the exporter's retries and timeout, or the
// receiver rejected it in a partial success ([ExportError]); dropped,
// when it found MaxQueueSize records waiting ([DropError]); or abandoned,
// when it was still queued as Close ran out of time
// ([handlers.AbandonedError], which Close returns). Failed and dropped
// records are reported to the Manager's error handler, naming the
// handler, from the export goroutine; nothing goes to OpenTelemetry's
// process-wide error handler.
//
// # Lifecycle
//
// Neither checking nor applying a configuration connects: the exporter
// connects on its first export. When a reconfiguration retires the
// handler, or at Shutdown, Close exports what is queued (ForceFlush), then
// shuts the SDK and the exporter down, within CloseTimeout (and within
// the context of ShutdownContext).
package otlp
