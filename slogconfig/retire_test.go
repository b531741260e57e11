package slogconfig

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// retireTarget is a handler whose Handle blocks until the test releases
// it: a sink that hangs (a full pipe, a dead network peer).
type retireTarget struct {
	entered  chan string   // the message of each record Handle gets
	released chan struct{} // closed by release
	once     sync.Once

	mu   sync.Mutex
	done []string // the messages of the records Handle returned from
}

func newRetireTarget() *retireTarget {
	return &retireTarget{entered: make(chan string, 100), released: make(chan struct{})}
}

// release lets every Handle call return, now and later.
func (rt *retireTarget) release() { rt.once.Do(func() { close(rt.released) }) }

// handled returns the messages of the records handled so far.
func (rt *retireTarget) handled() []string {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return slices.Clone(rt.done)
}

// waitEntered waits for a record to enter Handle and returns its message.
func (rt *retireTarget) waitEntered(t *testing.T) string {
	t.Helper()
	select {
	case msg := <-rt.entered:
		return msg
	case <-time.After(5 * time.Second):
		t.Fatal("no record reached the target within 5s")
		return ""
	}
}

func (rt *retireTarget) Enabled(context.Context, slog.Level) bool { return true }
func (rt *retireTarget) Handle(_ context.Context, r slog.Record) error {
	rt.entered <- r.Message
	<-rt.released
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.done = append(rt.done, r.Message)
	return nil
}
func (rt *retireTarget) WithAttrs([]slog.Attr) slog.Handler { return rt }
func (rt *retireTarget) WithGroup(string) slog.Handler      { return rt }

// retireManager returns a cfgtEnv with sink "s" whose root logger sends
// its records through a queue (overflow block, the default size) to a
// retireTarget. The target is released when the test ends, at the latest.
func retireManager(t *testing.T) (*cfgtEnv, *retireTarget) {
	t.Helper()
	target := newRetireTarget()
	// Registered before cfgtManager, so that the target is released
	// before the Manager's Shutdown runs, which waits for the queue.
	t.Cleanup(target.release)
	e := cfgtManager(t, "s")
	require.NoError(t, e.reg.RegisterHandler("retire.block", HandlerClass{
		New: func(*HandlerConfig) (slog.Handler, io.Closer, error) { return target, nil, nil },
	}))
	e.config(t, map[string]any{
		"version": 1,
		"handlers": map[string]any{
			"t": map[string]any{"class": "retire.block"},
			"q": map[string]any{"class": "queue", "handlers": []any{"t"}, "overflow": "block"},
		},
		"root": map[string]any{"level": "INFO", "handlers": []any{"q"}},
	})
	return e, target
}

// retireLog logs the records r1..rn on the root logger and waits until
// r1 is blocked in the target, the others held in the queue.
func retireLog(t *testing.T, e *cfgtEnv, target *retireTarget, n int) []string {
	t.Helper()
	var msgs []string
	for i := 1; i <= n; i++ {
		msg := "r" + strconv.Itoa(i)
		msgs = append(msgs, msg)
		e.Logger("").Info(msg)
	}
	require.Equal(t, "r1", target.waitEntered(t))
	return msgs
}

// TestReconfigureWithBlockedQueueTarget: a configuration that drops a
// queue whose target hangs is installed at once; the queue finishes
// passing on its records in the background, and none is lost: a hung sink
// must not freeze the program's reloads. Today DictConfig closes the old
// queue before it returns, and Close waits for the queue to drain.
func TestReconfigureWithBlockedQueueTarget(t *testing.T) {
	t.Parallel()
	e, target := retireManager(t)
	msgs := retireLog(t, e, target, 3)

	done := make(chan error, 1)
	go func() {
		done <- e.DictConfig(map[string]any{
			"version":  1,
			"handlers": map[string]any{"s": map[string]any{"class": "stream", "stream": "ext://out.s"}},
			"root":     map[string]any{"level": "INFO", "handlers": []any{"s"}},
		})
	}()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(time.Second):
		t.Error("DictConfig did not return within 1s while the old queue's target was blocked")
		target.release()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Fatal("DictConfig did not return within 10s after the target was released")
		}
	}
	e.Logger("").Info("new")
	assert.Equal(t, "new\n", e.take("s"), "a record logged under the new configuration")

	target.release()
	deadline := time.Now().Add(5 * time.Second)
	for len(target.handled()) < len(msgs) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	assert.Equal(t, msgs, target.handled(), "records the old queue held, 5s after the target was released")
}
