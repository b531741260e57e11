package slogconfig

import (
	"fmt"
	"io"
	"log/slog"
	"math"
	"strings"

	"github.com/slogtree/slogtree/handlers"
	"github.com/slogtree/slogtree/internal/levels"

	"github.com/slogtree/slogtree/formatters"
)

// HandlerConfig is what a [HandlerClass] builds from: one entry of the
// "handlers" section with its values converted.
type HandlerConfig struct {
	// ID is the handler's id in the configuration.
	ID string
	// Args are the keyword arguments: the entry's keys other than class,
	// (), level, formatter, filters and ".", with ext://, cfg:// and env://
	// values converted. Every key is one of the class's Params.
	Args map[string]any
	// Props are the "." entry's properties, not converted, as in Python.
	Props map[string]any
	// Formatter is the configured formatter, or nil for the default (the
	// bare message, attributes appended).
	Formatter formatters.Formatter
	// ThreadName is the Manager's value of Python's threadName field
	// ([WithThreadName]), for classes that send the record's fields.
	ThreadName string

	refs       map[string]slog.Handler
	report     func(error)
	warn       func(msg string)
	levelNames *levels.Names    // the configuration's own level names
	opener     *handlers.Opener // what slogtree's file classes open through, at prepare
}

// ReportError sends err to the Manager's error handler. Handlers use it
// for what goes wrong after configuration: a failed write, a dropped
// record.
func (c *HandlerConfig) ReportError(err error) {
	if c.report != nil && err != nil {
		c.report(err)
	}
}

// ReportFunc returns ReportError as a function value, for handler options
// that take one.
func (c *HandlerConfig) ReportFunc() func(error) { return c.ReportError }

// Warn records a warning about the configuration (a value that was
// adjusted, say). Warnings do not refuse the configuration; once it is
// applied (or checked) each reaches the error handler as a
// [*ConfigWarning] naming the handler's path.
func (c *HandlerConfig) Warn(msg string) {
	if c.warn != nil {
		c.warn(msg)
	}
}

// Handler returns the built handler that the configuration names by id in
// one of the class's Refs: the one handler object of that id (a
// [*handlers.Handler]), shared with every logger and wrapper that uses it,
// whose level a later incremental configuration may change. Its Enabled
// checks the level; its Handle runs the filters but, like Python's
// Handler.handle and every slog.Handler, leaves the level to Enabled. It
// implements [formatters.LoggerNamer]: a wrapper should specialise it for
// each logger it is specialised for, so that the name reaches the output.
// In Check, Handler returns nil.
func (c *HandlerConfig) Handler(id string) slog.Handler { return c.refs[id] }

// Opener returns the [handlers.Opener] that the configuration's files are
// opened through, in New: a class that opens files through it gets what
// slogtree's own file classes get (mode "w" truncated when the
// configuration takes effect, nothing left behind when it is refused). It
// returns nil in Check, which must open nothing.
func (c *HandlerConfig) Opener() *handlers.Opener { return c.opener }

// handlers returns the built handlers of ids.
func (c *HandlerConfig) handlers(ids []string) []slog.Handler {
	hs := make([]slog.Handler, len(ids))
	for i, id := range ids {
		hs[i] = c.refs[id]
	}
	return hs
}

// level parses a level argument, with the configuration's own level names.
func (c *HandlerConfig) level(v any) (levels.Level, error) {
	return levels.ParseWith(v, c.levelNames)
}

// Format returns the configured formatter's handler over w.
func (c *HandlerConfig) Format(w io.Writer) slog.Handler {
	f := c.Formatter
	if f == nil {
		f = formatters.Default()
	}
	return f.NewHandler(w)
}

// String returns the string argument key, or def when it is absent or null.
func (c *HandlerConfig) String(key, def string) (string, error) {
	return argString(c.Args, key, def)
}

// Bool returns the boolean argument key, or def when it is absent or null.
func (c *HandlerConfig) Bool(key string, def bool) (bool, error) {
	return argBool(c.Args, key, def)
}

// Int returns the integer argument key (an integral number), or def when it
// is absent or null.
func (c *HandlerConfig) Int(key string, def int) (int, error) {
	return argInt(c.Args, key, def)
}

// FormatterConfig is what a [FormatterClass] builds from.
type FormatterConfig struct {
	// ID is the formatter's id in the configuration.
	ID string
	// Args are the entry's keys other than class and (), converted.
	Args map[string]any
	// Factory is true when the entry named its class with "()", Python's
	// keyword-argument call: classes should then reject unknown keys.
	Factory bool
	// ThreadName is the Manager's value of Python's %(threadName)s
	// ([WithThreadName]).
	ThreadName string
}

// FilterConfig is what a [FilterClass] builds from: one entry of the
// "filters" section with its values converted.
type FilterConfig struct {
	// ID is the filter's id in the configuration.
	ID string
	// Args are the keyword arguments: the entry's keys other than "()"
	// and ".", with ext://, cfg:// and env:// values converted. A class
	// should refuse the keys it does not take, as Python's TypeError does.
	Args map[string]any

	report     func(error)
	levelNames *levels.Names // the configuration's own level names
}

// ReportError sends err to the Manager's error handler. Filters use it
// for what happens after configuration: the records they dropped, a
// panic they recovered.
func (c *FilterConfig) ReportError(err error) {
	if c.report != nil && err != nil {
		c.report(err)
	}
}

// ReportFunc returns ReportError as a function value, for filter options
// that take one (OnDrop, OnError).
func (c *FilterConfig) ReportFunc() func(error) { return c.ReportError }

// String returns the string argument key, or def when it is absent or null.
func (c *FilterConfig) String(key, def string) (string, error) {
	return argString(c.Args, key, def)
}

// Bool returns the boolean argument key, or def when it is absent or null.
func (c *FilterConfig) Bool(key string, def bool) (bool, error) {
	return argBool(c.Args, key, def)
}

// Int returns the integer argument key (an integral number), or def when it
// is absent or null.
func (c *FilterConfig) Int(key string, def int) (int, error) {
	return argInt(c.Args, key, def)
}

func argString(args map[string]any, key, def string) (string, error) {
	v, ok := args[key]
	if !ok || v == nil {
		return def, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", argErrorf(key, "want a string, got %s", describe(v))
	}
	return s, nil
}

func argBool(args map[string]any, key string, def bool) (bool, error) {
	v, ok := args[key]
	if !ok || v == nil {
		return def, nil
	}
	b, ok := v.(bool)
	if !ok {
		return false, argErrorf(key, "want a boolean, got %s", describe(v))
	}
	return b, nil
}

func argInt(args map[string]any, key string, def int) (int, error) {
	v, ok := args[key]
	if !ok || v == nil {
		return def, nil
	}
	n, ok := toInt(v)
	if !ok {
		return 0, argErrorf(key, "want an integer, got %s", describe(v))
	}
	return n, nil
}

// toInt accepts Go integers and integral floats (JSON numbers).
func toInt(v any) (int, bool) {
	switch v := v.(type) {
	case int:
		return v, true
	case int64:
		return int(v), true
	case uint64:
		if v <= math.MaxInt64 {
			return int(v), true
		}
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return int(v), true
		}
	}
	return 0, false
}

// toFloat returns a number argument (an integer of any Go type, or a
// float64 as JSON and YAML give), if it is finite.
func toFloat(v any) (float64, bool) {
	var f float64
	switch v := v.(type) {
	case int:
		f = float64(v)
	case int64:
		f = float64(v)
	case uint64:
		f = float64(v)
	case float64:
		f = v
	default:
		return 0, false
	}
	return f, !math.IsNaN(f) && !math.IsInf(f, 0)
}

// describe renders a config value for an error message.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("%q", v)
	case bool, int, int64, uint64, float64:
		return fmt.Sprint(v)
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	}
	return strings.TrimPrefix(fmt.Sprintf("a %T", v), "a *")
}
