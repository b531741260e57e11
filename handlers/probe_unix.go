//go:build unix

package handlers

import (
	"io/fs"
	"os"
	"syscall"
)

var (
	errIsDir  error = syscall.EISDIR
	errNotDir error = syscall.ENOTDIR
)

// writable reports whether the process may write the file at path, or
// create files in it when dir is set: access(2) with W_OK (and X_OK).
func writable(path string, _ os.FileInfo, dir bool) error {
	mode := uint32(2) // W_OK
	if dir {
		mode |= 1 // X_OK
	}
	if err := syscall.Access(path, mode); err != nil {
		return &fs.PathError{Op: "access", Path: path, Err: err}
	}
	return nil
}
