package slogconfig

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFileAndRotatingFileOnOnePath: a file handler and a rotating file
// handler on the same path either share the file, so that after a
// rotation both write to the new live file, or the configuration is
// refused with an error naming both. Today each opens the path on its own:
// when the rotating handler renames the file to a backup, the file
// handler's descriptor follows the backup, and every record it writes
// from then on lands in a file that was rotated away.
func TestFileAndRotatingFileOnOnePath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	e := cfgtManager(t)
	err := e.DictConfig(map[string]any{
		"version": 1,
		"formatters": map[string]any{
			"a": map[string]any{"format": "a %(message)s"},
			"b": map[string]any{"format": "b %(message)s"},
		},
		"handlers": map[string]any{
			"a": map[string]any{"class": "file", "filename": path, "formatter": "a"},
			"b": map[string]any{"class": "rotating_file", "filename": path, "maxSizeMB": 1, "backupCount": 3, "formatter": "b"},
		},
		"root": map[string]any{"level": "INFO", "handlers": []any{"a", "b"}},
	})
	if err != nil {
		// The other good outcome: the clash is refused.
		assert.Contains(t, err.Error(), "handlers.a", "the error of a configuration refused for two handlers on one path")
		assert.Contains(t, err.Error(), "handlers.b", "the error of a configuration refused for two handlers on one path")
		return
	}

	// Each record goes to both handlers: 2 × 3,000 lines of 512 bytes, 3
	// MiB; at 1 MiB, one rotation if the rotating handler counts only its
	// own lines (as today), two if it counts the file handler's too. The
	// three backups kept are enough.
	const n = 3000
	pad := strings.Repeat("x", 512-len("a 0000 \n"))
	for i := range n {
		e.Logger("").Info(fmt.Sprintf("%04d %s", i, pad))
	}
	require.NoError(t, e.Shutdown())

	// The files in order: the backups by name (lumberjack stamps them with
	// the time of the rotation), then the live file.
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var files []string
	for _, ent := range ents {
		if ent.Name() != "app.log" {
			files = append(files, ent.Name())
		}
	}
	slices.Sort(files)
	files = append(files, "app.log")
	require.Greater(t, len(files), 1, "the rotating handler never rotated: the test writes too little")
	live := len(files) - 1

	// where is the file each record is in, by "a 0001" or "b 0001".
	where := map[string]int{}
	var dups []string
	for fi, name := range files {
		data, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		for _, line := range cfgtLines(string(data)) {
			key := line[:min(len(line), len("a 0000"))]
			if _, dup := where[key]; dup {
				dups = append(dups, key)
			}
			where[key] = fi
		}
	}
	assert.Empty(t, swapFirst(dups), "records written twice")

	// Records b wrote from first on are in the live file: a's records
	// from first+1 on, written after the last rotation, must be too.
	first := -1
	for i := range n {
		if f, ok := where[fmt.Sprintf("b %04d", i)]; ok && f == live {
			first = i
			break
		}
	}
	require.GreaterOrEqual(t, first, 0, "no record of the rotating handler in the live file")
	var lost, misplaced []string
	for _, h := range []string{"a", "b"} {
		for i := range n {
			key := fmt.Sprintf("%s %04d", h, i)
			f, ok := where[key]
			switch {
			case !ok:
				lost = append(lost, key)
			case h == "a" && i > first && f != live:
				misplaced = append(misplaced, key+" in "+files[f])
			}
		}
	}
	assert.Empty(t, swapFirst(lost), "records lost (%d)", len(lost))
	assert.Empty(t, swapFirst(misplaced),
		"records of the file handler written after the last rotation (from a %04d on) that are not in the live file (%d)", first+1, len(misplaced))
}
