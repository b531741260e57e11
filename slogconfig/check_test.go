package slogconfig

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refuseSnapshot returns every file and directory under dir, by path
// relative to dir: a directory as "dir", a short file as its content, a
// long one as its size and hash, so that a failure shows what changed
// without printing megabytes.
func refuseSnapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	snap := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == dir {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			snap[rel] = "dir"
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if len(data) <= 64 {
			snap[rel] = fmt.Sprintf("%q", data)
		} else {
			snap[rel] = fmt.Sprintf("%d bytes, sha256 %x", len(data), sha256.Sum256(data))
		}
		return nil
	})
	require.NoError(t, err)
	return snap
}

// refuseFile is a handler entry of class on path, with more keys.
func refuseFile(class, path string, kv ...any) map[string]any {
	h := map[string]any{"class": class, "filename": path}
	for i := 0; i < len(kv); i += 2 {
		h[kv[i].(string)] = kv[i+1]
	}
	return h
}

// refuseConfig puts handlers on root. With broken set, root also names a
// handler that does not exist, so that the configuration is refused after
// the handlers were compiled.
func refuseConfig(hs map[string]any, broken bool) map[string]any {
	ids := []any{}
	for id := range hs {
		ids = append(ids, id)
	}
	if broken {
		ids = append(ids, "no_such_handler")
	}
	return map[string]any{
		"version":  1,
		"handlers": hs,
		"root":     map[string]any{"level": "INFO", "handlers": ids},
	}
}

// TestRefusedOrCheckedConfigChangesNoFile: a configuration that is refused,
// and one that is only checked (Check, or CheckFile as the slogconfig
// command runs it), must leave the disk as it was: no file truncated by
// mode "w", none created, none rotated. Python has no Check; the point of
// one is to be safe to run on a production configuration, and a refused
// configuration "changes nothing" (ConfigError). Today the handlers are
// built, and so their files opened, before the configuration is known to
// be good (Check documents it): mode "w" empties a.log and a missing file
// is created. The rotating file case passes today, since the file rotates
// on a write, which Check does not make; it keeps the fix honest.
func TestRefusedOrCheckedConfigChangesNoFile(t *testing.T) {
	t.Parallel()
	const precious = "precious\n"
	big := strings.Repeat(strings.Repeat("x", 1023)+"\n", 2*1024) // 2 MiB
	tests := []struct {
		name  string
		files map[string]string // files to create first; a name ending in "/" is a directory
		// run applies or checks a configuration over dir and returns its error.
		run     func(e *testEnv, dir string) error
		refused bool
	}{
		{
			name:  "refused, mode w on an existing file",
			files: map[string]string{"a.log": precious},
			run: func(e *testEnv, dir string) error {
				return e.DictConfig(refuseConfig(map[string]any{
					"w": refuseFile("file", filepath.Join(dir, "a.log"), "mode", "w"),
				}, true))
			},
			refused: true,
		},
		{
			name:  "Check, mode w on an existing file",
			files: map[string]string{"a.log": precious},
			run: func(e *testEnv, dir string) error {
				return e.Check(refuseConfig(map[string]any{
					"w": refuseFile("file", filepath.Join(dir, "a.log"), "mode", "w"),
				}, false))
			},
		},
		{
			name:  "refused, a missing file",
			files: map[string]string{"a.log": precious},
			run: func(e *testEnv, dir string) error {
				return e.DictConfig(refuseConfig(map[string]any{
					"b": refuseFile("file", filepath.Join(dir, "b.log")),
				}, true))
			},
			refused: true,
		},
		{
			name:  "Check, missing files",
			files: map[string]string{"a.log": precious, "d/": ""},
			run: func(e *testEnv, dir string) error {
				return e.Check(refuseConfig(map[string]any{
					"c": refuseFile("file", filepath.Join(dir, "c.log")),
					"e": refuseFile("logging.FileHandler", filepath.Join(dir, "d", "e.log")),
				}, false))
			},
		},
		{
			name:  "Check, a rotating file over its size",
			files: map[string]string{"big.log": big},
			run: func(e *testEnv, dir string) error {
				return e.Check(refuseConfig(map[string]any{
					"r": refuseFile("rotating_file", filepath.Join(dir, "big.log"), "maxSizeMB", 1, "backupCount", 3),
				}, false))
			},
		},
		{
			name:  "CheckFile, mode w and a missing file",
			files: map[string]string{"a.log": precious},
			run: func(e *testEnv, dir string) error {
				cfg := refuseConfig(map[string]any{
					"w": refuseFile("file", filepath.Join(dir, "a.log"), "mode", "w"),
					"c": refuseFile("file", filepath.Join(dir, "c.log")),
				}, false)
				data, err := json.Marshal(cfg)
				if err != nil {
					return err
				}
				// The configuration file is outside dir, so that dir holds
				// only what the configuration names.
				path := filepath.Join(filepath.Dir(dir), filepath.Base(dir)+".json")
				if err := os.WriteFile(path, data, 0o644); err != nil {
					return err
				}
				return e.CheckFile(path)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "logs")
			require.NoError(t, os.Mkdir(dir, 0o755))
			for name, content := range tt.files {
				path := filepath.Join(dir, name)
				if strings.HasSuffix(name, "/") {
					require.NoError(t, os.Mkdir(path, 0o755))
					continue
				}
				require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
			}
			before := refuseSnapshot(t, dir)
			e := newTestEnv(t)
			err := tt.run(e, dir)
			if tt.refused {
				require.Error(t, err)
				assert.Contains(t, err.Error(), `root.handlers[1]: unknown handler "no_such_handler"`)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, before, refuseSnapshot(t, dir), "files after the configuration was refused or checked")
		})
	}
}

// TestProbe checks Probe: Check, then whether every file could be opened
// for writing, still creating and changing nothing. A file in a directory
// that does not exist is reported at its handler's filename.
func TestProbe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := newTestEnv(t)
	good := jsonConfig(t, `{"version": 1, "handlers": {
		"a": {"class": "file", "filename": `+jsonQuote(filepath.Join(dir, "a.log"))+`, "mode": "w"}}}`)
	require.NoError(t, e.Probe(good))
	bad := jsonConfig(t, `{"version": 1, "handlers": {
		"a": {"class": "file", "filename": `+jsonQuote(filepath.Join(dir, "a.log"))+`},
		"b": {"class": "rotating_file", "filename": `+jsonQuote(filepath.Join(dir, "no", "b.log"))+`, "maxSizeMB": 1}}}`)
	require.NoError(t, e.Check(bad), "Check does not look at the file system")
	err := e.Probe(bad)
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "handlers.b.filename: "), "%v", err)
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, ents, "Probe created something")
}
