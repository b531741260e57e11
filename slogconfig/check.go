package slogconfig

import "github.com/slogtree/slogtree/handlers"

// Check takes cfg through every step that reads only the configuration
// (convert, schema and validate) and returns the error [Manager.DictConfig]
// would return for it, without applying it: it opens, creates, truncates
// and registers nothing. Warnings reach the error handler, as when the
// configuration is applied.
func (m *Manager) Check(cfg map[string]any) error {
	return m.checkConfig(cfg, false)
}

// Probe is [Manager.Check], then a check that every file the
// configuration names could be opened for writing (see
// [handlers.ProbeFile]). It still creates and changes nothing: a file that
// does not exist yet is checked by its directory.
func (m *Manager) Probe(cfg map[string]any) error {
	return m.checkConfig(cfg, true)
}

// checkConfig is Check, and with withProbe Probe.
func (m *Manager) checkConfig(cfg map[string]any, withProbe bool) error {
	m.cfgMu.Lock()
	defer m.cfgMu.Unlock()
	s, warnings, err := m.read(cfg, nil)
	if err != nil {
		return err
	}
	if withProbe {
		if err := probe(s); err != nil {
			return err
		}
	}
	for _, w := range warnings {
		m.report(w)
	}
	return nil
}

// probe checks that every file a validated configuration names could be
// opened for writing, creating and changing nothing ([handlers.ProbeFile]).
func probe(s *spec) error {
	var errs problems
	seen := map[string]bool{}
	for _, h := range s.handlers {
		if h.plan == nil {
			continue
		}
		for _, f := range h.plan.files {
			if f.path == "" || seen[f.path] {
				continue
			}
			seen[f.path] = true
			if err := handlers.ProbeFile(f.path); err != nil {
				errs.add(h.path+"."+f.key, err)
			}
		}
	}
	return errs.err()
}
