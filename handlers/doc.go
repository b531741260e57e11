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
// # What is here
//
//   - Sinks: [Stream] (Python's StreamHandler stream), [File]
//     (FileHandler), [RotatingFile] from [OpenRotating] (RotatingFileHandler,
//     on lumberjack) and [OpenTimedRotating] (TimedRotatingFileHandler:
//     lumberjack's file, rotated at each boundary by a scheduler with an
//     injectable [Clock]), [WatchedFile] (WatchedFileHandler: reopens a
//     file that was moved or removed). Each has a NewXHandler that puts a
//     formatter and a [Handler] in front.
//   - Wrappers: [MemoryHandler] (buffers, flushes on capacity, level or
//     close, bypassing the target's level as Python does), [QueueHandler]
//     (a bounded queue drained by a goroutine that Close stops, with an
//     overflow policy whose drops are reported), [Failover], [Router] and
//     [Pool]. Wrappers pass the logger name on to what they wrap
//     ([formatters.LoggerNamer]).
//
// Everything that opens a file or starts a goroutine has a Close that
// closes it once and stops the goroutine.
//
// # Write guarantees
//
// Each record is one Write on the sink, made under the sink's lock.
package handlers
