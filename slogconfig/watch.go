package slogconfig

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/slogtree/slogtree/handlers"
)

// DefaultDebounce is the quiet period of a [Watcher] unless [Debounce]
// says otherwise: the file is read once no change has been seen for this
// long.
const DefaultDebounce = 100 * time.Millisecond

// maxDebounces bounds the wait of a file that never stops changing: it is
// read at the latest this many quiet periods after the first change.
const maxDebounces = 10

// A WatchOption configures a [Watcher].
type WatchOption interface {
	applyWatch(*watchConfig)
}

type watchConfig struct {
	debounce time.Duration
	poll     time.Duration // 0: file system notifications
	signals  []os.Signal
	signaled bool // ReloadOnSignal was given
	fileOpts []FileConfigOption
	clock    handlers.Clock
	trace    *watchTrace
}

type watchOptionFunc func(*watchConfig)

func (f watchOptionFunc) applyWatch(c *watchConfig) { f(c) }

// Debounce sets the quiet period of a [Watcher]: after a change, the file
// is read once no further change has been seen for d, so that an editor's
// or a deployment's burst of writes, renames and links is read once, when
// it is done. A file that keeps changing is read at the latest ten quiet
// periods after the first change. Zero reads the file at the first
// change. Default [DefaultDebounce] (100ms).
func Debounce(d time.Duration) WatchOption {
	return watchOptionFunc(func(c *watchConfig) { c.debounce = d })
}

// PollInterval makes a [Watcher] read the file every d instead of waiting
// for the file system's notifications, for file systems that send none
// (NFS, SMB, FUSE and some container volumes) or a host out of inotify
// watches. A change is seen at the first read after it, and the file is
// read again once the quiet period ([Debounce]) has passed without a
// further change. Reading a configuration file every second or so costs
// little. Default: no polling.
func PollInterval(d time.Duration) WatchOption {
	return watchOptionFunc(func(c *watchConfig) { c.poll = d })
}

// ReloadOnSignal makes a [Watcher] apply the file each time the process
// receives one of sigs (typically syscall.SIGHUP), whether or not the file
// changed: an operator can retry a configuration whose files could not be
// opened, once they can. The Watcher receives the signals with
// [signal.Notify] from the moment [Manager.Watch] returns, and stops on
// Close ([signal.Stop]): a signal then has the effect it would have had
// without the Watcher (for SIGHUP with no other receiver, the process
// ends). Default: no signal.
func ReloadOnSignal(sigs ...os.Signal) WatchOption {
	return watchOptionFunc(func(c *watchConfig) { c.signals, c.signaled = sigs, true })
}

// INIOptions sets the options with which a [Watcher] reads an INI file
// (.ini, .conf and .cfg, Python's fileConfig format), as
// [Manager.FileConfig] takes them: Watch("logging.ini",
// INIOptions(DisableExistingLoggers(false))). JSON and YAML files carry
// their options themselves. Default: FileConfig's defaults.
func INIOptions(opts ...FileConfigOption) WatchOption {
	return watchOptionFunc(func(c *watchConfig) { c.fileOpts = append(c.fileOpts, opts...) })
}

// watchClock sets the clock of the quiet period, the polling and
// LastReload, for tests.
func watchClock(clock handlers.Clock) WatchOption {
	return watchOptionFunc(func(c *watchConfig) { c.clock = clock })
}

// watchTraced makes the Watcher tell tr what it does, for tests.
func watchTraced(tr *watchTrace) WatchOption {
	return watchOptionFunc(func(c *watchConfig) { c.trace = tr })
}

// watchTrace receives, on the Watcher's goroutine, what it does.
type watchTrace struct {
	event func(ev fsnotify.Event, relevant bool) // an event taken
	check func(watchOutcome)                     // the file was read
}

// watchOutcome is what reading the file led to.
type watchOutcome int

const (
	watchApplied    watchOutcome = iota // a new configuration is in force
	watchUnchanged                      // the content is the one in force: nothing to do
	watchRepeated                       // the content is the one last refused: nothing to do
	watchRefused                        // the content was refused (decode, schema, validate, prepare)
	watchReadFailed                     // the file could not be read
)

func (o watchOutcome) String() string {
	return [...]string{"applied", "unchanged", "repeated", "refused", "read failed"}[o]
}

// Watcher applies a configuration file to a [Manager] each time its
// content changes, as [Manager.Load] would: see [Manager.Watch].
//
// A Watcher runs one goroutine (two with file system notifications:
// fsnotify's reader), which [Watcher.Close] stops.
type Watcher struct {
	m    *Manager
	path string
	cfg  watchConfig
	opts fileConfigOptions
	fsw  *fsnotify.Watcher // nil when polling
	sigs chan os.Signal    // nil without ReloadOnSignal
	reqs chan chan error   // Reload's requests
	quit chan struct{}
	done chan struct{}

	closeOnce sync.Once
	closeErr  error

	mu   sync.Mutex
	err  error
	last time.Time

	applies atomic.Int64 // configurations applied, the first included

	// Owned by the goroutine (by Watch before it starts).
	names     map[string]map[string]bool // directory watched -> names in it that matter
	applied   [sha256.Size]byte          // content in force
	refused   [sha256.Size]byte          // content last refused
	isRefused bool
	seen      string // the last read: content hash or error, for polling
	readErr   string // the error of the last read, reported once
}

// Watch applies the configuration file at path, then watches it and
// applies it again each time its content changes, until
// [Watcher.Close]. The format is chosen by extension, as [Manager.Load]
// chooses it; INI files are read with the options of [INIOptions].
//
// # At start
//
// Watch applies the file before it returns, as [Manager.Load] does, and
// returns the error (a [*WatchError]) if it cannot: then nothing is
// watched. A program that calls Watch needs no Load before it. The file
// system watch is in place before the file is read, so that no change
// after that read is missed.
//
// # What is watched
//
// Watch watches the file's directory, not the file, so that every way of
// changing a file is seen: a write in place, an editor's write to a
// temporary file renamed over it, a removal followed by a new file, and
// links changed on the way to the file. A Kubernetes ConfigMap volume
// (the file a link through ..data, and ..data a link to a timestamped
// directory that the kubelet replaces at once) is followed: each update
// is one reload. Links to files in other directories are followed, and
// their directories watched too. Changes to other files of the directory
// are ignored.
//
// Changes are debounced: the file is read once no change has been seen
// for the quiet period ([Debounce], 100ms by default), and at most ten
// quiet periods after the first change. The content is hashed: content
// that is the configuration in force (a touch, a link swapped to the same
// content, the file rewritten as it was) is not applied again, and
// content that was refused is not tried again until it changes.
//
// # Errors
//
// A file that cannot be read, decoded or applied leaves the running
// configuration as it was, as every refused configuration does. The error,
// a [*WatchError] naming the file, goes to the Manager's error handler
// and is what [Watcher.Err] returns until the file is good again (a
// missing file is reported once, however many changes are seen while it
// is missing). Errors of the file system watch are reported the same way;
// when the system loses events (inotify's queue overflows), the file is
// read again.
//
// When the file's directory is removed, the Watcher reports the file as
// unreadable, keeps the running configuration, and watches the nearest
// directory above it that exists: when the directory comes back, it is
// watched again, and the file is applied as soon as it is there.
//
// # Reloads
//
// A reload is [Manager.DictConfig] (or [Manager.FileConfig]) of the file:
// it waits for a configuration being applied and is atomic, so loggers
// never see half a configuration; reloads never overlap. As with every
// configuration, disable_existing_loggers (true unless the file says
// otherwise, or [INIOptions] for an INI file) disables the existing
// loggers the file does not name: a watched file should set it to false. Options:
// [Debounce], [PollInterval] for file systems without notifications
// (NFS, some container mounts), [ReloadOnSignal] (SIGHUP), [INIOptions].
// A Watcher goes on applying the file after [Manager.Shutdown]: close it
// first. Every write to a file of the watched directory wakes the Watcher
// (to find that it does not matter), so keep the configuration out of the
// directory of the logs.
func (m *Manager) Watch(path string, opts ...WatchOption) (*Watcher, error) {
	c := watchConfig{debounce: DefaultDebounce, clock: handlers.SystemClock}
	for _, o := range opts {
		if o != nil {
			o.applyWatch(&c)
		}
	}
	switch {
	case path == "":
		return nil, errors.New("slogconfig: Watch: empty file name")
	case c.debounce < 0:
		return nil, fmt.Errorf("slogconfig: Watch %s: Debounce %v: want 0 or more", path, c.debounce)
	case c.poll < 0:
		return nil, fmt.Errorf("slogconfig: Watch %s: PollInterval %v: want a positive interval", path, c.poll)
	case c.signaled && len(c.signals) == 0:
		return nil, fmt.Errorf("slogconfig: Watch %s: ReloadOnSignal: no signal given", path)
	}
	if c.clock == nil {
		c.clock = handlers.SystemClock
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("slogconfig: Watch %s: %w", path, err)
	}
	if err := checkFormat(abs); err != nil {
		return nil, &WatchError{Path: abs, Err: err}
	}
	w := &Watcher{m: m, path: abs, cfg: c, opts: fileOptions(c.fileOpts),
		reqs: make(chan chan error), quit: make(chan struct{}), done: make(chan struct{})}
	if c.poll == 0 {
		if w.fsw, err = fsnotify.NewWatcher(); err != nil {
			return nil, &WatchError{Path: abs, Err: fmt.Errorf("file system notifications: %w (PollInterval watches without them)", err)}
		}
		if err := w.rewatch(); err != nil {
			_ = w.fsw.Close()
			return nil, &WatchError{Path: abs, Err: err}
		}
	}
	if _, err := w.check(true); err != nil {
		if w.fsw != nil {
			_ = w.fsw.Close()
		}
		return nil, err
	}
	if len(c.signals) > 0 {
		w.sigs = make(chan os.Signal, 1)
		signal.Notify(w.sigs, c.signals...)
	}
	go w.run()
	return w, nil
}

// Watch watches a configuration file for the default Manager: see
// [Manager.Watch].
func Watch(path string, opts ...WatchOption) (*Watcher, error) { return std.Watch(path, opts...) }

// Path returns the absolute path of the watched file.
func (w *Watcher) Path() string { return w.path }

// Err returns the error of the last time the file was read, a
// [*WatchError], or nil when the configuration in force is the file's
// content: after a good reload, or when the file came back to that
// content.
func (w *Watcher) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// LastReload returns the time the file's content was last applied: by
// Watch at start, or by a reload.
func (w *Watcher) LastReload() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last
}

// errWatcherClosed is the error of Reload after Close.
var errWatcherClosed = errors.New("slogconfig: the Watcher is closed")

// Reload reads the file and applies it now, whether or not it changed, as
// a signal of [ReloadOnSignal] does, and returns the error, a
// [*WatchError], that [Watcher.Err] returns from then on. Unlike the
// reloads the Watcher makes on its own, its error is not sent to the
// error handler: the caller has it. After Close, Reload returns an error
// and does nothing.
func (w *Watcher) Reload() error {
	reply := make(chan error, 1)
	select {
	case w.reqs <- reply:
		return <-reply
	case <-w.quit:
		return errWatcherClosed
	}
}

// Close stops watching and returns once the Watcher's goroutines have
// ended: a reload in progress finishes first, and none starts after.
// The configuration in force stays. Close stops the signals of
// [ReloadOnSignal]. It may be called more than once.
func (w *Watcher) Close() error {
	w.closeOnce.Do(func() {
		close(w.quit)
		if w.sigs != nil {
			signal.Stop(w.sigs)
		}
		<-w.done
		if w.fsw != nil {
			w.closeErr = w.fsw.Close()
		}
	})
	return w.closeErr
}

// run is the Watcher's goroutine: it takes the file system's events (or
// polls), waits for the quiet period, and reads the file.
func (w *Watcher) run() {
	defer close(w.done)
	var events chan fsnotify.Event
	var errs chan error
	if w.fsw != nil {
		events, errs = w.fsw.Events, w.fsw.Errors
	}
	var poll <-chan time.Time
	if w.cfg.poll > 0 {
		poll = w.cfg.clock.After(w.cfg.poll)
	}
	var quiet, deadline <-chan time.Time // armed while a change waits to be read
	changed := func() {
		quiet = w.cfg.clock.After(w.cfg.debounce)
		if deadline == nil {
			deadline = w.cfg.clock.After(maxDebounces * w.cfg.debounce)
		}
	}
	for {
		select {
		case <-w.quit:
			return
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			relevant := w.relevant(ev.Name)
			if relevant {
				changed()
			}
			if w.cfg.trace != nil {
				w.cfg.trace.event(ev, relevant)
			}
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			if !errors.Is(err, fsnotify.ErrEventOverflow) {
				w.m.report(&WatchError{Path: w.path, Err: fmt.Errorf("file system notifications: %w", err)})
			}
			changed() // events may have been lost: read the file to know
		case <-poll:
			poll = w.cfg.clock.After(w.cfg.poll)
			if w.signature() != w.seen {
				changed()
			}
		case <-quiet:
			quiet, deadline = nil, nil
			w.checkAndReport(false)
		case <-deadline:
			quiet, deadline = nil, nil
			w.checkAndReport(false)
		case <-w.sigs:
			w.checkAndReport(true)
		case reply := <-w.reqs:
			w.refresh()
			_, err := w.check(true)
			reply <- err
		}
	}
}

// refresh re-points the file system watches, reporting what fails: a
// directory on the way to the file may have come or gone.
func (w *Watcher) refresh() {
	if w.fsw == nil {
		return
	}
	if err := w.rewatch(); err != nil {
		w.m.report(&WatchError{Path: w.path, Err: err})
	}
}

// checkAndReport re-points the watches, reads the file and reports its
// error, except a read error reported already.
func (w *Watcher) checkAndReport(force bool) {
	w.refresh()
	out, err := w.check(force)
	switch {
	case out == watchReadFailed && err.Error() == w.readErr:
	case out == watchReadFailed:
		w.readErr = err.Error()
		w.m.report(err)
	case err != nil:
		w.m.report(err)
	}
	if out != watchReadFailed {
		w.readErr = ""
	}
}

// check reads the file and applies its content, unless (without force)
// it is the configuration in force or the content last refused.
func (w *Watcher) check(force bool) (out watchOutcome, err error) {
	if w.cfg.trace != nil {
		defer func() { w.cfg.trace.check(out) }()
	}
	data, err := os.ReadFile(w.path)
	if err != nil {
		w.seen = "error: " + err.Error()
		werr := &WatchError{Path: w.path, Err: err}
		w.setErr(werr)
		return watchReadFailed, werr
	}
	sum := sha256.Sum256(data)
	w.seen = string(sum[:])
	switch {
	case force:
	case sum == w.applied:
		w.setErr(nil)
		return watchUnchanged, nil
	case w.isRefused && sum == w.refused:
		return watchRepeated, nil
	}
	if err := w.m.loadData(w.path, data, w.opts, nil); err != nil {
		w.refused, w.isRefused = sum, true
		werr := &WatchError{Path: w.path, Err: err}
		w.setErr(werr)
		return watchRefused, werr
	}
	w.applied, w.isRefused = sum, false
	w.applies.Add(1)
	now := w.cfg.clock.Now()
	w.mu.Lock()
	w.err, w.last = nil, now
	w.mu.Unlock()
	return watchApplied, nil
}

func (w *Watcher) setErr(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.err = err
}

// signature is what polling compares: the hash of the file's content, or
// the error reading it.
func (w *Watcher) signature() string {
	data, err := os.ReadFile(w.path)
	if err != nil {
		return "error: " + err.Error()
	}
	sum := sha256.Sum256(data)
	return string(sum[:])
}

// relevant reports whether an event on name can change what the file
// reads: name is one of the names watched, or a watched directory itself
// (removed or moved).
func (w *Watcher) relevant(name string) bool {
	if w.names[filepath.Dir(name)][filepath.Base(name)] {
		return true
	}
	_, ok := w.names[name]
	return ok
}

// rewatch points the file system watches at what can change the file (see
// watchSet), adding the directories that are missing a watch and removing
// those no longer needed.
func (w *Watcher) rewatch() error {
	var errs []error
	for range 3 {
		errs = errs[:0]
		want := watchSet(w.path)
		for _, d := range w.fsw.WatchList() {
			if want[d] == nil {
				_ = w.fsw.Remove(d)
			}
		}
		raced := false
		for _, d := range slices.Sorted(maps.Keys(want)) {
			// Add again even a directory watched already: if it was
			// removed and made again, the watch moves to the new one.
			if err := w.fsw.Add(d); err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					raced = true // removed since watchSet: compute again
					continue
				}
				errs = append(errs, fmt.Errorf("watching %s: %w", d, err))
			}
		}
		w.names = want
		if !raced {
			break
		}
	}
	return errors.Join(errs...)
}

// watchSet returns the directories to watch for path, each with the names
// in it whose changes matter: those of linkChain, each in its directory,
// or, for a directory that does not exist, the name on the way down to it
// in the nearest directory above it that does.
func watchSet(path string) map[string]map[string]bool {
	set := map[string]map[string]bool{}
	for _, p := range linkChain(path) {
		dir, name := filepath.Dir(p), filepath.Base(p)
		for !isDir(dir) && filepath.Dir(dir) != dir {
			dir, name = filepath.Dir(dir), filepath.Base(dir)
		}
		if set[dir] == nil {
			set[dir] = map[string]bool{}
		}
		set[dir][name] = true
	}
	return set
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// maxLinks bounds the links linkChain follows, as the kernel bounds them.
const maxLinks = 40

// linkChain returns the paths whose changes can change what path reads,
// each with its directory's links resolved: path itself; for each link on
// the way to the file, the link's target; and a link to a directory on the
// way to a target within the link's own directory, such as the ..data
// link of a Kubernetes ConfigMap volume (config.yaml -> ..data/config.yaml,
// ..data -> ..2026_11_29_10_00_00.123456789).
func linkChain(path string) []string {
	var out []string
	cur := path
	for range maxLinks {
		dir := filepath.Dir(cur)
		if r, err := filepath.EvalSymlinks(dir); err == nil {
			dir = r
		}
		cur = filepath.Join(dir, filepath.Base(cur))
		out = append(out, cur)
		target, err := os.Readlink(cur)
		if err != nil {
			break // not a link, or missing
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(dir, target)
		}
		// Directory links between dir and the target.
		for p := filepath.Dir(target); strings.HasPrefix(p, dir+string(filepath.Separator)); p = filepath.Dir(p) {
			if fi, err := os.Lstat(p); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
				out = append(out, p)
			}
		}
		cur = target
	}
	return out
}
