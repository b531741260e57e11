package handlers_test

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/handlers"
)

// After logrotate's "create" (the file renamed away), Reopen moves every
// handle on the path to a new file: what was written before is in the
// renamed file, what is written after in the new one.
func TestReopenAfterRename(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	f := hdltOpen(t, path, nil)
	w, err := handlers.OpenWatched(path, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = w.Close() })

	_, err = io.WriteString(f, "before\n")
	require.NoError(t, err)
	require.NoError(t, os.Rename(path, path+".1"))
	_, err = io.WriteString(f, "renamed, not reopened\n")
	require.NoError(t, err)

	require.NoError(t, f.Reopen())
	assert.Equal(t, 1, hdltOpenFDs(t, path), "one descriptor, shared")
	_, err = io.WriteString(f, "after\n")
	require.NoError(t, err)
	_, err = io.WriteString(w, "after, watched\n")
	require.NoError(t, err)

	assert.Equal(t, "before\nrenamed, not reopened\n", hdltRead(t, path+".1"))
	assert.Equal(t, "after\nafter, watched\n", hdltRead(t, path))

	// A Reopen with nothing moved opens the same file again.
	require.NoError(t, w.Reopen())
	_, err = io.WriteString(f, "again\n")
	require.NoError(t, err)
	assert.Equal(t, "after\nafter, watched\nagain\n", hdltRead(t, path))
	assert.Equal(t, 1, hdltOpenFDs(t, path))
}

// A rotating file's size count after Reopen is the new file's size: a
// record that fits in the new file does not rotate it, because the bytes
// of the renamed file no longer count.
func TestReopenRotatingCountsTheNewFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	f, err := handlers.OpenRotating(path, &handlers.RotatingOptions{MaxBytes: 100, MaxBackups: 5})
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })
	rec := strings.Repeat("r", 59) + "\n"

	_, err = io.WriteString(f, rec)
	require.NoError(t, err)
	require.NoError(t, os.Rename(path, filepath.Join(dir, "external.1")))
	require.NoError(t, f.Reopen())
	_, err = io.WriteString(f, rec) // 60 bytes in the new file: no rotation
	require.NoError(t, err)
	assert.Equal(t, []string{"app.log", "external.1"}, hdltNames(t, dir), "no rotation")
	assert.Equal(t, rec, hdltRead(t, path))

	_, err = io.WriteString(f, rec) // 120 bytes: rotates first
	require.NoError(t, err)
	assert.Len(t, hdltNames(t, dir), 3, "a backup besides the renamed file")
	assert.Equal(t, rec, hdltRead(t, path))
}

// hdltNames lists the names in dir, sorted.
func hdltNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// When the path cannot be opened again (its directory was removed),
// Reopen returns an error naming it and the old descriptor stays: records
// go on being written to the file they were written to. Once the
// directory is back, Reopen moves to a new file.
func TestReopenMissingDirectoryKeepsDescriptor(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "logs")
	require.NoError(t, os.Mkdir(dir, 0o755))
	path := filepath.Join(dir, "app.log")
	f := hdltOpen(t, path, nil)
	_, err := io.WriteString(f, "one\n")
	require.NoError(t, err)
	held, err := os.Open(path) // the file, after its name is gone
	require.NoError(t, err)
	defer held.Close()

	require.NoError(t, os.RemoveAll(dir))
	err = f.Reopen()
	require.Error(t, err)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.Contains(t, err.Error(), path)
	_, err = io.WriteString(f, "two\n")
	require.NoError(t, err, "the old descriptor is kept")
	got, err := io.ReadAll(held)
	require.NoError(t, err)
	assert.Equal(t, "one\ntwo\n", string(got))

	require.NoError(t, os.Mkdir(dir, 0o755))
	require.NoError(t, f.Reopen())
	_, err = io.WriteString(f, "three\n")
	require.NoError(t, err)
	assert.Equal(t, "three\n", hdltRead(t, path))
}

// Reopen has nothing to do for a delayed file not written yet (it creates
// nothing), and refuses a closed handle or one whose Opener has not
// committed.
func TestReopenStates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	delayed := hdltOpen(t, filepath.Join(dir, "delayed.log"), &handlers.FileOptions{Delay: true})
	require.NoError(t, delayed.Reopen())
	assert.NoFileExists(t, filepath.Join(dir, "delayed.log"))

	closed, err := handlers.OpenFile(filepath.Join(dir, "closed.log"), nil)
	require.NoError(t, err)
	require.NoError(t, closed.Close())
	assert.ErrorIs(t, closed.Reopen(), handlers.ErrClosed)

	o := handlers.NewOpener()
	pending, err := o.OpenFile(filepath.Join(dir, "pending.log"), nil)
	require.NoError(t, err)
	require.NoError(t, os.Rename(filepath.Join(dir, "pending.log"), filepath.Join(dir, "moved.log")))
	assert.Error(t, pending.Reopen())
	require.NoError(t, handlers.Reopen(o), "an Opener that has not committed has nothing live")
	assert.NoFileExists(t, filepath.Join(dir, "pending.log"))
	require.NoError(t, o.Abort())
}

// handlers.Reopen reopens every path its Openers' committed handles are
// open on, each once, and joins the errors of those it could not.
func TestReopenOpeners(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.log"), filepath.Join(dir, "b.log")
	gone := filepath.Join(dir, "gone", "c.log")
	require.NoError(t, os.Mkdir(filepath.Dir(gone), 0o755))

	o1, o2 := handlers.NewOpener(), handlers.NewOpener()
	var files []io.WriteCloser
	for _, open := range []struct {
		o    *handlers.Opener
		path string
	}{{o1, a}, {o1, b}, {o2, a}, {o2, gone}} {
		f, err := open.o.OpenFile(open.path, nil)
		require.NoError(t, err)
		files = append(files, f)
	}
	rot, err := o2.OpenRotating(b, &handlers.RotatingOptions{MaxSizeMB: 1})
	require.NoError(t, err)
	files = append(files, rot)
	require.NoError(t, o1.Commit())
	require.NoError(t, o2.Commit())
	t.Cleanup(func() {
		for _, f := range files {
			_ = f.Close()
		}
	})

	for _, p := range []string{a, b} {
		require.NoError(t, os.Rename(p, p+".old"))
	}
	require.NoError(t, os.RemoveAll(filepath.Dir(gone)))
	err = handlers.Reopen(o1, o2)
	require.Error(t, err)
	assert.Equal(t, 1, strings.Count(err.Error(), "\n")+1, "one error, for the path that is gone: %v", err)
	assert.Contains(t, err.Error(), gone)
	for i, f := range files {
		_, err := fmt.Fprintf(f, "%d\n", i)
		require.NoError(t, err)
	}
	assert.Equal(t, "0\n2\n", hdltRead(t, a))
	assert.Equal(t, "1\n4\n", hdltRead(t, b))
	assert.Equal(t, 1, hdltOpenFDs(t, a))
	assert.Equal(t, 1, hdltOpenFDs(t, b))
}

// Reopen while goroutines write through a File and a RotatingFile: every
// record is whole, in the renamed files or the new ones, once.
func TestReopenWhileWriting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	plainPath, rotPath := filepath.Join(dir, "plain.log"), filepath.Join(dir, "rot.log")
	plain := hdltOpen(t, plainPath, nil)
	rot, err := handlers.OpenRotating(rotPath, &handlers.RotatingOptions{MaxSizeMB: 100})
	require.NoError(t, err)
	t.Cleanup(func() { _ = rot.Close() })

	const goroutines, records, reopens = 4, 2000, 3
	var written atomic.Int64
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range records {
				seq := g*records + i
				w := io.Writer(plain)
				if seq%2 == 1 {
					w = rot
				}
				if _, err := fmt.Fprintf(w, "%08d %s\n", seq, strings.Repeat("x", seq%50)); err != nil {
					t.Error(err)
					return
				}
				written.Add(1)
			}
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	for r := range reopens {
		// Each reopen while the goroutines are still writing (unless one
		// failed and stopped).
	wait:
		for written.Load() < int64((r+1)*goroutines*records/(reopens+1)) {
			select {
			case <-finished:
				break wait
			default:
				runtime.Gosched()
			}
		}
		for _, p := range []string{plainPath, rotPath} {
			require.NoError(t, os.Rename(p, fmt.Sprintf("%s.%d", p, r)))
		}
		require.NoError(t, plain.Reopen())
		require.NoError(t, rot.Reopen())
	}
	<-finished

	seen := map[int]int{}
	for _, p := range []string{plainPath, rotPath} {
		names := []string{p}
		for r := range reopens {
			names = append(names, fmt.Sprintf("%s.%d", p, r))
		}
		for _, name := range names {
			for _, line := range strings.SplitAfter(hdltRead(t, name), "\n") {
				if line == "" {
					continue
				}
				var seq int
				_, err := fmt.Sscanf(line, "%08d ", &seq)
				require.NoError(t, err, "%s: line %q", name, line)
				require.Equal(t, fmt.Sprintf("%08d %s\n", seq, strings.Repeat("x", seq%50)), line, "record %d whole", seq)
				require.Equal(t, seq%2 == 1, p == rotPath, "record %d in its own file", seq)
				seen[seq]++
			}
		}
	}
	assert.Len(t, seen, goroutines*records, "every record written once")
	for seq, n := range seen {
		if n != 1 {
			t.Errorf("record %d written %d times", seq, n)
		}
	}
}
