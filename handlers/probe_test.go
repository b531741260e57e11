package handlers

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fhUnwritable makes path (a file or a directory) refuse writes: by its
// mode, or for root by the immutable attribute; it skips the test where
// neither works.
func fhUnwritable(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.NoError(t, os.Chmod(path, fi.Mode().Perm()&^0o222))
	t.Cleanup(func() { _ = os.Chmod(path, fi.Mode().Perm()) })
	writable := func() bool {
		if fi.IsDir() {
			f, err := os.CreateTemp(path, "w")
			if err != nil {
				return false
			}
			_ = f.Close()
			_ = os.Remove(f.Name())
			return true
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return false
		}
		_ = f.Close()
		return true
	}
	if !writable() {
		return
	}
	if runtime.GOOS == "linux" && exec.Command("chattr", "+i", path).Run() == nil {
		t.Cleanup(func() { _ = exec.Command("chattr", "-i", path).Run() })
		if !writable() {
			return
		}
	}
	t.Skip("cannot make a file unwritable for this user")
}

// ProbeFile answers whether a file handler could open a path, and changes
// nothing on disk, whatever the answer.
func TestProbeFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		give    func(t *testing.T, dir string) string // makes the case, returns the path
		wantErr bool
	}{
		{name: "writable file", give: func(t *testing.T, dir string) string {
			path := filepath.Join(dir, "w.log")
			require.NoError(t, os.WriteFile(path, []byte("keep\n"), 0o644))
			return path
		}},
		{name: "read-only file", wantErr: true, give: func(t *testing.T, dir string) string {
			path := filepath.Join(dir, "ro.log")
			require.NoError(t, os.WriteFile(path, []byte("keep\n"), 0o644))
			fhUnwritable(t, path)
			return path
		}},
		{name: "missing file, writable directory", give: func(t *testing.T, dir string) string {
			return filepath.Join(dir, "new.log")
		}},
		{name: "missing file, read-only directory", wantErr: true, give: func(t *testing.T, dir string) string {
			sub := filepath.Join(dir, "ro")
			require.NoError(t, os.Mkdir(sub, 0o755))
			fhUnwritable(t, sub)
			return filepath.Join(sub, "new.log")
		}},
		{name: "missing directory", wantErr: true, give: func(t *testing.T, dir string) string {
			return filepath.Join(dir, "no", "such", "new.log")
		}},
		{name: "parent is a file", wantErr: true, give: func(t *testing.T, dir string) string {
			parent := filepath.Join(dir, "file")
			require.NoError(t, os.WriteFile(parent, []byte("keep\n"), 0o644))
			return filepath.Join(parent, "new.log")
		}},
		{name: "a directory", wantErr: true, give: func(t *testing.T, dir string) string {
			sub := filepath.Join(dir, "d")
			require.NoError(t, os.Mkdir(sub, 0o755))
			return sub
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := tt.give(t, dir)
			before := fhSnapshot(t, dir, true)
			err := ProbeFile(path)
			assert.Equal(t, before, fhSnapshot(t, dir, true), "the probe changed the file system")
			if !tt.wantErr {
				require.NoError(t, err)
				// What the probe accepts, opening accepts.
				f, err := OpenFile(path, nil)
				require.NoError(t, err)
				require.NoError(t, f.Close())
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), path, "the error names the path")
			// What the probe refuses, opening refuses too.
			f, openErr := OpenFile(path, nil)
			if openErr == nil {
				_ = f.Close()
			}
			assert.Error(t, openErr)
		})
	}
	assert.Error(t, ProbeFile(""), "an empty name")
}
