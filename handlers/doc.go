// Package handlers holds the sinks and handlers that slogconfig builds from
// a configuration, usable on their own as plain slog building blocks.
//
// A [Handler] is Python's logging.Handler: a level and filters in front of a
// formatter's [slog.Handler] over a sink. The sinks here are shared by
// resource: every [Stream] on one writer shares one lock, and every [File]
// on one absolute path shares one open file, so handlers that write to the
// same place never interleave within a record and never truncate or rotate
// against each other.
//
// # Write guarantees
//
// Each record is one Write on the sink, made under the sink's lock.
package handlers
