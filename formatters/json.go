package formatters

import (
	"io"
	"log/slog"
)

// JSONOptions configures [JSON]. The zero value is the default.
type JSONOptions struct {
	// AddSource adds the caller's file and line, as slog does. Default false.
	AddSource bool
	// DateFmt, when set, writes the time as a string in this strftime
	// format. Default: slog's RFC 3339 time.
	DateFmt string
	// UTC writes the time in UTC. Default false: in the record's own
	// location, as slog does (local time for records made by slog).
	UTC bool
}

// JSON is the "json" formatter: slog's JSONHandler, with CRITICAL as the
// name of slog level 12 and a "logger" attribute.
type JSON struct {
	opts slog.HandlerOptions
}

var _ Formatter = (*JSON)(nil)

// NewJSON returns a JSON formatter. Nil options mean the defaults.
func NewJSON(opts *JSONOptions) *JSON {
	if opts == nil {
		opts = &JSONOptions{}
	}
	return &JSON{opts: handlerOptions(opts.AddSource, opts.DateFmt, opts.UTC)}
}

// NewHandler returns a handler writing slog's JSON to w. Each record is
// one Write, serialised with the other records of the handler and of the
// handlers derived from it.
func (f *JSON) NewHandler(w io.Writer) slog.Handler {
	w = serialise(w)
	return newLevelNamer(slog.NewJSONHandler(w, &f.opts), slog.NewJSONHandler(w, withLevelNames(f.opts)))
}
