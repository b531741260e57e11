//go:build unix

package slogconfig

import (
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// With ReloadOnSignal(SIGHUP), the signal applies the file, changed or
// not. The signal is sent to this process only while the Watcher receives
// it: signal.Notify is in place when Watch returns, and the signal has
// been taken once the reload is seen.
func TestWatchSignal(t *testing.T) {
	t.Parallel()
	e := newWatchEnv(t, "logging.json", watchCfg("a", "v1"), ReloadOnSignal(syscall.SIGHUP))
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGHUP))
	e.probe.await(t, watchApplied)
	assert.Equal(t, int64(2), e.w.applies.Load(), "applied again though unchanged")
	assert.Equal(t, map[string]string{"a": "v1 m\n"}, e.logs("m"))
	require.NoError(t, e.w.Close())
	assert.Empty(t, e.reported())
}
