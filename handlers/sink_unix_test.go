//go:build unix

package handlers

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBlockedPathHoldsUpNoOtherPath checks that a path whose file blocks
// (here a named pipe nobody reads) holds up only itself: while a write to
// it is stuck, and the last handle on it waits in Close for that write, an
// Opener opens, commits and writes another path at once.
func TestBlockedPathHoldsUpNoOtherPath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pipe := filepath.Join(dir, "pipe")
	require.NoError(t, syscall.Mkfifo(pipe, 0o600))
	// Opened for reading and writing, the pipe never blocks an open; its
	// buffer fills, and then a write blocks until someone reads.
	rw, err := os.OpenFile(pipe, os.O_RDWR, 0)
	require.NoError(t, err)
	defer rw.Close()
	f, err := OpenFile(pipe, nil)
	require.NoError(t, err)
	chunk := bytes.Repeat([]byte("x"), 1<<20)
	wrote := make(chan error, 1)
	go func() {
		_, err := f.Write(chunk) // more than a pipe holds: blocks
		wrote <- err
	}()
	closed := make(chan error, 1)
	time.Sleep(50 * time.Millisecond) // let the write start and fill the pipe
	go func() { closed <- f.Close() }()
	time.Sleep(50 * time.Millisecond) // let Close wait for the write

	other := filepath.Join(dir, "other.log")
	done := make(chan struct{})
	go func() {
		defer close(done)
		o := NewOpener()
		g, err := o.OpenFile(other, nil)
		if !assert.NoError(t, err) {
			return
		}
		assert.NoError(t, o.Commit())
		_, err = g.Write([]byte("other\n"))
		assert.NoError(t, err)
		assert.NoError(t, g.Close())
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Error("another path waited for the blocked one")
	}

	// Unblock: read everything written to the pipe.
	go func() { _, _ = io.Copy(io.Discard, rw) }()
	select {
	case err := <-wrote:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the write did not finish once the pipe was read")
	}
	select {
	case err := <-closed:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not finish once the write had")
	}
	<-done
	got, err := os.ReadFile(other)
	require.NoError(t, err)
	assert.Equal(t, "other\n", string(got))
}
