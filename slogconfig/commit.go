package slogconfig

import (
	"fmt"

	"github.com/slogtree/slogtree/internal/levels"
)

// commit is the commit step: the first that changes anything outside the
// configuration. Files opened in mode "w" that no other handle has open
// are truncated, the rotation settings and schedules of the files the
// configuration rotates take effect, and its level names are registered.
// A dry run ([WithDryRun]) commits nothing. Nothing here can refuse the
// configuration: a failure (a file that cannot
// be truncated) is reported and the configuration goes on. An incremental
// configuration's handler levels are set by the swap, on the handler
// objects in force (see [Manager.install]).
func (m *Manager) commit(s *spec, p *prepared) {
	if p.opener != nil {
		if err := p.opener.Commit(); err != nil {
			m.report(fmt.Errorf("slogconfig: applying the configuration's files: %w", err))
		}
	}
	if s.pending.Len() > 0 && !m.dryRun {
		if err := levels.Register(s.pending); err != nil {
			m.report(fmt.Errorf("slogconfig: slogtree_levels: %w", err))
		}
	}
}
