package slogconfig

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"regexp"
	"slices"
	"time"

	"github.com/slogtree/slogtree/filters"
	"github.com/slogtree/slogtree/internal/levels"
)

// registerFilters registers slogtree's own filter classes, named with "()"
// (Python ignores a filter's class key):
//
//	level       minLevel, maxLevel              filters.LevelRange
//	attr        key, equals | match, invert     filters.AttrPresent, AttrEquals, AttrMatch
//	regex       pattern, invert                 filters.NewRegex
//	sample      first, thereafter, interval     filters.NewSampler
//	rate_limit  rate, burst, maxLoggers         filters.NewRateLimiter
//	context     func                            filters.NewContext
func registerFilters(r *Registry) {
	must(r.RegisterFilter("level", newLevelFilter))
	must(r.RegisterFilter("attr", newAttrFilter))
	must(r.RegisterFilter("regex", newRegexFilter))
	must(r.RegisterFilter("sample", newSampleFilter))
	must(r.RegisterFilter("rate_limit", newRateLimitFilter))
	must(r.RegisterFilter("context", newContextFilter))
}

// newLevelFilter is filters.LevelRange: minLevel, maxLevel, at least one,
// in any level form (with the configuration's own level names).
func newLevelFilter(c *FilterConfig) (filters.Filter, error) {
	a := filterArgs{c: c}
	a.only("minLevel", "maxLevel")
	lo, hasLo := a.level("minLevel")
	hi, hasHi := a.level("maxLevel")
	var lr filters.LevelRange
	switch {
	case !hasLo && !hasHi && len(a.errs) == 0:
		a.errs.addf("", "want minLevel, maxLevel or both")
	case hasHi && hi.NotSet:
		a.errs.addf("maxLevel", "NOTSET cannot be a maximum")
	case hasLo && hasHi && lo.Threshold() > hi.Slog:
		a.errs.addf("maxLevel", "%s is below minLevel %s", describe(c.Args["maxLevel"]), describe(c.Args["minLevel"]))
	}
	if hasLo && !lo.NotSet {
		lr.Min = lo.Slog
	}
	if hasHi {
		lr.Max = hi.Slog
	}
	return lr, a.err()
}

// newAttrFilter is filters.AttrPresent, AttrEquals or AttrMatch: key (a
// dotted key), and equals or match, or neither; invert drops the records
// that match instead.
func newAttrFilter(c *FilterConfig) (filters.Filter, error) {
	a := filterArgs{c: c}
	a.only("key", "equals", "match", "invert")
	key := a.required("key")
	equals, hasEquals := a.scalar("equals")
	re := a.regexp("match")
	invert := a.boolean("invert")
	if hasEquals && re != nil {
		a.errs.addf("match", "give equals or match, not both")
	}
	if err := a.err(); err != nil {
		return nil, err
	}
	var f filters.Filter
	switch {
	case hasEquals:
		f = filters.AttrEquals(key, equals)
	case re != nil:
		f = filters.AttrMatch(key, re)
	default:
		f = filters.AttrPresent(key)
	}
	if invert {
		f = filters.Not(f)
	}
	return f, nil
}

// newRegexFilter is filters.NewRegex: pattern (RE2), matched anywhere in
// the message; invert drops the records that match instead.
func newRegexFilter(c *FilterConfig) (filters.Filter, error) {
	a := filterArgs{c: c}
	a.only("pattern", "invert")
	if _, ok := c.Args["pattern"]; !ok {
		a.errs.addf("pattern", "required")
	}
	re := a.regexp("pattern")
	invert := a.boolean("invert")
	if err := a.err(); err != nil {
		return nil, err
	}
	var f filters.Filter = filters.NewRegex(re)
	if invert {
		f = filters.Not(f)
	}
	return f, nil
}

// newSampleFilter is filters.NewSampler: first (required), thereafter
// (default 0), interval (seconds or a Go duration, default 1 s). Its drops
// are reported to the error handler.
func newSampleFilter(c *FilterConfig) (filters.Filter, error) {
	a := filterArgs{c: c}
	a.only("first", "thereafter", "interval")
	if _, ok := c.Args["first"]; !ok {
		a.errs.addf("first", "required")
	}
	first := a.count("first", 0, 0)
	thereafter := a.count("thereafter", 0, 0)
	interval := a.duration("interval", time.Second)
	if err := a.err(); err != nil {
		return nil, err
	}
	return filters.NewSampler(interval, first, thereafter, &filters.SamplerOptions{Name: c.ID, OnDrop: c.ReportFunc()}), nil
}

// newRateLimitFilter is filters.NewRateLimiter: rate (records per second
// per logger, required), burst (default the rate rounded up), maxLoggers
// (default 1024). Its drops are reported to the error handler.
func newRateLimitFilter(c *FilterConfig) (filters.Filter, error) {
	a := filterArgs{c: c}
	a.only("rate", "burst", "maxLoggers")
	rate := a.positive("rate")
	burst := a.count("burst", 0, 1)
	maxLoggers := a.count("maxLoggers", 0, 1)
	if err := a.err(); err != nil {
		return nil, err
	}
	return filters.NewRateLimiter(rate, &filters.RateLimitOptions{
		Burst: burst, MaxLoggers: maxLoggers, Name: c.ID, OnDrop: c.ReportFunc(),
	}), nil
}

// newContextFilter is filters.NewContext: func is a function a program
// registered with RegisterValue, named "ext://NAME". Its panics are
// reported to the error handler.
func newContextFilter(c *FilterConfig) (filters.Filter, error) {
	a := filterArgs{c: c}
	a.only("func")
	var fn filters.ContextFunc
	switch v := c.Args["func"].(type) {
	case filters.ContextFunc:
		fn = v
	case func(context.Context) []slog.Attr:
		fn = v
	case nil:
		a.errs.addf("func", "required")
	default:
		a.errs.addf("func", "want a func(context.Context) []slog.Attr registered with RegisterValue and named \"ext://NAME\", got %s", describe(v))
	}
	if err := a.err(); err != nil {
		return nil, err
	}
	if fn == nil {
		return nil, argErrorf("func", "want a function, got a nil one")
	}
	return filters.NewContext(fn, &filters.ContextOptions{Name: c.ID, OnError: c.ReportFunc()}), nil
}

// filterArgs reads a filter's arguments, collecting every problem at its
// key.
type filterArgs struct {
	c    *FilterConfig
	errs problems
}

func (a *filterArgs) err() error { return a.errs.err() }

// only refuses the keys not in keys, as Python's TypeError does.
func (a *filterArgs) only(keys ...string) {
	for _, k := range sortedKeys(a.c.Args) {
		if !slices.Contains(keys, k) {
			a.errs.addf(k, "unexpected keyword argument %q", k)
		}
	}
}

// arg returns the value of key, and whether it is given and not null.
func (a *filterArgs) arg(key string) (any, bool) {
	v, ok := a.c.Args[key]
	return v, ok && v != nil
}

func (a *filterArgs) level(key string) (levels.Level, bool) {
	v, ok := a.arg(key)
	if !ok {
		return levels.Level{}, false
	}
	l, err := levels.ParseWith(v, a.c.levelNames)
	if err != nil {
		a.errs.add(key, err)
		return levels.Level{}, false
	}
	return l, true
}

// required returns the non-empty string argument key.
func (a *filterArgs) required(key string) string {
	v, ok := a.arg(key)
	s, isStr := v.(string)
	switch {
	case !ok:
		a.errs.addf(key, "required")
	case !isStr || s == "":
		a.errs.addf(key, "want a non-empty string, got %s", describe(v))
	}
	return s
}

// scalar returns the string form of a string, number or boolean argument,
// as slog.Value.String writes a logged value.
func (a *filterArgs) scalar(key string) (string, bool) {
	v, ok := a.arg(key)
	if !ok {
		return "", false
	}
	switch s := v.(type) {
	case string:
		return s, true
	case bool, int, int64, uint64, float64:
		return attrString(v), true
	}
	a.errs.addf(key, "want a string, a number or a boolean, got %s", describe(v))
	return "", false
}

// regexp compiles the regular expression argument key (RE2 syntax), nil
// when absent.
func (a *filterArgs) regexp(key string) *regexp.Regexp {
	v, ok := a.arg(key)
	if !ok {
		return nil
	}
	s, isStr := v.(string)
	if !isStr {
		a.errs.addf(key, "want a regular expression, got %s", describe(v))
		return nil
	}
	re, err := regexp.Compile(s)
	if err != nil {
		a.errs.add(key, err)
		return nil
	}
	return re
}

func (a *filterArgs) boolean(key string) bool {
	b, err := argBool(a.c.Args, key, false)
	if err != nil {
		a.errs.add(key, errors.Unwrap(err))
	}
	return b
}

// count returns the integer argument key, at least least, or def when it
// is absent.
func (a *filterArgs) count(key string, def, least int) int {
	v, ok := a.arg(key)
	if !ok {
		return def
	}
	n, isInt := toInt(v)
	if !isInt || n < least {
		a.errs.addf(key, "want an integer >= %d, got %s", least, describe(v))
		return def
	}
	return n
}

// positive returns the required number argument key, finite and above 0.
func (a *filterArgs) positive(key string) float64 {
	v, ok := a.arg(key)
	if !ok {
		a.errs.addf(key, "required")
		return 0
	}
	f, isNum := toFloat(v)
	if !isNum || !(f > 0) || math.IsInf(f, 1) {
		a.errs.addf(key, "want a number > 0, got %s", describe(v))
		return 0
	}
	return f
}

// duration returns the duration argument key: a number of seconds, or a
// Go duration string ("500ms", "1m"); above 0. def when absent.
func (a *filterArgs) duration(key string, def time.Duration) time.Duration {
	v, ok := a.arg(key)
	if !ok {
		return def
	}
	var d time.Duration
	switch v := v.(type) {
	case string:
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			a.errs.addf(key, "want seconds or a duration such as \"500ms\", got %q", v)
			return def
		}
	default:
		f, isNum := toFloat(v)
		if !isNum || math.IsInf(f, 0) || f*float64(time.Second) >= math.MaxInt64 {
			a.errs.addf(key, "want seconds or a duration such as \"500ms\", got %s", describe(v))
			return def
		}
		d = time.Duration(f * float64(time.Second))
	}
	if d <= 0 {
		a.errs.addf(key, "want a duration > 0, got %s", describe(v))
		return def
	}
	return d
}
