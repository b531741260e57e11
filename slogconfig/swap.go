package slogconfig

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slogtree/slogtree/filters"
	"github.com/slogtree/slogtree/handlers"
	"github.com/slogtree/slogtree/internal/levels"
)

// generation is one installed configuration: the routes of every logger
// point at it while it is in force, and it counts the records in flight
// through it so that retiring it can wait for them.
type generation struct {
	active  atomic.Int64
	retired atomic.Bool
	objs    []*object   // the handler objects it uses, each once
	closers []io.Closer // the filters it uses that have a Close, each once
	off     *route      // the route of every disabled logger
	// closeAll: retiring it closes every filter it used, even those a
	// newer generation still uses (Shutdown flushes every filter).
	closeAll bool
}

// offRoute returns the generation's route that takes no record.
func (g *generation) offRoute() *route {
	if g.off == nil {
		g.off = &route{gen: g, min: levels.None, level: levels.None}
	}
	return g.off
}

// swap installs g: every logger's route, computed by routeAll (which also
// lists the objects g uses), points at g from now on. It returns the
// generation g replaces. Call it with Manager.mu held.
func (m *Manager) swap(g *generation, ex *existing) *generation {
	old := m.gen
	m.routeAll(g, ex)
	m.gen = g
	m.resMu.Lock()
	for _, o := range g.objs {
		o.refs++
	}
	for _, c := range g.closers {
		if hashable(c) {
			if m.filterRefs == nil {
				m.filterRefs = map[io.Closer]int{}
			}
			m.filterRefs[c]++
		}
	}
	m.resMu.Unlock()
	return old
}

// useFilters adds the filters of fs that have a Close to g.closers, each
// once.
func (g *generation) useFilters(fs []filters.Filter) {
	for _, f := range fs {
		c, ok := f.(io.Closer)
		if !ok || slices.ContainsFunc(g.closers, func(d io.Closer) bool { return sameCloser(c, d) }) {
			continue
		}
		g.closers = append(g.closers, c)
	}
}

// retire retires g in the background: once the records in flight through
// g are delivered, the handler objects no newer generation uses are
// closed, wrappers first (a queue or memory handler flushes into handlers
// that are still open), then the filters with a Close that no newer
// generation uses (all of g's, for Shutdown), which report the records
// they dropped and had not reported yet. It never blocks the caller: a
// queue whose target blocks holds up only its own retirement. Shutdown
// waits for every retirement; ShutdownContext abandons them at its
// deadline.
func (m *Manager) retire(g *generation) {
	if g == nil {
		return
	}
	g.retired.Store(true)
	abandon := m.retiring.start()
	go func() {
		defer m.retiring.done()
		waitIdle(g, abandon)
		m.resMu.Lock()
		var closing []*object
		for _, o := range g.objs {
			if o.refs--; o.refs == 0 {
				closing = append(closing, o)
			}
		}
		var filts []io.Closer
		for _, c := range g.closers {
			last := true
			if hashable(c) {
				if m.filterRefs[c]--; m.filterRefs[c] > 0 {
					last = false
				} else {
					delete(m.filterRefs, c)
				}
			}
			if last || g.closeAll {
				filts = append(filts, c)
			}
		}
		m.resMu.Unlock()
		slices.SortFunc(closing, func(a, b *object) int { return cmp.Compare(b.seq, a.seq) })
		for _, o := range closing {
			if err := closeObject(abandon, o); err != nil {
				m.report(fmt.Errorf("slogconfig: closing handler %q: %w", o.id, err))
			}
		}
		// After the handlers: a queue or memory handler closed above may
		// have delivered records through these filters.
		for _, c := range filts {
			if err := closeFilter(c); err != nil {
				m.report(fmt.Errorf("slogconfig: closing filter %T: %w", c, err))
			}
		}
	}()
}

// closeFilter closes a filter, turning a panic into an error.
func closeFilter(c io.Closer) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("close panicked: %v", p)
		}
	}()
	return c.Close()
}

// hashable reports whether c can be a map key. A filter of a type that
// cannot is closed by every retirement of a generation that used it.
func hashable(c io.Closer) bool {
	t := reflect.TypeOf(c)
	return t != nil && t.Comparable()
}

// sameCloser reports whether a and b are the same filter, without the
// panic of == on values of an uncomparable type.
func sameCloser(a, b io.Closer) bool {
	return reflect.TypeOf(a) == reflect.TypeOf(b) && hashable(a) && a == b
}

// waitIdle waits until no record is in flight through g, or until abandon
// is done.
func waitIdle(g *generation, abandon context.Context) {
	for i := 0; g.active.Load() != 0; i++ {
		if i < 64 {
			runtime.Gosched()
			continue
		}
		t := time.NewTimer(time.Duration(min(i-63, 1000)) * time.Microsecond)
		select {
		case <-abandon.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// closeObject closes a handler object. A handler that holds records (a
// queue or memory handler) delivers them first; if abandon is done before
// it could, it drops them, and the error says how many. A panic in a
// registered class's close is returned as an error.
func closeObject(abandon context.Context, o *object) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("close panicked: %v", p)
		}
	}()
	if c, ok := o.h.Handler().(handlers.ContextCloser); ok {
		err = c.CloseContext(abandon)
	}
	return errors.Join(err, o.h.Close())
}

// retirements counts the retirements in progress. Waiting for them needs
// no goroutine, and a wait given up does not stop new ones from starting.
type retirements struct {
	mu         sync.Mutex
	n          int
	idle       chan struct{}   // closed when n falls to 0
	abandon    context.Context // cancelled when ShutdownContext gives up waiting
	abandonNow context.CancelFunc
}

// start counts a new retirement and returns the context that tells it to
// give up.
func (r *retirements) start() context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == 0 {
		r.idle = make(chan struct{})
	}
	r.n++
	if r.abandon == nil {
		r.abandon, r.abandonNow = context.WithCancel(context.Background())
	}
	return r.abandon
}

func (r *retirements) done() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n--; r.n == 0 {
		close(r.idle)
	}
}

// idleChan returns a channel closed once no retirement is in progress,
// or nil when none is now.
func (r *retirements) idleChan() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == 0 {
		return nil
	}
	return r.idle
}

// giveUp tells the retirements in progress to drop what they still hold;
// later ones start afresh.
func (r *retirements) giveUp() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.abandonNow != nil {
		r.abandonNow()
	}
	r.abandon, r.abandonNow = nil, nil
}

// waitRetired waits for every retirement to finish, or until ctx is done:
// then it abandons them, which makes each drop what it still holds, and
// returns ctx's error once they have reported it.
func (m *Manager) waitRetired(ctx context.Context) error {
	idle := m.retiring.idleChan()
	if idle == nil {
		return nil
	}
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
	}
	m.retiring.giveUp()
	// Abandoned handlers return at once with what they dropped, which the
	// retirements report. Only a handler call that is itself blocked (a
	// closer of a registered class, say) outlives this wait.
	t := time.NewTimer(settle)
	defer t.Stop()
	select {
	case <-idle:
	case <-t.C:
	}
	return ctx.Err()
}
