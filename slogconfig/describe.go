package slogconfig

import (
	"fmt"
	"io"
	"maps"
	"os"
	"reflect"
	"slices"

	"github.com/slogtree/slogtree/filters"
	"github.com/slogtree/slogtree/internal/levels"
)

// handlerInfo is what a snapshot ([Manager.Tree]) and an explanation
// ([Manager.Explain]) tell of a handler object. It is taken from the
// handler's configuration when the object is built, never read back from
// the handler, and never changes.
type handlerInfo struct {
	class     string       // as the configuration names it
	kind      string       // the built-in class by its Go name; "" for a registered class
	level     levels.Level // as configured
	filters   []TreeFilter
	formatter *TreeFormatter
	sink      *TreeSink
	settings  map[string]any
	wrap      wrapInfo
}

// describe returns what a snapshot and an explanation tell of o, or nil
// for the last resort. It is computed when asked for, not when o is built:
// a reconfiguration pays nothing for Tree and Explain.
func (o *object) describe() *handlerInfo {
	if o.spec == nil {
		return nil
	}
	return describeHandler(o.reg, o.spec)
}

// describeHandler returns what a snapshot tells of the handler of h, a
// handler of a validated configuration whose values reg resolved.
func describeHandler(reg *Registry, h *handlerSpec) *handlerInfo {
	in := &handlerInfo{class: h.className, level: h.level, filters: h.filtInfo}
	if h.fmt != nil {
		in.formatter = describeFormatter(h.fmt)
	}
	skip := map[string]bool{}
	if h.class != nil {
		for _, r := range h.class.Refs {
			skip[r] = true
		}
	}
	if p := h.plan; p != nil {
		in.kind, in.wrap = p.kind, p.wrap
		switch {
		case p.kind == "stream":
			in.sink = &TreeSink{Kind: "stream", Name: reg.nameOf(p.stream)}
			skip["stream"] = true
		case len(p.files) > 0:
			in.sink = &TreeSink{Kind: "file", Name: p.files[0].path}
			skip[p.files[0].key] = true
		}
	}
	for k, v := range h.args {
		if skip[k] {
			continue
		}
		if in.settings == nil {
			in.settings = map[string]any{}
		}
		in.settings[k] = reg.plain(v)
	}
	return in
}

// describeFormatter returns what a snapshot tells of a formatter.
func describeFormatter(f *formatterSpec) *TreeFormatter {
	d := &TreeFormatter{ID: f.id, Class: f.class}
	str := func(key string) string {
		s, _ := f.args[key].(string)
		return s
	}
	d.Format = str("format")
	if d.Format == "" {
		d.Format = str("fmt")
	}
	d.DateFmt = str("datefmt")
	d.Style = str("style")
	if d.Style == "" {
		d.Style = "%"
	}
	if d.Format == "" && isPatternClass(f.class) {
		// Python's Formatter(None): the message alone, in the style's
		// own syntax.
		d.Format = map[string]string{"%": "%(message)s", "{": "{message}", "$": "${message}"}[d.Style]
	}
	return d
}

// isPatternClass reports whether a formatter class is the pattern
// formatter, Python's logging.Formatter.
func isPatternClass(class string) bool { return class == "pattern" || class == "logging.Formatter" }

// describeFilter returns what a snapshot tells of a filter.
func describeFilter(f *filterSpec) TreeFilter {
	d := TreeFilter{ID: f.id, Class: f.class}
	if d.Class == "" {
		d.Class = "name"
	}
	if n, ok := f.built.(filters.Name); ok {
		d.Name = string(n)
	}
	_, d.ByName = f.built.(filters.NameFilter)
	return d
}

// nameOf names a writer as an ext:// value names it: "sys.stderr" and
// "sys.stdout" for the process's own (as they are now), else the first
// name, in sorted order, that the Registry holds it under; a file by its
// name, anything else by its Go type.
func (r *Registry) nameOf(w io.Writer) string {
	if name, ok := r.valueName(w); ok {
		return name
	}
	if f, ok := w.(*os.File); ok {
		return f.Name()
	}
	return fmt.Sprintf("%T", w)
}

// valueName returns the name of an ext:// value that is v: "sys.stderr"
// and "sys.stdout" for the process's own streams, else the first name, in
// sorted order, that the Registry holds v under.
func (r *Registry) valueName(v any) (string, bool) {
	switch v {
	case any(os.Stderr):
		return "sys.stderr", true
	case any(os.Stdout):
		return "sys.stdout", true
	}
	r.mu.RLock()
	var found []string
	for name, rv := range r.values {
		if d, ok := rv.(dynamic); ok {
			rv = d()
		}
		if sameValue(rv, v) {
			found = append(found, name)
		}
	}
	r.mu.RUnlock()
	if len(found) == 0 {
		return "", false
	}
	return slices.Min(found), true
}

// sameValue reports whether a and b are the same value, without the panic
// of == on values of an uncomparable type.
func sameValue(a, b any) bool {
	ta := reflect.TypeOf(a)
	return ta != nil && ta == reflect.TypeOf(b) && ta.Comparable() && a == b
}

// plain returns v as plain data (strings, numbers, booleans, lists and
// mappings of them), for a snapshot's Settings: a writer becomes its
// ext:// reference, any other value its Go type.
func (r *Registry) plain(v any) any {
	switch v := v.(type) {
	case nil, bool, string, int, int64, uint64, float64:
		return v
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = r.plain(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for _, k := range slices.Sorted(maps.Keys(v)) {
			out[k] = r.plain(v[k])
		}
		return out
	case io.Writer:
		if name, ok := r.valueName(v); ok {
			return "ext://" + name
		}
	}
	return fmt.Sprintf("%T", v)
}
