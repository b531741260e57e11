package slogconfig

import (
	"fmt"

	"github.com/slogtree/slogtree/internal/levels"
)

// commit is the commit step: the first that changes anything outside the
// configuration. Files opened in mode "w" that the configuration in force
// does not write are truncated, the rotation settings and schedules of the
// files the configuration rotates take effect, its level names are
// registered, and an incremental configuration's handler levels are set on
// the handler objects in force (so that every route and wrapper using one
// sees the new level, as Python's setLevel on its one object does). Nothing
// here can refuse the configuration: a failure (a file that cannot be
// truncated) is reported and the configuration goes on.
func (m *Manager) commit(s *spec, p *prepared) {
	if p.opener != nil {
		if err := p.opener.Commit(); err != nil {
			m.report(fmt.Errorf("slogconfig: applying the configuration's files: %w", err))
		}
	}
	if s.pending.Len() > 0 {
		if err := levels.Register(s.pending); err != nil {
			m.report(fmt.Errorf("slogconfig: slogtree_levels: %w", err))
		}
	}
	if s.incremental {
		for _, h := range s.handlers {
			if h.levelRaw != nil {
				m.named[h.id].h.SetLevel(h.level.Threshold())
			}
		}
	}
}
