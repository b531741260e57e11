package slogconfig

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSchemaConvert(t *testing.T) {
	t.Parallel()
	stream := func(extra, value string) string {
		return `{"version": 1, ` + extra + `"handlers": {"h": {"class": "stream", "stream": ` + value + `}}, "root": {"handlers": ["h"]}}`
	}
	sinks := `"sinks": {"primary": "ext://out.a", "123": "ext://out.b", "list": ["ext://out.a", "ext://out.c"],
		"deep": {"list": [{"w": "ext://out.c"}]}}, `
	format := func(f string) string {
		return `{"version": 1, "formatters": {"f": {"format": ` + f + `}},
			"handlers": {"h": {"class": "stream", "stream": "ext://out.a", "formatter": "f"}},
			"root": {"handlers": ["h"]}}`
	}
	runConfigCases(t, []configCase{
		{name: "cfg dot", give: stream(sinks, `"cfg://sinks.primary"`), log: []string{"app WARN hi"}, want: map[string]string{"a": "hi\n"}},
		{name: "cfg index", give: stream(sinks, `"cfg://sinks[primary]"`), log: []string{"app WARN hi"}, want: map[string]string{"a": "hi\n"}},
		{name: "cfg list index", give: stream(sinks, `"cfg://sinks.list[1]"`), log: []string{"app WARN hi"}, want: map[string]string{"c": "hi\n"}},
		{name: "cfg digit index on a map key", give: stream(sinks, `"cfg://sinks[123]"`), log: []string{"app WARN hi"}, want: map[string]string{"b": "hi\n"}},
		{name: "cfg digit dot on a map key", give: stream(sinks, `"cfg://sinks.123"`), log: []string{"app WARN hi"}, want: map[string]string{"b": "hi\n"}},
		{name: "cfg mixed path", give: stream(sinks, `"cfg://sinks.deep.list[0][w]"`), log: []string{"app WARN hi"}, want: map[string]string{"c": "hi\n"}},
		{name: "cfg mixed path with dots", give: stream(sinks, `"cfg://sinks.deep.list[0].w"`), log: []string{"app WARN hi"}, want: map[string]string{"c": "hi\n"}},
		{
			name: "cfg chain",
			give: stream(sinks+`"one": "cfg://two", "two": "cfg://sinks.primary", `, `"cfg://one"`),
			log:  []string{"app WARN hi"}, want: map[string]string{"a": "hi\n"},
		},
		{
			name: "cfg level",
			give: `{"version": 1, "levels": {"app": "ERROR"}, ` + rootA + `, "loggers": {"app": {"level": "cfg://levels.app"}}}`,
			log:  []string{"app WARN no", "app ERROR e"}, want: map[string]string{"a": "e\n"},
		},
		{
			name: "ext level",
			give: `{"version": 1, ` + rootA + `, "loggers": {"app": {"level": "ext://logging.ERROR"}}}`,
			log:  []string{"app WARN no", "app ERROR e"}, want: map[string]string{"a": "e\n"},
		},
		{
			name: "cfg handler list",
			give: `{"version": 1, "lists": {"h": ["a"]}, ` + rootA + `, "loggers": {"app": {"handlers": "cfg://lists.h", "propagate": false}}}`,
			log:  []string{"app INFO i"}, want: map[string]string{"a": "i\n"},
		},
		{name: "http prefix is left alone", give: format(`"http://x %(message)s"`), log: []string{"app WARN hi"}, want: map[string]string{"a": "http://x hi\n"}},
		{name: "upper-case prefix is left alone", give: format(`"EXT://x %(message)s"`), log: []string{"app WARN hi"}, want: map[string]string{"a": "EXT://x hi\n"}},
		{name: "prefix not at the start is left alone", give: format(`"%(message)s ext://nosuch"`), log: []string{"app WARN hi"}, want: map[string]string{"a": "hi ext://nosuch\n"}},
	})
}

// TestSchemaConvertEnv uses t.Setenv, so it is not parallel.
func TestSchemaConvertEnv(t *testing.T) {
	t.Setenv("CFGT_FORMAT", "env %(levelname)s %(message)s")
	path := filepath.Join(t.TempDir(), "env.log")
	t.Setenv("CFGT_LOGFILE", path)
	e := newTestEnv(t, "a")
	e.config(t, jsonConfig(t, `{"version": 1,
		"formatters": {"f": {"format": "env://CFGT_FORMAT"}},
		"handlers": {
			"a": {"class": "stream", "stream": "ext://out.a", "formatter": "f"},
			"file": {"class": "file", "filename": "env://CFGT_LOGFILE"}},
		"root": {"handlers": ["a", "file"]}}`))
	e.Logger("app").Warn("hi")
	assert.Equal(t, "env WARNING hi\n", e.take("a"))
	require.NoError(t, e.Shutdown())
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "hi\n", string(got))

	err = e.DictConfig(jsonConfig(t, `{"version": 1, "formatters": {"f": {"format": "env://CFGT_SURELY_UNSET"}}}`))
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	require.Len(t, ce.Problems, 1)
	assert.Equal(t, "formatters.f.format", ce.Problems[0].Path)
	assert.Contains(t, err.Error(), "CFGT_SURELY_UNSET")
}
