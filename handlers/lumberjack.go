package handlers

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"gopkg.in/natefinch/lumberjack.v2"
)

// rotators is the process-wide table of the paths ever rotated, each with
// its one lumberjack.Logger and its retention goroutine. It is never
// emptied: lumberjack starts a cleanup ("mill") goroutine with a Logger's
// first Rotate and never stops it, so a Logger made per path and kept for
// the life of the process bounds those goroutines by the number of
// distinct paths rotated, however often the process is reconfigured.
var rotators = struct {
	sync.Mutex
	m map[string]*rotator
}{m: map[string]*rotator{}}

// rotator rotates one path.
//
// Records are not written through lumberjack.Logger.Write: the path's
// fileSink keeps the file open itself and counts its size with
// lumberjack's rule (a write that would take the file past the limit
// rotates first). lumberjack does the renaming: Rotate moves the file to
// its backup name and creates the next one with the old one's mode and
// owner; its descriptor is closed at once.
//
// The Logger's MaxBackups, MaxAge and Compress stay zero, so its mill
// goroutine, which reads them without a lock, has nothing to do: old
// backups are cleaned up by the retainer, by the settings in force at
// each rotation. LocalTime is read only by Rotate, so it is set before
// each one, under the path's lock.
type rotator struct {
	lj  *lumberjack.Logger
	ret retainer
}

// rotatorFor returns the rotator of the absolute path abs.
func rotatorFor(abs string) *rotator {
	rotators.Lock()
	defer rotators.Unlock()
	r := rotators.m[abs]
	if r == nil {
		r = &rotator{lj: &lumberjack.Logger{Filename: abs}}
		r.ret.path = abs
		rotators.m[abs] = r
	}
	return r
}

// rotate renames the file to its backup name, stamped in local time or
// UTC, and creates the next one. Call with the path's lock held.
//
// lumberjack stamps the name to the millisecond and renames over a file
// of that name: a second rotation within a millisecond (a small maxBytes,
// a burst of records) would replace the backup of the first. rotate waits
// for a millisecond whose name is free instead.
func (r *rotator) rotate(localTime bool) error {
	r.lj.LocalTime = localTime
	for range maxStampWaits {
		name := backupName(r.lj.Filename, time.Now(), localTime)
		if !exists(name) && !exists(name+".gz") {
			break
		}
		time.Sleep(time.Millisecond)
	}
	err := r.lj.Rotate()
	if cerr := r.lj.Close(); err == nil {
		err = cerr
	}
	return err
}

// retain has the retainer clean up old backups by the settings of rot.
func (r *rotator) retain(rot *rotation) {
	if rot == nil {
		return
	}
	ret := retention{maxBackups: rot.maxBackups, maxAgeDays: rot.maxAgeDays, compress: rot.compress}
	if ret.none() {
		return
	}
	r.ret.request(ret, rot.onError())
}

// stop waits for the clean-up in progress and stops the retainer.
func (r *rotator) stop() { r.ret.stop() }

// maxStampWaits bounds the milliseconds rotate waits for a free backup
// name: a clock stepped back could otherwise hold it for as long.
const maxStampWaits = 100

// exists reports whether name is in the file system.
func exists(name string) bool {
	_, err := os.Lstat(name)
	return err == nil
}

const (
	megabyte            = 1 << 20 // lumberjack's unit of MaxSize
	lumberjackDefaultMB = 100     // lumberjack's MaxSize when it is 0
)

// absPath is filepath.Abs with the error naming the path.
func absPath(path string) (string, error) {
	if path == "" {
		return "", errors.New("empty file name")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("file name %q: %w", path, err)
	}
	return abs, nil
}
