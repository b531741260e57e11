package slogconfig

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSchemaVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		give    any // the version; cfgtAbsent for none
		wantErr error
		wantMsg string
	}{
		{name: "missing", give: cfgtAbsent, wantErr: ErrNoVersion, wantMsg: "version: dictionary doesn't specify a version"},
		{name: "int 1", give: 1},
		{name: "float 1.0", give: 1.0},
		{name: "true", give: true},
		{name: "string 1", give: "1", wantErr: ErrUnsupportedVersion, wantMsg: `version: unsupported version: "1"`},
		{name: "int 2", give: 2, wantErr: ErrUnsupportedVersion, wantMsg: "version: unsupported version: 2"},
		{name: "float 1.5", give: 1.5, wantErr: ErrUnsupportedVersion, wantMsg: "version: unsupported version: 1.5"},
		{name: "false", give: false, wantErr: ErrUnsupportedVersion, wantMsg: "version: unsupported version: false"},
		{name: "null", give: nil, wantErr: ErrUnsupportedVersion, wantMsg: "version: unsupported version: null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t, "a")
			cfg := map[string]any{
				"handlers": map[string]any{"a": map[string]any{"class": "stream", "stream": "ext://out.a"}},
				"root":     map[string]any{"handlers": []any{"a"}},
			}
			if tt.give != cfgtAbsent {
				cfg["version"] = tt.give
			}
			err := e.DictConfig(cfg)
			e.Logger("app").Warn("hi")
			if tt.wantErr == nil {
				require.NoError(t, err)
				assert.Equal(t, "hi\n", e.take("a"))
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.wantErr)
			assert.EqualError(t, err, tt.wantMsg)
			assert.Empty(t, e.take("a"), "a refused configuration must not be applied")
			assert.Equal(t, "level=WARN msg=hi logger=app\n", e.last.take())
		})
	}
}

// cfgtAbsent marks a key left out of a configuration.
var cfgtAbsent = &struct{ absent bool }{}

func TestSchemaIncremental(t *testing.T) {
	t.Parallel()
	// a: root's handler at WARNING; b: app's handler.
	base := `{"version": 1,
		"formatters": {"f": {"format": "%(name)s %(message)s"}},
		"handlers": {
			"a": {"class": "stream", "stream": "ext://out.a", "level": "WARNING", "formatter": "f"},
			"b": {"class": "stream", "stream": "ext://out.b", "formatter": "f"}},
		"loggers": {"app": {"handlers": ["b"], "level": "WARNING"}},
		"root": {"handlers": ["a"], "level": "INFO"}}`
	runConfigCases(t, []configCase{{
		name:   "handler level",
		before: []string{base},
		give:   `{"version": 1, "incremental": true, "handlers": {"a": {"level": "DEBUG"}}}`,
		log:    []string{"x INFO info", "x DEBUG debug"},
		want:   map[string]string{"a": "x info\n"},
	}, {
		name:   "handler level 0 is skipped",
		before: []string{base},
		give:   `{"version": 1, "incremental": true, "handlers": {"a": {"level": 0}}}`,
		log:    []string{"x INFO info", "x WARN warn"},
		want:   map[string]string{"a": "x warn\n"},
	}, {
		name:   "handler level NOTSET is applied",
		before: []string{base},
		give:   `{"version": 1, "incremental": true, "handlers": {"a": {"level": "NOTSET"}}}`,
		log:    []string{"x INFO info"},
		want:   map[string]string{"a": "x info\n"},
	}, {
		name:   "level of a logger's handler",
		before: []string{base},
		give:   `{"version": 1, "incremental": true, "handlers": {"b": {"level": "ERROR"}}}`,
		log:    []string{"app WARN warn", "app ERROR error"},
		want:   map[string]string{"a": "app warn\napp error\n", "b": "app error\n"},
	}, {
		name:   "logger level and propagate",
		before: []string{base},
		give:   `{"version": 1, "incremental": true, "loggers": {"app": {"level": "DEBUG", "propagate": false}}}`,
		log:    []string{"app.db DEBUG debug", "app ERROR error"},
		want:   map[string]string{"b": "app.db debug\napp error\n"},
	}, {
		name:   "logger handlers and filters are ignored",
		before: []string{base},
		give: `{"version": 1, "incremental": true,
			"filters": {"f": {"name": "nothing"}},
			"loggers": {"app": {"handlers": ["a"], "filters": ["f"]}}}`,
		log:  []string{"app WARN warn"},
		want: map[string]string{"a": "app warn\n", "b": "app warn\n"},
	}, {
		name:   "formatters and handler formatters are ignored",
		before: []string{base},
		give: `{"version": 1, "incremental": true,
			"formatters": {"g": {"format": "G %(message)s"}},
			"handlers": {"a": {"formatter": "g"}}}`,
		log:  []string{"x WARN warn"},
		want: map[string]string{"a": "x warn\n"},
	}, {
		name:   "root level",
		before: []string{base},
		give:   `{"version": 1, "incremental": true, "root": {"level": "ERROR"}}`,
		log:    []string{"x WARN warn", "x ERROR error", "app WARN app"},
		want:   map[string]string{"a": "x error\napp app\n", "b": "app app\n"},
	}, {
		name:   "root handlers are ignored",
		before: []string{base},
		give:   `{"version": 1, "incremental": true, "root": {"handlers": ["b"]}}`,
		log:    []string{"x WARN warn"},
		want:   map[string]string{"a": "x warn\n"},
	}, {
		name:   "a new logger is created",
		before: []string{base},
		give:   `{"version": 1, "incremental": true, "loggers": {"new": {"level": "ERROR"}}}`,
		log:    []string{"new WARN warn", "new ERROR error"},
		want:   map[string]string{"a": "new error\n"},
	}, {
		name:   "disable_existing_loggers is ignored",
		pre:    []string{"lib"},
		before: []string{base, `{"version": 1, "incremental": true, "loggers": {"lib": {}}}`},
		give:   `{"version": 1, "incremental": true, "disable_existing_loggers": true, "loggers": {}}`,
		log:    []string{"lib WARN warn"},
		want:   map[string]string{"a": "lib warn\n"},
	}, {
		name:   "a disabled logger is enabled again",
		pre:    []string{"lib"},
		before: []string{base},
		give:   `{"version": 1, "incremental": true, "loggers": {"lib": {}}}`,
		log:    []string{"lib WARN warn"},
		want:   map[string]string{"a": "lib warn\n"},
	}, {
		name:   "incremental false is a full configuration",
		before: []string{base},
		give:   `{"version": 1, "incremental": false, ` + rootA + `}`,
		log:    []string{"x DEBUG debug", "app ERROR disabled"},
		want:   map[string]string{"a": "debug\n"},
	}})
}

func TestSchemaDisableExistingLoggers(t *testing.T) {
	t.Parallel()
	// first: app.db at DEBUG, lib and appx at their defaults, all existing.
	first := `{"version": 1, ` + rootA + `,
		"loggers": {"app.db": {"level": "DEBUG"}, "lib": {}, "appx": {}, "lib.x": {"level": "ERROR"}}}`
	second := func(disable string) string {
		d := ""
		if disable != "" {
			d = `"disable_existing_loggers": ` + disable + `, `
		}
		return `{"version": 1, ` + d + rootA + `, "loggers": {"app": {"level": "INFO"}}}`
	}
	logs := []string{"app.db DEBUG db-debug", "app.db INFO db-info", "lib WARN lib", "appx WARN appx", "later WARN later"}
	runConfigCases(t, []configCase{{
		name:   "default disables existing loggers, resets children",
		before: []string{first},
		give:   second(""),
		log:    logs,
		want:   map[string]string{"a": "db-info\nlater\n"},
	}, {
		name:   "true",
		before: []string{first},
		give:   second("true"),
		log:    logs,
		want:   map[string]string{"a": "db-info\nlater\n"},
	}, {
		name:   "false keeps them",
		before: []string{first},
		give:   second("false"),
		log:    logs,
		want:   map[string]string{"a": "db-info\nlib\nappx\nlater\n"},
	}, {
		name:   "false enables loggers disabled before",
		before: []string{first, second("")},
		give:   second("false"),
		log:    logs,
		want:   map[string]string{"a": "db-info\nlib\nappx\nlater\n"},
	}, {
		name: "loggers obtained before any configuration",
		pre:  []string{"lib", "app.db"},
		give: second(""),
		log:  logs,
		want: map[string]string{"a": "db-info\nappx\nlater\n"},
	}, {
		name:   "a configured logger is enabled",
		before: []string{first, second("")},
		give:   `{"version": 1, ` + rootA + `, "loggers": {"lib": {}}}`,
		log:    []string{"lib WARN lib", "appx WARN appx"},
		want:   map[string]string{"a": "lib\n"},
	}, {
		// lib.x was disabled by the second configuration; configuring its
		// parent resets its level but leaves it disabled, as in Python.
		name:   "a reset child keeps disabled",
		before: []string{first, second("")},
		give:   `{"version": 1, ` + rootA + `, "loggers": {"lib": {}}}`,
		log:    []string{"lib.x WARN x", "lib WARN lib"},
		want:   map[string]string{"a": "lib\n"},
	}, {
		name:   "a reset child inherits its level",
		before: []string{first},
		give:   `{"version": 1, ` + rootA + `, "disable_existing_loggers": false, "loggers": {"lib": {}}}`,
		log:    []string{"lib.x WARN x", "lib.x INFO reset"},
		want:   map[string]string{"a": "x\nreset\n"},
	}})
}

func TestSchemaFormatters(t *testing.T) {
	t.Parallel()
	withF := func(f string) string {
		return `{"version": 1, "formatters": {"f": ` + f + `},
			"handlers": {"a": {"class": "stream", "stream": "ext://out.a", "formatter": "f"}},
			"root": {"handlers": ["a"], "level": "DEBUG"}}`
	}
	const nameFmt = `"%(levelname)s:%(name)s:%(message)s"`
	runConfigCases(t, []configCase{{
		name: "no class is the pattern formatter",
		give: withF(`{"format": ` + nameFmt + `}`),
		log:  []string{"app.db INFO hi"},
		want: map[string]string{"a": "INFO:app.db:hi\n"},
	}, {
		name: "class pattern",
		give: withF(`{"class": "pattern", "format": ` + nameFmt + `}`),
		log:  []string{"app.db INFO hi"},
		want: map[string]string{"a": "INFO:app.db:hi\n"},
	}, {
		name: "class logging.Formatter",
		give: withF(`{"class": "logging.Formatter", "format": ` + nameFmt + `}`),
		log:  []string{"app.db INFO hi"},
		want: map[string]string{"a": "INFO:app.db:hi\n"},
	}, {
		name: "factory logging.Formatter with format",
		give: withF(`{"()": "logging.Formatter", "format": ` + nameFmt + `}`),
		log:  []string{"app.db INFO hi"},
		want: map[string]string{"a": "INFO:app.db:hi\n"},
	}, {
		name: "factory pattern with fmt",
		give: withF(`{"()": "pattern", "fmt": ` + nameFmt + `}`),
		log:  []string{"app.db INFO hi"},
		want: map[string]string{"a": "INFO:app.db:hi\n"},
	}, {
		name: "empty format is the message",
		give: withF(`{"format": ""}`),
		log:  []string{"app.db INFO hi"},
		want: map[string]string{"a": "hi\n"},
	}, {
		name: "class json",
		give: withF(`{"class": "json"}`),
		log:  []string{"app.db INFO hi k=v", "app CRITICAL crit"},
		want: map[string]string{"a": `{"time":"TIME","level":"INFO","msg":"hi","logger":"app.db","k":"v"}` + "\n" +
			`{"time":"TIME","level":"CRITICAL","msg":"crit","logger":"app"}` + "\n"},
	}, {
		name: "factory json",
		give: withF(`{"()": "json"}`),
		log:  []string{"app.db INFO hi"},
		want: map[string]string{"a": `{"time":"TIME","level":"INFO","msg":"hi","logger":"app.db"}` + "\n"},
	}, {
		name: "class text",
		give: withF(`{"class": "text"}`),
		log:  []string{"app.db WARN hi k=v"},
		want: map[string]string{"a": "time=TIME level=WARN msg=hi logger=app.db k=v\n"},
	}, {
		name: "class json ignores pattern keys",
		give: withF(`{"class": "json", "format": "%(message)s", "style": "%", "validate": true}`),
		log:  []string{"app INFO hi"},
		want: map[string]string{"a": `{"time":"TIME","level":"INFO","msg":"hi","logger":"app"}` + "\n"},
	}, {
		name: "style {",
		give: withF(`{"format": "{levelname}|{name}|{message}", "style": "{"}`),
		log:  []string{"app.db ERROR hi"},
		want: map[string]string{"a": "ERROR|app.db|hi\n"},
	}, {
		name: "style $",
		give: withF(`{"format": "$levelname|${name}|$message", "style": "$"}`),
		log:  []string{"app.db ERROR hi"},
		want: map[string]string{"a": "ERROR|app.db|hi\n"},
	}, {
		name: "style %",
		give: withF(`{"format": "%(levelno)d %(message)s", "style": "%"}`),
		log:  []string{"app WARN hi", "app CRITICAL crit", "app INFO+2 odd"},
		want: map[string]string{"a": "30 hi\n50 crit\n25 odd\n"},
	}, {
		name: "default asctime",
		give: withF(`{"format": "%(asctime)s %(message)s"}`),
		log:  []string{"app INFO hi"},
		want: map[string]string{"a": "ASCTIME hi\n"},
	}, {
		name: "datefmt",
		give: withF(`{"format": "%(asctime)s %(message)s", "datefmt": "%d/%m/%Y"}`),
		log:  []string{"app INFO hi"},
		want: map[string]string{"a": "DATE hi\n"},
	}, {
		name: "validate false accepts a format without fields",
		give: withF(`{"format": "hello", "validate": false}`),
		log:  []string{"app INFO hi"},
		want: map[string]string{"a": "hello\n"},
	}, {
		name: "defaults",
		give: withF(`{"format": "%(user)s %(message)s", "defaults": {"user": "anon"}}`),
		log:  []string{"app INFO hi", "app INFO hi user=bob"},
		want: map[string]string{"a": "anon hi\nbob hi\n"},
	}, {
		name: "attributes the format does not name are appended",
		give: withF(`{"format": "%(levelname)s %(message)s"}`),
		log:  []string{"app INFO hi k=v n=1"},
		want: map[string]string{"a": "INFO hi k=v n=1\n"},
	}, {
		name: "unknown keys are ignored with class",
		give: withF(`{"class": "logging.Formatter", "format": "%(message)s!", "bogus": 1}`),
		log:  []string{"app INFO hi"},
		want: map[string]string{"a": "hi!\n"},
	}, {
		name: "unknown keys are ignored without class",
		give: withF(`{"format": "%(message)s!", "bogus": 1}`),
		log:  []string{"app INFO hi"},
		want: map[string]string{"a": "hi!\n"},
	}, {
		name: "handler without formatter prints the bare message",
		give: `{"version": 1, ` + rootA + `}`,
		log:  []string{"app.db INFO hi k=v"},
		want: map[string]string{"a": "hi k=v\n"},
	}, {
		name: "one formatter on two handlers",
		give: `{"version": 1, "formatters": {"f": {"format": "%(name)s: %(message)s"}},
			"handlers": {
				"a": {"class": "stream", "stream": "ext://out.a", "formatter": "f"},
				"b": {"class": "stream", "stream": "ext://out.b", "formatter": "f"}},
			"loggers": {"app": {"handlers": ["b"]}},
			"root": {"handlers": ["a"], "level": "DEBUG"}}`,
		log:  []string{"app.db INFO hi", "x INFO ho"},
		want: map[string]string{"a": "app.db: hi\nx: ho\n", "b": "app.db: hi\n"},
	}})
}

func TestSchemaFilters(t *testing.T) {
	t.Parallel()
	onHandler := func(filters string, list string) string {
		return `{"version": 1, "filters": ` + filters + `,
			"handlers": {
				"a": {"class": "stream", "stream": "ext://out.a", "filters": ` + list + `},
				"b": {"class": "stream", "stream": "ext://out.b"}},
			"root": {"handlers": ["a", "b"], "level": "DEBUG"}}`
	}
	nameLogs := []string{"app.db INFO one", "app.db.x INFO two", "app.dbx INFO three", "app INFO four", "x INFO five"}
	all := "one\ntwo\nthree\nfour\nfive\n"
	runConfigCases(t, []configCase{{
		name: "name filter on a handler",
		give: onHandler(`{"f": {"name": "app.db"}}`, `["f"]`),
		log:  nameLogs,
		want: map[string]string{"a": "one\ntwo\n", "b": all},
	}, {
		name: "factory logging.Filter",
		give: onHandler(`{"f": {"()": "logging.Filter", "name": "app.db"}}`, `["f"]`),
		log:  nameLogs,
		want: map[string]string{"a": "one\ntwo\n", "b": all},
	}, {
		name: "factory name",
		give: onHandler(`{"f": {"()": "name", "name": "app.db"}}`, `["f"]`),
		log:  nameLogs,
		want: map[string]string{"a": "one\ntwo\n", "b": all},
	}, {
		name: "empty name passes everything",
		give: onHandler(`{"f": {}}`, `["f"]`),
		log:  nameLogs,
		want: map[string]string{"a": all, "b": all},
	}, {
		name: "registered factory with kwargs",
		give: onHandler(`{"f": {"()": "test.prefix", "prefix": "keep"}}`, `["f"]`),
		log:  []string{"app INFO keep1", "app INFO drop", "app.db INFO keep2"},
		want: map[string]string{"a": "keep1\nkeep2\n", "b": "keep1\ndrop\nkeep2\n"},
	}, {
		name: "factory kwargs are converted",
		give: `{"version": 1, "prefixes": {"main": "keep"},
			"filters": {"f": {"()": "test.prefix", "prefix": "cfg://prefixes.main"}},
			"handlers": {"a": {"class": "stream", "stream": "ext://out.a", "filters": ["f"]}},
			"root": {"handlers": ["a"], "level": "DEBUG"}}`,
		log:  []string{"app INFO keep1", "app INFO drop"},
		want: map[string]string{"a": "keep1\n"},
	}, {
		name: "every filter of a handler must pass",
		give: onHandler(`{"f": {"name": "app"}, "g": {"()": "test.prefix", "prefix": "keep"}}`, `["f", "g"]`),
		log:  []string{"app INFO keep1", "app INFO drop", "x INFO keep2"},
		want: map[string]string{"a": "keep1\n", "b": "keep1\ndrop\nkeep2\n"},
	}, {
		// A logger's filters apply to records logged on that logger only,
		// not to records propagating from its children.
		name: "filter on a logger",
		give: `{"version": 1, "filters": {"f": {"()": "test.prefix", "prefix": "keep"}},
			"handlers": {
				"a": {"class": "stream", "stream": "ext://out.a"},
				"b": {"class": "stream", "stream": "ext://out.b"}},
			"loggers": {"app": {"handlers": ["b"], "filters": ["f"]}},
			"root": {"handlers": ["a"], "level": "DEBUG"}}`,
		log:  []string{"app INFO keep1", "app INFO drop", "app.db INFO child"},
		want: map[string]string{"a": "keep1\nchild\n", "b": "keep1\nchild\n"},
	}, {
		name: "name filter on a logger",
		give: `{"version": 1, "filters": {"f": {"name": "app.db"}},
			"handlers": {"a": {"class": "stream", "stream": "ext://out.a"}},
			"loggers": {"app": {"filters": ["f"]}},
			"root": {"handlers": ["a"], "level": "DEBUG"}}`,
		log:  []string{"app INFO app", "app.db INFO db", "app.x INFO x"},
		want: map[string]string{"a": "db\nx\n"},
	}, {
		name: "filter on root",
		give: `{"version": 1, "filters": {"f": {"()": "test.prefix", "prefix": "keep"}},
			"handlers": {"a": {"class": "stream", "stream": "ext://out.a"}},
			"root": {"handlers": ["a"], "level": "DEBUG", "filters": ["f"]}}`,
		log:  []string{"root INFO keep1", "root INFO drop", "app INFO child"},
		want: map[string]string{"a": "keep1\nchild\n"},
	}, {
		// DEVIATION: filters are replaced, not accumulated.
		name:   "logger filters are replaced by a new configuration",
		before: []string{`{"version": 1, "filters": {"f": {"()": "test.prefix", "prefix": "keep"}}, ` + rootA + `, "loggers": {"app": {"filters": ["f"]}}}`},
		give:   `{"version": 1, "filters": {"g": {"()": "test.prefix", "prefix": "take"}}, ` + rootA + `, "loggers": {"app": {"filters": ["g"]}}}`,
		log:    []string{"app INFO keep", "app INFO take"},
		want:   map[string]string{"a": "take\n"},
	}})
}

func TestSchemaHandlers(t *testing.T) {
	t.Parallel()
	onRoot := func(h string) string {
		return `{"version": 1, "handlers": {"h": ` + h + `}, "root": {"handlers": ["h"], "level": "DEBUG"}}`
	}
	runConfigCases(t, []configCase{{
		name: "logging.StreamHandler",
		give: onRoot(`{"class": "logging.StreamHandler", "stream": "ext://out.a"}`),
		log:  []string{"app INFO hi"},
		want: map[string]string{"a": "hi\n"},
	}, {
		name: "stream",
		give: onRoot(`{"class": "stream", "stream": "ext://out.b"}`),
		log:  []string{"app INFO hi"},
		want: map[string]string{"b": "hi\n"},
	}, {
		name: "factory stream",
		give: onRoot(`{"()": "stream", "stream": "ext://out.a"}`),
		log:  []string{"app INFO hi"},
		want: map[string]string{"a": "hi\n"},
	}, {
		name: "factory logging.StreamHandler",
		give: onRoot(`{"()": "logging.StreamHandler", "stream": "ext://out.a"}`),
		log:  []string{"app INFO hi"},
		want: map[string]string{"a": "hi\n"},
	}, {
		name: "registered factory with a handler reference",
		give: `{"version": 1, "handlers": {
				"h": {"()": "test.ref", "target": "t"},
				"t": {"class": "stream", "stream": "ext://out.a", "level": "WARNING"}},
			"root": {"handlers": ["h"], "level": "DEBUG"}}`,
		log:  []string{"app INFO info", "app WARN warn"},
		want: map[string]string{"a": "warn\n"},
	}, {
		name: "handler references resolved in dependency order",
		give: `{"version": 1, "handlers": {
				"a_tee": {"class": "test.tee", "targets": ["b_ref", "c_out"]},
				"b_ref": {"class": "test.ref", "target": "d_out"},
				"c_out": {"class": "stream", "stream": "ext://out.a"},
				"d_out": {"class": "stream", "stream": "ext://out.b"}},
			"root": {"handlers": ["a_tee"], "level": "DEBUG"}}`,
		log:  []string{"root INFO hi"},
		want: map[string]string{"a": "hi\n", "b": "hi\n"},
	}, {
		name: "null",
		give: `{"version": 1, "handlers": {"n": {"class": "null"}},
			"loggers": {"quiet": {"handlers": ["n"], "propagate": false}, "loud": {"propagate": false}}}`,
		log:  []string{"quiet ERROR q", "loud ERROR l"},
		want: map[string]string{"lastResort": "level=ERROR msg=l logger=loud\n"},
	}, {
		name: "logging.NullHandler",
		give: `{"version": 1, "handlers": {"n": {"class": "logging.NullHandler"}}, "root": {"handlers": ["n"]}}`,
		log:  []string{"app ERROR e"},
		want: map[string]string{},
	}, {
		name: "null next to another handler",
		give: `{"version": 1, "handlers": {"n": {"()": "null"}, "a": {"class": "stream", "stream": "ext://out.a"}},
			"root": {"handlers": ["n", "a"]}}`,
		log:  []string{"app ERROR e"},
		want: map[string]string{"a": "e\n"},
	}, {
		name: "terminator",
		give: onRoot(`{"class": "stream", "stream": "ext://out.a", ".": {"terminator": "|"}}`),
		log:  []string{"app INFO hi", "app INFO there"},
		want: map[string]string{"a": "hi|there|"},
	}, {
		name: "dot values are not converted",
		give: `{"version": 1, "handlers": {
				"a": {"class": "stream", "stream": "ext://out.a", ".": {"terminator": "ext://out.b"}},
				"b": {"class": "stream", "stream": "ext://out.b", ".": {"terminator": "cfg://nowhere\n"}}},
			"root": {"handlers": ["a", "b"]}}`,
		log:  []string{"app WARN hi"},
		want: map[string]string{"a": "hiext://out.b", "b": "hicfg://nowhere\n"},
	}, {
		name: "level",
		give: onRoot(`{"class": "stream", "stream": "ext://out.a", "level": "WARNING"}`),
		log:  []string{"app INFO info", "app WARN warn", "app ERROR error"},
		want: map[string]string{"a": "warn\nerror\n"},
	}, {
		name: "levels of two handlers on one logger",
		give: `{"version": 1, "handlers": {
				"a": {"class": "stream", "stream": "ext://out.a", "level": "ERROR"},
				"b": {"class": "stream", "stream": "ext://out.b", "level": "DEBUG"}},
			"root": {"handlers": ["a", "b"], "level": "INFO"}}`,
		log:  []string{"app DEBUG debug", "app INFO info", "app ERROR error"},
		want: map[string]string{"a": "error\n", "b": "info\nerror\n"},
	}, {
		name: "formatter",
		give: `{"version": 1, "formatters": {"f": {"format": "[%(levelname)s] %(message)s"}},
			"handlers": {"h": {"class": "stream", "stream": "ext://out.a", "formatter": "f"}},
			"root": {"handlers": ["h"], "level": "DEBUG"}}`,
		log:  []string{"app INFO hi"},
		want: map[string]string{"a": "[INFO] hi\n"},
	}, {
		name: "two handlers on one writer",
		give: `{"version": 1, "handlers": {
				"h1": {"class": "stream", "stream": "ext://out.a"},
				"h2": {"class": "stream", "stream": "ext://out.a"}},
			"root": {"handlers": ["h1", "h2"]}}`,
		log:  []string{"app WARN hi"},
		want: map[string]string{"a": "hi\nhi\n"},
	}, {
		name: "a handler listed on a logger and on root gets the record twice",
		give: `{"version": 1, "handlers": {"h": {"class": "stream", "stream": "ext://out.a"}},
			"loggers": {"app": {"handlers": ["h"]}},
			"root": {"handlers": ["h"]}}`,
		log:  []string{"app.db WARN hi"},
		want: map[string]string{"a": "hi\nhi\n"},
	}, {
		name: "unused handler",
		give: `{"version": 1, "handlers": {"h": {"class": "stream", "stream": "ext://out.a"}}}`,
		log:  []string{"app WARN hi"},
		want: map[string]string{"lastResort": "level=WARN msg=hi logger=app\n"},
	}})
}

// TestSchemaStdStreams swaps os.Stdout and os.Stderr, so it is not
// parallel.
func TestSchemaStdStreams(t *testing.T) {
	tests := []struct {
		name string
		give string // the handler
		want [2]string
	}{
		{name: "ext://sys.stdout", give: `{"class": "logging.StreamHandler", "stream": "ext://sys.stdout"}`, want: [2]string{"hi\n", ""}},
		{name: "ext://sys.stderr", give: `{"class": "logging.StreamHandler", "stream": "ext://sys.stderr"}`, want: [2]string{"", "hi\n"}},
		{name: "default is stderr", give: `{"class": "stream"}`, want: [2]string{"", "hi\n"}},
		{name: "null stream is stderr", give: `{"class": "stream", "stream": null}`, want: [2]string{"", "hi\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			stdout, err := os.Create(filepath.Join(dir, "stdout"))
			require.NoError(t, err)
			stderr, err := os.Create(filepath.Join(dir, "stderr"))
			require.NoError(t, err)
			oldOut, oldErr := os.Stdout, os.Stderr
			os.Stdout, os.Stderr = stdout, stderr
			e := newTestEnv(t)
			err = e.DictConfig(jsonConfig(t, `{"version": 1, "handlers": {"h": `+tt.give+`}, "root": {"handlers": ["h"]}}`))
			os.Stdout, os.Stderr = oldOut, oldErr
			require.NoError(t, err)
			e.Logger("app").Warn("hi")
			require.NoError(t, e.Shutdown())
			require.NoError(t, stdout.Close())
			require.NoError(t, stderr.Close())
			gotOut, err := os.ReadFile(stdout.Name())
			require.NoError(t, err)
			gotErr, err := os.ReadFile(stderr.Name())
			require.NoError(t, err)
			assert.Equal(t, tt.want, [2]string{string(gotOut), string(gotErr)})
		})
	}
}

func TestSchemaFileHandler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		existing string // the file's content before the configuration; "" for no file
		give     string // the handler's keys besides filename, JSON
		log      []string
		want     string
	}{
		{name: "logging.FileHandler", give: `"class": "logging.FileHandler"`, log: []string{"app WARN hi"}, want: "hi\n"},
		{name: "file", give: `"class": "file"`, log: []string{"app WARN hi"}, want: "hi\n"},
		{name: "factory", give: `"()": "file"`, log: []string{"app WARN hi"}, want: "hi\n"},
		{name: "default mode appends", existing: "old\n", give: `"class": "file"`, log: []string{"app WARN hi"}, want: "old\nhi\n"},
		{name: "mode a", existing: "old\n", give: `"class": "file", "mode": "a"`, log: []string{"app WARN hi"}, want: "old\nhi\n"},
		{name: "mode w truncates", existing: "old\n", give: `"class": "file", "mode": "w"`, log: []string{"app WARN hi"}, want: "hi\n"},
		{name: "mode w creates", give: `"class": "file", "mode": "w"`, log: []string{"app WARN hi"}, want: "hi\n"},
		{name: "encoding utf-8", give: `"class": "file", "encoding": "utf-8"`, log: []string{"app WARN h\u00e9"}, want: "h\u00e9\n"},
		{name: "encoding UTF8", give: `"class": "file", "encoding": "UTF8"`, log: []string{"app WARN hi"}, want: "hi\n"},
		{name: "encoding null", give: `"class": "file", "encoding": null`, log: []string{"app WARN hi"}, want: "hi\n"},
		{name: "errors is accepted", give: `"class": "file", "errors": "strict"`, log: []string{"app WARN hi"}, want: "hi\n"},
		{name: "delay false", give: `"class": "file", "delay": false`, log: []string{"app WARN hi"}, want: "hi\n"},
		{name: "terminator", give: `"class": "file", ".": {"terminator": "\r\n"}`, log: []string{"app WARN hi"}, want: "hi\r\n"},
		{name: "level and formatter", give: `"class": "file", "level": "ERROR", "formatter": "f"`,
			log: []string{"app WARN no", "app.db ERROR yes"}, want: "app.db ERROR yes\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "app.log")
			if tt.existing != "" {
				require.NoError(t, os.WriteFile(path, []byte(tt.existing), 0o600))
			}
			e := newTestEnv(t)
			e.config(t, jsonConfig(t, `{"version": 1,
				"formatters": {"f": {"format": "%(name)s %(levelname)s %(message)s"}},
				"handlers": {"h": {"filename": `+jsonQuote(path)+`, `+tt.give+`}},
				"root": {"handlers": ["h"], "level": "DEBUG"}}`))
			logRecords(t, e.Manager, tt.log...)
			require.NoError(t, e.Shutdown())
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
			assert.Empty(t, e.reported())
		})
	}
}

func TestSchemaFileHandlerDelay(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	used, unused := filepath.Join(dir, "used.log"), filepath.Join(dir, "unused.log")
	e := newTestEnv(t)
	e.config(t, jsonConfig(t, `{"version": 1,
		"handlers": {
			"used": {"class": "file", "filename": `+jsonQuote(used)+`, "delay": true},
			"unused": {"class": "logging.FileHandler", "filename": `+jsonQuote(unused)+`, "delay": true, "level": "ERROR"}},
		"root": {"handlers": ["used", "unused"]}}`))
	assert.NoFileExists(t, used, "delay: no file before the first record")
	e.Logger("app").Warn("hi")
	got, err := os.ReadFile(used)
	require.NoError(t, err)
	assert.Equal(t, "hi\n", string(got))
	require.NoError(t, e.Shutdown())
	assert.NoFileExists(t, unused, "delay: a handler that got no record never creates its file")
}

// TestSchemaFileHandlerReconfigure checks what a second configuration on
// the same file does: the open file is kept, and mode "w" does not
// truncate what the first configuration wrote (DESIGN decision 3).
func TestSchemaFileHandlerReconfigure(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "app.log")
	e := newTestEnv(t)
	cfg := `{"version": 1, "handlers": {"h": {"class": "file", "filename": ` + jsonQuote(path) + `, "mode": "w"}},
		"root": {"handlers": ["h"]}}`
	e.config(t, jsonConfig(t, cfg))
	e.Logger("").Warn("one")
	e.config(t, jsonConfig(t, cfg))
	e.Logger("").Warn("two")
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "one\ntwo\n", string(got))
}

func TestSchemaLoggers(t *testing.T) {
	t.Parallel()
	handlers := `"handlers": {
		"a": {"class": "stream", "stream": "ext://out.a"},
		"b": {"class": "stream", "stream": "ext://out.b"},
		"c": {"class": "stream", "stream": "ext://out.c"}}`
	cfg := func(loggers string) string {
		return `{"version": 1, ` + handlers + `, "loggers": ` + loggers + `, "root": {"handlers": ["a"], "level": "WARNING"}}`
	}
	runConfigCases(t, []configCase{{
		name: "level",
		give: cfg(`{"app": {"level": "DEBUG"}}`),
		log:  []string{"app DEBUG d", "app.db DEBUG dd", "x DEBUG no", "x WARN w"},
		want: map[string]string{"a": "d\ndd\nw\n"},
	}, {
		name: "level of a child overrides its parent",
		give: cfg(`{"app": {"level": "DEBUG"}, "app.db": {"level": "ERROR"}}`),
		log:  []string{"app DEBUG d", "app.db WARN no", "app.db.pool WARN no", "app.db.pool ERROR e"},
		want: map[string]string{"a": "d\ne\n"},
	}, {
		name: "NOTSET on a child inherits",
		give: cfg(`{"app": {"level": "INFO"}, "app.db": {"level": "NOTSET", "handlers": ["b"]}}`),
		log:  []string{"app.db DEBUG no", "app.db INFO i"},
		want: map[string]string{"a": "i\n", "b": "i\n"},
	}, {
		name: "handlers",
		give: cfg(`{"app": {"handlers": ["b", "c"]}}`),
		log:  []string{"app.db WARN w", "x WARN x"},
		want: map[string]string{"a": "w\nx\n", "b": "w\n", "c": "w\n"},
	}, {
		name: "propagate false",
		give: cfg(`{"app": {"handlers": ["b"], "propagate": false}, "app.db": {"handlers": ["c"]}}`),
		log:  []string{"app.db WARN w"},
		want: map[string]string{"b": "w\n", "c": "w\n"},
	}, {
		name: "propagate true",
		give: cfg(`{"app": {"handlers": ["b"], "propagate": true}}`),
		log:  []string{"app WARN w"},
		want: map[string]string{"a": "w\n", "b": "w\n"},
	}, {
		name: "propagate 0 and 1",
		give: cfg(`{"app": {"handlers": ["b"], "propagate": 0}, "lib": {"handlers": ["c"], "propagate": 1}}`),
		log:  []string{"app WARN w", "lib WARN l"},
		want: map[string]string{"a": "l\n", "b": "w\n", "c": "l\n"},
	}, {
		name: "propagate false without handlers goes to the last resort",
		give: cfg(`{"app": {"propagate": false}}`),
		log:  []string{"app WARN w", "app INFO no"},
		want: map[string]string{"lastResort": "level=WARN msg=w logger=app\n"},
	}, {
		name: "the levels of ancestors are not consulted on the way up",
		give: cfg(`{"app": {"level": "CRITICAL", "handlers": ["b"]}, "app.db": {"level": "DEBUG"}}`),
		log:  []string{"app.db DEBUG d", "app ERROR no"},
		want: map[string]string{"a": "d\n", "b": "d\n"},
	}, {
		name: "root in loggers is the root",
		give: `{"version": 1, ` + handlers + `, "loggers": {"root": {"level": "ERROR", "handlers": ["b"]}}}`,
		log:  []string{"app WARN no", "app ERROR e"},
		want: map[string]string{"b": "e\n"},
	}, {
		name: "empty name in loggers is the root",
		give: `{"version": 1, ` + handlers + `, "loggers": {"": {"level": "ERROR", "handlers": ["c"]}}}`,
		log:  []string{"app WARN no", "app ERROR e"},
		want: map[string]string{"c": "e\n"},
	}, {
		name:   "absent level and propagate are left unchanged",
		before: []string{cfg(`{"app": {"level": "DEBUG", "propagate": false, "handlers": ["b"]}}`)},
		give:   cfg(`{"app": {"handlers": ["c"]}}`),
		log:    []string{"app DEBUG d"},
		want:   map[string]string{"c": "d\n"},
	}, {
		name:   "handlers are replaced even when the key is absent",
		before: []string{cfg(`{"app": {"handlers": ["b"]}}`)},
		give:   cfg(`{"app": {"level": "INFO"}}`),
		log:    []string{"app INFO i"},
		want:   map[string]string{"a": "i\n"},
	}, {
		name:   "a level set before is overridden",
		before: []string{cfg(`{"app": {"level": "DEBUG"}}`)},
		give:   cfg(`{"app": {"level": "ERROR"}}`),
		log:    []string{"app WARN no", "app ERROR e"},
		want:   map[string]string{"a": "e\n"},
	}, {
		name: "logger obtained before the configuration",
		pre:  []string{"app.db"},
		give: cfg(`{"app": {"level": "DEBUG", "handlers": ["b"]}}`),
		log:  []string{"app.db DEBUG d"},
		want: map[string]string{"a": "d\n", "b": "d\n"},
	}})
}

func TestSchemaRoot(t *testing.T) {
	t.Parallel()
	first := `{"version": 1, ` + rootA + `}`
	runConfigCases(t, []configCase{{
		name:   "empty root is a no-op",
		before: []string{first},
		give:   `{"version": 1, "handlers": {"b": {"class": "stream", "stream": "ext://out.b"}}, "root": {}}`,
		log:    []string{"app DEBUG d"},
		want:   map[string]string{"a": "d\n"},
	}, {
		name:   "null root is a no-op",
		before: []string{first},
		give:   `{"version": 1, "handlers": {"b": {"class": "stream", "stream": "ext://out.b"}}, "root": null}`,
		log:    []string{"app DEBUG d"},
		want:   map[string]string{"a": "d\n"},
	}, {
		name:   "absent root is left as it is",
		before: []string{first},
		give:   `{"version": 1, "handlers": {"b": {"class": "stream", "stream": "ext://out.b"}}, "loggers": {"app": {"handlers": ["b"]}}}`,
		log:    []string{"app DEBUG d"},
		want:   map[string]string{"a": "d\n", "b": "d\n"},
	}, {
		name:   "handlers are replaced even when the key is absent",
		before: []string{first},
		give:   `{"version": 1, "root": {"level": "INFO"}}`,
		log:    []string{"app INFO i", "app WARN w"},
		want:   map[string]string{"lastResort": "level=WARN msg=w logger=app\n"},
	}, {
		name:   "absent level is left unchanged",
		before: []string{first},
		give:   `{"version": 1, "handlers": {"b": {"class": "stream", "stream": "ext://out.b"}}, "root": {"handlers": ["b"]}}`,
		log:    []string{"app DEBUG d"},
		want:   map[string]string{"b": "d\n"},
	}, {
		name: "default root level is WARNING",
		give: `{"version": 1, "handlers": {"a": {"class": "stream", "stream": "ext://out.a"}}, "root": {"handlers": ["a"]}}`,
		log:  []string{"app INFO i", "app WARN w"},
		want: map[string]string{"a": "w\n"},
	}, {
		name: "NOTSET on root passes everything",
		give: `{"version": 1, "handlers": {"a": {"class": "stream", "stream": "ext://out.a"}}, "root": {"handlers": ["a"], "level": "NOTSET"}}`,
		log:  []string{"app -8 trace", "app -100 deep", "app DEBUG d"},
		want: map[string]string{"a": "trace\ndeep\nd\n"},
	}, {
		name: "unconfigured manager goes to the last resort at WARNING",
		give: `{"version": 1}`,
		log:  []string{"app INFO i", "app WARN w"},
		want: map[string]string{"lastResort": "level=WARN msg=w logger=app\n"},
	}})
}

func TestSchemaLevels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give any          // the level of logger "app" and, separately, of a handler
		pass []slog.Level // least levels that pass
		drop []slog.Level // greatest levels that are dropped
	}{
		{name: "DEBUG", give: "DEBUG", pass: []slog.Level{-4}, drop: []slog.Level{-5}},
		{name: "debug", give: "debug", pass: []slog.Level{-4}, drop: []slog.Level{-5}},
		{name: "Info", give: "Info", pass: []slog.Level{0}, drop: []slog.Level{-1}},
		{name: "WARNING", give: "WARNING", pass: []slog.Level{4}, drop: []slog.Level{3}},
		{name: "WARN", give: "WARN", pass: []slog.Level{4}, drop: []slog.Level{3}},
		{name: "warn", give: "warn", pass: []slog.Level{4}, drop: []slog.Level{3}},
		{name: "ERROR", give: "ERROR", pass: []slog.Level{8}, drop: []slog.Level{7}},
		{name: "CRITICAL", give: "CRITICAL", pass: []slog.Level{LevelCritical, 13}, drop: []slog.Level{11}},
		{name: "FATAL", give: "FATAL", pass: []slog.Level{12}, drop: []slog.Level{11}},
		{name: "INFO+2", give: "INFO+2", pass: []slog.Level{2}, drop: []slog.Level{1}},
		{name: "DEBUG-4", give: "DEBUG-4", pass: []slog.Level{-8}, drop: []slog.Level{-9}},
		{name: "warn-1", give: "warn-1", pass: []slog.Level{3}, drop: []slog.Level{2}},
		{name: "int 10", give: 10, pass: []slog.Level{-4}, drop: []slog.Level{-5}},
		{name: "int 15", give: 15, pass: []slog.Level{-2}, drop: []slog.Level{-3}},
		{name: "int 11", give: 11, pass: []slog.Level{-3}, drop: []slog.Level{-4}},
		{name: "int 25", give: 25, pass: []slog.Level{2}, drop: []slog.Level{1}},
		{name: "int 31", give: 31, pass: []slog.Level{5}, drop: []slog.Level{4}},
		{name: "int 50", give: 50, pass: []slog.Level{12}, drop: []slog.Level{11}},
		{name: "int 1", give: 1, pass: []slog.Level{-7}, drop: []slog.Level{-8}},
		{name: "negative int", give: -10, pass: []slog.Level{-12}, drop: []slog.Level{-13}},
		{name: "float 10.0", give: 10.0, pass: []slog.Level{-4}, drop: []slog.Level{-5}},
		{name: "float 40.0", give: 40.0, pass: []slog.Level{8}, drop: []slog.Level{7}},
		{name: "int64", give: int64(30), pass: []slog.Level{4}, drop: []slog.Level{3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, on := range []string{"logger", "handler"} {
				e := newTestEnv(t, "a")
				h := map[string]any{"class": "stream", "stream": "ext://out.a"}
				app := map[string]any{"handlers": []any{"h"}, "propagate": false, "level": "NOTSET"}
				if on == "logger" {
					app["level"] = tt.give
				} else {
					h["level"] = tt.give
					app["level"] = -1000
				}
				e.config(t, map[string]any{
					"version":  1,
					"handlers": map[string]any{"h": h},
					"loggers":  map[string]any{"app": app},
				})
				var want []string
				for _, l := range tt.pass {
					e.Logger("app").Log(t.Context(), l, "pass")
					want = append(want, "pass")
				}
				for _, l := range tt.drop {
					e.Logger("app").Log(t.Context(), l, "drop")
				}
				assert.Equal(t, want, splitLines(e.take("a")), "level on the %s", on)
			}
		})
	}
}

func TestSchemaLevelErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give any
		want string
	}{
		{name: "unknown name", give: "verbose", want: `unknown level: "verbose"`},
		{name: "number as a string", give: "15", want: `unknown level: "15"`},
		{name: "NOTSET with an offset", give: "NOTSET+1", want: `unknown level: "NOTSET+1"`},
		{name: "bad offset", give: "INFO+x", want: `unknown level: "INFO+x"`},
		{name: "non-integral float", give: 10.5, want: "level not an integer or a valid string: 10.5"},
		{name: "true", give: true, want: "a boolean is not a level"},
		{name: "false", give: false, want: "a boolean is not a level"},
		{name: "list", give: []any{"INFO"}, want: "level not an integer or a valid string: [INFO]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t, "a")
			err := e.DictConfig(map[string]any{
				"version":  1,
				"handlers": map[string]any{"h": map[string]any{"class": "stream", "stream": "ext://out.a", "level": tt.give}},
				"loggers":  map[string]any{"app": map[string]any{"level": tt.give}},
				"root":     map[string]any{"level": tt.give},
			})
			assert.EqualError(t, err, "handlers.h.level: "+tt.want+"\nloggers.app.level: "+tt.want+"\nroot.level: "+tt.want)
			var ce *ConfigError
			assert.True(t, errors.As(err, &ce))
		})
	}
}

// TestSchemaNullValues checks that null level, propagate, handlers,
// filters and formatter are treated as absent, as Python's
// config.get(key, None) checks are.
func TestSchemaNullValues(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, "a", "b")
	e.config(t, jsonConfig(t, `{"version": 1, "handlers": {"b": {"class": "stream", "stream": "ext://out.b"}},
		"loggers": {"app": {"level": "ERROR", "propagate": false, "handlers": ["b"]}},
		"root": {"level": "ERROR"}}`))
	err := e.DictConfig(jsonConfig(t, `{"version": 1,
		"handlers": {
			"a": {"class": "stream", "stream": "ext://out.a", "level": null, "formatter": null, "filters": null},
			"b": {"class": "stream", "stream": "ext://out.b"}},
		"loggers": {"app": {"level": null, "propagate": null, "handlers": ["b"], "filters": null}},
		"root": {"handlers": ["a"], "level": null}}`))
	require.NoError(t, err)
	e.Logger("app").Warn("app-warn")
	e.Logger("app").Error("app-error")
	e.Logger("x").Warn("x-warn")
	e.Logger("x").Error("x-error")
	assert.Equal(t, map[string]string{"a": "x-error\n", "b": "app-error\n"}, e.takeAll())
}

// TestSchemaNotsetOnChildInheritsRoot checks that NOTSET on a child means
// the root's level, and that NOTSET on root lets a Go trace level through
// to a child that inherits it (DEVIATION: Python drops levels below 0).
func TestSchemaNotsetOnChildInheritsRoot(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, "a")
	e.config(t, jsonConfig(t, `{"version": 1, "handlers": {"a": {"class": "stream", "stream": "ext://out.a"}},
		"loggers": {"app": {"level": "NOTSET"}},
		"root": {"handlers": ["a"], "level": "ERROR"}}`))
	e.Logger("app").Warn("no")
	e.Logger("app").Error("yes")
	assert.Equal(t, "yes\n", e.take("a"))

	e.config(t, jsonConfig(t, `{"version": 1, "handlers": {"a": {"class": "stream", "stream": "ext://out.a"}},
		"loggers": {"app": {"level": 0}},
		"root": {"handlers": ["a"], "level": 0}}`))
	e.Logger("app").Log(t.Context(), -8, "trace")
	e.Logger("app.db").Log(t.Context(), -20, "deeper")
	assert.Equal(t, "trace\ndeeper\n", e.take("a"))
	assert.True(t, e.Handler("app").Enabled(t.Context(), -1000))
}

// TestSchemaUnknownTopLevelKeys checks that unknown top-level keys are
// ignored, as in Python.
func TestSchemaUnknownTopLevelKeys(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, "a")
	e.config(t, jsonConfig(t, `{"version": 1, "whatever": {"x": 1}, "Handlers": 5, `+rootA+`}`))
	e.Logger("app").Info("hi")
	assert.Equal(t, "hi\n", e.take("a"))
}
