package slogconfig

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync/atomic"

	"github.com/slogtree/slogtree/filters"
	"github.com/slogtree/slogtree/formatters"
)

// nodeHandler is the slog.Handler behind a named logger. Its attributes
// and groups are kept as a list of operations and applied to the handlers
// of each new route once, when the route is first used.
type nodeHandler struct {
	n     *node
	ops   []op
	cache *atomic.Pointer[derived]
}

// op is one WithAttrs or WithGroup call.
type op struct {
	group string
	attrs []slog.Attr
}

// derived holds the route's target handlers specialised for the logger
// name and the handler's operations.
type derived struct {
	rt *route
	hs []slog.Handler
}

var _ slog.Handler = (*nodeHandler)(nil)

// Enabled is one atomic load and one compare: the route's least level
// that any handler on it could take.
func (h *nodeHandler) Enabled(_ context.Context, level slog.Level) bool {
	return level >= h.n.route.Load().min
}

// Handle sends r through the logger's route: the logger's own filters,
// then each handler's level and filters, then the handler.
func (h *nodeHandler) Handle(ctx context.Context, r slog.Record) error {
	rt := h.enter()
	defer rt.gen.active.Add(-1)
	if r.Level < rt.level {
		return nil
	}
	if rt.notice {
		h.n.m.notice.Do(func() {
			fmt.Fprintf(os.Stderr, "No handlers could be found for logger %q\n", h.n.name)
		})
		return nil
	}
	for _, f := range rt.filters {
		var ok bool
		if r, ok = h.filter(ctx, f, r, ""); !ok {
			return nil
		}
	}
	d := h.derived(rt)
	if !rt.guard {
		// Only slogtree's own sinks and formatters: nothing to recover.
		for i := range rt.targets {
			h.handleTarget(ctx, rt, d, &r, i)
		}
		return nil
	}
	for i := 0; i < len(rt.targets); {
		i = h.deliver(ctx, rt, d, &r, i)
	}
	return nil
}

// deliver hands r to the route's targets from the one at index from on,
// and returns len(rt.targets), or the index after a handler that panicked:
// the panic is reported and the caller resumes with the next handler. One
// deferred recover covers the whole loop.
func (h *nodeHandler) deliver(ctx context.Context, rt *route, d *derived, r *slog.Record, from int) (next int) {
	i := from
	defer func() {
		if p := recover(); p != nil {
			t := rt.targets[i]
			h.n.m.report(&HandlerError{Handler: t.id, Logger: h.n.name, Record: *r, Err: fmt.Errorf("handler panicked: %v", p)})
			next = i + 1
		}
	}()
	for ; i < len(rt.targets); i++ {
		h.handleTarget(ctx, rt, d, r, i)
	}
	return i
}

// handleTarget hands r to the route's i-th target, if its level passes:
// through its filters that look at records, then its handler, with a copy
// of r for every target but the last.
func (h *nodeHandler) handleTarget(ctx context.Context, rt *route, d *derived, r *slog.Record, i int) {
	t := rt.targets[i]
	if r.Level < t.level {
		return
	}
	var err error
	switch {
	case len(t.dynamic) > 0:
		h.filterAndHandle(ctx, t, d.hs[i], r.Clone())
		return
	case i < len(rt.targets)-1:
		// Clone clips the attribute slice, so a handler that adds
		// attributes cannot change what the next one sees.
		err = d.hs[i].Handle(ctx, r.Clone())
	default:
		err = d.hs[i].Handle(ctx, *r)
	}
	if err != nil {
		h.n.m.report(&HandlerError{Handler: t.id, Logger: h.n.name, Record: *r, Err: err})
	}
}

// filterAndHandle runs a handler's filters that look at records, then the
// handler.
func (h *nodeHandler) filterAndHandle(ctx context.Context, t *handlerObj, hh slog.Handler, rec slog.Record) {
	for _, f := range t.dynamic {
		var ok bool
		if rec, ok = h.filter(ctx, f, rec, t.id); !ok {
			return
		}
	}
	if err := hh.Handle(ctx, rec); err != nil {
		h.n.m.report(&HandlerError{Handler: t.id, Logger: h.n.name, Record: rec, Err: err})
	}
}

// enter returns the current route with its generation marked busy. A
// generation that is being retired is never entered: the loop then sees
// the route that replaced it.
func (h *nodeHandler) enter() *route {
	for {
		rt := h.n.route.Load()
		rt.gen.active.Add(1)
		if !rt.gen.retired.Load() {
			return rt
		}
		rt.gen.active.Add(-1)
	}
}

// filter applies f, turning a panic into a report (naming the handler
// whose filter it is, or "" for the logger's own) and a dropped record.
func (h *nodeHandler) filter(ctx context.Context, f filters.Filter, r slog.Record, handler string) (out slog.Record, ok bool) {
	defer func() {
		if p := recover(); p != nil {
			h.n.m.report(&HandlerError{Handler: handler, Logger: h.n.name, Record: r, Err: fmt.Errorf("filter panicked: %v", p)})
			ok = false
		}
	}()
	return f.Filter(ctx, h.n.name, r)
}

// derived returns the route's handlers specialised for this handler,
// building them on the first record after a reconfiguration.
func (h *nodeHandler) derived(rt *route) *derived {
	if d := h.cache.Load(); d != nil && d.rt == rt {
		return d
	}
	d := &derived{rt: rt, hs: make([]slog.Handler, len(rt.targets))}
	for i, t := range rt.targets {
		hh := formatters.WithLoggerName(t.inner, h.n.name)
		for _, o := range h.ops {
			if o.group != "" {
				hh = hh.WithGroup(o.group)
			} else {
				hh = hh.WithAttrs(o.attrs)
			}
		}
		d.hs[i] = hh
	}
	h.cache.Store(d)
	return d
}

// WithAttrs returns a handler of the same logger whose records carry
// attrs, under every later configuration.
func (h *nodeHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	return h.with(op{attrs: slices.Clone(attrs)})
}

// WithGroup returns a handler of the same logger that puts later
// attributes in group name, under every later configuration.
func (h *nodeHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return h.with(op{group: name})
}

func (h *nodeHandler) with(o op) *nodeHandler {
	ops := make([]op, len(h.ops), len(h.ops)+1)
	copy(ops, h.ops)
	return &nodeHandler{n: h.n, ops: append(ops, o), cache: new(atomic.Pointer[derived])}
}
