//go:build !unix

package handlers

import (
	"errors"
	"io/fs"
	"os"
)

var (
	errIsDir  = errors.New("is a directory")
	errNotDir = errors.New("not a directory")
)

// writable approximates, from fi's mode, whether the file at path may be
// written; a directory is taken to allow creating files.
func writable(path string, fi os.FileInfo, dir bool) error {
	if !dir && fi.Mode().Perm()&0o222 == 0 {
		return &fs.PathError{Op: "open", Path: path, Err: fs.ErrPermission}
	}
	return nil
}
