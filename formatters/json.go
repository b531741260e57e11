package formatters

import (
	"io"
	"log/slog"

	"github.com/slogtree/slogtree/internal/levels"
)

// JSONOptions configures [JSON]. The zero value is the default.
type JSONOptions struct {
	// AddSource adds the caller's file and line, as slog does. Default false.
	AddSource bool
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
	return &JSON{opts: slogOptions(opts.AddSource)}
}

// NewHandler returns a slog.JSONHandler writing to w.
func (f *JSON) NewHandler(w io.Writer) slog.Handler {
	return slog.NewJSONHandler(w, &f.opts)
}

func slogOptions(addSource bool) slog.HandlerOptions {
	return slog.HandlerOptions{AddSource: addSource, Level: levels.All, ReplaceAttr: replaceLevel}
}

// replaceLevel names slog levels from Critical up CRITICAL, CRITICAL+1, ...
func replaceLevel(groups []string, a slog.Attr) slog.Attr {
	if a.Key == slog.LevelKey && len(groups) == 0 {
		if l, ok := a.Value.Any().(slog.Level); ok && l >= levels.Critical {
			a.Value = slog.StringValue(levels.SlogName(l))
		}
	}
	return a
}
