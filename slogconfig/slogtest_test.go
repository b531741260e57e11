package slogconfig

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"testing/slogtest"

	"github.com/stretchr/testify/require"
)

// cfgtSlogtestConfig is a tree whose only handler is a json stream handler
// over sink a, on the root; app.db at DEBUG, everything else at INFO.
const cfgtSlogtestConfig = `{"version": 1,
	"formatters": {"json": {"class": "json"}},
	"handlers": {"out": {"class": "stream", "stream": "ext://out.a", "formatter": "json"}},
	"loggers": {"app": {"level": "INFO"}, "app.db": {"level": "DEBUG"}},
	"root": {"handlers": ["out"], "level": "INFO"}}`

// cfgtSlogtest runs testing/slogtest on the handler that get returns for a
// fresh Manager; configure is called before or after get as the test
// needs.
func cfgtSlogtest(t *testing.T, get func(t *testing.T, e *cfgtEnv) slog.Handler) {
	var mu sync.Mutex
	envs := map[*testing.T]*cfgtEnv{}
	slogtest.Run(t, func(t *testing.T) slog.Handler {
		e := cfgtManager(t, "a")
		mu.Lock()
		envs[t] = e
		mu.Unlock()
		return get(t, e)
	}, func(t *testing.T) map[string]any {
		mu.Lock()
		e := envs[t]
		mu.Unlock()
		out := e.take("a")
		require.Empty(t, e.reported())
		lines := bytes.Split(bytes.TrimSuffix([]byte(out), []byte("\n")), []byte("\n"))
		require.Len(t, lines, 1, "one line per record: %q", out)
		var m map[string]any
		require.NoError(t, json.Unmarshal(lines[0], &m), "line %q", lines[0])
		return m
	})
}

func TestSlogtestConfiguredLogger(t *testing.T) {
	t.Parallel()
	cfgtSlogtest(t, func(t *testing.T, e *cfgtEnv) slog.Handler {
		e.config(t, cfgtJSON(t, cfgtSlogtestConfig))
		return e.Handler("app.db")
	})
}

func TestSlogtestLoggerObtainedBeforeConfig(t *testing.T) {
	t.Parallel()
	cfgtSlogtest(t, func(t *testing.T, e *cfgtEnv) slog.Handler {
		h := e.Handler("app.db")
		e.config(t, cfgtJSON(t, cfgtSlogtestConfig))
		return h
	})
}

func TestSlogtestUnconfiguredChild(t *testing.T) {
	t.Parallel()
	cfgtSlogtest(t, func(t *testing.T, e *cfgtEnv) slog.Handler {
		e.config(t, cfgtJSON(t, cfgtSlogtestConfig))
		return e.Handler("app.db.pool.conn")
	})
}

func TestSlogtestRoot(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"", "root"} {
		t.Run("name="+name, func(t *testing.T) {
			t.Parallel()
			cfgtSlogtest(t, func(t *testing.T, e *cfgtEnv) slog.Handler {
				e.config(t, cfgtJSON(t, cfgtSlogtestConfig))
				return e.Handler(name)
			})
		})
	}
}

// TestSlogtestReconfigured runs slogtest on a handler obtained before a
// configuration that a second one replaced.
func TestSlogtestReconfigured(t *testing.T) {
	t.Parallel()
	cfgtSlogtest(t, func(t *testing.T, e *cfgtEnv) slog.Handler {
		h := e.Handler("app.db")
		e.config(t, cfgtJSON(t, `{"version": 1, `+cfgtRootA+`}`))
		e.config(t, cfgtJSON(t, cfgtSlogtestConfig))
		return h
	})
}
