package slogconfig

import (
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/slogtree/slogtree/internal/ini"
	"github.com/slogtree/slogtree/internal/pyliteral"
)

// A FileConfigOption configures the reading of a Python INI (fileConfig)
// file.
type FileConfigOption interface {
	applyFile(*fileConfigOptions)
}

type fileConfigOptions struct {
	disableExisting bool
	defaults        map[string]string
}

type fileOptionFunc func(*fileConfigOptions)

func (f fileOptionFunc) applyFile(o *fileConfigOptions) { f(o) }

// DisableExistingLoggers sets fileConfig's disable_existing_loggers.
// Default true.
func DisableExistingLoggers(disable bool) FileConfigOption {
	return fileOptionFunc(func(o *fileConfigOptions) { o.disableExisting = disable })
}

// Defaults sets fileConfig's defaults: values for %(name)s interpolation in
// every section.
func Defaults(defaults map[string]string) FileConfigOption {
	return fileOptionFunc(func(o *fileConfigOptions) { o.defaults = defaults })
}

func fileOptions(opts []FileConfigOption) fileConfigOptions {
	o := fileConfigOptions{disableExisting: true}
	for _, opt := range opts {
		if opt != nil {
			opt.applyFile(&o)
		}
	}
	return o
}

// FileConfig configures the hierarchy from a file in the INI format of
// Python's logging.config.fileConfig. The error names the file.
//
// # Format
//
// The file is read by the rules of Python's configparser: "=" or ":"
// between an option and its value, whole-line "#" and ";" comments,
// indented continuation lines, case-insensitive option names, a [DEFAULT]
// section (and the [Defaults] option) whose options every section
// inherits, %(name)s interpolation with %% for a percent sign, and an error
// for a section or option given twice.
//
//   - [formatters], [handlers] and [loggers] list their entries in keys,
//     separated by commas; [loggers] must list root.
//   - [formatter_X] has format, datefmt and style (read without
//     interpolation), class (a formatter class of the Registry), validate
//     and defaults (a dict, as in Python 3.12).
//   - [handler_X] has class, args, kwargs, level, formatter (a formatter
//     id; empty for none) and, for a class that takes a target handler such
//     as logging.handlers.MemoryHandler, target (a handler id). The class
//     is a Registry name; as in Python, StreamHandler stands for
//     logging.StreamHandler and handlers.X for logging.handlers.X. args is
//     a tuple bound to the class's parameters in Python's order, kwargs a
//     dict of keyword arguments.
//   - [logger_root] has level and handlers (required, possibly empty);
//     [logger_X] also has qualname (required) and propagate (an integer,
//     default 1).
//
// # Safety
//
// Python evaluates class, args and kwargs as Python code. Here the class
// is looked up in the Registry and args and kwargs are read as literals:
// strings, numbers, True, False, None, tuples, lists, dicts, unary minus,
// and the names sys.stdout, sys.stderr, the level names (DEBUG, WARN,
// FATAL, ...), handlers.SYSLOG_UDP_PORT, handlers.SYSLOG_TCP_PORT,
// handlers.DEFAULT_{TCP,UDP,HTTP,SOAP}_LOGGING_PORT,
// handlers.SysLogHandler.LOG_*, handlers.socket.SOCK_STREAM and SOCK_DGRAM,
// os.devnull, and the values of the Registry ([Registry.RegisterValue]) by
// their names. Anything else (a call, an operator, a subscript, any other
// name) is an error naming the section and option.
//
// # Deviations from Python
//
// The file becomes a dictConfig configuration, applied as [Manager.DictConfig]
// applies one, so fileConfig shares its deviations (it is atomic, and so
// on), and:
//
//   - Every problem is reported, each with its section, such as
//     "[handler_h1] formatter: unknown formatter "nope""; Python raises a
//     bare KeyError for the first.
//   - Handlers are built in dependency order, not in list order; a
//     MemoryHandler target chain works in any order, and a cycle is an
//     error.
//   - Python configures root before the other loggers, dictConfig after;
//     when another section's qualname is also root (or empty), the later
//     section wins, as in Python.
//   - A formatter's validate is honoured (Python 3.11 to 3.13 never read it).
//   - A string value of args or kwargs that is wholly ext://name, cfg://path
//     or env://NAME is converted, as dictConfig converts values.
//   - Level names are read as dictConfig reads them: in any case, and slog
//     names such as INFO+2.
//   - A byte-order mark at the start of the file is skipped.
//   - Interpolation refuses a value that would grow past 1 MiB.
func (m *Manager) FileConfig(path string, opts ...FileConfigOption) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := m.fileConfig(data, fileOptions(opts), nil); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// FileConfigReader is [Manager.FileConfig] for a configuration read from
// r, Python's fileConfig of a file object.
func (m *Manager) FileConfigReader(r io.Reader, opts ...FileConfigOption) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	return m.fileConfig(data, fileOptions(opts), nil)
}

// fileConfig applies an INI configuration, or only checks it as check
// says when check is not nil.
func (m *Manager) fileConfig(data []byte, o fileConfigOptions, check *checkMode) error {
	cfg, sections, err := m.iniToDict(data, o)
	if err != nil {
		return err
	}
	if check != nil {
		err = m.checkConfig(cfg, check.probe)
	} else {
		err = m.DictConfig(cfg)
	}
	return sections.rewrite(err)
}

// FileConfig configures the default Manager from an INI file: see
// [Manager.FileConfig]. The first configuration calls slog.SetDefault with
// the root logger.
func FileConfig(path string, opts ...FileConfigOption) error {
	return std.FileConfig(path, opts...)
}

// iniPaths maps the paths of the dictConfig built from an INI file to its
// sections, so that errors name what the user wrote.
type iniPaths map[string]string

// rewrite renames the paths of a *ConfigError.
func (p iniPaths) rewrite(err error) error {
	ce, ok := err.(*ConfigError)
	if !ok {
		return err
	}
	out := &ConfigError{Problems: make([]*PathError, len(ce.Problems))}
	for i, pe := range ce.Problems {
		out.Problems[i] = &PathError{Path: p.path(pe.Path), Err: pe.Err}
	}
	return out
}

func (p iniPaths) path(path string) string {
	// The longest prefix ending before a "." or "[" (or the whole path)
	// that names a section.
	best := ""
	for i := len(path); i > 0; i-- {
		if i < len(path) && path[i] != '.' && path[i] != '[' {
			continue
		}
		if _, ok := p[path[:i]]; ok {
			best = path[:i]
			break
		}
	}
	if best == "" {
		return path
	}
	rest := path[len(best):]
	switch {
	case rest == "":
		return p[best]
	case rest[0] == '.':
		return p[best] + " " + rest[1:]
	}
	return p[best] + " " + rest
}

// iniReader turns a parsed INI file into a dictConfig configuration,
// collecting problems.
type iniReader struct {
	m      *Manager
	f      *ini.File
	errs   problems
	failed map[string]bool // the paths of errs
	paths  iniPaths
	// symbolic: a name in args or kwargs whose value is not plain data
	// (sys.stdout, a registered writer) is written ext://NAME, for a
	// dictionary saved as JSON or YAML (DecodeINI).
	symbolic bool
}

func iniSection(name string) string { return "[" + name + "]" }

func (r *iniReader) fail(sect, option, format string, args ...any) {
	path := iniSection(sect)
	if option != "" {
		path += " " + option
	}
	r.errs.addf(path, format, args...)
	r.failed[path] = true
}

// get returns an option's interpolated value; ok is false when it is
// absent or cannot be interpolated (which is reported).
func (r *iniReader) get(sect, option string) (string, bool) {
	if !r.f.Has(sect, option) {
		return "", false
	}
	v, err := r.f.Get(sect, option)
	if err != nil {
		r.fail(sect, option, "%s", interpolationMsg(err))
		return "", false
	}
	return v, true
}

func interpolationMsg(err error) string {
	if ie, ok := err.(*ini.InterpolationError); ok {
		return ie.Msg
	}
	return err.Error()
}

// require is get for an option Python reads with section[option].
func (r *iniReader) require(sect, option string) (string, bool) {
	if !r.f.Has(sect, option) {
		r.fail(sect, option, "required")
		return "", false
	}
	return r.get(sect, option)
}

// iniList splits a comma list and strips its items, as fileConfig does; an
// empty string is an empty list.
func iniList(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	for i, p := range parts {
		parts[i] = ini.Strip(p)
	}
	return parts
}

// keys reads the keys of [formatters], [handlers] or [loggers].
func (r *iniReader) keys(sect string) ([]string, bool) {
	if !r.f.HasSection(sect) {
		r.errs.addf(iniSection(sect), "section missing: a fileConfig file needs [formatters], [handlers] and [loggers]")
		return nil, false
	}
	v, ok := r.require(sect, "keys")
	if !ok {
		return nil, false
	}
	return iniList(v), true
}

// entry checks that the section of a listed id exists.
func (r *iniReader) entry(listSect, prefix, id string) (string, bool) {
	sect := prefix + id
	if !r.f.HasSection(sect) {
		r.fail(listSect, "keys", "lists %q but there is no section [%s]", id, sect)
		return "", false
	}
	return sect, true
}

// DecodeINI reads a configuration in Python's fileConfig format, as
// [Manager.FileConfig] reads it (with opts), and returns the dictConfig
// dictionary it stands for, without checking or applying it: a
// dictionary that [Manager.DictConfig] applies as FileConfig applies the
// file, and that can be saved as JSON or YAML. Interpolation is resolved,
// [DEFAULT] is folded in, args become keyword arguments named by the
// class's parameters, level names in args become numbers, and a name whose
// value is not plain data (sys.stdout, a writer registered with
// [Registry.RegisterValue]) is written as its ext:// reference. The error
// of a file that cannot be read as fileConfig reads it names the
// sections, as FileConfig's does.
func (m *Manager) DecodeINI(data []byte, opts ...FileConfigOption) (map[string]any, error) {
	cfg, _, err := m.readINI(data, fileOptions(opts), true)
	return cfg, err
}

// iniToDict reads data as a fileConfig file and returns the dictConfig
// configuration it stands for.
func (m *Manager) iniToDict(data []byte, o fileConfigOptions) (map[string]any, iniPaths, error) {
	return m.readINI(data, o, false)
}

// readINI is iniToDict, and with symbolic DecodeINI.
func (m *Manager) readINI(data []byte, o fileConfigOptions, symbolic bool) (map[string]any, iniPaths, error) {
	if len(data) == 0 {
		return nil, nil, &ConfigError{Problems: []*PathError{{Err: fmt.Errorf("empty file")}}}
	}
	f, err := ini.Parse(string(data), o.defaults)
	if err != nil {
		ce := &ConfigError{}
		if se, ok := err.(*ini.SyntaxError); ok {
			for _, p := range se.Problems {
				path := "defaults"
				if p.Line > 0 {
					path = fmt.Sprintf("line %d", p.Line)
				}
				ce.Problems = append(ce.Problems, &PathError{Path: path, Err: fmt.Errorf("%s", p.Msg)})
			}
		} else {
			ce.Problems = []*PathError{{Err: err}}
		}
		return nil, nil, ce
	}
	r := &iniReader{m: m, f: f, failed: map[string]bool{}, paths: iniPaths{}, symbolic: symbolic}
	formatters := r.formatters()
	handlers := r.handlers()
	loggers, root := r.loggers()
	if err := r.errs.err(); err != nil {
		return nil, nil, err
	}
	cfg := map[string]any{
		"version":                  1,
		"disable_existing_loggers": o.disableExisting,
		"formatters":               formatters,
		"handlers":                 handlers,
		"loggers":                  loggers,
		"root":                     root,
	}
	return cfg, r.paths, nil
}

func (r *iniReader) formatters() map[string]any {
	out := map[string]any{}
	ids, ok := r.keys("formatters")
	if !ok {
		return out
	}
	for _, id := range ids {
		sect, ok := r.entry("formatters", "formatter_", id)
		if !ok {
			continue
		}
		e := map[string]any{}
		// format, datefmt, style and defaults are read raw, as Python does.
		for _, k := range []string{"format", "datefmt", "style"} {
			if v, ok := r.f.Raw(sect, k); ok {
				e[k] = v
			}
		}
		if cls, ok := r.get(sect, "class"); ok && cls != "" {
			e["class"] = cls
		}
		if v, ok := r.get(sect, "validate"); ok {
			if b, known := iniBool(v); known {
				e["validate"] = b
			} else {
				r.fail(sect, "validate", "want a boolean (1/0, yes/no, true/false, on/off), got %q", v)
			}
		}
		if v, ok := r.f.Raw(sect, "defaults"); ok {
			if d, ok := r.literal(sect, "defaults", v).(map[string]any); ok {
				e["defaults"] = d
			} else if !r.failedAt(sect, "defaults") {
				r.fail(sect, "defaults", "want a dict, got %q", v)
			}
		}
		out[id] = e
		r.paths["formatters."+id] = iniSection(sect)
	}
	return out
}

// failedAt reports whether a problem was recorded for a section's option.
func (r *iniReader) failedAt(sect, option string) bool {
	return r.failed[iniSection(sect)+" "+option]
}

// iniBool reads a boolean as configparser's getboolean does.
func iniBool(s string) (b, ok bool) {
	switch strings.ToLower(s) {
	case "1", "yes", "true", "on":
		return true, true
	case "0", "no", "false", "off":
		return false, true
	}
	return false, false
}

// iniInt reads an integer as Python's int(str) does: white space around,
// an optional sign, digits with single underscores between them.
func iniInt(s string) (int, bool) {
	s = ini.Strip(s)
	body := strings.TrimLeft(s, "+-")
	if len(s)-len(body) > 1 || body == "" || body[0] == '_' || body[len(body)-1] == '_' || strings.Contains(body, "__") {
		return 0, false
	}
	n, err := strconv.Atoi(strings.ReplaceAll(s, "_", ""))
	return n, err == nil
}

// literal reads an args, kwargs or defaults value with the safe literal
// parser; nil after a reported error.
func (r *iniReader) literal(sect, option, src string) any {
	v, err := pyliteral.Parse(src, r.resolve)
	if err != nil {
		r.fail(sect, option, "%v", err)
		return nil
	}
	return v
}

// resolve gives the names of fileConfig's namespace (Python evaluates
// args in the logging module's) their values from the Registry.
func (r *iniReader) resolve(name string) (any, bool) {
	if name == "os.devnull" {
		return os.DevNull, true
	}
	key, v, ok := r.lookup(name)
	if ok && r.symbolic {
		switch v.(type) {
		case nil, bool, string, int, int64, uint64, float64:
		default:
			return "ext://" + key, true
		}
	}
	return v, ok
}

// lookup finds a name of fileConfig's namespace in the Registry, and
// returns the Registry's name for it with its value.
func (r *iniReader) lookup(name string) (key string, v any, ok bool) {
	switch name {
	case "NOTSET", "DEBUG", "INFO", "WARNING", "WARN", "ERROR", "CRITICAL", "FATAL":
		key = "logging." + name
	case "handlers.socket.SOCK_STREAM", "handlers.socket.SOCK_DGRAM":
		key = strings.TrimPrefix(name, "handlers.")
	default:
		key = name
		if strings.HasPrefix(name, "handlers.") {
			if v, ok := r.m.reg.value("logging." + name); ok {
				return "logging." + name, v, true
			}
		}
	}
	v, ok = r.m.reg.value(key)
	return key, v, ok
}

// handlerClass resolves a fileConfig handler class: Python evaluates it
// in the logging module first (StreamHandler, handlers.MemoryHandler),
// then imports it as a dotted name.
func (r *iniReader) handlerClass(name string) (string, *HandlerClass, bool) {
	for _, n := range []string{"logging." + name, name} {
		if cls, ok := r.m.reg.handler(n); ok {
			return n, cls, true
		}
	}
	return "", nil, false
}

// iniReserved are the keys of a dictConfig handler entry that are not
// constructor arguments.
var iniReserved = []string{"class", "()", "level", "formatter", "filters", "."}

func (r *iniReader) handlers() map[string]any {
	out := map[string]any{}
	ids, ok := r.keys("handlers")
	if !ok {
		return out
	}
	for _, id := range ids {
		sect, ok := r.entry("handlers", "handler_", id)
		if !ok {
			continue
		}
		clsName, ok := r.require(sect, "class")
		if !ok {
			continue
		}
		name, cls, found := r.handlerClass(clsName)
		if !found {
			r.fail(sect, "class", "unknown handler class %q (registered: %s)", clsName, strings.Join(names(r.m.reg, r.m.reg.handlers), ", "))
			continue
		}
		e := map[string]any{"class": name}
		if lv, ok := r.get(sect, "level"); ok {
			e["level"] = lv
		}
		if fid, ok := r.get(sect, "formatter"); ok && fid != "" {
			e["formatter"] = fid
		}
		r.bindArgs(sect, name, cls, e)
		if slices.Contains(cls.Refs, "target") {
			if t, ok := r.get(sect, "target"); ok && t != "" {
				e["target"] = t
			}
		}
		out[id] = e
		r.paths["handlers."+id] = iniSection(sect)
	}
	return out
}

// bindArgs reads args and kwargs and adds them to e as keyword arguments,
// args bound to the class's parameters in Python's positional order.
func (r *iniReader) bindArgs(sect, name string, cls *HandlerClass, e map[string]any) {
	src, ok := r.get(sect, "args")
	if !ok {
		if r.failedAt(sect, "args") {
			return
		}
		src = "()"
	}
	av := r.literal(sect, "args", src)
	if r.failedAt(sect, "args") {
		return
	}
	args, isSeq := av.([]any)
	if !isSeq {
		r.fail(sect, "args", "want a tuple of positional arguments, such as (sys.stdout,), got %s", describe(av))
		return
	}
	if len(args) > len(cls.Params) {
		r.fail(sect, "args", "%s takes at most %d positional arguments, got %d", name, len(cls.Params), len(args))
		return
	}
	bound := map[string]bool{}
	for i, v := range args {
		p := cls.Params[i]
		if slices.Contains(iniReserved, p) {
			r.fail(sect, "args", "%s parameter %q cannot be given in args", name, p)
			continue
		}
		e[p] = v
		bound[p] = true
	}
	src, ok = r.get(sect, "kwargs")
	if !ok {
		if r.failedAt(sect, "kwargs") {
			return
		}
		src = "{}"
	}
	kv := r.literal(sect, "kwargs", src)
	if r.failedAt(sect, "kwargs") {
		return
	}
	kwargs, isMap := kv.(map[string]any)
	if !isMap {
		r.fail(sect, "kwargs", "want a dict of keyword arguments, such as {'mode': 'w'}, got %s", describe(kv))
		return
	}
	for _, k := range slices.Sorted(maps.Keys(kwargs)) {
		switch {
		case bound[k]:
			r.fail(sect, "kwargs", "%s got multiple values for argument %q", name, k)
		case slices.Contains(iniReserved, k) || !slices.Contains(cls.Params, k):
			r.fail(sect, "kwargs", "unexpected keyword argument %q for %s", k, name)
		default:
			e[k] = kwargs[k]
		}
	}
}

func (r *iniReader) loggers() (map[string]any, map[string]any) {
	out := map[string]any{}
	root := map[string]any{}
	keys, ok := r.keys("loggers")
	if !ok {
		return out, root
	}
	i := slices.Index(keys, "root")
	if i < 0 {
		r.fail("loggers", "keys", "must include root")
		return out, root
	}
	keys = slices.Delete(keys, i, i+1)
	if !r.f.HasSection("logger_root") {
		r.fail("loggers", "keys", "lists \"root\" but there is no section [logger_root]")
		return out, root
	}
	r.logger("logger_root", root, false)
	r.paths["root"] = iniSection("logger_root")
	for _, key := range keys {
		sect, ok := r.entry("loggers", "logger_", key)
		if !ok {
			continue
		}
		qn, ok := r.require(sect, "qualname")
		if !ok {
			continue
		}
		if isRoot(qn) {
			// Python configures the root logger again.
			r.logger(sect, root, false)
			r.paths["root"] = iniSection(sect)
			continue
		}
		e, _ := out[qn].(map[string]any)
		if e == nil {
			e = map[string]any{}
			out[qn] = e
		}
		r.logger(sect, e, true)
		r.paths["loggers."+qn] = iniSection(sect)
	}
	return out, root
}

// logger reads a logger section into e: a later section for the same
// logger replaces its handlers and propagate flag, and its level when it
// has one, as Python's repeated configuration of one logger does.
func (r *iniReader) logger(sect string, e map[string]any, named bool) {
	if lv, ok := r.get(sect, "level"); ok {
		e["level"] = lv
	}
	if named {
		e["propagate"] = true
		if v, ok := r.get(sect, "propagate"); ok {
			if n, isInt := iniInt(v); isInt {
				e["propagate"] = n != 0
			} else {
				r.fail(sect, "propagate", "want an integer (0 or 1), got %q", v)
			}
		}
	}
	if hs, ok := r.require(sect, "handlers"); ok {
		ids := []any{}
		for _, h := range iniList(hs) {
			ids = append(ids, h)
		}
		e["handlers"] = ids
	}
}

// CheckFile reads a configuration file as [Manager.Load] does (INI files
// with opts, as [Manager.FileConfig] reads them) and checks it as
// [Manager.Check] does: the error is the one loading the file would
// return, and nothing is opened, created or changed.
func (m *Manager) CheckFile(path string, opts ...FileConfigOption) error {
	return m.loadFile(path, fileOptions(opts), &checkMode{})
}

// ProbeFile is [Manager.CheckFile], then the check of [Manager.Probe]: that
// every file the configuration names could be opened for writing.
func (m *Manager) ProbeFile(path string, opts ...FileConfigOption) error {
	return m.loadFile(path, fileOptions(opts), &checkMode{probe: true})
}

// checkMode is how a configuration read from a file is only checked.
type checkMode struct {
	probe bool // Probe, not only Check
}
