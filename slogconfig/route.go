package slogconfig

import (
	"fmt"
	"log/slog"

	"github.com/slogtree/slogtree/filters"
	"github.com/slogtree/slogtree/handlers"
	"github.com/slogtree/slogtree/internal/levels"
)

// route is what a logger does with a record, computed when a configuration
// is installed: the logger's own filters that look at records, and the
// handlers of the logger and of its ancestors while propagate holds, each
// specialised for the logger's name, with its level as it was then.
type route struct {
	gen     *generation
	min     slog.Level       // Enabled: the least level any target could take
	level   slog.Level       // the effective level; levels.None when disabled
	filters []filters.Filter // the logger's own filters that look at records
	targets []target
	notice  bool      // no handler anywhere and no last resort
	inline  [3]target // targets' storage for a short chain, saving an allocation per logger
}

// target is one handler on a route.
type target struct {
	id    string
	h     *handlers.Handler // specialised for the logger's name
	level slog.Level        // the handler's level when the route was built
	check bool              // ask h.Enabled first: h wraps code that is not slogtree's
}

// object is one built handler of a configuration: the Python handler
// object, shared by every route and wrapper that uses it, with what the
// Manager needs to retire it.
type object struct {
	id   string
	h    *handlers.Handler
	deps []*object // the objects it wraps (a queue's handlers, a memory handler's target)
	seq  uint64    // build order: wrappers after what they wrap
	refs int       // generations using it; guarded by Manager.resMu
	// spec is the handler's entry in the configuration that built it, and
	// reg the registry that resolved it, for describe; nil for the last
	// resort.
	spec *handlerSpec
	reg  *Registry
	// opener opened the files of the configuration that built it; nil for
	// the last-resort handler.
	opener *handlers.Opener
}

// newRoute computes the route of n for generation g from n's chain and
// effective level. Call it with Manager.mu held.
func (m *Manager) newRoute(n *node, g *generation) *route {
	rt, _ := m.routeOf(n, g)
	return rt
}

// routeOf computes the route of n and reports whether it depends only on
// n's chain and level, not on n's name, so that n's plain siblings may
// share it.
func (m *Manager) routeOf(n *node, g *generation) (rt *route, nameFree bool) {
	if n.disabled {
		return g.offRoute(), false
	}
	var own []filters.Filter
	for _, f := range n.filters {
		nf, ok := f.(filters.NameFilter)
		if !ok {
			own = append(own, f)
		} else if !m.passesName(nf, n.name) {
			return g.offRoute(), false
		}
	}
	rt = &route{gen: g, level: n.eff, filters: own}
	nameFree = true
	chain := n.chain
	if len(chain) == 0 {
		if m.lastResort == nil {
			rt.notice = true
			rt.min = rt.level
			return rt, true
		}
		chain = []*object{m.lastResort}
	}
	if len(chain) <= len(rt.inline) {
		rt.targets = rt.inline[:0]
	} else {
		rt.targets = make([]target, 0, len(chain))
	}
	minTarget := levels.None
	for _, o := range chain {
		h := o.h.WithLoggerName(n.name).(*handlers.Handler)
		nameFree = nameFree && h == o.h
		if !h.Passes() {
			continue
		}
		l, ok := m.nextLevels[o]
		if !ok {
			l = o.h.Level()
		}
		rt.targets = append(rt.targets, target{id: o.id, h: h, level: l, check: !o.h.Trusted()})
		minTarget = min(minTarget, l)
	}
	rt.min = max(rt.level, minTarget)
	return rt, nameFree
}

// passesName applies a logger's own name filter, a panic counting as a
// rejection (and reported).
func (m *Manager) passesName(f filters.NameFilter, name string) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			m.report(&HandlerError{Logger: name, Err: fmt.Errorf("filter panicked: %v", p)})
			ok = false
		}
	}()
	return f.FilterName(name)
}

// routeAll recomputes every route for generation g, parents first, and
// collects the handler objects g uses: those of the configuration in force
// and those still attached to loggers it did not configure (Python keeps a
// replaced handler on such a logger, and it keeps writing), and the
// filters with a Close of those objects and of every logger. When ex is
// not nil, it applies a full configuration's rule for existing loggers on
// the same walk. A disabled logger gets g's one route that takes nothing, and
// plain siblings share one route when it does not depend on their names,
// so a reconfiguration allocates nothing for them.
func (m *Manager) routeAll(g *generation, ex *existing) {
	seen := make(map[*object]bool, len(m.named))
	var use func(objs []*object)
	use = func(objs []*object) {
		for _, o := range objs {
			if !seen[o] {
				seen[o] = true
				g.objs = append(g.objs, o)
				g.useFilters(o.h.Filters())
				use(o.deps) // a wrapper kept alive keeps what it wraps
			}
		}
	}
	for _, id := range sortedKeys(m.named) {
		use([]*object{m.named[id]})
	}
	m.inherit(m.root, nil, levels.All)
	use(m.root.handlers)
	g.useFilters(m.root.filters)
	m.root.route.Store(m.newRoute(m.root, g))
	var walk func(n *node, below bool)
	walk = func(n *node, below bool) {
		var shared *route
		sharing := true
		for _, c := range n.children {
			cbelow := below
			if ex != nil {
				cbelow = ex.apply(m, n, c, below)
			}
			use(c.handlers)
			g.useFilters(c.filters)
			m.inherit(c, n.chain, n.eff)
			switch {
			case c.disabled:
				c.route.Store(g.offRoute())
			case c.plain() && shared != nil:
				c.route.Store(shared)
			default:
				rt, nameFree := m.routeOf(c, g)
				if c.plain() && sharing {
					if nameFree {
						shared = rt
					} else {
						sharing = false // siblings would only compute it again
					}
				}
				c.route.Store(rt)
			}
			if len(c.children) > 0 {
				walk(c, cbelow)
			}
		}
	}
	walk(m.root, false)
}
