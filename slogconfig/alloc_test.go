package slogconfig

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/slogtree/slogtree/internal/testutil"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// allocRuns is the number of calls testing.AllocsPerRun averages over.
const allocRuns = 1000

// allocCounter is an io.Writer that discards what it gets and counts the
// writes, so an allocation test can prove its records were written.
type allocCounter struct{ n atomic.Int64 }

func (c *allocCounter) Write(p []byte) (int, error) {
	c.n.Add(1)
	return len(p), nil
}

// allocManager returns a Manager whose root logger, at INFO, writes to a
// new allocCounter through one stream handler with the formatter fmtCfg.
func allocManager(t *testing.T, fmtCfg map[string]any) (*Manager, *allocCounter) {
	t.Helper()
	w := &allocCounter{}
	reg := NewRegistry()
	require.NoError(t, reg.RegisterValue("alloc.out", w))
	m := New(WithRegistry(reg), WithErrorHandler(func(err error) { t.Errorf("handler error: %v", err) }))
	require.NoError(t, m.DictConfig(map[string]any{
		"version":    1,
		"formatters": map[string]any{"f": fmtCfg},
		"handlers": map[string]any{
			"h": map[string]any{"class": "stream", "stream": "ext://alloc.out", "formatter": "f"},
		},
		"root": map[string]any{"level": "INFO", "handlers": []any{"h"}},
	}))
	t.Cleanup(func() { _ = m.Shutdown() })
	return m, w
}

func skipAllocsUnderRace(t *testing.T) {
	t.Helper()
	if testutil.RaceEnabled {
		t.Skip("the race detector allocates")
	}
}

// allocArgs are the attribute lists of the allocation tests: up to five
// attributes, the most a slog.Record holds without allocating.
var allocArgs = []struct {
	name string
	give []any
}{
	{name: "no attrs", give: nil},
	{name: "1 attr", give: []any{"k1", 1}},
	{name: "2 attrs", give: []any{"k1", 1, "k2", "two"}},
	{name: "3 attrs", give: []any{"k1", 1, "k2", "two", "k3", true}},
	{name: "4 attrs", give: []any{"k1", 1, "k2", "two", "k3", true, "k4", 4}},
	{name: "5 attrs", give: []any{"k1", 1, "k2", "two", "k3", true, "k4", 4, "k5", "five"}},
}

func TestAllocsDisabledDebug(t *testing.T) {
	skipAllocsUnderRace(t)
	m, w := allocManager(t, map[string]any{"class": "json"})
	l := m.Logger("a.b.c")
	got := testing.AllocsPerRun(allocRuns, func() { l.Debug("x", "k", 1) })

	bw := &allocCounter{}
	base := slog.New(slog.NewJSONHandler(bw, &slog.HandlerOptions{Level: slog.LevelInfo}))
	want := testing.AllocsPerRun(allocRuns, func() { base.Debug("x", "k", 1) })

	assert.Zero(t, w.n.Load()+bw.n.Load(), "a disabled Debug was written")
	assert.Zero(t, got, "allocs of a disabled Debug through slogtree")
	assert.Equal(t, want, got, "allocs of a disabled Debug: slogtree vs slog")
}

func TestAllocsEnabledJSON(t *testing.T) {
	skipAllocsUnderRace(t)
	m, w := allocManager(t, map[string]any{"class": "json"})
	l := m.Logger("a.b.c")
	bw := &allocCounter{}
	base := slog.New(slog.NewJSONHandler(bw, nil)).With("logger", "a.b.c")
	for _, tt := range allocArgs {
		t.Run(tt.name, func(t *testing.T) {
			w0, bw0 := w.n.Load(), bw.n.Load()
			want := testing.AllocsPerRun(allocRuns, func() { base.Info("hello", tt.give...) })
			got := testing.AllocsPerRun(allocRuns, func() { l.Info("hello", tt.give...) })
			require.Equal(t, int64(allocRuns+1), w.n.Load()-w0, "records written through slogtree")
			require.Equal(t, int64(allocRuns+1), bw.n.Load()-bw0, "records written through slog")
			t.Logf("allocs/op: slogtree %v, slog %v", got, want)
			assert.Equal(t, want, got, "allocs of Info with %s: slogtree json vs slog.JSONHandler", tt.name)
		})
	}
}

// TestAllocsPatternFormatter measures the pattern formatter against slog's
// TextHandler, its nearest slog equivalent, for a record of three
// attributes.
func TestAllocsPatternFormatter(t *testing.T) {
	skipAllocsUnderRace(t)
	m, w := allocManager(t, map[string]any{"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"})
	l := m.Logger("a.b.c")
	require.True(t, l.Enabled(context.Background(), slog.LevelInfo))
	args := allocArgs[3].give
	got := testing.AllocsPerRun(allocRuns, func() { l.Info("hello", args...) })
	require.Equal(t, int64(allocRuns+1), w.n.Load(), "records written through slogtree")

	base := slog.New(slog.NewTextHandler(&allocCounter{}, nil)).With("logger", "a.b.c")
	want := testing.AllocsPerRun(allocRuns, func() { base.Info("hello", args...) })

	t.Logf("allocs of Info with 3 attrs: pattern formatter %v, slog.TextHandler %v", got, want)
	assert.LessOrEqual(t, got, want, "allocs of Info with 3 attrs: pattern formatter vs slog.TextHandler")
}
