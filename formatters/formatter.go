package formatters

import (
	"io"
	"log/slog"
)

// A Formatter makes the [slog.Handler] that renders records onto w. The
// handler must accept records of every level, make one Write per record,
// and be safe for concurrent use.
type Formatter interface {
	NewHandler(w io.Writer) slog.Handler
}

// LoggerKey is the attribute that carries the logger name in formats that
// have no place of their own for it.
const LoggerKey = "logger"

// A LoggerNamer is a handler that renders the logger name itself.
// WithLoggerName returns a handler like the receiver for records of the
// named logger.
type LoggerNamer interface {
	WithLoggerName(name string) slog.Handler
}

// WithLoggerName specialises h for the logger called name: through
// [LoggerNamer] when h implements it, else by adding a [LoggerKey]
// attribute.
func WithLoggerName(h slog.Handler, name string) slog.Handler {
	if n, ok := h.(LoggerNamer); ok {
		return n.WithLoggerName(name)
	}
	return h.WithAttrs([]slog.Attr{slog.String(LoggerKey, name)})
}
