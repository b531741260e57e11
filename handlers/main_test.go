package handlers

import (
	"testing"

	"go.uber.org/goleak"
)

// lumberjackMill is the cleanup goroutine lumberjack starts with a
// Logger's first rotation and never stops: one per rotated path, for the
// life of the process (see rotators).
const lumberjackMill = "gopkg.in/natefinch/lumberjack%2ev2.(*Logger).millRun"

// TestMain fails the package's tests if any goroutine but lumberjack's
// mill outlives them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction(lumberjackMill))
}
