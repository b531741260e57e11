package slogconfig

import (
	"fmt"
	"maps"

	"github.com/slogtree/slogtree/internal/convert"
)

// converted is a configuration after the convert step: the values
// dictConfig reads, with ext://, cfg:// and env:// resolved, and the
// version checked. Top-level keys dictConfig does not read are left out,
// as Python never converts them.
type converted struct {
	incremental     any // nil when absent
	disableExisting any
	hasIncremental  bool
	hasDisable      bool
	// sections maps formatters, filters, handlers, loggers and
	// slogtree_levels to their entries, each converted; an entry that failed
	// to convert is reported and left out, its path in failed.
	sections map[string]map[string]any
	root     any  // the root entry, converted
	hasRoot  bool // root is present, not falsy, and converted
	failed   map[string]bool
}

// sectionNames are the sections of a configuration whose entries are ids
// (or names) mapped to entries.
var sectionNames = []string{"slogtree_levels", "formatters", "filters", "handlers", "loggers"}

// convertConfig is the convert step, resolving ext:// values in reg; with
// denyEnv, every env:// value is that error. It checks the version first, as Python
// does, and returns a *ConfigError at once when it is wrong.
func convertConfig(cfg map[string]any, reg *Registry, denyEnv error, errs *problems) (*converted, error) {
	if cfg == nil {
		return nil, &ConfigError{Problems: []*PathError{{Err: ErrNoVersion}}}
	}
	v, ok := cfg["version"]
	if !ok {
		return nil, &ConfigError{Problems: []*PathError{{Path: "version", Err: ErrNoVersion}}}
	}
	if n, isInt := toInt(v); !(isInt && n == 1) && v != true {
		return nil, &ConfigError{Problems: []*PathError{{Path: "version", Err: fmt.Errorf("%w: %s", ErrUnsupportedVersion, describe(v))}}}
	}
	conv := &convert.Converter{Config: cfg, Ext: reg.value, DenyEnv: denyEnv}
	c := &converted{sections: map[string]map[string]any{}, failed: map[string]bool{}}
	value := func(path string, v any) (any, bool) {
		out, err := conv.Value(v)
		if err != nil {
			errs.add(path, err)
			c.failed[path] = true
			return nil, false
		}
		return out, true
	}
	c.incremental, c.hasIncremental = cfg["incremental"]
	if c.hasIncremental {
		c.incremental, c.hasIncremental = value("incremental", c.incremental)
	}
	c.disableExisting, c.hasDisable = cfg["disable_existing_loggers"]
	if c.hasDisable {
		c.disableExisting, c.hasDisable = value("disable_existing_loggers", c.disableExisting)
	}
	for _, key := range sectionNames {
		raw, ok := cfg[key]
		if !ok || raw == nil {
			continue
		}
		sec, ok := raw.(map[string]any)
		if !ok {
			errs.addf(key, "want a mapping of ids to entries, got %s", describe(raw))
			continue
		}
		out := make(map[string]any, len(sec))
		for id, e := range sec {
			path := key + "." + id
			if key == "slogtree_levels" {
				if cv, ok := value(path, e); ok {
					out[id] = cv
				}
				continue
			}
			if cv, ok := convertEntry(conv, path, e, errs); ok {
				out[id] = cv
			} else {
				c.failed[path] = true
			}
		}
		c.sections[key] = out
	}
	// Python skips a falsy root: null or {} leave root as it is.
	if r, ok := cfg["root"]; ok && r != nil {
		if rm, isMap := r.(map[string]any); !isMap || len(rm) > 0 {
			c.root, c.hasRoot = convertEntry(conv, "root", r, errs)
		}
	}
	return c, nil
}

// convertEntry converts one entry of a section, except its "." properties,
// which Python passes on as they are.
func convertEntry(conv *convert.Converter, path string, v any, errs *problems) (any, bool) {
	raw, ok := v.(map[string]any)
	if !ok {
		errs.addf(path, "want a mapping, got %s", describe(v))
		return nil, false
	}
	dot, hasDot := raw["."]
	if hasDot {
		raw = maps.Clone(raw)
		delete(raw, ".")
	}
	cv, err := conv.Value(raw)
	if err != nil {
		errs.add(path, err)
		return nil, false
	}
	e := cv.(map[string]any)
	if hasDot {
		e["."] = dot
	}
	return e, true
}

// entryOrder returns the paths of cfg's top-level keys, sections and
// entries, in the order of Python's dictConfig, in which problems are
// reported.
func entryOrder(cfg map[string]any) []string {
	entries := []string{"version", "incremental", "disable_existing_loggers"}
	for _, key := range sectionNames {
		entries = append(entries, key)
		if sec, ok := cfg[key].(map[string]any); ok {
			for _, id := range sortedKeys(sec) {
				entries = append(entries, key+"."+id)
			}
		}
	}
	return append(entries, "root")
}
