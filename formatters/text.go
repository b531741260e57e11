package formatters

import (
	"io"
	"log/slog"
)

// TextOptions configures [Text]. The zero value is the default.
type TextOptions struct {
	// AddSource adds the caller's file and line, as slog does. Default false.
	AddSource bool
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
	return &Text{opts: slogOptions(opts.AddSource)}
}

// NewHandler returns a slog.TextHandler writing to w.
func (f *Text) NewHandler(w io.Writer) slog.Handler {
	return slog.NewTextHandler(w, &f.opts)
}
