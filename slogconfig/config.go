package slogconfig

import (
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/slogtree/slogtree/filters"
	"github.com/slogtree/slogtree/formatters"
	"github.com/slogtree/slogtree/handlers"
	"github.com/slogtree/slogtree/internal/convert"
	"github.com/slogtree/slogtree/internal/levels"
)

// handlerObj is one configured handler of a generation: the class's
// handler with the configured level and filters.
type handlerObj struct {
	id      string
	inner   slog.Handler
	level   slog.Level // threshold; levels.None for a handler that discards
	static  []filters.NameFilter
	dynamic []filters.Filter
	all     []filters.Filter // every filter, in order, for references
	res     *resource
	trusted bool // a built-in sink class with a built-in formatter: cannot panic
}

// resource is what a handler object closes, shared by the copies that
// incremental configurations make of it.
type resource struct {
	closer io.Closer
	refs   int    // generations using it; guarded by Manager.cfgMu
	seq    uint64 // build order: wrappers after what they wrap
}

// loggerSpec is the configuration of one logger.
type loggerSpec struct {
	name      string
	level     *levels.Level
	propagate *bool
	handlers  []*handlerObj
	filters   []filters.Filter
}

// plan is a compiled configuration, built off to the side.
type plan struct {
	incremental     bool
	disableExisting bool
	objs            []*handlerObj // new handlers, in build order
	loggers         []*loggerSpec // sorted by name
	root            *loggerSpec   // nil when absent or empty
	handlerLevels   map[*handlerObj]levels.Level
	warnings        []*ConfigWarning
}

// close releases the handlers of a plan that will not be installed.
func (p *plan) close() {
	// Wrappers were built after what they wrap: close them first, so that
	// what they flush on Close still has somewhere to go.
	for _, o := range slices.Backward(p.objs) {
		if o.res.closer != nil {
			_ = o.res.closer.Close()
		}
	}
}

// compiler holds the state of one compilation.
type compiler struct {
	m        *Manager
	conv     *convert.Converter
	errs     problems
	fmts     map[string]formatters.Formatter
	fmtOwn   map[string]bool // formatter ids of built-in formatter classes
	filts    map[string]filters.Filter
	objs     map[string]*handlerObj
	failed   map[string]bool // ids, as "section.id", that failed to build
	incr     bool            // incremental: loggers' handlers and filters are ignored
	warnings []*ConfigWarning
	incoming map[string]any // the raw handlers section
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

// compile checks cfg and builds everything it names. On error it closes
// what it built and returns every problem.
func (m *Manager) compile(cfg map[string]any) (*plan, error) {
	c := &compiler{
		m:      m,
		conv:   &convert.Converter{Config: cfg, Ext: m.reg.value},
		fmts:   map[string]formatters.Formatter{},
		fmtOwn: map[string]bool{},
		filts:  map[string]filters.Filter{},
		objs:   map[string]*handlerObj{},
		failed: map[string]bool{},
	}
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
	p := &plan{}
	p.incremental = c.flag(cfg, "incremental", false)
	p.disableExisting = c.flag(cfg, "disable_existing_loggers", true)
	c.levelNames(cfg)
	if p.incremental {
		c.incremental(cfg, p)
	} else {
		c.full(cfg, p)
	}
	if err := c.errs.err(); err != nil {
		p.close()
		return nil, err
	}
	p.warnings = c.warnings
	return p, nil
}

// levelNames registers the custom level names of the "slogtree_levels"
// section (slogtree's own key, which Python ignores; named so that it
// cannot collide with the top-level keys Python configurations keep data
// in for cfg://): name → level, in any form a level
// takes ("DEBUG-4", "INFO+2", or a Python number such as 25). Names are
// process-wide, as Python's addLevelName is, and are registered before the
// rest of the configuration is read so that it can use them; a name stays
// registered even if the configuration is then refused. Registering a name
// again for the same level is allowed.
func (c *compiler) levelNames(cfg map[string]any) {
	sec, names := c.section(cfg, "slogtree_levels")
	for _, name := range names {
		path := "slogtree_levels." + name
		v, err := c.conv.Value(sec[name])
		if err != nil {
			c.errs.add(path, err)
			continue
		}
		l, err := levels.Parse(v)
		if err != nil {
			c.errs.add(path, err)
			continue
		}
		if l.NotSet {
			c.errs.addf(path, "a level name cannot name NOTSET")
			continue
		}
		if have, err := levels.ParseName(name); err == nil && !have.NotSet && have.Slog == l.Slog {
			continue
		}
		if err := formatters.RegisterLevelName(name, l.Slog); err != nil {
			c.errs.add(path, err)
		}
	}
}

func (c *compiler) flag(cfg map[string]any, key string, def bool) bool {
	raw, present := cfg[key]
	if !present {
		return def
	}
	v, err := c.conv.Value(raw)
	if err != nil {
		c.errs.add(key, err)
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
	c.errs.addf(key, "want a boolean, got %s", describe(v))
	return def
}

// section returns a top-level section as a map, sorted ids first.
func (c *compiler) section(cfg map[string]any, key string) (map[string]any, []string) {
	v, ok := cfg[key]
	if !ok || v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		c.errs.addf(key, "want a mapping of ids to entries, got %s", describe(v))
		return nil, nil
	}
	return m, sortedKeys(m)
}

// entry returns one entry of a section, converted except for its "."
// properties.
func (c *compiler) entry(path string, v any) (map[string]any, bool) {
	raw, ok := v.(map[string]any)
	if !ok {
		c.errs.addf(path, "want a mapping, got %s", describe(v))
		return nil, false
	}
	dot, hasDot := raw["."]
	if hasDot {
		raw = maps.Clone(raw)
		delete(raw, ".")
	}
	cv, err := c.conv.Value(raw)
	if err != nil {
		c.errs.add(path, err)
		return nil, false
	}
	e := cv.(map[string]any)
	if hasDot {
		e["."] = dot
	}
	return e, true
}

func (c *compiler) full(cfg map[string]any, p *plan) {
	fsec, fids := c.section(cfg, "formatters")
	for _, id := range fids {
		c.formatter(id, fsec[id])
	}
	flsec, flids := c.section(cfg, "filters")
	for _, id := range flids {
		c.filter(id, flsec[id])
	}
	hsec, _ := c.section(cfg, "handlers")
	c.incoming = hsec
	for _, id := range c.handlerOrder(hsec) {
		if o := c.handler(id, hsec[id]); o != nil {
			c.objs[id] = o
			p.objs = append(p.objs, o)
		}
	}
	lsec, lids := c.section(cfg, "loggers")
	for _, name := range lids {
		if ls := c.logger("loggers."+name, name, lsec[name]); ls != nil {
			p.loggers = append(p.loggers, ls)
		}
	}
	if r, ok := cfg["root"]; ok {
		// Python skips a falsy root: null or {} leave root as it is.
		if m, isMap := r.(map[string]any); r != nil && !(isMap && len(m) == 0) {
			p.root = c.logger("root", "root", r)
		}
	}
}

func (c *compiler) formatter(id string, v any) {
	path := "formatters." + id
	e, ok := c.entry(path, v)
	if !ok {
		c.failed[path] = true
		return
	}
	name, factory := "pattern", false
	key := "class"
	if f, ok := e["()"]; ok {
		key, factory = "()", true
		s, isStr := f.(string)
		if !isStr {
			c.errs.addf(path+".()", "want a registered formatter class name, got %s", describe(f))
			c.failed[path] = true
			return
		}
		name = s
	} else if cl, ok := e["class"]; ok && cl != nil {
		s, isStr := cl.(string)
		if !isStr {
			c.errs.addf(path+".class", "want a formatter class name, got %s", describe(cl))
			c.failed[path] = true
			return
		}
		name = s
	}
	cls, ok := c.m.reg.formatter(name)
	if !ok {
		c.errs.addf(path+"."+key, "unknown formatter class %q", name)
		c.failed[path] = true
		return
	}
	args := maps.Clone(e)
	delete(args, "()")
	delete(args, "class")
	delete(args, ".")
	f, err := safeCall(func() (formatters.Formatter, error) {
		return cls(&FormatterConfig{ID: id, Args: args, Factory: factory})
	})
	if err != nil {
		c.errs.add(path, err)
		c.failed[path] = true
		return
	}
	c.fmts[id] = f
	c.fmtOwn[id] = c.m.reg.builtinFormatters[name]
}

func (c *compiler) filter(id string, v any) {
	path := "filters." + id
	e, ok := c.entry(path, v)
	if !ok {
		c.failed[path] = true
		return
	}
	var f filters.Filter
	var err error
	if fc, ok := e["()"]; ok {
		name, isStr := fc.(string)
		cls, found := c.m.reg.filter(name)
		if !isStr || !found {
			c.errs.addf(path+".()", "unknown filter class %s", describe(fc))
			c.failed[path] = true
			return
		}
		args := maps.Clone(e)
		delete(args, "()")
		delete(args, ".")
		f, err = safeCall(func() (filters.Filter, error) { return cls(args) })
	} else {
		var name string
		if name, err = argString(e, "name", ""); err == nil {
			f = filters.Name(name)
		}
	}
	if err != nil {
		c.errs.add(path, err)
		c.failed[path] = true
		return
	}
	c.filts[id] = f
}

// handlerClass finds the class an entry names, without reporting errors.
func (c *compiler) handlerClass(e map[string]any) (*HandlerClass, string, string) {
	key := "class"
	v, ok := e["()"]
	if ok {
		key = "()"
	} else {
		v = e["class"]
	}
	name, _ := v.(string)
	cls, _ := c.m.reg.handler(name)
	return cls, key, name
}

// refs returns the handler ids an entry names in its class's Refs.
func refIDs(cls *HandlerClass, raw map[string]any) map[string][]string {
	out := map[string][]string{}
	if cls == nil {
		return out
	}
	for _, param := range cls.Refs {
		switch v := raw[param].(type) {
		case nil:
		case []any:
			for _, e := range v {
				if id, ok := toID(e); ok {
					out[param] = append(out[param], id)
				}
			}
		default:
			if id, ok := toID(v); ok {
				out[param] = []string{id}
			}
		}
	}
	return out
}

// handlerOrder returns the handler ids so that every handler comes after
// the handlers it refers to, ties in sorted order, and reports cycles.
func (c *compiler) handlerOrder(sec map[string]any) []string {
	ids := sortedKeys(sec)
	const (
		unseen = iota
		active
		done
	)
	state := map[string]int{}
	var order []string
	var stack []string
	var visit func(id string)
	visit = func(id string) {
		switch state[id] {
		case done:
			return
		case active:
			i := slices.Index(stack, id)
			cycle := append(slices.Clone(stack[i:]), id)
			c.errs.addf("handlers."+stack[len(stack)-1], "handler references form a cycle: %s", strings.Join(cycle, " -> "))
			for _, s := range stack[i:] {
				c.failed["handlers."+s] = true
			}
			return
		}
		state[id] = active
		stack = append(stack, id)
		if raw, ok := sec[id].(map[string]any); ok {
			cls, _, _ := c.handlerClass(raw)
			refs := refIDs(cls, raw)
			for _, param := range sortedKeys(refs) {
				for _, ref := range refs[param] {
					if _, exists := sec[ref]; exists {
						visit(ref)
					}
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[id] = done
		order = append(order, id)
	}
	for _, id := range ids {
		visit(id)
	}
	return order
}

func (c *compiler) handler(id string, v any) *handlerObj {
	path := "handlers." + id
	if c.failed[path] {
		return nil
	}
	e, ok := c.entry(path, v)
	if !ok {
		c.failed[path] = true
		return nil
	}
	n := len(c.errs)
	cls, key, name := c.handlerClass(e)
	if cls == nil {
		if _, has := e[key]; !has {
			c.errs.addf(path+".class", "required")
		} else {
			c.errs.addf(path+"."+key, "unknown handler class %s", describe(e[key]))
		}
	}
	c.m.built++
	o := &handlerObj{id: id, level: levels.All, res: &resource{seq: c.m.built}}
	if lv := e["level"]; lv != nil {
		if l, err := levels.Parse(lv); err != nil {
			c.errs.add(path+".level", err)
		} else {
			o.level = l.Threshold()
		}
	}
	hc := &HandlerConfig{ID: id, Args: map[string]any{}, refs: map[string]slog.Handler{}, report: c.m.report}
	hc.warn = func(msg string) { c.warnings = append(c.warnings, &ConfigWarning{Path: path, Msg: msg}) }
	cascade := false
	o.trusted = cls != nil && cls.builtin && len(cls.Refs) == 0
	if fv, ok := e["formatter"]; ok && fv != nil {
		fid, _ := toID(fv)
		if f, found := c.fmts[fid]; found {
			hc.Formatter = f
			o.trusted = o.trusted && c.fmtOwn[fid]
		} else if c.failed["formatters."+fid] {
			cascade = true
		} else {
			c.errs.addf(path+".formatter", "unknown formatter %s", describe(fv))
		}
	}
	if fl, ok := e["filters"]; ok && fl != nil {
		o.all, cascade = c.filterList(path+".filters", fl, cascade)
		o.splitFilters()
	}
	if dot, ok := e["."]; ok && dot != nil {
		props, isMap := dot.(map[string]any)
		if !isMap {
			c.errs.addf(joinPath(path, "[.]"), "want a mapping of properties, got %s", describe(dot))
		}
		for _, k := range sortedKeys(props) {
			if cls != nil && !slices.Contains(cls.Props, k) {
				c.errs.addf(joinPath(path, propPath(k)), "%s has no property %q", name, k)
			}
		}
		hc.Props = props
	}
	for _, k := range sortedKeys(e) {
		switch k {
		case "class", "()", "level", "formatter", "filters", ".":
			continue
		}
		if !isPyIdent(k) {
			c.errs.addf(path+"."+k, "not a valid Python identifier: %q", k)
			continue
		}
		if cls != nil && !slices.Contains(cls.Params, k) {
			c.errs.addf(path+"."+k, "unexpected keyword argument %q for %s", k, name)
			continue
		}
		hc.Args[k] = e[k]
	}
	for param, ids := range refIDs(cls, e) {
		for _, ref := range ids {
			if ro, ok := c.objs[ref]; ok {
				hc.refs[ref] = handlers.New(ro.inner, &handlers.Options{Level: ro.level, Filters: ro.all})
			} else if c.failed["handlers."+ref] {
				cascade = true
			} else if _, exists := c.incoming[ref]; exists {
				cascade = true // failed for a reason already reported
			} else {
				c.errs.addf(path+"."+param, "unknown handler %q", ref)
			}
		}
	}
	if len(c.errs) > n || cascade || cls == nil {
		c.failed[path] = true
		return nil
	}
	inner, closer, err := safeNew(cls, hc)
	if err != nil {
		c.errs.add(path, err)
		c.failed[path] = true
		return nil
	}
	o.inner, o.res.closer = inner, closer
	if inner == handlers.Null {
		o.level = levels.None
	}
	return o
}

func (o *handlerObj) splitFilters() {
	o.static, o.dynamic = nil, nil
	for _, f := range o.all {
		if nf, ok := f.(filters.NameFilter); ok {
			o.static = append(o.static, nf)
		} else {
			o.dynamic = append(o.dynamic, f)
		}
	}
}

// filterList resolves a list of filter ids.
func (c *compiler) filterList(path string, v any, cascade bool) ([]filters.Filter, bool) {
	list, ok := v.([]any)
	if !ok {
		c.errs.addf(path, "want a list of filter ids, got %s", describe(v))
		return nil, cascade
	}
	var out []filters.Filter
	for i, e := range list {
		id, _ := toID(e)
		if f, found := c.filts[id]; found {
			out = append(out, f)
		} else if c.failed["filters."+id] {
			cascade = true
		} else {
			c.errs.addf(fmt.Sprintf("%s[%d]", path, i), "unknown filter %s", describe(e))
		}
	}
	return out, cascade
}

func (c *compiler) logger(path, name string, v any) *loggerSpec {
	e, ok := c.entry(path, v)
	if !ok {
		return nil
	}
	ls := &loggerSpec{name: name}
	if lv := e["level"]; lv != nil {
		if l, err := levels.Parse(lv); err != nil {
			c.errs.add(path+".level", err)
		} else {
			ls.level = &l
		}
	}
	if pv, ok := e["propagate"]; ok && pv != nil {
		if b, isBool := pv.(bool); isBool {
			ls.propagate = &b
		} else if n, isInt := toInt(pv); isInt && (n == 0 || n == 1) {
			b := n == 1
			ls.propagate = &b
		} else {
			c.errs.addf(path+".propagate", "want a boolean, got %s", describe(pv))
		}
	}
	if c.incr {
		return ls
	}
	if hv, ok := e["handlers"]; ok && hv != nil {
		list, isList := hv.([]any)
		if !isList {
			c.errs.addf(path+".handlers", "want a list of handler ids, got %s", describe(hv))
		}
		for i, h := range list {
			id, _ := toID(h)
			if o, found := c.objs[id]; found {
				// Python's addHandler adds a handler once however often
				// it is listed.
				if !slices.Contains(ls.handlers, o) {
					ls.handlers = append(ls.handlers, o)
				}
			} else if !c.failed["handlers."+id] {
				c.errs.addf(fmt.Sprintf("%s.handlers[%d]", path, i), "unknown handler %s", describe(h))
			}
		}
	}
	if fv, ok := e["filters"]; ok && fv != nil {
		ls.filters, _ = c.filterList(path+".filters", fv, false)
	}
	return ls
}

// incremental compiles an incremental configuration: handler levels,
// logger levels and propagate flags, the root level.
func (c *compiler) incremental(cfg map[string]any, p *plan) {
	c.incr = true
	p.handlerLevels = map[*handlerObj]levels.Level{}
	hsec, hids := c.section(cfg, "handlers")
	for _, id := range hids {
		path := "handlers." + id
		o, ok := c.m.named[id]
		if !ok {
			c.errs.addf(path, "no handler found with name %q", id)
			continue
		}
		e, ok := c.entry(path, hsec[id])
		if !ok {
			continue
		}
		// Python applies a handler level only when it is truthy.
		lv := e["level"]
		if lv == nil || lv == "" || lv == false {
			continue
		}
		if n, isInt := toInt(lv); isInt && n == 0 {
			continue
		}
		l, err := levels.Parse(lv)
		if err != nil {
			c.errs.add(path+".level", err)
			continue
		}
		p.handlerLevels[o] = l
	}
	lsec, lids := c.section(cfg, "loggers")
	for _, name := range lids {
		if ls := c.logger("loggers."+name, name, lsec[name]); ls != nil {
			p.loggers = append(p.loggers, ls)
		}
	}
	if r, ok := cfg["root"]; ok && r != nil {
		if m, isMap := r.(map[string]any); !isMap || len(m) > 0 {
			if ls := c.logger("root", "root", r); ls != nil {
				p.root = &loggerSpec{name: "root", level: ls.level}
			}
		}
	}
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

// safeNew calls a class's New, turning a panic into an error.
func safeNew(cls *HandlerClass, hc *HandlerConfig) (h slog.Handler, cl io.Closer, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler class panicked: %v", r)
		}
	}()
	h, cl, err = cls.New(hc)
	if err == nil && h == nil {
		err = fmt.Errorf("handler class returned no handler")
	}
	return h, cl, err
}

// safeCall calls a formatter or filter class, turning a panic into an
// error.
func safeCall[T any](f func() (T, error)) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("class panicked: %v", r)
		}
	}()
	return f()
}
