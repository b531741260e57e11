package slogconfig

import (
	"fmt"
	"io"
	"log/slog"
	"slices"

	"github.com/slogtree/slogtree/handlers"
	"github.com/slogtree/slogtree/internal/levels"
)

// prepared is a configuration after the prepare step: its handler objects
// built, their files open but unchanged.
type prepared struct {
	objs     []*object // in build order
	byID     map[string]*object
	opener   *handlers.Opener
	warnings []*ConfigWarning // of registered classes' New
}

// prepare is the prepare step: it builds the handler objects of a
// validated configuration, in dependency order, opening what they write to
// through one [handlers.Opener], which changes nothing a user would see
// (no truncation, no rotation, no new settings on a shared file) until
// commit. It builds every handler it can, so that the error names every
// handler that failed; if one did, it closes what it built and aborts the
// Opener, which removes the files this attempt created.
func (m *Manager) prepare(s *spec) (*prepared, error) {
	p := &prepared{byID: map[string]*object{}}
	if s.incremental {
		return p, nil
	}
	if m.dryRun {
		// Stand-ins with the levels, filters and references of the
		// handlers, and nothing behind them: no class is called.
		for _, h := range s.handlers {
			inner := slog.Handler(standIn{})
			if h.plan != nil && h.plan.kind == "null" {
				inner = handlers.Null
			}
			p.add(m.newObject(h, inner, nil, p))
		}
		return p, nil
	}
	p.opener = handlers.NewOpener()
	var errs problems
	for _, h := range s.handlers {
		if !p.buildable(h) {
			continue
		}
		hc := handlerConfig(s, h, m.report, &p.warnings)
		hc.refs, hc.opener = map[string]slog.Handler{}, p.opener
		for _, r := range h.refs {
			hc.refs[r.id] = p.byID[r.id].h
		}
		inner, closer, err := m.build(h, hc)
		if err != nil {
			errs.add(h.path, err)
			continue
		}
		p.add(m.newObject(h, inner, closer, p))
	}
	if len(errs) > 1 {
		errs.order(entryOrder(s.cfg))
	}
	for _, pe := range errs {
		pe.local = true
	}
	if err := errs.err(); err != nil {
		p.abort()
		return nil, err
	}
	return p, nil
}

// newObject makes the handler object of h over inner, the handler its
// class built, in front of the handler objects it refers to in p.
func (m *Manager) newObject(h *handlerSpec, inner slog.Handler, closer io.Closer, p *prepared) *object {
	m.built++
	level := h.level.Threshold()
	if inner == handlers.Null {
		level = levels.None // Python's NullHandler takes nothing, but counts as a handler
	}
	o := &object{id: h.id, seq: m.built, spec: h, reg: m.reg, h: handlers.New(inner, &handlers.Options{
		Level: level, Filters: h.filts, Name: h.id, OnError: m.report,
		Trusted: h.trusted,
	}, closerOrNil(closer)...), opener: p.opener}
	for _, r := range h.refs {
		o.deps = append(o.deps, p.byID[r.id])
	}
	return o
}

// add adds a built handler object to p.
func (p *prepared) add(o *object) {
	p.objs = append(p.objs, o)
	p.byID[o.id] = o
}

// buildable reports whether every handler h refers to was built.
func (p *prepared) buildable(h *handlerSpec) bool {
	for _, r := range h.refs {
		if p.byID[r.id] == nil {
			return false // that one failed, and is reported
		}
	}
	return true
}

// build calls a handler class: its plan for slogtree's own classes, New for
// a registered one, turning a panic into an error.
func (m *Manager) build(h *handlerSpec, hc *HandlerConfig) (inner slog.Handler, closer io.Closer, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler class panicked: %v", r)
		}
	}()
	if h.plan != nil {
		inner, closer, err = h.plan.build(hc)
	} else {
		inner, closer, err = h.class.New(hc)
	}
	if err == nil && inner == nil {
		err = fmt.Errorf("handler class returned no handler")
	}
	if err != nil && closer != nil {
		_ = closer.Close()
	}
	return inner, closer, err
}

func closerOrNil(c io.Closer) []io.Closer {
	if c == nil {
		return nil
	}
	return []io.Closer{c}
}

// abort closes what prepare built, wrappers first, and aborts the Opener:
// the files this attempt created are removed.
func (p *prepared) abort() {
	for _, o := range slices.Backward(p.objs) {
		_ = o.h.Close()
	}
	if p.opener != nil {
		_ = p.opener.Abort()
	}
}
