package slogconfig

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestShutdownContextExpired: ShutdownContext gives up when its context
// ends, as http.Server.Shutdown does: with a queue whose target hangs,
// holding five records, and a deadline already past, it returns at once
// with the context's error, the error handler is told how many records
// were dropped, and once the target returns no goroutine of the Manager is
// left.
//
// Not parallel: it checks the goroutines of the process.
func TestShutdownContextExpired(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	e, target := retireManager(t)
	msgs := retireLog(t, e, target, 5)

	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- e.ShutdownContext(ctx) }()
	var err error
	select {
	case err = <-done:
	case <-time.After(time.Second):
		t.Error("ShutdownContext with an expired deadline did not return within 1s while the queue's target was blocked")
		target.release()
		select {
		case err = <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("ShutdownContext did not return within 10s after the target was released")
		}
	}
	require.Error(t, err, "ShutdownContext with an expired deadline")
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	target.release()
	goleak.VerifyNone(t, ignore)

	// Every record the target did not get was dropped, and said so.
	dropped := len(msgs) - len(target.handled())
	require.Positive(t, dropped, "records dropped: the target got %q", target.handled())
	count := regexp.MustCompile(`\b` + strconv.Itoa(dropped) + `\b`)
	var reports []string
	found := false
	for _, r := range e.reported() {
		reports = append(reports, r.Error())
		found = found || strings.Contains(strings.ToLower(r.Error()), "drop") && count.MatchString(r.Error())
	}
	assert.True(t, found, "no error reported says that %d records were dropped; reported: %q", dropped, reports)
}
