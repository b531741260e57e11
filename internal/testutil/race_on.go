//go:build race

package testutil

// RaceEnabled reports whether the race detector is on. It allocates on its
// own, so allocation tests skip under it; make test runs them in a pass of
// their own without -race.
const RaceEnabled = true
