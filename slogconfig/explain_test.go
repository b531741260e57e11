package slogconfig

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// agreeCase is a configuration on which TestExplainAgreesWithRecords logs
// one record for each logger and level of its grid. Every handler that
// writes is a stream (or a test.gate) to the sink named as its id.
type agreeCase struct {
	name    string
	pre     []string // loggers named before any configuration
	before  []string // configurations applied first
	give    string
	sinks   []string // the ids of the handlers that write, each to ext://out.ID
	loggers []string
	levels  []slog.Level // added to agreeLevels
	// fresh: a Manager per record, shut down before its sinks are read
	// (queues and memory handlers deliver later).
	fresh bool
}

// agreeLevels are the levels of every grid: Python's, and slog levels
// between them.
var agreeLevels = []slog.Level{slog.LevelDebug - 4, slog.LevelDebug, slog.LevelDebug + 2, slog.LevelInfo,
	slog.LevelInfo + 2, slog.LevelWarn, slog.LevelError, LevelCritical}

// agreeMessages are the messages of every record: the test.prefix filters
// of the grids pass the first and drop the second.
var agreeMessages = []string{"keep", "drop"}

var agreeCases = []agreeCase{
	{
		name: "propagation and levels",
		give: `{"version": 1,
			"handlers": {
				"h1": {"class": "stream", "stream": "ext://out.h1"},
				"h2": {"class": "stream", "stream": "ext://out.h2", "level": "WARNING"},
				"h3": {"class": "stream", "stream": "ext://out.h3", "level": "DEBUG"},
				"h4": {"class": "stream", "stream": "ext://out.h4"},
				"h5": {"class": "stream", "stream": "ext://out.h5", "level": "ERROR"}
			},
			"loggers": {
				"a": {"level": "INFO", "handlers": ["h1"]},
				"a.b": {"level": "DEBUG", "handlers": ["h2", "h4"]},
				"a.b.c": {"propagate": false, "handlers": ["h3"]},
				"x": {"level": "ERROR"},
				"solo": {"propagate": false}
			},
			"root": {"level": "WARNING", "handlers": ["h4", "h5"]}}`,
		sinks:   []string{"h1", "h2", "h3", "h4", "h5"},
		loggers: []string{"", "a", "a.b", "a.b.c", "a.b.c.d", "x", "x.y", "solo", "solo.kid", "other"},
	},
	{
		name:   "disabled loggers",
		pre:    []string{"old", "old.child", "app.sub", "appx", "ro.x"},
		before: []string{`{"version": 1, "disable_existing_loggers": false, "handlers": {"h1": {"class": "stream", "stream": "ext://out.h1"}}, "loggers": {"app.sub": {"level": "DEBUG", "handlers": ["h1"]}}}`},
		give: `{"version": 1,
			"handlers": {"h2": {"class": "stream", "stream": "ext://out.h2"}, "h3": {"class": "stream", "stream": "ext://out.h3"}},
			"loggers": {"app": {"level": "INFO", "handlers": ["h2"]}, "ro": {"handlers": ["h2"]}},
			"root": {"level": "WARNING", "handlers": ["h3"]}}`,
		sinks:   []string{"h1", "h2", "h3"},
		loggers: []string{"", "old", "old.child", "app", "app.sub", "appx", "ro", "ro.x", "new"},
	},
	{
		name: "filters",
		give: `{"version": 1,
			"filters": {"app": {"name": "app"}, "keep": {"()": "test.prefix", "prefix": "keep"}, "db": {"name": "app.db"}},
			"handlers": {
				"h1": {"class": "stream", "stream": "ext://out.h1", "filters": ["db"]},
				"h2": {"class": "stream", "stream": "ext://out.h2", "filters": ["keep"], "level": "INFO"},
				"h3": {"class": "stream", "stream": "ext://out.h3", "filters": ["app", "keep"]}
			},
			"loggers": {
				"app": {"filters": ["app", "keep"], "handlers": ["h1"]},
				"app.db": {"handlers": ["h2", "h3"]},
				"lib": {"filters": ["app"], "handlers": ["h1"]},
				"lib.sub": {"handlers": ["h3"]}
			},
			"root": {"level": "DEBUG", "handlers": ["h2", "h3"]}}`,
		sinks:   []string{"h1", "h2", "h3"},
		loggers: []string{"", "app", "app.db", "app.db.x", "app.x", "lib", "lib.sub", "other"},
	},
	{
		name: "null handlers, propagate false and the last resort",
		give: `{"version": 1,
			"handlers": {"nul": {"class": "null"}, "h1": {"class": "stream", "stream": "ext://out.h1", "level": "NOTSET"}},
			"loggers": {
				"quiet": {"handlers": ["nul"], "propagate": false},
				"loud": {"level": "DEBUG", "handlers": ["h1"], "propagate": false},
				"nohandler": {"level": "INFO", "propagate": false}
			},
			"root": {"level": "NOTSET"}}`,
		sinks:   []string{"h1"},
		loggers: []string{"", "quiet", "quiet.kid", "loud", "loud.kid", "nohandler", "nohandler.kid", "other"},
	},
	{
		name: "custom levels",
		give: `{"version": 1, "slogtree_levels": {"AGREE_TEST_TRACE": "DEBUG-4", "AGREE_TEST_NOTICE": 25},
			"handlers": {
				"h1": {"class": "stream", "stream": "ext://out.h1", "level": "AGREE_TEST_NOTICE"},
				"h2": {"class": "stream", "stream": "ext://out.h2", "level": "INFO+3"},
				"h3": {"class": "stream", "stream": "ext://out.h3", "level": "agree_test_trace"}
			},
			"loggers": {
				"t": {"level": "AGREE_TEST_TRACE", "handlers": ["h3"]},
				"n": {"level": "AGREE_TEST_NOTICE", "handlers": ["h1", "h2"]},
				"n.k": {"level": 15}
			},
			"root": {"level": "INFO+1", "handlers": ["h1"]}}`,
		sinks:   []string{"h1", "h2", "h3"},
		loggers: []string{"", "t", "t.k", "n", "n.k", "other"},
		levels:  []slog.Level{slog.LevelDebug - 5, slog.LevelDebug - 3, slog.LevelInfo + 1, slog.LevelInfo + 3, slog.LevelWarn + 1},
	},
	{
		name: "an incremental configuration",
		before: []string{`{"version": 1,
			"handlers": {"h1": {"class": "stream", "stream": "ext://out.h1"}, "h2": {"class": "stream", "stream": "ext://out.h2", "level": "INFO"}},
			"loggers": {"a": {"level": "WARNING", "handlers": ["h1"]}},
			"root": {"level": "WARNING", "handlers": ["h2"]}}`},
		give: `{"version": 1, "incremental": true,
			"handlers": {"h1": {"level": "ERROR"}, "h2": {"level": "DEBUG"}},
			"loggers": {"a": {"level": "DEBUG", "propagate": false}, "b": {"level": "INFO"}},
			"root": {"level": "DEBUG"}}`,
		sinks:   []string{"h1", "h2"},
		loggers: []string{"", "a", "a.x", "b", "c"},
	},
	{
		name: "wrappers and a registered class",
		give: `{"version": 1,
			"filters": {"keep": {"()": "test.prefix", "prefix": "keep"}},
			"handlers": {
				"a": {"class": "stream", "stream": "ext://out.a", "level": "INFO"},
				"b": {"class": "stream", "stream": "ext://out.b", "level": "ERROR"},
				"c": {"class": "stream", "stream": "ext://out.c", "filters": ["keep"]},
				"d": {"class": "stream", "stream": "ext://out.d"},
				"g": {"class": "test.gate", "stream": "ext://out.g"},
				"q": {"class": "queue", "handlers": ["a", "b"]},
				"qr": {"class": "queue", "handlers": ["a", "c"], "respect_handler_level": true},
				"mem": {"class": "memory", "capacity": 10, "flushLevel": "ERROR", "target": "d"},
				"fo": {"class": "failover", "handlers": ["b", "g", "a"]},
				"rt": {"class": "router", "handlers": ["a", "b", "d"], "routes": {"a": {"maxLevel": "INFO"}, "b": {"level": "ERROR"}}},
				"rtf": {"class": "router", "handlers": ["d", "a"], "firstMatch": true, "routes": {"d": {"level": "WARNING"}}},
				"nul": {"class": "null"}
			},
			"loggers": {
				"q": {"handlers": ["q", "qr"]},
				"m": {"level": "INFO", "handlers": ["mem"]},
				"f": {"handlers": ["fo", "rt", "rtf"]},
				"g": {"handlers": ["g", "nul"]}
			},
			"root": {"level": "DEBUG"}}`,
		sinks:   []string{"a", "b", "c", "d", "g"},
		loggers: []string{"q", "m", "f", "g", "other"},
		fresh:   true,
	},
}

// TestExplainGolden checks Explain's text and JSON against the golden
// files of testdata/tree, for records on the configurations of
// TestTreeGolden.
func TestExplainGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range treeCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, scrub := treeCaseEnv(t, tc)
			var text strings.Builder
			var js []json.RawMessage
			for i, q := range tc.queries {
				x := e.Explain(q.logger, q.level)
				if i > 0 {
					text.WriteString("\n")
				}
				text.WriteString(x.String())
				b, err := json.Marshal(x)
				require.NoError(t, err)
				js = append(js, b)
			}
			golden(t, tc.name+".explain.txt", scrub(text.String()))
			golden(t, tc.name+".explain.json", scrub(indentJSON(t, js)))
			assert.Empty(t, e.reported())
		})
	}
}

// TestExplainDryRun checks that a dry-run Manager explains records
// exactly as a Manager that built the handlers does.
func TestExplainDryRun(t *testing.T) {
	t.Parallel()
	for _, tc := range treeCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			live, scrubLive := treeCaseEnv(t, tc)
			dry, scrubDry := treeCaseEnv(t, tc, WithDryRun())
			for _, q := range tc.queries {
				assert.Equal(t, scrubLive(indentJSON(t, live.Explain(q.logger, q.level))),
					scrubDry(indentJSON(t, dry.Explain(q.logger, q.level))), "%+v", q)
			}
		})
	}
}

// TestExplainDefault checks the package-level Explain on the default
// Manager, which no test configures: the last resort, and no logger
// created.
func TestExplainDefault(t *testing.T) {
	t.Parallel()
	x := Explain("explain.default.test", slog.LevelError)
	assert.False(t, x.Exists)
	require.NotNil(t, x.LastResort)
	assert.Equal(t, OutcomeReached, x.LastResort.Outcome)
	assert.Equal(t, []string{"lastResort"}, x.ReachedIDs())
	assert.Nil(t, LoggerTree().Logger("explain.default.test"), "Explain creates no logger")
}

// registerGate registers the handler class "test.gate": a slog
// TextHandler over its stream whose own Enabled refuses records below
// WARNING, as a program's class may.
func registerGate(t testing.TB, r *Registry) {
	t.Helper()
	require.NoError(t, r.RegisterHandler("test.gate", HandlerClass{
		Params: []string{"stream"},
		New: func(c *HandlerConfig) (slog.Handler, io.Closer, error) {
			w, ok := c.Args["stream"].(io.Writer)
			if !ok {
				return nil, nil, fmt.Errorf("stream: want a writer")
			}
			return slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}), nil, nil
		},
	}))
}

// agreeEnv returns a testEnv with the case's sinks and loggers, and its
// configurations applied.
func agreeEnv(t *testing.T, tc agreeCase) *testEnv {
	t.Helper()
	e := newTestEnv(t, tc.sinks...)
	registerGate(t, e.reg)
	for _, name := range tc.pre {
		e.Logger(name)
	}
	for _, b := range tc.before {
		e.config(t, jsonConfig(t, b))
	}
	e.config(t, jsonConfig(t, tc.give))
	e.takeAll()
	return e
}

// TestExplainAgreesWithRecords checks Explain against reality: for every
// configuration, logger and level of the grids, and a record that the
// grids' record filters keep and one they drop, the handlers that get the
// record (counted in their sinks, the last resort in its own) are those
// that Explain says the record reaches, as many times. A logger is
// explained before it exists and again once it does: the two agree.
func TestExplainAgreesWithRecords(t *testing.T) {
	t.Parallel()
	for _, tc := range agreeCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			levels := append(append([]slog.Level{}, agreeLevels...), tc.levels...)
			checked := 0
			for _, msg := range agreeMessages {
				var e *testEnv
				if !tc.fresh {
					e = agreeEnv(t, tc)
				}
				for _, logger := range tc.loggers {
					for _, level := range levels {
						if tc.fresh {
							e = agreeEnv(t, tc)
						}
						x := e.Explain(logger, level)
						if !x.Exists {
							e.Logger(logger)
							assertSameExplanation(t, x, e.Explain(logger, level))
						}
						e.Logger(logger).Log(context.Background(), level, msg)
						if tc.fresh {
							require.NoError(t, e.Shutdown())
						}
						got := map[string]int{}
						for name, out := range e.takeAll() {
							got[name] = strings.Count(out, "\n")
						}
						if n := strings.Count(e.last.take(), "\n"); n > 0 {
							got["lastResort"] = n
						}
						assert.Equal(t, deliveries(t, x, msg, tc.sinks), got, "logger %q, level %s, message %q:\n%s",
							logger, levelName(level, nil), msg, x)
						checked++
					}
				}
				assert.Empty(t, e.reported(), "errors reported")
			}
			assert.Equal(t, 2*len(tc.loggers)*len(levels), checked)
		})
	}
}

// assertSameExplanation checks that the explanation of a logger that did
// not exist is the one of the logger once it does.
func assertSameExplanation(t *testing.T, before, after *Explanation) {
	t.Helper()
	assert.False(t, before.Exists)
	assert.True(t, after.Exists)
	b, err := json.Marshal(before)
	require.NoError(t, err)
	a, err := json.Marshal(after)
	require.NoError(t, err)
	assert.Equal(t, strings.Replace(string(b), `"exists":false`, `"exists":true`, 1), string(a))
}

// deliveries returns how many times each handler of sinks, and the last
// resort, gets the record of message msg by x: the handlers it reaches,
// and those whose outcome depends only on the grids' record filters when
// msg is the one they keep.
func deliveries(t *testing.T, x *Explanation, msg string, sinks []string) map[string]int {
	t.Helper()
	want := map[string]int{}
	var walk func(hs []*HandlerOutcome)
	walk = func(hs []*HandlerOutcome) {
		for _, h := range hs {
			switch h.Outcome {
			case OutcomeNotReached:
				continue
			case OutcomeDepends:
				if !assert.Equal(t, ReasonRecordFilter, h.Reason, "only record filters decide in the grids: %+v", h) || msg != "keep" {
					continue
				}
			}
			if slices.Contains(sinks, h.ID) || h.ID == "lastResort" {
				want[h.ID]++
			}
			walk(h.Handlers)
		}
	}
	walk(x.Handlers)
	if x.LastResort != nil {
		walk([]*HandlerOutcome{x.LastResort})
	}
	return want
}

// TestExplainNotice checks the explanation of a record with no handler on
// its way and no last resort: Python's one-time notice.
func TestExplainNotice(t *testing.T) {
	t.Parallel()
	m := New(WithRegistry(NewRegistry()), WithLastResort(nil))
	x := m.Explain("nobody", slog.LevelError)
	assert.True(t, x.Notice)
	assert.Nil(t, x.LastResort)
	assert.Empty(t, x.ReachedIDs())
	assert.Contains(t, x.String(), `no handler and no last resort: the record is dropped with a one-time "No handlers could be found" notice`)
	x = m.Explain("nobody", slog.LevelInfo)
	assert.False(t, x.Notice, "a record the logger's level stops never gets as far")
	assert.Equal(t, ReasonLoggerLevel, x.Reason)
}

// TestExplainRegisteredWrapper checks the explanation of the handlers a
// program's own class passes records to: what the class does is its own,
// so they depend on it.
func TestExplainRegisteredWrapper(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, "a")
	e.config(t, jsonConfig(t, `{"version": 1, "handlers": {
		"a": {"class": "stream", "stream": "ext://out.a", "level": "ERROR"},
		"t": {"class": "test.ref", "target": "a"}},
		"root": {"level": "DEBUG", "handlers": ["t"]}}`))
	x := e.Explain("app", slog.LevelError)
	require.Len(t, x.Handlers, 1)
	require.Len(t, x.Handlers[0].Handlers, 1)
	in := x.Handlers[0].Handlers[0]
	assert.Equal(t, OutcomeDepends, in.Outcome)
	assert.Equal(t, ReasonClass, in.Reason)
	assert.Equal(t, `handler class "test.ref" decides what it passes on`, in.Detail)
	assert.Equal(t, []string{"t"}, x.ReachedIDs())
}

// TestTreeAndExplainWhileLogging takes snapshots and explanations while
// other goroutines log and reconfigure: under -race, they share nothing
// unguarded, and a snapshot is always of one configuration.
func TestTreeAndExplainWhileLogging(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, "a", "b")
	cfgs := []map[string]any{
		jsonConfig(t, `{"version": 1, "disable_existing_loggers": false, "handlers": {"h": {"class": "stream", "stream": "ext://out.a"}}, "loggers": {"app": {"level": "DEBUG", "handlers": ["h"]}}, "root": {"handlers": ["h"]}}`),
		jsonConfig(t, `{"version": 1, "disable_existing_loggers": false, "handlers": {"g": {"class": "stream", "stream": "ext://out.b", "level": "ERROR"}}, "loggers": {"app": {"level": "INFO", "handlers": ["g"]}}, "root": {"handlers": ["g"]}}`),
	}
	e.config(t, cfgs[0])
	done := make(chan struct{})
	stopped := make(chan struct{}, 2)
	go func() {
		defer func() { stopped <- struct{}{} }()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			e.Logger(fmt.Sprintf("app.n%d", i%50)).Info("x")
		}
	}()
	go func() {
		defer func() { stopped <- struct{}{} }()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			assert.NoError(t, e.DictConfig(cfgs[i%2]))
		}
	}()
	for range 200 {
		tr := e.Tree()
		app := tr.Logger("app")
		require.NotNil(t, app)
		require.Len(t, app.Handlers, 1)
		assert.Contains(t, []string{"h", "g"}, app.Handlers[0].ID)
		assert.Equal(t, map[string]slog.Level{"h": slog.LevelDebug, "g": slog.LevelInfo}[app.Handlers[0].ID], app.Level,
			"a snapshot is of one configuration")
		x := e.Explain("app.n1", slog.LevelWarn)
		assert.True(t, x.Passes)
	}
	close(done)
	<-stopped
	<-stopped
}
