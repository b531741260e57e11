package slogconfig

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadFormats(t *testing.T) {
	t.Parallel()
	logs := []string{"app.db DEBUG d", "app INFO dropped", "app WARN w", "x DEBUG dropped", "x INFO i"}
	want := "DEBUG app.db d\nWARNING app w\nINFO x i\n"
	for _, name := range []string{"good.json", "good.yaml", "good.yml", "upper.JSON"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t, "a")
			require.NoError(t, e.Load(filepath.Join("testdata", "load", name)))
			logRecords(t, e.Manager, logs...)
			assert.Equal(t, want, e.take("a"))
			assert.Empty(t, e.reported())
		})
	}
}

// TestLoadYAMLKeysAndNumbers loads a YAML file whose logger names are an
// integer, a float and a boolean, and whose levels are numbers.
func TestLoadYAMLKeysAndNumbers(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, "a")
	require.NoError(t, e.Load("testdata/load/keys.yaml"))
	logRecords(t, e.Manager,
		"123 -3 no", "123 -2 fifteen",
		"1.5 -5 no", "1.5 -4 ten",
		"True 7 no", "True 8 forty",
		"other ERROR no", "other CRITICAL crit")
	assert.Equal(t, "fifteen\nten\nforty\ncrit\n", e.take("a"))
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		give       string // file name under testdata/load
		wantPrefix string // the error starts with the path, then this
		wantFull   bool   // wantPrefix is the whole error
		wantConfig bool   // the error is a *ConfigError
	}{
		{
			name:       "bad config in JSON",
			give:       "bad_level.json",
			wantPrefix: "loggers.app.level: unknown level: \"LOUD\"\nloggers.app.handlers[1]: unknown handler \"nope\"",
			wantFull:   true,
			wantConfig: true,
		},
		{
			name:       "bad config in YAML",
			give:       "bad_level.yaml",
			wantPrefix: "loggers.app.level: unknown level: \"LOUD\"\nloggers.app.handlers[1]: unknown handler \"nope\"",
			wantFull:   true,
			wantConfig: true,
		},
		{
			name:       "invalid JSON",
			give:       "invalid.json",
			wantPrefix: "invalid JSON: ",
		},
		{
			name:       "data after the JSON object",
			give:       "trailing.json",
			wantPrefix: "invalid JSON: data after the top-level object",
			wantFull:   true,
		},
		{
			name:       "JSON list",
			give:       "list.json",
			wantPrefix: "want a JSON object at the top level, got a list",
			wantFull:   true,
		},
		{
			name:       "invalid YAML",
			give:       "invalid.yaml",
			wantPrefix: "invalid YAML: ",
		},
		{
			name:       "YAML scalar",
			give:       "scalar.yaml",
			wantPrefix: `want a YAML mapping at the top level, got "just a string"`,
			wantFull:   true,
		},
		{
			name:       "empty YAML",
			give:       "empty.yaml",
			wantPrefix: "want a YAML mapping at the top level, got null",
			wantFull:   true,
		},
		{
			name:       "unknown extension",
			give:       "config.txt",
			wantPrefix: `unknown configuration format ".txt": want .json, .yaml, .yml, .ini, .conf or .cfg`,
			wantFull:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t, "a")
			e.config(t, jsonConfig(t, cfgtGood))
			path := filepath.Join("testdata", "load", tt.give)
			err := e.Load(path)
			require.Error(t, err)
			want := path + ": " + tt.wantPrefix
			if tt.wantFull {
				assert.EqualError(t, err, want)
			} else {
				assert.True(t, strings.HasPrefix(err.Error(), want), "error %q, want prefix %q", err, want)
			}
			var ce *ConfigError
			assert.Equal(t, tt.wantConfig, errors.As(err, &ce), "errors.As(*ConfigError)")
			cfgtCheckGood(t, e)
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, "a")
	e.config(t, jsonConfig(t, cfgtGood))
	path := filepath.Join(t.TempDir(), "nope.yaml")
	err := e.Load(path)
	require.Error(t, err)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.Contains(t, err.Error(), path)
	cfgtCheckGood(t, e)
}

// TestLoadYAMLIntegerIDs loads a YAML file whose formatter, filter and
// handler ids are integers, referred to by integers, as PyYAML and
// dictConfig accept.
func TestLoadYAMLIntegerIDs(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, "a")
	require.NoError(t, e.Load("testdata/load/int_ids.yaml"))
	logRecords(t, e.Manager, "app WARN hi", "x WARN filtered")
	assert.Equal(t, "two hi\n", e.take("a"))
}

// TestLoadYAML11Booleans: PyYAML reads the plain scalars yes/no/on/off as
// booleans (YAML 1.1), so Python teams' files say "disable_existing_loggers:
// no"; slogtree reads them the same way, while quoted "no" stays a string.
func TestLoadYAML11Booleans(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, "out")
	e.Logger("old")
	require.NoError(t, e.Load(filepath.Join("testdata", "load", "yaml11_bools.yaml")))
	require.NoError(t, e.DictConfig(map[string]any{"version": 1, "incremental": true}))
	// "old" existed and disable_existing_loggers was no: it still logs,
	// through the last resort.
	e.Logger("old").Warn("still here")
	assert.Contains(t, e.last.take(), "still here")

	cfg, err := decodeYAML([]byte("a: no\nb: 'no'\nc: On\nd: n\ne: [yes, OFF]\n"))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"a": false, "b": "no", "c": true, "d": "n", "e": []any{true, false}}, cfg)
}
