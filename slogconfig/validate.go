package slogconfig

import (
	"fmt"
	"slices"
	"strings"

	"github.com/slogtree/slogtree/filters"
	"github.com/slogtree/slogtree/formatters"
	"github.com/slogtree/slogtree/internal/levels"
)

// validated is what validate finds besides problems.
type validated struct {
	warnings []*ConfigWarning
}

// validate is the validate step: it resolves every reference (formatter,
// filter and handler ids; the handlers of an incremental configuration
// among running, those in force), orders the handlers so that each comes after the
// handlers it names and reports cycles, parses every level (with the
// configuration's own level names, which are not registered yet), builds
// the formatters and filters, reads the arguments of every handler class
// without opening anything, and refuses handlers that would share a file
// in ways that cannot be shared. It does no I/O and changes nothing
// outside s: a configuration that passes it may still fail at prepare
// only where the file system or a registered class's New says no.
func validate(s *spec, running map[string]*object, report func(error), errs *problems) *validated {
	v := &validator{s: s, running: running, report: report, errs: errs, failed: s.failed, out: &validated{}}
	v.levelNames()
	if s.incremental {
		v.incremental()
		return v.out
	}
	s.formatterByID = map[string]*formatterSpec{}
	for _, f := range s.formatters {
		v.formatter(f)
	}
	s.filterByID = map[string]*filterSpec{}
	for _, f := range s.filters {
		v.filter(f)
	}
	s.handlerByID = map[string]*handlerSpec{}
	for _, h := range s.handlers {
		s.handlerByID[h.id] = h
	}
	s.handlers = v.handlerOrder()
	for _, h := range s.handlers {
		v.handler(h)
	}
	v.files()
	for _, l := range s.loggers {
		v.logger(l)
	}
	if s.root != nil {
		v.logger(s.root)
	}
	return v.out
}

// validator holds the state of one validate step.
type validator struct {
	s       *spec
	running map[string]*object // the handlers in force, for an incremental configuration
	report  func(error)        // the Manager's error handler, for handler classes
	errs    *problems
	failed  map[string]bool // paths of entries that failed: references to them are not reported again
	out     *validated
}

// levelNames reads slogtree_levels, in sorted order: a name may be used by
// the levels of the rest of the configuration and by the names after it.
func (v *validator) levelNames() {
	v.s.pending = v.s.knownNames.Clone()
	for _, ln := range v.s.levelNames {
		l, err := levels.ParseWith(ln.raw, v.s.pending)
		if err != nil {
			v.errs.add(ln.path, err)
			continue
		}
		if l.NotSet {
			v.errs.addf(ln.path, "a level name cannot name NOTSET")
			continue
		}
		if err := v.s.pending.Add(ln.name, l.Slog); err != nil {
			v.errs.add(ln.path, err)
		}
	}
}

// level parses a configured level with the configuration's level names.
func (v *validator) level(path string, raw any) (levels.Level, bool) {
	l, err := levels.ParseWith(raw, v.s.pending)
	if err != nil {
		v.errs.add(path, err)
		return levels.Level{}, false
	}
	return l, true
}

func (v *validator) formatter(f *formatterSpec) {
	built, err := safeCall(func() (formatters.Formatter, error) {
		return f.cls(&FormatterConfig{ID: f.id, Args: f.args, Factory: f.factory, ThreadName: v.s.threadName})
	})
	if err == nil && built == nil {
		err = fmt.Errorf("formatter class %q returned no formatter", f.class)
	}
	if err != nil {
		v.errs.add(f.path, err)
		v.failed[f.path] = true
		return
	}
	f.built = built
	v.s.formatterByID[f.id] = f
}

func (v *validator) filter(f *filterSpec) {
	var built filters.Filter
	var err error
	if f.class != "" {
		fc := &FilterConfig{ID: f.id, Args: f.args, report: v.report, levelNames: v.s.pending}
		built, err = safeCall(func() (filters.Filter, error) { return f.cls(fc) })
		if err == nil && built == nil {
			err = fmt.Errorf("filter class %q returned no filter", f.class)
		}
	} else {
		var name string
		if name, err = argString(f.args, "name", ""); err == nil {
			built = filters.Name(name)
		}
		// Python ignores a filter's class: without "()" the filter is
		// logging.Filter(name) whatever the class says.
		if cl, ok := f.args["class"]; ok && cl != "logging.Filter" && cl != "name" {
			v.out.warnings = append(v.out.warnings, &ConfigWarning{Path: f.path + ".class",
				Msg: fmt.Sprintf("ignored, as Python ignores it: this filter is logging.Filter(name=%q); name a filter class with \"()\"", name)})
		}
	}
	if err != nil {
		v.errs.add(f.path, err)
		v.failed[f.path] = true
		return
	}
	f.built = built
	v.s.filterByID[f.id] = f
}

// handlerOrder returns the handlers so that every handler comes after the
// handlers it refers to, ties in sorted order, and reports cycles.
func (v *validator) handlerOrder() []*handlerSpec {
	const (
		unseen = iota
		active
		done
	)
	state := map[string]int{}
	var order []*handlerSpec
	var stack []string
	var visit func(h *handlerSpec)
	visit = func(h *handlerSpec) {
		switch state[h.id] {
		case done:
			return
		case active:
			i := slices.Index(stack, h.id)
			cycle := append(slices.Clone(stack[i:]), h.id)
			v.errs.addf("handlers."+stack[len(stack)-1], "handler references form a cycle: %s", strings.Join(cycle, " -> "))
			for _, id := range stack[i:] {
				v.failed["handlers."+id] = true
			}
			return
		}
		state[h.id] = active
		stack = append(stack, h.id)
		for _, r := range sortedRefs(h.refs) {
			if to := v.s.handlerByID[r.id]; to != nil {
				visit(to)
			}
		}
		stack = stack[:len(stack)-1]
		state[h.id] = done
		order = append(order, h)
	}
	for _, h := range v.s.handlers {
		visit(h)
	}
	return order
}

// sortedRefs returns refs ordered by the argument they are in, then as
// written: the order in which handlers are visited for their references.
func sortedRefs(refs []ref) []ref {
	out := slices.Clone(refs)
	slices.SortStableFunc(out, func(a, b ref) int { return strings.Compare(a.path, b.path) })
	return out
}

// resolve reports whether a reference of kind ("formatter", "filter",
// "handler") to id at r names something; a reference to an entry that
// failed is not reported again, but counts as unresolved.
func (v *validator) resolve(kind string, r ref, exists bool) bool {
	if exists {
		return true
	}
	if !v.failed[kind+"s."+r.id] {
		v.errs.addf(r.path, "unknown %s %s", kind, describe(r.raw))
	}
	return false
}

func (v *validator) handler(h *handlerSpec) {
	n := len(*v.errs)
	ok := !v.failed[h.path] // failed at schema: its class is not read, but the rest is checked
	h.trusted = h.class != nil && h.class.builtin
	h.level = levels.Level{NotSet: true}
	if h.levelRaw != nil {
		if l, good := v.level(h.path+".level", h.levelRaw); good {
			h.level = l
		}
	}
	if h.formatter != nil {
		f := v.s.formatterByID[h.formatter.id]
		if v.resolve("formatter", *h.formatter, f != nil) {
			h.fmt = f
			h.trusted = h.trusted && f.builtin
		} else {
			ok = false
		}
	}
	for _, r := range h.filters {
		f := v.s.filterByID[r.id]
		if v.resolve("filter", r, f != nil) {
			h.filts = append(h.filts, f.built)
			h.filtInfo = append(h.filtInfo, describeFilter(f))
			h.trusted = h.trusted && f.builtin
		} else {
			ok = false
		}
	}
	for _, r := range h.refs {
		if to := v.s.handlerByID[r.id]; to == nil || v.failed[to.path] {
			if to == nil && !v.failed["handlers."+r.id] {
				v.errs.addf(r.path, "unknown handler %q", r.id)
			}
			ok = false
		}
	}
	if !ok || len(*v.errs) > n {
		v.failed[h.path] = true
		return
	}
	hc := handlerConfig(v.s, h, v.report, &v.out.warnings)
	var err error
	switch {
	case h.class.plan != nil:
		h.plan, err = h.class.plan(hc)
		h.trusted = h.trusted && err == nil && !h.plan.userCode
	case h.class.Check != nil:
		err = safeCheck(h.class.Check, hc)
	}
	if err != nil {
		v.errs.add(h.path, err)
		v.failed[h.path] = true
	}
}

// handlerConfig returns what a handler class reads its arguments from;
// its warnings are added to *warnings, its errors after configuration go
// to report.
func handlerConfig(s *spec, h *handlerSpec, report func(error), warnings *[]*ConfigWarning) *HandlerConfig {
	hc := &HandlerConfig{ID: h.id, Args: h.args, Props: h.props, ThreadName: s.threadName, levelNames: s.pending, report: report}
	if h.fmt != nil {
		hc.Formatter = h.fmt.built
	}
	hc.warn = func(msg string) { *warnings = append(*warnings, &ConfigWarning{Path: h.path, Msg: msg}) }
	return hc
}

// files refuses handlers that would share a file in a way that cannot be
// shared: different rotation settings or permissions on one path, or mode
// "x" (which fails on a file that exists) beside another handler.
func (v *validator) files() {
	type use struct {
		h *handlerSpec
		f fileUse
	}
	byPath := map[string][]use{}
	var paths []string
	for _, h := range v.s.handlers {
		if h.plan == nil {
			continue
		}
		for _, f := range h.plan.files {
			if byPath[f.path] == nil {
				paths = append(paths, f.path)
			}
			byPath[f.path] = append(byPath[f.path], use{h, f})
		}
	}
	for _, p := range paths {
		uses := byPath[p]
		for j, u := range uses {
			for _, earlier := range uses[:j] {
				if why := conflict(earlier.f, u.f); why != "" {
					v.errs.addf(u.h.path+"."+u.f.key, "%s and %s write the same file %q, but %s", earlier.h.path, u.h.path, p, why)
					v.failed[u.h.path] = true
					break
				}
			}
		}
	}
}

// conflict says why two handlers cannot share a file, or "" if they can.
func conflict(a, b fileUse) string {
	switch {
	case a.exclusive || b.exclusive:
		return `mode "x" wants a file no other handler writes`
	case a.rotation != nil && b.rotation != nil && a.rotation != b.rotation:
		return "they rotate it differently; give them the same rotation settings, or one of them no rotation"
	case a.perm != b.perm:
		return fmt.Sprintf("with different permissions (%04o and %04o)", a.perm, b.perm)
	}
	return ""
}

func (v *validator) logger(l *loggerSpec) {
	if l.levelRaw != nil {
		if lv, ok := v.level(l.path+".level", l.levelRaw); ok {
			l.level = &lv
		}
	}
	if l.handlers != nil {
		l.hs = []*handlerSpec{}
	}
	for _, r := range l.handlers {
		h := v.s.handlerByID[r.id]
		if h == nil || v.failed[h.path] {
			if h == nil && !v.failed["handlers."+r.id] {
				v.errs.addf(r.path, "unknown handler %s", describe(r.raw))
			}
			continue
		}
		// Python's addHandler adds a handler once however often it is
		// listed.
		if !slices.Contains(l.hs, h) {
			l.hs = append(l.hs, h)
		}
	}
	for _, r := range l.filters {
		if f := v.s.filterByID[r.id]; v.resolve("filter", r, f != nil) {
			l.filts = append(l.filts, f.built)
			l.filtInfo = append(l.filtInfo, describeFilter(f))
		}
	}
}

// incremental validates an incremental configuration: the handlers it
// names must be among those in force.
func (v *validator) incremental() {
	for _, h := range v.s.handlers {
		if _, ok := v.running[h.id]; !ok {
			v.errs.addf(h.path, "no handler found with name %q", h.id)
			continue
		}
		if h.levelRaw != nil {
			if l, ok := v.level(h.path+".level", h.levelRaw); ok {
				h.level = l
			}
		}
	}
	for _, l := range v.s.loggers {
		v.logger(l)
	}
	if v.s.root != nil {
		v.logger(v.s.root)
	}
}

// safeCall calls a formatter or filter class, turning a panic into an
// error.
func safeCall[T any](f func() (T, error)) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("class panicked: %v", r)
		}
	}()
	return f()
}

// safeCheck calls a registered handler class's Check, turning a panic into
// an error.
func safeCheck(check func(*HandlerConfig) error, hc *HandlerConfig) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler class panicked in Check: %v", r)
		}
	}()
	return check(hc)
}
