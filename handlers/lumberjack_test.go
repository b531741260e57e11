package handlers

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
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

// fhRetentionIdle waits for the clean-up of path's backups to finish.
func fhRetentionIdle(t *testing.T, path string) {
	t.Helper()
	rt := rotatorFor(path)
	require.Eventually(t, rt.ret.idle, time.Minute, time.Millisecond, "the clean-up of %s did not finish", path)
}

// fhStems lists the backups of path, a file and its .gz counted once,
// and reports whether any is not compressed.
func fhStems(t *testing.T, path string) (stems []string, plain bool) {
	t.Helper()
	bs, err := backups(path)
	require.NoError(t, err)
	for _, b := range bs {
		stem := strings.TrimSuffix(b.name, ".gz")
		if !slices.Contains(stems, stem) {
			stems = append(stems, stem)
		}
		plain = plain || !b.gz
	}
	return stems, plain
}

// One lumberjack.Logger per path, whatever the settings: 100 changes of
// settings on one path, each committed by a new Opener before the
// previous handle closes, each followed by writes that rotate, start no
// goroutine that outlives them, and each rotation cleans up by the
// settings in force at the time. Not parallel: goleak sees every
// goroutine.
func TestLumberjackSettingsChangesOnOnePath(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	clock := newFHClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	half := bytes.Repeat([]byte("h"), megabyte/2+1)
	// rotateBySize writes half-MiB records until n rotations happened.
	rotateBySize := func(f *RotatingFile, n int) {
		t.Helper()
		for before := len(fhBackups(t, dir, "app.log")); n > 0; {
			time.Sleep(2 * time.Millisecond) // one backup name per rotation
			_, err := f.Write(half)
			require.NoError(t, err)
			if fi, err := os.Stat(path); err == nil && fi.Size() == int64(len(half)) {
				// Only the record just written: the write rotated.
				n--
			}
			require.Less(t, len(fhBackups(t, dir, "app.log")), before+1000)
		}
	}

	cur, err := OpenRotating(path, &RotatingOptions{MaxSizeMB: 1, MaxBackups: 2})
	require.NoError(t, err)
	rotateBySize(cur, 1)
	fhRetentionIdle(t, path)
	// From here on: lumberjack's mill, the retention goroutine, and
	// nothing that any change of settings leaves behind.
	baseline := goleak.IgnoreCurrent()

	stems, _ := fhStems(t, path)
	n := len(stems)
	for i := range 100 {
		o := NewOpener()
		var (
			f      *RotatingFile
			err    error
			rotate func()
			want   int  // backups after the rotations
			gz     bool // all compressed
			old    string
		)
		switch i % 5 {
		case 0: // a schedule, keeping 3
			// The first boundary is a second after the file's mtime: put
			// the clock before it.
			clock.set(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
			f, err = o.OpenTimedRotating(path, &TimedRotatingOptions{When: "S", Clock: clock, MaxBackups: 3})
			rotate = func() {
				boundary := clock.next(t)
				_, err := f.Write([]byte("timed\n"))
				require.NoError(t, err)
				time.Sleep(2 * time.Millisecond)
				clock.set(boundary)
				clock.next(t) // waiting again: the rotation is done
				assert.Empty(t, fhReadString(t, path), "rotated at the boundary")
			}
			want = min(3, n+1)
		case 1: // keep 1 to 3
			keep := 1 + i%3
			f, err = o.OpenRotating(path, &RotatingOptions{MaxSizeMB: 1, MaxBackups: keep})
			rotate = func() { rotateBySize(f, 3) }
			want = keep
		case 2: // by age only: a backup from three days ago goes
			old = filepath.Join(dir, "app-"+time.Now().UTC().Add(-72*time.Hour).Format(backupTimeFormat)+".log")
			require.NoError(t, os.WriteFile(old, []byte("old\n"), 0o644))
			f, err = o.OpenRotating(path, &RotatingOptions{MaxSizeMB: 1, MaxAgeDays: 1})
			rotate = func() { rotateBySize(f, 1) }
			want = n + 1
		case 3: // compress everything, keep everything
			f, err = o.OpenRotating(path, &RotatingOptions{MaxSizeMB: 1, Compress: true})
			rotate = func() { rotateBySize(f, 1) }
			want, gz = n+1, true
		case 4: // 2 MiB, keeping 4
			f, err = o.OpenRotating(path, &RotatingOptions{MaxSizeMB: 2, MaxBackups: 4})
			rotate = func() {
				rotateBySize(f, 1)
				bs := fhBackups(t, dir, "app.log")
				fi, err := os.Stat(bs[len(bs)-1])
				require.NoError(t, err)
				assert.Greater(t, fi.Size(), int64(megabyte), "rotated past 1 MiB: the 2 MiB limit is in force")
			}
			want = min(4, n+1)
		}
		require.NoError(t, err)
		require.NoError(t, o.Commit())
		require.NoError(t, cur.Close())
		cur = f
		rotate()
		fhRetentionIdle(t, path)
		stems, plain := fhStems(t, path)
		require.Len(t, stems, want, "change %d: the backups kept", i)
		require.Equal(t, gz, !plain, "change %d: compressed", i)
		if old != "" {
			require.NoFileExists(t, old, "change %d: removed by age", i)
		}
		n = want
	}
	goleak.VerifyNone(t, baseline, goleak.IgnoreAnyFunction(lumberjackMill))
	require.NoError(t, cur.Close())
}

// The clean-up of backups follows lumberjack's rules: given the same
// backups and the same settings, a rotation leaves the same files as a
// bare lumberjack.Logger's Rotate.
func TestLumberjackSameRetentionAsBareLogger(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC()
	stamp := func(ago time.Duration) string { return now.Add(-ago).Format(backupTimeFormat) }
	const day = 24 * time.Hour
	planted := []string{
		"app-" + stamp(10*day) + ".log",
		"app-" + stamp(5*day+12*time.Hour) + ".log.gz",
		"app-" + stamp(3*day+12*time.Hour) + ".log",
		"app-" + stamp(36*time.Hour) + ".log",
		"app-" + stamp(36*time.Hour) + ".log.gz", // a file and its .gz count once
		"app-" + stamp(12*time.Hour) + ".log",
		"app-" + stamp(time.Hour) + ".log.gz",
		// Not backups of app.log:
		"app-not-a-time.log",
		"app-" + stamp(20*day) + ".txt",
		"other-" + stamp(20*day) + ".log",
		"app.log.1",
	}
	tests := []struct {
		name string
		give RotatingOptions
	}{
		{"keep 1", RotatingOptions{MaxBackups: 1}},
		{"keep 3", RotatingOptions{MaxBackups: 3}},
		{"keep 20", RotatingOptions{MaxBackups: 20}},
		{"2 days", RotatingOptions{MaxAgeDays: 2}},
		{"4 days", RotatingOptions{MaxAgeDays: 4}},
		{"compress", RotatingOptions{Compress: true}},
		{"keep 2 compressed", RotatingOptions{MaxBackups: 2, Compress: true}},
		{"keep 4, 3 days, compressed", RotatingOptions{MaxBackups: 4, MaxAgeDays: 3, Compress: true}},
		{"1 day compressed", RotatingOptions{MaxAgeDays: 1, Compress: true}},
		{"nothing", RotatingOptions{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bareDir, ourDir := t.TempDir(), t.TempDir()
			for _, dir := range []string{bareDir, ourDir} {
				for _, name := range planted {
					data := []byte("planted " + name + "\n")
					if strings.HasSuffix(name, ".gz") {
						var buf bytes.Buffer
						zw := gzip.NewWriter(&buf)
						_, err := zw.Write(data)
						require.NoError(t, err)
						require.NoError(t, zw.Close())
						data = buf.Bytes()
					}
					require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o644))
				}
				require.NoError(t, os.Mkdir(filepath.Join(dir, "app-"+stamp(30*day)+".log"), 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(dir, "app.log"), []byte("current\n"), 0o644))
			}

			bare := &lumberjack.Logger{Filename: filepath.Join(bareDir, "app.log"),
				MaxBackups: tt.give.MaxBackups, MaxAge: tt.give.MaxAgeDays, Compress: tt.give.Compress}
			require.NoError(t, bare.Rotate())
			require.NoError(t, bare.Close())
			ours, err := OpenRotating(filepath.Join(ourDir, "app.log"), &tt.give)
			require.NoError(t, err)
			require.NoError(t, ours.Rotate())
			require.NoError(t, ours.Close(), "waits for the clean-up")

			want := fhRetained(t, ourDir, planted)
			assert.Contains(t, want, "app.log", "the new file")
			// lumberjack's clean-up runs on its own goroutine, which says
			// nothing when it is done: wait for the same files, then for
			// them to stay the same.
			assert.Eventually(t, func() bool { return maps.Equal(want, fhRetained(t, bareDir, planted)) },
				10*time.Second, time.Millisecond)
			time.Sleep(50 * time.Millisecond)
			assert.Equal(t, fhRetained(t, bareDir, planted), want)
		})
	}
}

// fhRetained describes the files in dir, the contents of .gz files
// uncompressed, with the one backup not planted (made by the rotation)
// named app-NEW.
func fhRetained(t *testing.T, dir string, planted []string) map[string]string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	out := map[string]string{}
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() {
			out[name] = "dir"
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil // being compressed or removed
		}
		if strings.HasSuffix(name, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				return nil // being written
			}
			if data, err = io.ReadAll(zr); err != nil {
				return nil
			}
		}
		if name != "app.log" && !slices.Contains(planted, name) {
			name = "app-NEW.log" + strings.TrimPrefix(name, strings.TrimSuffix(name, ".gz"))
		}
		out[name] = string(data)
	}
	return out
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
