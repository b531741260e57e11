package handlers

import (
	"context"
	"log/slog"
	"slices"

	slogmulti "github.com/samber/slog-multi"

	"github.com/slogtree/slogtree/formatters"
)

// A Route sends the records that match all its conditions to Handler. A
// Route without conditions takes every record.
type Route struct {
	Handler slog.Handler
	// MinLevel, if not nil, is the least level of a matching record.
	MinLevel slog.Leveler
	// MaxLevel, if not nil, is the greatest level of a matching record.
	MaxLevel slog.Leveler
	// Attrs are attributes a matching record must carry, by key, with the
	// value's [slog.Value.String] form. Attributes added with WithAttrs
	// count; keys inside groups are dotted ("req.method").
	Attrs map[string]string
	// Match, if not nil, must report true for a matching record.
	Match func(ctx context.Context, r slog.Record) bool
}

// RouterOptions configures [NewRouter]. The zero value is the default.
type RouterOptions struct {
	// FirstMatch sends each record to the first matching route only.
	// Default false: to every matching route.
	FirstMatch bool
	// OnError receives a [*ChildError] for each handler that fails a
	// record. Default: the errors are joined into the error of Handle.
	OnError func(error)
}

// Router sends each record to the handlers of the routes it matches: by
// level range, by attribute values, or by a function. It is samber/
// slog-multi's Router, with handler errors and panics reported through
// OnError and the logger name passed on to the handlers.
type Router struct {
	c *composite
}

var (
	_ slog.Handler           = (*Router)(nil)
	_ formatters.LoggerNamer = (*Router)(nil)
)

// NewRouter returns a Router over routes. Nil options mean the defaults.
func NewRouter(routes []Route, opts *RouterOptions) *Router {
	if opts == nil {
		opts = &RouterOptions{}
	}
	routes = slices.Clone(routes)
	base := make([]slog.Handler, len(routes))
	preds := make([][]func(context.Context, slog.Record) bool, len(routes))
	for i, rt := range routes {
		base[i] = rt.Handler
		preds[i] = rt.predicates()
	}
	first := opts.FirstMatch
	c := &composite{base: base, onError: opts.OnError, build: func(_ *composite, children []slog.Handler) slog.Handler {
		r := slogmulti.Router()
		for i, h := range children {
			r = r.Add(h, preds[i]...)
		}
		if first {
			r = r.FirstMatch()
		}
		return r.Handler()
	}}
	c.init()
	return &Router{c: c}
}

func (rt Route) predicates() []func(context.Context, slog.Record) bool {
	var ps []func(context.Context, slog.Record) bool
	if rt.MinLevel != nil {
		lo := rt.MinLevel
		ps = append(ps, func(_ context.Context, r slog.Record) bool { return r.Level >= lo.Level() })
	}
	if rt.MaxLevel != nil {
		hi := rt.MaxLevel
		ps = append(ps, func(_ context.Context, r slog.Record) bool { return r.Level <= hi.Level() })
	}
	if len(rt.Attrs) > 0 {
		want := rt.Attrs
		ps = append(ps, func(_ context.Context, r slog.Record) bool {
			found := 0
			r.Attrs(func(a slog.Attr) bool {
				found += countMatches(want, "", a)
				return found < len(want)
			})
			return found >= len(want)
		})
	}
	if rt.Match != nil {
		ps = append(ps, rt.Match)
	}
	return ps
}

// countMatches counts the attributes of want that a (with its key under
// prefix) carries.
func countMatches(want map[string]string, prefix string, a slog.Attr) int {
	v := a.Value.Resolve()
	if v.Kind() == slog.KindGroup {
		p := prefix
		if a.Key != "" {
			p += a.Key + "."
		}
		n := 0
		for _, g := range v.Group() {
			n += countMatches(want, p, g)
		}
		return n
	}
	if s, ok := want[prefix+a.Key]; ok && s == v.String() {
		return 1
	}
	return 0
}

// Handlers returns the handlers of the routes, in order.
func (r *Router) Handlers() []slog.Handler { return slices.Clone(r.c.base) }

// Enabled reports whether any route's handler is enabled for level.
func (r *Router) Enabled(ctx context.Context, level slog.Level) bool {
	return r.c.h.Enabled(ctx, level)
}

// Handle passes rec to the handlers of the routes it matches. With OnError
// set, their errors go there; otherwise they are joined and returned.
func (r *Router) Handle(ctx context.Context, rec slog.Record) error {
	err := r.c.h.Handle(ctx, rec)
	if r.c.onError != nil {
		return nil // reported, handler by handler
	}
	return err
}

// WithLoggerName returns a Router whose handlers are specialised for the
// named logger.
func (r *Router) WithLoggerName(name string) slog.Handler {
	return &Router{c: r.c.withLoggerName(name)}
}

// WithAttrs returns a Router whose handlers have attrs; routes see them.
func (r *Router) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return r
	}
	return &Router{c: r.c.with(op{attrs: slices.Clone(attrs)})}
}

// WithGroup returns a Router whose handlers open group name.
func (r *Router) WithGroup(name string) slog.Handler {
	if name == "" {
		return r
	}
	return &Router{c: r.c.with(op{group: name})}
}
