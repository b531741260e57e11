package formatters

import (
	"io"
	"log/slog"
)

// TextOptions configures [Text]. The zero value is the default.
type TextOptions struct {
	// AddSource adds the caller's file and line, as slog does. Default false.
	AddSource bool
	// DateFmt, when set, writes the time as a string in this strftime
	// format. Default: slog's RFC 3339 time.
	DateFmt string
	// UTC writes the time in UTC. Default false: in the record's own
	// location, as slog does (local time for records made by slog).
	UTC bool
}

// Text is the "text" formatter: slog's TextHandler, with CRITICAL as the
// name of slog level 12 and a "logger" attribute.
type Text struct {
	opts slog.HandlerOptions
}

var _ Formatter = (*Text)(nil)

// NewText returns a Text formatter. Nil options mean the defaults.
func NewText(opts *TextOptions) *Text {
	if opts == nil {
		opts = &TextOptions{}
	}
	return &Text{opts: handlerOptions(opts.AddSource, opts.DateFmt, opts.UTC)}
}

// NewHandler returns a handler writing slog's key=value text to w. Each
// record is one Write, serialised with the other records of the handler and
// of the handlers derived from it.
func (f *Text) NewHandler(w io.Writer) slog.Handler {
	w = serialise(w)
	return newLazyLevelNamer(slog.NewTextHandler(w, &f.opts), func() slog.Handler {
		return slog.NewTextHandler(w, withLevelNames(f.opts))
	})
}
