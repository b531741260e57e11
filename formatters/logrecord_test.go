package formatters_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/formatters"
	"github.com/slogtree/slogtree/internal/testutil"
)

// TestAppendLogRecordKeysMatchCPython: the keys are those of a CPython
// LogRecord's __dict__, in its order.
func TestAppendLogRecordKeysMatchCPython(t *testing.T) {
	t.Parallel()
	py := testutil.Python3(t)
	out, err := exec.CommandContext(t.Context(), py, "-c",
		`import logging; print(" ".join(logging.LogRecord("n", 20, "p.py", 1, "m", (), None).__dict__))`).Output()
	require.NoError(t, err)
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "m", 0)
	var keys []string
	for _, a := range formatters.AppendLogRecord(nil, "n", &r, "") {
		keys = append(keys, a.Key)
	}
	assert.Equal(t, strings.Fields(string(out)), keys)
	assert.Len(t, keys, formatters.LogRecordLen)
}

func TestAppendLogRecordValues(t *testing.T) {
	t.Parallel()
	var pcs [1]uintptr
	runtime.Callers(1, pcs[:])
	at := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	r := slog.NewRecord(at, slog.LevelWarn, "disk full", pcs[0])
	got := map[string]any{}
	for _, a := range formatters.AppendLogRecord(nil, "app.db", &r, "worker") {
		got[a.Key] = a.Value.Any()
	}
	assert.Equal(t, "app.db", got["name"])
	assert.Equal(t, "disk full", got["msg"])
	assert.Nil(t, got["args"])
	assert.Equal(t, "WARNING", got["levelname"])
	assert.Equal(t, int64(30), got["levelno"])
	assert.Equal(t, "logrecord_test.go", got["filename"])
	assert.Equal(t, "logrecord_test", got["module"])
	assert.Equal(t, "TestAppendLogRecordValues", got["funcName"])
	assert.Equal(t, float64(at.UnixNano())/1e9, got["created"])
	assert.Equal(t, 123.0, got["msecs"])
	assert.Equal(t, int64(0), got["thread"])
	assert.Equal(t, "worker", got["threadName"])
	assert.Equal(t, "MainProcess", got["processName"])
	assert.Equal(t, int64(os.Getpid()), got["process"])
	for _, k := range []string{"exc_info", "exc_text", "stack_info"} {
		assert.Nil(t, got[k], k)
	}

	r0 := slog.NewRecord(at, slog.LevelInfo, "m", 0)
	got0 := formatters.AppendLogRecord(nil, "root", &r0, "")
	byKey := map[string]slog.Value{}
	for _, a := range got0 {
		byKey[a.Key] = a.Value
	}
	assert.Equal(t, "(unknown file)", byKey["pathname"].String())
	assert.Equal(t, "(unknown function)", byKey["funcName"].String())
	assert.Equal(t, int64(0), byKey["lineno"].Int64())
	assert.Equal(t, formatters.DefaultThreadName, byKey["threadName"].String())
}

// TestAppendExcAndStackMatchPattern: the exported renderings are what the
// pattern formatter writes after the line.
func TestAppendExcAndStackMatchPattern(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		exc       slog.Value
		stack     slog.Value
		wantExc   string
		wantStack string
	}{
		{name: "error", exc: slog.AnyValue(errors.New("boom\n")), wantExc: "boom"},
		{name: "string", exc: slog.StringValue("trace"), wantExc: "trace"},
		{name: "false", exc: slog.BoolValue(false)},
		{name: "nil", exc: slog.AnyValue(nil)},
		{name: "stack string", stack: slog.StringValue("Stack:\n  here"), wantStack: "Stack:\n  here"},
		{name: "stack false", stack: slog.BoolValue(false)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			exc, excOK := formatters.AppendExcText(nil, tt.exc)
			assert.Equal(t, tt.wantExc, string(exc))
			assert.Equal(t, tt.wantExc != "", excOK)
			stack, stackOK := formatters.AppendStackInfo(nil, tt.stack, 0)
			assert.Equal(t, tt.wantStack, string(stack))
			assert.Equal(t, tt.wantStack != "", stackOK)

			var b strings.Builder
			h := formatters.Default().NewHandler(&b)
			r := slog.NewRecord(time.Now(), slog.LevelInfo, "m", 0)
			if tt.exc.Kind() != slog.KindAny || tt.exc.Any() != nil {
				r.AddAttrs(slog.Attr{Key: "exc_info", Value: tt.exc})
			}
			if tt.stack.Kind() != slog.KindAny || tt.stack.Any() != nil {
				r.AddAttrs(slog.Attr{Key: "stack_info", Value: tt.stack})
			}
			require.NoError(t, h.Handle(context.Background(), r))
			want := "m"
			for _, s := range []string{tt.wantExc, tt.wantStack} {
				if s != "" {
					want += "\n" + s
				}
			}
			assert.Equal(t, want+"\n", b.String())
		})
	}
}

// stackHere returns AppendStackInfo's text for a record whose caller is
// the call of stackHere, as a handler below slog's Logger sees it.
func stackHere() string {
	var pcs [1]uintptr
	runtime.Callers(2, pcs[:])
	return stackBelow(pcs[0])
}

func stackBelow(pc uintptr) string {
	b, _ := formatters.AppendStackInfo(nil, slog.BoolValue(true), pc)
	return string(b)
}

func TestAppendStackInfoTrue(t *testing.T) {
	t.Parallel()
	s := stackHere()
	assert.True(t, strings.HasPrefix(s, "Stack (most recent call last):\n"), s)
	assert.True(t, strings.HasSuffix(s, "in github.com/slogtree/slogtree/formatters_test.TestAppendStackInfoTrue"), s)
}
