package slogconfig

import (
	"fmt"
	"log/slog"
	"path/filepath"
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

// TestSharedFileConflicts checks that handlers which cannot share a file
// are refused by validate (so Check refuses them too), naming both, in
// whatever order they come: a plain handler between two rotating ones
// with different settings does not hide the conflict.
func TestSharedFileConflicts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := jsonQuote(filepath.Join(dir, "shared.log"))
	tests := []struct {
		name string
		give string
		want string
	}{
		{name: "rotations differ behind a plain handler",
			give: `"a": {"class": "file", "filename": ` + path + `},
				"b": {"class": "rotating_file", "filename": ` + path + `, "maxSizeMB": 1, "backupCount": 2},
				"c": {"class": "rotating_file", "filename": ` + path + `, "maxSizeMB": 5, "backupCount": 2}`,
			want: "handlers.c.filename: handlers.b and handlers.c write the same file"},
		{name: "size and time rotation",
			give: `"a": {"class": "rotating_file", "filename": ` + path + `, "maxSizeMB": 1, "backupCount": 2},
				"b": {"class": "timed_rotating_file", "filename": ` + path + `, "when": "D"}`,
			want: "handlers.b.filename: handlers.a and handlers.b write the same file"},
		{name: "permissions differ",
			give: `"a": {"class": "watched_file", "filename": ` + path + `, "fileMode": "0600"},
				"b": {"class": "file", "filename": ` + path + `}`,
			want: "with different permissions (0600 and 0644)"},
		{name: "mode x beside another",
			give: `"a": {"class": "file", "filename": ` + path + `, "mode": "x"},
				"b": {"class": "file", "filename": ` + path + `}`,
			want: `mode "x" wants a file no other handler writes`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			cfg := jsonConfig(t, `{"version": 1, "handlers": {`+tt.give+`}}`)
			err := e.Check(cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, err.Error(), e.DictConfig(cfg).Error(), "DictConfig refuses it as Check does")
			assert.NoFileExists(t, filepath.Join(dir, "shared.log"))
		})
	}
	// Handlers that can share: a plain, a watched and a rotating handler.
	e := newTestEnv(t)
	require.NoError(t, e.Check(jsonConfig(t, `{"version": 1, "handlers": {
		"a": {"class": "file", "filename": `+path+`},
		"b": {"class": "watched_file", "filename": `+path+`},
		"c": {"class": "rotating_file", "filename": `+path+`, "maxSizeMB": 1, "backupCount": 2}}}`)))
}
