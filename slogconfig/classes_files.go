package slogconfig

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slogtree/slogtree/handlers"
	"github.com/slogtree/slogtree/internal/levels"
)

// registerFileHandlers registers the file and buffering handler classes of
// package handlers (rotating, timed rotating, watched, memory, queue,
// failover, router, pool) under their Go and Python names.
func registerFileHandlers(r *Registry) {
	for _, c := range []struct {
		names []string
		class HandlerClass
	}{
		{[]string{"rotating_file", "logging.handlers.RotatingFileHandler"}, rotatingClass},
		{[]string{"timed_rotating_file", "logging.handlers.TimedRotatingFileHandler"}, timedClass},
		{[]string{"watched_file", "logging.handlers.WatchedFileHandler"}, watchedClass},
		{[]string{"memory", "logging.handlers.MemoryHandler"}, memoryClass},
		{[]string{"queue", "logging.handlers.QueueHandler"}, queueClass},
		{[]string{"failover"}, failoverClass},
		{[]string{"router"}, routerClass},
		{[]string{"pool"}, poolClass},
	} {
		for _, n := range c.names {
			must(r.RegisterHandler(n, c.class))
		}
	}
}

// rotation is the rotation of a file, as validate compares it between
// handlers that write the same file.
type rotation struct {
	sizeMB, maxBytes    int
	backups, ageDays    int
	compress, localTime bool
	when                string
	interval            int
	utc                 bool
	atTime              time.Duration // -1: none
}

// rotatingClass is logging.handlers.RotatingFileHandler(filename, mode='a',
// maxBytes=0, backupCount=0, encoding=None, delay=False, errors=None), on
// lumberjack, with the Go keys maxSizeMB, maxBackups, maxAgeDays, compress,
// localTime and fileMode.
var rotatingClass = HandlerClass{
	Params: []string{"filename", "mode", "maxBytes", "backupCount", "encoding", "delay", "errors",
		"maxSizeMB", "maxBackups", "maxAgeDays", "compress", "localTime", "fileMode"},
	Props: []string{"terminator"},
	plan: func(c *HandlerConfig) (*classPlan, error) {
		a := fhArgs{c: c}
		name := a.required("filename")
		mode := a.mode("a")
		maxBytes := a.nonNegative("maxBytes")
		backupCount, hasBackupCount := a.optNonNegative("backupCount")
		sizeMB := a.nonNegative("maxSizeMB")
		if sizeMB > handlers.MaxSizeMB {
			a.failAt("maxSizeMB", fmt.Errorf("want at most %d, got %d", handlers.MaxSizeMB, sizeMB))
		}
		maxBackups, hasMaxBackups := a.optNonNegative("maxBackups")
		ropts := handlers.RotatingOptions{
			MaxAgeDays: a.nonNegative("maxAgeDays"),
			Compress:   a.boolean("compress", false),
			LocalTime:  a.boolean("localTime", false),
			Perm:       a.fileMode(),
			Delay:      a.boolean("delay", false),
			Terminator: a.terminator(),
		}
		a.common()
		if maxBytes > 0 && sizeMB > 0 {
			a.fail("maxBytes and maxSizeMB: give one of them, not both")
		}
		if hasBackupCount && hasMaxBackups {
			a.fail("backupCount and maxBackups: give one of them, not both")
		}
		if err := a.err(); err != nil {
			return nil, err
		}
		rotate := sizeMB > 0 || maxBytes > 0
		switch {
		case hasBackupCount:
			// Python's rule: backupCount 0 never rotates.
			rotate = rotate && backupCount > 0
			ropts.MaxBackups = backupCount
		case hasMaxBackups:
			ropts.MaxBackups = maxBackups
		case maxBytes > 0:
			rotate = false // Python's default backupCount is 0
		}
		if maxBytes > 0 {
			mode = "a" // as Python does whenever maxBytes > 0
		}
		if !rotate {
			if maxBytes > 0 {
				c.Warn("backupCount is 0: the file never rotates, as in Python (set backupCount, or maxBackups to keep every rotated file)")
			}
			fopts := handlers.FileOptions{Mode: mode, Delay: ropts.Delay, Perm: ropts.Perm, Terminator: ropts.Terminator}
			use := a.file("filename", name, mode, fopts.Perm, nil)
			return &classPlan{kind: "rotating_file", files: []fileUse{use}, build: func(c *HandlerConfig) (slog.Handler, io.Closer, error) {
				f, err := c.opener.OpenFile(name, &fopts)
				if err != nil {
					return nil, nil, err
				}
				return c.Format(f), f, nil
			}}, a.err()
		}
		ropts.MaxSizeMB, ropts.MaxBytes = sizeMB, int64(maxBytes)
		use := a.file("filename", name, "a", ropts.Perm, rotation{sizeMB: sizeMB, maxBytes: maxBytes, backups: ropts.MaxBackups,
			ageDays: ropts.MaxAgeDays, compress: ropts.Compress, localTime: ropts.LocalTime, atTime: -1})
		return &classPlan{kind: "rotating_file", files: []fileUse{use}, build: func(c *HandlerConfig) (slog.Handler, io.Closer, error) {
			f, err := c.opener.OpenRotating(name, &ropts)
			if err != nil {
				return nil, nil, err
			}
			return c.Format(f), f, nil
		}}, a.err()
	},
}

// timedClass is logging.handlers.TimedRotatingFileHandler(filename,
// when='h', interval=1, backupCount=0, encoding=None, delay=False,
// utc=False, atTime=None, errors=None), on lumberjack, with the Go keys
// maxAgeDays, compress, localTime and fileMode. atTime is "HH:MM[:SS]".
var timedClass = HandlerClass{
	Params: []string{"filename", "when", "interval", "backupCount", "encoding", "delay", "utc", "atTime", "errors",
		"maxAgeDays", "compress", "localTime", "fileMode"},
	Props: []string{"terminator"},
	plan: func(c *HandlerConfig) (*classPlan, error) {
		a := fhArgs{c: c}
		name := a.required("filename")
		topts := handlers.TimedRotatingOptions{
			When:       a.str("when", "h"),
			Interval:   a.integer("interval", 1),
			MaxBackups: a.nonNegative("backupCount"),
			Delay:      a.boolean("delay", false),
			UTC:        a.boolean("utc", false),
			MaxAgeDays: a.nonNegative("maxAgeDays"),
			Compress:   a.boolean("compress", false),
			LocalTime:  a.boolean("localTime", false),
			Perm:       a.fileMode(),
			Terminator: a.terminator(),
			OnError:    c.ReportFunc(),
		}
		if v, ok := c.Args["interval"]; ok && v != nil {
			if n, isInt := toInt(v); isInt && n < 1 {
				a.failAt("interval", fmt.Errorf("want an integer >= 1, got %d", n))
			}
		}
		at := time.Duration(-1)
		if s := a.str("atTime", ""); s != "" {
			d, err := handlers.ParseTimeOfDay(s)
			if err != nil {
				a.failAt("atTime", err)
			}
			topts.AtTime, at = &d, d
		}
		a.common()
		if err := a.err(); err != nil {
			return nil, err
		}
		if err := handlers.CheckTimedRotating(&topts); errors.Is(err, handlers.ErrInvalidWhen) {
			a.failAt("when", errors.New(strings.TrimPrefix(err.Error(), handlers.ErrInvalidWhen.Error()+": ")))
		} else if err != nil {
			a.failAt("", err)
		}
		use := a.file("filename", name, "a", topts.Perm, rotation{backups: topts.MaxBackups, ageDays: topts.MaxAgeDays,
			compress: topts.Compress, localTime: topts.LocalTime, when: strings.ToUpper(topts.When),
			interval: topts.Interval, utc: topts.UTC, atTime: at})
		return &classPlan{kind: "timed_rotating_file", files: []fileUse{use}, build: func(c *HandlerConfig) (slog.Handler, io.Closer, error) {
			f, err := c.opener.OpenTimedRotating(name, &topts)
			if err != nil {
				return nil, nil, err
			}
			return c.Format(f), f, nil
		}}, a.err()
	},
}

// watchedClass is logging.handlers.WatchedFileHandler(filename, mode='a',
// encoding=None, delay=False, errors=None), with the Go key fileMode.
var watchedClass = HandlerClass{
	Params: []string{"filename", "mode", "encoding", "delay", "errors", "fileMode"},
	Props:  []string{"terminator"},
	plan: func(c *HandlerConfig) (*classPlan, error) {
		a := fhArgs{c: c}
		name := a.required("filename")
		wopts := handlers.WatchedOptions{
			Mode:       a.mode("a"),
			Delay:      a.boolean("delay", false),
			Perm:       a.fileMode(),
			Terminator: a.terminator(),
		}
		a.common()
		use := a.file("filename", name, wopts.Mode, wopts.Perm, nil)
		if err := a.err(); err != nil {
			return nil, err
		}
		return &classPlan{kind: "watched_file", files: []fileUse{use}, build: func(c *HandlerConfig) (slog.Handler, io.Closer, error) {
			f, err := c.opener.OpenWatched(name, &wopts)
			if err != nil {
				return nil, nil, err
			}
			return c.Format(f), f, nil
		}}, nil
	},
}

// memoryClass is logging.handlers.MemoryHandler(capacity,
// flushLevel=ERROR, target=None, flushOnClose=True). flushLevel is a level
// name (any case) or number, converted as Python 3.13 does.
var memoryClass = HandlerClass{
	Params: []string{"capacity", "flushLevel", "target", "flushOnClose"},
	Refs:   []string{"target"},
	plan: func(c *HandlerConfig) (*classPlan, error) {
		a := fhArgs{c: c}
		if v, ok := c.Args["capacity"]; !ok || v == nil {
			a.failAt("capacity", errors.New("required"))
		}
		opts := handlers.MemoryOptions{
			Capacity:       a.integer("capacity", 0),
			NoFlushOnClose: !a.boolean("flushOnClose", true),
		}
		if v, ok := c.Args["flushLevel"]; ok && v != nil {
			l, err := c.level(v)
			if err != nil {
				a.failAt("flushLevel", err)
			}
			opts.FlushLevel = l.Threshold()
		}
		target := a.str("target", "")
		if target == "" {
			c.Warn("no target: every record is dropped (Python keeps them in memory for a target set later)")
		}
		if err := a.err(); err != nil {
			return nil, err
		}
		flushLevel := slog.LevelError
		if opts.FlushLevel != nil {
			flushLevel = opts.FlushLevel.Level()
		}
		wrap := wrapInfo{capacity: opts.Capacity, flushLevel: flushLevel, flushOnClose: !opts.NoFlushOnClose}
		return &classPlan{kind: "memory", wrap: wrap, build: func(c *HandlerConfig) (slog.Handler, io.Closer, error) {
			var t slog.Handler
			if target != "" {
				t = c.Handler(target)
			}
			h := handlers.NewMemoryHandler(t, &opts)
			return h, h, nil
		}}, nil
	},
}

// queueClass is logging.handlers.QueueHandler with Python 3.12's
// configuration keys, its QueueListener started for you: queue (absent, a
// mapping with an optional "()": "queue.Queue" and maxsize, or
// "queue.Queue"), handlers (ids), respect_handler_level, listener (absent
// or logging.handlers.QueueListener), and the Go key overflow ("block",
// "drop_newest", "drop_oldest").
var queueClass = HandlerClass{
	Params: []string{"queue", "handlers", "respect_handler_level", "listener", "overflow"},
	Refs:   []string{"handlers"},
	plan: func(c *HandlerConfig) (*classPlan, error) {
		a := fhArgs{c: c}
		ids := a.handlerList("handlers")
		opts := handlers.QueueOptions{
			MaxSize:             a.queueSize(),
			RespectHandlerLevel: a.boolean("respect_handler_level", false),
			Formatter:           c.Formatter,
		}
		a.listener()
		if o := a.str("overflow", ""); o != "" {
			var err error
			if opts.Overflow, err = handlers.ParseOverflow(o); err != nil {
				a.failAt("overflow", errors.New(strings.TrimPrefix(err.Error(), "overflow ")))
			}
		}
		if err := a.err(); err != nil {
			return nil, err
		}
		return &classPlan{kind: "queue", wrap: wrapInfo{respect: opts.RespectHandlerLevel}, build: func(c *HandlerConfig) (slog.Handler, io.Closer, error) {
			o := opts
			o.OnError = childReporter(c, ids)
			h := handlers.NewQueueHandler(c.handlers(ids), &o)
			return h, h, nil
		}}, nil
	},
}

// failoverClass is the Go class failover(handlers): each record goes to
// the first of the handlers that takes it.
var failoverClass = listClass("failover", func(hs []slog.Handler, onError func(error)) slog.Handler {
	return handlers.NewFailover(hs, &handlers.FailoverOptions{OnError: onError})
})

// poolClass is the Go class pool(handlers): records go to the handlers in
// turn.
var poolClass = listClass("pool", func(hs []slog.Handler, onError func(error)) slog.Handler {
	return handlers.NewPool(hs, &handlers.PoolOptions{OnError: onError})
})

// listClass is the class kind whose one argument is a list of handler
// ids, built by build over those handlers, with their errors reported
// under their ids.
func listClass(kind string, build func(hs []slog.Handler, onError func(error)) slog.Handler) HandlerClass {
	return HandlerClass{
		Params: []string{"handlers"},
		Refs:   []string{"handlers"},
		plan: func(c *HandlerConfig) (*classPlan, error) {
			a := fhArgs{c: c}
			ids := a.handlerList("handlers")
			if err := a.err(); err != nil {
				return nil, err
			}
			return &classPlan{kind: kind, build: func(c *HandlerConfig) (slog.Handler, io.Closer, error) {
				return build(c.handlers(ids), childReporter(c, ids)), nil, nil
			}}, nil
		},
	}
}

// routerClass is the Go class router(handlers, routes, firstMatch): each
// record goes to the handlers whose route it matches. routes maps a
// handler id to its conditions: level (the least level), maxLevel (the
// greatest) and attrs (a mapping of attribute keys to values). A handler
// without a route takes every record.
var routerClass = HandlerClass{
	Params: []string{"handlers", "routes", "firstMatch"},
	Refs:   []string{"handlers"},
	plan: func(c *HandlerConfig) (*classPlan, error) {
		a := fhArgs{c: c}
		ids := a.handlerList("handlers")
		routes := make([]handlers.Route, len(ids))
		first := a.boolean("firstMatch", false)
		if v, ok := c.Args["routes"]; ok && v != nil {
			m, isMap := v.(map[string]any)
			if !isMap {
				a.failAt("routes", fmt.Errorf("want a mapping of handler ids to conditions, got %s", describe(v)))
			}
			for _, id := range slices.Sorted(maps.Keys(m)) {
				i := slices.Index(ids, id)
				if i < 0 {
					a.failAt("routes."+id, fmt.Errorf("%q is not one of the router's handlers", id))
					continue
				}
				a.route(id, m[id], &routes[i])
			}
		}
		if err := a.err(); err != nil {
			return nil, err
		}
		return &classPlan{kind: "router", wrap: wrapInfo{routes: routes, firstMatch: first}, build: func(c *HandlerConfig) (slog.Handler, io.Closer, error) {
			rs := slices.Clone(routes)
			for i, h := range c.handlers(ids) {
				rs[i].Handler = h
			}
			return handlers.NewRouter(rs, &handlers.RouterOptions{FirstMatch: first, OnError: childReporter(c, ids)}), nil, nil
		}}, nil
	},
}

// childReporter reports the errors of a wrapper's handlers as
// [*HandlerError] values naming the failing handler's id.
func childReporter(c *HandlerConfig, ids []string) func(error) {
	return func(err error) {
		var ce *handlers.ChildError
		if errors.As(err, &ce) && ce.Index >= 0 && ce.Index < len(ids) {
			c.ReportError(&HandlerError{Handler: ids[ce.Index], Logger: ce.Logger, Record: ce.Record, Err: ce.Err})
			return
		}
		c.ReportError(fmt.Errorf("handler %q: %w", c.ID, err))
	}
}

// fhArgs reads a handler's arguments, collecting every problem.
type fhArgs struct {
	c    *HandlerConfig
	errs problems
}

func (a *fhArgs) err() error { return a.errs.err() }

func (a *fhArgs) fail(msg string) { a.errs.add("", errors.New(msg)) }

func (a *fhArgs) failAt(key string, err error) {
	a.errs.add(key, err)
}

// add records an argument error, whose text starts with the key as the
// HandlerConfig helpers make it.
func (a *fhArgs) add(err error) {
	if err == nil {
		return
	}
	msg := err.Error()
	if i := strings.Index(msg, ": "); i > 0 && !strings.Contains(msg[:i], " ") {
		a.errs.add(msg[:i], errors.New(msg[i+2:]))
		return
	}
	a.errs.add("", err)
}

func (a *fhArgs) str(key, def string) string {
	s, err := a.c.String(key, def)
	a.add(err)
	return s
}

func (a *fhArgs) required(key string) string {
	s := a.str(key, "")
	if s == "" {
		if v, ok := a.c.Args[key]; !ok || v == nil {
			a.failAt(key, errors.New("required"))
		} else if _, isStr := v.(string); isStr {
			a.failAt(key, errors.New("want a file name, got \"\""))
		}
	}
	return s
}

func (a *fhArgs) boolean(key string, def bool) bool {
	b, err := a.c.Bool(key, def)
	a.add(err)
	return b
}

func (a *fhArgs) integer(key string, def int) int {
	n, err := a.c.Int(key, def)
	a.add(err)
	return n
}

func (a *fhArgs) nonNegative(key string) int {
	n, _ := a.optNonNegative(key)
	return n
}

// optNonNegative reads an integer >= 0 and reports whether it was given.
func (a *fhArgs) optNonNegative(key string) (int, bool) {
	v, ok := a.c.Args[key]
	if !ok || v == nil {
		return 0, false
	}
	n, isInt := toInt(v)
	if !isInt || n < 0 {
		a.failAt(key, fmt.Errorf("want an integer >= 0, got %s", describe(v)))
		return 0, true
	}
	return n, true
}

// common checks the arguments every file class takes and ignores:
// encoding (UTF-8 only) and errors.
func (a *fhArgs) common() {
	if err := checkEncoding(a.c.Args); err != nil {
		a.add(err)
	}
	a.str("errors", "")
}

func (a *fhArgs) terminator() string {
	t, err := terminator(a.c.Props)
	if err != nil {
		a.errs.add("", err)
	}
	return t
}

// fileMode reads fileMode: an integer (420 is 0644) or an octal string
// ("0640", "640" or "0o640"). Default 0644. A log file is not a program:
// execute bits (and setuid, setgid, sticky) are refused.
func (a *fhArgs) fileMode() os.FileMode {
	v, ok := a.c.Args["fileMode"]
	if !ok || v == nil {
		return 0o644
	}
	var n int64
	var good bool
	switch v := v.(type) {
	case string:
		s := strings.TrimPrefix(strings.TrimPrefix(v, "0o"), "0O")
		var err error
		n, err = strconv.ParseInt(s, 8, 32)
		good = err == nil && s != ""
	default:
		var i int
		i, good = toInt(v)
		n = int64(i)
	}
	switch {
	case !good || n < 0 || n > 0o7777:
		a.failAt("fileMode", fmt.Errorf("want a permission such as \"0644\" (octal) or 420, got %s", describe(v)))
	case n&0o7111 != 0:
		a.failAt("fileMode", fmt.Errorf("want a permission without execute bits, such as \"0644\": a log file is not a program, got %04o", n))
	default:
		return os.FileMode(n)
	}
	return 0o644
}

// handlerList reads a list of handler ids. The ids are checked at
// validate, which reports the unknown ones.
func (a *fhArgs) handlerList(key string) []string {
	v, ok := a.c.Args[key]
	if !ok || v == nil {
		a.failAt(key, errors.New("required: a list of handler ids"))
		return nil
	}
	list, isList := v.([]any)
	if !isList {
		a.failAt(key, fmt.Errorf("want a list of handler ids, got %s", describe(v)))
		return nil
	}
	if len(list) == 0 {
		a.failAt(key, errors.New("want at least one handler id"))
	}
	ids := make([]string, 0, len(list))
	for i, e := range list {
		id, isStr := e.(string)
		if !isStr {
			a.failAt(fmt.Sprintf("%s[%d]", key, i), fmt.Errorf("want a handler id, got %s", describe(e)))
			continue
		}
		ids = append(ids, id)
	}
	return ids
}

// mode reads Python's open mode, checked as the file handlers check it.
func (a *fhArgs) mode(def string) string {
	m := a.str("mode", def)
	if err := handlers.CheckMode(m); err != nil {
		a.failAt("mode", errors.New(strings.TrimPrefix(err.Error(), handlers.ErrInvalidMode.Error()+" ")))
	}
	return m
}

// file returns the use of the file named by argument key, for validate's
// check of handlers that share a file, and for the probe.
func (a *fhArgs) file(key, name, mode string, perm os.FileMode, rot any) fileUse {
	u := fileUse{key: key, mode: mode, perm: perm, rotation: rot, exclusive: strings.HasPrefix(mode, "x")}
	if name != "" {
		abs, err := filepath.Abs(name)
		if err != nil {
			a.failAt(key, fmt.Errorf("file name %q: %w", name, err))
		}
		u.path = abs
	}
	return u
}

// queueSize reads Python 3.12's queue key: absent (a bounded queue of
// handlers.DefaultQueueSize), "queue.Queue" (unbounded), or a mapping with
// an optional "()": "queue.Queue" and maxsize (0 or less: unbounded).
func (a *fhArgs) queueSize() int {
	v, ok := a.c.Args["queue"]
	if !ok || v == nil {
		return 0
	}
	const factory = "queue.Queue"
	switch v := v.(type) {
	case string:
		if v != factory {
			a.failAt("queue", fmt.Errorf("want %q or a mapping with maxsize, got %q", factory, v))
		}
		return -1
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			switch k {
			case "()":
				if f, _ := v[k].(string); f != factory {
					a.failAt("queue.()", fmt.Errorf("want %q, got %s", factory, describe(v[k])))
				}
			case "maxsize":
			default:
				a.failAt("queue."+k, fmt.Errorf("unexpected keyword argument %q for %s", k, factory))
			}
		}
		n, err := argInt(v, "maxsize", 0)
		if err != nil {
			a.failAt("queue.maxsize", errors.New(strings.TrimPrefix(err.Error(), "maxsize: ")))
		}
		if n <= 0 {
			return -1
		}
		return n
	}
	a.failAt("queue", fmt.Errorf("want %q or a mapping with maxsize, got %s", factory, describe(v)))
	return 0
}

// listener checks Python 3.12's listener key: only the standard
// QueueListener exists here.
func (a *fhArgs) listener() {
	v, ok := a.c.Args["listener"]
	if !ok || v == nil {
		return
	}
	const name = "logging.handlers.QueueListener"
	switch v := v.(type) {
	case string:
		if v == name {
			return
		}
	case map[string]any:
		if f, _ := v["()"].(string); f == name && len(v) == 1 {
			return
		}
	}
	a.failAt("listener", fmt.Errorf("only %q is supported, got %s", name, describe(v)))
}

// route reads the conditions of one router route.
func (a *fhArgs) route(id string, v any, rt *handlers.Route) {
	path := "routes." + id
	m, ok := v.(map[string]any)
	if !ok {
		if v != nil {
			a.failAt(path, fmt.Errorf("want a mapping of conditions, got %s", describe(v)))
		}
		return
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		val := m[k]
		switch k {
		case "level", "maxLevel":
			l, err := levels.Parse(val)
			if err != nil {
				a.failAt(path+"."+k, err)
				continue
			}
			if k == "level" {
				rt.MinLevel = l.Threshold()
			} else {
				rt.MaxLevel = l.Threshold()
			}
		case "attrs":
			attrs, isMap := val.(map[string]any)
			if !isMap {
				a.failAt(path+".attrs", fmt.Errorf("want a mapping of attribute keys to values, got %s", describe(val)))
				continue
			}
			rt.Attrs = make(map[string]string, len(attrs))
			for ak, av := range attrs {
				rt.Attrs[ak] = attrString(av)
			}
		default:
			a.failAt(path+"."+k, fmt.Errorf("unknown condition %q (want level, maxLevel or attrs)", k))
		}
	}
}

// attrString renders a configured attribute value as slog.Value.String
// renders the logged one: integral numbers without a fraction.
func attrString(v any) string {
	if n, ok := toInt(v); ok {
		if _, isFloat := v.(float64); isFloat {
			return strconv.Itoa(n)
		}
	}
	return slog.AnyValue(v).String()
}
