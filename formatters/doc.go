// Package formatters turns a writer into a [slog.Handler] that renders
// records the way a Python logging formatter does.
//
// A [Formatter] is the configured part (format string, date format, style);
// [Formatter.NewHandler] binds it to a writer. Three ship here:
//
//   - [Pattern], Python's logging.Formatter: %-, {}- and $-style format
//     strings with LogRecord attributes such as %(asctime)s and %(name)s;
//   - [JSON], slog's JSONHandler;
//   - [Text], slog's TextHandler;
//   - [PyJSON], python-json-logger's JsonFormatter: the fields its format
//     names, then the record's attributes, in json.dumps layout.
//
// # Logger names
//
// A handler made by a Formatter is specialised for one logger with
// [WithLoggerName]: the pattern formatter renders %(name)s, the others add a
// "logger" attribute. This happens once per logger, never per record.
//
// # Levels
//
// Handlers made here accept every level: level gating belongs to the
// handler configuration in front of them. Level names follow Python (the
// pattern formatter's %(levelname)s) or slog with CRITICAL for slog level 12
// (json and text); [RegisterLevelName] adds names such as TRACE or NOTICE,
// as Python's addLevelName does.
package formatters
