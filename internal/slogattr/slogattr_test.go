package slogattr

import (
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
)

type lazy struct{}

func (lazy) LogValue() slog.Value { return slog.StringValue("resolved") }

func TestFlatten(t *testing.T) {
	t.Parallel()
	got := Flatten(nil, "p.", []slog.Attr{
		slog.Int("a", 1),
		slog.Group("g", slog.String("b", "x"), slog.Group("h", slog.Bool("c", true))),
		slog.Group("", slog.Int("inline", 2)),
		{Key: "", Value: slog.IntValue(3)},
		slog.Any("v", lazy{}),
	})
	want := []slog.Attr{
		slog.Int("p.a", 1), slog.String("p.g.b", "x"), slog.Bool("p.g.h.c", true),
		slog.Int("p.inline", 2), slog.String("p.v", "resolved"),
	}
	assert.Equal(t, len(want), len(got))
	for i := range want {
		assert.True(t, want[i].Equal(got[i]), "%d: %v, want %v", i, got[i], want[i])
	}
}
