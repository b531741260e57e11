package handlers

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"

	"github.com/slogtree/slogtree/filters"
	"github.com/slogtree/slogtree/formatters"
	"github.com/slogtree/slogtree/internal/levels"
)

// Options configures a [Handler]. The zero value is the default.
type Options struct {
	// Level is the least level the handler passes. Default: every level
	// (Python's NOTSET).
	Level slog.Leveler
	// Filters are applied in order after the level; any of them can drop a
	// record. Default none.
	Filters []filters.Filter
}

// Handler is Python's logging.Handler: a level and filters in front of
// another handler, usually a formatter's handler over a sink.
type Handler struct {
	level   slog.Leveler
	filters []filters.Filter
	logger  string
	inner   slog.Handler
	res     *resources
}

// resources are what a Handler closes, shared by its specialised copies.
type resources struct {
	closed  atomic.Bool
	once    sync.Once
	closers []io.Closer
	err     error
}

var (
	_ slog.Handler           = (*Handler)(nil)
	_ formatters.LoggerNamer = (*Handler)(nil)
)

// New returns a Handler in front of inner. Nil options mean the defaults.
// Close closes closers, in order, once.
func New(inner slog.Handler, opts *Options, closers ...io.Closer) *Handler {
	h := &Handler{inner: inner, level: levels.All, logger: "root", res: &resources{closers: closers}}
	if opts != nil {
		if opts.Level != nil {
			h.level = opts.Level
		}
		h.filters = opts.Filters
	}
	return h
}

// Handler returns the handler h passes records to.
func (h *Handler) Handler() slog.Handler { return h.inner }

// Level returns the least level h passes.
func (h *Handler) Level() slog.Level { return h.level.Level() }

// Filters returns h's filters. The caller must not modify the slice.
func (h *Handler) Filters() []filters.Filter { return h.filters }

// Enabled reports whether level reaches h's level and the inner handler's.
func (h *Handler) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= h.level.Level() && h.inner.Enabled(ctx, level)
}

// Handle applies the filters, then passes r on. Like Python's
// Handler.handle, and like every slog.Handler, it does not check the level:
// that is [Handler.Enabled]'s job, which slog calls first. Handlers that
// forward records without asking (Python's MemoryHandler flush, a queue
// listener that ignores handler levels) rely on this.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if h.res.closed.Load() {
		return os.ErrClosed
	}
	for _, f := range h.filters {
		var ok bool
		if r, ok = f.Filter(ctx, h.logger, r); !ok {
			return nil
		}
	}
	return h.inner.Handle(ctx, r)
}

// WithLoggerName returns a Handler for records of the named logger: the
// filters see that name and the inner handler is specialised for it.
func (h *Handler) WithLoggerName(name string) slog.Handler {
	h2 := *h
	h2.logger = name
	h2.inner = formatters.WithLoggerName(h.inner, name)
	return &h2
}

// WithAttrs returns a Handler whose inner handler has attrs.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	h2 := *h
	h2.inner = h.inner.WithAttrs(attrs)
	return &h2
}

// WithGroup returns a Handler whose inner handler opens group name.
func (h *Handler) WithGroup(name string) slog.Handler {
	h2 := *h
	h2.inner = h.inner.WithGroup(name)
	return &h2
}

// Close closes what the handler was built over (its sink), once; later
// calls return the first result. Records handled after Close fail.
func (h *Handler) Close() error {
	h.res.once.Do(func() {
		h.res.closed.Store(true)
		var errs []error
		for _, c := range h.res.closers {
			if err := c.Close(); err != nil {
				errs = append(errs, err)
			}
		}
		h.res.err = errors.Join(errs...)
	})
	return h.res.err
}
