package handlers

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fhSeqFiles reads the sequence numbers that start the lines of each of
// files, in order.
func fhSeqFiles(t *testing.T, files ...string) [][]int {
	t.Helper()
	var out [][]int
	for _, name := range files {
		seqs := []int{}
		for _, line := range strings.SplitAfter(fhReadString(t, name), "\n") {
			if line == "" {
				continue
			}
			var seq int
			_, err := fmt.Sscanf(line, "%08d ", &seq)
			require.NoError(t, err, "%s: line %.20q", name, line)
			seqs = append(seqs, seq)
		}
		out = append(out, seqs)
	}
	return out
}

// fhSeqRecord is record i, n bytes long with its newline.
func fhSeqRecord(i, n int) []byte {
	head := fmt.Sprintf("%08d ", i)
	return []byte(head + strings.Repeat("r", n-len(head)-1) + "\n")
}

// A File and a RotatingFile on one path share its descriptor: after each
// rotation the File writes to the new file, so the backups and the live
// file hold every record once, each backup those written before its
// rotation.
func TestSinkFileAndRotatingShareRotations(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "shared.log")
	plain, err := OpenFile(path, nil)
	require.NoError(t, err)
	defer plain.Close()
	rot, err := OpenRotating(path, &RotatingOptions{MaxSizeMB: 1})
	require.NoError(t, err)
	defer rot.Close()

	const size = 100 << 10 // ten records to a file
	writers := []io.Writer{plain, rot}
	var want [][]int // the records of each file, backups first
	cur := []int{}
	var written int64
	for i := range 45 {
		if written+size > megabyte {
			// This write rotates: lumberjack names backups to the
			// millisecond, so two rotations must not share one.
			time.Sleep(2 * time.Millisecond)
			want = append(want, cur)
			cur, written = []int{}, 0
		}
		_, err := writers[i%2].Write(fhSeqRecord(i, size))
		require.NoError(t, err)
		cur = append(cur, i)
		written += size
	}
	want = append(want, cur)
	backups := fhBackups(t, dir, "shared.log")
	require.Len(t, backups, 4)
	assert.Equal(t, want, fhSeqFiles(t, append(backups, path)...))
}

// A File and a time-rotated file on one path: each rotation at a
// boundary of the schedule moves both to the new file. (The File is
// opened first: opened after, it would be the newest commit on the path,
// and put no rotation in force.)
func TestSinkFileAndTimedShareRotations(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "timed.log")
	clock := newFHClock(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
	plain, err := OpenFile(path, nil)
	require.NoError(t, err)
	defer plain.Close()
	rot, err := OpenTimedRotating(path, &TimedRotatingOptions{When: "M", Clock: clock})
	require.NoError(t, err)
	defer rot.Close()
	_, err = rot.Write(nil) // the old rule started the schedule with a first write
	require.NoError(t, err)

	writers := []io.Writer{plain, rot}
	next := clock.next(t)
	var want [][]int
	seq := 0
	for range 4 {
		var cur []int
		for range 5 {
			_, err := writers[seq%2].Write(fhSeqRecord(seq, 40))
			require.NoError(t, err)
			cur = append(cur, seq)
			seq++
		}
		want = append(want, cur)
		time.Sleep(2 * time.Millisecond) // one backup name per rotation
		clock.set(next)
		next = clock.next(t) // the schedule waits again: the rotation is done
	}
	_, err = plain.Write(fhSeqRecord(seq, 40))
	require.NoError(t, err)
	want = append(want, []int{seq})
	backups := fhBackups(t, dir, "timed.log")
	require.Len(t, backups, 4)
	assert.Equal(t, want, fhSeqFiles(t, append(backups, path)...))
}

// A watched handle that finds its file moved reopens the path for every
// handle on it: a File on the same path writes to the new file too.
func TestSinkWatchedReopensForEveryHandle(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "w.log")
	plain, err := OpenFile(path, nil)
	require.NoError(t, err)
	defer plain.Close()
	watched, err := OpenWatched(path, nil)
	require.NoError(t, err)
	defer watched.Close()
	write := func(w io.Writer, s string) {
		t.Helper()
		_, err := w.Write([]byte(s + "\n"))
		require.NoError(t, err)
	}
	write(plain, "a")
	require.NoError(t, os.Rename(path, path+".1"))
	write(plain, "b") // no check: the moved file
	write(watched, "c")
	write(plain, "d")
	assert.Equal(t, "a\nb\n", fhReadString(t, path+".1"))
	assert.Equal(t, "c\nd\n", fhReadString(t, path))
}

func fhReadString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

// Every kind of handle writing to one path from many goroutines while
// the file rotates by size: every record once and whole, and no file past
// the limit.
func TestSinkEveryKindWritesWhileRotating(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "all.log")
	plain, err := OpenFile(path, nil)
	require.NoError(t, err)
	crlf, err := OpenFile(path, &FileOptions{Terminator: "\r\n"})
	require.NoError(t, err)
	watched, err := OpenWatched(path, nil)
	require.NoError(t, err)
	rot, err := OpenRotating(path, &RotatingOptions{MaxSizeMB: 1})
	require.NoError(t, err)
	writers := []io.WriteCloser{plain, crlf, watched, rot}

	const goroutines, records, size = 8, 300, 1000
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range records {
				seq := g*records + i
				if _, err := writers[seq%len(writers)].Write(fhSeqRecord(seq, size)); err != nil {
					t.Error(err)
					return
				}
				// lumberjack names backups to the millisecond: a pause
				// keeps two rotations from sharing one, which would lose
				// the first backup.
				time.Sleep(50 * time.Microsecond)
			}
		}()
	}
	wg.Wait()
	for _, w := range writers {
		require.NoError(t, w.Close())
	}
	seen := map[int]bool{}
	backups := fhBackups(t, dir, "all.log")
	assert.NotEmpty(t, backups)
	for _, name := range append(backups, path) {
		data := fhReadString(t, name)
		assert.LessOrEqual(t, len(data), megabyte, name)
		for _, line := range strings.SplitAfter(data, "\n") {
			if line == "" {
				continue
			}
			var seq int
			_, err := fmt.Sscanf(line, "%08d ", &seq)
			require.NoError(t, err, "line %.20q", line)
			want := size
			if seq%len(writers) == 1 {
				want++ // the \r
			}
			require.Len(t, line, want, "record %d is whole", seq)
			require.False(t, seen[seq], "record %d twice", seq)
			seen[seq] = true
		}
	}
	assert.Len(t, seen, goroutines*records)
}
