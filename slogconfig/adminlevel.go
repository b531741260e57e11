package slogconfig

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/slogtree/slogtree/internal/levels"
)

// adminLoggerName is the logger on which an admin endpoint logs every
// change it makes or refuses.
const adminLoggerName = "slogtree.admin"

// adminLevels is a Manager's account of the levels set through its admin
// endpoints ([Manager.AdminHandler]) that are in force: for each logger,
// the level set, the level the configurations give it (which it reverts
// to), and the expiry. It is guarded by Manager.cfgMu, so that it changes
// with the configurations, one at a time; what changes a logger's level
// holds Manager.mu too.
//
// The rule with the other configurations: a full configuration takes every
// level back before it applies (it applies as if none had been set, and
// the expiries are cancelled); an incremental one replaces those of the
// loggers whose level it sets (the newer change wins, and a later expiry
// must not undo it) and leaves the others.
type adminLevels struct {
	byName map[string]*adminLevel // by logger name, "" for root
	// expiring holds the ends of the expiries whose timer has fired (or
	// could no longer be stopped) and whose function may still run, so
	// that Shutdown waits for them.
	expiring []chan struct{}
}

// adminLevel is one level set through an admin endpoint. It is not
// changed once in the account.
type adminLevel struct {
	name    string        // "" for root
	level   levels.Level  // the level set
	base    levels.Level  // the level the configurations give the logger, which it reverts to
	expires time.Time     // zero: it stays until reverted or replaced
	timer   adminTimer    // nil without an expiry
	done    chan struct{} // closed when the timer's function returns
}

// loggerName names a's logger as the endpoint does: root is "root".
func (a *adminLevel) loggerName() string { return adminName(a.name) }

// adminName names a logger as an admin endpoint does: root is "root".
func adminName(name string) string {
	if name == "" {
		return "root"
	}
	return name
}

// drop removes a from the account and stops its timer. A timer that can
// no longer be stopped has started its function, which finds a gone and
// does nothing; Shutdown waits for it.
func (t *adminLevels) drop(a *adminLevel) {
	if t.byName[a.name] == a {
		delete(t.byName, a.name)
	}
	if a.timer != nil && !a.timer.Stop() {
		t.expiring = slices.DeleteFunc(t.expiring, closed)
		t.expiring = append(t.expiring, a.done)
	}
}

func closed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// replacedBy drops the levels of the loggers whose level incremental
// configuration s sets, and returns them.
func (t *adminLevels) replacedBy(s *spec) []*adminLevel {
	if len(t.byName) == 0 {
		return nil
	}
	var out []*adminLevel
	take := func(name string) {
		if isRoot(name) {
			name = ""
		}
		if a := t.byName[name]; a != nil {
			t.drop(a)
			out = append(out, a)
		}
	}
	for _, l := range s.loggers {
		if l.level != nil {
			take(l.name)
		}
	}
	if s.root != nil && s.root.level != nil {
		take("")
	}
	return out
}

// takeBack gives every logger with a level in the account the level the
// configurations gave it, drops them all, and returns them by name: a
// full configuration then applies as if they had never been set. Call it
// with Manager.mu held.
func (t *adminLevels) takeBack(m *Manager) []*adminLevel {
	out := slices.SortedFunc(maps.Values(t.byName), func(a, b *adminLevel) int { return strings.Compare(a.name, b.name) })
	for _, a := range out {
		n := m.root
		if a.name != "" {
			n = m.nodes[a.name]
		}
		if n != nil {
			n.level = a.base
		}
		t.drop(a)
	}
	return out
}

// stopAll drops every level of the account, leaving the loggers as they
// are, and returns the ends of the expiries that may still run.
func (t *adminLevels) stopAll() []chan struct{} {
	for _, a := range t.byName {
		t.drop(a)
	}
	out := t.expiring
	t.expiring = nil
	return out
}

// adminConfig is the incremental configuration that gives the logger
// called name ("" for root) level l.
func adminConfig(name string, l levels.Level) map[string]any {
	v := "NOTSET"
	if !l.NotSet {
		v = levels.SlogName(l.Slog) // read back as the same level, whatever names are registered
	}
	cfg := map[string]any{"version": 1, "incremental": true}
	if name == "" {
		cfg["root"] = map[string]any{"level": v}
	} else {
		cfg["loggers"] = map[string]any{name: map[string]any{"level": v}}
	}
	return cfg
}

// adminChange is what an admin endpoint did to one logger, for its answer
// and its log.
type adminChange struct {
	from, to levels.Level
	set      *adminLevel // the level now in the account, nil when none
	logger   *TreeLogger // the logger after the change; nil for a name no logger has
}

// ownLevel returns the own level of the logger called name ("" for root)
// and whether it exists. Call it with Manager.mu held.
func (m *Manager) ownLevel(name string) (levels.Level, bool) {
	if name == "" {
		return m.root.level, true
	}
	if n := m.nodes[name]; n != nil {
		return n.level, true
	}
	return levels.Level{NotSet: true}, false
}

// adminView returns the logger called name ("" for root) as a snapshot
// shows it, nil when no logger has that name, and its level in the
// account. Call it with Manager.cfgMu held.
func (m *Manager) adminView(name string) (*TreeLogger, *adminLevel) {
	m.mu.Lock()
	_, ok := m.ownLevel(name)
	m.mu.Unlock()
	if !ok {
		return nil, nil
	}
	return m.Tree().Logger(name), m.admin.byName[name]
}

// adminSet gives the logger called name ("" for root), created if need
// be, level l through an incremental configuration, for d (0: until
// reverted or replaced), with clock's timer.
func (m *Manager) adminSet(name string, l levels.Level, d time.Duration, clock adminClock) (adminChange, error) {
	m.cfgMu.Lock()
	defer m.cfgMu.Unlock()
	m.mu.Lock()
	from, _ := m.ownLevel(name)
	m.mu.Unlock()
	base := from
	prev := m.admin.byName[name]
	if prev != nil {
		base = prev.base
	}
	if _, err := m.applyLocked(adminConfig(name, l), &applyOptions{admin: true}); err != nil {
		return adminChange{}, err
	}
	if prev != nil {
		m.admin.drop(prev)
	}
	a := &adminLevel{name: name, level: l, base: base}
	if d > 0 {
		a.expires = clock.Now().Add(d)
		a.done = make(chan struct{})
		// The function waits for cfgMu, held until a is in the account.
		a.timer = clock.AfterFunc(d, func() { m.adminExpire(a) })
	}
	if m.admin.byName == nil {
		m.admin.byName = map[string]*adminLevel{}
	}
	m.admin.byName[name] = a
	lg, _ := m.adminView(name)
	return adminChange{from: from, to: l, set: a, logger: lg}, nil
}

// adminRevert gives the logger called name ("" for root) the level the
// configurations give it, when a level set through an admin endpoint is in
// force; reverted says whether one was.
func (m *Manager) adminRevert(name string) (c adminChange, reverted bool, err error) {
	m.cfgMu.Lock()
	defer m.cfgMu.Unlock()
	a := m.admin.byName[name]
	if a != nil {
		if c, err = m.revertLocked(a); err != nil {
			return c, false, err
		}
	}
	c.logger, c.set = m.adminView(name)
	return c, a != nil, nil
}

// revertLocked gives a's logger its base level and drops a. Call it with
// Manager.cfgMu held.
func (m *Manager) revertLocked(a *adminLevel) (adminChange, error) {
	m.mu.Lock()
	from, _ := m.ownLevel(a.name)
	m.mu.Unlock()
	if _, err := m.applyLocked(adminConfig(a.name, a.base), &applyOptions{admin: true}); err != nil {
		return adminChange{}, err
	}
	m.admin.drop(a)
	return adminChange{from: from, to: a.base}, nil
}

// adminExpire is the function of a's timer: a's logger reverts to its
// base level, unless a was reverted or replaced meanwhile.
func (m *Manager) adminExpire(a *adminLevel) {
	defer close(a.done)
	m.cfgMu.Lock()
	if m.admin.byName[a.name] != a {
		m.cfgMu.Unlock()
		return
	}
	c, err := m.revertLocked(a) // drops a, so that Shutdown waits for this function
	m.cfgMu.Unlock()
	if err != nil {
		m.report(err)
		return
	}
	m.adminLog("level expired", slog.String("logger", a.loggerName()),
		slog.String("from", adminLevelName(c.from)), slog.String("to", adminLevelName(c.to)))
}

// logReplaced logs the levels set through an admin endpoint that a
// configuration replaced.
func (m *Manager) logReplaced(replaced []*adminLevel) {
	for _, a := range replaced {
		m.adminLog("level replaced by a configuration", slog.String("logger", a.loggerName()),
			slog.String("level", adminLevelName(a.level)))
	}
}

// adminLog logs a change, or a refusal, on the slogtree.admin logger.
func (m *Manager) adminLog(msg string, attrs ...slog.Attr) {
	m.Logger(adminLoggerName).LogAttrs(context.Background(), slog.LevelInfo, msg, attrs...)
}

// adminLevelName names level l for a log line: NOTSET is "NOTSET", which
// on a logger other than root means that it inherits its parent's level.
func adminLevelName(l levels.Level) string {
	return levelName(l.Threshold(), nil)
}
