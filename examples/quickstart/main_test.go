package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// consoleBefore is what the console shows before the reconfiguration,
// timestamps removed: app.db at DEBUG, vendor.lib at WARNING, root and app
// at INFO, slog.Info and the log package on root.
var consoleBefore = []string{
	"INFO     root: listening port=8080",
	"INFO     root: legacy code: 3 jobs queued",
	"INFO     app: request path=/orders status=200",
	`DEBUG    app.db: query pool=primary sql="SELECT * FROM orders" rows=3`,
	"INFO     app.db: connection opened pool=primary",
	"WARNING  app.db: slow query pool=primary ms=250",
	"WARNING  vendor.lib: fetch retrying key=user:42 attempt=2",
}

// consoleAfter is the same once app.db is raised to WARNING: its DEBUG and
// INFO records are gone, everything else is as before.
var consoleAfter = []string{
	"INFO     root: listening port=8080",
	"INFO     root: legacy code: 3 jobs queued",
	"INFO     app: request path=/orders status=200",
	"WARNING  app.db: slow query pool=primary ms=250",
	"WARNING  vendor.lib: fetch retrying key=user:42 attempt=2",
}

var timestamp = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} `)

// TestQuickstartRun runs the program with its stdout captured, and checks
// what a user sees on the console and in the JSON file.
func TestQuickstartRun(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "app.jsonl")
	t.Setenv("QUICKSTART_LOG", logPath)

	// The configuration's stream is ext://sys.stdout, read when the
	// configuration is applied: point os.Stdout at a file meanwhile.
	out, err := os.Create(filepath.Join(dir, "stdout.txt"))
	require.NoError(t, err)
	defer out.Close()
	saved := os.Stdout
	os.Stdout = out
	runErr := run(out, dir)
	os.Stdout = saved
	require.NoError(t, runErr)
	stdout, err := os.ReadFile(out.Name())
	require.NoError(t, err)

	// The console: report lines starting "==", log lines with a timestamp.
	var reports []string
	phases := [][]string{nil}
	for _, line := range strings.Split(strings.TrimSuffix(string(stdout), "\n"), "\n") {
		if strings.HasPrefix(line, "== ") {
			reports = append(reports, line)
			phases = append(phases, nil)
			continue
		}
		require.Regexp(t, timestamp, line, "a console line without the asctime prefix")
		phases[len(phases)-1] = append(phases[len(phases)-1], timestamp.ReplaceAllString(line, ""))
	}
	require.Len(t, reports, 3, "report lines:\n%s", stdout)
	assert.Equal(t, fmt.Sprintf("== configured by %s; JSON log in %s", filepath.Join(dir, "logging.yaml"), logPath), reports[0])
	assert.Equal(t, "== app.db raised to WARNING while 4 workers keep logging", reports[1])
	var lines, fromWorkers, sent int
	_, err = fmt.Sscanf(reports[2], "== shut down; "+logPath+" holds %d JSON lines, %d of them from the workers, who logged %d", &lines, &fromWorkers, &sent)
	require.NoError(t, err, "last report line: %q", reports[2])
	assert.Empty(t, phases[0], "log lines before the first report")
	assert.Equal(t, consoleBefore, phases[1], "console before the reconfiguration")
	assert.Equal(t, consoleAfter, phases[2], "console after the reconfiguration")
	assert.Empty(t, phases[3], "log lines after shutdown")

	// The JSON file: one object per line, each with its logger's name.
	recs := readJSONLines(t, logPath)
	assert.Len(t, recs, lines, "the reported line count")
	var others []string
	seqs := map[int][]int{} // worker -> seq numbers, in file order
	for i, r := range recs {
		for _, k := range []string{"time", "level", "msg", "logger"} {
			require.Contains(t, r, k, "line %d", i+1)
		}
		if r["logger"] != "app.jobs" {
			others = append(others, fmt.Sprintf("%s %s %s", r["level"], r["logger"], r["msg"]))
			continue
		}
		w, s := int(r["worker"].(float64)), int(r["seq"].(float64))
		seqs[w] = append(seqs[w], s)
	}
	// The file has no level of its own: the loggers' levels decide, before
	// and after the reconfiguration alike.
	assert.Equal(t, []string{
		"INFO root listening",
		"INFO root legacy code: 3 jobs queued",
		"INFO app request",
		"DEBUG app.db query",
		"INFO app.db connection opened",
		"WARN app.db slow query",
		"WARN vendor.lib fetch retrying",
		// reconfigured
		"INFO root listening",
		"INFO root legacy code: 3 jobs queued",
		"INFO app request",
		"WARN app.db slow query",
		"WARN vendor.lib fetch retrying",
	}, others)

	// No worker record lost or doubled across the reconfiguration: each
	// worker's records are 0, 1, 2, ... in order, and they add up to what
	// the workers logged.
	require.Len(t, seqs, workers)
	total := 0
	for w, ss := range seqs {
		assert.GreaterOrEqual(t, len(ss), 100, "worker %d logged 100 records before the reconfiguration", w)
		for i, s := range ss {
			if s != i {
				t.Errorf("worker %d: record %d has seq %d", w, i, s)
				break
			}
		}
		total += len(ss)
	}
	assert.Equal(t, sent, total, "records the workers logged")
	assert.Equal(t, sent, fromWorkers, "records the program counted")
}

func readJSONLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var recs []map[string]any
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		var r map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r), "line %d: %s", n, sc.Text())
		recs = append(recs, r)
	}
	require.NoError(t, sc.Err())
	return recs
}
