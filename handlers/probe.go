package handlers

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ProbeFile reports whether a file handler could open path for writing,
// without creating or changing anything: no file, no directory, no
// truncation, no change of modification time. An existing file must be
// writable; for a missing one, its directory must exist and let the
// process create files in it. On unix the check is access(2), which
// answers for the process's real user and group; elsewhere it is an
// approximation from the files' modes. The error names the path.
func ProbeFile(path string) error {
	abs, err := absPath(path)
	if err != nil {
		return err
	}
	fi, err := os.Stat(abs)
	switch {
	case err == nil && fi.IsDir():
		return &fs.PathError{Op: "open", Path: abs, Err: errIsDir}
	case err == nil:
		return writable(abs, fi, false)
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	dir := filepath.Dir(abs)
	di, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("open %s: %w", abs, err)
	}
	if !di.IsDir() {
		return &fs.PathError{Op: "open", Path: abs, Err: errNotDir}
	}
	if err := writable(dir, di, true); err != nil {
		return fmt.Errorf("open %s: %w", abs, err)
	}
	return nil
}
