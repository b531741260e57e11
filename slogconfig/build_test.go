package slogconfig

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// cfgtOpenFDs counts this process's open file descriptors on path (Linux
// only: ok is false elsewhere).
func cfgtOpenFDs(t *testing.T, path string) (n int, ok bool) {
	t.Helper()
	fds, ok := openFiles()
	for _, target := range fds {
		if target == path {
			n++
		}
	}
	return n, ok
}

// TestErrorsFilesClosed checks that a refused configuration closes the
// files it opened before it failed, and leaves alone the files the running
// configuration shares with it.
func TestErrorsFilesClosed(t *testing.T) {
	t.Parallel()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	newLog, keptLog := filepath.Join(dir, "new.log"), filepath.Join(dir, "kept.log")
	require.NoError(t, os.WriteFile(newLog, []byte("old\n"), 0o600))
	e := newTestEnv(t, "a")

	// The running configuration writes to kept.log.
	e.config(t, jsonConfig(t, `{"version": 1,
		"handlers": {"kept": {"class": "file", "filename": `+jsonQuote(keptLog)+`}},
		"root": {"handlers": ["kept"]}}`))
	e.Logger("").Warn("before")

	// The refused one opens new.log and kept.log, then fails on another
	// handler (built after them: handlers are built in sorted order).
	err = e.DictConfig(jsonConfig(t, `{"version": 1,
		"handlers": {
			"a_new": {"class": "file", "filename": `+jsonQuote(newLog)+`},
			"b_kept": {"class": "file", "filename": `+jsonQuote(keptLog)+`},
			"c_bad": {"class": "test.error_new"}},
		"root": {"handlers": ["a_new", "b_kept", "c_bad"]}}`))
	require.EqualError(t, err, "handlers.c_bad: cfgt: cannot build")
	if n, ok := cfgtOpenFDs(t, newLog); ok {
		assert.Equal(t, 0, n, "descriptors left open on %s", newLog)
	}
	if n, ok := cfgtOpenFDs(t, keptLog); ok {
		assert.Equal(t, 1, n, "descriptors open on %s, which the running configuration uses", keptLog)
	}
	e.Logger("").Warn("after")
	got, err := os.ReadFile(keptLog)
	require.NoError(t, err)
	assert.Equal(t, "before\nafter\n", string(got), "the running configuration still writes its file")

	// Had new.log been left open (and shared), mode "w" would not
	// truncate it now.
	e.config(t, jsonConfig(t, `{"version": 1,
		"handlers": {"h": {"class": "file", "filename": `+jsonQuote(newLog)+`, "mode": "w"}},
		"root": {"handlers": ["h"]}}`))
	e.Logger("").Warn("new")
	got, err = os.ReadFile(newLog)
	require.NoError(t, err)
	assert.Equal(t, "new\n", string(got))
	require.NoError(t, e.Shutdown())
	if n, ok := cfgtOpenFDs(t, keptLog); ok {
		assert.Equal(t, 0, n, "descriptors left open on %s after it was replaced", keptLog)
	}
	if n, ok := cfgtOpenFDs(t, newLog); ok {
		assert.Equal(t, 0, n, "descriptors left open on %s after Shutdown", newLog)
	}
	assert.Empty(t, e.reported())
}
