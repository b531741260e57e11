package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"

	slogmulti "github.com/samber/slog-multi"

	"github.com/slogtree/slogtree/formatters"
)

// PoolOptions configures [NewPool]. The zero value is the default.
type PoolOptions struct {
	// OnError receives a [*ChildError] for each handler that fails a
	// record, including those after which another handler took it.
	// Default: only the error of a record that no handler took is seen,
	// as the error of Handle.
	OnError func(error)
}

// Pool spreads records over its handlers in turn (round-robin); a record
// that its turn's handler fails, or that handler's level rejects, goes to
// the next one, as in a [Failover].
//
// slog-multi's Pool is not used: it starts at a random handler drawn from
// a math/rand source that is not safe for concurrent use (a data race under
// concurrent logging). Each turn here is a slog-multi Failover starting at
// that handler, chosen by an atomic counter.
type Pool struct {
	c    *composite
	next *atomic.Uint64 // shared by the handlers derived from one Pool
}

var (
	_ slog.Handler           = (*Pool)(nil)
	_ formatters.LoggerNamer = (*Pool)(nil)
)

// turns is what a Pool's composite builds: one failover per start.
type turns struct {
	slog.Handler // the first turn, for Enabled, WithAttrs, WithGroup
	all          []slog.Handler
}

func (t *turns) WithAttrs(attrs []slog.Attr) slog.Handler {
	return t.derive(func(h slog.Handler) slog.Handler { return h.WithAttrs(attrs) })
}

func (t *turns) WithGroup(name string) slog.Handler {
	return t.derive(func(h slog.Handler) slog.Handler { return h.WithGroup(name) })
}

func (t *turns) derive(f func(slog.Handler) slog.Handler) *turns {
	all := make([]slog.Handler, len(t.all))
	for i, h := range t.all {
		all[i] = f(h)
	}
	return &turns{Handler: all[0], all: all}
}

// NewPool returns a Pool over hs. Nil options mean the defaults.
func NewPool(hs []slog.Handler, opts *PoolOptions) *Pool {
	c := &composite{base: slices.Clone(hs), build: func(_ *composite, children []slog.Handler) slog.Handler {
		n := len(children)
		if n == 0 {
			return &turns{Handler: slogmulti.Failover()(), all: []slog.Handler{slogmulti.Failover()()}}
		}
		all := make([]slog.Handler, n)
		for i := range children {
			all[i] = slogmulti.Failover()(append(slices.Clone(children[i:]), children[:i]...)...)
		}
		return &turns{Handler: all[0], all: all}
	}}
	if opts != nil {
		c.onError = opts.OnError
	}
	c.init()
	return &Pool{c: c, next: new(atomic.Uint64)}
}

// Handlers returns the handlers of the pool, as given to NewPool.
func (p *Pool) Handlers() []slog.Handler { return slices.Clone(p.c.base) }

// Enabled reports whether any handler is enabled for level.
func (p *Pool) Enabled(ctx context.Context, level slog.Level) bool {
	return p.c.h.Enabled(ctx, level)
}

// Handle passes r to the handler whose turn it is, or to the next ones if
// that fails. It returns an error wrapping [ErrNoHandler] when none took
// it.
func (p *Pool) Handle(ctx context.Context, r slog.Record) error {
	t := p.c.h.(*turns)
	i := (p.next.Add(1) - 1) % uint64(len(t.all))
	if err := t.all[i].Handle(ctx, r); err != nil {
		return fmt.Errorf("pool: %w: %w", ErrNoHandler, err)
	}
	return nil
}

// WithLoggerName returns a Pool whose handlers are specialised for the
// named logger. It takes turns with p.
func (p *Pool) WithLoggerName(name string) slog.Handler {
	return &Pool{c: p.c.withLoggerName(name), next: p.next}
}

// WithAttrs returns a Pool whose handlers have attrs. It takes turns with
// p.
func (p *Pool) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return p
	}
	return &Pool{c: p.c.with(op{attrs: slices.Clone(attrs)}), next: p.next}
}

// WithGroup returns a Pool whose handlers open group name. It takes turns
// with p.
func (p *Pool) WithGroup(name string) slog.Handler {
	if name == "" {
		return p
	}
	return &Pool{c: p.c.with(op{group: name}), next: p.next}
}
