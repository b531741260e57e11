package slogconfig

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// watchWait bounds every wait for a Watcher to react: generous, since the
// machine may be busy; a working Watcher takes a few quiet periods.
const watchWait = 20 * time.Second

// watchCfg is a JSON configuration whose root handler writes to sink
// ext://out.SINK with the format "TAG %(message)s", TAG telling the
// configurations apart.
func watchCfg(sink, tag string) string {
	return fmt.Sprintf(`{"version": 1,
	"formatters": {"f": {"format": "%s %%(message)s"}},
	"handlers": {"h": {"class": "stream", "stream": "ext://out.%s", "formatter": "f"}},
	"root": {"level": "INFO", "handlers": ["h"]}}`, tag, sink)
}

// watchProbe records what a Watcher does, through its trace.
type watchProbe struct {
	mu       sync.Mutex
	outcomes []watchOutcome
	taken    int               // outcomes[:taken] were awaited
	events   map[string][]bool // event name -> relevant, each time
}

func (p *watchProbe) option() WatchOption {
	return watchTraced(&watchTrace{
		event: func(ev fsnotify.Event, relevant bool) {
			p.mu.Lock()
			defer p.mu.Unlock()
			if p.events == nil {
				p.events = map[string][]bool{}
			}
			p.events[ev.Name] = append(p.events[ev.Name], relevant)
		},
		check: func(o watchOutcome) {
			p.mu.Lock()
			defer p.mu.Unlock()
			p.outcomes = append(p.outcomes, o)
		},
	})
}

// await waits for the next outcome equal to want and returns the
// outcomes that came before it since the last await.
func (p *watchProbe) await(t *testing.T, want watchOutcome) []watchOutcome {
	t.Helper()
	var skipped []watchOutcome
	require.Eventually(t, func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		for i := p.taken; i < len(p.outcomes); i++ {
			if p.outcomes[i] == want {
				skipped = slices.Clone(p.outcomes[p.taken:i])
				p.taken = i + 1
				return true
			}
		}
		return false
	}, watchWait, 5*time.Millisecond, "waiting for the Watcher to read the file (%v)", want)
	return skipped
}

// pending returns the outcomes not awaited yet.
func (p *watchProbe) pending() []watchOutcome {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.outcomes[p.taken:])
}

// awaitEvent waits until the Watcher has taken an event on name, and
// returns whether each event on name was found relevant.
func (p *watchProbe) awaitEvent(t *testing.T, name string) []bool {
	t.Helper()
	var got []bool
	require.Eventually(t, func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		got = slices.Clone(p.events[name])
		return len(got) > 0
	}, watchWait, 5*time.Millisecond, "waiting for an event on %s", name)
	return got
}

// watchEnv is a testEnv with a Watcher on a configuration file.
type watchEnv struct {
	*testEnv
	dir, path string
	w         *Watcher
	probe     *watchProbe
}

// newWatchEnv writes content to dir/name (dir a new temporary directory
// unless given) and watches it with opts.
func newWatchEnv(t *testing.T, name, content string, opts ...WatchOption) *watchEnv {
	t.Helper()
	e := &watchEnv{testEnv: newTestEnv(t, "a", "b"), dir: t.TempDir(), probe: &watchProbe{}}
	e.path = filepath.Join(e.dir, name)
	require.NoError(t, os.WriteFile(e.path, []byte(content), 0o644))
	e.watch(t, opts...)
	return e
}

func (e *watchEnv) watch(t *testing.T, opts ...WatchOption) {
	t.Helper()
	w, err := e.Watch(e.path, append([]WatchOption{e.probe.option()}, opts...)...)
	require.NoError(t, err)
	e.w = w
	t.Cleanup(func() { assert.NoError(t, w.Close()) })
	assert.Equal(t, []watchOutcome{watchApplied}, e.probe.pending(), "applied at start")
	e.probe.await(t, watchApplied)
}

// logs logs msg at the root and returns what each sink got.
func (e *watchEnv) logs(msg string) map[string]string {
	e.takeAll()
	e.Logger("").Info(msg)
	return e.takeAll()
}

// writeAtomic writes content to a temporary file beside path and renames
// it over path, as editors and deployment tools do.
func writeAtomic(t *testing.T, path, content string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	require.NoError(t, os.WriteFile(tmp, []byte(content), 0o644))
	require.NoError(t, os.Rename(tmp, path))
}

// Watch applies the file before it returns; a file that cannot be applied
// is Watch's error, naming the file, and nothing is watched or changed.
func TestWatchStart(t *testing.T) {
	t.Parallel()
	e := newWatchEnv(t, "logging.json", watchCfg("a", "one"))
	assert.Equal(t, map[string]string{"a": "one hello\n"}, e.logs("hello"))
	assert.NoError(t, e.w.Err())
	assert.False(t, e.w.LastReload().IsZero())
	assert.Equal(t, e.path, e.w.Path())
	assert.Equal(t, int64(1), e.w.applies.Load())

	dir := t.TempDir()
	for _, tt := range []struct {
		name, file, content string
		opts                []WatchOption
		want                string // in the error
		wantIs              error
	}{
		{name: "invalid JSON", file: "bad.json", content: "{", want: "invalid JSON"},
		{name: "refused", file: "refused.json", content: `{"version": 1, "root": {"level": "LOUD"}}`, want: `root.level: unknown level: "LOUD"`},
		{name: "missing", file: "missing.json", wantIs: fs.ErrNotExist},
		{name: "format", file: "logging.txt", content: "{}", want: `unknown configuration format ".txt"`},
		{name: "debounce", file: "ok.json", content: watchCfg("b", "x"), opts: []WatchOption{Debounce(-1)}, want: "Debounce -1ns"},
		{name: "poll", file: "ok.json", content: watchCfg("b", "x"), opts: []WatchOption{PollInterval(-time.Second)}, want: "PollInterval -1s"},
		{name: "signal", file: "ok.json", content: watchCfg("b", "x"), opts: []WatchOption{ReloadOnSignal()}, want: "no signal given"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.file)
			if tt.content != "" {
				require.NoError(t, os.WriteFile(path, []byte(tt.content), 0o644))
			}
			w, err := e.Watch(path, tt.opts...)
			require.Error(t, err)
			assert.Nil(t, w)
			assert.Contains(t, err.Error(), path)
			if tt.want != "" {
				assert.Contains(t, err.Error(), tt.want)
			}
			if tt.wantIs != nil {
				assert.ErrorIs(t, err, tt.wantIs)
			}
			assert.Equal(t, map[string]string{"a": "one still\n"}, e.logs("still"), "the configuration in force stays")
		})
	}
	assert.Empty(t, e.reported(), "Watch returns its error; it does not report it")
}

// The ways a file changes: written in place, replaced by a rename, removed
// and created again. Each is applied.
func TestWatchChanges(t *testing.T) {
	t.Parallel()
	e := newWatchEnv(t, "logging.json", watchCfg("a", "start"))

	t.Run("write in place", func(t *testing.T) {
		require.NoError(t, os.WriteFile(e.path, []byte(watchCfg("b", "inplace")), 0o644))
		e.probe.await(t, watchApplied)
		assert.Equal(t, map[string]string{"b": "inplace m\n"}, e.logs("m"))
	})
	t.Run("rename over", func(t *testing.T) {
		writeAtomic(t, e.path, watchCfg("a", "renamed"))
		e.probe.await(t, watchApplied)
		assert.Equal(t, map[string]string{"a": "renamed m\n"}, e.logs("m"))
	})
	t.Run("remove then create", func(t *testing.T) {
		require.NoError(t, os.Remove(e.path))
		e.probe.await(t, watchReadFailed)
		err := e.w.Err()
		var we *WatchError
		require.ErrorAs(t, err, &we)
		assert.Equal(t, e.path, we.Path)
		assert.ErrorIs(t, err, fs.ErrNotExist)
		assert.Equal(t, map[string]string{"a": "renamed still\n"}, e.logs("still"), "the configuration in force stays")
		if runtime.GOOS != "windows" {
			// Changes while the file is missing: reported once.
			require.NoError(t, os.Symlink("nowhere.json", e.path))
			e.probe.await(t, watchReadFailed)
			require.NoError(t, os.Remove(e.path))
			e.probe.await(t, watchReadFailed)
		}

		require.NoError(t, os.WriteFile(e.path, []byte(watchCfg("b", "created")), 0o644))
		e.probe.await(t, watchApplied)
		assert.NoError(t, e.w.Err())
		assert.Equal(t, map[string]string{"b": "created m\n"}, e.logs("m"))
	})
	assert.Equal(t, int64(4), e.w.applies.Load(), "one reload per change")
	// The missing file is reported once. (A file read while it was half
	// written, had the machine stalled for a quiet period in the middle
	// of a write, would be reported as refused, then applied.)
	missing := 0
	for _, err := range e.reported() {
		if errors.Is(err, fs.ErrNotExist) {
			missing++
		} else {
			assert.ErrorContains(t, err, "invalid JSON")
		}
	}
	assert.Equal(t, 1, missing)
}

// kubeletUpdate lays out a ConfigMap volume in dir as the kubelet does: the
// files in a new timestamped directory, a ..data_tmp link to it renamed
// over ..data at once, then the previous timestamped directory removed.
// The first call also links each name to ..data/name.
func kubeletUpdate(t *testing.T, dir, stamp string, files map[string]string) {
	t.Helper()
	ts := filepath.Join(dir, stamp)
	require.NoError(t, os.Mkdir(ts, 0o755))
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(ts, name), []byte(content), 0o644))
	}
	data := filepath.Join(dir, "..data")
	prev, err := os.Readlink(data)
	first := errors.Is(err, fs.ErrNotExist)
	require.True(t, err == nil || first, "%v", err)
	require.NoError(t, os.Symlink(stamp, filepath.Join(dir, "..data_tmp")))
	require.NoError(t, os.Rename(filepath.Join(dir, "..data_tmp"), data))
	if first {
		for name := range files {
			require.NoError(t, os.Symlink(filepath.Join("..data", name), filepath.Join(dir, name)))
		}
		return
	}
	require.NoError(t, os.RemoveAll(filepath.Join(dir, prev)))
}

// A Kubernetes ConfigMap update (the ..data link swapped to a new
// timestamped directory) is one reload; an update to the same content is
// none.
func TestWatchConfigMapUpdate(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	e := &watchEnv{testEnv: newTestEnv(t, "a", "b"), dir: t.TempDir(), probe: &watchProbe{}}
	e.path = filepath.Join(e.dir, "logging.json")
	kubeletUpdate(t, e.dir, "..2026_11_29_10_00_00.123456789", map[string]string{"logging.json": watchCfg("a", "v1")})
	e.watch(t)
	assert.Equal(t, map[string]string{"a": "v1 m\n"}, e.logs("m"))

	kubeletUpdate(t, e.dir, "..2026_11_29_10_05_00.987654321", map[string]string{"logging.json": watchCfg("b", "v2")})
	assert.Empty(t, e.probe.await(t, watchApplied))
	assert.Equal(t, map[string]string{"b": "v2 m\n"}, e.logs("m"))
	assert.Contains(t, e.probe.awaitEvent(t, filepath.Join(e.dir, "..data")), true, "..data matters")
	assert.NotContains(t, e.probe.awaitEvent(t, filepath.Join(e.dir, "..data_tmp")), true, "..data_tmp does not")

	kubeletUpdate(t, e.dir, "..2026_11_29_10_10_00.000000001", map[string]string{"logging.json": watchCfg("b", "v2")})
	e.probe.await(t, watchUnchanged)
	assert.Equal(t, int64(2), e.w.applies.Load(), "the same content is not applied again")
	assert.Equal(t, map[string]string{"b": "v2 m\n"}, e.logs("m"))
	assert.Empty(t, e.reported())
}

// A link to a file in another directory is followed: a write to the file
// it names, and the link pointed at another file, are applied.
func TestWatchLinkElsewhere(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	e := &watchEnv{testEnv: newTestEnv(t, "a", "b"), dir: t.TempDir(), probe: &watchProbe{}}
	shared := t.TempDir()
	one, two := filepath.Join(shared, "one.json"), filepath.Join(shared, "two.json")
	require.NoError(t, os.WriteFile(one, []byte(watchCfg("a", "one")), 0o644))
	require.NoError(t, os.WriteFile(two, []byte(watchCfg("b", "two")), 0o644))
	e.path = filepath.Join(e.dir, "logging.json")
	require.NoError(t, os.Symlink(one, e.path))
	e.watch(t)
	assert.ElementsMatch(t, []string{e.dir, shared}, e.w.fsw.WatchList())

	writeAtomic(t, one, watchCfg("a", "edited"))
	e.probe.await(t, watchApplied)
	assert.Equal(t, map[string]string{"a": "edited m\n"}, e.logs("m"))

	tmp := filepath.Join(e.dir, "link.tmp")
	require.NoError(t, os.Symlink(two, tmp))
	require.NoError(t, os.Rename(tmp, e.path))
	e.probe.await(t, watchApplied)
	assert.Equal(t, map[string]string{"b": "two m\n"}, e.logs("m"))
	assert.Empty(t, e.reported())
}

// watchFakeClock is a clock that moves only when told to.
type watchFakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []watchFakeWait
}

type watchFakeWait struct {
	at time.Time
	c  chan time.Time
}

func (c *watchFakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *watchFakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waits = append(c.waits, watchFakeWait{at: c.now.Add(d), c: ch})
	return ch
}

// advance moves the clock by d, firing what falls due.
func (c *watchFakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.waits = slices.DeleteFunc(c.waits, func(w watchFakeWait) bool {
		if w.at.After(c.now) {
			return false
		}
		w.c <- c.now
		return true
	})
}

// Ten writes in 50ms are one reload, of the last content, once the quiet
// period has passed: the quiet period runs on a clock that moves only when
// the test says, after the Watcher has taken every event of the burst.
func TestWatchDebounce(t *testing.T) {
	t.Parallel()
	clock := &watchFakeClock{now: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)}
	e := newWatchEnv(t, "logging.json", watchCfg("a", "start"), watchClock(clock), Debounce(100*time.Millisecond))
	assert.Equal(t, clock.now, e.w.LastReload())

	for i := range 10 {
		require.NoError(t, os.WriteFile(e.path, []byte(watchCfg("a", fmt.Sprint(i))), 0o644))
		time.Sleep(5 * time.Millisecond) // pacing of the burst, not a wait for the Watcher
	}
	// Events arrive in order: once the Watcher has taken the event of a
	// file made after the burst, it has taken every event of the burst.
	sync := filepath.Join(e.dir, "sync")
	require.NoError(t, os.WriteFile(sync, nil, 0o644))
	assert.Equal(t, []bool{false}, e.probe.awaitEvent(t, sync)[:1], "another file of the directory does not matter")
	assert.Empty(t, e.probe.pending(), "nothing read before the quiet period")
	assert.Contains(t, e.probe.awaitEvent(t, e.path), true)

	clock.advance(99 * time.Millisecond)
	clock.advance(time.Millisecond)
	assert.Empty(t, e.probe.await(t, watchApplied))
	assert.Equal(t, int64(2), e.w.applies.Load(), "one reload for the burst")
	assert.Equal(t, map[string]string{"a": "9 m\n"}, e.logs("m"), "of the last content")
	assert.Equal(t, clock.now, e.w.LastReload())
	assert.Empty(t, e.reported())
}

// A file that keeps changing is read at the latest ten quiet periods after
// the first change.
func TestWatchDebounceBound(t *testing.T) {
	t.Parallel()
	clock := &watchFakeClock{now: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)}
	e := newWatchEnv(t, "logging.json", watchCfg("a", "start"), watchClock(clock), Debounce(100*time.Millisecond))
	for i := range 11 {
		writeAtomic(t, e.path, watchCfg("a", fmt.Sprint(i)))
		sync := filepath.Join(e.dir, fmt.Sprintf("sync%d", i))
		require.NoError(t, os.WriteFile(sync, nil, 0o644))
		e.probe.awaitEvent(t, sync)
		if i == 10 {
			break
		}
		clock.advance(99 * time.Millisecond) // never quiet for 100ms
	}
	// 990ms after the first change; the bound is at 1s.
	assert.Empty(t, e.probe.pending())
	clock.advance(10 * time.Millisecond)
	e.probe.await(t, watchApplied)
	assert.Equal(t, map[string]string{"a": "10 m\n"}, e.logs("m"))
}

// A bad file keeps the configuration in force, which goes on logging; the
// error, naming the file, goes to the error handler and Err. The same bad
// content is not tried or reported again; the next good file is applied
// and clears Err.
func TestWatchBadFile(t *testing.T) {
	t.Parallel()
	e := newWatchEnv(t, "logging.json", watchCfg("a", "good"))

	writeAtomic(t, e.path, `{"version": 1, "handlers": {"h": {"class": "nosuch"}}, "root": {"handlers": ["h"]}}`)
	e.probe.await(t, watchRefused)
	assert.Equal(t, map[string]string{"a": "good still\n"}, e.logs("still"))
	err := e.w.Err()
	var we *WatchError
	require.ErrorAs(t, err, &we)
	assert.Equal(t, e.path, we.Path)
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, `handlers.h.class: unknown handler class "nosuch"`, ce.Error())
	assert.Equal(t, "slogconfig: watching "+e.path+`: handlers.h.class: unknown handler class "nosuch"`, err.Error())
	assert.Equal(t, []error{err}, e.reported())

	writeAtomic(t, e.path, `{"version": 1, "handlers": {"h": {"class": "nosuch"}}, "root": {"handlers": ["h"]}}`)
	e.probe.await(t, watchRepeated)
	assert.Empty(t, e.reported(), "reported once")
	assert.Equal(t, err, e.w.Err())

	writeAtomic(t, e.path, "{not json")
	e.probe.await(t, watchRefused)
	reported := e.reported()
	require.Len(t, reported, 1)
	assert.Contains(t, reported[0].Error(), "invalid JSON")
	assert.Equal(t, reported[0], e.w.Err())
	assert.Equal(t, map[string]string{"a": "good still\n"}, e.logs("still"))

	last := e.w.LastReload()
	writeAtomic(t, e.path, watchCfg("b", "fixed"))
	e.probe.await(t, watchApplied)
	assert.NoError(t, e.w.Err())
	assert.True(t, e.w.LastReload().After(last) || e.w.LastReload().Equal(last))
	assert.Equal(t, map[string]string{"b": "fixed m\n"}, e.logs("m"))
	assert.Empty(t, e.reported())
}

// Content that is the configuration in force is not applied again: the
// same content written again, a touch, and a bad file followed by the
// content in force (which clears Err without a reload).
func TestWatchSameContent(t *testing.T) {
	t.Parallel()
	e := newWatchEnv(t, "logging.json", watchCfg("a", "same"))
	last := e.w.LastReload()

	writeAtomic(t, e.path, watchCfg("a", "same"))
	assert.Empty(t, e.probe.await(t, watchUnchanged))
	now := time.Now()
	require.NoError(t, os.Chtimes(e.path, now, now))
	require.NoError(t, os.Chmod(e.path, 0o600))
	assert.Empty(t, e.probe.await(t, watchUnchanged))

	writeAtomic(t, e.path, "{")
	e.probe.await(t, watchRefused)
	require.Error(t, e.w.Err())
	writeAtomic(t, e.path, watchCfg("a", "same"))
	assert.Empty(t, e.probe.await(t, watchUnchanged))
	assert.NoError(t, e.w.Err(), "the file is the configuration in force again")

	assert.Equal(t, int64(1), e.w.applies.Load(), "never applied again")
	assert.Equal(t, last, e.w.LastReload())
	assert.Len(t, e.reported(), 1, "the bad file")
}

// With PollInterval the file is read at each interval, without file
// system notifications; changes, a removal and a new file are seen.
func TestWatchPoll(t *testing.T) {
	t.Parallel()
	e := newWatchEnv(t, "logging.yaml", "version: 1\nroot: {level: INFO, handlers: [h]}\nhandlers: {h: {class: stream, stream: 'ext://out.a'}}\n",
		PollInterval(10*time.Millisecond), Debounce(10*time.Millisecond))
	assert.Nil(t, e.w.fsw, "no file system notifications")

	writeAtomic(t, e.path, "version: 1\nroot: {level: INFO, handlers: [h]}\nhandlers: {h: {class: stream, stream: 'ext://out.b'}}\n")
	e.probe.await(t, watchApplied)
	assert.Equal(t, map[string]string{"b": "m\n"}, e.logs("m"))

	require.NoError(t, os.Remove(e.path))
	e.probe.await(t, watchReadFailed)
	assert.ErrorIs(t, e.w.Err(), fs.ErrNotExist)
	require.NoError(t, os.WriteFile(e.path, []byte("version: 1\nroot: {level: INFO, handlers: [h]}\nhandlers: {h: {class: stream, stream: 'ext://out.a'}}\n"), 0o644))
	e.probe.await(t, watchApplied)
	assert.Equal(t, map[string]string{"a": "m\n"}, e.logs("m"))
	assert.Len(t, e.reported(), 1, "the missing file, once")
}

// An INI file is read with the options of INIOptions.
func TestWatchINI(t *testing.T) {
	t.Parallel()
	ini := func(sink string) string {
		return fmt.Sprintf("[loggers]\nkeys=root\n[handlers]\nkeys=h\n[formatters]\nkeys=\n"+
			"[logger_root]\nlevel=INFO\nhandlers=h\n[handler_h]\nclass=StreamHandler\nargs=(out.%s,)\n", sink)
	}
	e := &watchEnv{testEnv: newTestEnv(t, "a", "b"), dir: t.TempDir(), probe: &watchProbe{}}
	e.path = filepath.Join(e.dir, "logging.ini")
	require.NoError(t, os.WriteFile(e.path, []byte(ini("a")), 0o644))
	app := e.Logger("app") // exists before the configuration, which does not name it
	e.watch(t, INIOptions(DisableExistingLoggers(false)))
	app.Info("kept")
	assert.Equal(t, map[string]string{"a": "kept\n"}, e.takeAll())

	writeAtomic(t, e.path, ini("b"))
	e.probe.await(t, watchApplied)
	app.Info("still kept")
	assert.Equal(t, map[string]string{"b": "still kept\n"}, e.takeAll())
	assert.Empty(t, e.reported())
}

// When the file's directory is removed, the Watcher reports the file
// missing (once), keeps the configuration in force, and watches the
// directory above; when the directory and the file come back, the file is
// applied.
func TestWatchDirectoryRemoved(t *testing.T) {
	t.Parallel()
	e := &watchEnv{testEnv: newTestEnv(t, "a", "b"), dir: t.TempDir(), probe: &watchProbe{}}
	conf := filepath.Join(e.dir, "etc", "app")
	require.NoError(t, os.MkdirAll(conf, 0o755))
	e.path = filepath.Join(conf, "logging.json")
	require.NoError(t, os.WriteFile(e.path, []byte(watchCfg("a", "v1")), 0o644))
	e.watch(t)

	require.NoError(t, os.RemoveAll(filepath.Join(e.dir, "etc")))
	e.probe.await(t, watchReadFailed)
	assert.ErrorIs(t, e.w.Err(), fs.ErrNotExist)
	assert.Equal(t, map[string]string{"a": "v1 m\n"}, e.logs("m"))
	require.Eventually(t, func() bool { return slices.Contains(e.w.fsw.WatchList(), e.dir) },
		watchWait, 5*time.Millisecond, "the directory above is watched")

	require.NoError(t, os.MkdirAll(conf, 0o755))
	staged := filepath.Join(e.dir, "staged.json") // whole when it appears
	require.NoError(t, os.WriteFile(staged, []byte(watchCfg("b", "v2")), 0o644))
	require.NoError(t, os.Rename(staged, e.path))
	e.probe.await(t, watchApplied)
	assert.NoError(t, e.w.Err())
	assert.Equal(t, map[string]string{"b": "v2 m\n"}, e.logs("m"))
	assert.ElementsMatch(t, []string{conf}, e.w.fsw.WatchList(), "back to the file's directory")

	// And it is still watched there.
	writeAtomic(t, e.path, watchCfg("a", "v3"))
	e.probe.await(t, watchApplied)
	assert.Equal(t, map[string]string{"a": "v3 m\n"}, e.logs("m"))
	reported := e.reported()
	require.Len(t, reported, 1, "%v", reported)
	assert.ErrorIs(t, reported[0], fs.ErrNotExist)
}

// Reload applies the file now, changed or not, and returns its error
// without reporting it.
func TestWatchReload(t *testing.T) {
	t.Parallel()
	e := newWatchEnv(t, "logging.json", watchCfg("a", "v1"))
	require.NoError(t, e.w.Reload())
	assert.Equal(t, int64(2), e.w.applies.Load(), "applied again though unchanged")

	// Reload may run before the Watcher has read the change on its own.
	require.NoError(t, os.WriteFile(e.path, []byte(`{"version": 2}`), 0o644))
	err := e.w.Reload()
	var we *WatchError
	require.ErrorAs(t, err, &we)
	assert.ErrorIs(t, err, ErrUnsupportedVersion)
	assert.Equal(t, err, e.w.Err())
	assert.Equal(t, map[string]string{"a": "v1 m\n"}, e.logs("m"))
	// The Watcher's own reading of the change, if it comes after, finds
	// the content refused already and reports nothing.
	for _, err := range e.reported() {
		assert.NotErrorIs(t, err, ErrUnsupportedVersion)
	}
}

// Close stops every goroutine, waiting for a reload in progress to finish;
// nothing is applied after it. Close may be called again, and Reload after
// it does nothing.
func TestWatchClose(t *testing.T) {
	// Not parallel: goleak looks at every goroutine of the process.
	before := goleak.IgnoreCurrent()
	e := &watchEnv{testEnv: newTestEnv(t, "a", "b"), dir: t.TempDir(), probe: &watchProbe{}}
	entered, release := make(chan struct{}), make(chan struct{})
	var built atomic.Bool
	require.NoError(t, e.reg.RegisterHandler("test.block", HandlerClass{
		New: func(*HandlerConfig) (slog.Handler, io.Closer, error) {
			close(entered)
			<-release
			built.Store(true)
			return slog.NewTextHandler(e.out["b"], nil), nil, nil
		},
	}))
	e.path = filepath.Join(e.dir, "logging.json")
	require.NoError(t, os.WriteFile(e.path, []byte(watchCfg("a", "v1")), 0o644))
	e.watch(t)

	writeAtomic(t, e.path, `{"version": 1, "handlers": {"h": {"class": "test.block"}}, "root": {"level": "INFO", "handlers": ["h"]}}`)
	select {
	case <-entered:
	case <-time.After(watchWait):
		t.Fatal("the reload did not start")
	}
	closed := make(chan bool)
	go func() {
		assert.NoError(t, e.w.Close())
		closed <- built.Load()
	}()
	select {
	case <-closed:
		t.Fatal("Close returned while a reload was in progress")
	case <-time.After(100 * time.Millisecond): // a wrong Close would have returned by now
	}
	close(release)
	assert.True(t, <-closed, "Close returned after the reload in progress finished")
	assert.Equal(t, int64(2), e.w.applies.Load())
	require.NoError(t, e.w.Close(), "again")
	assert.ErrorIs(t, e.w.Reload(), errWatcherClosed)

	writeAtomic(t, e.path, watchCfg("a", "after close"))
	require.NoError(t, e.Shutdown()) // the retirements of the replaced configurations
	goleak.VerifyNone(t, before, goleakLumberjack)
	assert.Equal(t, int64(2), e.w.applies.Load(), "nothing applied after Close")
	assert.Empty(t, e.reported())
}
