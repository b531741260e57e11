package formatters_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/slogtest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/formatters"
)

func TestJSONLevelNamesAndLogger(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		level slog.Level
		want  string
	}{
		{name: "debug", level: slog.LevelDebug, want: "DEBUG"},
		{name: "info+2", level: 2, want: "INFO+2"},
		{name: "error+3", level: 11, want: "ERROR+3"},
		{name: "critical", level: 12, want: "CRITICAL"},
		{name: "critical+1", level: 13, want: "CRITICAL+1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			h := formatters.WithLoggerName(formatters.NewJSON(nil).NewHandler(&buf), "app.db")
			require.True(t, h.Enabled(context.Background(), slog.Level(-100)), "formatters pass every level")
			require.NoError(t, h.Handle(context.Background(), fmttRecord(tt.level, "hello")))
			var got map[string]any
			require.NoError(t, json.Unmarshal(buf.Bytes(), &got), buf.String())
			assert.Equal(t, tt.want, got["level"])
			assert.Equal(t, "app.db", got[formatters.LoggerKey])
			assert.Equal(t, "hello", got["msg"])
			assert.Equal(t, "2024-01-02T03:04:05.678901234Z", got["time"])
		})
	}
}

func TestTextLevelNamesAndLogger(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	h := formatters.WithLoggerName(formatters.NewText(nil).NewHandler(&buf), "app")
	ctx := context.Background()
	require.NoError(t, h.Handle(ctx, fmttRecord(12, "boom")))
	require.NoError(t, h.Handle(ctx, fmttRecord(14, "boom")))
	require.NoError(t, h.WithGroup("g").Handle(ctx, fmttRecord(slog.LevelWarn, "hi", slog.Int("a", 1))))
	assert.Equal(t,
		"time=2024-01-02T03:04:05.678Z level=CRITICAL msg=boom logger=app\n"+
			"time=2024-01-02T03:04:05.678Z level=CRITICAL+2 msg=boom logger=app\n"+
			"time=2024-01-02T03:04:05.678Z level=WARN msg=hi logger=app g.a=1\n",
		buf.String())
}

// One Write per record, also for the critical levels that take another
// path.
func TestJSONTextOneWritePerRecord(t *testing.T) {
	t.Parallel()
	for _, f := range []formatters.Formatter{formatters.NewJSON(nil), formatters.NewText(nil)} {
		w := &fmttWriter{}
		h := f.NewHandler(w).WithAttrs([]slog.Attr{slog.Int("a", 1)}).WithGroup("g")
		for _, l := range []slog.Level{slog.LevelInfo, 12, 20} {
			require.NoError(t, h.Handle(context.Background(), fmttRecord(l, "m", slog.Int("b", 2))))
		}
		assert.Equal(t, 3, w.writes, "%T", f)
	}
}

func TestJSONSlogtest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give formatters.JSONOptions
		wrap func(slog.Handler) slog.Handler
	}{
		{name: "defaults"},
		{name: "source and utc", give: formatters.JSONOptions{AddSource: true, UTC: true}},
		{name: "logger name", wrap: func(h slog.Handler) slog.Handler { return formatters.WithLoggerName(h, "app") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			h := formatters.NewJSON(&tt.give).NewHandler(&buf)
			if tt.wrap != nil {
				h = tt.wrap(h)
			}
			results := func() []map[string]any {
				var ms []map[string]any
				for _, line := range bytes.Split(bytes.TrimSuffix(buf.Bytes(), []byte("\n")), []byte("\n")) {
					if len(line) == 0 {
						continue
					}
					var m map[string]any
					require.NoError(t, json.Unmarshal(line, &m), string(line))
					ms = append(ms, m)
				}
				return ms
			}
			require.NoError(t, slogtest.TestHandler(h, results))
		})
	}
}

func TestTextSlogtest(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	h := formatters.NewText(nil).NewHandler(&buf)
	results := func() []map[string]any {
		var ms []map[string]any
		for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
			if line == "" {
				continue
			}
			m, err := fmttParseText(line)
			require.NoError(t, err, line)
			ms = append(ms, m)
		}
		return ms
	}
	require.NoError(t, slogtest.TestHandler(h, results))
}

// fmttParseText reads one line of slog's text format into nested maps,
// dotted keys as groups.
func fmttParseText(line string) (map[string]any, error) {
	m := map[string]any{}
	for line != "" {
		eq := strings.IndexByte(line, '=')
		if eq < 0 {
			return nil, fmt.Errorf("no '=' in %q", line)
		}
		key := line[:eq]
		line = line[eq+1:]
		var val string
		if strings.HasPrefix(line, `"`) {
			q, err := strconv.QuotedPrefix(line)
			if err != nil {
				return nil, err
			}
			if val, err = strconv.Unquote(q); err != nil {
				return nil, err
			}
			line = line[len(q):]
		} else {
			end := strings.IndexByte(line, ' ')
			if end < 0 {
				end = len(line)
			}
			val, line = line[:end], line[end:]
		}
		line = strings.TrimPrefix(line, " ")
		cur := m
		parts := strings.Split(key, ".")
		for _, p := range parts[:len(parts)-1] {
			sub, ok := cur[p].(map[string]any)
			if !ok {
				sub = map[string]any{}
				cur[p] = sub
			}
			cur = sub
		}
		cur[parts[len(parts)-1]] = val
	}
	return m, nil
}

// Writes from several goroutines through one handler and handlers derived
// from it, onto a writer without a lock of its own, come out as whole
// lines, none lost.
func TestJSONConcurrentWrites(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer // not safe for concurrent use: the handler locks
	h := formatters.NewJSON(nil).NewHandler(&buf)
	const goroutines, perG = 8, 200
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hg := h
			if g%2 == 1 {
				hg = h.WithAttrs([]slog.Attr{slog.Int("g", g)}).WithGroup("grp")
			}
			for i := range perG {
				r := slog.NewRecord(time.Now(), slog.LevelInfo, strings.Repeat("x", i), 0)
				r.AddAttrs(slog.Int("g", g), slog.Int("i", i))
				assert.NoError(t, hg.Handle(context.Background(), r))
			}
		}()
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	require.Len(t, lines, goroutines*perG)
	seen := map[[2]int]bool{}
	for _, line := range lines {
		var m struct {
			Msg string
			G   *int
			I   *int
			Grp struct{ G, I *int }
		}
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		g, i := m.G, m.I
		if m.Grp.G != nil {
			g, i = m.Grp.G, m.Grp.I
		}
		require.NotNil(t, g, line)
		require.NotNil(t, i, line)
		assert.Len(t, m.Msg, *i, line)
		seen[[2]int{*g, *i}] = true
	}
	assert.Len(t, seen, goroutines*perG, "every record once")
}
