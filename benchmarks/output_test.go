package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/internal/testutil"
)

// TestOutput checks that every contender does in every scenario the work
// the benchmark times: nothing for the disabled call, and otherwise one
// line per record on each of its sinks, a JSON object with the message,
// the logger name, a time, a level and the scenario's attributes (for
// text: a line that shows them).
func TestOutput(t *testing.T) {
	t.Parallel()
	for _, sc := range scenarios {
		for _, c := range contenders {
			t.Run(sc.name+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				var bufs []*bytes.Buffer
				out := newOutputs(t, sc, func() io.Writer {
					bufs = append(bufs, new(bytes.Buffer))
					return bufs[len(bufs)-1]
				})
				log, stop := c.open(t, sc, out)
				log()
				require.NoError(t, stop())
				var got [][]string // lines by sink
				if sc.sink == rotating {
					got = [][]string{readDir(t, filepath.Dir(out.file))}
				} else {
					for _, b := range bufs {
						got = append(got, lines(b.String()))
					}
				}
				checkLines(t, sc, got)
			})
		}
	}
}

// TestCPythonOutput checks bench.py in the same way: its --check mode
// logs one record of each scenario to sinks that keep the lines, and
// prints them, by scenario and sink, as JSON.
func TestCPythonOutput(t *testing.T) {
	t.Parallel()
	py := testutil.Python3(t)
	cmd := exec.CommandContext(t.Context(), py, "bench.py", "--check", "--dir", t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "bench.py --check: %s", stderr.String())
	var got map[string][][]string
	require.NoError(t, json.Unmarshal(out, &got), "%s", out)
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			require.Contains(t, got, sc.name)
			checkLines(t, sc, got[sc.name])
		})
	}
}

// checkLines checks the lines each sink of a scenario got for one record.
func checkLines(t *testing.T, sc scenario, got [][]string) {
	t.Helper()
	if sc.call == debug5 {
		for _, ls := range got {
			assert.Empty(t, ls, "a disabled call wrote")
		}
		return
	}
	require.Len(t, got, sc.fanout, "sinks")
	for _, ls := range got {
		require.Len(t, ls, 1, "lines: %q", ls)
		line := ls[0]
		if sc.text {
			// slogtree's pattern formatter writes a bool as Python does: True.
			for _, want := range []string{benchMsg, benchLogger, "INF", "alice", "200", "12.5", "true", "2025-01-02"} {
				assert.Contains(t, strings.ToLower(line), strings.ToLower(want), "text line")
			}
			continue
		}
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), "a JSON line: %q", line)
		assert.Equal(t, benchLogger, rec["logger"], "logger in %s", line)
		assert.Contains(t, values(rec), benchMsg, "message in %s", line)
		assert.True(t, hasAny(rec, "time", "ts"), "a time in %s", line)
		assert.Contains(t, []any{"info", "INFO"}, rec["level"], "level in %s", line)
		var want map[string]any
		switch sc.call {
		case info5:
			want = map[string]any{"user": "alice", "status": 200.0, "latency_ms": 12.5, "cached": true}
			assert.True(t, hasAny(rec, "at"), "at in %s", line)
		case info1:
			want = map[string]any{"status": 200.0}
			for _, a := range benchTen {
				if n, ok := a.val.(int); ok {
					want[a.key] = float64(n)
				} else {
					want[a.key] = a.val
				}
			}
		}
		for k, v := range want {
			assert.Equal(t, v, rec[k], "%s in %s", k, line)
		}
	}
}

// lines splits s into its lines, without the empty one after the last
// newline.
func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// readDir returns the lines of the regular files in dir (a rotating
// writer may leave a symbolic link to its current file there).
func readDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var ls []string
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		ls = append(ls, lines(string(b))...)
	}
	return ls
}

func values(m map[string]any) []any {
	vs := make([]any, 0, len(m))
	for _, v := range m {
		vs = append(vs, v)
	}
	return vs
}

func hasAny(m map[string]any, keys ...string) bool {
	for _, k := range keys {
		if _, ok := m[k]; ok {
			return true
		}
	}
	return false
}
