//go:build unix

package handlers

import (
	"os"
	"syscall"
)

// sameOwner gives f the owner and group of the file fi describes.
func sameOwner(f *os.File, fi os.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	return f.Chown(int(st.Uid), int(st.Gid))
}
