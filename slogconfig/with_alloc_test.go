package slogconfig

import (
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withAllocsCase is a formatter of the With allocation tests, and the slog
// handler it is measured against.
type withAllocsCase struct {
	fmt  map[string]any
	base func(w *allocCounter) slog.Handler
}

// withAllocs measures l.With("req", 42).Info("hello", "k", 1) through a
// Manager with one stream handler with tc's formatter, and through slog's
// handler (with the logger attribute slogtree's formatters add): a logger
// made per request, as a web handler makes one. slog pre-formats the With
// attributes once per With; slogtree may allocate one more, for the
// logger's name.
func withAllocs(t *testing.T, tc withAllocsCase) {
	t.Helper()
	skipAllocsUnderRace(t)
	m, w := allocManager(t, tc.fmt)
	l := m.Logger("a.b.c")
	got := testing.AllocsPerRun(allocRuns, func() { l.With("req", 42).Info("hello", "k", 1) })
	require.Equal(t, int64(allocRuns+1), w.n.Load(), "records written through slogtree")

	bw := &allocCounter{}
	base := slog.New(tc.base(bw)).With("logger", "a.b.c")
	want := testing.AllocsPerRun(allocRuns, func() { base.With("req", 42).Info("hello", "k", 1) })
	require.Equal(t, int64(allocRuns+1), bw.n.Load(), "records written through slog")

	t.Logf("allocs of With(…).Info: slogtree %v, slog %v", got, want)
	assert.LessOrEqual(t, got, want+1, "allocs of With(…).Info: slogtree vs slog, which pre-formats the With attributes")
}

func TestAllocsWithJSON(t *testing.T) {
	withAllocs(t, withAllocsCase{
		fmt:  map[string]any{"class": "json"},
		base: func(w *allocCounter) slog.Handler { return slog.NewJSONHandler(w, nil) },
	})
}

func TestAllocsWithPattern(t *testing.T) {
	withAllocs(t, withAllocsCase{
		fmt:  map[string]any{"format": "%(levelname)s %(name)s: %(message)s"},
		base: func(w *allocCounter) slog.Handler { return slog.NewTextHandler(w, nil) },
	})
}
