package slogconfig

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// schema is the schema step: it reads a converted configuration into a
// spec, checking the type of every value it reads and resolving class
// names in reg. It collects every problem, each with its path;
// what it cannot read is left out of the spec and, where something else
// refers to it, recorded as failed so that the reference is not reported
// again.
func schema(c *converted, reg *Registry, errs *problems) *spec {
	r := &schemaReader{reg: reg, c: c, errs: errs, failed: c.failed}
	s := &spec{failed: c.failed}
	s.incremental = r.flag("incremental", c.incremental, c.hasIncremental, false)
	s.disableExisting = r.flag("disable_existing_loggers", c.disableExisting, c.hasDisable, true)
	for _, name := range sortedKeys(c.sections["slogtree_levels"]) {
		s.levelNames = append(s.levelNames, &levelNameSpec{
			path: "slogtree_levels." + name, name: name, raw: c.sections["slogtree_levels"][name],
		})
	}
	if s.incremental {
		r.incremental(s)
		return s
	}
	for _, id := range sortedKeys(c.sections["formatters"]) {
		if f := r.formatter(id, c.sections["formatters"][id]); f != nil {
			s.formatters = append(s.formatters, f)
		}
	}
	for _, id := range sortedKeys(c.sections["filters"]) {
		if f := r.filter(id, c.sections["filters"][id]); f != nil {
			s.filters = append(s.filters, f)
		}
	}
	for _, id := range sortedKeys(c.sections["handlers"]) {
		if h := r.handler(id, c.sections["handlers"][id]); h != nil {
			s.handlers = append(s.handlers, h)
		}
	}
	r.loggers(s, false)
	return s
}

// schemaReader holds the state of one schema step.
type schemaReader struct {
	reg    *Registry
	c      *converted
	errs   *problems
	failed map[string]bool // paths of entries that could not be read
}

// flag reads a top-level boolean, Python's truthiness of numbers included.
func (r *schemaReader) flag(key string, v any, present, def bool) bool {
	if !present {
		return def
	}
	switch v := v.(type) {
	case nil:
		return false // Python pops the key and tests the None it got
	case bool:
		return v
	}
	if n, ok := toInt(v); ok {
		return n != 0
	}
	r.errs.addf(key, "want a boolean, got %s", describe(v))
	return def
}

// entry returns an entry of a section as a mapping.
func (r *schemaReader) entry(path string, v any) (map[string]any, bool) {
	e, ok := v.(map[string]any)
	if !ok {
		r.errs.addf(path, "want a mapping, got %s", describe(v))
		r.failed[path] = true
	}
	return e, ok
}

func (r *schemaReader) formatter(id string, v any) *formatterSpec {
	path := "formatters." + id
	e, ok := r.entry(path, v)
	if !ok {
		return nil
	}
	f := &formatterSpec{path: path, id: id, class: "pattern", classKey: "class"}
	if fc, ok := e["()"]; ok {
		f.classKey, f.factory = "()", true
		s, isStr := fc.(string)
		if !isStr {
			r.errs.addf(path+".()", "want a registered formatter class name, got %s", describe(fc))
			r.failed[path] = true
			return nil
		}
		f.class = s
	} else if cl, ok := e["class"]; ok && cl != nil {
		s, isStr := cl.(string)
		if !isStr {
			r.errs.addf(path+".class", "want a formatter class name, got %s", describe(cl))
			r.failed[path] = true
			return nil
		}
		f.class = s
	}
	if f.cls, _ = r.reg.formatter(f.class); f.cls == nil {
		r.errs.addf(path+"."+f.classKey, "unknown formatter class %q", f.class)
		r.failed[path] = true
		return nil
	}
	f.builtin = r.reg.builtinFormatters[f.class]
	f.args = maps.Clone(e)
	delete(f.args, "()")
	delete(f.args, "class")
	delete(f.args, ".")
	return f
}

func (r *schemaReader) filter(id string, v any) *filterSpec {
	path := "filters." + id
	e, ok := r.entry(path, v)
	if !ok {
		return nil
	}
	f := &filterSpec{path: path, id: id, args: maps.Clone(e), builtin: true}
	delete(f.args, ".")
	if fc, ok := e["()"]; ok {
		name, isStr := fc.(string)
		if f.cls, _ = r.reg.filter(name); !isStr || f.cls == nil {
			r.errs.addf(path+".()", "unknown filter class %s", describe(fc))
			r.failed[path] = true
			return nil
		}
		f.class = name
		f.builtin = r.reg.builtinFilters[name]
		delete(f.args, "()")
	}
	return f
}

func (r *schemaReader) handler(id string, v any) *handlerSpec {
	path := "handlers." + id
	e, ok := r.entry(path, v)
	if !ok {
		return nil
	}
	h := &handlerSpec{path: path, id: id, classKey: "class", levelRaw: e["level"], args: map[string]any{}}
	n := len(*r.errs)
	cv, hasFactory := e["()"]
	if hasFactory {
		h.classKey = "()"
	} else {
		cv = e["class"]
	}
	h.className, _ = cv.(string)
	h.class, _ = r.reg.handler(h.className)
	if h.class == nil {
		if _, has := e[h.classKey]; !has {
			r.errs.addf(path+".class", "required")
		} else {
			r.errs.addf(path+"."+h.classKey, "unknown handler class %s", describe(cv))
		}
	}
	if fv, ok := e["formatter"]; ok && fv != nil {
		h.formatter = refTo(path+".formatter", fv)
	}
	if fl, ok := e["filters"]; ok && fl != nil {
		h.filters = r.refList(path+".filters", fl, "filter")
	}
	if dot, ok := e["."]; ok && dot != nil {
		props, isMap := dot.(map[string]any)
		if !isMap {
			r.errs.addf(joinPath(path, "[.]"), "want a mapping of properties, got %s", describe(dot))
		}
		for _, k := range sortedKeys(props) {
			if h.class != nil && !slices.Contains(h.class.Props, k) {
				r.errs.addf(joinPath(path, propPath(k)), "%s has no property %q", h.className, k)
			}
		}
		h.props = props
	}
	for _, k := range sortedKeys(e) {
		switch k {
		case "class", "()", "level", "formatter", "filters", ".":
			continue
		}
		if !isPyIdent(k) {
			r.errs.addf(path+"."+k, "not a valid Python identifier: %q", k)
			continue
		}
		if h.class != nil && !slices.Contains(h.class.Params, k) {
			r.errs.addf(path+"."+k, "unexpected keyword argument %q for %s", k, h.className)
			continue
		}
		h.args[k] = e[k]
	}
	if h.class != nil {
		for _, param := range h.class.Refs {
			h.refs = append(h.refs, refsOf(path+"."+param, e[param])...)
		}
	}
	if len(*r.errs) > n || h.class == nil {
		r.failed[path] = true
	}
	return h
}

// refsOf reads the handler ids a class argument names: one id, or a list
// of them. What is not an id is left to the class to report.
func refsOf(path string, v any) []ref {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		var out []ref
		for _, e := range v {
			if id, ok := toID(e); ok {
				out = append(out, ref{path: path, id: id, raw: e})
			}
		}
		return out
	}
	if id, ok := toID(v); ok {
		return []ref{{path: path, id: id, raw: v}}
	}
	return nil
}

// refTo returns the reference v makes at path. A value that is not an id
// gets an id no entry has, so that it is reported as unknown.
func refTo(path string, v any) *ref {
	id, ok := toID(v)
	if !ok {
		id = "\x00"
	}
	return &ref{path: path, id: id, raw: v}
}

// refList reads a list of ids of kind ("filter", "handler").
func (r *schemaReader) refList(path string, v any, kind string) []ref {
	list, ok := v.([]any)
	if !ok {
		r.errs.addf(path, "want a list of %s ids, got %s", kind, describe(v))
		r.failed[path] = true
		return nil
	}
	out := make([]ref, 0, len(list))
	for i, e := range list {
		out = append(out, *refTo(fmt.Sprintf("%s[%d]", path, i), e))
	}
	return out
}

// loggers reads the loggers section and root.
func (r *schemaReader) loggers(s *spec, incremental bool) {
	sec := r.c.sections["loggers"]
	for _, name := range sortedKeys(sec) {
		if l := r.logger("loggers."+name, name, sec[name], incremental); l != nil {
			s.loggers = append(s.loggers, l)
		}
	}
	if r.c.hasRoot {
		if l := r.logger("root", "root", r.c.root, incremental); l != nil {
			s.root = l
		}
	}
}

func (r *schemaReader) logger(path, name string, v any, incremental bool) *loggerSpec {
	e, ok := r.entry(path, v)
	if !ok {
		return nil
	}
	l := &loggerSpec{path: path, name: name, levelRaw: e["level"]}
	if pv, ok := e["propagate"]; ok && pv != nil {
		if b, isBool := pv.(bool); isBool {
			l.propagate = &b
		} else if n, isInt := toInt(pv); isInt && (n == 0 || n == 1) {
			b := n == 1
			l.propagate = &b
		} else {
			r.errs.addf(path+".propagate", "want a boolean, got %s", describe(pv))
		}
	}
	if incremental {
		return l
	}
	if hv, ok := e["handlers"]; ok && hv != nil {
		l.handlers = r.refList(path+".handlers", hv, "handler")
		if l.handlers == nil {
			l.handlers = []ref{}
		}
	}
	if fv, ok := e["filters"]; ok && fv != nil {
		l.filters = r.refList(path+".filters", fv, "filter")
	}
	return l
}

// incremental reads an incremental configuration: handler levels, logger
// levels and propagate flags, the root level. Python ignores everything
// else, and so does this.
func (r *schemaReader) incremental(s *spec) {
	sec := r.c.sections["handlers"]
	for _, id := range sortedKeys(sec) {
		path := "handlers." + id
		e, ok := r.entry(path, sec[id])
		if !ok {
			continue
		}
		h := &handlerSpec{path: path, id: id}
		// Python applies a handler level only when it is truthy.
		switch lv := e["level"]; {
		case lv == nil, lv == "", lv == false:
		default:
			if n, isInt := toInt(lv); !isInt || n != 0 {
				h.levelRaw = lv
			}
		}
		s.handlers = append(s.handlers, h)
	}
	r.loggers(s, true)
	if s.root != nil {
		s.root.handlers, s.root.filters = nil, nil
	}
}

// isPyIdent reports whether k is a Python identifier as dictConfig checks
// it: ^[a-z_][a-z0-9_]*$, case-insensitively.
func isPyIdent(k string) bool {
	for i := 0; i < len(k); i++ {
		c := k[i] | 0x20
		if !(c >= 'a' && c <= 'z' || k[i] == '_' || i > 0 && k[i] >= '0' && k[i] <= '9') {
			return false
		}
	}
	return k != ""
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// toID reads an id in a list of references: a string, or an integer as
// YAML gives for an id such as 1 (mapping keys become strings when the
// configuration is decoded, so their references must too).
func toID(v any) (string, bool) {
	if s, ok := v.(string); ok {
		return s, true
	}
	if n, ok := toInt(v); ok {
		return strconv.Itoa(n), true
	}
	return "", false
}
