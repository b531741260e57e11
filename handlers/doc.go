// Package handlers holds the sinks and handlers that slogconfig builds from
// a configuration, usable on their own as plain slog building blocks.
//
// A [Handler] is Python's logging.Handler: a level and filters in front of a
// formatter's [slog.Handler] over a sink.
//
// # What is here
//
//   - Sinks: [Stream] (Python's StreamHandler stream), [File]
//     (FileHandler), [RotatingFile] from [OpenRotating] (RotatingFileHandler,
//     on lumberjack) and [OpenTimedRotating] (TimedRotatingFileHandler:
//     lumberjack's file, rotated at each boundary by a scheduler with an
//     injectable [Clock]), [WatchedFile] (WatchedFileHandler: reopens a
//     file that was moved or removed). Each has a NewXHandler that puts a
//     formatter and a [Handler] in front. An [Opener] opens file sinks for
//     a configuration that may still be refused; [ProbeFile] checks that a
//     path could be opened, without opening it.
//   - Wrappers: [MemoryHandler] (buffers, flushes on capacity, level or
//     close, bypassing the target's level as Python does), [QueueHandler]
//     (a bounded queue drained by a goroutine that Close stops, with an
//     overflow policy whose drops are reported), [Failover], [Router] and
//     [Pool]. Wrappers pass the logger name on to what they wrap
//     ([formatters.LoggerNamer]).
//   - Network handlers, which send Python's LogRecord.__dict__ rather than
//     formatted text: [SocketHandler] and [DatagramHandler] (CPython's
//     pickle wire format, read by logging.makeLogRecord(pickle.loads(…));
//     connection in a goroutine with Python's back-off; drops counted and
//     reported as a [*SendError]) and [HTTPHandler] (urlencode of the
//     dict, as a GET query or a POST form, with a timeout).
//   - Network: [SyslogHandler] (SysLogHandler: CPython's bytes over UDP,
//     TCP or a Unix socket, each send bounded by a timeout) and
//     [SMTPHandler] (SMTPHandler: CPython's mail, sent from a bounded
//     queue by a goroutine that Close drains).
//
// Everything that opens a file or starts a goroutine has a Close that
// closes it once and stops the goroutine, with one exception: see
// Rotation.
//
// # Sharing
//
// Sinks form one process-wide table. Every [Stream] on one writer shares
// one lock. Every file sink on one absolute path — [File], [WatchedFile]
// and [RotatingFile], by size or by time, in any mix — shares one entry:
// one descriptor, one lock, one size count, one rotation. A rotation by
// any of them, by size or by schedule, moves all of them to the new file;
// when a WatchedFile finds its path moved or removed, it reopens the path
// for all of them. Each handle keeps its own terminator. The last handle
// on a path to close closes the descriptor.
//
// # External rotation
//
// A tool that rotates a log file by renaming it (logrotate's "create")
// leaves the sinks writing to the renamed file. [File.Reopen] (and
// [WatchedFile.Reopen], [RotatingFile.Reopen]) opens the path again for
// every handle on it, and [Reopen] does so for every path of one or more
// [Opener]s, as a configuration's files: each record lands wholly in the
// old file or wholly in the new one, a rotating file counts the new file's
// size, and a path that cannot be opened again (its directory is gone)
// keeps its old descriptor and reports the error.
//
// # Opening and committing
//
// A configuration opens its file sinks through an [Opener], then commits
// or aborts it. Until [Opener.Commit] nothing a user would see changes: no
// file is truncated, nothing is rotated (not even a file already past the
// limit of the handle being opened), and the rotation settings and
// schedule of a path that other handles have open stay in force.
// [Opener.Abort] closes what the Opener opened and removes the files it
// created, leaving the file system as it was. Commit truncates the files
// of mode "w" handles that the Opener was the first to open in the
// process (a later configuration that keeps the file open does not
// truncate it again), and puts the rotation settings of the Opener's
// handles in force on each of their paths; a path where none of them
// rotates stops rotating. The settings in force on a path are always
// those of the newest commit with a handle still open on it. The
// package-level Open functions are an Opener opened and committed at
// once.
//
// Within one Opener, handles on one path that rotate it must have the
// same settings (size, MaxBackups, MaxAgeDays, Compress, LocalTime,
// schedule and its Clock), and every handle on the path the same
// permission: the second of two that differ is refused when it is opened,
// with an error wrapping [ErrConflict].
//
// # Rotation
//
// Rotated files are renamed by gopkg.in/natefinch/lumberjack.v2, through
// one lumberjack.Logger per path, made at the path's first rotation and
// kept for the life of the process: lumberjack starts a goroutine with a
// Logger's first rotation and nothing stops it, so there is one such
// goroutine per path the process ever rotated, however often it is
// reconfigured. Records are not written through the Logger: the sink
// counts the size itself, with lumberjack's rule. Old backups are cleaned
// up with lumberjack's rules (MaxBackups, MaxAgeDays, Compress) by a
// goroutine of the path's own, which stops when the last handle on the
// path closes. A path that is not a regular file (a device, a pipe) is
// never rotated.
//
// # Write guarantees
//
// Each record is one Write on the sink. Writes to a file never overlap an
// opening, reopening, rotation or change of settings of that file.
package handlers
