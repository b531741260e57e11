// Package testutil holds what the tests of several packages share: finding
// CPython for the differential tests, and whether the race detector is on.
// Only test files import it.
package testutil

import (
	"os"
	"os/exec"
	"testing"
)

// Python3 returns the path of python3 for a test that compares slogtree with
// CPython. Without python3 the test is skipped with a message, except when
// CI is "true": CI installs CPython, so a missing python3 there is a broken
// test environment and the test fails.
func Python3(tb testing.TB) string {
	tb.Helper()
	py, err := exec.LookPath("python3")
	if err == nil {
		return py
	}
	if os.Getenv("CI") == "true" {
		tb.Fatalf("python3 not found, and CI=true: the CPython comparison must run in CI: %v", err)
	}
	tb.Skipf("python3 not found, so the CPython comparison is skipped: %v", err)
	return ""
}
