//go:build unix

package handlers

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// ProbeFile reports whether a file handler could open path for writing,
// without creating or changing anything: no file, no directory, no
// truncation, no change of modification time. An existing file must be
// writable; for a missing one, its directory must exist and let the
// process create files in it. On unix the check is access(2), which
// answers for the process's real user and group. The error names the
// path.
func ProbeFile(path string) error {
	abs, err := absPath(path)
	if err != nil {
		return err
	}
	fi, err := os.Stat(abs)
	switch {
	case err == nil && fi.IsDir():
		return &fs.PathError{Op: "open", Path: abs, Err: syscall.EISDIR}
	case err == nil:
		return access(abs, 2) // W_OK
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	dir := filepath.Dir(abs)
	di, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("open %s: %w", abs, err)
	}
	if !di.IsDir() {
		return &fs.PathError{Op: "open", Path: abs, Err: syscall.ENOTDIR}
	}
	if err := access(dir, 2|1); err != nil { // W_OK|X_OK
		return fmt.Errorf("open %s: %w", abs, err)
	}
	return nil
}

func access(path string, mode uint32) error {
	if err := syscall.Access(path, mode); err != nil {
		return &fs.PathError{Op: "access", Path: path, Err: err}
	}
	return nil
}
