package slogconfig

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"

	"github.com/slogtree/slogtree/filters"
	"github.com/slogtree/slogtree/handlers"
	"github.com/slogtree/slogtree/internal/levels"
)

// Explanation says what becomes of a record of one level logged on one
// logger ([Manager.Explain]): whether it passes the logger, and then, for
// each handler on its way, whether it reaches the handler and, when it
// does not, why. It is computed from the state the loggers route records
// by, so that it agrees with what a record logged at that moment does.
type Explanation struct {
	// Logger is the logger's name, "" for the root logger.
	Logger string
	// Exists is false for a name no logger has yet: the explanation is
	// then that of the logger Manager.Logger would create, which has no
	// level, filter or handler of its own and is never disabled.
	Exists bool
	// Level is the record's level.
	Level slog.Level
	// OwnLevel is the logger's own level, LevelNotSet when it has none.
	OwnLevel slog.Level
	// EffectiveLevel is the logger's effective level (see
	// [TreeLogger.EffectiveLevel]).
	EffectiveLevel slog.Level
	// Passes says whether the record passes the logger: the logger is not
	// disabled, its name filters pass its name, and Level reaches
	// EffectiveLevel. When it does not, Reason and Detail say why, and
	// every handler has that reason.
	Passes bool
	Reason Reason
	Detail string
	// Filters are the logger's own filters that look at each record
	// (those that decide by name alone are decided above): when there are
	// any, a record that passes the logger goes on only if they pass it,
	// and the handlers it would reach say OutcomeDepends.
	Filters []TreeFilter
	// Handlers are the handlers of the logger and of the loggers above it,
	// in the order a record meets them (Python's callHandlers; a handler
	// on two of those loggers is met twice), then those of the loggers
	// above one whose propagate is false, which the record never meets.
	Handlers []*HandlerOutcome
	// LastResort is the last-resort handler ([WithLastResort]), when no
	// handler is met on the way to root (nil otherwise).
	LastResort *HandlerOutcome
	// Notice says that no handler is met and there is no last resort: the
	// record is dropped with Python's one-time "No handlers could be
	// found" notice.
	Notice bool

	names *levels.Names
}

// HandlerOutcome is what becomes of the record at one handler.
type HandlerOutcome struct {
	// ID is the handler's id ("lastResort" for the last resort).
	ID string
	// Class is the handler's class as the configuration names it.
	Class string
	// Logger is the logger the handler belongs to (for a handler reached
	// through another, that one's logger).
	Logger string
	// Outcome is whether the record reaches the handler.
	Outcome Outcome
	// Reason says why the record does not reach the handler, or what
	// decides whether it does; "" when it does.
	Reason Reason
	// Detail says it in words, or notes how the record arrives (a memory
	// handler holding it until a flush, a queue passing it on from its
	// goroutine).
	Detail string
	// Filters are the ids of the filters that decide per record whether
	// the record reaches the handler: the logger's own, then the
	// handler's (Reason ReasonRecordFilter).
	Filters []string
	// Handlers are what becomes of the record at the handlers this one
	// passes records to, when it gets the record (a queue's handlers, a
	// memory handler's target, ...).
	Handlers []*HandlerOutcome
}

// An Outcome is whether a record reaches a handler.
type Outcome string

const (
	// OutcomeReached: the record reaches the handler (for a handler behind
	// a memory handler, at the next flush).
	OutcomeReached Outcome = "reached"
	// OutcomeNotReached: the record does not reach the handler.
	OutcomeNotReached Outcome = "not reached"
	// OutcomeDepends: whether the record reaches the handler depends on
	// the record itself or on what happened before it (see Reason).
	OutcomeDepends Outcome = "depends"
)

// A Reason says why a record does not reach a handler, or what decides
// whether it does.
type Reason string

const (
	// ReasonLoggerLevel: the record's level is below the logger's
	// effective level.
	ReasonLoggerLevel Reason = "logger-level"
	// ReasonDisabled: the logger was disabled by a configuration's
	// disable_existing_loggers.
	ReasonDisabled Reason = "disabled"
	// ReasonLoggerFilter: a filter of the logger rejects the logger's name.
	ReasonLoggerFilter Reason = "logger-filter"
	// ReasonPropagation: the handler belongs to a logger above one whose
	// propagate is false.
	ReasonPropagation Reason = "propagation"
	// ReasonHandlerLevel: the record's level is below the handler's (or,
	// behind a failover, router, pool or a queue with
	// respect_handler_level, the handler is not enabled for it).
	ReasonHandlerLevel Reason = "handler-level"
	// ReasonHandlerFilter: a filter of the handler rejects the logger's
	// name.
	ReasonHandlerFilter Reason = "handler-filter"
	// ReasonNull: a null handler takes no record (it still counts as a
	// handler, so the last resort is not used).
	ReasonNull Reason = "null"
	// ReasonClass: the handler's class, a program's own, is not enabled
	// for the level, or decides itself what it passes on.
	ReasonClass Reason = "class"
	// ReasonNoTarget: a memory handler without a target drops what it
	// gets.
	ReasonNoTarget Reason = "no-target"
	// ReasonRecordFilter (OutcomeDepends): filters look at each record.
	ReasonRecordFilter Reason = "record-filter"
	// ReasonHeld (OutcomeDepends): a memory handler that does not flush
	// on close holds the record until a flush, which may never come.
	ReasonHeld Reason = "held"
	// ReasonFailover: a failover passes the record to an earlier handler;
	// this one gets it only if that one fails.
	ReasonFailover Reason = "failover"
	// ReasonRoute: a router's route for the handler does not match the
	// record, or (OutcomeDepends) matches only records with some
	// attributes, or only if no earlier route matches.
	ReasonRoute Reason = "route"
	// ReasonPool (OutcomeDepends): a pool gives each record to one of its
	// handlers in turn.
	ReasonPool Reason = "pool"
)

// Explain says what becomes of a record of level logged on the logger
// called name ("" or "root" for the root logger): see [Explanation]. It
// creates no logger, and holds the Manager's lock only while it copies the
// states of the logger and of those above it.
func (m *Manager) Explain(name string, level slog.Level) *Explanation {
	if isRoot(name) {
		name = ""
	}
	m.mu.Lock()
	path, exists := m.explainPath(name)
	lastResort, names := m.lastResort, m.levelNames
	m.mu.Unlock()

	x := explainer{m: m, logger: name, level: level, names: names}
	return x.explain(path, exists, lastResort)
}

// Explain says what becomes of a record of level logged on the default
// Manager's logger called name: see [Manager.Explain].
func Explain(name string, level slog.Level) *Explanation { return std.Explain(name, level) }

// explainState is what an explanation copies of a logger.
type explainState struct {
	loggerState
	filterObjs []filters.Filter
}

// explainPath copies the states of the logger called name ("" for root)
// and of the loggers its records propagate to, in order; for a name no
// logger has, that of the logger Logger would create. Call it with
// Manager.mu held.
func (m *Manager) explainPath(name string) (path []explainState, exists bool) {
	var n *node
	if name == "" {
		n = m.root
	} else if n = m.nodes[name]; n == nil {
		parent := m.root
		ancestors(name, func(p string) bool {
			if pn := m.nodes[p]; pn != nil {
				parent = pn
				return false
			}
			return true
		})
		path = append(path, explainState{loggerState: loggerState{name: name, level: levels.Level{NotSet: true},
			eff: parent.eff, propagate: true}})
		n = parent
	}
	exists = len(path) == 0
	for ; n != nil; n = n.parent {
		s := explainState{loggerState: n.state(n.name), filterObjs: n.filters}
		if n == m.root {
			s.name = ""
		}
		path = append(path, s)
	}
	return path, exists
}

// explainer computes one explanation.
type explainer struct {
	m       *Manager
	logger  string
	level   slog.Level
	names   *levels.Names
	filters []string // the ids of the logger's filters that look at each record
	infos   map[*object]*handlerInfo
}

// info returns what the explanation tells of o, described once.
func (x *explainer) info(o *object) *handlerInfo {
	in, ok := x.infos[o]
	if !ok {
		if x.infos == nil {
			x.infos = map[*object]*handlerInfo{}
		}
		in = o.describe()
		x.infos[o] = in
	}
	return in
}

func (x *explainer) explain(path []explainState, exists bool, lastResort *object) *Explanation {
	first := &path[0]
	e := &Explanation{Logger: x.logger, Exists: exists, Level: x.level, OwnLevel: LevelNotSet, EffectiveLevel: first.eff,
		Passes: true, names: x.names}
	if !first.level.NotSet {
		e.OwnLevel = first.level.Slog
	}
	switch {
	case first.disabled:
		e.Passes, e.Reason, e.Detail = false, ReasonDisabled, "the logger is disabled (disable_existing_loggers)"
	default:
		for i, f := range first.filterObjs {
			info := first.filters[i]
			nf, byName := f.(filters.NameFilter)
			if !byName {
				e.Filters = append(e.Filters, info)
				x.filters = append(x.filters, info.ID)
				continue
			}
			if e.Passes && !nameFilterPasses(nf, x.logger) {
				e.Passes, e.Reason = false, ReasonLoggerFilter
				e.Detail = fmt.Sprintf("the logger's filter %s rejects %s", filterText(info), loggerText(x.logger))
			}
		}
		if e.Passes && x.level < first.eff {
			e.Passes, e.Reason = false, ReasonLoggerLevel
			e.Detail = fmt.Sprintf("the record's level %s is below the logger's effective level %s",
				x.name(x.level), x.name(first.eff))
		}
	}
	if !e.Passes {
		e.Filters = nil
	}
	stop, found := "", 0 // the logger that does not propagate; the handlers met before it
	for _, s := range path {
		for _, o := range s.handlers {
			var out *HandlerOutcome
			if stop == "" {
				found++
			}
			switch {
			case !e.Passes:
				out = x.notReached(o, s.name, e.Reason, e.Detail)
			case stop != "":
				out = x.notReached(o, s.name, ReasonPropagation,
					fmt.Sprintf("%s does not propagate: records stop there", loggerText(stop)))
			default:
				out = x.handler(o, s.name, mode{level: true, enabled: !o.h.Trusted()})
			}
			e.Handlers = append(e.Handlers, out)
		}
		if !s.propagate && stop == "" {
			stop = s.name
		}
	}
	if found == 0 {
		switch {
		case lastResort == nil:
			e.Notice = e.Passes
		case !e.Passes:
			e.LastResort = x.notReached(lastResort, "", e.Reason, e.Detail)
		default:
			e.LastResort = x.handler(lastResort, "", mode{level: true, enabled: !lastResort.h.Trusted()})
			if e.LastResort.Outcome != OutcomeNotReached {
				e.LastResort.Detail = "no handler is met on the way to root: the last resort takes the record"
			}
		}
	}
	return e
}

// mode is how a handler is met: whether its level applies, and whether
// its Enabled is asked.
type mode struct {
	level   bool
	enabled bool
}

func (x *explainer) name(l slog.Level) string { return levelName(l, x.names) }

func (x *explainer) notReached(o *object, logger string, r Reason, detail string) *HandlerOutcome {
	out := x.outcome(o, logger)
	out.Outcome, out.Reason, out.Detail = OutcomeNotReached, r, detail
	return out
}

func (x *explainer) outcome(o *object, logger string) *HandlerOutcome {
	out := &HandlerOutcome{ID: o.id, Logger: logger, Outcome: OutcomeReached}
	if in := x.info(o); in != nil {
		out.Class = in.class
	}
	return out
}

// handler is what becomes of the record at handler object o, met as md
// says, and at the handlers it passes the record to.
func (x *explainer) handler(o *object, logger string, md mode) *HandlerOutcome {
	out := x.outcome(o, logger)
	kind := ""
	if in := x.info(o); in != nil {
		kind = in.kind
	}
	if kind == "null" {
		out.Outcome, out.Reason, out.Detail = OutcomeNotReached, ReasonNull, "a null handler takes no record"
		return out
	}
	if l := o.h.Level(); md.level && x.level < l {
		out.Outcome, out.Reason = OutcomeNotReached, ReasonHandlerLevel
		out.Detail = fmt.Sprintf("the handler's level %s is above %s", x.name(l), x.name(x.level))
		return out
	}
	var record []string
	for i, f := range o.h.Filters() {
		nf, byName := f.(filters.NameFilter)
		if !byName {
			record = append(record, x.filterID(o, i))
			continue
		}
		if !nameFilterPasses(nf, x.logger) {
			out.Outcome, out.Reason = OutcomeNotReached, ReasonHandlerFilter
			out.Detail = fmt.Sprintf("the handler's filter %s rejects %s", filterText(x.filterInfo(o, i)), loggerText(x.logger))
			return out
		}
	}
	if md.enabled && !x.m.dryRun && !enabled(o, x.level) {
		out.Outcome, out.Reason = OutcomeNotReached, ReasonClass
		out.Detail = fmt.Sprintf("the handler's class %q is not enabled for %s", out.Class, x.name(x.level))
		return out
	}
	if fs := append(slices.Clone(x.filters), record...); len(fs) > 0 {
		out.Outcome, out.Reason, out.Filters = OutcomeDepends, ReasonRecordFilter, fs
		distinct := slices.Compact(slices.Clone(fs))
		out.Detail = "only if " + plural(len(distinct), "filter ", "filters ") + quoteList(distinct) +
			plural(len(distinct), " passes", " pass") + " the record"
	}
	x.wrapped(o, kind, out)
	return out
}

func (x *explainer) filterInfo(o *object, i int) TreeFilter {
	if in := x.info(o); in != nil && i < len(in.filters) {
		return in.filters[i]
	}
	return TreeFilter{Class: fmt.Sprintf("%T", o.h.Filters()[i])}
}

func (x *explainer) filterID(o *object, i int) string {
	if f := x.filterInfo(o, i); f.ID != "" {
		return f.ID
	}
	return fmt.Sprintf("#%d", i)
}

// wrapped explains what a handler that got the record (out) passes on to
// the handlers it wraps.
func (x *explainer) wrapped(o *object, kind string, out *HandlerOutcome) {
	if len(o.deps) == 0 {
		if kind == "memory" {
			out.Reason, out.Detail = ReasonNoTarget, "no target: the memory handler drops the record"
		}
		return
	}
	var w wrapInfo
	if in := x.info(o); in != nil {
		w = in.wrap
	}
	via := out.Logger
	switch kind {
	case "queue":
		for _, d := range o.deps {
			c := x.handler(d, via, mode{level: w.respect, enabled: w.respect})
			if c.Outcome != OutcomeNotReached {
				note := fmt.Sprintf("passed on by queue %q from its goroutine", o.id)
				if l := d.h.Level(); !w.respect && x.level < l {
					note += fmt.Sprintf(", its level %s not applied (respect_handler_level is false)", x.name(l))
				}
				addNote(c, note)
			}
			out.Handlers = append(out.Handlers, c)
		}
	case "memory":
		c := x.handler(o.deps[0], via, mode{})
		if c.Outcome != OutcomeNotReached {
			switch {
			case x.level >= w.flushLevel:
				addNote(c, fmt.Sprintf("flushed at once: the record reaches the flush level %s (a flush bypasses the target's level)", x.name(w.flushLevel)))
			case w.capacity <= 1:
				addNote(c, "flushed at once: the buffer's capacity is 1 (a flush bypasses the target's level)")
			case w.flushOnClose:
				addNote(c, fmt.Sprintf("held until a flush: %d records buffered, a record of %s or above, or close (a flush bypasses the target's level)",
					w.capacity, x.name(w.flushLevel)))
			default:
				c.Outcome, c.Reason = OutcomeDepends, ReasonHeld
				addNote(c, fmt.Sprintf("held until a flush (%d records buffered or a record of %s or above); dropped at close if none comes (flushOnClose is false)",
					w.capacity, x.name(w.flushLevel)))
			}
		}
		out.Handlers = append(out.Handlers, c)
	case "failover":
		taken := ""
		for _, d := range o.deps {
			if taken != "" {
				out.Handlers = append(out.Handlers, x.notReached(d, via, ReasonFailover,
					fmt.Sprintf("failover %q gives the record to %q first: this one gets it only if that one fails", o.id, taken)))
				continue
			}
			c := x.handler(d, via, mode{level: true, enabled: true})
			if c.Outcome != OutcomeNotReached {
				taken = d.id
			}
			out.Handlers = append(out.Handlers, c)
		}
	case "router":
		x.routes(o, w, out)
	case "pool":
		var took []*HandlerOutcome
		for _, d := range o.deps {
			c := x.handler(d, via, mode{level: true, enabled: true})
			if c.Outcome != OutcomeNotReached {
				took = append(took, c)
			}
			out.Handlers = append(out.Handlers, c)
		}
		if len(took) > 1 {
			for _, c := range took {
				c.Outcome, c.Reason = OutcomeDepends, ReasonPool
				c.Detail = fmt.Sprintf("pool %q gives each record to one of its handlers, in turn", o.id)
			}
		}
	default:
		for _, d := range o.deps {
			c := x.handler(d, via, mode{})
			if c.Outcome != OutcomeNotReached {
				c.Outcome, c.Reason = OutcomeDepends, ReasonClass
				c.Detail = fmt.Sprintf("handler class %q decides what it passes on", out.Class)
			}
			out.Handlers = append(out.Handlers, c)
		}
	}
}

// addNote adds a note to an outcome's Detail.
func addNote(h *HandlerOutcome, note string) {
	if h.Detail == "" {
		h.Detail = note
		return
	}
	h.Detail += "; " + note
}

// routes explains a router: each handler whose route matches the record
// and which is enabled for it gets it; with firstMatch, only the first
// whose route matches.
func (x *explainer) routes(o *object, w wrapInfo, out *HandlerOutcome) {
	matched, maybe := false, false // an earlier route surely matched; one may have
	for i, d := range o.deps {
		if w.firstMatch && matched {
			out.Handlers = append(out.Handlers, x.notReached(d, out.Logger, ReasonRoute, "an earlier route of the router matches the record first"))
			continue
		}
		var rt handlers.Route
		if i < len(w.routes) {
			rt = w.routes[i]
		}
		if rt.MinLevel != nil && x.level < rt.MinLevel.Level() {
			out.Handlers = append(out.Handlers, x.notReached(d, out.Logger, ReasonRoute,
				fmt.Sprintf("its route wants level %s or above", x.name(rt.MinLevel.Level()))))
			continue
		}
		if rt.MaxLevel != nil && x.level > rt.MaxLevel.Level() {
			out.Handlers = append(out.Handlers, x.notReached(d, out.Logger, ReasonRoute,
				fmt.Sprintf("its route wants level %s or below", x.name(rt.MaxLevel.Level()))))
			continue
		}
		c := x.handler(d, out.Logger, mode{level: true, enabled: true})
		if c.Outcome != OutcomeNotReached {
			switch {
			case len(rt.Attrs) > 0:
				c.Outcome, c.Reason = OutcomeDepends, ReasonRoute
				c.Detail = "only a record with the attributes " + attrList(rt.Attrs) + " matches its route"
			case w.firstMatch && maybe:
				c.Outcome, c.Reason = OutcomeDepends, ReasonRoute
				c.Detail = "only if no earlier route of the router matches the record"
			}
		}
		if len(rt.Attrs) > 0 {
			maybe = true
		} else {
			matched = true
		}
		out.Handlers = append(out.Handlers, c)
	}
}

func attrList(attrs map[string]string) string {
	parts := make([]string, 0, len(attrs))
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		parts = append(parts, k+"="+attrs[k])
	}
	return strings.Join(parts, ", ")
}

// enabled asks the handler a program registered whether it is enabled for
// level, as a route does before it passes a record to it: a panic counts
// as enabled, as it does there.
func enabled(o *object, level slog.Level) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = true
		}
	}()
	return o.h.Handler().Enabled(context.Background(), level)
}

// nameFilterPasses applies a name filter to a logger name, a panic counting as
// a rejection, as it does when a route is computed.
func nameFilterPasses(f filters.NameFilter, name string) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return f.FilterName(pythonName(name))
}

func filterText(f TreeFilter) string {
	s := fmt.Sprintf("%q", f.ID)
	if f.isPythonName() {
		return s + " (name " + pyRepr(f.Name) + ")"
	}
	return s + " (" + f.Class + ")"
}

func loggerText(name string) string {
	if name == "" {
		return "root"
	}
	return fmt.Sprintf("logger %q", name)
}

func quoteList(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = fmt.Sprintf("%q", id)
	}
	return strings.Join(q, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// ReachedIDs returns the ids of the handlers the record reaches for sure
// (OutcomeReached), at every depth, in the order it meets them; a handler
// met twice is listed twice. The last resort is "lastResort".
func (e *Explanation) ReachedIDs() []string {
	var ids []string
	var walk func(hs []*HandlerOutcome)
	walk = func(hs []*HandlerOutcome) {
		for _, h := range hs {
			if h.Outcome == OutcomeReached {
				ids = append(ids, h.ID)
				walk(h.Handlers)
			}
		}
	}
	walk(e.Handlers)
	if e.LastResort != nil {
		walk([]*HandlerOutcome{e.LastResort})
	}
	return ids
}
