package formatters_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/formatters"
)

// A CRITICAL record, which the text formatter writes through a twin that
// names the level, carries the same attributes and groups, in the same
// order, as a record of another level through the same handler, whatever
// handler of the tree first logs at CRITICAL.
func TestTextCriticalSameAttrsAndGroups(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	h0 := formatters.NewText(nil).NewHandler(&buf)
	h1 := h0.WithAttrs([]slog.Attr{slog.Int("a", 1)})
	h2 := h1.WithGroup("g")
	h3 := formatters.WithLoggerName(h2.WithAttrs([]slog.Attr{slog.Int("b", 2), slog.Group("s", slog.Int("c", 3))}), "app")
	h4 := h3.WithGroup("h").WithGroup("").WithAttrs(nil)
	h5 := h1.WithGroup("x").WithAttrs([]slog.Attr{slog.String("d", "4")})
	// The deepest handler first: its twin makes its parents' on the way.
	for _, h := range []slog.Handler{h4, h3, h1, h0, h5, h2} {
		for _, level := range []slog.Level{12, slog.LevelWarn} {
			r := slog.NewRecord(time.Time{}, level, "m", 0)
			r.AddAttrs(slog.Int("e", 5))
			require.NoError(t, h.Handle(context.Background(), r))
		}
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	require.Len(t, lines, 12)
	for i := 0; i < len(lines); i += 2 {
		critical, warn := lines[i], lines[i+1]
		assert.True(t, strings.HasPrefix(critical, "level=CRITICAL "), critical)
		assert.Equal(t, strings.Replace(warn, "level=WARN ", "level=CRITICAL ", 1), critical)
	}
	assert.Equal(t, "level=CRITICAL msg=m a=1 g.b=2 g.s.c=3 g.logger=app g.h.e=5", lines[0])
	assert.Equal(t, "level=CRITICAL msg=m a=1 x.d=4 x.e=5", lines[8])
}
