//go:build !unix

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
// writable; for a missing one, its directory must exist. Where there is
// no access(2) the check is an approximation from the files' modes. The
// error names the path.
func ProbeFile(path string) error {
	abs, err := absPath(path)
	if err != nil {
		return err
	}
	fi, err := os.Stat(abs)
	switch {
	case err == nil && fi.IsDir():
		return &fs.PathError{Op: "open", Path: abs, Err: errors.New("is a directory")}
	case err == nil && fi.Mode().Perm()&0o222 == 0:
		return &fs.PathError{Op: "open", Path: abs, Err: fs.ErrPermission}
	case err == nil:
		return nil
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	dir := filepath.Dir(abs)
	di, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("open %s: %w", abs, err)
	}
	if !di.IsDir() {
		return &fs.PathError{Op: "open", Path: abs, Err: errors.New("not a directory")}
	}
	return nil
}
