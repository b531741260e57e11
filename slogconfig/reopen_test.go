package slogconfig

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reopenConfig is a configuration with a file handler on plain and a
// rotating file handler (that does not reach its limit) on rot, both at
// the root, writing the message alone.
func reopenConfig(t *testing.T, plain, rot string) map[string]any {
	return jsonConfig(t, fmt.Sprintf(`{"version": 1,
		"formatters": {"m": {"format": "%%(message)s"}},
		"handlers": {
			"f": {"class": "file", "filename": %s, "formatter": "m"},
			"r": {"class": "rotating_file", "filename": %s, "formatter": "m", "maxBytes": 1073741824, "backupCount": 3}
		},
		"root": {"level": "DEBUG", "handlers": ["f", "r"]}}`, jsonQuote(plain), jsonQuote(rot)))
}

// readLines returns the lines of the file at path, none when it is missing.
func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	return splitLines(string(b))
}

// Reopen while four goroutines log through a file handler and a rotating
// file handler, their files renamed away before each Reopen, as logrotate
// does: every record is in the renamed files or the new ones, whole and
// once, in each handler's files.
func TestReopenWhileLogging(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	dir := t.TempDir()
	plain, rot := filepath.Join(dir, "plain.log"), filepath.Join(dir, "rot.log")
	e.config(t, reopenConfig(t, plain, rot))

	// The goroutines log until told to stop, and each reopen waits for
	// records logged since the last one: every file gets records, however
	// the goroutines are scheduled.
	const goroutines, between, reopens = 4, 500, 3
	var logged atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	counts := make([]int, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := e.Logger(fmt.Sprintf("app.g%d", g))
			for i := 0; ; i++ {
				select {
				case <-stop:
					counts[g] = i
					return
				default:
				}
				l.Info(fmt.Sprintf("record %d-%d", g, i))
				logged.Add(1)
			}
		}()
	}
	waitFor := func(n int64) {
		for logged.Load() < n {
			runtime.Gosched()
		}
	}
	for r := range reopens {
		waitFor(logged.Load() + between)
		for _, p := range []string{plain, rot} {
			require.NoError(t, os.Rename(p, fmt.Sprintf("%s.%d", p, r)))
		}
		require.NoError(t, e.Reopen())
		// Records that were being written as the files moved may still
		// land in the old ones; records logged from now on go to the new.
	}
	waitFor(logged.Load() + between)
	close(stop)
	wg.Wait()
	total := 0
	for _, n := range counts {
		total += n
	}

	for _, p := range []string{plain, rot} {
		seen := map[string]int{}
		lines := readLines(t, p)
		for r := range reopens {
			old := readLines(t, fmt.Sprintf("%s.%d", p, r))
			assert.NotEmpty(t, old, "%s.%d: records written before reopen %d", p, r, r)
			lines = append(lines, old...)
		}
		for _, line := range lines {
			var g, i int
			_, err := fmt.Sscanf(line, "record %d-%d", &g, &i)
			require.NoError(t, err, "%s: line %q is whole", p, line)
			require.Equal(t, fmt.Sprintf("record %d-%d", g, i), line)
			seen[line]++
		}
		assert.Len(t, seen, total, "%s: every record", p)
		for line, n := range seen {
			if n != 1 {
				t.Errorf("%s: %q written %d times", p, line, n)
			}
		}
		assert.NotEmpty(t, readLines(t, p), "%s: records after the last reopen", p)
	}
	assert.Empty(t, e.reported())
}

// Reopen when a file's directory was removed reports and returns an error
// naming the file; that file keeps its descriptor, so the records logged
// next are written (to the file that lost its name), and the other files
// are reopened. Once the directory is back, Reopen moves to a new file.
func TestReopenDirectoryRemoved(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	base := t.TempDir()
	logs := filepath.Join(base, "logs")
	require.NoError(t, os.Mkdir(logs, 0o755))
	plain, rot := filepath.Join(logs, "plain.log"), filepath.Join(base, "rot.log")
	e.config(t, reopenConfig(t, plain, rot))
	root := e.Logger("")
	root.Info("one")
	held, err := os.Open(plain)
	require.NoError(t, err)
	defer held.Close()

	require.NoError(t, os.RemoveAll(logs))
	require.NoError(t, os.Rename(rot, rot+".1"))
	err = e.Reopen()
	require.Error(t, err)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.Contains(t, err.Error(), plain)
	assert.NotContains(t, err.Error(), rot)
	reported := e.reported()
	require.Len(t, reported, 1)
	assert.Equal(t, err.Error(), reported[0].Error())

	root.Info("two")
	assert.Empty(t, e.handlerErrors(), "the records are written")
	got, err := io.ReadAll(held)
	require.NoError(t, err)
	assert.Equal(t, "one\ntwo\n", string(got), "the removed file got the record")
	assert.Equal(t, []string{"one"}, readLines(t, rot+".1"))
	assert.Equal(t, []string{"two"}, readLines(t, rot), "the other file was reopened")

	require.NoError(t, os.Mkdir(logs, 0o755))
	require.NoError(t, e.Reopen())
	root.Info("three")
	assert.Equal(t, []string{"three"}, readLines(t, plain))
	assert.Empty(t, e.reported())
}

// Reopen reaches every handler the running configuration uses, including
// one an earlier configuration built that a logger the new one does not
// name still uses, and handlers on no logger at all.
func TestReopenReachesEveryLiveHandler(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	dir := t.TempDir()
	old, cur, idle := filepath.Join(dir, "old.log"), filepath.Join(dir, "cur.log"), filepath.Join(dir, "idle.log")
	e.config(t, jsonConfig(t, fmt.Sprintf(`{"version": 1,
		"formatters": {"m": {"format": "%%(message)s"}},
		"handlers": {"h": {"class": "file", "filename": %s, "formatter": "m"}},
		"loggers": {"app": {"level": "INFO", "handlers": ["h"], "propagate": false}}}`, jsonQuote(old))))
	e.config(t, jsonConfig(t, fmt.Sprintf(`{"version": 1, "disable_existing_loggers": false,
		"formatters": {"m": {"format": "%%(message)s"}},
		"handlers": {
			"h": {"class": "watched_file", "filename": %s, "formatter": "m"},
			"idle": {"class": "file", "filename": %s}
		},
		"root": {"level": "INFO", "handlers": ["h"]}}`, jsonQuote(cur), jsonQuote(idle))))
	e.Logger("app").Info("app before")
	e.Logger("").Info("root before")
	for _, p := range []string{old, cur, idle} {
		require.NoError(t, os.Rename(p, p+".1"))
	}
	require.NoError(t, e.Reopen())
	e.Logger("app").Info("app after")
	e.Logger("").Info("root after")
	assert.Equal(t, []string{"app before"}, readLines(t, old+".1"))
	assert.Equal(t, []string{"app after"}, readLines(t, old))
	assert.Equal(t, []string{"root before"}, readLines(t, cur+".1"))
	assert.Equal(t, []string{"root after"}, readLines(t, cur))
	assert.FileExists(t, idle, "the handler on no logger is reopened too")

	// After Shutdown there is nothing left to reopen.
	require.NoError(t, e.Shutdown())
	require.NoError(t, os.Remove(cur))
	require.NoError(t, e.Reopen())
	assert.NoFileExists(t, cur)
	assert.Empty(t, e.reported())
}

// Reopen is serialised with configurations: run side by side with
// reconfigurations that swap files, it never races them, and the files of
// the configuration in force end up open at their paths.
func TestReopenBesideConfigurations(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	dir := t.TempDir()
	cfgs := []map[string]any{
		reopenConfig(t, filepath.Join(dir, "a.log"), filepath.Join(dir, "b.log")),
		reopenConfig(t, filepath.Join(dir, "c.log"), filepath.Join(dir, "b.log")),
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := range 50 {
			assert.NoError(t, e.DictConfig(cfgs[i%2]))
		}
	}()
	go func() {
		defer wg.Done()
		for range 50 {
			assert.NoError(t, e.Reopen())
		}
	}()
	wg.Wait()
	e.Logger("").Info("last")
	for _, name := range []string{"c.log", "b.log"} {
		lines := readLines(t, filepath.Join(dir, name))
		require.NotEmpty(t, lines, name)
		assert.Equal(t, "last", lines[len(lines)-1], name)
	}
	assert.Empty(t, e.reported())
}
