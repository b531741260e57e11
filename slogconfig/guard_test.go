package slogconfig

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// guardEnv names the case of TestGuardUserPanics that a child process
// runs.
const guardEnv = "SLOGTREE_TEST_GUARD_CASE"

// guardHandler is a user's handler that panics in one method: "WithAttrs",
// "WithGroup" or "Enabled". It counts the panics and writes nothing.
type guardHandler struct {
	method string
	panics *atomic.Int64
}

func (h guardHandler) boom(method string) {
	if h.method == method {
		h.panics.Add(1)
		panic("guard: " + method + " boom")
	}
}

func (h guardHandler) Enabled(context.Context, slog.Level) bool {
	h.boom("Enabled")
	return true
}
func (h guardHandler) Handle(context.Context, slog.Record) error { return nil }
func (h guardHandler) WithAttrs([]slog.Attr) slog.Handler {
	h.boom("WithAttrs")
	return h
}
func (h guardHandler) WithGroup(string) slog.Handler {
	h.boom("WithGroup")
	return h
}

// guardCases are the cases of TestGuardUserPanics: the method that panics,
// and whether the handler is behind a queue (which asks its Enabled, with
// respect_handler_level, in the queue's goroutine).
var guardCases = []struct {
	name   string
	method string
	queue  bool
}{
	{name: "WithAttrs", method: "WithAttrs"},
	{name: "WithGroup", method: "WithGroup"},
	{name: "Enabled", method: "Enabled"},
	{name: "WithAttrs behind queue", method: "WithAttrs", queue: true},
	{name: "WithGroup behind queue", method: "WithGroup", queue: true},
	{name: "Enabled behind queue", method: "Enabled", queue: true},
}

// TestGuardUserPanics: a panic in a user's handler (a registered class, so
// not trusted) is recovered and reported to the error handler, and the
// other handlers still get every record, as STYLE.md asks ("panics in
// user-registered code are recovered into errors") and as slogtree does
// for Handle and for filters. Today a panic in WithAttrs or WithGroup, which
// the logger calls when it first specialises its handlers for its name
// (even without With) and for With and WithGroup, reaches the caller, and
// a panic in Enabled behind a queue kills the process from the queue's
// goroutine. Each case therefore runs in a child process (this test
// binary, with guardEnv set), so that a crash fails the case with its
// output instead of ending the test binary.
func TestGuardUserPanics(t *testing.T) {
	if name := os.Getenv(guardEnv); name != "" {
		guardChild(t, name)
		return
	}
	t.Parallel()
	for _, tc := range guardCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestGuardUserPanics$", "-test.count=1")
			cmd.Env = append(os.Environ(), guardEnv+"="+tc.name)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("the case failed or crashed its process (%v); its output:\n%s", err, guardHead(out, 40))
			}
		})
	}
}

// guardHead returns the first n lines of out.
func guardHead(out []byte, n int) string {
	lines := strings.SplitAfter(string(out), "\n")
	if len(lines) > n {
		lines = append(lines[:n], fmt.Sprintf("[%d more lines]\n", len(lines)-n))
	}
	return strings.Join(lines, "")
}

// guardChild runs the case called name of TestGuardUserPanics.
func guardChild(t *testing.T, name string) {
	var method string
	var queue bool
	for _, tc := range guardCases {
		if tc.name == name {
			method, queue = tc.method, tc.queue
		}
	}
	require.NotEmpty(t, method, "unknown case %q", name)

	e := cfgtManager(t, "ok")
	var panics atomic.Int64
	require.NoError(t, e.reg.RegisterHandler("guard.panic", HandlerClass{
		New: func(*HandlerConfig) (slog.Handler, io.Closer, error) {
			return guardHandler{method: method, panics: &panics}, nil, nil
		},
	}))
	hs := map[string]any{
		"bad": map[string]any{"class": "guard.panic"},
		"ok":  map[string]any{"class": "stream", "stream": "ext://out.ok", "formatter": "f"},
	}
	rootHandlers := []any{"bad", "ok"}
	if queue {
		hs["q"] = map[string]any{"class": "queue", "handlers": []any{"bad"}, "respect_handler_level": true}
		rootHandlers = []any{"q", "ok"}
	}
	e.config(t, map[string]any{
		"version":    1,
		"formatters": map[string]any{"f": map[string]any{"format": "%(name)s %(message)s"}},
		"handlers":   hs,
		"root":       map[string]any{"level": "INFO", "handlers": rootHandlers},
	})

	root := e.Logger("")
	logs := []struct {
		name string
		log  func()
	}{
		{"root logger", func() { root.Info("plain") }},
		{`logger made with With("k", 1)`, func() { root.With("k", 1).Info("with") }},
		{`logger made with WithGroup("g")`, func() { root.WithGroup("g").Info("group", "a", 2) }},
	}
	for _, l := range logs {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("%s: the handler's panic reached the caller: %v", l.name, p)
				}
			}()
			l.log()
		}()
	}
	require.NoError(t, e.Shutdown()) // drains the queue

	assert.Equal(t, "root plain\nroot with k=1\nroot group g.a=2\n", e.take("ok"),
		"records of the handler beside the one whose %s panics", method)
	if n := panics.Load(); n > 0 {
		var msgs []string
		found := false
		for _, err := range e.reported() {
			msgs = append(msgs, err.Error())
			found = found || strings.Contains(err.Error(), "guard: "+method+" boom")
		}
		assert.True(t, found, "%s panicked %d times, and no error reported mentions the panic; reported: %q", method, n, msgs)
	}
}

// guardNilErr is an error whose Error method, like most, dereferences its
// receiver.
type guardNilErr struct{ msg string }

func (e *guardNilErr) Error() string { return e.msg }

// guardNilStringer is a fmt.Stringer whose String method dereferences its
// receiver.
type guardNilStringer struct{ s string }

func (s *guardNilStringer) String() string { return s.s }

// TestTypedNilValues: an attribute holding a typed nil error or Stringer,
// whose method panics on a nil receiver, does not crash the caller under
// any formatter, and prints as slog's handlers print it: slog recovers the
// panic and prints <nil> (TextHandler: v=<nil> for both; JSONHandler:
// "v":"<nil>" for the error, null for the Stringer, which it marshals).
// Today the pattern formatter and python-json-logger's call Error or
// String and the panic reaches the caller.
func TestTypedNilValues(t *testing.T) {
	t.Parallel()
	values := []struct {
		name string
		v    any
	}{
		{"typed nil error", (*guardNilErr)(nil)},
		{"typed nil Stringer", (*guardNilStringer)(nil)},
	}
	formatters := []struct {
		name string
		fmt  map[string]any
		// want holds what the record must contain, by value name; any one
		// of the strings will do.
		want map[string][]string
	}{
		{
			name: "pattern default",
			fmt:  map[string]any{},
			want: map[string][]string{"typed nil error": {"hello v=<nil>\n"}, "typed nil Stringer": {"hello v=<nil>\n"}},
		},
		{
			name: "pattern naming the attribute",
			fmt:  map[string]any{"format": "%(message)s %(v)s"},
			want: map[string][]string{"typed nil error": {"hello <nil>\n"}, "typed nil Stringer": {"hello <nil>\n"}},
		},
		{
			name: "json",
			fmt:  map[string]any{"class": "json"},
			want: map[string][]string{"typed nil error": {`"v":"<nil>"`}, "typed nil Stringer": {`"v":null`, `"v":"<nil>"`}},
		},
		{
			name: "text",
			fmt:  map[string]any{"class": "text"},
			want: map[string][]string{"typed nil error": {" v=<nil>"}, "typed nil Stringer": {" v=<nil>"}},
		},
		{
			name: "python-json-logger",
			fmt:  map[string]any{"class": "pythonjsonlogger.json.JsonFormatter"},
			want: map[string][]string{"typed nil error": {`"v": "<nil>"`}, "typed nil Stringer": {`"v": null`, `"v": "<nil>"`}},
		},
	}
	for _, ft := range formatters {
		for _, vt := range values {
			t.Run(ft.name+"/"+vt.name, func(t *testing.T) {
				t.Parallel()
				e := cfgtManager(t, "out")
				e.config(t, map[string]any{
					"version":    1,
					"formatters": map[string]any{"f": ft.fmt},
					"handlers": map[string]any{
						"h": map[string]any{"class": "stream", "stream": "ext://out.out", "formatter": "f"},
					},
					"root": map[string]any{"level": "INFO", "handlers": []any{"h"}},
				})
				func() {
					defer func() {
						if p := recover(); p != nil {
							t.Errorf("logging a %s panicked in the caller: %v", vt.name, p)
						}
					}()
					e.Logger("app").Info("hello", "v", vt.v)
				}()
				got := e.take("out")
				ok := false
				for _, w := range ft.want[vt.name] {
					ok = ok || strings.Contains(got, w)
				}
				assert.True(t, ok, "%s formatter, a %s: want one of %q in %q", ft.name, vt.name, ft.want[vt.name], got)
			})
		}
	}
}
