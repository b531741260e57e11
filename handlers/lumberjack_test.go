package handlers

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/natefinch/lumberjack.v2"

	"github.com/slogtree/slogtree/formatters"
)

// fhBuffer is a writer safe for concurrent use.
type fhBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *fhBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *fhBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lines returns the lines written so far.
func (b *fhBuffer) lines() []string {
	s := strings.TrimSuffix(b.String(), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// fhPattern returns a pattern formatter's handler over w.
func fhPattern(t testing.TB, w *fhBuffer, format string) slog.Handler {
	t.Helper()
	f, err := formatters.NewPattern(&formatters.PatternOptions{Format: format})
	require.NoError(t, err)
	return f.NewHandler(w)
}

// fhFailing is a handler whose Handle fails (or panics).
type fhFailing struct {
	err   error
	panic bool
	calls *int64
	mu    *sync.Mutex
}

func newFHFailing(err error) *fhFailing {
	return &fhFailing{err: err, calls: new(int64), mu: new(sync.Mutex)}
}

func (h *fhFailing) Enabled(context.Context, slog.Level) bool { return true }
func (h *fhFailing) Handle(context.Context, slog.Record) error {
	h.mu.Lock()
	*h.calls++
	h.mu.Unlock()
	if h.panic {
		panic(h.err)
	}
	return h.err
}
func (h *fhFailing) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *fhFailing) WithGroup(string) slog.Handler      { return h }

func (h *fhFailing) count() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return *h.calls
}

// fhErrors collects the errors an OnError receives.
type fhErrors struct {
	mu   sync.Mutex
	errs []error
}

func (e *fhErrors) add(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errs = append(e.errs, err)
}

func (e *fhErrors) all() []error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]error(nil), e.errs...)
}

// fhRecord makes a record at level with message msg and attrs.
func fhRecord(level slog.Level, msg string, args ...any) slog.Record {
	r := slog.NewRecord(time.Now(), level, msg, 0)
	r.Add(args...)
	return r
}

// fhGoroutines counts the goroutines created by a function whose name
// contains creator. (A goroutine that has not started yet shows only a
// wrapper of its function, but always its creator.)
func fhGoroutines(creator string) int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if i := strings.Index(g, "\ncreated by "); i >= 0 && strings.Contains(g[i:], creator) {
			count++
		}
	}
	return count
}

// fhWaitGoroutines waits until the goroutines created by creator number
// want: a goroutine that has signalled its end may still be on its way
// out.
func fhWaitGoroutines(t testing.TB, creator string, want int, msg string) {
	t.Helper()
	assert.Eventually(t, func() bool { return fhGoroutines(creator) == want }, 10*time.Second, time.Millisecond,
		"%s: want %d goroutines created by %s, have %d", msg, want, creator, fhGoroutines(creator))
}

// fhOpenFDs returns the number of open file descriptors, or -1 where
// /proc/self/fd does not exist.
func fhOpenFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// fhJSONLines reads a file of JSON lines.
func fhJSONLines(t testing.TB, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []map[string]any
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), "line %q", sc.Text())
		out = append(out, m)
	}
	require.NoError(t, sc.Err())
	return out
}

// fhBackups returns the rotated files of base (app.log → app-*.log) in
// dir, sorted by name (which is by time).
func fhBackups(t testing.TB, dir, base string) []string {
	t.Helper()
	ext := filepath.Ext(base)
	matches, err := filepath.Glob(filepath.Join(dir, strings.TrimSuffix(base, ext)+"-*"+ext))
	require.NoError(t, err)
	return matches
}

// fhKeptBytes returns the size of path and its rotated backups together.
func fhKeptBytes(t *testing.T, path string) int64 {
	t.Helper()
	var kept int64
	for _, name := range append(fhBackups(t, filepath.Dir(path), filepath.Base(path)), path) {
		fi, err := os.Stat(name)
		require.NoError(t, err)
		kept += fi.Size()
	}
	return kept
}

func TestLumberjackOneLoggerPerPathAndSettings(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	before := fhGoroutines("(*Logger).mill")
	fdsBefore := fhOpenFDs()

	// 1,000 open/write/close cycles over 4 files, each with 2 settings in
	// turn, and one file kept open throughout.
	kept, err := OpenRotating(path, &RotatingOptions{MaxSizeMB: 1})
	require.NoError(t, err)
	for i := range 1000 {
		name := filepath.Join(dir, fmt.Sprintf("f%d.log", i%4))
		f, err := OpenRotating(name, &RotatingOptions{MaxSizeMB: 1 + i%2, MaxBackups: 1})
		require.NoError(t, err)
		_, err = f.Write([]byte("x\n"))
		require.NoError(t, err)
		_, err = kept.Write([]byte("y\n"))
		require.NoError(t, err)
		require.NoError(t, f.Close())
	}
	require.NoError(t, kept.Close())

	after := fhGoroutines("(*Logger).mill")
	assert.LessOrEqual(t, after-before, 4*2+1, "lumberjack mill goroutines grow with distinct (file, settings) pairs only")
	if fdsBefore >= 0 {
		// lumberjack's cleanup goroutine may still hold its directory open.
		assert.Eventually(t, func() bool { return fhOpenFDs() == fdsBefore }, 10*time.Second, time.Millisecond, "every file is closed")
	}
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, 1000, bytes.Count(data, []byte("y\n")))
}

func TestLumberjackWriteAfterCloseFails(t *testing.T) {
	t.Parallel()
	f, err := OpenRotating(filepath.Join(t.TempDir(), "a.log"), nil)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	require.NoError(t, f.Close(), "Close is idempotent")
	_, err = f.Write([]byte("late\n"))
	assert.True(t, errors.Is(err, ErrClosed), "got %v", err)
}

// A RotatingFile counts the size of its file itself instead of writing
// every record through lumberjack.Logger.Write; it must rotate exactly
// where a bare lumberjack.Logger given the same writes rotates, from every
// starting point: no file, an empty one, one just under, at and past the
// limit, and a first record that exactly fills the file.
func TestLumberjackSameRotationsAsBareLogger(t *testing.T) {
	t.Parallel()
	const limit = 1 << 20
	starts := []struct {
		name string
		size int // of the file before it is opened; -1: no file
	}{
		{"no file", -1},
		{"empty file", 0},
		{"small file", 1000},
		{"just under the limit", limit - 10},
		{"at the limit", limit},
		{"past the limit", limit + 5000},
	}
	for _, st := range starts {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			bareDir, ourDir := t.TempDir(), t.TempDir()
			barePath, ourPath := filepath.Join(bareDir, "a.log"), filepath.Join(ourDir, "a.log")
			if st.size >= 0 {
				old := bytes.Repeat([]byte("o"), st.size)
				require.NoError(t, os.WriteFile(barePath, old, 0o644))
				require.NoError(t, os.WriteFile(ourPath, old, 0o644))
			}
			bare := &lumberjack.Logger{Filename: barePath, MaxSize: 1}
			defer bare.Close()
			ours, err := OpenRotating(ourPath, &RotatingOptions{MaxSizeMB: 1})
			require.NoError(t, err)
			defer ours.Close()
			sameCurrent := func(when string) {
				t.Helper()
				fb, err := os.Stat(barePath)
				require.NoError(t, err)
				fo, err := os.Stat(ourPath)
				require.NoError(t, err)
				require.Equal(t, fb.Size(), fo.Size(), "%s the current files differ: a rotation happened in one only", when)
				require.Equal(t, len(fhBackups(t, bareDir, "a.log")) > 0, len(fhBackups(t, ourDir, "a.log")) > 0, "%s: backups", when)
			}
			fo, err := os.Stat(ourPath)
			require.NoError(t, err, "opened without delay, the file exists")
			assert.Equal(t, int64(max(st.size, 0)), fo.Size(), "opening rotates nothing")
			assert.Empty(t, fhBackups(t, ourDir, "a.log"), "opening rotates nothing")

			// Records of many sizes, some exactly filling the file (0
			// below), the last ones as large as the limit and larger.
			var sizes []int
			if st.size >= 0 {
				// Not with no file: OpenRotating creates it, as Python
				// does, where a bare Logger creates it at its first write,
				// and lumberjack rotates an existing file, even an empty
				// one, that the first record fills exactly.
				sizes = append(sizes, 0)
			}
			for i := range 300 {
				sizes = append(sizes, 1+(i*7919)%40000)
				if i%50 == 25 {
					sizes = append(sizes, 0)
				}
			}
			sizes = append(sizes, limit, limit+1, 10)
			var wrote int64
			for i, n := range sizes {
				if n == 0 {
					var size int64
					if fi, err := os.Stat(barePath); err == nil {
						size = fi.Size()
					}
					if n = int(limit - size); n <= 0 {
						n = 1
					}
				}
				rec := bytes.Repeat([]byte{byte('a' + i%26)}, n)
				nb, errBare := bare.Write(rec)
				no, errOurs := ours.Write(rec)
				require.Equal(t, errBare == nil, errOurs == nil, "write %d of %d bytes: lumberjack %v, ours %v", i, n, errBare, errOurs)
				if errBare != nil {
					assert.Equal(t, errBare.Error(), errOurs.Error())
				}
				require.Equal(t, nb, no)
				wrote += int64(no)
				sameCurrent(fmt.Sprintf("after write %d of %d bytes", i, n))
			}
			require.NoError(t, ours.Close())
			kept := fhKeptBytes(t, ourPath)
			if st.size > 0 {
				wrote += int64(st.size)
			}
			// lumberjack names backups to the millisecond, so two
			// rotations in one millisecond keep only the later backup.
			assert.LessOrEqual(t, kept, wrote)
		})
	}
}
