package slogconfig

import (
	"fmt"

	"github.com/slogtree/slogtree/handlers"
)

// Reopen closes and opens again every file the running configuration
// writes to, for an external rotation: after logrotate's "create" has
// renamed a log file away, the handlers write to a new file at its path.
// Every file of the configuration's handlers (file, watched_file,
// rotating_file, timed_rotating_file, and the files of registered classes
// opened through [HandlerConfig.Opener]) is reopened, whatever logger
// uses it, including handlers that an earlier configuration built and a
// logger it did not name still uses. Files are shared by path with every
// other handler of the process, which moves to the new file too.
//
// Records keep flowing meanwhile: each lands wholly in the old file or
// wholly in the new one, none is lost or written twice, and a rotating
// file counts the new file's size. A file that cannot be opened again
// (its directory was removed) keeps its old descriptor, so that the
// records go on being written where they were; Reopen reports the errors
// to the error handler, each naming its path, returns them joined, and
// still reopens the other files. Reopen waits for a configuration being
// applied, and a configuration waits for it.
func (m *Manager) Reopen() error {
	m.cfgMu.Lock()
	defer m.cfgMu.Unlock()
	m.mu.Lock()
	var openers []*handlers.Opener
	seen := map[*handlers.Opener]bool{}
	for _, o := range m.gen.objs {
		if o.opener != nil && !seen[o.opener] {
			seen[o.opener] = true
			openers = append(openers, o.opener)
		}
	}
	m.mu.Unlock()
	if err := handlers.Reopen(openers...); err != nil {
		err = fmt.Errorf("slogconfig: %w", err)
		m.report(err)
		return err
	}
	return nil
}
