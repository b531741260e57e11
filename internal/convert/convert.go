// Package convert resolves the value conversions of a dictConfig:
// "ext://name" (a registered value), "cfg://path" (another part of the same
// configuration) and "env://NAME" (an environment variable).
//
// As in Python, a string is converted only when the whole string is
// prefix://rest with a known lowercase prefix; "http://x" and "EXT://x" stay
// plain strings.
package convert

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// Converter converts values against one configuration.
type Converter struct {
	// Config is the whole configuration, for cfg:// paths.
	Config map[string]any
	// Ext resolves ext:// names. Nil resolves nothing.
	Ext func(name string) (any, bool)
	// Env looks up env:// names. Nil means os.LookupEnv.
	Env func(name string) (string, bool)
	// DenyEnv, when not nil, is the error of every env:// value: the
	// environment is not read.
	DenyEnv error

	// done caches converted cfg:// values by reference, so that shared
	// references are converted once, not once per path to them.
	done map[string]any
}

// split matches v against ^([a-z]+)://(.*)$ (no newline in the rest, as
// RE2's "." has none), returning the prefix and the rest.
func split(v string) (prefix, rest string, ok bool) {
	i := strings.Index(v, "://")
	if i <= 0 || strings.IndexByte(v[i+3:], '\n') >= 0 {
		return "", "", false
	}
	for _, c := range []byte(v[:i]) {
		if c < 'a' || c > 'z' {
			return "", "", false
		}
	}
	return v[:i], v[i+3:], true
}

// maxDepth bounds chains of cfg:// values that point at cfg:// values.
const maxDepth = 32

// Value converts v: a convertible string is replaced by what it names, and
// maps and slices are copied with their elements converted. Other values are
// returned as they are. The values that two cfg:// references to the same
// path return are the same: callers must not modify them.
func (c *Converter) Value(v any) (any, error) {
	return c.value(v, 0)
}

func (c *Converter) value(v any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("cfg:// references nest deeper than %d", maxDepth)
	}
	switch v := v.(type) {
	case string:
		prefix, rest, ok := split(v)
		if !ok {
			return v, nil
		}
		switch prefix {
		case "ext":
			return c.ext(rest)
		case "env":
			return c.env(rest)
		case "cfg":
			if r, ok := c.done[v]; ok {
				return r, nil
			}
			r, err := c.cfg(v, rest)
			if err != nil {
				return nil, err
			}
			if r, err = c.value(r, depth+1); err != nil {
				return nil, err
			}
			if c.done == nil {
				c.done = map[string]any{}
			}
			c.done[v] = r
			return r, nil
		}
		return v, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			ce, err := c.value(e, depth)
			if err != nil {
				return nil, within(k, err)
			}
			out[k] = ce
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			ce, err := c.value(e, depth)
			if err != nil {
				return nil, within(fmt.Sprintf("[%d]", i), err)
			}
			out[i] = ce
		}
		return out, nil
	}
	return v, nil
}

func (c *Converter) ext(name string) (any, error) {
	if c.Ext != nil {
		if v, ok := c.Ext(name); ok {
			return v, nil
		}
	}
	return nil, fmt.Errorf("cannot resolve %q: not a registered value", name)
}

func (c *Converter) env(name string) (any, error) {
	if c.DenyEnv != nil {
		return nil, c.DenyEnv
	}
	look := c.Env
	if look == nil {
		look = os.LookupEnv
	}
	if v, ok := look(name); ok {
		return v, nil
	}
	return nil, fmt.Errorf("env://%s: environment variable %s is not set", name, name)
}

var (
	wordRe  = regexp.MustCompile(`^\s*(\w+)\s*`)
	dotRe   = regexp.MustCompile(`^\.\s*(\w+)\s*`)
	indexRe = regexp.MustCompile(`^\[([^\[\]]*)\]\s*`)
	digitRe = regexp.MustCompile(`^\d+$`)
)

// cfg resolves a cfg:// path with Python 3.13's grammar: a word, then any
// of .word and [index]. A digit index on a list is a position; on a map it
// is tried as the key string.
func (c *Converter) cfg(value, path string) (any, error) {
	m := wordRe.FindStringSubmatch(path)
	if m == nil {
		return nil, fmt.Errorf("unable to convert %q", value)
	}
	rest := path[len(m[0]):]
	d, err := index(c.Config, m[1], value)
	if err != nil {
		return nil, err
	}
	for rest != "" {
		if m = dotRe.FindStringSubmatch(rest); m != nil {
			if _, isList := d.([]any); isList {
				return nil, fmt.Errorf("unable to convert %q: .%s on a list (use [%s])", value, m[1], m[1])
			}
		} else if m = indexRe.FindStringSubmatch(rest); m == nil {
			return nil, fmt.Errorf("unable to convert %q at %q", value, rest)
		}
		if d, err = index(d, m[1], value); err != nil {
			return nil, err
		}
		rest = rest[len(m[0]):]
	}
	return d, nil
}

func index(d any, key, value string) (any, error) {
	switch d := d.(type) {
	case map[string]any:
		if v, ok := d[key]; ok {
			return v, nil
		}
		return nil, fmt.Errorf("unable to convert %q: no key %q", value, key)
	case []any:
		if !digitRe.MatchString(key) {
			return nil, fmt.Errorf("unable to convert %q: list index %q is not a number", value, key)
		}
		n, err := strconv.Atoi(key)
		if err != nil || n >= len(d) {
			return nil, fmt.Errorf("unable to convert %q: list index %s out of range", value, key)
		}
		return d[n], nil
	}
	return nil, fmt.Errorf("unable to convert %q: %q indexes a %s", value, key, strings.TrimPrefix(fmt.Sprintf("%T", d), "[]"))
}

// Error is a conversion error inside a map or list: Path is where, as
// "key.sub[2]", relative to the value converted.
type Error struct {
	Path string
	Err  error
}

func (e *Error) Error() string { return e.Path + ": " + e.Err.Error() }

func (e *Error) Unwrap() error { return e.Err }

// within puts err at key inside the value being converted.
func within(key string, err error) error {
	var ce *Error
	if errors.As(err, &ce) {
		sep := "."
		if strings.HasPrefix(ce.Path, "[") {
			sep = ""
		}
		return &Error{Path: key + sep + ce.Path, Err: ce.Err}
	}
	return &Error{Path: key, Err: err}
}
