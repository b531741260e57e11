package slogconfig

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"

	"github.com/slogtree/slogtree/filters"
	"github.com/slogtree/slogtree/handlers"
)

// nodeHandler is the slog.Handler behind a named logger, and behind each
// logger derived from it with With or WithGroup. The logger's own handler
// delivers to its route's targets as they are (specialised for the name
// when the route was built); a derived one delivers to the same targets
// with its attributes and groups applied, which it computes once per route:
// at With time for the route then in force, and on the first record after
// each reconfiguration.
type nodeHandler struct {
	n      *node
	parent *nodeHandler // the handler this one was derived from; nil for the logger's own
	group  string       // this derivation's WithGroup, or
	attrs  []slog.Attr  // its WithAttrs

	derived atomic.Pointer[derived]
	first   derived // the derivation made at With time, without an allocation of its own
}

// derived is a derived handler's targets for one route.
type derived struct {
	rt  *route
	hs  []*handlers.Handler
	one [1]*handlers.Handler // hs's storage for a route of one target
}

var _ slog.Handler = (*nodeHandler)(nil)

// Enabled is one atomic load and one compare: the route's least level
// that any handler on it could take.
func (h *nodeHandler) Enabled(_ context.Context, level slog.Level) bool {
	return level >= h.n.route.Load().min
}

// Handle sends r through the logger's route: the logger's own filters,
// then each handler whose level r reaches. A handler's error, or its
// panic, is reported and the other handlers still get the record.
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
		if r, ok = h.filter(ctx, f, r); !ok {
			return nil
		}
	}
	var hs []*handlers.Handler
	if h.parent != nil {
		hs = h.derivedFor(rt).hs
	}
	last := len(rt.targets) - 1
	for i := range rt.targets {
		t := &rt.targets[i]
		if r.Level < t.level {
			continue
		}
		th := t.h
		if hs != nil {
			th = hs[i]
		}
		if t.check && !th.Enabled(ctx, r.Level) {
			continue
		}
		rec := r
		if i < last {
			// Clone clips the attribute slice, so a handler that adds
			// attributes cannot change what the next one sees.
			rec = r.Clone()
		}
		if err := th.Handle(ctx, rec); err != nil {
			h.n.m.report(&HandlerError{Handler: t.id, Logger: h.n.name, Record: rec, Err: err})
		}
	}
	return nil
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

// filter applies one of the logger's own filters, turning a panic into a
// report and a dropped record.
func (h *nodeHandler) filter(ctx context.Context, f filters.Filter, r slog.Record) (out slog.Record, ok bool) {
	defer func() {
		if p := recover(); p != nil {
			h.n.m.report(&HandlerError{Logger: h.n.name, Record: r, Err: fmt.Errorf("filter panicked: %v", p)})
			ok = false
		}
	}()
	return f.Filter(ctx, h.n.name, r)
}

// derivedFor returns h's targets for rt, computing them on the first
// record after a reconfiguration.
func (h *nodeHandler) derivedFor(rt *route) *derived {
	if d := h.derived.Load(); d != nil && d.rt == rt {
		return d
	}
	d := &derived{}
	h.derive(d, rt)
	h.derived.Store(d)
	return d
}

// derive fills d with rt's targets with h's attributes and groups applied,
// starting from h's parent's targets for rt.
func (h *nodeHandler) derive(d *derived, rt *route) {
	d.rt = rt
	switch n := len(rt.targets); {
	case n == 1:
		d.hs = d.one[:]
	case n > 1:
		d.hs = make([]*handlers.Handler, n)
	}
	if h.parent.parent == nil {
		for i := range rt.targets {
			d.hs[i] = h.apply(rt.targets[i].h)
		}
		return
	}
	for i, t := range h.parent.derivedFor(rt).hs {
		d.hs[i] = h.apply(t)
	}
}

// apply applies h's own attributes or group to t.
func (h *nodeHandler) apply(t *handlers.Handler) *handlers.Handler {
	if h.group != "" {
		return t.WithGroup(h.group).(*handlers.Handler)
	}
	return t.WithAttrs(h.attrs).(*handlers.Handler)
}

// WithAttrs returns a handler of the same logger whose records carry
// attrs, under every later configuration. It pre-renders them for each
// handler of the route in force.
func (h *nodeHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	// slog.Handler: the handler owns attrs.
	return h.with(&nodeHandler{n: h.n, parent: h, attrs: attrs})
}

// WithGroup returns a handler of the same logger that puts later
// attributes in group name, under every later configuration.
func (h *nodeHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return h.with(&nodeHandler{n: h.n, parent: h, group: name})
}

func (h *nodeHandler) with(c *nodeHandler) *nodeHandler {
	c.derive(&c.first, h.n.route.Load())
	c.derived.Store(&c.first)
	return c
}
