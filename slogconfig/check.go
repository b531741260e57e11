package slogconfig

import "github.com/slogtree/slogtree/handlers"

// Check takes cfg through every step that reads only the configuration
// (convert, schema and validate) and returns the error [Manager.DictConfig]
// would return for it, without applying it: it opens, creates, truncates
// and registers nothing. With [Probe] it also checks that every file the
// configuration names could be opened for writing, still changing nothing.
// Warnings reach the error handler, as when the configuration is applied.
func (m *Manager) Check(cfg map[string]any, opts ...CheckOption) error {
	var co checkOptions
	for _, o := range opts {
		if o != nil {
			o.applyCheck(&co)
		}
	}
	return m.checkWith(cfg, &co)
}

func (m *Manager) checkWith(cfg map[string]any, co *checkOptions) error {
	m.cfgMu.Lock()
	defer m.cfgMu.Unlock()
	s, warnings, err := m.read(cfg, nil)
	if err != nil {
		return err
	}
	if co.probe {
		if err := probe(s); err != nil {
			return err
		}
	}
	for _, w := range warnings {
		m.report(w)
	}
	return nil
}

// A CheckOption configures [Manager.Check] and [Manager.CheckFile].
type CheckOption interface {
	applyCheck(*checkOptions)
}

type checkOptions struct {
	probe bool
	file  fileConfigOptions // for INI files
}

type checkOptionFunc func(*checkOptions)

func (f checkOptionFunc) applyCheck(o *checkOptions) { f(o) }

// Probe makes [Manager.Check] also check that every file the configuration
// names could be opened for writing (see [handlers.ProbeFile]): it creates
// and changes nothing, so a file that does not exist yet is checked by its
// directory.
func Probe() CheckOption {
	return checkOptionFunc(func(o *checkOptions) { o.probe = true })
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
