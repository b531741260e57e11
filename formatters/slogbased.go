package formatters

import (
	"context"
	"log/slog"

	"github.com/slogtree/slogtree/internal/levels"
)

// handlerOptions returns slog's options for the json and text formatters:
// every level, and a ReplaceAttr for the time only when the time needs
// one, since slog calls ReplaceAttr for every attribute of every record.
func handlerOptions(addSource bool, dateFmt string, utc bool) slog.HandlerOptions {
	opts := slog.HandlerOptions{AddSource: addSource, Level: levels.All}
	if dateFmt == "" && !utc {
		return opts
	}
	opts.ReplaceAttr = func(groups []string, a slog.Attr) slog.Attr {
		if a.Key != slog.TimeKey || len(groups) != 0 || a.Value.Kind() != slog.KindTime {
			return a
		}
		t := a.Value.Time()
		if utc {
			t = t.UTC()
		}
		if dateFmt == "" {
			a.Value = slog.TimeValue(t)
		} else {
			a.Value = slog.StringValue(string(AppendStrftime(nil, dateFmt, t)))
		}
		return a
	}
	return opts
}

// withLevelNames returns opts with a ReplaceAttr that names levels from
// Critical up CRITICAL, CRITICAL+1, ... and levels with a registered name
// by that name.
func withLevelNames(opts slog.HandlerOptions) *slog.HandlerOptions {
	next := opts.ReplaceAttr
	opts.ReplaceAttr = func(groups []string, a slog.Attr) slog.Attr {
		if next != nil {
			a = next(groups, a)
		}
		if a.Key == slog.LevelKey && len(groups) == 0 {
			if l, ok := a.Value.Any().(slog.Level); ok {
				a.Value = slog.StringValue(levels.SlogName(l))
			}
		}
		return a
	}
	return &opts
}

// levelNamer sends records below Critical without a registered level name
// to slog's handler as it is and the others to a twin with a ReplaceAttr that names their level: slog
// calls a ReplaceAttr for every attribute of every record, which would
// cost every record for the sake of the rare critical one.
type levelNamer struct {
	plain, named slog.Handler
}

func newLevelNamer(plain, named slog.Handler) *levelNamer {
	return &levelNamer{plain: plain, named: named}
}

func (h *levelNamer) Enabled(context.Context, slog.Level) bool { return true }

func (h *levelNamer) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= levels.Critical {
		return h.named.Handle(ctx, r)
	}
	if _, ok := levels.CustomName(r.Level); ok {
		return h.named.Handle(ctx, r)
	}
	return h.plain.Handle(ctx, r)
}

func (h *levelNamer) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &levelNamer{plain: h.plain.WithAttrs(attrs), named: h.named.WithAttrs(attrs)}
}

func (h *levelNamer) WithGroup(name string) slog.Handler {
	return &levelNamer{plain: h.plain.WithGroup(name), named: h.named.WithGroup(name)}
}
