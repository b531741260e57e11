package filters

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: no
// filter starts one.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
