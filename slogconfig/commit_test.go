package slogconfig

import (
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/internal/testutil"
)

// incrWant is what handler h writes in TestIncrementalLevelBehindWrapper
// (and what CPython writes in TestIncrementalLevelBehindQueueCPython): the
// DEBUG record logged before the incremental configuration is below h's
// level, WARNING, and the one logged after it reaches h at its new level,
// DEBUG.
const incrWant = "WARNING before\nDEBUG after\nWARNING after\n"

// TestIncrementalLevelBehindWrapper: an incremental configuration that
// sets a handler's level reaches that handler wherever it is, also behind
// a handler that forwards to it. Python's incremental dictConfig calls
// setLevel on the one handler object, which its QueueListener (with
// respect_handler_level) then asks; see
// TestIncrementalLevelBehindQueueCPython. Today slogtree gives the copy
// of h that loggers use the new level, while the queue, failover, router or
// pool keeps the h it was built with, at its old level, so the DEBUG record
// is lost.
func TestIncrementalLevelBehindWrapper(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		wrapper map[string]any // the handler entry of w, which forwards to h
	}{
		{name: "queue", wrapper: map[string]any{"class": "queue", "handlers": []any{"h"}, "respect_handler_level": true}},
		{name: "failover", wrapper: map[string]any{"class": "failover", "handlers": []any{"h"}}},
		// A router over one handler does not ask its Enabled (slog-multi's
		// Fanout of one handler is that handler): x makes it ask.
		{name: "router", wrapper: map[string]any{"class": "router", "handlers": []any{"h", "x"}}},
		{name: "pool", wrapper: map[string]any{"class": "pool", "handlers": []any{"h"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t, "h")
			e.config(t, map[string]any{
				"version":    1,
				"formatters": map[string]any{"f": map[string]any{"format": "%(levelname)s %(message)s"}},
				"handlers": map[string]any{
					"h": map[string]any{"class": "stream", "stream": "ext://out.h", "level": "WARNING", "formatter": "f"},
					"x": map[string]any{"class": "null"},
					"w": tt.wrapper,
				},
				"root": map[string]any{"level": "DEBUG", "handlers": []any{"w"}},
			})
			root := e.Logger("")
			root.Debug("before")
			root.Warn("before")
			// The queue's goroutine must be done with the records logged
			// before the level changes.
			got := incrWait(t, e.out["h"], "WARNING before\n")
			e.config(t, map[string]any{
				"version":     1,
				"incremental": true,
				"handlers":    map[string]any{"h": map[string]any{"level": "DEBUG"}},
			})
			e.reported() // a failover or pool reports the record no handler took
			root.Debug("after")
			root.Warn("after")
			require.NoError(t, e.Shutdown()) // drains the queue
			got += e.take("h")
			assert.Equal(t, incrWant, got, "records h wrote, at level WARNING and then DEBUG, behind %s", tt.name)
			assert.Empty(t, e.reported(), "errors reported after h was set to DEBUG")
		})
	}
}

// incrWait returns what b gets until that is want, or for at most a few
// seconds.
func incrWait(t *testing.T, b *buffer, want string) string {
	t.Helper()
	var got string
	for deadline := time.Now().Add(5 * time.Second); got != want && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
		got += b.take()
	}
	require.Equal(t, want, got, "output before the incremental configuration, after waiting 5s")
	return got
}

// incrQueueScript is TestIncrementalLevelBehindWrapper's queue case in
// CPython 3.11, whose dictConfig cannot configure a QueueHandler's
// handlers (3.12 can): the queue and its listener are made by hand around
// the handler h that dictConfig made.
const incrQueueScript = `
import logging, logging.config, logging.handlers, queue, sys

logging.config.dictConfig({
    "version": 1,
    "formatters": {"f": {"format": "%(levelname)s %(message)s"}},
    "handlers": {"h": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout",
                       "level": "WARNING", "formatter": "f"}},
    "root": {"level": "DEBUG"},
})
h = logging.getHandlerByName("h") if hasattr(logging, "getHandlerByName") else logging._handlers["h"]
q = queue.Queue()
listener = logging.handlers.QueueListener(q, h, respect_handler_level=True)
listener.start()
root = logging.getLogger()
root.addHandler(logging.handlers.QueueHandler(q))
root.debug("before")
root.warning("before")
q.join()  # the listener is done with them before the level changes
logging.config.dictConfig({"version": 1, "incremental": True, "handlers": {"h": {"level": "DEBUG"}}})
root.debug("after")
root.warning("after")
listener.stop()
sys.stdout.flush()
`

// TestIncrementalLevelBehindQueueCPython pins incrWant on CPython: an
// incremental handler level reaches the handler behind a QueueListener
// that respects handler levels.
func TestIncrementalLevelBehindQueueCPython(t *testing.T) {
	t.Parallel()
	py := testutil.Python3(t)
	out, err := exec.CommandContext(t.Context(), py, "-c", incrQueueScript).CombinedOutput()
	require.NoError(t, err, "python3: %s", out)
	assert.Equal(t, incrWant, string(out))
}
