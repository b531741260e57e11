package slogconfig

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/filters"
	"github.com/slogtree/slogtree/internal/levels"
)

// filterCase is one filter class, configured on a handler (records logged
// on root reach sink a through it) and on a logger (records logged on
// "app" reach sink b through it): both sinks must then hold want.
type filterCase struct {
	name   string
	filter string   // the filter's JSON
	log    []string // "LEVEL message [key=value ...]", logged on root and on app
	want   string
}

// filterOnBoth is a configuration with filter as "fh" on handler a (at
// the root) and as "fl" on logger app (which does not propagate, to
// handler b).
func filterOnBoth(filter string) string {
	return `{"version": 1, "filters": {"fh": ` + filter + `, "fl": ` + filter + `},
		"handlers": {
			"a": {"class": "stream", "stream": "ext://out.a", "filters": ["fh"]},
			"b": {"class": "stream", "stream": "ext://out.b"}},
		"loggers": {"app": {"handlers": ["b"], "filters": ["fl"], "propagate": false}},
		"root": {"handlers": ["a"], "level": "DEBUG"}}`
}

func runFilterCases(t *testing.T, tests []filterCase) {
	t.Helper()
	var cases []configCase
	for _, tt := range tests {
		var log []string
		for _, logger := range []string{"root", "app"} {
			for _, r := range tt.log {
				log = append(log, logger+" "+r)
			}
		}
		want := map[string]string{}
		if tt.want != "" {
			want = map[string]string{"a": tt.want, "b": tt.want}
		}
		cases = append(cases, configCase{name: tt.name, give: filterOnBoth(tt.filter), log: log, want: want})
	}
	runConfigCases(t, cases)
}

func TestFilterClassLevel(t *testing.T) {
	t.Parallel()
	levels := []string{"DEBUG d", "INFO i", "WARN w", "ERROR e", "CRITICAL c"}
	runFilterCases(t, []filterCase{
		{"min and max", `{"()": "level", "minLevel": "INFO", "maxLevel": "WARNING"}`, levels, "i\nw\n"},
		{"max only", `{"()": "level", "maxLevel": "INFO"}`, levels, "d\ni\n"},
		{"min only", `{"()": "level", "minLevel": "ERROR"}`, levels, "e\nc\n"},
		{"python numbers", `{"()": "level", "minLevel": 20, "maxLevel": 30}`, levels, "i\nw\n"},
		{"slog names", `{"()": "level", "minLevel": "debug+4", "maxLevel": "WARN"}`, levels, "i\nw\n"},
		{"one level", `{"()": "level", "minLevel": "ERROR", "maxLevel": "ERROR"}`, levels, "e\n"},
		{"minLevel NOTSET has no bound", `{"()": "level", "minLevel": "NOTSET", "maxLevel": "DEBUG"}`, levels, "d\n"},
	})
}

// The configuration's own level names are levels of the level filter.
func TestFilterClassLevelNames(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, "a")
	e.config(t, jsonConfig(t, `{"version": 1, "slogtree_levels": {"FLTNOTICE": "INFO+2"},
		"filters": {"f": {"()": "level", "minLevel": "FLTNOTICE"}},
		"handlers": {"a": {"class": "stream", "stream": "ext://out.a", "filters": ["f"]}},
		"root": {"handlers": ["a"], "level": "DEBUG"}}`))
	logRecords(t, e.Manager, "root INFO info", "root INFO+1 below", "root INFO+2 notice", "root WARN warn")
	assert.Equal(t, "notice\nwarn\n", e.take("a"))
}

func TestFilterClassAttr(t *testing.T) {
	t.Parallel()
	logs := []string{"INFO one user=alice", "INFO two user=bob", "INFO three id=7", "INFO four user=alice id=7"}
	runFilterCases(t, []filterCase{
		{"present", `{"()": "attr", "key": "id"}`, logs, "three id=7\nfour user=alice id=7\n"},
		{"equals", `{"()": "attr", "key": "user", "equals": "alice"}`, logs, "one user=alice\nfour user=alice id=7\n"},
		{"equals a number", `{"()": "attr", "key": "id", "equals": 7}`, logs, "three id=7\nfour user=alice id=7\n"},
		{"match", `{"()": "attr", "key": "user", "match": "^b"}`, logs, "two user=bob\n"},
		{"invert", `{"()": "attr", "key": "user", "equals": "alice", "invert": true}`, logs, "two user=bob\nthree id=7\n"},
		{"invert presence", `{"()": "attr", "key": "user", "invert": true}`, logs, "three id=7\n"},
		{"null equals is absent", `{"()": "attr", "key": "id", "equals": null}`, logs, "three id=7\nfour user=alice id=7\n"},
	})
}

// Dotted keys reach into groups; attributes bound with With are not seen.
func TestFilterClassAttrGroupsAndWith(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, "a")
	e.config(t, jsonConfig(t, `{"version": 1,
		"filters": {"f": {"()": "attr", "key": "req.id", "equals": "7"}},
		"handlers": {"a": {"class": "stream", "stream": "ext://out.a", "filters": ["f"]}},
		"root": {"handlers": ["a"], "level": "DEBUG"}}`))
	app := e.Logger("app")
	app.Info("group", slog.Group("req", "id", 7))
	app.Info("flat", "req.id", "7")
	app.Info("other", slog.Group("req", "id", 8))
	app.With(slog.Group("req", "id", 7)).Info("bound")
	app.WithGroup("req").Info("opened", "id", 7) // the filter sees "id"
	assert.Equal(t, "group req.id=7\nflat req.id=7\n", e.take("a"))
	assert.Empty(t, e.reported())
}

func TestFilterClassRegex(t *testing.T) {
	t.Parallel()
	logs := []string{"INFO GET_/api/users", "INFO GET_/health", "INFO POST_/api/users"}
	runFilterCases(t, []filterCase{
		{"match anywhere", `{"()": "regex", "pattern": "/api/"}`, logs, "GET_/api/users\nPOST_/api/users\n"},
		{"anchored", `{"()": "regex", "pattern": "^GET"}`, logs, "GET_/api/users\nGET_/health\n"},
		{"invert", `{"()": "regex", "pattern": "/health$", "invert": true}`, logs, "GET_/api/users\nPOST_/api/users\n"},
	})
}

func TestFilterClassSample(t *testing.T) {
	t.Parallel()
	logs := []string{"INFO a", "INFO a", "INFO b", "INFO a", "INFO a", "WARN a", "INFO a", "INFO a", "INFO b"}
	runFilterCases(t, []filterCase{
		// per message and level: a at INFO passes 1, 2, then 4; b 1, 2; a at WARN 1.
		{"first and thereafter", `{"()": "sample", "first": 2, "thereafter": 2, "interval": 60}`, logs, "a\na\nb\na\na\na\nb\n"},
		{"first only", `{"()": "sample", "first": 1, "interval": "1m"}`, logs, "a\nb\na\n"},
	})
}

func TestFilterClassRateLimit(t *testing.T) {
	t.Parallel()
	runFilterCases(t, []filterCase{
		{"burst", `{"()": "rate_limit", "rate": 0.001, "burst": 2}`, []string{"INFO 1", "INFO 2", "INFO 3"}, "1\n2\n"},
		{"default burst", `{"()": "rate_limit", "rate": 0.001}`, []string{"INFO 1", "INFO 2"}, "1\n"},
	})
	// A handler's limiter keeps a bucket per logger name: each logger that
	// propagates to it has its own burst.
	runConfigCases(t, []configCase{{
		name: "per logger",
		give: `{"version": 1, "filters": {"f": {"()": "rate_limit", "rate": 0.001, "burst": 1}},
			"handlers": {"a": {"class": "stream", "stream": "ext://out.a", "filters": ["f"]}},
			"root": {"handlers": ["a"], "level": "DEBUG"}}`,
		log:  []string{"app.x INFO x1", "app.x INFO x2", "app.y INFO y1", "root INFO r1", "app.y INFO y2"},
		want: map[string]string{"a": "x1\ny1\nr1\n"},
	}})
}

type requestKey struct{}

// requestAttrs is the context function the tests register.
func requestAttrs(ctx context.Context) []slog.Attr {
	if id, ok := ctx.Value(requestKey{}).(string); ok {
		return []slog.Attr{slog.String("request_id", id)}
	}
	return nil
}

func TestFilterClassContext(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, "a", "b")
	require.NoError(t, e.reg.RegisterValue("test.request", filters.ContextFunc(requestAttrs)))
	require.NoError(t, e.reg.RegisterValue("test.request_plain", requestAttrs))
	e.config(t, jsonConfig(t, `{"version": 1,
		"filters": {"fh": {"()": "context", "func": "ext://test.request"},
			"fl": {"()": "context", "func": "ext://test.request_plain"}},
		"handlers": {
			"a": {"class": "stream", "stream": "ext://out.a", "filters": ["fh"]},
			"b": {"class": "stream", "stream": "ext://out.b"}},
		"loggers": {"app": {"handlers": ["b"], "filters": ["fl"], "propagate": false}},
		"root": {"handlers": ["a"], "level": "DEBUG"}}`))
	ctx := context.WithValue(context.Background(), requestKey{}, "r-7")
	slogDefault := e.Logger("root")
	slogDefault.InfoContext(ctx, "root with", "k", 1)
	slogDefault.Info("root without")
	e.Logger("app").InfoContext(ctx, "app with")
	e.Logger("app").With("bound", 1).InfoContext(ctx, "app bound")
	assert.Equal(t, "root with k=1 request_id=r-7\nroot without\n", e.take("a"))
	assert.Equal(t, "app with request_id=r-7\napp bound bound=1 request_id=r-7\n", e.take("b"))
	assert.Empty(t, e.reported())
}

// A context function that panics is reported, and the record passes.
func TestFilterClassContextPanics(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, "a", "b")
	require.NoError(t, e.reg.RegisterValue("test.boom", filters.ContextFunc(func(context.Context) []slog.Attr { panic("cfgt: context boom") })))
	e.config(t, jsonConfig(t, `{"version": 1,
		"filters": {"fh": {"()": "context", "func": "ext://test.boom"}, "fl": {"()": "context", "func": "ext://test.boom"}},
		"handlers": {
			"a": {"class": "stream", "stream": "ext://out.a", "filters": ["fh"]},
			"b": {"class": "stream", "stream": "ext://out.b"}},
		"loggers": {"app": {"handlers": ["b"], "filters": ["fl"], "propagate": false}},
		"root": {"handlers": ["a"], "level": "DEBUG"}}`))
	e.Logger("root").InfoContext(t.Context(), "on root", "k", 1)
	e.Logger("app").InfoContext(t.Context(), "on app")
	assert.Equal(t, "on root k=1\n", e.take("a"))
	assert.Equal(t, "on app\n", e.take("b"))
	var msgs []string
	for _, err := range e.reported() {
		msgs = append(msgs, err.Error())
	}
	assert.Equal(t, []string{
		`filter "fh": context function panicked: cfgt: context boom`,
		`filter "fl": context function panicked: cfgt: context boom`,
	}, msgs)
}

// dropReports returns the drops reported, as "kind filter dropped/total".
func dropReports(errs []error) []string {
	var out []string
	for _, err := range errs {
		var se *filters.SampledError
		var re *filters.RateLimitedError
		switch {
		case errors.As(err, &se):
			out = append(out, "sample "+se.Filter+" "+itoa(se.Dropped)+"/"+itoa(se.Total))
		case errors.As(err, &re):
			out = append(out, "rate_limit "+re.Filter+" "+itoa(re.Dropped)+"/"+itoa(re.Total))
		default:
			out = append(out, "other: "+err.Error())
		}
	}
	return out
}

func itoa(n uint64) string { return slog.Uint64Value(n).String() }

// Drops are reported to the error handler, with exact counts: at Shutdown
// for what is left.
func TestFilterDropsReportedAtShutdown(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, "a", "b")
	e.config(t, jsonConfig(t, `{"version": 1,
		"filters": {"s": {"()": "sample", "first": 1, "interval": 3600},
			"r": {"()": "rate_limit", "rate": 0.001, "burst": 2}},
		"handlers": {
			"a": {"class": "stream", "stream": "ext://out.a", "filters": ["s"]},
			"b": {"class": "stream", "stream": "ext://out.b"}},
		"loggers": {"app": {"handlers": ["b"], "filters": ["r"], "propagate": false}},
		"root": {"handlers": ["a"], "level": "DEBUG"}}`))
	for range 5 {
		logRecords(t, e.Manager, "root INFO m", "app INFO n")
	}
	assert.Equal(t, "m\n", e.take("a"))
	assert.Equal(t, "n\nn\n", e.take("b"))
	assert.Empty(t, e.reported(), "nothing reported before the interval ends")
	require.NoError(t, e.Shutdown())
	assert.ElementsMatch(t, []string{"sample s 4/4", "rate_limit r 3/3"}, dropReports(e.reported()))
	require.NoError(t, e.Shutdown())
	assert.Empty(t, e.reported(), "a second Shutdown has nothing left to report")
}

// A reconfiguration that drops a filter closes it once its records are
// delivered, and it reports what it dropped; a filter a newer
// configuration still holds (on a logger that configuration does not
// name) is not closed until Shutdown.
func TestFilterDropsReportedAtRetirement(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, "a")
	e.config(t, jsonConfig(t, `{"version": 1, "disable_existing_loggers": false,
		"filters": {"s": {"()": "sample", "first": 1, "interval": 3600},
			"k": {"()": "sample", "first": 1, "interval": 3600}},
		"handlers": {"a": {"class": "stream", "stream": "ext://out.a", "filters": ["s"]}},
		"loggers": {"keep": {"filters": ["k"]}},
		"root": {"handlers": ["a"], "level": "DEBUG"}}`))
	logRecords(t, e.Manager, "root INFO m", "root INFO m", "root INFO m", "keep INFO k", "keep INFO k")
	assert.Equal(t, "m\nk\n", e.take("a"))
	// The new configuration does not name "keep", which keeps its filter.
	e.config(t, jsonConfig(t, `{"version": 1, "disable_existing_loggers": false, `+rootA+`}`))
	require.NoError(t, e.waitRetired(context.Background()))
	assert.Equal(t, []string{"sample s 2/2"}, dropReports(e.reported()))
	logRecords(t, e.Manager, "keep INFO k")
	assert.Empty(t, e.take("a"))
	// An incremental configuration keeps every filter.
	e.config(t, jsonConfig(t, `{"version": 1, "incremental": true, "root": {"level": "INFO"}}`))
	require.NoError(t, e.waitRetired(context.Background()))
	assert.Empty(t, e.reported(), "a filter still in use is not closed")
	require.NoError(t, e.Shutdown())
	assert.Equal(t, []string{"sample k 2/2"}, dropReports(e.reported()))
}

// Drops are reported from a logging call once the interval has ended,
// without waiting for Close.
func TestFilterDropsReportedPerInterval(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, "a")
	e.config(t, jsonConfig(t, `{"version": 1,
		"filters": {"s": {"()": "sample", "first": 1, "interval": "20ms"}},
		"handlers": {"a": {"class": "stream", "stream": "ext://out.a", "filters": ["s"]}},
		"root": {"handlers": ["a"], "level": "DEBUG"}}`))
	logRecords(t, e.Manager, "root INFO m", "root INFO m", "root INFO m")
	time.Sleep(40 * time.Millisecond)
	logRecords(t, e.Manager, "root INFO m") // a new interval: passes, and reports the 2
	assert.Equal(t, "m\nm\n", e.take("a"))
	assert.Equal(t, []string{"sample s 2/2"}, dropReports(e.reported()))
}

func TestFilterClassErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		filter string
		want   string
	}{
		{"unknown level", `{"()": "level", "minLevel": "LOUD"}`, `filters.f.minLevel: unknown level: "LOUD"`},
		{"both levels unknown", `{"()": "level", "minLevel": "LOUD", "maxLevel": true}`,
			"filters.f.minLevel: unknown level: \"LOUD\"\nfilters.f.maxLevel: " + levelErr(t, true)},
		{"no level", `{"()": "level"}`, "filters.f: want minLevel, maxLevel or both"},
		{"min above max", `{"()": "level", "minLevel": "ERROR", "maxLevel": 20}`, `filters.f.maxLevel: 20 is below minLevel "ERROR"`},
		{"max NOTSET", `{"()": "level", "maxLevel": "NOTSET"}`, "filters.f.maxLevel: NOTSET cannot be a maximum"},
		{"unknown key", `{"()": "level", "minLevel": "INFO", "max": "ERROR"}`, `filters.f.max: unexpected keyword argument "max"`},
		// With "()", Python passes class to the factory as a keyword
		// argument too (it ignores class only for logging.Filter).
		{"class beside ()", `{"()": "level", "class": "level", "maxLevel": "DEBUG"}`, `filters.f.class: unexpected keyword argument "class"`},

		{"attr without key", `{"()": "attr", "equals": "x"}`, "filters.f.key: required"},
		{"attr empty key", `{"()": "attr", "key": ""}`, `filters.f.key: want a non-empty string, got ""`},
		{"attr equals and match", `{"()": "attr", "key": "k", "equals": "x", "match": "y"}`, "filters.f.match: give equals or match, not both"},
		{"attr bad match", `{"()": "attr", "key": "k", "match": "("}`, "filters.f.match: error parsing regexp: missing closing ): `(`"},
		{"attr equals a list", `{"()": "attr", "key": "k", "equals": [1]}`, "filters.f.equals: want a string, a number or a boolean, got a list"},
		{"attr invert not a bool", `{"()": "attr", "key": "k", "invert": "yes"}`, `filters.f.invert: want a boolean, got "yes"`},

		{"regex without pattern", `{"()": "regex"}`, "filters.f.pattern: required"},
		{"regex bad pattern", `{"()": "regex", "pattern": "a(?P<x"}`, "filters.f.pattern: error parsing regexp: invalid named capture: `(?P<x`"},
		{"regex lookahead is not RE2", `{"()": "regex", "pattern": "a(?!b)"}`, "filters.f.pattern: error parsing regexp: invalid or unsupported Perl syntax: `(?!`"},
		{"regex pattern a number", `{"()": "regex", "pattern": 5}`, "filters.f.pattern: want a regular expression, got 5"},

		{"sample without first", `{"()": "sample", "thereafter": 10}`, "filters.f.first: required"},
		{"sample negative", `{"()": "sample", "first": -1, "thereafter": 1.5}`,
			"filters.f.first: want an integer >= 0, got -1\nfilters.f.thereafter: want an integer >= 0, got 1.5"},
		{"sample interval 0", `{"()": "sample", "first": 1, "interval": 0}`, "filters.f.interval: want a duration > 0, got 0"},
		{"sample interval text", `{"()": "sample", "first": 1, "interval": "soon"}`, `filters.f.interval: want seconds or a duration such as "500ms", got "soon"`},
		{"sample unknown key", `{"()": "sample", "first": 1, "tick": 1}`, `filters.f.tick: unexpected keyword argument "tick"`},

		{"rate_limit without rate", `{"()": "rate_limit", "burst": 1}`, "filters.f.rate: required"},
		{"rate_limit rate 0", `{"()": "rate_limit", "rate": 0}`, "filters.f.rate: want a number > 0, got 0"},
		{"rate_limit rate text", `{"()": "rate_limit", "rate": "fast"}`, `filters.f.rate: want a number > 0, got "fast"`},
		{"rate_limit burst 0", `{"()": "rate_limit", "rate": 1, "burst": 0, "maxLoggers": -1}`,
			"filters.f.burst: want an integer >= 1, got 0\nfilters.f.maxLoggers: want an integer >= 1, got -1"},

		{"context without func", `{"()": "context"}`, "filters.f.func: required"},
		{"context func a string", `{"()": "context", "func": "request"}`,
			`filters.f.func: want a func(context.Context) []slog.Attr registered with RegisterValue and named "ext://NAME", got "request"`},
		{"context func unknown", `{"()": "context", "func": "ext://nosuch"}`, `filters.f.func: cannot resolve "nosuch": not a registered value`},
		{"context func a writer", `{"()": "context", "func": "ext://sys.stdout"}`,
			`filters.f.func: want a func(context.Context) []slog.Attr registered with RegisterValue and named "ext://NAME", got os.File`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t, "a")
			cfg := `{"version": 1, "filters": {"f": ` + tt.filter + `},
				"handlers": {"a": {"class": "stream", "stream": "ext://out.a", "filters": ["f"]}},
				"root": {"handlers": ["a"]}}`
			cfgtRefuse(t, e, jsonConfig(t, cfg), tt.want)
			// Check, which validates only, says the same.
			err := e.Check(jsonConfig(t, cfg))
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}

// levelErr is the error of parsing v as a level.
func levelErr(t *testing.T, v any) string {
	t.Helper()
	_, err := levels.Parse(v)
	require.Error(t, err)
	return err.Error()
}

// Every filter class refuses what a listener would refuse too: the error
// text names no host detail. And all errors of one filter come at once.
func TestFilterClassErrorsCollected(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	err := e.Check(jsonConfig(t, `{"version": 1, "filters": {
		"l": {"()": "level", "minLevel": "LOUD", "x": 1},
		"r": {"()": "rate_limit", "rate": -1, "burst": "2"}}}`))
	require.Error(t, err)
	assert.Equal(t, strings.Join([]string{
		"filters.l.x: unexpected keyword argument \"x\"",
		"filters.l.minLevel: unknown level: \"LOUD\"",
		"filters.r.rate: want a number > 0, got -1",
		"filters.r.burst: want an integer >= 1, got \"2\"",
	}, "\n"), err.Error())
}

// A filter's class is ignored, as Python ignores it, with a warning
// unless it names logging.Filter: the filter is logging.Filter(name).
func TestFilterClassKeyIgnored(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, "a")
	e.config(t, jsonConfig(t, `{"version": 1,
		"filters": {"f": {"class": "level", "maxLevel": "DEBUG"}, "g": {"class": "logging.Filter", "name": "app"}},
		"handlers": {"a": {"class": "stream", "stream": "ext://out.a", "filters": ["f", "g"]}},
		"root": {"handlers": ["a"], "level": "DEBUG"}}`))
	logRecords(t, e.Manager, "app INFO info", "x INFO other")
	assert.Equal(t, "info\n", e.take("a"))
	var msgs []string
	for _, err := range e.reported() {
		msgs = append(msgs, err.Error())
	}
	assert.Equal(t, []string{`warning: filters.f.class: ignored, as Python ignores it: this filter is logging.Filter(name=""); name a filter class with "()"`}, msgs)
}

// The README's Filters example is a configuration that passes Check.
func TestDocsFiltersExample(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(readme), "\n### Filters\n")
	require.True(t, ok, "README has a Filters section")
	_, block, ok := strings.Cut(section, "```yaml\n")
	require.True(t, ok, "the Filters section has a YAML example")
	block, _, ok = strings.Cut(block, "```")
	require.True(t, ok)
	cfg, err := DecodeDict([]byte("version: 1\n"+block), "yaml")
	require.NoError(t, err)
	e := newTestEnv(t)
	require.NoError(t, e.reg.RegisterValue("request_attrs", filters.ContextFunc(requestAttrs)))
	require.NoError(t, e.Check(cfg))
	assert.Empty(t, e.reported())
}
