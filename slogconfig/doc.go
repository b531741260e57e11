// Package slogconfig configures log/slog the way Python's logging.config
// configures Python logging: a dictConfig dictionary, read from YAML or
// JSON or given as a map, becomes a tree of [slog.Handler] values behind
// named loggers with Python's levels, inheritance and propagation.
//
// # Quick start
//
//	if err := slogconfig.Load("logging.yaml"); err != nil {
//		log.Fatal(err)
//	}
//	defer slogconfig.Shutdown()
//
//	slog.Info("listening", "port", 8080) // the root logger
//	db := slogconfig.Logger("app.db")     // a named logger
//	db.Debug("query", "rows", 3)
//	client := lib.New(slogconfig.Logger("vendor.lib")) // code that takes a *slog.Logger
//	client.Fetch("user:42")
//	log.Printf("legacy code") // the log package lands on root, at INFO
//
// The package-level functions act on a default [Manager] whose first
// configuration calls [slog.SetDefault] with its root logger, so slog.Info
// and the log package go through the configuration. [New] makes
// independent Managers; give each its own [Registry] with [WithRegistry]
// to keep their registrations apart.
//
// # Configuration schema
//
// The schema is Python's dictConfig: version (1, required), incremental,
// disable_existing_loggers, and the sections formatters, filters, handlers,
// loggers and root. A formatter has format, datefmt, style, validate and
// defaults, plus the Go keys utc and extras; a handler has class (or "()"),
// level, formatter, filters, "." properties and its class's own keys; a
// logger has level, propagate, handlers and filters. Unknown top-level keys
// are ignored; a handler key its class does not take is an error.
//
// Class names are Go names with Python's dotted names as aliases. Built in:
//
//   - formatters: pattern (logging.Formatter, the default), json and text
//     (slog's JSONHandler and TextHandler), and python-json-logger's
//     JsonFormatter (pythonjsonlogger.json.JsonFormatter and
//     pythonjsonlogger.jsonlogger.JsonFormatter);
//   - filters: name (logging.Filter), and the Go classes, named with "()":
//     level (minLevel, maxLevel), attr (key, equals or match, invert), regex
//     (pattern, invert), sample (first, thereafter, interval), rate_limit
//     (rate, burst, maxLoggers) and context (func: an ext:// value holding a
//     [filters.ContextFunc]); see package filters. A filter's class key is
//     ignored, as in Python. The sample and rate_limit filters report what
//     they drop to the error handler ([filters.SampledError],
//     [filters.RateLimitedError]);
//   - handlers: stream (logging.StreamHandler), file (logging.FileHandler),
//     null (logging.NullHandler), rotating_file, timed_rotating_file,
//     watched_file, memory, queue, socket, datagram, syslog, http and smtp
//     (logging.handlers.RotatingFileHandler, TimedRotatingFileHandler,
//     WatchedFileHandler, MemoryHandler, QueueHandler, SocketHandler,
//     DatagramHandler, SysLogHandler, HTTPHandler and SMTPHandler), and
//     the Go classes failover, router and pool.
//
// A program adds its own with [Registry.RegisterHandler],
// [Registry.RegisterFormatter] and [Registry.RegisterFilter]. The handler
// class otlp (OpenTelemetry export) lives in the module
// github.com/slogtree/slogtree/otlp, whose import registers it.
//
// A string value that is wholly "prefix://rest" is converted: ext://name
// is a value of the Registry (sys.stdout, sys.stderr, the logging level
// constants, ... and what [Registry.RegisterValue] added), cfg://path is
// another part of the same configuration, and env://NAME is an environment
// variable. "." properties are not converted.
//
// A refused configuration returns a [*ConfigError] that lists every
// problem with its path, such as "loggers.app.level: unknown level: "LOUD"".
//
// # Levels
//
// A level is a Python name in any case (DEBUG, info, WARNING, CRITICAL,
// NOTSET), a slog name with an offset (WARN, INFO+2, DEBUG-4), or a Python
// number, integer or integral float: n is the slog level
// ceil((n-20)*2/5), so 10 is [slog.LevelDebug], 15 is -2 and 50 is
// [LevelCritical]. NOTSET on a logger other than root inherits the parent's
// level; on root or a handler it passes every record. Booleans are not
// levels.
//
// # Loggers and propagation
//
// [Manager.Logger] is Python's getLogger: dotted names form a hierarchy, and
// "" and "root" are the root logger. The same name always gives the same
// *slog.Logger. A logger without a level of its own takes the level of its
// nearest ancestor that has one; root starts at WARNING. A record that
// passes the logger's level and the logger's own filters goes to the
// handlers of the logger and of each ancestor up to the first whose
// propagate is false; as in Python, the ancestors' levels and filters are
// not consulted, and each handler applies its own level and filters. A
// logger with no handler anywhere on its way to root sends WARNING and
// above to the last-resort handler ([WithLastResort]).
//
// The json and text formatters add a "logger" attribute with the logger's
// name; the pattern formatter renders it as %(name)s.
//
// # Reconfiguration
//
// [Manager.DictConfig] and [Manager.Load] may be called at any time while
// other goroutines log. Loggers, and the loggers made from them with With
// and WithGroup, follow every configuration. A configuration flows through
// these steps, each a function in the file named for it:
//
//	convert.go   decode is done by the caller (load.go, fileconfig.go);
//	             ext://, cfg:// and env:// values are resolved
//	schema.go    a typed spec, every part with its path; types checked,
//	             class names looked up, every problem collected
//	validate.go  references, cycles, levels (with the configuration's own
//	             level names), formatters and filters built, class
//	             arguments read, files that cannot be shared refused
//	             ── no I/O and no process-wide change up to here ──
//	build.go     prepare: handler objects built, files opened through a
//	             handlers.Opener that changes nothing yet; on failure what
//	             was opened is closed and the files it created removed
//	commit.go    mode "w" files truncated, rotation settings applied, level
//	             names registered, incremental handler levels set
//	route.go     every logger's route computed, specialised for its name
//	swap.go      every logger switched to its route at once; the replaced
//	             configuration retired in the background
//
// [Manager.Check] stops after validate ([Manager.Probe] also checks that the
// files could be opened, creating and changing nothing), so a configuration
// that is checked, or refused, changes nothing at all: no file is created
// or truncated, no level name registered. A record is routed wholly by the
// old or wholly by the new configuration, never lost and never delivered
// twice. The replaced configuration is retired in the background: the
// records in flight through it are delivered, including those a queue or
// memory handler holds, then what no newer configuration uses is closed. A
// reconfiguration never waits for that; [Manager.Shutdown] does, and
// [Manager.ShutdownContext] drops (and counts) what is still held at its
// deadline.
//
// There is one handler object per configured handler (a [handlers.Handler]),
// shared by every logger's route and by every handler that wraps it (queue,
// memory, failover, router, pool), so an incremental change of its level
// reaches every use, as Python's setLevel on its one object does. A file is
// opened once per absolute path and shared by every handler that writes to
// it, whatever its class; a configuration that keeps a file keeps it open.
//
// With incremental set, only handler levels, logger levels and propagate
// flags, and the root level change.
//
// A handler that fails reports a [*HandlerError] to the error handler
// ([WithErrorHandler]; by default Python's "--- Logging error ---" on
// stderr), and the other handlers still get the record. Calls into code a
// program registered (handler, formatter and filter classes) are guarded:
// a panic is reported, never fatal, and the record still reaches the other
// handlers.
//
// # Reloading
//
// [Manager.Watch] applies a configuration file, then applies it again each
// time its content changes, until [Watcher.Close]:
//
//	w, err := slogconfig.Watch("/etc/app/logging.yaml", slogconfig.ReloadOnSignal(syscall.SIGHUP))
//	if err != nil {
//		log.Fatal(err) // applied before Watch returns: no Load needed
//	}
//	defer w.Close()
//
// It watches the file's directory, so that writes in place, files renamed
// over it, removals and new files, and changed links are all seen, and it
// debounces them ([Debounce], 100ms by default). Content already in force
// is not applied again. A file that cannot be applied keeps the running
// configuration; its [*WatchError] goes to the error handler and to
// [Watcher.Err]. [PollInterval] reads the file at intervals where the file
// system sends no notifications (NFS, some container volumes).
//
// A Kubernetes ConfigMap mounted as a volume is followed: the file there is
// a link through ..data, which the kubelet swaps at once to a new
// timestamped directory; each update is one reload. A ConfigMap mounted
// with subPath is never updated by the kubelet.
//
// [Manager.Reopen] closes and opens again every file the running
// configuration writes to, after an external rotation such as logrotate's
// "create": each record lands wholly in the old file or in the new one.
//
// # Admin endpoint
//
// [Manager.AdminHandler] (and [AdminHandler]) is an HTTP handler through
// which operators read and change the loggers' levels, in the JSON shape
// of Spring Boot actuator's loggers endpoint: GET /loggers lists every
// logger (root is "root") with its configuredLevel, effectiveLevel,
// handlers and propagate; POST /loggers/{name} with {"configuredLevel":
// "DEBUG", "expires": "10m"} sets a level that goes back by itself to the
// configured one when it expires (at most [MaxAdminExpiry]), null lets
// the logger inherit; DELETE reverts now; GET and PUT /level serve the
// root level as zap's AtomicLevel does. Each change is an incremental
// configuration applied through the Manager. A later full configuration
// (a Watch reload included) takes back every level set there and cancels
// the expiries; an incremental one replaces only those of the loggers
// whose level it sets. Access is checked on every request by
// [AdminBearerToken] or [AdminAuthorize] (loopback clients only without
// either; [AdminOpenReads] lets reads through), and every change is
// logged at INFO on the logger "slogtree.admin". [Manager.Shutdown]
// stops the expiries.
//
// # Seeing the tree
//
// [Manager.Tree] (and [LoggerTree] for the default Manager) is a snapshot
// of the hierarchy: every logger ever named or configured, root first,
// with the placeholders between them, each with its own and effective
// level, propagate and disabled flags, filters and handlers; each handler
// with its class, level, filters, formatter, what it writes to (a stream
// by its ext:// name, a file by its path) and the handlers it passes
// records to. It is plain data ([Tree], [TreeLogger], [TreeHandler]) for
// a program to list or serve; its String is the layout of Python's
// logging_tree package, MarshalJSON a documented shape and Mermaid a
// flowchart:
//
//	<--""
//	   Level INFO
//	   Handler Stream <stderr>
//	     Name 'console'
//	   |
//	   o   "jobs"
//	       Level NOTSET so inherits level INFO
//	       Propagate OFF
//	       Handler File '/var/log/app/errors.log'
//	         Name 'errors'
//	         Level ERROR
//
// [Manager.Explain] (and [Explain]) says what becomes of a record of a
// level logged on a logger: whether the logger passes it (its level, its
// disabled flag, its name filters), then for each handler on its way
// whether the record reaches it and, when not, why (the handler's level,
// a filter, propagation stopped at a logger, a null handler), into the
// handlers a queue, memory, failover, router or pool handler passes it to,
// and the last resort when no handler is found. It follows the state the
// loggers route records by, so it agrees with what a record logged then
// does. Both hold the Manager's lock only while they copy the loggers'
// states; logging goes on meanwhile.
//
// A Manager made with [WithDryRun] applies configurations with stand-ins
// for the handlers, which open nothing, so that Tree and Explain show
// what a configuration would do without touching a file: the slogconfig
// command's tree and explain work that way.
//
// # Deviations from Python
//
// Everything else follows CPython 3.11.
//
//   - A configuration is applied atomically; Python closes its handlers
//     first and is left half configured on error.
//   - Handlers are built in dependency order with cycles reported, not in
//     sorted order with one deferred pass.
//   - A configuration replaces a logger's filters instead of adding to them.
//   - propagate must be a boolean (or 0 or 1).
//   - The last-resort handler belongs to the Manager and appends the
//     record's attributes to the message; WithLastResort(nil) gives Python's
//     one-time "No handlers could be found" notice.
//   - Level names are accepted in any case, and slog names too.
//   - Integral floats such as 20.0 are levels; booleans are not.
//   - File mode "w" truncates when a configuration that names the file
//     takes effect, unless the file is still open: kept by the
//     configuration it replaces (or by an older one still being retired),
//     the open file goes on as it is.
//   - The configuration a new one replaces is closed in the background,
//     once its records in flight are delivered: a memory handler it
//     flushes on close does so shortly after DictConfig returns, not before.
//   - Handlers that share a file in ways that cannot be shared (different
//     rotation settings or permissions, mode "x" beside another handler) are
//     refused, naming both.
//   - The pattern formatter appends the attributes its format does not name
//     after the message as key=value; the formatter key extras: ignore
//     gives Python's output.
//   - env:// values read environment variables.
//   - YAML's plain yes, no, on and off are booleans, as PyYAML reads them.
//   - The file and buffering handlers deviate as package handlers
//     documents: lumberjack's rotated file names, queue listeners started
//     for you, a bounded queue by default.
//   - The network handlers (socket, datagram, syslog, http, smtp) deviate
//     as package handlers documents: connections made in the background,
//     dropped records counted and reported, timeouts, mail sent from a
//     queue; http's context is a *tls.Config registered with
//     RegisterValue.
//
// # Python's INI format and the socket listener
//
// [Manager.FileConfig] (and [Load] for .ini, .conf and .cfg) reads Python's
// fileConfig format with a configparser-compatible reader. Handler args and
// kwargs are read by a safe literal parser, never evaluated; the file is
// turned into a dictConfig dictionary and applied by [Manager.DictConfig],
// so it is atomic too. [Manager.Listen] accepts configurations over TCP in
// the wire format of Python's logging.config.listen: a 4-byte big-endian
// length, then a JSON object or an INI file. [Send] is the client; the
// listener answers with a status that CPython's client ignores.
//
// # Security
//
// No code runs from a configuration. Every class, "()" factory and ext://
// value resolves through a [Registry], which holds the built-in classes and
// values and what the program registered; nothing else can be reached. A
// configuration can still write to any file the process may write to and
// read environment variables, so load configurations only from sources
// trusted as much as the program.
//
// The listener binds loopback unless told otherwise, refuses a
// non-loopback address without a verifier (see [Verify], [HMACVerifier]),
// bounds each client in time, rate and size and drops stalled clients for
// new ones, and can accept only incremental configurations
// ([IncrementalOnly]) or a chosen set of handler classes
// ([AllowHandlerClasses]), so that a peer cannot make the process write or
// truncate arbitrary files. A peer cannot read the host through it: env://
// values are refused unless [AllowEnv], a status tells of the
// configuration sent, not of the file system, and level names are refused
// unless [AllowLevelNames]. See [Listener].
package slogconfig
