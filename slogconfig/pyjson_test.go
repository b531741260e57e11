package slogconfig

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPythonJSONLoggerClassNames: a Python config that names
// python-json-logger's JsonFormatter by either class name loads, and the
// fields its format names come out as JSON keys, with the record's
// attributes after them.
func TestPythonJSONLoggerClassNames(t *testing.T) {
	t.Parallel()
	for _, class := range []string{"pythonjsonlogger.jsonlogger.JsonFormatter", "pythonjsonlogger.json.JsonFormatter"} {
		t.Run(class, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t, "out")
			require.NoError(t, e.DictConfig(map[string]any{
				"version": 1,
				"formatters": map[string]any{"j": map[string]any{
					"()":     class,
					"format": "%(levelname)s %(name)s %(message)s",
				}},
				"handlers": map[string]any{"h": map[string]any{
					"class": "logging.StreamHandler", "stream": "ext://out.out", "formatter": "j",
				}},
				"root": map[string]any{"level": "INFO", "handlers": []any{"h"}},
			}))
			e.Logger("app.db").Warn("slow", "ms", 250)
			line := strings.TrimSpace(e.out["out"].take())
			var got map[string]any
			require.NoError(t, json.Unmarshal([]byte(line), &got), line)
			assert.Equal(t, map[string]any{"levelname": "WARNING", "name": "app.db", "message": "slow", "ms": float64(250)}, got)
			assert.True(t, strings.HasPrefix(line, `{"levelname": "WARNING", "name": "app.db", "message": "slow"`), line)
		})
	}
}

// TestRegisterLevelNameInConfig: a registered level name is a level a
// configuration may use, and formatters print it.
func TestRegisterLevelNameInConfig(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, "out")
	// Level names are process-wide: use a level no other test logs at.
	require.NoError(t, RegisterLevelName("SLOGTREE_TEST_NOTICE", 9))
	require.NoError(t, e.DictConfig(map[string]any{
		"version":    1,
		"formatters": map[string]any{"p": map[string]any{"format": "%(levelname)s %(message)s"}},
		"handlers": map[string]any{"h": map[string]any{
			"class": "stream", "stream": "ext://out.out", "formatter": "p",
		}},
		"root": map[string]any{"level": "slogtree_test_notice", "handlers": []any{"h"}},
	}))
	e.Logger("a").Log(t.Context(), 8, "below")
	e.Logger("a").Log(t.Context(), 9, "notice")
	assert.Equal(t, "SLOGTREE_TEST_NOTICE notice\n", e.out["out"].take())
}

// TestLevelsSection: a configuration registers level names in its
// "slogtree_levels" section and uses them at once; a conflicting name is refused
// with its path.
func TestLevelsSection(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, "out")
	require.NoError(t, e.DictConfig(map[string]any{
		"version":         1,
		"slogtree_levels": map[string]any{"SLOGTREE_TEST_TRACE": "DEBUG-9", "SLOGTREE_TEST_NOTE": "WARN+3"},
		"formatters":      map[string]any{"p": map[string]any{"format": "%(levelname)s %(message)s"}},
		"handlers": map[string]any{"h": map[string]any{
			"class": "stream", "stream": "ext://out.out", "formatter": "p",
		}},
		"loggers": map[string]any{"app": map[string]any{"level": "slogtree_test_trace", "handlers": []any{"h"}}},
	}))
	// Level names are process-wide: levels no other test logs at.
	e.Logger("app").Log(t.Context(), -14, "below trace")
	e.Logger("app").Log(t.Context(), -13, "trace")
	e.Logger("app").Log(t.Context(), 7, "note")
	assert.Equal(t, "SLOGTREE_TEST_TRACE trace\nSLOGTREE_TEST_NOTE note\n", e.out["out"].take())

	// The same names again are fine; a name for another level, or for
	// NOTSET, is refused with its path, and nothing changes.
	require.NoError(t, e.DictConfig(map[string]any{"version": 1, "incremental": true,
		"slogtree_levels": map[string]any{"SLOGTREE_TEST_TRACE": "DEBUG-9"}}))
	err := e.DictConfig(map[string]any{"version": 1, "incremental": true,
		"slogtree_levels": map[string]any{"SLOGTREE_TEST_TRACE": "INFO", "SLOGTREE_TEST_ZERO": 0}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "slogtree_levels.SLOGTREE_TEST_TRACE: ")
	assert.Contains(t, err.Error(), "slogtree_levels.SLOGTREE_TEST_ZERO: a level name cannot name NOTSET")
	e.Logger("app").Log(t.Context(), -13, "still trace")
	assert.Equal(t, "SLOGTREE_TEST_TRACE still trace\n", e.out["out"].take())
}
