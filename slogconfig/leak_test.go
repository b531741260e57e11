package slogconfig

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// leakFDs returns the open file descriptors of the process: descriptor
// number to what it refers to.
func leakFDs(t *testing.T) map[int]string {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	fds := make(map[int]string, len(ents))
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		target, err := os.Readlink("/proc/self/fd/" + e.Name())
		if err != nil {
			continue // the descriptor ReadDir used, closed since
		}
		fds[fd] = target
	}
	return fds
}

// leakOpenIn returns the base names of the files under dir the process
// has open, sorted, and the descriptor of each.
func leakOpenIn(t *testing.T, dir string) ([]string, map[string]int) {
	t.Helper()
	byName := map[string]int{}
	for fd, target := range leakFDs(t) {
		if strings.HasPrefix(target, dir+string(filepath.Separator)) {
			byName[filepath.Base(target)] = fd
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, byName
}

// leakSettle polls cond until it holds, for at most a few seconds: what a
// Manager closes it closes before returning, but the runtime may take a
// moment to retire goroutines other tests left behind.
func leakSettle(cond func() bool) bool {
	for range 500 {
		if cond() {
			return true
		}
		runtime.Gosched()
		time.Sleep(5 * time.Millisecond)
	}
	return cond()
}

// TestNoLeakAfterReconfigurations applies 1,000 configurations with file
// handlers: two files every configuration keeps (one in mode "a", one in
// mode "w"), one that alternates between two names, and one with a new
// name each time, the last two left out of every tenth configuration. A
// record is logged after each. Files no longer used must be closed at once,
// kept files must stay open on the same descriptor and keep every record,
// and after Shutdown the descriptors and goroutines are back to where they
// were.
//
// Files no longer used are closed once the configuration that used them is
// retired, which happens in the background: the test waits for that
// before it looks.
//
// Not parallel: it counts the descriptors and goroutines of the process.
func TestNoLeakAfterReconfigurations(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("no /proc/self/fd on this system")
	}
	dir, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	// Warm up what the runtime opens once for good (the poller).
	f, err := os.Create(filepath.Join(dir, "warmup"))
	require.NoError(t, err)
	require.NoError(t, f.Close())
	fds0 := len(leakFDs(t))
	goroutines := goleak.IgnoreCurrent()

	const reconfigs = 1000
	var errs []error
	m := New(WithRegistry(NewRegistry()), WithErrorHandler(func(err error) { errs = append(errs, err) }))
	path := func(name string) string { return filepath.Join(dir, name) }
	keepFD := -1
	for i := range reconfigs {
		partial := i%10 == 9
		hs := map[string]any{
			"keep":  map[string]any{"class": "logging.FileHandler", "filename": path("keep.log"), "formatter": "f"},
			"keepw": map[string]any{"class": "file", "filename": path("keepw.log"), "mode": "w", "formatter": "f"},
		}
		root := []any{"keep", "keepw"}
		want := []string{"keep.log", "keepw.log"}
		if !partial {
			alt := fmt.Sprintf("alt-%d.log", i%2)
			fresh := fmt.Sprintf("fresh-%d.log", i)
			hs["alt"] = map[string]any{"class": "file", "filename": path(alt), "formatter": "f"}
			hs["fresh"] = map[string]any{"class": "file", "filename": path(fresh), "formatter": "f"}
			root = append(root, "alt", "fresh")
			want = append(want, alt, fresh)
			slices.Sort(want)
		}
		require.NoError(t, m.DictConfig(map[string]any{
			"version":                  1,
			"disable_existing_loggers": false,
			"formatters":               map[string]any{"f": map[string]any{"format": "%(name)s %(message)s"}},
			"handlers":                 hs,
			"root":                     map[string]any{"level": "INFO", "handlers": root},
		}), "configuration %d", i)
		require.NoError(t, m.waitRetired(context.Background()))

		open, fdOf := leakOpenIn(t, dir)
		require.Equal(t, want, open, "files open after configuration %d", i)
		if keepFD < 0 {
			keepFD = fdOf["keep.log"]
		}
		require.Equal(t, keepFD, fdOf["keep.log"], "descriptor of the kept file after configuration %d", i)

		m.Logger("app").Info(fmt.Sprintf("rec %d", i))
	}
	require.NoError(t, m.Shutdown())
	assert.Empty(t, errs, "handler errors")

	open, _ := leakOpenIn(t, dir)
	assert.Empty(t, open, "files open after Shutdown")
	assert.True(t, leakSettle(func() bool { return len(leakFDs(t)) <= fds0 }),
		"open descriptors: %d before, %d after Shutdown", fds0, len(leakFDs(t)))
	goleak.VerifyNone(t, goroutines, goleakLumberjack)

	var all, even, odd strings.Builder
	for i := range reconfigs {
		line := fmt.Sprintf("app rec %d\n", i)
		all.WriteString(line)
		switch {
		case i%10 == 9:
			_, err := os.Stat(path(fmt.Sprintf("fresh-%d.log", i)))
			assert.ErrorIs(t, err, os.ErrNotExist, "fresh file of configuration %d, which has none", i)
		case i%2 == 0:
			even.WriteString(line)
		default:
			odd.WriteString(line)
		}
		if i%10 != 9 {
			leakAssertFile(t, path(fmt.Sprintf("fresh-%d.log", i)), line)
		}
	}
	leakAssertFile(t, path("keep.log"), all.String())
	leakAssertFile(t, path("keepw.log"), all.String())
	leakAssertFile(t, path("alt-0.log"), even.String())
	leakAssertFile(t, path("alt-1.log"), odd.String())
}

func leakAssertFile(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if assert.NoError(t, err) {
		assert.Equal(t, want, string(got), "content of %s", filepath.Base(path))
	}
}
