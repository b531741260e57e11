package slogconfig

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cfgtGood is the configuration in effect before each refused one: sink a
// at the root with a recognisable format, "app" at ERROR.
const cfgtGood = `{"version": 1,
	"formatters": {"good": {"format": "good %(name)s %(message)s"}},
	"handlers": {"a": {"class": "stream", "stream": "ext://out.a", "formatter": "good"}},
	"loggers": {"app": {"level": "ERROR"}},
	"root": {"handlers": ["a"], "level": "WARNING"}}`

// cfgtCheckGood asserts that cfgtGood is fully in effect: the root's
// handler and format, the levels of root and "app", and "app" enabled.
func cfgtCheckGood(t *testing.T, e *testEnv) {
	t.Helper()
	e.takeAll()
	logRecords(t, e.Manager, "app WARN dropped", "app ERROR kept", "app.db ERROR child", "x INFO dropped", "x WARN warn")
	assert.Equal(t, map[string]string{"a": "good app kept\ngood app.db child\ngood x warn\n"}, e.takeAll(),
		"the configuration before the refused one must still be in effect")
	assert.Empty(t, e.last.take())
}

// cfgtRefuse applies the good configuration, then bad, and checks that
// bad is refused with want (one problem per line) and changes nothing.
func cfgtRefuse(t *testing.T, e *testEnv, bad map[string]any, want string) *ConfigError {
	t.Helper()
	e.config(t, jsonConfig(t, cfgtGood))
	err := e.DictConfig(bad)
	require.Error(t, err)
	textOK := assert.Equal(t, want, err.Error())
	var ce *ConfigError
	require.True(t, errors.As(err, &ce), "errors.As(%T, *ConfigError)", err)
	wantLines := strings.Split(want, "\n")
	if assert.Len(t, ce.Problems, len(wantLines), "one problem per line") && textOK {
		for i, p := range ce.Problems {
			assert.Equal(t, wantLines[i], p.Error())
			assert.True(t, strings.HasPrefix(wantLines[i], p.Path), "path %q of %q", p.Path, wantLines[i])
		}
	}
	cfgtCheckGood(t, e)
	assert.Empty(t, e.reported())
	return ce
}

func TestErrorsText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give string
		want string
	}{
		{
			name: "missing version",
			give: `{"handlers": {}}`,
			want: "version: dictionary doesn't specify a version",
		},
		{
			name: "string version",
			give: `{"version": "1"}`,
			want: `version: unsupported version: "1"`,
		},
		{
			name: "version 2",
			give: `{"version": 2}`,
			want: "version: unsupported version: 2",
		},
		{
			name: "bad style",
			give: `{"version": 1, "formatters": {"f": {"format": "%(message)s", "style": "x"}}}`,
			want: "formatters.f: Style must be one of: %,{,$",
		},
		{
			name: "invalid % format",
			give: `{"version": 1, "formatters": {"f": {"format": "hello"}}}`,
			want: "formatters.f: Invalid format 'hello' for '%' style",
		},
		{
			name: "invalid % format with validate true",
			give: `{"version": 1, "formatters": {"f": {"format": "hello", "validate": true}}}`,
			want: "formatters.f: Invalid format 'hello' for '%' style",
		},
		{
			name: "invalid $ format",
			give: `{"version": 1, "formatters": {"f": {"format": "cost $", "style": "$"}}}`,
			want: "formatters.f: invalid format: bare '$' not allowed",
		},
		{
			name: "unknown keyword of a formatter factory",
			give: `{"version": 1, "formatters": {"f": {"()": "logging.Formatter", "format": "%(message)s", "bogus": 1}}}`,
			want: `formatters.f: unexpected keyword argument "bogus"`,
		},
		{
			name: "unknown formatter class",
			give: `{"version": 1, "formatters": {"f": {"class": "nope"}}}`,
			want: `formatters.f.class: unknown formatter class "nope"`,
		},
		{
			name: "unknown formatter factory",
			give: `{"version": 1, "formatters": {"f": {"()": "nope"}}}`,
			want: `formatters.f.(): unknown formatter class "nope"`,
		},
		{
			name: "unknown filter factory",
			give: `{"version": 1, "filters": {"f": {"()": "nope"}}}`,
			want: `filters.f.(): unknown filter class "nope"`,
		},
		{
			name: "filter factory error",
			give: `{"version": 1, "filters": {"f": {"()": "test.prefix", "x": 1}}}`,
			want: `filters.f: unexpected keyword argument "x"`,
		},
		{
			name: "unknown keyword of logging.Filter",
			give: `{"version": 1, "filters": {"f": {"()": "logging.Filter", "nam": "x"}}}`,
			want: `filters.f.nam: unexpected keyword argument "nam"`,
		},
		{
			name: "unknown handler class",
			give: `{"version": 1, "handlers": {"h": {"class": "nope"}}}`,
			want: `handlers.h.class: unknown handler class "nope"`,
		},
		{
			name: "unknown handler factory",
			give: `{"version": 1, "handlers": {"h": {"()": "logging.handlers.Nope"}}}`,
			want: `handlers.h.(): unknown handler class "logging.handlers.Nope"`,
		},
		{
			name: "kwarg that is not a Python identifier",
			give: `{"version": 1, "handlers": {"h": {"class": "stream", "stream": "ext://out.a", "not-ident": 1}}}`,
			want: `handlers.h.not-ident: not a valid Python identifier: "not-ident"`,
		},
		{
			name: "unknown kwarg",
			give: `{"version": 1, "handlers": {"h": {"class": "logging.StreamHandler", "bogus": 1}}}`,
			want: `handlers.h.bogus: unexpected keyword argument "bogus" for logging.StreamHandler`,
		},
		{
			name: "kwarg of another class",
			give: `{"version": 1, "handlers": {"h": {"class": "stream", "filename": "x.log"}}}`,
			want: `handlers.h.filename: unexpected keyword argument "filename" for stream`,
		},
		{
			name: "unknown property",
			give: `{"version": 1, "handlers": {"h": {"class": "logging.StreamHandler", ".": {"bogus": 1}}}}`,
			want: `handlers.h[.].bogus: logging.StreamHandler has no property "bogus"`,
		},
		{
			name: "unknown formatter on a handler",
			give: `{"version": 1, "handlers": {"h": {"class": "stream", "formatter": "nope"}}}`,
			want: `handlers.h.formatter: unknown formatter "nope"`,
		},
		{
			name: "unknown filter on a handler",
			give: `{"version": 1, "filters": {"f": {}}, "handlers": {"h": {"class": "stream", "filters": ["f", "nope"]}}}`,
			want: `handlers.h.filters[1]: unknown filter "nope"`,
		},
		{
			name: "filters not a list",
			give: `{"version": 1, "filters": {"f": {}}, "handlers": {"h": {"class": "stream", "filters": "f"}}}`,
			want: `handlers.h.filters: want a list of filter ids, got "f"`,
		},
		{
			name: "bad handler level",
			give: `{"version": 1, "handlers": {"h": {"class": "stream", "level": "LOUD"}}}`,
			want: `handlers.h.level: unknown level: "LOUD"`,
		},
		{
			name: "handler class panics in New",
			give: `{"version": 1, "handlers": {"h": {"class": "test.panic_new"}}, "root": {"handlers": ["h"]}}`,
			want: "handlers.h: handler class panicked: cfgt: new boom",
		},
		{
			name: "handler class fails in New",
			give: `{"version": 1, "handlers": {"h": {"()": "test.error_new"}}}`,
			want: "handlers.h: cfgt: cannot build",
		},
		{
			name: "handler reference cycle",
			give: `{"version": 1, "handlers": {"a": {"class": "test.ref", "target": "b"}, "b": {"class": "test.ref", "target": "a"}},
				"root": {"handlers": ["a"]}}`,
			want: "handlers.b: handler references form a cycle: a -> b -> a",
		},
		{
			name: "handler referring to itself",
			give: `{"version": 1, "handlers": {"a": {"class": "test.ref", "target": "a"}}}`,
			want: "handlers.a: handler references form a cycle: a -> a",
		},
		{
			name: "longer cycle through a list",
			give: `{"version": 1, "handlers": {
				"a": {"class": "test.tee", "targets": ["out", "b"]},
				"b": {"class": "test.ref", "target": "c"},
				"c": {"class": "test.tee", "targets": ["a"]},
				"out": {"class": "stream", "stream": "ext://out.a"}}}`,
			want: "handlers.c: handler references form a cycle: a -> b -> c -> a",
		},
		{
			name: "reference to an unknown handler",
			give: `{"version": 1, "handlers": {"a": {"class": "test.ref", "target": "zz"}}}`,
			want: `handlers.a.target: unknown handler "zz"`,
		},
		{
			name: "unknown handler on a logger",
			give: `{"version": 1, "handlers": {"a": {"class": "stream"}}, "loggers": {"app": {"handlers": ["a", "nope"]}}}`,
			want: `loggers.app.handlers[1]: unknown handler "nope"`,
		},
		{
			name: "unknown handler on root",
			give: `{"version": 1, "root": {"handlers": ["nope"]}}`,
			want: `root.handlers[0]: unknown handler "nope"`,
		},
		{
			name: "unknown filter on a logger",
			give: `{"version": 1, "loggers": {"app": {"filters": ["nope"]}}}`,
			want: `loggers.app.filters[0]: unknown filter "nope"`,
		},
		{
			name: "bad logger level",
			give: `{"version": 1, "loggers": {"app": {"level": "verbose"}}}`,
			want: `loggers.app.level: unknown level: "verbose"`,
		},
		{
			name: "bad root level",
			give: `{"version": 1, "root": {"level": 10.5}}`,
			want: `root.level: level not an integer or a valid string: 10.5`,
		},
		{
			name: "boolean level",
			give: `{"version": 1, "loggers": {"app": {"level": true}}}`,
			want: `loggers.app.level: a boolean is not a level`,
		},
		{
			name: "propagate not a boolean",
			give: `{"version": 1, "loggers": {"app": {"propagate": "no"}}}`,
			want: `loggers.app.propagate: want a boolean, got "no"`,
		},
		{
			name: "propagate 2",
			give: `{"version": 1, "loggers": {"app": {"propagate": 2}}}`,
			want: `loggers.app.propagate: want a boolean, got 2`,
		},
		{
			name: "logger handlers not a list",
			give: `{"version": 1, "loggers": {"app": {"handlers": "a"}}}`,
			want: `loggers.app.handlers: want a list of handler ids, got "a"`,
		},
		{
			name: "null logger",
			give: `{"version": 1, "loggers": {"app": null}}`,
			want: `loggers.app: want a mapping, got null`,
		},
		{
			name: "root not a mapping",
			give: `{"version": 1, "root": ["a"]}`,
			want: `root: want a mapping, got a list`,
		},
		{
			name: "section not a mapping",
			give: `{"version": 1, "handlers": ["a"]}`,
			want: `handlers: want a mapping of ids to entries, got a list`,
		},
		{
			name: "handler entry not a mapping",
			give: `{"version": 1, "handlers": {"h": "stream"}}`,
			want: `handlers.h: want a mapping, got "stream"`,
		},
		{
			name: "incremental on an unknown handler",
			give: `{"version": 1, "incremental": true, "handlers": {"x": {"level": "INFO"}}}`,
			want: `handlers.x: no handler found with name "x"`,
		},
		{
			name: "incremental bad level",
			give: `{"version": 1, "incremental": true, "handlers": {"a": {"level": "LOUD"}}, "loggers": {"app": {"level": "LOUD"}}}`,
			want: "handlers.a.level: unknown level: \"LOUD\"\nloggers.app.level: unknown level: \"LOUD\"",
		},
		{
			name: "incremental not a boolean",
			give: `{"version": 1, "incremental": [1]}`,
			want: `incremental: want a boolean, got a list`,
		},
		{
			// Every problem, in the order formatters, filters, handlers,
			// loggers, root; an entry's problems together, those of its
			// keys' types before those of what they refer to. A class's
			// New is not called for a configuration that failed
			// validation: h3's panicking New is never reached.
			name: "all problems at once",
			give: `{"version": 1,
				"formatters": {"f1": {"style": "?"}, "f2": {"format": "hello"}},
				"filters": {"x": {"()": "nope"}},
				"handlers": {
					"h1": {"class": "stream", "level": "LOUD", "bogus": 1},
					"h2": {"class": "nope"},
					"h3": {"class": "test.panic_new"},
					"ok": {"class": "stream", "stream": "ext://out.b"}},
				"loggers": {
					"app": {"level": "verbose", "propagate": "yes", "handlers": ["ok", "missing"]},
					"lib": {"filters": ["nofilter"]}},
				"root": {"handlers": ["gone"], "level": "SILENT"}}`,
			want: strings.Join([]string{
				"formatters.f1: Style must be one of: %,{,$",
				"formatters.f2: Invalid format 'hello' for '%' style",
				`filters.x.(): unknown filter class "nope"`,
				`handlers.h1.bogus: unexpected keyword argument "bogus" for stream`,
				`handlers.h1.level: unknown level: "LOUD"`,
				`handlers.h2.class: unknown handler class "nope"`,
				`loggers.app.propagate: want a boolean, got "yes"`,
				`loggers.app.level: unknown level: "verbose"`,
				`loggers.app.handlers[1]: unknown handler "missing"`,
				`loggers.lib.filters[0]: unknown filter "nofilter"`,
				`root.level: unknown level: "SILENT"`,
				`root.handlers[0]: unknown handler "gone"`,
			}, "\n"),
		},
		{
			// A handler whose formatter, filter or target failed, and a
			// logger whose handler failed, are not reported again.
			name: "failures are reported once, not at each reference",
			give: `{"version": 1,
				"formatters": {"f": {"style": "?"}},
				"filters": {"x": {"()": "nope"}},
				"handlers": {
					"a_ref": {"class": "test.ref", "target": "b_bad"},
					"b_bad": {"class": "test.error_new"},
					"c_fmt": {"class": "stream", "formatter": "f"},
					"d_filt": {"class": "stream", "filters": ["x"]}},
				"loggers": {"app": {"handlers": ["a_ref", "c_fmt", "d_filt"], "filters": ["x"]}},
				"root": {"handlers": ["b_bad"]}}`,
			want: strings.Join([]string{
				"formatters.f: Style must be one of: %,{,$",
				`filters.x.(): unknown filter class "nope"`,
			}, "\n"),
		},
		{
			// Building starts only for a configuration that passed
			// validation; every handler that fails to build is reported,
			// and those that refer to it are not.
			name: "build failures are reported once, not at each reference",
			give: `{"version": 1,
				"handlers": {
					"a_ref": {"class": "test.ref", "target": "b_bad"},
					"b_bad": {"class": "test.error_new"},
					"c_panics": {"class": "test.panic_new"},
					"d_ref": {"class": "test.ref", "target": "c_panics"}},
				"loggers": {"app": {"handlers": ["a_ref", "d_ref"]}},
				"root": {"handlers": ["b_bad"]}}`,
			want: strings.Join([]string{
				"handlers.b_bad: cfgt: cannot build",
				"handlers.c_panics: handler class panicked: cfgt: new boom",
			}, "\n"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t, "a", "b")
			cfgtRefuse(t, e, jsonConfig(t, tt.give), tt.want)
		})
	}
}

func TestErrorsSentinels(t *testing.T) {
	t.Parallel()
	ce := cfgtRefuse(t, newTestEnv(t, "a"), map[string]any{}, "version: dictionary doesn't specify a version")
	assert.ErrorIs(t, ce, ErrNoVersion)
	assert.NotErrorIs(t, ce, ErrUnsupportedVersion)
	ce = cfgtRefuse(t, newTestEnv(t, "a"), map[string]any{"version": "1"}, `version: unsupported version: "1"`)
	assert.ErrorIs(t, ce, ErrUnsupportedVersion)
	assert.NotErrorIs(t, ce, ErrNoVersion)
	e := newTestEnv(t, "a")
	ce = cfgtRefuse(t, e, map[string]any{"version": 1, "handlers": map[string]any{"h": map[string]any{"class": "test.error_new"}}},
		"handlers.h: cfgt: cannot build")
	assert.Equal(t, "handlers.h", ce.Problems[0].Path)
	assert.EqualError(t, ce.Problems[0].Err, "cfgt: cannot build")
	assert.EqualError(t, errors.Unwrap(ce.Problems[0]), "cfgt: cannot build")
	require.Error(t, e.DictConfig(nil))
}

// TestErrorsArgumentPaths checks that a problem with one argument of a
// handler, formatter or filter names the argument in its path, as in
// DESIGN's example "handlers.file.maxBytes: want an integer, got "ten"",
// and as the core does for level, formatter, filters and unknown keys.
func TestErrorsArgumentPaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give string
		want string
	}{
		{
			name: "stream not a writer",
			give: `{"version": 1, "handlers": {"h": {"class": "stream", "stream": 5}}}`,
			want: `handlers.h.stream: want a writer such as "ext://sys.stdout", got 5`,
		},
		{
			name: "missing filename",
			give: `{"version": 1, "handlers": {"h": {"class": "file"}}}`,
			want: `handlers.h.filename: required`,
		},
		{
			name: "encoding latin-1",
			give: `{"version": 1, "handlers": {"h": {"class": "file", "filename": "x.log", "encoding": "latin-1"}}}`,
			want: `handlers.h.encoding: only UTF-8 is supported, got "latin-1"`,
		},
		{
			name: "delay not a boolean",
			give: `{"version": 1, "handlers": {"h": {"class": "file", "filename": "x.log", "delay": "yes"}}}`,
			want: `handlers.h.delay: want a boolean, got "yes"`,
		},
		{
			name: "missing class",
			give: `{"version": 1, "handlers": {"h": {"level": "INFO"}}}`,
			want: `handlers.h.class: required`,
		},
		{
			name: "filter name not a string",
			give: `{"version": 1, "filters": {"f": {"name": 5}}}`,
			want: `filters.f.name: want a string, got 5`,
		},
		{
			name: "json addSource not a boolean",
			give: `{"version": 1, "formatters": {"f": {"class": "json", "addSource": "x"}}}`,
			want: `formatters.f.addSource: want a boolean, got "x"`,
		},
		{
			name: "missing cfg path",
			give: `{"version": 1, "handlers": {"h": {"class": "stream", "stream": "cfg://nope.x"}}}`,
			want: `handlers.h.stream: unable to convert "cfg://nope.x": no key "nope"`,
		},
		{
			name: "unknown ext name",
			give: `{"version": 1, "handlers": {"h": {"class": "stream", "stream": "ext://nosuch.x"}}}`,
			want: `handlers.h.stream: cannot resolve "nosuch.x": not a registered value`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t, "a")
			dir := t.TempDir()
			give := strings.ReplaceAll(tt.give, `"x.log"`, jsonQuote(filepath.Join(dir, "x.log")))
			cfgtRefuse(t, e, jsonConfig(t, give), tt.want)
			assert.NoFileExists(t, filepath.Join(dir, "x.log"))
		})
	}
}

// TestErrorsConvert checks the errors of ext://, cfg:// and env:// values
// that do not resolve: they name the value, and the configuration is
// refused.
func TestErrorsConvert(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give string // the stream value
		want string // in the error
	}{
		{name: "unknown ext", give: "ext://nosuch.x", want: `cannot resolve "nosuch.x"`},
		{name: "missing cfg key", give: "cfg://sinks.nope", want: `"cfg://sinks.nope": no key "nope"`},
		{name: "missing cfg top-level key", give: "cfg://nope", want: `"cfg://nope": no key "nope"`},
		{name: "list index out of range", give: "cfg://list[5]", want: `"cfg://list[5]": list index 5 out of range`},
		{name: "word index on a list", give: "cfg://list[x]", want: `"cfg://list[x]": list index "x" is not a number`},
		{name: "dot index on a list", give: "cfg://list.0", want: `unable to convert "cfg://list.0"`},
		{name: "index into a string", give: "cfg://sinks.primary.x", want: `unable to convert "cfg://sinks.primary.x"`},
		{name: "bad syntax", give: "cfg://sinks[primary", want: `unable to convert "cfg://sinks[primary"`},
		{name: "cycle", give: "cfg://loop", want: "cfg:// references nest deeper than"},
		{name: "unset env", give: "env://CFGT_SURELY_UNSET_VAR", want: "CFGT_SURELY_UNSET_VAR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t, "a")
			e.config(t, jsonConfig(t, cfgtGood))
			err := e.DictConfig(map[string]any{
				"version": 1,
				"sinks":   map[string]any{"primary": "ext://out.a"},
				"list":    []any{"ext://out.a"},
				"loop":    "cfg://loop",
				"handlers": map[string]any{
					"h": map[string]any{"class": "stream", "stream": tt.give},
				},
			})
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			require.Len(t, ce.Problems, 1, "%v", err)
			assert.True(t, strings.HasPrefix(ce.Problems[0].Path, "handlers.h"), "path %q", ce.Problems[0].Path)
			assert.Contains(t, err.Error(), tt.want)
			cfgtCheckGood(t, e)
		})
	}
}

// TestErrorsRefusedDelayedFile checks that a refused configuration with a
// delayed file handler creates no file.
func TestErrorsRefusedDelayedFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "delayed.log")
	e := newTestEnv(t, "a")
	cfgtRefuse(t, e, jsonConfig(t, `{"version": 1,
		"handlers": {
			"a": {"class": "file", "filename": `+jsonQuote(path)+`, "delay": true},
			"b": {"class": "test.panic_new"}},
		"root": {"handlers": ["a", "b"]}}`), "handlers.b: handler class panicked: cfgt: new boom")
	assert.NoFileExists(t, path)
}

func TestErrorsHandlerRuntime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		give       string // the handlers section; sink a is handler "a"
		route      string // the loggers and root keys
		wantA      string
		wantErr    string // the HandlerError's Err text
		wantHandle string // the HandlerError's Handler
	}{
		{
			name:       "handler error, failing handler first",
			give:       `"a_bad": {"class": "test.fail"}, "a": {"class": "stream", "stream": "ext://out.a"}`,
			route:      `"loggers": {"app": {"handlers": ["a_bad"]}}, "root": {"handlers": ["a"]}`,
			wantA:      "hi\n",
			wantErr:    "cfgt: sink failed",
			wantHandle: "a_bad",
		},
		{
			name:       "handler error, failing handler last",
			give:       `"z_bad": {"class": "test.fail"}, "a": {"class": "stream", "stream": "ext://out.a"}`,
			route:      `"loggers": {"app": {"handlers": ["a", "z_bad"]}}`,
			wantA:      "hi\n",
			wantErr:    "cfgt: sink failed",
			wantHandle: "z_bad",
		},
		{
			name:       "handler panics",
			give:       `"p": {"()": "test.panic_handle"}, "a": {"class": "stream", "stream": "ext://out.a"}`,
			route:      `"loggers": {"app": {"handlers": ["p", "a"]}}`,
			wantA:      "hi\n",
			wantErr:    "handler panicked: cfgt: handle boom",
			wantHandle: "p",
		},
		{
			name:       "referenced handler fails",
			give:       `"r": {"class": "test.ref", "target": "t"}, "t": {"class": "test.fail"}, "a": {"class": "stream", "stream": "ext://out.a"}`,
			route:      `"loggers": {"app": {"handlers": ["r", "a"]}}`,
			wantA:      "hi\n",
			wantErr:    "cfgt: sink failed",
			wantHandle: "r",
		},
		{
			name: "handler filter panics",
			give: `"h": {"class": "stream", "stream": "ext://out.b", "filters": ["boom"]},
				"a": {"class": "stream", "stream": "ext://out.a"}`,
			route:      `"loggers": {"app": {"handlers": ["h", "a"]}}`,
			wantA:      "hi\n",
			wantErr:    "filter panicked: cfgt: filter boom",
			wantHandle: "h",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t, "a", "b")
			e.config(t, jsonConfig(t, `{"version": 1, "filters": {"boom": {"()": "test.panic"}},
				"handlers": {`+tt.give+`}, `+tt.route+`}`))
			e.Logger("app.db").Warn("hi")
			assert.Equal(t, map[string]string{"a": tt.wantA}, e.takeAll())
			errs := e.reported()
			require.Len(t, errs, 1, "reported once: %v", errs)
			var he *HandlerError
			require.ErrorAs(t, errs[0], &he)
			assert.Equal(t, tt.wantHandle, he.Handler)
			assert.Equal(t, "app.db", he.Logger)
			assert.Equal(t, "hi", he.Record.Message)
			assert.EqualError(t, he.Err, tt.wantErr)
			if tt.wantErr == errSinkFailed.Error() {
				assert.ErrorIs(t, errs[0], errSinkFailed)
			}

			// The next record is reported again: nothing was disabled.
			e.Logger("app").Warn("again")
			assert.Equal(t, map[string]string{"a": "again\n"}, e.takeAll())
			assert.Len(t, e.reported(), 1)
		})
	}
}

// TestErrorsLoggerFilterPanics checks that a panicking logger filter is
// recovered and reported, and drops the record.
func TestErrorsLoggerFilterPanics(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, "a")
	e.config(t, jsonConfig(t, `{"version": 1, "filters": {"boom": {"()": "test.panic"}},
		"handlers": {"a": {"class": "stream", "stream": "ext://out.a"}},
		"loggers": {"app": {"filters": ["boom"]}},
		"root": {"handlers": ["a"]}}`))
	e.Logger("app").Warn("hi")
	e.Logger("app.db").Warn("child")
	assert.Equal(t, "child\n", e.take("a"))
	errs := e.reported()
	require.Len(t, errs, 1)
	var he *HandlerError
	require.ErrorAs(t, errs[0], &he)
	assert.Equal(t, "app", he.Logger)
	assert.EqualError(t, he.Err, "filter panicked: cfgt: filter boom")
}

// TestErrorsErrorHandlerPanics checks that an error handler that panics
// does not take the logging call down.
func TestErrorsErrorHandlerPanics(t *testing.T) {
	t.Parallel()
	reg := NewRegistry()
	registerTestClasses(t, reg)
	out := &buffer{}
	require.NoError(t, reg.RegisterValue("out.a", out))
	m := New(WithRegistry(reg), WithErrorHandler(func(error) { panic("cfgt: error handler boom") }))
	require.NoError(t, m.DictConfig(jsonConfig(t, `{"version": 1,
		"handlers": {"bad": {"class": "test.fail"}, "a": {"class": "stream", "stream": "ext://out.a"}},
		"root": {"handlers": ["bad", "a"]}}`)))
	assert.NotPanics(t, func() { m.Logger("app").Warn("hi") })
	assert.Equal(t, "hi\n", out.take())
	require.NoError(t, m.Shutdown())
}
