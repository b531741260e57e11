//go:build race

package slogconfig

// raceEnabled reports whether the tests run under the race detector, which
// allocates on its own: allocation tests skip then.
const raceEnabled = true
