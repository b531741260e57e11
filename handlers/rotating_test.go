package handlers

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/slogtest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/formatters"
)

// fhSeqs reads the leading sequence numbers of the lines of path.
func fhSeqs(t *testing.T, path string) []int {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n, err := strconv.Atoi(strings.Fields(sc.Text())[0])
		require.NoError(t, err)
		out = append(out, n)
	}
	require.NoError(t, sc.Err())
	return out
}

func TestRotatingWritesPastSeveralMiB(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	f, err := formatters.NewPattern(&formatters.PatternOptions{Format: "%(message)s"})
	require.NoError(t, err)
	h, err := NewRotatingFileHandler(path, f, &RotatingOptions{MaxSizeMB: 1, MaxBackups: 2}, nil)
	require.NoError(t, err)

	pad := strings.Repeat("x", 90)
	const total = 5 * (1 << 20) / 100 // about 5 MiB of 100-byte records
	for i := range total {
		require.NoError(t, h.Handle(context.Background(), fhRecord(slog.LevelInfo, fmt.Sprintf("%08d %s", i, pad))))
	}
	require.NoError(t, h.Close())

	// lumberjack removes old backups on its own goroutine.
	require.Eventually(t, func() bool { return len(fhBackups(t, dir, "app.log")) == 2 }, 10*time.Second, 5*time.Millisecond)
	files := append(fhBackups(t, dir, "app.log"), path)
	var seqs []int
	for i, name := range files {
		fi, err := os.Stat(name)
		require.NoError(t, err)
		assert.LessOrEqual(t, fi.Size(), int64(1<<20), "%s is within the limit", name)
		if i < len(files)-1 {
			assert.Greater(t, fi.Size(), int64(1<<20-100), "backup %s was full", name)
		}
		seqs = append(seqs, fhSeqs(t, name)...)
	}
	// Every retained record once, in order, ending with the last one.
	require.NotEmpty(t, seqs)
	assert.Equal(t, total-1, seqs[len(seqs)-1])
	for i := 1; i < len(seqs); i++ {
		require.Equal(t, seqs[i-1]+1, seqs[i], "records %d and %d are consecutive", i-1, i)
	}
	assert.Greater(t, seqs[0], 0, "the oldest records were removed with the oldest backups")
}

func TestRotatingHandlesShareOneRotation(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "shared.log")
	a, err := OpenRotating(path, &RotatingOptions{MaxSizeMB: 1})
	require.NoError(t, err)
	b, err := OpenRotating(path, &RotatingOptions{MaxSizeMB: 1})
	require.NoError(t, err)
	line := []byte(strings.Repeat("y", 1023) + "\n")
	// 0.6 MiB through each: 1.2 MiB in all, so one rotation; two
	// independent rotators would each count 0.6 MiB and never rotate.
	var wg sync.WaitGroup
	for _, f := range []*RotatingFile{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 600 {
				_, err := f.Write(line)
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	require.NoError(t, a.Close())
	require.NoError(t, b.Close())
	backups := fhBackups(t, dir, "shared.log")
	require.Len(t, backups, 1)
	fi, err := os.Stat(backups[0])
	require.NoError(t, err)
	cur, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, int64(1200*1024), fi.Size()+cur.Size(), "no byte lost or duplicated")
}

// The settings of the newest commit on a path are in force: a
// reconfiguration opens the file again with other settings, commits, then
// closes the old handle.
func TestRotatingNewestCommitSettingsApply(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "s.log")
	old, err := OpenRotating(path, &RotatingOptions{MaxSizeMB: 100})
	require.NoError(t, err)
	o := NewOpener()
	cur, err := o.OpenRotating(path, &RotatingOptions{MaxSizeMB: 1})
	require.NoError(t, err)
	require.NoError(t, o.Commit())
	require.NoError(t, old.Close())
	line := []byte(strings.Repeat("z", 1023) + "\n")
	for range 1500 {
		_, err := cur.Write(line)
		require.NoError(t, err)
	}
	require.NoError(t, cur.Close())
	assert.Len(t, fhBackups(t, dir, "s.log"), 1, "rotated at 1 MiB, the newest commit's size")
}

// When every handle of the newest commit on a path is closed, the
// settings of the commit before it are back; a refused configuration,
// aborted, never changed them.
func TestRotatingSettingsRevertWhenNewestCloses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "r.log")
	live, err := OpenRotating(path, &RotatingOptions{MaxSizeMB: 1})
	require.NoError(t, err)
	// A program opens the file with other settings (committed at once) and
	// closes it again.
	other, err := OpenRotating(path, &RotatingOptions{MaxSizeMB: 100})
	require.NoError(t, err)
	require.NoError(t, other.Close())
	refused := NewOpener()
	_, err = refused.OpenRotating(path, &RotatingOptions{MaxSizeMB: 50})
	require.NoError(t, err)
	require.NoError(t, refused.Abort())
	line := []byte(strings.Repeat("r", 1023) + "\n")
	for range 1500 {
		_, err := live.Write(line)
		require.NoError(t, err)
	}
	require.NoError(t, live.Close())
	assert.Len(t, fhBackups(t, dir, "r.log"), 1, "rotated at 1 MiB, the live handle's size")
}

func TestRotatingRecordLargerThanLimit(t *testing.T) {
	t.Parallel()
	f, err := OpenRotating(filepath.Join(t.TempDir(), "big.log"), &RotatingOptions{MaxSizeMB: 1})
	require.NoError(t, err)
	defer f.Close()
	_, err = f.Write(make([]byte, 1<<20+1))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "exceeds maximum file size")
	n, err := f.Write([]byte("small\n"))
	require.NoError(t, err, "the file still takes records that fit")
	assert.Equal(t, 6, n)
}

// TestRotatingMaxBytes writes records in parallel through a file with a
// small MaxBytes: every record lands once, whole; no file but one holding
// a single record reaches MaxBytes; rotations within one millisecond keep
// every backup.
func TestRotatingMaxBytes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	f, err := OpenRotating(path, &RotatingOptions{MaxBytes: 64})
	require.NoError(t, err)
	const writers, each = 4, 100
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				line := fmt.Sprintf("%d %s\n", w*each+i, strings.Repeat("x", i%70))
				_, err := f.Write([]byte(line))
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	require.NoError(t, f.Close())
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	require.NoError(t, err)
	seen := map[int]int{}
	for _, name := range files {
		seqs := fhSeqs(t, name)
		fi, err := os.Stat(name)
		require.NoError(t, err)
		if len(seqs) > 1 {
			assert.Less(t, fi.Size(), int64(64), "%s holds %d records", name, len(seqs))
		}
		for _, n := range seqs {
			seen[n]++
		}
	}
	assert.Len(t, seen, writers*each, "records written")
	for n, c := range seen {
		assert.Equal(t, 1, c, "record %d", n)
	}
}

func TestRotatingOptionsErrors(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "app.log")
	for _, tt := range []struct {
		opts RotatingOptions
		want string
	}{
		{RotatingOptions{MaxBytes: -1}, "MaxBytes -1 is out of range: want 0 or more"},
		{RotatingOptions{MaxBytes: 10, MaxSizeMB: 1}, "MaxBytes and MaxSizeMB: give one of them, not both"},
		{RotatingOptions{MaxSizeMB: -1}, "MaxSizeMB -1 is out of range"},
	} {
		_, err := OpenRotating(path, &tt.opts)
		assert.ErrorContains(t, err, tt.want)
	}
}

// fhUmask returns the process umask from /proc, or 022.
func fhUmask() os.FileMode {
	data, err := os.ReadFile("/proc/self/status")
	if err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "Umask:"); ok {
				if n, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32); err == nil {
					return os.FileMode(n)
				}
			}
		}
	}
	return 0o022
}

func TestRotatingFileMode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		give  os.FileMode
		delay bool
		want  os.FileMode
	}{
		{name: "default", want: 0o644},
		{name: "0600", give: 0o600, want: 0o600},
		{name: "0640 delayed", give: 0o640, delay: true, want: 0o640},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "m.log")
			f, err := OpenRotating(path, &RotatingOptions{MaxSizeMB: 1, Perm: tt.give, Delay: tt.delay})
			require.NoError(t, err)
			_, err = f.Write([]byte("x\n"))
			require.NoError(t, err)
			require.NoError(t, f.Rotate())
			require.NoError(t, f.Close())
			for _, name := range append(fhBackups(t, filepath.Dir(path), "m.log"), path) {
				fi, err := os.Stat(name)
				require.NoError(t, err)
				assert.Equal(t, tt.want&^fhUmask(), fi.Mode().Perm(), name)
			}
		})
	}
}

func TestRotatingMissingDirectory(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "no", "such", "dir", "a.log")
	_, err := OpenRotating(path, nil)
	require.Error(t, err, "a missing directory is an error, as in Python")
	assert.True(t, os.IsNotExist(err), "got %v", err)

	f, err := OpenRotating(path, &RotatingOptions{Delay: true})
	require.NoError(t, err, "with delay the file is opened at the first write")
	defer f.Close()
	_, err = f.Write([]byte("x\n"))
	require.Error(t, err)
	_, statErr := os.Stat(filepath.Dir(path))
	assert.True(t, os.IsNotExist(statErr), "no directory was created")
}

func TestRotatingTerminator(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "t.log")
	f, err := OpenRotating(path, &RotatingOptions{Terminator: "\r\n"})
	require.NoError(t, err)
	_, err = f.Write([]byte("a\n"))
	require.NoError(t, err)
	require.NoError(t, f.Close())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "a\r\n", string(data))
}

// TestFileSinksSlogtest runs testing/slogtest on the JSON formatter over
// each rotating and watched sink.
func TestFileSinksSlogtest(t *testing.T) {
	t.Parallel()
	json := formatters.NewJSON(nil)
	opens := map[string]func(path string) (*Handler, error){
		"rotating": func(path string) (*Handler, error) {
			return NewRotatingFileHandler(path, json, &RotatingOptions{MaxSizeMB: 1}, nil)
		},
		"timed": func(path string) (*Handler, error) {
			return NewTimedRotatingFileHandler(path, json, &TimedRotatingOptions{When: "midnight"}, nil)
		},
		"watched": func(path string) (*Handler, error) {
			return NewWatchedFileHandler(path, json, nil, nil)
		},
	}
	for name, open := range opens {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			var n int
			var cur struct {
				h    *Handler
				path string
			}
			slogtest.Run(t, func(t *testing.T) slog.Handler {
				n++
				cur.path = filepath.Join(dir, fmt.Sprintf("%d.log", n))
				h, err := open(cur.path)
				require.NoError(t, err)
				cur.h = h
				return h
			}, func(t *testing.T) map[string]any {
				require.NoError(t, cur.h.Close())
				lines := fhJSONLines(t, cur.path)
				require.Len(t, lines, 1)
				return lines[0]
			})
		})
	}
}

// Handles with other settings opening, writing and closing on a path
// while another handle writes to it lose and duplicate nothing.
func TestRotatingHandlesComeAndGoWhileWriting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "busy.log")
	live, err := OpenRotating(path, &RotatingOptions{MaxSizeMB: 1})
	require.NoError(t, err)
	line := []byte(strings.Repeat("w", 1023) + "\n")
	const n = 1000
	done := make(chan error, 1)
	go func() {
		for range n {
			if _, err := live.Write(line); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	var wrote int64 = n * 1024
	for i := range 200 {
		other, err := OpenRotating(path, &RotatingOptions{MaxSizeMB: 2 + i%3, Delay: i%2 == 0})
		require.NoError(t, err)
		if i%4 == 0 {
			_, err := other.Write([]byte("o\n"))
			require.NoError(t, err)
			wrote += 2
		}
		require.NoError(t, other.Close())
	}
	require.NoError(t, <-done)
	require.NoError(t, live.Close())
	assert.Equal(t, wrote, fhKeptBytes(t, path), "every byte in exactly one file")
}
