package handlers

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// retention is what is kept of a path's rotated files: lumberjack's
// MaxBackups, MaxAge and Compress.
type retention struct {
	maxBackups int
	maxAgeDays int
	compress   bool
}

func (r retention) none() bool { return r.maxBackups == 0 && r.maxAgeDays == 0 && !r.compress }

// retainer cleans up a path's rotated files on a goroutine of its own,
// after each rotation, by the settings in force at that rotation. The
// goroutine starts with the first request and stops (after the clean-up
// asked for last) when the last handle on the path closes. Requests made
// while a clean-up runs are merged into one, with the latest settings, as
// lumberjack merges its own.
type retainer struct {
	path string

	mu       sync.Mutex
	next     retention // asked for and not started yet, if pending
	onError  func(error)
	pending  bool
	busy     bool // a clean-up runs
	running  bool
	stopping bool
	wake     chan struct{}
	done     chan struct{}
}

// request asks for a clean-up by r, whose errors go to onError (if not
// nil).
func (t *retainer) request(r retention, onError func(error)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.next, t.onError, t.pending = r, onError, true
	if !t.running {
		t.running, t.stopping = true, false
		t.wake, t.done = make(chan struct{}, 1), make(chan struct{})
		go t.run(t.wake, t.done)
	}
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

func (t *retainer) run(wake <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	for range wake {
		t.mu.Lock()
		r, onError, pending := t.next, t.onError, t.pending
		t.pending, t.busy = false, pending
		t.mu.Unlock()
		if pending {
			if err := cleanUp(t.path, r, time.Now()); err != nil && onError != nil {
				onError(err)
			}
		}
		t.mu.Lock()
		t.busy = false
		if t.stopping && !t.pending {
			t.running = false
			t.mu.Unlock()
			return
		}
		t.mu.Unlock()
	}
}

// idle reports whether no clean-up runs or waits to run.
func (t *retainer) idle() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return !t.pending && !t.busy
}

// stop waits for the clean-up asked for last, if any, and stops the
// goroutine.
func (t *retainer) stop() {
	t.mu.Lock()
	if !t.running {
		t.mu.Unlock()
		return
	}
	t.stopping = true
	done := t.done
	select {
	case t.wake <- struct{}{}:
	default:
	}
	t.mu.Unlock()
	<-done
}

// backupTimeFormat is the time stamp in lumberjack's backup names.
const backupTimeFormat = "2006-01-02T15-04-05.000"

// backup is a rotated file of a path: <prefix>-<time><ext>, or the same
// with ".gz" when compressed.
type backup struct {
	name string
	at   time.Time // from the name, read as UTC, as lumberjack reads it
	gz   bool
}

// backupName is the name lumberjack gives the backup of path made at t:
// <prefix>-<time><ext>, t in UTC unless local.
func backupName(path string, t time.Time, local bool) string {
	if !local {
		t = t.UTC()
	}
	dir, base := filepath.Split(path)
	ext := filepath.Ext(base)
	return filepath.Join(dir, strings.TrimSuffix(base, ext)+"-"+t.Format(backupTimeFormat)+ext)
}

// backups lists the rotated files of path, newest first by the time in
// their names.
func backups(path string) ([]backup, error) {
	dir, base := filepath.Split(path)
	ext := filepath.Ext(base)
	prefix := strings.TrimSuffix(base, ext) + "-"
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("can't read log file directory: %w", err)
	}
	var out []backup
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || e.IsDir() {
			continue
		}
		if stamp, ok := strings.CutSuffix(rest, ext); ok {
			if at, err := time.Parse(backupTimeFormat, stamp); err == nil {
				out = append(out, backup{name: e.Name(), at: at})
				continue
			}
		}
		if stamp, ok := strings.CutSuffix(rest, ext+".gz"); ok {
			if at, err := time.Parse(backupTimeFormat, stamp); err == nil {
				out = append(out, backup{name: e.Name(), at: at, gz: true})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b backup) int { return b.at.Compare(a.at) })
	return out, nil
}

// cleanUp applies r to the rotated files of path, with lumberjack's
// rules: keep the maxBackups newest (a file and its .gz count once),
// remove those older than maxAgeDays by the time in their names, and gzip
// the rest when compress is set.
func cleanUp(path string, r retention, now time.Time) error {
	if r.none() {
		return nil
	}
	files, err := backups(path)
	if err != nil {
		return err
	}
	var remove []backup
	if r.maxBackups > 0 && r.maxBackups < len(files) {
		stems := map[string]bool{}
		var kept []backup
		for _, b := range files {
			stems[strings.TrimSuffix(b.name, ".gz")] = true
			if len(stems) > r.maxBackups {
				remove = append(remove, b)
			} else {
				kept = append(kept, b)
			}
		}
		files = kept
	}
	if r.maxAgeDays > 0 && int64(r.maxAgeDays) <= math.MaxInt64/int64(24*time.Hour) {
		cutoff := now.Add(-time.Duration(r.maxAgeDays) * 24 * time.Hour)
		var kept []backup
		for _, b := range files {
			if b.at.Before(cutoff) {
				remove = append(remove, b)
			} else {
				kept = append(kept, b)
			}
		}
		files = kept
	}
	dir := filepath.Dir(path)
	var errs []error
	for _, b := range remove {
		errs = append(errs, os.Remove(filepath.Join(dir, b.name)))
	}
	if r.compress {
		for _, b := range files {
			if !b.gz {
				errs = append(errs, gzipFile(filepath.Join(dir, b.name)))
			}
		}
	}
	return errors.Join(errs...)
}

// gzipFile compresses name to name.gz, with name's mode and owner, and
// removes name once name.gz is complete. A name.gz already there is taken
// for what is left of an earlier attempt, and replaced.
func gzipFile(name string) (err error) {
	in, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("failed to compress log file: %w", err)
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return fmt.Errorf("failed to compress log file: %w", err)
	}
	dst := name + ".gz"
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, fi.Mode().Perm())
	if err != nil {
		return fmt.Errorf("failed to compress log file: %w", err)
	}
	defer func() {
		if err != nil {
			_ = out.Close()
			_ = os.Remove(dst)
			err = fmt.Errorf("failed to compress log file %s: %w", name, err)
		}
	}()
	if err := sameOwner(out, fi); err != nil {
		return err
	}
	if err := out.Chmod(fi.Mode().Perm()); err != nil { // whatever the umask
		return err
	}
	gz := gzip.NewWriter(out)
	if _, err := io.Copy(gz, in); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	_ = in.Close()
	return os.Remove(name)
}
