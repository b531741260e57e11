// Package otlp is the handler class otlp: slog records exported to an
// OpenTelemetry collector over OTLP, with OpenTelemetry's Logs SDK.
package otlp
