//go:build unix

package handlers

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A rotating handler on a path that is not a regular file (here a named
// pipe; in practice often /dev/null or /dev/stdout) writes every record and
// never rotates, as Python's handlers never roll over such a path: renaming
// it would move the device or pipe away.
func TestRotatingNeverRotatesANonRegularFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "pipe.log")
	require.NoError(t, syscall.Mkfifo(path, 0o600))
	const want = 2560*1024 + 1<<20 + 1
	// Opened for reading and writing, the pipe never blocks an open and
	// never reports the end: the reader stops at want bytes, or when no
	// byte came for 10 seconds (a test that went wrong must fail, not hang).
	r, err := os.OpenFile(path, os.O_RDWR, 0)
	require.NoError(t, err)
	defer r.Close()
	got := make(chan int64, 1)
	go func() {
		var n int64
		buf := make([]byte, 64<<10)
		for n < want {
			if err := r.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
				break
			}
			m, err := r.Read(buf)
			n += int64(m)
			if err != nil {
				break
			}
		}
		got <- n
	}()

	f, err := OpenRotating(path, &RotatingOptions{MaxSizeMB: 1, MaxBackups: 1})
	require.NoError(t, err)
	line := append(bytes.Repeat([]byte("p"), 1023), '\n')
	var wrote int64
	for range 2560 { // 2.5 MiB
		n, err := f.Write(line)
		require.NoError(t, err)
		wrote += int64(n)
	}
	n, err := f.Write(make([]byte, 1<<20+1))
	require.NoError(t, err, "no size limit on a pipe")
	wrote += int64(n)
	require.NoError(t, f.Rotate())
	require.NoError(t, f.Close())

	assert.Equal(t, int64(want), wrote)
	assert.Equal(t, wrote, <-got, "every byte reached the reader")
	fi, err := os.Lstat(path)
	require.NoError(t, err)
	assert.NotZero(t, fi.Mode()&os.ModeNamedPipe, "the pipe is still at its path")
	assert.Empty(t, fhBackups(t, dir, "pipe.log"))
}
