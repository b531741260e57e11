package slogconfig

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/slogtree/slogtree/filters"
	"github.com/slogtree/slogtree/formatters"
	"github.com/slogtree/slogtree/handlers"
)

// streamClass is logging.StreamHandler(stream=sys.stderr).
var streamClass = HandlerClass{
	Params: []string{"stream"},
	Props:  []string{"terminator"},
	plan: func(c *HandlerConfig) (*classPlan, error) {
		var w io.Writer = os.Stderr
		if v, ok := c.Args["stream"]; ok && v != nil {
			if w, ok = v.(io.Writer); !ok {
				return nil, argErrorf("stream", "want a writer such as \"ext://sys.stdout\", got %s", describe(v))
			}
		}
		term, err := terminator(c.Props)
		if err != nil {
			return nil, err
		}
		return &classPlan{kind: "stream", stream: w, userCode: !ownWriter(w), build: func(c *HandlerConfig) (slog.Handler, io.Closer, error) {
			st := handlers.NewStream(w, &handlers.StreamOptions{Terminator: term})
			return c.Format(st.Direct()), st, nil
		}}, nil
	},
}

// ownWriter reports whether w is a writer whose Write cannot panic: a file
// (sys.stdout, sys.stderr, or a registered *os.File) or io.Discard. Any
// other writer is a program's own code, called under a recover.
func ownWriter(w io.Writer) bool {
	if _, ok := w.(*os.File); ok {
		return true
	}
	return reflect.TypeOf(w) == reflect.TypeOf(io.Discard)
}

// fileClass is logging.FileHandler(filename, mode='a', encoding=None,
// delay=False, errors=None).
var fileClass = HandlerClass{
	Params: []string{"filename", "mode", "encoding", "delay", "errors"},
	Props:  []string{"terminator"},
	plan: func(c *HandlerConfig) (*classPlan, error) {
		a := fhArgs{c: c}
		name := a.required("filename")
		opts := handlers.FileOptions{Mode: a.mode("a"), Delay: a.boolean("delay", false), Terminator: a.terminator()}
		a.common()
		use := a.file("filename", name, opts.Mode, 0o644, nil)
		if err := a.err(); err != nil {
			return nil, err
		}
		return &classPlan{kind: "file", files: []fileUse{use}, build: func(c *HandlerConfig) (slog.Handler, io.Closer, error) {
			f, err := c.opener.OpenFile(name, &opts)
			if err != nil {
				return nil, nil, err
			}
			return c.Format(f), f, nil
		}}, nil
	},
}

// nullClass is logging.NullHandler().
var nullClass = HandlerClass{
	plan: func(*HandlerConfig) (*classPlan, error) {
		return &classPlan{kind: "null", build: func(*HandlerConfig) (slog.Handler, io.Closer, error) {
			return handlers.Null, nil, nil
		}}, nil
	},
}

func checkEncoding(args map[string]any) error {
	enc, err := argString(args, "encoding", "")
	if err != nil {
		return err
	}
	switch strings.ToLower(strings.ReplaceAll(enc, "_", "-")) {
	case "", "utf-8", "utf8", "ascii", "us-ascii":
		return nil
	}
	return argErrorf("encoding", "only UTF-8 is supported, got %q", enc)
}

func terminator(props map[string]any) (string, error) {
	s, err := argString(props, "terminator", "")
	if err != nil {
		return "", &ArgError{Key: propPath("terminator"), Err: errors.Unwrap(err)}
	}
	return s, nil
}

// propPath is the path of a "." property below its handler.
func propPath(name string) string { return "[.]." + name }

// newPatternFormatter is logging.Formatter(fmt, datefmt, style, validate,
// defaults), with the Go keys utc and extras.
func newPatternFormatter(c *FormatterConfig) (formatters.Formatter, error) {
	allowed := []string{"format", "fmt", "datefmt", "style", "validate", "defaults", "utc", "extras"}
	if err := checkKeys(c, allowed); err != nil {
		return nil, err
	}
	opts := formatters.PatternOptions{ThreadName: c.ThreadName}
	format, err := argString(c.Args, "format", "")
	if err != nil {
		return nil, err
	}
	if format == "" {
		if format, err = argString(c.Args, "fmt", ""); err != nil {
			return nil, err
		}
	}
	opts.Format = format
	if opts.DateFmt, err = argString(c.Args, "datefmt", ""); err != nil {
		return nil, err
	}
	if opts.Style, err = argString(c.Args, "style", "%"); err != nil {
		return nil, err
	}
	validate, err := argBool(c.Args, "validate", true)
	if err != nil {
		return nil, err
	}
	opts.NoValidate = !validate
	if d, ok := c.Args["defaults"]; ok && d != nil {
		m, ok := d.(map[string]any)
		if !ok {
			return nil, argErrorf("defaults", "want a mapping, got %s", describe(d))
		}
		opts.Defaults = m
	}
	if opts.UTC, err = argBool(c.Args, "utc", false); err != nil {
		return nil, err
	}
	if opts.Extras, err = argString(c.Args, "extras", formatters.ExtrasAppend); err != nil {
		return nil, err
	}
	return formatters.NewPattern(&opts)
}

func newJSONFormatter(c *FormatterConfig) (formatters.Formatter, error) {
	var o formatters.JSONOptions
	var err error
	if o.AddSource, o.DateFmt, o.UTC, err = slogFormatterArgs(c); err != nil {
		return nil, err
	}
	return formatters.NewJSON(&o), nil
}

func newTextFormatter(c *FormatterConfig) (formatters.Formatter, error) {
	var o formatters.TextOptions
	var err error
	if o.AddSource, o.DateFmt, o.UTC, err = slogFormatterArgs(c); err != nil {
		return nil, err
	}
	return formatters.NewText(&o), nil
}

// slogFormatterArgs reads the keys of the json and text formatters:
// addSource, and datefmt and utc for the time.
func slogFormatterArgs(c *FormatterConfig) (addSource bool, dateFmt string, utc bool, err error) {
	if err = checkKeys(c, []string{"addSource", "format", "datefmt", "style", "validate", "defaults", "utc"}); err != nil {
		return
	}
	if addSource, err = argBool(c.Args, "addSource", false); err != nil {
		return
	}
	if dateFmt, err = argString(c.Args, "datefmt", ""); err != nil {
		return
	}
	utc, err = argBool(c.Args, "utc", false)
	return
}

// registerPyJSONFormatters registers python-json-logger's JsonFormatter
// under its two class names.
func registerPyJSONFormatters(r *Registry) error {
	for _, n := range []string{"pythonjsonlogger.json.JsonFormatter", "pythonjsonlogger.jsonlogger.JsonFormatter"} {
		if err := r.RegisterFormatter(n, newPyJSONFormatter); err != nil {
			return err
		}
	}
	return nil
}

// newPyJSONFormatter is python-json-logger's JsonFormatter(fmt, datefmt,
// style, validate, *, prefix, rename_fields, static_fields, defaults,
// json_ensure_ascii), with the Go key utc.
func newPyJSONFormatter(c *FormatterConfig) (formatters.Formatter, error) {
	allowed := []string{"format", "fmt", "datefmt", "style", "validate", "defaults", "utc",
		"prefix", "rename_fields", "static_fields", "json_ensure_ascii"}
	if err := checkKeys(c, allowed); err != nil {
		return nil, err
	}
	o := formatters.PyJSONOptions{ThreadName: c.ThreadName}
	var err error
	if o.Format, err = argString(c.Args, "format", ""); err != nil {
		return nil, err
	}
	if o.Format == "" {
		if o.Format, err = argString(c.Args, "fmt", ""); err != nil {
			return nil, err
		}
	}
	if o.DateFmt, err = argString(c.Args, "datefmt", ""); err != nil {
		return nil, err
	}
	if o.Style, err = argString(c.Args, "style", "%"); err != nil {
		return nil, err
	}
	validate, err := argBool(c.Args, "validate", true)
	if err != nil {
		return nil, err
	}
	o.NoValidate = !validate
	if o.UTC, err = argBool(c.Args, "utc", false); err != nil {
		return nil, err
	}
	if d, ok := c.Args["defaults"]; ok && d != nil {
		m, ok := d.(map[string]any)
		if !ok {
			return nil, argErrorf("defaults", "want a mapping, got %s", describe(d))
		}
		o.Defaults = m
	}
	if !c.Factory {
		// dictConfig calls a formatter class with fmt, datefmt, style,
		// validate (and defaults): python-json-logger's own keywords are
		// read only from a "()" entry.
		return formatters.NewPyJSON(&o)
	}
	if o.Prefix, err = argString(c.Args, "prefix", ""); err != nil {
		return nil, err
	}
	ascii, err := argBool(c.Args, "json_ensure_ascii", true)
	if err != nil {
		return nil, err
	}
	o.Unicode = !ascii
	for _, m := range []struct {
		key string
		dst *map[string]any
	}{{"static_fields", &o.StaticFields}} {
		if d, ok := c.Args[m.key]; ok && d != nil {
			mm, ok := d.(map[string]any)
			if !ok {
				return nil, argErrorf(m.key, "want a mapping, got %s", describe(d))
			}
			*m.dst = mm
		}
	}
	if d, ok := c.Args["rename_fields"]; ok && d != nil {
		mm, ok := d.(map[string]any)
		if !ok {
			return nil, argErrorf("rename_fields", "want a mapping, got %s", describe(d))
		}
		o.RenameFields = make(map[string]string, len(mm))
		for k, v := range mm {
			s, ok := v.(string)
			if !ok {
				return nil, argErrorf("rename_fields", "want a mapping of strings, got %s for %q", describe(v), k)
			}
			o.RenameFields[k] = s
		}
	}
	return formatters.NewPyJSON(&o)
}

// checkKeys rejects unknown keys of a "()" formatter, as Python's call
// would; a "class" formatter ignores them, as Python does.
func checkKeys(c *FormatterConfig, allowed []string) error {
	if !c.Factory {
		return nil
	}
	for k := range c.Args {
		if !slices.Contains(allowed, k) {
			return fmt.Errorf("unexpected keyword argument %q", k)
		}
	}
	return nil
}

// newNameFilter is logging.Filter(name=”).
func newNameFilter(c *FilterConfig) (filters.Filter, error) {
	for k := range c.Args {
		if k != "name" {
			return nil, argErrorf(k, "unexpected keyword argument %q", k)
		}
	}
	name, err := c.String("name", "")
	if err != nil {
		return nil, err
	}
	return filters.Name(name), nil
}
