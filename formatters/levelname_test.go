package formatters_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/formatters"
)

// A registered level name is printed by the pattern, json and text
// formatters. Slog level 6 (Python 35) is used by no other test of this
// package, as the registry is global.
func TestRegisterLevelName(t *testing.T) {
	t.Parallel()
	const audit = slog.Level(6)
	require.NoError(t, formatters.RegisterLevelName("AUDIT", audit))
	ctx := context.Background()

	p := fmttPattern(t, formatters.PatternOptions{Format: "%(levelname)s %(levelno)d %(message)s"})
	assert.Equal(t, "AUDIT 35 hello\n", fmttRender(t, p, "", fmttRecord(audit, "hello")))
	assert.Equal(t, "Level 37 37 hello\n", fmttRender(t, p, "", fmttRecord(audit+1, "hello")), "only the exact level")

	var buf bytes.Buffer
	require.NoError(t, formatters.NewJSON(nil).NewHandler(&buf).Handle(ctx, fmttRecord(audit, "hello")))
	assert.Contains(t, buf.String(), `"level":"AUDIT"`)

	buf.Reset()
	h := formatters.NewText(nil).NewHandler(&buf)
	require.NoError(t, h.Handle(ctx, fmttRecord(audit, "hello")))
	require.NoError(t, h.Handle(ctx, fmttRecord(audit+1, "hello")))
	assert.Contains(t, buf.String(), "level=AUDIT msg=hello")
	assert.Contains(t, buf.String(), "level=WARN+3 msg=hello")

	assert.Equal(t, "AUDIT", formatters.LevelName(audit))
	assert.Equal(t, "WARN+3", formatters.LevelName(audit+1))

	assert.EqualError(t, formatters.RegisterLevelName("INFO", audit), `level name "INFO" is a standard level name`)
}

func TestLevelName(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		give slog.Level
		want string
	}{
		{slog.LevelDebug, "DEBUG"},
		{slog.LevelInfo, "INFO"},
		{slog.LevelInfo + 2, "INFO+2"},
		{slog.LevelWarn, "WARN"},
		{slog.LevelError, "ERROR"},
		{slog.LevelError + 3, "ERROR+3"},
		{12, "CRITICAL"},
		{14, "CRITICAL+2"},
		{slog.LevelDebug - 4, "DEBUG-4"},
	} {
		assert.Equal(t, tt.want, formatters.LevelName(tt.give), "level %d", int(tt.give))
	}
}
