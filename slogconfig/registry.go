package slogconfig

import (
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"slices"
	"sync"

	"github.com/slogtree/slogtree/filters"
	"github.com/slogtree/slogtree/formatters"
	"github.com/slogtree/slogtree/handlers"
)

// A HandlerClass is a handler class a configuration may name with "class"
// or "()": Python's constructor, with its parameter names.
type HandlerClass struct {
	// Params are the keyword arguments the class takes, in Python's
	// positional order. A configuration key that is not one of them is an
	// error, as Python's TypeError is.
	Params []string
	// Refs are the Params that name other handlers of the configuration.
	// Those handlers are built first, and cycles are errors.
	Refs []string
	// Props are the properties a "." entry may set.
	Props []string

	// Check, if not nil, checks the arguments without opening anything,
	// starting anything or changing any state: the validate step (and so
	// [Manager.Check]) calls it, and a configuration it refuses is refused
	// before any class's New runs. HandlerConfig.Handler returns nil in
	// Check.
	Check func(c *HandlerConfig) error

	// New builds the handler, for a configuration that passed validation.
	// The level and filters of the configuration are applied in front of
	// what it returns; the closer, if not nil, is closed when no
	// configuration uses the handler any more. When another handler of the
	// configuration fails to build, the closer is closed before the
	// configuration is refused.
	New func(c *HandlerConfig) (slog.Handler, io.Closer, error)

	// plan is how slogtree's own classes read their arguments at validate
	// and build at prepare; New is nil for them.
	plan func(c *HandlerConfig) (*classPlan, error)
	// builtin marks the classes slogtree ships, which do not panic: their
	// handler objects call them without a recover.
	builtin bool
}

// classPlan is what one of slogtree's own classes makes of its arguments
// at validate: the files it will open, and how it builds the handler at
// prepare.
type classPlan struct {
	files []fileUse
	build func(c *HandlerConfig) (slog.Handler, io.Closer, error)
	// userCode: the handler calls a program's code (a registered
	// writer), so its handler object must call it under a recover.
	userCode bool

	// What a snapshot ([Manager.Tree]) and an explanation
	// ([Manager.Explain]) tell of the handler.
	kind   string    // the class by its Go name: "stream", "file", ..., "queue"
	stream io.Writer // a stream handler's writer
	wrap   wrapInfo  // how a wrapper passes records to the handlers it wraps
}

// wrapInfo is how one of slogtree's wrapping classes passes a record to
// the handlers it wraps (its handler object's deps, in order).
type wrapInfo struct {
	respect      bool             // queue: respect_handler_level
	capacity     int              // memory: the buffered records that trigger a flush
	flushLevel   slog.Level       // memory: the least level that triggers a flush
	flushOnClose bool             // memory
	routes       []handlers.Route // router: each handler's conditions, Handler unset
	firstMatch   bool             // router
}

// fileUse is a file a handler writes, as validate compares it with the
// files of the other handlers and as the probe checks it.
type fileUse struct {
	key       string // the argument that names it
	path      string // absolute
	mode      string // Python's open mode
	perm      os.FileMode
	rotation  any  // comparable rotation settings; nil when the handler does not rotate
	exclusive bool // mode "x": the file must not exist
}

// A FormatterClass builds a formatter from the keys of its configuration
// (all keys but "class" and "()").
type FormatterClass func(c *FormatterConfig) (formatters.Formatter, error)

// A FilterClass builds a filter from the keys of its configuration (all
// keys but "()" and "."). It is called when a configuration is validated,
// [Manager.Check] included, so it must not open anything or start a
// goroutine. The filter it returns is shared by every handler and logger
// that names its id. A filter that implements [io.Closer] is closed once
// no configuration in force uses it, and again at [Manager.Shutdown] if a
// logger the configuration did not name still holds it (Python keeps such
// a logger's filters): its Close must tolerate being called more than
// once, and being followed by more records.
type FilterClass func(c *FilterConfig) (filters.Filter, error)

// Registry holds what a configuration may name: handler, formatter and
// filter classes, and the values of ext:// references. Nothing outside a
// Registry can be reached from a configuration, so a configuration cannot
// run code a program did not register. A Registry is safe for concurrent
// use; registering a name twice is an error.
type Registry struct {
	mu         sync.RWMutex
	handlers   map[string]*HandlerClass
	formatters map[string]FormatterClass
	filters    map[string]FilterClass
	values     map[string]any

	builtinFormatters map[string]bool // the formatter classes slogtree ships
	builtinFilters    map[string]bool // the filter classes slogtree ships
}

// NewRegistry returns a Registry holding the built-in classes under their Go
// and Python names, and the built-in ext:// values (sys.stdout,
// sys.stderr, the logging level constants, the logging.handlers port
// numbers and syslog constants, socket.SOCK_STREAM and SOCK_DGRAM, io.Discard).
func NewRegistry() *Registry {
	r := &Registry{
		handlers:   map[string]*HandlerClass{},
		formatters: map[string]FormatterClass{},
		filters:    map[string]FilterClass{},
		values:     map[string]any{},
	}
	registerBuiltins(r)
	// Everything registered so far is slogtree's own.
	for _, c := range r.handlers {
		c.builtin = true
	}
	r.builtinFormatters = make(map[string]bool, len(r.formatters))
	for n := range r.formatters {
		r.builtinFormatters[n] = true
	}
	r.builtinFilters = make(map[string]bool, len(r.filters))
	for n := range r.filters {
		r.builtinFilters[n] = true
	}
	return r
}

// DefaultRegistry is the Registry of the default Manager and of every
// Manager made without [WithRegistry].
var DefaultRegistry = NewRegistry()

func register[T any](r *Registry, m map[string]T, kind, name string, v T) error {
	if name == "" {
		return fmt.Errorf("slogconfig: empty %s name", kind)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := m[name]; dup {
		return fmt.Errorf("slogconfig: %s %q is already registered", kind, name)
	}
	m[name] = v
	return nil
}

// RegisterHandler adds a handler class under name.
func (r *Registry) RegisterHandler(name string, c HandlerClass) error {
	if c.New == nil && c.plan == nil {
		return fmt.Errorf("slogconfig: handler class %q has no New", name)
	}
	return register(r, r.handlers, "handler class", name, &c)
}

// RegisterFormatter adds a formatter class under name.
func (r *Registry) RegisterFormatter(name string, c FormatterClass) error {
	if c == nil {
		return fmt.Errorf("slogconfig: nil formatter class %q", name)
	}
	return register(r, r.formatters, "formatter class", name, c)
}

// RegisterFilter adds a filter class under name.
func (r *Registry) RegisterFilter(name string, c FilterClass) error {
	if c == nil {
		return fmt.Errorf("slogconfig: nil filter class %q", name)
	}
	return register(r, r.filters, "filter class", name, c)
}

// RegisterValue makes v the value of "ext://name".
func (r *Registry) RegisterValue(name string, v any) error {
	return register(r, r.values, "value", name, v)
}

func lookup[T any](r *Registry, m map[string]T, name string) (T, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	v, ok := m[name]
	return v, ok
}

func (r *Registry) handler(name string) (*HandlerClass, bool) { return lookup(r, r.handlers, name) }
func (r *Registry) formatter(name string) (FormatterClass, bool) {
	return lookup(r, r.formatters, name)
}
func (r *Registry) filter(name string) (FilterClass, bool) { return lookup(r, r.filters, name) }
func (r *Registry) value(name string) (any, bool) {
	v, ok := lookup(r, r.values, name)
	if d, isDynamic := v.(dynamic); isDynamic {
		v = d()
	}
	return v, ok
}

// dynamic is a value read when a configuration uses it, so that
// ext://sys.stdout is os.Stdout as it is then, not as it was at start-up.
type dynamic func() any

// names returns the sorted names of a kind, for error messages.
func names[T any](r *Registry, m map[string]T) []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Sorted(maps.Keys(m))
}

// RegisterHandler adds a handler class to [DefaultRegistry].
func RegisterHandler(name string, c HandlerClass) error {
	return DefaultRegistry.RegisterHandler(name, c)
}

// RegisterFormatter adds a formatter class to [DefaultRegistry].
func RegisterFormatter(name string, c FormatterClass) error {
	return DefaultRegistry.RegisterFormatter(name, c)
}

// RegisterFilter adds a filter class to [DefaultRegistry].
func RegisterFilter(name string, c FilterClass) error {
	return DefaultRegistry.RegisterFilter(name, c)
}

// RegisterValue makes v the value of "ext://name" in [DefaultRegistry].
func RegisterValue(name string, v any) error {
	return DefaultRegistry.RegisterValue(name, v)
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func registerBuiltins(r *Registry) {
	alias := func(c HandlerClass, names ...string) {
		for _, n := range names {
			must(r.RegisterHandler(n, c))
		}
	}
	alias(streamClass, "stream", "logging.StreamHandler")
	alias(fileClass, "file", "logging.FileHandler")
	alias(nullClass, "null", "logging.NullHandler")
	registerFileHandlers(r)
	registerNetHandlers(r)
	registerSyslogHandlers(r)
	registerSMTPHandlers(r)

	for _, n := range []string{"pattern", "logging.Formatter"} {
		must(r.RegisterFormatter(n, newPatternFormatter))
	}
	must(r.RegisterFormatter("json", newJSONFormatter))
	must(r.RegisterFormatter("text", newTextFormatter))
	must(registerPyJSONFormatters(r))
	for _, n := range []string{"name", "logging.Filter"} {
		must(r.RegisterFilter(n, newNameFilter))
	}
	registerFilters(r)

	values := map[string]any{
		"sys.stdout":       dynamic(func() any { return os.Stdout }),
		"sys.stderr":       dynamic(func() any { return os.Stderr }),
		"io.Discard":       io.Discard,
		"logging.NOTSET":   0,
		"logging.DEBUG":    10,
		"logging.INFO":     20,
		"logging.WARNING":  30,
		"logging.WARN":     30,
		"logging.ERROR":    40,
		"logging.CRITICAL": 50,
		"logging.FATAL":    50,

		"logging.handlers.SYSLOG_UDP_PORT":           514,
		"logging.handlers.SYSLOG_TCP_PORT":           514,
		"logging.handlers.DEFAULT_TCP_LOGGING_PORT":  9020,
		"logging.handlers.DEFAULT_UDP_LOGGING_PORT":  9021,
		"logging.handlers.DEFAULT_HTTP_LOGGING_PORT": 9022,
		"logging.handlers.DEFAULT_SOAP_LOGGING_PORT": 9023,
		"socket.SOCK_STREAM":                         1,
		"socket.SOCK_DGRAM":                          2,
	}
	syslog := map[string]int{
		"LOG_EMERG": 0, "LOG_ALERT": 1, "LOG_CRIT": 2, "LOG_ERR": 3, "LOG_WARNING": 4,
		"LOG_NOTICE": 5, "LOG_INFO": 6, "LOG_DEBUG": 7,
		"LOG_KERN": 0, "LOG_USER": 1, "LOG_MAIL": 2, "LOG_DAEMON": 3, "LOG_AUTH": 4,
		"LOG_SYSLOG": 5, "LOG_LPR": 6, "LOG_NEWS": 7, "LOG_UUCP": 8, "LOG_CRON": 9,
		"LOG_AUTHPRIV": 10, "LOG_FTP": 11, "LOG_NTP": 12, "LOG_SECURITY": 13, "LOG_CONSOLE": 14,
		"LOG_SOLCRON": 15,
		"LOG_LOCAL0":  16, "LOG_LOCAL1": 17, "LOG_LOCAL2": 18, "LOG_LOCAL3": 19,
		"LOG_LOCAL4": 20, "LOG_LOCAL5": 21, "LOG_LOCAL6": 22, "LOG_LOCAL7": 23,
	}
	for k, v := range syslog {
		values["logging.handlers.SysLogHandler."+k] = v
	}
	for k, v := range values {
		must(r.RegisterValue(k, v))
	}
}
