package slogconfig

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine they started is
// still running when they are done: every queue, schedule, retirement and
// listener stops on Close or Shutdown.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleakLumberjack)
}
