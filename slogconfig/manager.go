package slogconfig

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/slogtree/slogtree/formatters"
	"github.com/slogtree/slogtree/handlers"
	"github.com/slogtree/slogtree/internal/levels"
)

// Manager is one independent logger hierarchy, Python's logging.Manager
// with its configuration: a tree of named loggers, the handlers a
// configuration built, and the routes between them.
//
// # How a configuration is applied
//
// A configuration goes through these steps, each a function of its own
// (see the package documentation): decode, convert, schema, validate,
// prepare, commit, route and swap, then retire. Everything up to validate
// reads only the configuration: nothing is opened, created or registered,
// so a configuration refused there, or only checked ([Manager.Check]),
// changes nothing at all. Prepare opens what the handlers write to without
// changing it (no truncation, no rotation); if it fails, what it opened is
// closed and the files it created are removed. Only a configuration that
// got that far is committed (files in mode "w" truncated, level names
// registered, new settings of shared files applied) and swapped in: every
// logger switches to its new route at once, and each record is routed
// wholly by the old or wholly by the new configuration.
//
// The configuration replaced is retired in the background: its records in
// flight are delivered, then what no newer configuration uses is closed.
// A reconfiguration never waits for that; [Manager.Shutdown] does, and
// [Manager.ShutdownContext] waits until its deadline.
//
// Files are shared by absolute path: a configuration that keeps a file
// keeps it open.
//
// A Manager is safe for concurrent use. Configurations are applied one at
// a time.
type Manager struct {
	reg         *Registry
	errh        func(error)
	lastResort  *object // nil: print a one-time notice instead
	ownsDefault bool
	threadName  string
	dryRun      bool // WithDryRun: stand-ins for handlers, level names kept in levelNames

	cfgMu       sync.Mutex // serialises configurations
	defaultDone bool       // slog.SetDefault was called; guarded by cfgMu
	built       uint64     // handlers built so far, for their close order; guarded by cfgMu

	mu           sync.Mutex // guards the tree, the logger states, gen, named and files
	nodes        map[string]*node
	placeholders map[string]*placeholder
	lookup       sync.Map // name -> *node, for lock-free Logger calls
	root         *node
	gen          *generation
	named        map[string]*object     // the handlers of the last full configuration, by id
	configs      uint64                 // full configurations applied, for the marks of applyFull
	nextLevels   map[*object]slog.Level // an incremental configuration's handler levels, while its routes are computed
	levelNames   *levels.Names          // a dry run's level names, which it does not register
	admin        adminLevels            // levels set by admin endpoints; guarded by cfgMu (and mu for the nodes it changes)

	resMu      sync.Mutex        // guards object.refs and filterRefs
	filterRefs map[io.Closer]int // generations using each filter that has a Close
	retiring   retirements

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
// (a [*HandlerError], or a [*handlers.CallError] for a panic in a handler
// method that returns no error), the warnings of configurations, and the
// errors of closing what a configuration no longer uses. The default
// prints each error as Python's "--- Logging error ---" report on stderr,
// and each warning on one line, "slogconfig: warning: PATH: MESSAGE".
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
		m.lastResort = m.lastResortObject(h, false)
	})
}

func (m *Manager) lastResortObject(h slog.Handler, trusted bool) *object {
	return &object{id: "lastResort", h: handlers.New(h, &handlers.Options{
		Level: slog.LevelWarn, Name: "lastResort", OnError: m.report, Trusted: trusted,
	})}
}

// WithThreadName sets the value of Python's threadName field in the
// records the configurations' formatters and handlers render. The default
// is [formatters.DefaultThreadName], "MainThread": what Python prints in a
// program that starts no thread, and what a configuration brought from
// Python expects. Goroutines have no names; a program that wants none
// shown gives a name such as "-".
func WithThreadName(name string) Option {
	return optionFunc(func(m *Manager) { m.threadName = cmp.Or(name, formatters.DefaultThreadName) })
}

// ownDefault makes the first configuration call slog.SetDefault.
func ownDefault() Option {
	return optionFunc(func(m *Manager) { m.ownsDefault = true })
}

// New returns a Manager with an unconfigured hierarchy: the root logger at
// WARNING with no handlers, so records reach the last-resort handler.
func New(opts ...Option) *Manager {
	m := &Manager{reg: DefaultRegistry, nodes: map[string]*node{}, placeholders: map[string]*placeholder{},
		threadName: formatters.DefaultThreadName}
	m.errh = m.printError
	m.lastResort = m.lastResortObject(formatters.Default().NewHandler(handlers.NewStream(os.Stderr, nil)), true)
	for _, o := range opts {
		o.apply(m)
	}
	m.gen = &generation{}
	m.root = m.newNode("root", nil)
	m.root.level = levels.Level{Slog: slog.LevelWarn}
	m.root.eff = m.root.level.Threshold()
	m.root.route.Store(m.newRoute(m.root, m.gen))
	return m
}

// printError is the default error handler.
func (m *Manager) printError(err error) {
	printError(os.Stderr, err)
}

// printError writes err to w: a configuration warning on one line, as
// Python's warnings module would, anything else as Python's
// Handler.handleError reports an error.
func printError(w io.Writer, err error) {
	if cw := (*ConfigWarning)(nil); errors.As(err, &cw) {
		fmt.Fprintf(w, "slogconfig: %v\n", cw)
		return
	}
	fmt.Fprintf(w, "--- Logging error ---\n%v\n", err)
}

// report sends err to the error handler.
func (m *Manager) report(err error) {
	defer func() { _ = recover() }() // an error handler that panics must not take the caller down
	m.errh(err)
}

// DictConfig configures the hierarchy from a dictConfig dictionary, as
// Python's logging.config.dictConfig does, with the deviations documented
// in the package: it is atomic, replaces logger filters, validates
// propagate, and builds handlers in dependency order. On error nothing
// changes, and the error is a [*ConfigError] listing every problem.
// DictConfig returns once the new configuration is in force; the one it
// replaces is retired in the background.
func (m *Manager) DictConfig(cfg map[string]any) error {
	return m.apply(cfg, nil)
}

// applyOptions are what callers other than DictConfig add to a
// configuration: the listener's policy.
type applyOptions struct {
	// policy refuses what a caller does not allow, from the spec, before
	// validate.
	policy func(s *spec, errs *problems)
	// denyEnv, when not nil, is the error of every env:// value.
	denyEnv error
	// admin marks the incremental configuration of an admin endpoint,
	// which keeps its own account of the levels it sets (see
	// adminLevels).
	admin bool
}

// apply takes cfg through every step and installs it. The levels set by
// an admin endpoint that it replaces are logged once the configuration
// lock is released: a handler that blocks must not hold up the next
// configuration.
func (m *Manager) apply(cfg map[string]any, o *applyOptions) error {
	m.cfgMu.Lock()
	replaced, err := m.applyLocked(cfg, o)
	m.cfgMu.Unlock()
	m.logReplaced(replaced)
	return err
}

// applyLocked is apply with Manager.cfgMu held. It returns the levels set
// by an admin endpoint that the configuration replaced.
func (m *Manager) applyLocked(cfg map[string]any, o *applyOptions) ([]*adminLevel, error) {
	s, warnings, err := m.read(cfg, o)
	if err != nil {
		return nil, err
	}
	p, err := m.prepare(s)
	if err != nil {
		return nil, err
	}
	m.commit(s, p)
	replaced := m.install(s, p, o != nil && o.admin)
	for _, w := range append(warnings, p.warnings...) {
		m.report(w)
	}
	if m.ownsDefault && !m.defaultDone {
		m.defaultDone = true
		slog.SetDefault(m.root.logger)
	}
	return replaced, nil
}

// read takes cfg through the steps that read only the configuration:
// convert, schema and validate (with the caller's policy).
func (m *Manager) read(cfg map[string]any, o *applyOptions) (*spec, []*ConfigWarning, error) {
	var errs problems
	var denyEnv error
	if o != nil {
		denyEnv = o.denyEnv
	}
	conv, err := convertConfig(cfg, m.reg, denyEnv, &errs)
	if err != nil {
		return nil, nil, err
	}
	s := schema(conv, m.reg, &errs)
	s.cfg, s.threadName = cfg, m.threadName
	if m.dryRun {
		m.mu.Lock()
		s.knownNames = m.levelNames
		m.mu.Unlock()
	}
	if o != nil && o.policy != nil {
		// Before validate, which calls the classes' Check: a class the
		// caller does not allow runs no code.
		n := len(errs)
		if o.policy(s, &errs); len(errs) > n {
			errs.order(entryOrder(cfg))
			return nil, nil, errs.err()
		}
	}
	v := validate(s, m.named, m.report, &errs)
	if len(errs) > 1 {
		errs.order(entryOrder(cfg))
	}
	if err := errs.err(); err != nil {
		return nil, nil, err
	}
	return s, v.warnings, nil
}

// install swaps in a prepared configuration and retires the one it
// replaces. An incremental configuration's handler levels go into the new
// routes, and are set on the handler objects in force (so that every
// wrapper using one sees the new level, as Python's setLevel on its one
// object does) once the routes are swapped: the old routes never see them.
//
// It returns the levels set by an admin endpoint that the configuration
// replaced (see adminLevels): all of them for a full configuration, which
// applies as if they had never been set; for an incremental one other than
// the admin endpoint's own, those of the loggers whose level it sets.
func (m *Manager) install(s *spec, p *prepared, admin bool) (replaced []*adminLevel) {
	m.mu.Lock()
	var ex *existing
	if s.incremental {
		if !admin {
			replaced = m.admin.replacedBy(s)
		}
		m.applyIncremental(s)
		m.nextLevels = map[*object]slog.Level{}
		for _, h := range s.handlers {
			if h.levelRaw != nil {
				m.nextLevels[m.named[h.id]] = h.level.Threshold()
			}
		}
	} else {
		replaced = m.admin.takeBack(m)
		ex = m.applyFull(s, p)
	}
	if m.dryRun && s.pending.Len() > 0 {
		m.levelNames = s.pending
	}
	old := m.swap(&generation{}, ex)
	for o, l := range m.nextLevels {
		o.h.SetLevel(l)
	}
	m.nextLevels = nil
	m.mu.Unlock()
	m.retire(old)
	return replaced
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
// logging.shutdown does, and waits until it is done, including the
// retirement of earlier configurations: a queue whose target blocks makes
// it wait as long. Loggers keep their levels; records logged after
// Shutdown go to the last-resort handler. A later configuration works as
// usual.
//
// Levels set through an admin endpoint ([Manager.AdminHandler]) stay as
// they are, but their expiries are cancelled and they are forgotten: no
// timer outlives Shutdown, and a later DELETE has nothing to revert.
func (m *Manager) Shutdown() error {
	return m.ShutdownContext(context.Background())
}

// ShutdownContext is [Manager.Shutdown] bounded by ctx: when ctx is done
// before every handler has delivered what it holds, the records still held
// (by a queue or memory handler whose target blocks) are dropped, counted
// and reported to the error handler, and ShutdownContext returns ctx's
// error. A handler call that is blocked at that moment goes on in the
// background until it returns.
func (m *Manager) ShutdownContext(ctx context.Context) error {
	m.cfgMu.Lock()
	expiring := m.admin.stopAll()
	m.mu.Lock()
	for _, n := range m.nodes {
		n.handlers = nil
	}
	m.root.handlers = nil
	m.named = nil
	old := m.swap(&generation{}, nil)
	old.closeAll = true // every filter reports what it dropped
	m.mu.Unlock()
	m.retire(old)
	// The wait is outside the configuration lock: a handler that blocks
	// holds up Shutdown, not the configurations applied meanwhile.
	m.cfgMu.Unlock()
	// An expiry whose timer fired before the account was cleared may be
	// logging its change: it ends before Shutdown returns.
	for _, done := range expiring {
		select {
		case <-done:
		case <-ctx.Done():
		}
	}
	if err := m.waitRetired(ctx); err != nil {
		return fmt.Errorf("slogconfig: shutdown: %w", err)
	}
	return nil
}

// settle is how long ShutdownContext waits, once its deadline has passed
// and it has abandoned the retirements, for them to report what they
// dropped.
const settle = time.Second
