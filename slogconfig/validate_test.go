package slogconfig

import (
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/slogtree/slogtree/formatters"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refuseLevelRuns counts the runs of TestRefusedConfigRegistersNoLevelName.
var refuseLevelRuns atomic.Int64

// TestRefusedConfigRegistersNoLevelName: the level names of a refused
// configuration's slogtree_levels section are not registered, as nothing
// else of a refused configuration is applied. Today they are registered
// before the rest is read and stay so ("a name stays registered even if the
// configuration is then refused"), so a later configuration can use a name
// that no accepted configuration ever defined, and the name is taken for
// good.
func TestRefusedConfigRegistersNoLevelName(t *testing.T) {
	t.Parallel()
	// Level names are process-wide: a name no other test uses, new to each
	// run (-count), for a level (INFO+3) no other test logs at.
	name := fmt.Sprintf("SLOGTREE_TEST_REFUSED_LEVEL_%d", refuseLevelRuns.Add(1))
	e := newTestEnv(t, "out")
	err := e.DictConfig(map[string]any{
		"version":         1,
		"slogtree_levels": map[string]any{name: "INFO+3"},
		"root":            map[string]any{"level": "INFO", "handlers": []any{"no_such_handler"}},
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `root.handlers[0]: unknown handler "no_such_handler"`)

	// The name is not a level.
	err = e.DictConfig(map[string]any{
		"version":    1,
		"formatters": map[string]any{"p": map[string]any{"format": "%(levelname)s %(message)s"}},
		"handlers": map[string]any{"h": map[string]any{
			"class": "stream", "stream": "ext://out.out", "formatter": "p",
		}},
		"root": map[string]any{"level": name, "handlers": []any{"h"}},
	})
	require.Error(t, err, "a configuration using the level name %s of a refused configuration was accepted", name)
	assert.Contains(t, err.Error(), "root.level: ")
	assert.Contains(t, err.Error(), "unknown level")

	// Formatters do not print it.
	require.NoError(t, e.DictConfig(map[string]any{
		"version":    1,
		"formatters": map[string]any{"p": map[string]any{"format": "%(levelname)s %(message)s"}},
		"handlers": map[string]any{"h": map[string]any{
			"class": "stream", "stream": "ext://out.out", "formatter": "p",
		}},
		"root": map[string]any{"level": "INFO", "handlers": []any{"h"}},
	}))
	e.Logger("app").Log(t.Context(), slog.LevelInfo+3, "hello")
	assert.NotContains(t, e.take("out"), name, "the level name of a refused configuration is printed")

	// And the name is free: it can still name another level. (Level -37:
	// no test logs at it either.)
	assert.NoError(t, formatters.RegisterLevelName(name, -37), "the level name of a refused configuration is taken")
}
