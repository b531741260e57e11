package slogconfig

import (
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/slogtree/slogtree/filters"
	"github.com/slogtree/slogtree/internal/levels"
)

// node is one named logger. The fields a reconfiguration's walk of the
// tree reads come first, so that a walk of many loggers touches little
// memory per logger.
type node struct {
	// children are the nodes whose parent this is.
	children []*node

	// The logger's configured state, guarded by Manager.mu.
	configured, existed uint64 // marks of applyFull: see existing
	disabled            bool
	propagate           bool
	level               levels.Level
	handlers            []*object
	filters             []filters.Filter
	filterInfo          []TreeFilter // filters as a snapshot shows them
	chain               []*object    // the handlers a record on n reaches, n's own first
	eff                 slog.Level   // n's effective level, which children inherit

	route atomic.Pointer[route]

	m      *Manager
	name   string
	parent *node
	index  int // n's position in parent.children, to move it in constant time
	base   nodeHandler
	logger *slog.Logger
}

// placeholder is Python's logging.PlaceHolder: a dotted name with no
// logger of its own but loggers below it. It lists the loggers below it
// that have no logger between them and it, so that the logger created
// under its name later adopts exactly those, whatever else the tree holds.
type placeholder struct {
	below []*node
}

// isRoot reports whether name names the root logger.
func isRoot(name string) bool { return name == "" || name == "root" }

func (m *Manager) newNode(name string, parent *node) *node {
	n := &node{m: m, name: name, propagate: true, level: levels.Level{NotSet: true}}
	n.base = nodeHandler{n: n}
	n.logger = slog.New(&n.base)
	if parent != nil {
		parent.adopt(n)
	}
	return n
}

// adopt makes c a child of n.
func (n *node) adopt(c *node) {
	if p := c.parent; p != nil {
		last := p.children[len(p.children)-1]
		p.children[c.index] = last
		last.index = c.index
		p.children[len(p.children)-1] = nil
		p.children = p.children[:len(p.children)-1]
	}
	c.parent, c.index = n, len(n.children)
	n.children = append(n.children, c)
}

// node returns the node called name, creating it (with its route) if
// needed: Python's Manager.getLogger.
func (m *Manager) node(name string) *node {
	if isRoot(name) {
		return m.root
	}
	if n, ok := m.lookup.Load(name); ok {
		return n.(*node)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.nodeLocked(name)
}

// ancestors calls f with each dotted prefix of name, longest first, by
// Python's rule (which skips a prefix that ends in a dot run), until f
// returns false.
func ancestors(name string, f func(prefix string) bool) {
	for i := strings.LastIndexByte(name, '.'); i > 0; {
		if !f(name[:i]) {
			return
		}
		i = strings.LastIndexByte(name[:i-1], '.')
	}
}

// known reports whether name is a logger or a placeholder: a key of
// Python's loggerDict.
func (m *Manager) known(name string) bool {
	return m.nodes[name] != nil || m.placeholders[name] != nil
}

// nodeLocked is node with Manager.mu held. Its cost depends on the depth
// of name and on the loggers below it, never on its siblings.
func (m *Manager) nodeLocked(name string) *node {
	if isRoot(name) {
		return m.root
	}
	if n := m.nodes[name]; n != nil {
		return n
	}
	// Python's _fixupParents: the nearest existing ancestor is the
	// parent; the new logger is listed in every placeholder on the way.
	parent := m.root
	var ph []*placeholder
	ancestors(name, func(p string) bool {
		if pn := m.nodes[p]; pn != nil {
			parent = pn
			return false
		}
		h := m.placeholders[p]
		if h == nil {
			h = &placeholder{}
			m.placeholders[p] = h
		}
		ph = append(ph, h)
		return true
	})
	n := m.newNode(name, parent)
	for _, h := range ph {
		h.below = append(h.below, n)
	}
	// Python's _fixupChildren: the loggers below the placeholder of this
	// name whose parent is above it become its children.
	if h := m.placeholders[name]; h != nil {
		delete(m.placeholders, name)
		for _, c := range h.below {
			// Python compares the parent's name with a plain prefix
			// test (root is "root"): kept, to route as CPython does.
			if !strings.HasPrefix(c.parent.name, name) {
				n.adopt(c)
			}
		}
	}
	n.chain, n.eff = parent.chain, parent.eff
	n.route.Store(m.newRoute(n, m.gen))
	m.nodes[name] = n
	m.lookup.Store(name, n)
	return n
}

// inherit sets n's chain and effective level from its parent's.
func (m *Manager) inherit(n *node, parentChain []*object, parentEff slog.Level) {
	n.eff = parentEff
	if n == m.root {
		n.eff = n.level.Threshold()
	} else if !n.level.NotSet {
		n.eff = n.level.Slog
	}
	switch {
	case n == m.root || !n.propagate:
		n.chain = n.handlers
	case len(n.handlers) == 0:
		n.chain = parentChain
	default:
		n.chain = make([]*object, 0, len(n.handlers)+len(parentChain))
		n.chain = append(append(n.chain, n.handlers...), parentChain...)
	}
}

// plain reports whether n is configured in no way of its own, so that its
// route may be that of any other plain child of its parent.
func (n *node) plain() bool {
	return n.level.NotSet && n.propagate && !n.disabled && len(n.handlers) == 0 && len(n.filters) == 0
}

// configureLogger applies a logger's configuration to its node.
func configureLogger(n *node, l *loggerSpec, objs map[string]*object, incremental bool) {
	if l.level != nil {
		n.level = *l.level
	}
	if !incremental {
		n.handlers = objectsOf(l.hs, objs)
		n.filters, n.filterInfo = l.filts, l.filtInfo
	}
	if l.propagate != nil {
		n.propagate = *l.propagate
	}
	n.disabled = false
}

func objectsOf(hs []*handlerSpec, objs map[string]*object) []*object {
	if len(hs) == 0 {
		return nil
	}
	out := make([]*object, len(hs))
	for i, h := range hs {
		out[i] = objs[h.id]
	}
	return out
}

// applyFull gives the tree the logger states of a full configuration:
// the loggers it names, and root. It returns the rule for the loggers it
// does not name, which routeAll applies on its walk of the tree. Call it
// with Manager.mu held.
func (m *Manager) applyFull(s *spec, p *prepared) *existing {
	m.configs++
	e := &existing{mark: m.configs, disable: s.disableExisting, existed: map[string]bool{}}
	wasKnown := make([]bool, len(s.loggers))
	for i, l := range s.loggers {
		wasKnown[i] = !isRoot(l.name) && m.known(l.name)
		// Python creates a placeholder called "root" above a logger called
		// "root.x"; configuring loggers.root then counts as configuring
		// an existing logger, whose descendants are reset.
		if wasKnown[i] || (l.name == "root" && m.placeholders["root"] != nil) {
			e.existed[l.name] = true
		}
	}
	for i, l := range s.loggers {
		n := m.nodeLocked(l.name)
		n.configured = e.mark
		if wasKnown[i] {
			n.existed = e.mark
		}
		configureLogger(n, l, p.byID, false)
	}
	if s.root != nil {
		m.root.handlers = objectsOf(s.root.hs, p.byID)
		m.root.filters, m.root.filterInfo = s.root.filts, s.root.filtInfo
		if s.root.level != nil {
			m.root.level = *s.root.level
		}
	}
	m.named = p.byID
	return e
}

// existing is Python's handling of the loggers a full configuration does
// not name (SPEC §1.7): of those that existed before it, the ones below a
// logger it names that itself existed are reset, the others are disabled
// (or re-enabled) by disable_existing_loggers.
type existing struct {
	mark    uint64 // the configuration's mark on the nodes it names
	disable bool
	// existed holds the names the configuration names that existed
	// before it (loggers or placeholders; "root" for a placeholder of
	// that name): Python resets the loggers whose names start with one of
	// them and a dot.
	existed map[string]bool
}

// apply applies the rule to c, a child of n; below says whether n is at or
// below a named logger that existed. It returns below for c's children.
func (e *existing) apply(m *Manager, n, c *node, below bool) bool {
	if !below && (n == m.root || !strings.HasPrefix(c.name, n.name+".")) {
		// c is not below n by name: a child of root, or a logger that
		// Python's placeholder rule left under root ("ro.x" made before
		// "ro"). Python decides by name.
		below = e.namedBelow(c.name)
	}
	if c.configured != e.mark {
		if below {
			c.level = levels.Level{NotSet: true}
			c.handlers = nil
			c.propagate = true
		} else {
			c.disabled = e.disable
		}
	}
	return below || c.existed == e.mark
}

// namedBelow reports whether name is below, by name, a logger the
// configuration names that existed before it.
func (e *existing) namedBelow(name string) bool {
	for i := 1; i < len(name); i++ {
		if name[i] == '.' && e.existed[name[:i]] {
			return true
		}
	}
	return false
}

// applyIncremental gives the tree the logger levels and propagate flags of
// an incremental configuration. Call it with Manager.mu held.
func (m *Manager) applyIncremental(s *spec) {
	for _, l := range s.loggers {
		configureLogger(m.nodeLocked(l.name), l, nil, true)
	}
	if s.root != nil && s.root.level != nil {
		m.root.level = *s.root.level
	}
}
