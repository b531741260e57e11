package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	slogmulti "github.com/samber/slog-multi"

	"github.com/slogtree/slogtree/formatters"
)

// op is one WithAttrs or WithGroup call, replayed when a composite is
// specialised for a logger name.
type op struct {
	group string
	attrs []slog.Attr
}

// composite is the common part of the handlers built on slog-multi: the
// handlers they wrap, specialised for a logger name and then for the
// WithAttrs and WithGroup calls made on the composite, in that order.
type composite struct {
	base    []slog.Handler // as given
	logger  string
	named   bool
	ops     []op
	onError func(error)
	build   func(c *composite, children []slog.Handler) slog.Handler
	h       slog.Handler // what build made, with the ops applied
}

func (c *composite) init() {
	children := make([]slog.Handler, len(c.base))
	for i, h := range c.base {
		if c.named {
			h = formatters.WithLoggerName(h, c.logger)
		}
		children[i] = &reporting{h: h, index: i, c: c}
	}
	c.h = c.build(c, children)
	for _, o := range c.ops {
		if o.group != "" {
			c.h = c.h.WithGroup(o.group)
		} else {
			c.h = c.h.WithAttrs(o.attrs)
		}
	}
}

func (c *composite) withLoggerName(name string) *composite {
	c2 := *c
	c2.logger, c2.named = name, true
	c2.init()
	return &c2
}

func (c *composite) with(o op) *composite {
	c2 := *c
	c2.ops = append(slices.Clip(c.ops), o)
	if o.group != "" {
		c2.h = c.h.WithGroup(o.group)
	} else {
		c2.h = c.h.WithAttrs(o.attrs)
	}
	return &c2
}

func (c *composite) report(index int, r slog.Record, err error) {
	if c.onError != nil {
		c.onError(&ChildError{Index: index, Logger: c.logger, Record: r, Err: err})
	}
}

// reporting is one wrapped handler: it turns a panic into an error and
// reports every error through the composite's OnError.
type reporting struct {
	h     slog.Handler
	index int
	c     *composite
}

func (r *reporting) Enabled(ctx context.Context, l slog.Level) bool { return r.h.Enabled(ctx, l) }

func (r *reporting) Handle(ctx context.Context, rec slog.Record) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panicked: %v", p)
		}
		if err != nil {
			r.c.report(r.index, rec, err)
		}
	}()
	return r.h.Handle(ctx, rec)
}

func (r *reporting) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &reporting{h: r.h.WithAttrs(attrs), index: r.index, c: r.c}
}

func (r *reporting) WithGroup(name string) slog.Handler {
	return &reporting{h: r.h.WithGroup(name), index: r.index, c: r.c}
}

// FailoverOptions configures [NewFailover]. The zero value is the default.
type FailoverOptions struct {
	// OnError receives a [*ChildError] for each handler that fails a
	// record, including those after which another handler took it.
	// Default: only the error of a record that no handler took is seen,
	// as the error of Handle.
	OnError func(error)
}

// Failover passes each record to the first of its handlers that is enabled
// for the record's level and handles it without error: a primary handler
// with backups. It is samber/slog-multi's Failover, with handler errors and
// panics reported through OnError, and the logger name passed on to the
// handlers.
type Failover struct {
	c *composite
}

var (
	_ slog.Handler           = (*Failover)(nil)
	_ formatters.LoggerNamer = (*Failover)(nil)
)

// NewFailover returns a Failover over hs, tried in order. Nil options mean
// the defaults.
func NewFailover(hs []slog.Handler, opts *FailoverOptions) *Failover {
	c := &composite{base: slices.Clone(hs), build: func(_ *composite, children []slog.Handler) slog.Handler {
		return slogmulti.Failover()(children...)
	}}
	if opts != nil {
		c.onError = opts.OnError
	}
	c.init()
	return &Failover{c: c}
}

// Handlers returns the handlers f tries, as given to NewFailover.
func (f *Failover) Handlers() []slog.Handler { return slices.Clone(f.c.base) }

// Enabled reports whether any handler is enabled for level.
func (f *Failover) Enabled(ctx context.Context, level slog.Level) bool {
	return f.c.h.Enabled(ctx, level)
}

// Handle passes r to the handlers in order until one takes it. It returns
// an error wrapping [ErrNoHandler] when none did.
func (f *Failover) Handle(ctx context.Context, r slog.Record) error {
	if err := f.c.h.Handle(ctx, r); err != nil {
		return fmt.Errorf("failover: %w: %w", ErrNoHandler, err)
	}
	return nil
}

// WithLoggerName returns a Failover whose handlers are specialised for
// the named logger.
func (f *Failover) WithLoggerName(name string) slog.Handler {
	return &Failover{c: f.c.withLoggerName(name)}
}

// WithAttrs returns a Failover whose handlers have attrs.
func (f *Failover) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return f
	}
	return &Failover{c: f.c.with(op{attrs: slices.Clone(attrs)})}
}

// WithGroup returns a Failover whose handlers open group name.
func (f *Failover) WithGroup(name string) slog.Handler {
	if name == "" {
		return f
	}
	return &Failover{c: f.c.with(op{group: name})}
}
