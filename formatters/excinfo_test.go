package formatters_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/formatters"
)

// detailedError renders a trace with %+v, as errors of pkg/errors do.
type detailedError struct{}

func (detailedError) Error() string { return "short" }

func (detailedError) Format(s fmt.State, verb rune) {
	if verb == 'v' && s.Flag('+') {
		fmt.Fprint(s, "long\n  at main.go:1\n")
		return
	}
	fmt.Fprint(s, "short")
}

// An exc_info attribute is rendered after the line with %+v, as Python
// appends the traceback after the formatted message; it is never an extra.
func TestPatternExcInfo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give slog.Attr
		want string
	}{
		{name: "error", give: slog.Any("exc_info", errors.New("boom")), want: "INFO m k=v\nboom\n"},
		{name: "wrapped", give: slog.Any("exc_info", fmt.Errorf("ctx: %w", errors.New("boom"))), want: "INFO m k=v\nctx: boom\n"},
		{name: "detailed, trailing newline dropped", give: slog.Any("exc_info", detailedError{}), want: "INFO m k=v\nlong\n  at main.go:1\n"},
		{name: "string", give: slog.String("exc_info", "Traceback: x"), want: "INFO m k=v\nTraceback: x\n"},
		{name: "nil", give: slog.Any("exc_info", nil), want: "INFO m k=v\n"},
		{name: "false", give: slog.Bool("exc_info", false), want: "INFO m k=v\n"},
		{name: "in a group is an extra", give: slog.Group("g", slog.Any("exc_info", errors.New("boom"))), want: "INFO m k=v g.exc_info=boom\n"},
		{name: "string stack", give: slog.String("stack_info", "Stack (most recent call last):\n  here"), want: "INFO m k=v\nStack (most recent call last):\n  here\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := fmttPattern(t, formatters.PatternOptions{Format: "%(levelname)s %(message)s"})
			assert.Equal(t, tt.want, fmttRender(t, p, "", fmttRecord(slog.LevelInfo, "m", slog.String("k", "v"), tt.give)))
		})
	}

	// With extras ignored, and through WithAttrs.
	p := fmttPattern(t, formatters.PatternOptions{Format: "%(message)s", Extras: formatters.ExtrasIgnore})
	var buf bytes.Buffer
	h := p.NewHandler(&buf).WithAttrs([]slog.Attr{slog.Any("exc_info", errors.New("boom"))})
	require.NoError(t, h.Handle(context.Background(), fmttRecord(slog.LevelInfo, "m", slog.String("k", "v"))))
	assert.Equal(t, "m\nboom\n", buf.String())
}

// A true stack_info appends the logging goroutine's stack in Python's
// order, ending at the caller of the log call.
func TestPatternStackInfo(t *testing.T) {
	t.Parallel()
	p := fmttPattern(t, formatters.PatternOptions{Format: "%(message)s"})
	var buf bytes.Buffer
	slog.New(p.NewHandler(&buf)).Info("m", "stack_info", true, "exc_info", errors.New("boom"))
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	require.GreaterOrEqual(t, len(lines), 4, buf.String())
	assert.Equal(t, []string{"m", "boom", "Stack (most recent call last):"}, lines[:3])
	last := lines[len(lines)-1]
	assert.Regexp(t, `^  File ".*excinfo_test.go", line \d+, in .*TestPatternStackInfo$`, last)
	assert.NotContains(t, buf.String(), "log/slog", "the frames end at the caller")
}

// An attribute that shares its key with a LogRecord field the format shows
// (name, levelname, ...) is not that field, so it is appended, never lost.
func TestPatternExtrasNamedLikeRecordFields(t *testing.T) {
	t.Parallel()
	p := fmttPattern(t, formatters.PatternOptions{Format: "%(name)s %(levelname)s %(user)s: %(message)s"})
	got := fmttRender(t, p, "app", fmttRecord(slog.LevelInfo, "m", slog.String("name", "x"), slog.String("levelname", "y"), slog.String("user", "u")))
	assert.Equal(t, "app INFO u: m name=x levelname=y\n", got)
}
