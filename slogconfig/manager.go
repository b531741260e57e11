package slogconfig

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slogtree/slogtree/filters"
	"github.com/slogtree/slogtree/formatters"
	"github.com/slogtree/slogtree/handlers"
	"github.com/slogtree/slogtree/internal/levels"
)

// Manager is one independent logger hierarchy, Python's logging.Manager
// with its configuration: a tree of named loggers, the handlers a
// configuration built, and the routes between them.
//
// # Reconfiguration
//
// A configuration is compiled and its handlers built off to the side; if
// anything fails, it is closed again and the running configuration is left
// as it was. Otherwise every logger is switched to its new route at once,
// the records already on their way through the old routes are waited for,
// and only then is what the new configuration no longer uses closed. Each
// record is routed wholly by the old or wholly by the new configuration.
//
// Files are shared by absolute path: a configuration that keeps a file
// keeps it open.
//
// A Manager is safe for concurrent use. Configurations are applied one at
// a time.
type Manager struct {
	reg         *Registry
	errh        func(error)
	lastResort  *handlerObj // nil: print a one-time notice instead
	ownsDefault bool

	cfgMu       sync.Mutex // serialises configurations
	defaultDone bool       // slog.SetDefault was called; guarded by cfgMu
	built       uint64     // handlers built so far, for their close order; guarded by cfgMu

	mu     sync.Mutex // guards the tree, the logger states and m.gen
	nodes  map[string]*node
	known  map[string]bool // every logger name and every placeholder above one: Python's loggerDict
	lookup sync.Map        // name -> *node, for lock-free Logger calls
	root   *node
	gen    *generation
	named  map[string]*handlerObj // the handlers of the last full configuration, by id

	notice sync.Once
}

// An Option configures a Manager made by [New].
type Option interface {
	apply(*Manager)
}

type optionFunc func(*Manager)

func (f optionFunc) apply(m *Manager) { f(m) }

// WithRegistry makes the Manager resolve class names and ext:// values in
// r. The default is [DefaultRegistry].
func WithRegistry(r *Registry) Option {
	return optionFunc(func(m *Manager) { m.reg = r })
}

// WithErrorHandler sets the function that receives the errors of handlers
// (a [*HandlerError]) and of closing what a configuration no longer uses.
// The default prints Python's "--- Logging error ---" report on stderr.
func WithErrorHandler(f func(error)) Option {
	return optionFunc(func(m *Manager) { m.errh = f })
}

// WithLastResort sets the handler that gets WARNING and above of a logger
// with no handler anywhere on its way to the root (Python's
// logging.lastResort). The default writes the message to stderr; nil prints
// Python's one-time "No handlers could be found" notice instead.
func WithLastResort(h slog.Handler) Option {
	return optionFunc(func(m *Manager) {
		if h == nil {
			m.lastResort = nil
			return
		}
		m.lastResort = &handlerObj{id: "lastResort", inner: h, level: slog.LevelWarn, res: &resource{}}
	})
}

// ownDefault makes the first configuration call slog.SetDefault.
func ownDefault() Option {
	return optionFunc(func(m *Manager) { m.ownsDefault = true })
}

// New returns a Manager with an unconfigured hierarchy: the root logger at
// WARNING with no handlers, so records reach the last-resort handler.
func New(opts ...Option) *Manager {
	m := &Manager{reg: DefaultRegistry, nodes: map[string]*node{}, known: map[string]bool{}}
	m.errh = m.printError
	WithLastResort(defaultLastResort()).apply(m)
	m.lastResort.trusted = true
	for _, o := range opts {
		o.apply(m)
	}
	m.gen = &generation{}
	m.root = m.newNode("root", nil)
	m.root.level = levels.Level{Slog: slog.LevelWarn}
	m.root.eff = m.root.level.Threshold()
	m.root.route.Store(m.computeRoute(m.root, m.gen))
	return m
}

func defaultLastResort() slog.Handler {
	return formatters.Default().NewHandler(handlers.NewStream(os.Stderr, nil))
}

// printError is the default error handler.
func (m *Manager) printError(err error) {
	fmt.Fprintf(os.Stderr, "--- Logging error ---\n%v\n", err)
}

func (m *Manager) report(err error) {
	defer func() { _ = recover() }() // an error handler that panics must not take the caller down
	m.errh(err)
}

// node is one named logger.
type node struct {
	m        *Manager
	name     string
	parent   *node
	children []*node

	// The logger's configured state, guarded by Manager.mu.
	level     levels.Level
	propagate bool
	disabled  bool
	handlers  []*handlerObj
	filters   []filters.Filter
	chain     []*handlerObj // the handlers a record on n reaches, n's own first
	eff       slog.Level    // n's effective level, which children inherit

	route  atomic.Pointer[route]
	cache  atomic.Pointer[derived]
	base   nodeHandler
	logger *slog.Logger
}

// route is what a logger does with a record, computed when a configuration
// is installed: the node's own filters, and the handlers of the node and
// of its ancestors while propagate holds.
type route struct {
	gen     *generation
	min     slog.Level       // Enabled: the least level any target could take
	level   slog.Level       // the effective level; levels.None when disabled
	filters []filters.Filter // the node's own filters that look at records
	targets []*handlerObj
	notice  bool // no handler anywhere and no last resort
	guard   bool // a target may panic: deliver under a recover
}

// generation is one installed configuration, counting the records in
// flight through it.
type generation struct {
	active  atomic.Int64
	retired atomic.Bool
	res     []*resource
	off     *route // the route of every disabled logger, made when first needed
}

// offRoute returns the generation's route that takes no record. Call it
// with Manager.mu held.
func (g *generation) offRoute() *route {
	if g.off == nil {
		g.off = &route{gen: g, min: levels.None, level: levels.None}
	}
	return g.off
}

func (m *Manager) newNode(name string, parent *node) *node {
	n := &node{m: m, name: name, parent: parent, propagate: true, level: levels.Level{NotSet: true}}
	n.base = nodeHandler{n: n, cache: &n.cache}
	n.logger = slog.New(&n.base)
	return n
}

// isRoot reports whether name names the root logger.
func isRoot(name string) bool { return name == "" || name == "root" }

// node returns the node called name, creating it (with the route it gets
// from its parent) if needed.
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
// Python's rule (which skips a prefix that ends in a dot run).
func ancestors(name string, f func(prefix string) bool) {
	for i := strings.LastIndexByte(name, '.'); i > 0; {
		if !f(name[:i]) {
			return
		}
		i = strings.LastIndexByte(name[:i-1], '.')
	}
}

func (m *Manager) nodeLocked(name string) *node {
	if isRoot(name) {
		return m.root
	}
	if n := m.nodes[name]; n != nil {
		return n
	}
	parent := m.root
	ancestors(name, func(p string) bool {
		if pn := m.nodes[p]; pn != nil {
			parent = pn
			return false
		}
		return true
	})
	n := m.newNode(name, parent)
	kept := parent.children[:0]
	for _, c := range parent.children {
		if len(c.name) > len(name) && c.name[len(name)] == '.' && strings.HasPrefix(c.name, name) {
			c.parent = n
			n.children = append(n.children, c)
		} else {
			kept = append(kept, c)
		}
	}
	parent.children = append(kept, n)
	n.chain, n.eff = parent.chain, parent.eff
	n.route.Store(m.computeRoute(n, m.gen))
	m.nodes[name] = n
	m.known[name] = true
	ancestors(name, func(p string) bool {
		if m.known[p] {
			return false // its ancestors are known too
		}
		m.known[p] = true
		return true
	})
	m.lookup.Store(name, n)
	return n
}

// inherit sets n's chain and effective level from its parent's.
func (m *Manager) inherit(n *node, parentChain []*handlerObj, parentEff slog.Level) {
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
		n.chain = make([]*handlerObj, 0, len(n.handlers)+len(parentChain))
		n.chain = append(append(n.chain, n.handlers...), parentChain...)
	}
}

// plain reports whether n is configured in no way of its own, so that its
// route is that of any other plain child of its parent.
func (n *node) plain() bool {
	return n.level.NotSet && n.propagate && !n.disabled && len(n.handlers) == 0 && len(n.filters) == 0
}

// computeRoute computes the route of n from its chain and effective level.
func (m *Manager) computeRoute(n *node, g *generation) *route {
	chain := n.chain
	rt := &route{gen: g, targets: chain}
	if hasNameFilters(chain) {
		rt.targets = passing(chain, n.name)
	}
	rejected := n.disabled
	for _, f := range n.filters {
		if nf, ok := f.(filters.NameFilter); ok {
			rejected = rejected || !nf.FilterName(n.name)
		} else {
			rt.filters = append(rt.filters, f)
		}
	}
	if rejected {
		return g.offRoute()
	}
	minTarget := levels.None
	if len(chain) == 0 {
		if m.lastResort != nil {
			rt.targets = []*handlerObj{m.lastResort}
		} else {
			rt.notice = true
			minTarget = levels.All
		}
	}
	for _, t := range rt.targets {
		minTarget = min(minTarget, t.level)
		rt.guard = rt.guard || !t.trusted
	}
	rt.level = n.eff
	rt.min = max(rt.level, minTarget)
	return rt
}

func hasNameFilters(chain []*handlerObj) bool {
	for _, o := range chain {
		if len(o.static) > 0 {
			return true
		}
	}
	return false
}

// passing returns the handlers whose name filters pass logger.
func passing(chain []*handlerObj, logger string) []*handlerObj {
	var out []*handlerObj
	for _, o := range chain {
		ok := true
		for _, f := range o.static {
			if !f.FilterName(logger) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, o)
		}
	}
	return out
}

// routeAll recomputes every route for generation g, parents first, and
// collects the resources g uses.
func (m *Manager) routeAll(g *generation) {
	seen := map[*resource]bool{}
	use := func(hs []*handlerObj) {
		for _, o := range hs {
			if !seen[o.res] {
				seen[o.res] = true
				g.res = append(g.res, o.res)
			}
		}
	}
	for _, id := range sortedKeys(m.named) {
		use([]*handlerObj{m.named[id]})
	}
	var walk func(n *node)
	walk = func(n *node) {
		use(n.handlers)
		// Plain children share one route: it depends only on n's chain
		// and level (unless name filters make it depend on the name).
		var shared *route
		share := !hasNameFilters(n.chain)
		for _, c := range n.children {
			m.inherit(c, n.chain, n.eff)
			switch {
			case share && c.plain():
				if shared == nil {
					shared = m.computeRoute(c, g)
				}
				c.route.Store(shared)
			default:
				c.route.Store(m.computeRoute(c, g))
			}
			walk(c)
		}
	}
	m.inherit(m.root, nil, levels.All)
	m.root.route.Store(m.computeRoute(m.root, g))
	walk(m.root)
}

// DictConfig configures the hierarchy from a dictConfig dictionary, as
// Python's logging.config.dictConfig does, with the deviations documented
// in the package: it is atomic, replaces logger filters, validates
// propagate, and builds handlers in dependency order. On error nothing
// changes, and the error is a [*ConfigError] listing every problem.
func (m *Manager) DictConfig(cfg map[string]any) error {
	m.cfgMu.Lock()
	defer m.cfgMu.Unlock()
	p, err := m.compile(cfg)
	if err != nil {
		return err
	}
	if err := m.install(p); err != nil {
		m.report(err)
	}
	m.warn(p)
	if m.ownsDefault && !m.defaultDone {
		m.defaultDone = true
		slog.SetDefault(m.root.logger)
	}
	return nil
}

// Check compiles cfg and builds everything it names exactly as DictConfig
// would, then closes it again without installing it. It returns the same
// error DictConfig would, and leaves the running configuration alone.
// Building opens files (and creates them in mode "a"), as a real
// configuration does.
func (m *Manager) Check(cfg map[string]any) error {
	m.cfgMu.Lock()
	defer m.cfgMu.Unlock()
	p, err := m.compile(cfg)
	if err != nil {
		return err
	}
	p.close()
	m.warn(p)
	return nil
}

// warn reports a plan's warnings through the error handler.
func (m *Manager) warn(p *plan) {
	for _, w := range p.warnings {
		m.report(w)
	}
}

// install swaps in a compiled plan and retires the old generation. It
// returns the errors of closing what the old one used.
func (m *Manager) install(p *plan) error {
	m.mu.Lock()
	old := m.gen
	g := &generation{}
	if p.incremental {
		m.applyIncremental(p)
	} else {
		m.applyFull(p)
	}
	m.routeAll(g)
	m.gen = g
	m.mu.Unlock()
	for _, r := range g.res {
		r.refs++
	}
	return m.retire(old)
}

// retire waits for the records in flight through g, then closes the
// resources no newer generation uses.
func (m *Manager) retire(g *generation) error {
	g.retired.Store(true)
	for i := 0; g.active.Load() != 0; i++ {
		if i < 64 {
			runtime.Gosched()
		} else {
			time.Sleep(20 * time.Microsecond)
		}
	}
	// Close in reverse build order, as Python's logging.shutdown does:
	// a memory or queue handler flushes into targets that are still open.
	slices.SortFunc(g.res, func(a, b *resource) int { return cmp.Compare(b.seq, a.seq) })
	var errs []error
	for _, r := range g.res {
		if r.refs--; r.refs == 0 && r.closer != nil {
			if err := r.closer.Close(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func configureLogger(n *node, ls *loggerSpec, incremental bool) {
	if ls.level != nil {
		n.level = *ls.level
	}
	if !incremental {
		n.handlers = ls.handlers
		n.filters = ls.filters
	}
	if ls.propagate != nil {
		n.propagate = *ls.propagate
	}
	n.disabled = false
}

func (m *Manager) applyFull(p *plan) {
	// Python's existing-logger handling (SPEC §1.7): of the loggers and
	// placeholders that existed before this call, those below a configured
	// name that itself existed are reset, the others are disabled (or
	// re-enabled) by disable_existing_loggers.
	existed := make(map[*node]bool, len(p.loggers))
	configured := make(map[*node]bool, len(p.loggers))
	wasKnown := make([]bool, len(p.loggers))
	// Python creates a placeholder called "root" above a logger called
	// "root.x"; configuring loggers.root then counts as configuring an
	// existing logger, whose descendants are reset.
	rootPlaceholder := false
	for i, ls := range p.loggers {
		wasKnown[i] = !isRoot(ls.name) && m.known[ls.name]
		rootPlaceholder = rootPlaceholder || (ls.name == "root" && m.known["root"])
	}
	for i, ls := range p.loggers {
		n := m.nodeLocked(ls.name)
		configured[n] = true
		if wasKnown[i] {
			existed[n] = true
		}
		configureLogger(n, ls, false)
	}
	var walk func(n *node, below bool)
	walk = func(n *node, below bool) {
		for _, c := range n.children {
			below := below || (rootPlaceholder && n == m.root && strings.HasPrefix(c.name, "root."))
			if !configured[c] {
				if below {
					c.level = levels.Level{NotSet: true}
					c.handlers = nil
					c.propagate = true
				} else {
					c.disabled = p.disableExisting
				}
			}
			walk(c, below || existed[c])
		}
	}
	walk(m.root, false)
	if p.root != nil {
		m.root.handlers = p.root.handlers
		m.root.filters = p.root.filters
		if p.root.level != nil {
			m.root.level = *p.root.level
		}
	}
	m.named = make(map[string]*handlerObj, len(p.objs))
	for _, o := range p.objs {
		m.named[o.id] = o
	}
}

func (m *Manager) applyIncremental(p *plan) {
	copies := map[*handlerObj]*handlerObj{}
	for o, l := range p.handlerLevels {
		c := *o
		c.level = l.Threshold()
		copies[o] = &c
	}
	swap := func(hs []*handlerObj) []*handlerObj {
		var out []*handlerObj
		for i, o := range hs {
			if c, ok := copies[o]; ok {
				if out == nil {
					out = slices.Clone(hs)
				}
				out[i] = c
			}
		}
		if out == nil {
			return hs
		}
		return out
	}
	var walk func(n *node)
	walk = func(n *node) {
		n.handlers = swap(n.handlers)
		for _, c := range n.children {
			walk(c)
		}
	}
	walk(m.root)
	for id, o := range m.named {
		if c, ok := copies[o]; ok {
			m.named[id] = c
		}
	}
	for _, ls := range p.loggers {
		configureLogger(m.nodeLocked(ls.name), ls, true)
	}
	if p.root != nil && p.root.level != nil {
		m.root.level = *p.root.level
	}
}

// Logger returns the logger called name, creating it if needed: Python's
// logging.getLogger. "" and "root" are the root logger. The same name
// always gives the same *slog.Logger, and it follows every later
// configuration.
func (m *Manager) Logger(name string) *slog.Logger {
	return m.node(name).logger
}

// Handler returns the live handler behind Logger(name).
func (m *Manager) Handler(name string) slog.Handler {
	return &m.node(name).base
}

// Shutdown flushes and closes every handler, as Python's
// logging.shutdown does. Loggers keep their levels; records logged after
// Shutdown go to the last-resort handler. A later configuration works as
// usual.
func (m *Manager) Shutdown() error {
	m.cfgMu.Lock()
	defer m.cfgMu.Unlock()
	m.mu.Lock()
	old := m.gen
	for _, n := range m.nodes {
		n.handlers = nil
	}
	m.root.handlers = nil
	m.named = nil
	g := &generation{}
	m.routeAll(g)
	m.gen = g
	m.mu.Unlock()
	return m.retire(old)
}
