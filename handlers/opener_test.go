package handlers

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fhTree is what a directory tree holds: each path under it with its
// mode, size, modification time and contents.
type fhTree map[string]string

// fhSnapshot describes every file and directory under root; the
// modification times of directories only with dirTimes.
func fhSnapshot(t *testing.T, root string, dirTimes bool) fhTree {
	t.Helper()
	tree := fhTree{}
	require.NoError(t, filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		desc := fi.Mode().String()
		if !fi.IsDir() || dirTimes {
			desc += " " + fi.ModTime().Format(time.RFC3339Nano)
		}
		if fi.Mode().IsRegular() {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			desc += " " + string(data)
		}
		rel, _ := filepath.Rel(root, path)
		tree[rel] = desc
		return nil
	}))
	return tree
}

// An aborted Opener that opened an existing file in mode "w" leaves it
// byte for byte as it was, mtime included.
func TestOpenerAbortLeavesExistingFileAlone(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "keep.log")
	require.NoError(t, os.WriteFile(path, []byte("old record\n"), 0o640))
	past := time.Now().Add(-time.Hour).Truncate(time.Second)
	require.NoError(t, os.Chtimes(path, past, past))
	before := fhSnapshot(t, dir, true)

	o := NewOpener()
	_, err := o.OpenFile(path, &FileOptions{Mode: "w"})
	require.NoError(t, err)
	_, err = o.OpenWatched(path, &WatchedOptions{Mode: "w"})
	require.NoError(t, err)
	assert.Equal(t, before, fhSnapshot(t, dir, true), "opening changes nothing")
	require.NoError(t, o.Abort())
	assert.Equal(t, before, fhSnapshot(t, dir, true))
}

// An aborted Opener removes every file it created, in whatever directory,
// and a delayed handle creates none.
func TestOpenerAbortRemovesTheFilesItCreated(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	for _, d := range []string{"a", "b", "c/d"} {
		require.NoError(t, os.MkdirAll(filepath.Join(root, d), 0o755))
	}
	require.NoError(t, os.WriteFile(filepath.Join(root, "b", "there.log"), []byte("x\n"), 0o644))
	before := fhSnapshot(t, root, false)

	o := NewOpener()
	open := []func() (any, error){
		func() (any, error) { return o.OpenFile(filepath.Join(root, "a", "file.log"), nil) },
		func() (any, error) { return o.OpenFile(filepath.Join(root, "a", "excl.log"), &FileOptions{Mode: "x"}) },
		func() (any, error) {
			return o.OpenFile(filepath.Join(root, "b", "delayed.log"), &FileOptions{Delay: true, Mode: "w"})
		},
		func() (any, error) { return o.OpenWatched(filepath.Join(root, "b", "watched.log"), nil) },
		func() (any, error) { return o.OpenWatched(filepath.Join(root, "b", "there.log"), nil) },
		func() (any, error) { return o.OpenRotating(filepath.Join(root, "c", "rot.log"), nil) },
		func() (any, error) { return o.OpenRotating(filepath.Join(root, "c", "rot.log"), nil) },
		func() (any, error) {
			return o.OpenTimedRotating(filepath.Join(root, "c", "d", "timed.log"), &TimedRotatingOptions{When: "S"})
		},
		func() (any, error) { return o.OpenFile(filepath.Join(root, "c", "d", "timed.log"), nil) },
	}
	for _, f := range open {
		_, err := f()
		require.NoError(t, err)
	}
	for _, name := range []string{"a/file.log", "a/excl.log", "b/watched.log", "c/rot.log", "c/d/timed.log"} {
		assert.FileExists(t, filepath.Join(root, name), "opened without delay")
	}
	require.NoError(t, o.Abort())
	assert.Equal(t, before, fhSnapshot(t, root, false))
	require.NoError(t, o.Abort(), "Abort again does nothing")
	_, err := o.OpenFile(filepath.Join(root, "a", "late.log"), nil)
	assert.Error(t, err, "an aborted Opener opens nothing")
	assert.NoFileExists(t, filepath.Join(root, "a", "late.log"))
}

// Abort leaves a file it created when a handle of another Opener has it
// open.
func TestOpenerAbortKeepsAFileInUse(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "shared.log")
	o := NewOpener()
	_, err := o.OpenFile(path, nil)
	require.NoError(t, err)
	other, err := OpenFile(path, nil)
	require.NoError(t, err)
	defer other.Close()
	require.NoError(t, o.Abort())
	_, err = other.Write([]byte("kept\n"))
	require.NoError(t, err)
	assert.Equal(t, "kept\n", fhReadString(t, path))
}

// Commit truncates a mode "w" file that the Opener was the first to open;
// a later Opener on a path the first still has open does not.
func TestOpenerCommitTruncatesOnFirstOpenOnly(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "w.log")
	require.NoError(t, os.WriteFile(path, []byte("before the process\n"), 0o644))

	first := NewOpener()
	f1, err := first.OpenFile(path, &FileOptions{Mode: "w"})
	require.NoError(t, err)
	assert.Equal(t, "before the process\n", fhReadString(t, path), "not before Commit")
	_, err = f1.Write([]byte("too early\n"))
	assert.Error(t, err, "a handle takes no record before its Opener commits")
	require.NoError(t, first.Commit())
	assert.Empty(t, fhReadString(t, path))
	require.Error(t, first.Commit(), "one Commit only")
	require.NoError(t, first.Abort(), "Abort after Commit does nothing")
	_, err = f1.Write([]byte("one\n"))
	require.NoError(t, err)

	second := NewOpener()
	f2, err := second.OpenFile(path, &FileOptions{Mode: "w"})
	require.NoError(t, err)
	w2, err := second.OpenWatched(path, &WatchedOptions{Mode: "w"})
	require.NoError(t, err)
	require.NoError(t, second.Commit())
	require.NoError(t, f1.Close())
	_, err = f2.Write([]byte("two\n"))
	require.NoError(t, err)
	_, err = w2.Write([]byte("three\n"))
	require.NoError(t, err)
	assert.Equal(t, "one\ntwo\nthree\n", fhReadString(t, path), "a kept file is not truncated again")
	require.NoError(t, f2.Close())
	require.NoError(t, w2.Close())
}

// A delayed mode "w" handle truncates at its first write, when the process
// has the path open nowhere else, and not when it shares an open file.
func TestOpenerDelayedTruncatesAtFirstWrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	alone, shared := filepath.Join(dir, "alone.log"), filepath.Join(dir, "shared.log")
	for _, p := range []string{alone, shared} {
		require.NoError(t, os.WriteFile(p, []byte("old\n"), 0o644))
	}
	holder, err := OpenFile(shared, nil)
	require.NoError(t, err)
	defer holder.Close()
	o := NewOpener()
	a, err := o.OpenFile(alone, &FileOptions{Mode: "w", Delay: true})
	require.NoError(t, err)
	defer a.Close()
	s, err := o.OpenFile(shared, &FileOptions{Mode: "w", Delay: true})
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, o.Commit())
	assert.Equal(t, "old\n", fhReadString(t, alone), "not before the first write")
	for _, f := range []*File{a, s} {
		_, err := f.Write([]byte("new\n"))
		require.NoError(t, err)
	}
	assert.Equal(t, "new\n", fhReadString(t, alone))
	assert.Equal(t, "old\nnew\n", fhReadString(t, shared))
}

// Mode "x" fails at the open when the file exists.
func TestOpenerExclusive(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "x.log")
	require.NoError(t, os.WriteFile(path, nil, 0o644))
	o := NewOpener()
	_, err := o.OpenFile(path, &FileOptions{Mode: "x"})
	require.ErrorIs(t, err, fs.ErrExist)
	require.NoError(t, o.Abort())
	assert.FileExists(t, path)
}

// An Opener never rotates: not a file already past the limit of the
// handle it opens, and not on abort; the settings apply from the first
// write after Commit, with lumberjack's rule for a file it opens.
func TestOpenerRotatesNothingBeforeCommit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "big.log")
	big := bytes.Repeat([]byte("b"), 2*megabyte)
	require.NoError(t, os.WriteFile(path, big, 0o644))
	before := fhSnapshot(t, dir, true)

	o := NewOpener()
	f, err := o.OpenRotating(path, &RotatingOptions{MaxSizeMB: 1})
	require.NoError(t, err)
	require.Error(t, f.Rotate(), "no rotation before Commit")
	require.NoError(t, o.Abort())
	assert.Equal(t, before, fhSnapshot(t, dir, true))

	o = NewOpener()
	f, err = o.OpenRotating(path, &RotatingOptions{MaxSizeMB: 1})
	require.NoError(t, err)
	defer f.Close()
	require.NoError(t, o.Commit())
	assert.Equal(t, before, fhSnapshot(t, dir, true), "Commit rotates nothing either")
	_, err = f.Write([]byte("first\n"))
	require.NoError(t, err)
	backups := fhBackups(t, dir, "big.log")
	require.Len(t, backups, 1, "the first write rotates the file past the limit")
	assert.Equal(t, big, []byte(fhReadString(t, backups[0])))
	assert.Equal(t, "first\n", fhReadString(t, path))
}

// A live rotating file keeps its settings while an Opener with others
// opens it and aborts; committed, the others apply from the next write,
// and when their handle closes, the live settings are back.
func TestOpenerSettingsApplyAtCommit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "s.log")
	live, err := OpenRotating(path, &RotatingOptions{MaxSizeMB: 2})
	require.NoError(t, err)
	defer live.Close()
	line := append(bytes.Repeat([]byte("l"), 1023), '\n')
	writeMiB := func(f *RotatingFile, mib float64) {
		t.Helper()
		for range int(mib * 1024) {
			_, err := f.Write(line)
			require.NoError(t, err)
		}
	}
	writeMiB(live, 1.5)

	o := NewOpener()
	_, err = o.OpenRotating(path, &RotatingOptions{MaxSizeMB: 1})
	require.NoError(t, err)
	require.NoError(t, o.Abort())
	writeMiB(live, 0.25)
	assert.Empty(t, fhBackups(t, dir, "s.log"), "1.75 MiB: under the live limit of 2 MiB")

	o = NewOpener()
	smaller, err := o.OpenRotating(path, &RotatingOptions{MaxSizeMB: 1})
	require.NoError(t, err)
	require.NoError(t, o.Commit())
	_, err = live.Write(line)
	require.NoError(t, err)
	require.Len(t, fhBackups(t, dir, "s.log"), 1, "the committed 1 MiB limit applies from the next write, whoever makes it")

	require.NoError(t, smaller.Close())
	writeMiB(live, 1.5)
	assert.Len(t, fhBackups(t, dir, "s.log"), 1, "back to the live 2 MiB")
}

// Within one Opener, handles on one path must agree on rotation and
// permission; different Openers may differ, the last commit deciding.
func TestOpenerRefusesConflictingHandles(t *testing.T) {
	t.Parallel()
	clock := newFHClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	other := newFHClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	type opener func(o *Opener, path string) error
	rotating := func(opts RotatingOptions) opener {
		return func(o *Opener, path string) error { _, err := o.OpenRotating(path, &opts); return err }
	}
	timed := func(opts TimedRotatingOptions) opener {
		return func(o *Opener, path string) error {
			if opts.Clock == nil {
				opts.Clock = clock
			}
			_, err := o.OpenTimedRotating(path, &opts)
			return err
		}
	}
	file := func(opts FileOptions) opener {
		return func(o *Opener, path string) error { _, err := o.OpenFile(path, &opts); return err }
	}
	watched := func(opts WatchedOptions) opener {
		return func(o *Opener, path string) error { _, err := o.OpenWatched(path, &opts); return err }
	}
	tests := []struct {
		name        string
		first, then opener
		want        string // in the error; "" for none
	}{
		{"size", rotating(RotatingOptions{MaxSizeMB: 1}), rotating(RotatingOptions{MaxSizeMB: 2}), "size limit 2 MiB, where another handle of this configuration on the file has 1 MiB"},
		{"default size", rotating(RotatingOptions{}), rotating(RotatingOptions{MaxSizeMB: 100}), ""},
		{"backups", rotating(RotatingOptions{MaxBackups: 1}), rotating(RotatingOptions{MaxBackups: 2}), "maxBackups"},
		{"age", rotating(RotatingOptions{MaxAgeDays: 1}), rotating(RotatingOptions{}), "maxAgeDays"},
		{"compress", rotating(RotatingOptions{}), rotating(RotatingOptions{Compress: true}), "compress"},
		{"local time", timed(TimedRotatingOptions{LocalTime: true}), timed(TimedRotatingOptions{}), "localTime"},
		{"size and time", rotating(RotatingOptions{}), timed(TimedRotatingOptions{}), "size limit none, where another handle of this configuration on the file has 100 MiB"},
		{"schedule", timed(TimedRotatingOptions{When: "H"}), timed(TimedRotatingOptions{When: "M"}), "schedule"},
		{"interval", timed(TimedRotatingOptions{When: "H"}), timed(TimedRotatingOptions{When: "H", Interval: 2}), "schedule"},
		{"clock", timed(TimedRotatingOptions{}), timed(TimedRotatingOptions{Clock: other}), "the Clock of the schedule differs"},
		{"same schedule", timed(TimedRotatingOptions{When: "midnight"}), timed(TimedRotatingOptions{When: "MIDNIGHT", Terminator: ";"}), ""},
		{"permission", file(FileOptions{Perm: 0o600}), watched(WatchedOptions{}), "permission 0644, where another handle of this configuration on the file has 0600"},
		{"rotating permission", rotating(RotatingOptions{}), rotating(RotatingOptions{Perm: 0o640}), "permission"},
		{"file and rotating", file(FileOptions{Mode: "w"}), rotating(RotatingOptions{MaxBackups: 3}), ""},
		{"rotating and watched", timed(TimedRotatingOptions{}), watched(WatchedOptions{Delay: true}), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "c.log")
			o := NewOpener()
			defer o.Abort()
			require.NoError(t, tt.first(o, path))
			err := tt.then(o, path)
			if tt.want == "" {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, ErrConflict)
				assert.Contains(t, err.Error(), tt.want)
				assert.Contains(t, err.Error(), path)
			}
			// Another Opener may differ.
			o2 := NewOpener()
			defer o2.Abort()
			require.NoError(t, tt.then(o2, path))
		})
	}
}

// Writes and rotations through a handle whose Opener has not committed
// fail and change nothing; Open after Commit fails.
func TestOpenerHandlesWaitForCommit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o := NewOpener()
	rot, err := o.OpenRotating(filepath.Join(dir, "r.log"), nil)
	require.NoError(t, err)
	w, err := o.OpenWatched(filepath.Join(dir, "w.log"), nil)
	require.NoError(t, err)
	for _, write := range []func() error{
		func() error { _, err := rot.Write([]byte("x\n")); return err },
		rot.Rotate,
		func() error { _, err := w.Write([]byte("x\n")); return err },
	} {
		assert.ErrorIs(t, write(), errPending)
	}
	require.NoError(t, o.Commit())
	_, err = o.OpenFile(filepath.Join(dir, "late.log"), nil)
	assert.True(t, errors.Is(err, errCommitted), "got %v", err)
	_, err = rot.Write([]byte("x\n"))
	require.NoError(t, err)
	require.NoError(t, rot.Close())
	require.NoError(t, w.Close())
	_, err = rot.Write([]byte("x\n"))
	assert.ErrorIs(t, err, ErrClosed)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, "r.log w.log", strings.Join(names, " "))
}

// TestOpenerCreatesNothingOnAPathOthersHoldDelayed checks the case where a
// live handle holds a path with Delay and has not written (so the file
// does not exist): an Opener's handle without Delay on that path checks it
// but does not create the file, so that aborting leaves nothing behind;
// committed, the file is made by the first write.
func TestOpenerCreatesNothingOnAPathOthersHoldDelayed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "late.log")
	live, err := OpenFile(path, &FileOptions{Delay: true})
	require.NoError(t, err)
	defer live.Close()

	o := NewOpener()
	_, err = o.OpenFile(path, nil)
	require.NoError(t, err)
	assert.NoFileExists(t, path, "the Opener created the file")
	require.NoError(t, o.Abort())
	assert.NoFileExists(t, path, "an aborted Opener left the file behind")

	o = NewOpener()
	_, err = o.OpenFile(filepath.Join(dir, "missing", "x.log"), nil)
	assert.Error(t, err, "a path that cannot be opened still fails at open")
	require.NoError(t, o.Abort())

	o = NewOpener()
	g, err := o.OpenFile(path, nil)
	require.NoError(t, err)
	require.NoError(t, o.Commit())
	_, err = g.Write([]byte("first\n"))
	require.NoError(t, err)
	_, err = live.Write([]byte("second\n"))
	require.NoError(t, err)
	require.NoError(t, g.Close())
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "first\nsecond\n", string(got))
}
