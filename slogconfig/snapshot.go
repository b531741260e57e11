package slogconfig

import (
	"log/slog"
	"math"
	"slices"
	"strings"

	"github.com/slogtree/slogtree/internal/levels"
)

// LevelNotSet is Python's NOTSET in a [Tree] or an [Explanation]: the
// level of a logger that has none of its own (it inherits its parent's),
// and the level of a handler, or of the root logger, that passes every
// record. It is below every other level, so it is a threshold too: every
// record reaches it.
const LevelNotSet = slog.Level(math.MinInt)

// Tree is a snapshot of a Manager's logger hierarchy ([Manager.Tree]):
// every logger ever named or configured, and the placeholders between
// them, root first. It is plain data, taken under the Manager's lock and
// never changed after: later configurations do not change it.
//
// String renders it in the layout of Python's logging_tree package,
// MarshalJSON in the shape documented there, and Mermaid as a flowchart.
type Tree struct {
	Root *TreeLogger

	names *levels.Names // level names of a dry run's configurations, not registered
}

// TreeLogger is one logger of a [Tree], or a placeholder.
type TreeLogger struct {
	// Name is the logger's name, "" for the root logger.
	Name string
	// Placeholder marks a name that no logger has, above loggers that
	// exist (Python's logging.PlaceHolder): only Name and Children are
	// set.
	Placeholder bool
	// Parent is the name of the logger that records propagate to from
	// this one ("" for root; unset on root itself). It is the nearest
	// logger above by name, except where Python's placeholder rule left
	// a logger under root: a logger "ro.x" made before "ro" keeps root as
	// its parent, as in CPython.
	Parent string
	// Level is the logger's own level: LevelNotSet when it has none, and
	// inherits EffectiveLevel from the loggers above it.
	Level slog.Level
	// EffectiveLevel is the least level of a record the logger passes on
	// (Python's getEffectiveLevel): LevelNotSet when it inherits NOTSET
	// from root, which then passes every record.
	EffectiveLevel slog.Level
	// Propagate says whether records go on to the handlers of the loggers
	// above.
	Propagate bool
	// Disabled marks a logger disabled by a configuration's
	// disable_existing_loggers: it passes no record.
	Disabled bool
	// Filters are the logger's own filters, applied to the records
	// logged on it (not to those propagated from below).
	Filters []TreeFilter
	// Handlers are the logger's handlers, in order. A handler object
	// used by several loggers (or wrapped by several handlers) is one
	// *TreeHandler.
	Handlers []*TreeHandler
	// Children are the loggers and placeholders one level below by name,
	// sorted by name.
	Children []*TreeLogger

	names *levels.Names
}

// TreeHandler is one handler of a [Tree]: what its configuration made it.
type TreeHandler struct {
	// ID is the handler's id in the configuration that built it.
	ID string
	// Class is the handler's class as the configuration names it:
	// "stream", "logging.StreamHandler", "queue", a registered name.
	Class string
	// Level is the handler's level now (an incremental configuration may
	// have changed it): LevelNotSet passes every record.
	Level slog.Level
	// Filters are the handler's filters.
	Filters []TreeFilter
	// Formatter is the handler's formatter, nil when it has none (it
	// then writes the message with the attributes appended).
	Formatter *TreeFormatter
	// Sink is what the handler writes to, nil for a handler that writes
	// to other handlers or for a class of the program's own.
	Sink *TreeSink
	// Settings are the class's other arguments as configured: all but the
	// stream, the file name and the handlers it wraps (mode, maxBytes,
	// capacity, flushLevel, respect_handler_level, routes, ...), with
	// writers given by their ext:// names.
	Settings map[string]any
	// Handlers are the handlers this one passes records to, in order: a
	// queue's handlers, a memory handler's target, the handlers of a
	// failover, router or pool, those a registered class names in its
	// Refs.
	Handlers []*TreeHandler

	kind  string // the built-in class by its Go name; "" for a registered class
	names *levels.Names
}

// TreeSink is what a handler writes to.
type TreeSink struct {
	// Kind is "stream" or "file".
	Kind string
	// Name is a stream's name, or a file's absolute path. A stream is
	// named as an ext:// value names it: "sys.stderr", "sys.stdout",
	// "io.Discard", the name a program registered the writer under; a
	// writer registered under no name by its Go type.
	Name string
}

// TreeFormatter is a handler's formatter.
type TreeFormatter struct {
	// ID is the formatter's id in the configuration.
	ID string
	// Class is the formatter's class as the configuration names it;
	// "pattern" (Python's logging.Formatter) when it names none.
	Class string
	// Format is the format string: for the pattern formatter, Python's
	// default for the style when the configuration gives none
	// ("%(message)s"); "" for a formatter that takes no format.
	Format string
	// DateFmt is the date format, "" when none is given (Python's None).
	DateFmt string
	// Style is the format's style: "%", "{" or "$".
	Style string
}

// TreeFilter is a logger's or a handler's filter.
type TreeFilter struct {
	// ID is the filter's id in the configuration.
	ID string
	// Class is the filter's class: "name" (Python's logging.Filter) when
	// the configuration names none, else as it names it.
	Class string
	// Name is the name a name filter passes (with the loggers below it):
	// set for the classes "name" and "logging.Filter".
	Name string
	// ByName says that the filter decides by the logger's name alone
	// (a [filters.NameFilter]): it is decided once per logger, never per
	// record.
	ByName bool
}

// isPythonName reports whether f is Python's logging.Filter(name).
func (f TreeFilter) isPythonName() bool { return f.Class == "name" || f.Class == "logging.Filter" }

// Tree returns a snapshot of the hierarchy: see [Tree]. It holds the
// Manager's lock only while it copies the loggers' states, never while a
// record is logged: loggers go on logging meanwhile.
func (m *Manager) Tree() *Tree {
	m.mu.Lock()
	states := m.loggerStates()
	names := m.levelNames
	m.mu.Unlock()
	b := &treeBuilder{names: names, seen: map[*object]*TreeHandler{}}
	return &Tree{Root: b.build(states), names: names}
}

// LoggerTree returns a snapshot of the default Manager's hierarchy: see
// [Manager.Tree]. It is the package-level Tree, which Go cannot name as
// the type it returns.
func LoggerTree() *Tree { return std.Tree() }

// loggerState is what a snapshot copies of a logger, or of a
// placeholder, under the Manager's lock.
type loggerState struct {
	name        string
	placeholder bool
	parent      string
	level       levels.Level
	eff         slog.Level
	propagate   bool
	disabled    bool
	filters     []TreeFilter
	handlers    []*object // replaced, never changed in place, by a configuration
}

// loggerStates copies the state of every logger and placeholder, sorted
// by name, root ("") first. Call it with Manager.mu held.
func (m *Manager) loggerStates() []loggerState {
	out := make([]loggerState, 0, 1+len(m.nodes)+len(m.placeholders))
	out = append(out, m.root.state(""))
	for name, n := range m.nodes {
		out = append(out, n.state(name))
	}
	for name := range m.placeholders {
		out = append(out, loggerState{name: name, placeholder: true})
	}
	slices.SortFunc(out[1:], func(a, b loggerState) int { return strings.Compare(a.name, b.name) })
	return out
}

func (n *node) state(name string) loggerState {
	s := loggerState{name: name, level: n.level, eff: n.eff, propagate: n.propagate, disabled: n.disabled,
		filters: n.filterInfo, handlers: n.handlers}
	if n.parent != nil && n.parent.parent != nil {
		s.parent = n.parent.name
	}
	return s
}

// treeBuilder builds a Tree from the states a snapshot copied.
type treeBuilder struct {
	names *levels.Names
	seen  map[*object]*TreeHandler
}

// build makes the tree of states, sorted by name with root first: each
// name goes under the name before its last dot (Python's rule for a name
// that ends in a dot included), as logging_tree places it.
func (b *treeBuilder) build(states []loggerState) *TreeLogger {
	byName := make(map[string]*TreeLogger, len(states))
	root := b.logger(&states[0])
	root.Parent = ""
	for i := 1; i < len(states); i++ {
		s := &states[i]
		l := b.logger(s)
		byName[s.name] = l
		parent := root
		for p := s.name; ; {
			j := -1
			if len(p) > 1 {
				j = strings.LastIndexByte(p[:len(p)-1], '.')
			}
			if j <= 0 {
				break
			}
			p = p[:j]
			if pl := byName[p]; pl != nil {
				parent = pl
				break
			}
		}
		parent.Children = append(parent.Children, l)
	}
	return root
}

func (b *treeBuilder) logger(s *loggerState) *TreeLogger {
	if s.placeholder {
		return &TreeLogger{Name: s.name, Placeholder: true, names: b.names}
	}
	l := &TreeLogger{Name: s.name, Parent: s.parent, Level: LevelNotSet, EffectiveLevel: s.eff,
		Propagate: s.propagate, Disabled: s.disabled, Filters: slices.Clone(s.filters), names: b.names}
	if !s.level.NotSet {
		l.Level = s.level.Slog
	}
	for _, o := range s.handlers {
		l.Handlers = append(l.Handlers, b.handler(o))
	}
	return l
}

// handler describes a handler object, once however often it is used.
func (b *treeBuilder) handler(o *object) *TreeHandler {
	if h := b.seen[o]; h != nil {
		return h
	}
	h := &TreeHandler{ID: o.id, Level: o.h.Level(), names: b.names}
	if in := o.describe(); in != nil {
		h.Class, h.kind = in.class, in.kind
		h.Filters = slices.Clone(in.filters)
		h.Settings = in.settings
		if in.formatter != nil {
			f := *in.formatter
			h.Formatter = &f
		}
		if in.sink != nil {
			s := *in.sink
			h.Sink = &s
		}
		if h.Level == levels.None {
			// A null handler takes nothing whatever its level; show the
			// level it was configured with.
			h.Level = in.level.Threshold()
		}
	}
	b.seen[o] = h
	for _, d := range o.deps {
		h.Handlers = append(h.Handlers, b.handler(d))
	}
	return h
}

// Loggers returns the loggers of t, root first, then in the order of the
// tree (depth first, by name), without the placeholders: the list an
// endpoint that lists loggers shows.
func (t *Tree) Loggers() []*TreeLogger {
	var out []*TreeLogger
	var walk func(l *TreeLogger)
	walk = func(l *TreeLogger) {
		if l == nil {
			return
		}
		if !l.Placeholder {
			out = append(out, l)
		}
		for _, c := range l.Children {
			walk(c)
		}
	}
	walk(t.Root)
	return out
}

// Logger returns the logger of t called name ("" or "root" for the root
// logger), or nil when t has no logger of that name (a placeholder is not
// a logger).
func (t *Tree) Logger(name string) *TreeLogger {
	if isRoot(name) {
		return t.Root
	}
	for _, l := range t.Loggers() {
		if l.Name == name {
			return l
		}
	}
	return nil
}

// levelName names level l for a snapshot or an explanation: NOTSET for
// LevelNotSet, a name a configuration gave it (names, then the names
// registered), Python's DEBUG, INFO, WARNING, ERROR and CRITICAL, and
// otherwise slog's name with an offset ("INFO+2", "DEBUG-4"), which a
// configuration reads back as the same level.
func levelName(l slog.Level, names *levels.Names) string {
	if l == LevelNotSet {
		return "NOTSET"
	}
	if n, ok := names.Name(l); ok {
		return n
	}
	if n, ok := levels.CustomName(l); ok {
		return n
	}
	switch l {
	case slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError, levels.Critical:
		return levels.Name(l)
	}
	return levels.SlogName(l)
}
