package handlers_test

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/formatters"
	"github.com/slogtree/slogtree/handlers"
)

// hdltOpenFDs counts this process's descriptors open on path, or skips
// the test where /proc/self/fd does not exist.
func hdltOpenFDs(t *testing.T, path string) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd: ", err)
	}
	n := 0
	for _, e := range ents {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); err == nil && target == path {
			n++
		}
	}
	return n
}

func hdltRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func hdltOpen(t *testing.T, path string, opts *handlers.FileOptions) *handlers.File {
	t.Helper()
	f, err := handlers.OpenFile(path, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = f.Close() })
	return f
}

// Files on one absolute path, however it is spelled, share one descriptor;
// the last Close closes it.
func TestOpenFileSharesOneDescriptor(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "a.log")
	f1 := hdltOpen(t, path, nil)
	f2 := hdltOpen(t, dir+"/./a.log", nil)
	f3 := hdltOpen(t, dir+"/sub/../a.log", nil)
	assert.Equal(t, path, f1.Path())
	assert.Equal(t, path, f2.Path())
	assert.Equal(t, path, f3.Path())
	assert.Equal(t, 1, hdltOpenFDs(t, path))

	for i, f := range []*handlers.File{f1, f2, f3} {
		_, err := fmt.Fprintf(f, "line %d\n", i)
		require.NoError(t, err)
	}
	require.NoError(t, f1.Close())
	require.NoError(t, f1.Close(), "Close is idempotent")
	require.NoError(t, f2.Close())
	assert.Equal(t, 1, hdltOpenFDs(t, path), "the file stays open while a File uses it")
	_, err := f3.Write([]byte("line 3\n"))
	require.NoError(t, err)
	require.NoError(t, f3.Close())
	assert.Equal(t, 0, hdltOpenFDs(t, path), "the last Close closes the descriptor")
	assert.Equal(t, "line 0\nline 1\nline 2\nline 3\n", hdltRead(t, path))

	_, err = f3.Write([]byte("late\n"))
	assert.Error(t, err, "a write after the last Close fails")
}

// A relative path is made absolute against the working directory.
func TestOpenFileRelativePath(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	t.Chdir(dir)
	f1 := hdltOpen(t, "a.log", nil)
	f2 := hdltOpen(t, "./a.log", nil)
	assert.Equal(t, filepath.Join(dir, "a.log"), f1.Path())
	assert.Equal(t, f1.Path(), f2.Path())
	assert.Equal(t, 1, hdltOpenFDs(t, f1.Path()))
}

// Records from many goroutines through two handlers on one file are
// written whole, none lost.
func TestFileConcurrentWritesKeepRecordsWhole(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "a.log")
	p, err := formatters.NewPattern(&formatters.PatternOptions{Format: "%(levelname)s %(message)s"})
	require.NoError(t, err)
	h1, err := handlers.NewFileHandler(path, p, nil, nil)
	require.NoError(t, err)
	h2, err := handlers.NewFileHandler(dir+"/./a.log", p, nil, nil)
	require.NoError(t, err)
	hs := []*handlers.Handler{h1, h2}

	const goroutines, records = 8, 1000
	pad := strings.Repeat("x", 300)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range records {
				r := slog.NewRecord(time.Time{}, slog.LevelInfo, fmt.Sprintf("g%d-%d", g, i), 0)
				r.AddAttrs(slog.String("pad", pad))
				if err := hs[(g+i)%2].Handle(context.Background(), r); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	require.NoError(t, h1.Close())
	require.NoError(t, h2.Close())

	lines := strings.Split(strings.TrimSuffix(hdltRead(t, path), "\n"), "\n")
	require.Len(t, lines, goroutines*records)
	re := regexp.MustCompile(`^INFO (g\d+-\d+) pad=x{300}$`)
	seen := map[string]bool{}
	for _, l := range lines {
		m := re.FindStringSubmatch(l)
		require.NotNil(t, m, "broken line %q", l)
		require.False(t, seen[m[1]], "record %s twice", m[1])
		seen[m[1]] = true
	}
}

func TestOpenFileModes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		give    string
		wantErr bool
	}{
		{name: "default", give: ""},
		{name: "a", give: "a"},
		{name: "a+", give: "a+"},
		{name: "at", give: "at"},
		{name: "w", give: "w"},
		{name: "w+", give: "w+"},
		{name: "x", give: "x"},
		{name: "xt", give: "xt"},
		{name: "b", give: "b", wantErr: true},
		{name: "ab", give: "ab", wantErr: true},
		{name: "wb", give: "wb", wantErr: true},
		{name: "r", give: "r", wantErr: true},
		{name: "r+", give: "r+", wantErr: true},
		{name: "aa", give: "aa", wantErr: true},
		{name: "upper A", give: "A", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "m.log")
			f, err := handlers.OpenFile(path, &handlers.FileOptions{Mode: tt.give})
			if tt.wantErr {
				require.Error(t, err)
				assert.Contains(t, err.Error(), fmt.Sprintf("%q", tt.give))
				_, statErr := os.Stat(path)
				assert.ErrorIs(t, statErr, fs.ErrNotExist, "a refused mode creates nothing")
				return
			}
			require.NoError(t, err)
			require.NoError(t, f.Close())
		})
	}
}

// Mode "a" keeps what the file holds.
func TestOpenFileAppend(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "a.log")
	require.NoError(t, os.WriteFile(path, []byte("old\n"), 0o644))
	f := hdltOpen(t, path, &handlers.FileOptions{Mode: "a"})
	_, err := f.Write([]byte("new\n"))
	require.NoError(t, err)
	assert.Equal(t, "old\nnew\n", hdltRead(t, path))
}

// Mode "w" truncates when the process first opens the file, not when
// another File joins it.
func TestOpenFileTruncatesOnFirstOpenOnly(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "w.log")
	require.NoError(t, os.WriteFile(path, []byte("old\n"), 0o644))
	f1, err := handlers.OpenFile(path, &handlers.FileOptions{Mode: "w"})
	require.NoError(t, err)
	assert.Empty(t, hdltRead(t, path))
	_, err = f1.Write([]byte("one\n"))
	require.NoError(t, err)
	f2, err := handlers.OpenFile(path, &handlers.FileOptions{Mode: "w"})
	require.NoError(t, err)
	_, err = f2.Write([]byte("two\n"))
	require.NoError(t, err)
	assert.Equal(t, "one\ntwo\n", hdltRead(t, path))
	require.NoError(t, f1.Close())
	require.NoError(t, f2.Close())

	// Once every File is closed, a new "w" opener truncates again, as a new
	// Python FileHandler does.
	f3, err := handlers.OpenFile(path, &handlers.FileOptions{Mode: "w"})
	require.NoError(t, err)
	defer f3.Close()
	assert.Empty(t, hdltRead(t, path))
}

func TestOpenFileExclusive(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	existing := filepath.Join(dir, "exists.log")
	require.NoError(t, os.WriteFile(existing, []byte("keep\n"), 0o644))
	_, err := handlers.OpenFile(existing, &handlers.FileOptions{Mode: "x"})
	require.ErrorIs(t, err, fs.ErrExist)
	assert.Equal(t, "keep\n", hdltRead(t, existing))

	fresh := filepath.Join(dir, "fresh.log")
	f := hdltOpen(t, fresh, &handlers.FileOptions{Mode: "x"})
	_, err = f.Write([]byte("hi\n"))
	require.NoError(t, err)
	assert.Equal(t, "hi\n", hdltRead(t, fresh))
}

func TestOpenFileDelay(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "d.log")
	f, err := handlers.OpenFile(path, &handlers.FileOptions{Delay: true})
	require.NoError(t, err)
	_, err = os.Stat(path)
	require.ErrorIs(t, err, fs.ErrNotExist, "delay creates nothing before the first write")
	_, err = f.Write([]byte("first\n"))
	require.NoError(t, err)
	assert.Equal(t, "first\n", hdltRead(t, path))
	require.NoError(t, f.Close())

	// Closed without a write: still nothing.
	never := filepath.Join(dir, "never.log")
	f, err = handlers.OpenFile(never, &handlers.FileOptions{Delay: true, Mode: "w"})
	require.NoError(t, err)
	require.NoError(t, f.Close())
	_, err = os.Stat(never)
	assert.ErrorIs(t, err, fs.ErrNotExist)

	// A delayed "x" on an existing file fails at the first write.
	existing := filepath.Join(dir, "exists.log")
	require.NoError(t, os.WriteFile(existing, nil, 0o644))
	f, err = handlers.OpenFile(existing, &handlers.FileOptions{Delay: true, Mode: "x"})
	require.NoError(t, err)
	_, err = f.Write([]byte("x\n"))
	assert.ErrorIs(t, err, fs.ErrExist)
	require.NoError(t, f.Close())
}

func TestOpenFileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := handlers.OpenFile(filepath.Join(dir, "no", "such", "dir.log"), nil)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	_, err = handlers.OpenFile(dir, nil)
	assert.Error(t, err, "a directory is not a log file")
}

func TestFilePerm(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := hdltOpen(t, filepath.Join(dir, "p.log"), &handlers.FileOptions{Perm: 0o600})
	st, err := os.Stat(f.Path())
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o600), st.Mode().Perm())
	f2 := hdltOpen(t, filepath.Join(dir, "default.log"), nil)
	st, err = os.Stat(f2.Path())
	require.NoError(t, err)
	assert.Zero(t, st.Mode().Perm()&^0o644, "default permission is at most 0644")
}

// The terminator replaces the trailing newline of each record of its own
// File, not of the others on the same path.
func TestFileTerminator(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "t.log")
	crlf := hdltOpen(t, path, &handlers.FileOptions{Terminator: "\r\n"})
	plain := hdltOpen(t, path, nil)
	for _, w := range []struct {
		f *handlers.File
		s string
	}{{crlf, "a\n"}, {plain, "b\n"}, {crlf, "no newline"}, {crlf, "c\n"}} {
		n, err := w.f.Write([]byte(w.s))
		require.NoError(t, err)
		assert.Equal(t, len(w.s), n, "Write reports the bytes it was given")
	}
	assert.Equal(t, "a\r\nb\nno newlinec\r\n", hdltRead(t, path))
}

func TestNewFileHandler(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "h.log")
	h, err := handlers.NewFileHandler(path, nil, &handlers.FileOptions{Mode: "w"}, &handlers.Options{Level: slog.LevelWarn})
	require.NoError(t, err)
	l := slog.New(h)
	l.Info("dropped")
	l.Warn("kept", "k", "v")
	require.NoError(t, h.Close())
	assert.Equal(t, "kept k=v\n", hdltRead(t, path), "the default formatter is the bare message with attributes")
	assert.Equal(t, 0, hdltOpenFDs(t, path), "closing the handler closes the file")
	assert.Error(t, h.Handle(context.Background(), slog.NewRecord(time.Time{}, slog.LevelError, "late", 0)))

	_, err = handlers.NewFileHandler(path, nil, &handlers.FileOptions{Mode: "b"}, nil)
	assert.Error(t, err)
}

// Records handled after Close fail, as Handler.Close documents, also when
// another handler still has the file open.
func TestFileHandlerClosedWhileFileShared(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "s.log")
	h1, err := handlers.NewFileHandler(path, nil, nil, nil)
	require.NoError(t, err)
	h2, err := handlers.NewFileHandler(path, nil, nil, nil)
	require.NoError(t, err)
	defer h2.Close()
	require.NoError(t, h1.Close())
	err = h1.Handle(context.Background(), slog.NewRecord(time.Time{}, slog.LevelError, "after close", 0))
	assert.Error(t, err)
	assert.NotContains(t, hdltRead(t, path), "after close")
}
