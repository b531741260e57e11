package formatters

import (
	"context"
	"log/slog"
	"sync"

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

// levelNamer sends records below CRITICAL without a registered level name
// to slog's handler as it is, and the others to a twin with a ReplaceAttr
// that names their level: slog calls a ReplaceAttr for every attribute of
// every record, which would cost every record for the sake of the rare
// critical one.
//
// The twin is made when the first record that needs it arrives, by making
// the parent's twin and applying to it the WithAttrs or WithGroup call that
// made this handler, so the twin has the same attributes and groups in the
// same order. A WithAttrs or WithGroup thus costs slog's on the plain
// handler and one levelNamer, which keeps its parent. Safe for concurrent
// use.
type levelNamer struct {
	plain  slog.Handler
	parent *levelNamer // nil for the handler made by NewHandler
	// The call that made this handler from parent: WithAttrs(attrs), or
	// WithGroup(group) when attrs is nil.
	attrs []slog.Attr
	group string
	// newTwin makes the twin of the handler without a parent.
	newTwin func() slog.Handler

	once sync.Once
	twin slog.Handler
}

// newLazyLevelNamer returns a levelNamer over plain whose twin newTwin
// makes, when a record first needs it.
func newLazyLevelNamer(plain slog.Handler, newTwin func() slog.Handler) *levelNamer {
	return &levelNamer{plain: plain, newTwin: newTwin}
}

func (h *levelNamer) Enabled(context.Context, slog.Level) bool { return true }

func (h *levelNamer) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= levels.Critical {
		return h.named().Handle(ctx, r)
	}
	if _, ok := levels.CustomName(r.Level); ok {
		return h.named().Handle(ctx, r)
	}
	return h.plain.Handle(ctx, r)
}

// named returns the twin, made on the first call.
func (h *levelNamer) named() slog.Handler {
	h.once.Do(h.makeTwin)
	return h.twin
}

func (h *levelNamer) makeTwin() {
	switch {
	case h.parent == nil:
		h.twin = h.newTwin()
	case h.attrs != nil:
		h.twin = h.parent.named().WithAttrs(h.attrs)
	default:
		h.twin = h.parent.named().WithGroup(h.group)
	}
}

func (h *levelNamer) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	return &levelNamer{plain: h.plain.WithAttrs(attrs), parent: h, attrs: attrs}
}

func (h *levelNamer) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &levelNamer{plain: h.plain.WithGroup(name), parent: h, group: name}
}
