package slogconfig

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/slogtest"
	"time"
	_ "time/tzdata" // EST5EDT for the timed-rotation comparison, wherever the tests run

	"github.com/slogtree/slogtree/internal/testutil"
	"go.uber.org/goleak"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/handlers"
)

var fhPyLevels = map[string]slog.Level{
	"DEBUG": slog.LevelDebug, "INFO": slog.LevelInfo, "WARNING": slog.LevelWarn,
	"ERROR": slog.LevelError, "CRITICAL": LevelCritical,
}

// fhPython runs testdata/pyhandlers.py in mode with in as its input and
// decodes its output into out.
func fhPython(t *testing.T, mode string, in, out any, env ...string) {
	t.Helper()
	py := testutil.Python3(t)
	data, err := json.Marshal(in)
	require.NoError(t, err)
	cmd := exec.Command(py, filepath.Join("testdata", "pyhandlers.py"), mode)
	cmd.Stdin = bytes.NewReader(data)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	res, err := cmd.Output()
	require.NoError(t, err, "pyhandlers.py: %s", stderr.String())
	require.NoError(t, json.Unmarshal(res, out))
}

func TestFHClassesRegistered(t *testing.T) {
	t.Parallel()
	// SPEC §8: Python's positional order, which fileConfig's args bind to.
	tests := []struct {
		name      string
		aliases   []string
		wantFirst []string
	}{
		{name: "rotating_file", aliases: []string{"logging.handlers.RotatingFileHandler"},
			wantFirst: []string{"filename", "mode", "maxBytes", "backupCount", "encoding", "delay", "errors"}},
		{name: "timed_rotating_file", aliases: []string{"logging.handlers.TimedRotatingFileHandler"},
			wantFirst: []string{"filename", "when", "interval", "backupCount", "encoding", "delay", "utc", "atTime", "errors"}},
		{name: "watched_file", aliases: []string{"logging.handlers.WatchedFileHandler"},
			wantFirst: []string{"filename", "mode", "encoding", "delay", "errors"}},
		{name: "memory", aliases: []string{"logging.handlers.MemoryHandler"},
			wantFirst: []string{"capacity", "flushLevel", "target", "flushOnClose"}},
		{name: "queue", aliases: []string{"logging.handlers.QueueHandler"}, wantFirst: []string{"queue"}},
		{name: "failover", wantFirst: []string{"handlers"}},
		{name: "router", wantFirst: []string{"handlers"}},
		{name: "pool", wantFirst: []string{"handlers"}},
	}
	reg := NewRegistry()
	for _, tt := range tests {
		for _, n := range append([]string{tt.name}, tt.aliases...) {
			c, ok := reg.handler(n)
			require.True(t, ok, "%s is registered", n)
			require.GreaterOrEqual(t, len(c.Params), len(tt.wantFirst), n)
			assert.Equal(t, tt.wantFirst, c.Params[:len(tt.wantFirst)], n)
		}
	}
}

// TestFHRotatingMapping writes 1.5 MiB through RotatingFileHandler
// configurations and counts the rotated files.
func TestFHRotatingMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		give        string // the handler's keys besides class and filename
		wantBackups int
		wantWarning string
	}{
		{name: "whole MiB", give: `"maxBytes": 1048576, "backupCount": 1`, wantBackups: 1},
		{name: "maxBytes to the byte", give: `"maxBytes": 300000, "backupCount": 10`, wantBackups: 5}, // 292 records a file
		{name: "backupCount 0 never rotates", give: `"maxBytes": 1048576, "backupCount": 0`,
			wantWarning: "backupCount is 0: the file never rotates, as in Python (set backupCount, or maxBackups to keep every rotated file)"},
		{name: "no backupCount never rotates, as in Python", give: `"maxBytes": 1048576`,
			wantWarning: "backupCount is 0: the file never rotates, as in Python (set backupCount, or maxBackups to keep every rotated file)"},
		{name: "maxBytes 0 never rotates", give: `"maxBytes": 0, "backupCount": 3`},
		{name: "Go keys", give: `"maxSizeMB": 1, "maxBackups": 0, "compress": false, "localTime": true, "maxAgeDays": 30`, wantBackups: 1},
		{name: "Go size, Python backupCount 0", give: `"maxSizeMB": 1, "backupCount": 0`},
		{name: "Go size alone keeps every backup", give: `"maxSizeMB": 1, "mode": "w"`, wantBackups: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "app.log")
			e := newTestEnvAt(t, "fh")
			cfg := jsonConfig(t, fmt.Sprintf(`{"version": 1,
				"handlers": {"h": {"class": "logging.handlers.RotatingFileHandler", "filename": %q, %s}},
				"root": {"handlers": ["h"], "level": "INFO"}}`, path, tt.give))
			require.NoError(t, e.DictConfig(cfg))
			var warnings []string
			for _, err := range e.allReported() {
				var w *ConfigWarning
				require.ErrorAs(t, err, &w)
				assert.Equal(t, "handlers.h", w.Path)
				warnings = append(warnings, w.Msg)
			}
			if tt.wantWarning == "" {
				assert.Empty(t, warnings)
			} else {
				assert.Equal(t, []string{tt.wantWarning}, warnings)
			}
			msg := strings.Repeat("x", 1023)
			log := e.Logger("app")
			for range 1536 {
				log.Info(msg)
			}
			require.NoError(t, e.Shutdown())
			backups, err := filepath.Glob(filepath.Join(dir, "app-*.log"))
			require.NoError(t, err)
			assert.Len(t, backups, tt.wantBackups)
			var total int64
			for _, f := range append(backups, path) {
				fi, err := os.Stat(f)
				require.NoError(t, err)
				total += fi.Size()
			}
			assert.Equal(t, int64(1536*1024), total, "every record written once")
		})
	}
}

// TestFHRotatingMaxBytesCPython logs the same records through CPython's
// RotatingFileHandler and through rotating_file with maxBytes and
// backupCount: the files hold the same records, in the same order, split
// at the same records: Python's rule to the byte, a record larger than
// maxBytes alone in its file, and the same backups kept.
func TestFHRotatingMaxBytesCPython(t *testing.T) {
	t.Parallel()
	type pyCase struct {
		MaxBytes    int      `json:"maxBytes"`
		BackupCount int      `json:"backupCount"`
		Records     []string `json:"records"`
	}
	var records []string
	for i := range 120 {
		records = append(records, fmt.Sprintf("record %d %s", i, strings.Repeat("x", i*7%41)))
	}
	records[50] = strings.Repeat("big", 200) // larger than maxBytes
	records[51] = strings.Repeat("BIG", 200) // and again, right after
	cases := []pyCase{
		{MaxBytes: 1024, BackupCount: 200, Records: records},
		{MaxBytes: 1024, BackupCount: 3, Records: records},
		{MaxBytes: 100, BackupCount: 500, Records: records},
		{MaxBytes: 37, BackupCount: 500, Records: records[:10]}, // every record at or past the limit
	}
	var want [][]string
	fhPython(t, "rotating", cases, &want)
	require.Len(t, want, len(cases))
	for i, c := range cases {
		t.Run(fmt.Sprintf("maxBytes=%d,backupCount=%d", c.MaxBytes, c.BackupCount), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "app.log")
			e := newTestEnvAt(t, "fh")
			require.NoError(t, e.DictConfig(jsonConfig(t, fmt.Sprintf(`{"version": 1,
				"formatters": {"m": {"format": "%%(message)s"}},
				"handlers": {"h": {"class": "logging.handlers.RotatingFileHandler", "filename": %s,
				                   "maxBytes": %d, "backupCount": %d, "formatter": "m"}},
				"root": {"handlers": ["h"], "level": "INFO"}}`, jsonQuote(path), c.MaxBytes, c.BackupCount))))
			log := e.Logger("rot")
			for _, msg := range c.Records {
				log.Info(msg)
			}
			require.NoError(t, e.Shutdown())
			assert.Empty(t, e.allReported())
			backups, err := filepath.Glob(filepath.Join(dir, "app-*.log"))
			require.NoError(t, err)
			slices.Sort(backups) // by their time stamps: oldest first
			var got []string
			for _, f := range append(backups, path) {
				b, err := os.ReadFile(f)
				require.NoError(t, err)
				got = append(got, string(b))
			}
			assert.Equal(t, want[i], got)
		})
	}
}

func TestFHConfigErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "e.log")
	tests := []struct {
		name string
		give string // the handler entry
		want string
	}{
		{name: "rotating: both sizes", give: `{"class": "rotating_file", "filename": %q, "maxBytes": 1, "maxSizeMB": 1}`,
			want: "handlers.h: maxBytes and maxSizeMB: give one of them, not both"},
		{name: "rotating: both backup counts", give: `{"class": "rotating_file", "filename": %q, "backupCount": 1, "maxBackups": 1}`,
			want: "handlers.h: backupCount and maxBackups: give one of them, not both"},
		{name: "rotating: negative", give: `{"class": "rotating_file", "filename": %q, "backupCount": -1}`,
			want: "handlers.h.backupCount: want an integer >= 0, got -1"},
		{name: "rotating: every problem at once", give: `{"class": "rotating_file", "filename": %q, "maxBytes": "ten", "fileMode": "999", "encoding": "latin-1"}`,
			want: "handlers.h.maxBytes: want an integer >= 0, got \"ten\"\n" +
				"handlers.h.fileMode: want a permission such as \"0644\" (octal) or 420, got \"999\"\n" +
				"handlers.h.encoding: only UTF-8 is supported, got \"latin-1\""},
		{name: "file mode with execute bits", give: `{"class": "rotating_file", "filename": %q, "fileMode": "0777"}`,
			want: "handlers.h.fileMode: want a permission without execute bits, such as \"0644\": a log file is not a program, got 0777"},
		{name: "file mode setuid", give: `{"class": "watched_file", "filename": %q, "fileMode": 2468}`,
			want: "handlers.h.fileMode: want a permission without execute bits, such as \"0644\": a log file is not a program, got 4644"},
		{name: "rotating: unknown key", give: `{"class": "rotating_file", "filename": %q, "maxbytes": 1}`,
			want: "handlers.h.maxbytes: unexpected keyword argument \"maxbytes\" for rotating_file"},
		{name: "rotating: no filename", give: `{"class": "rotating_file"%.0s}`,
			want: "handlers.h.filename: required"},
		{name: "timed: bad when", give: `{"class": "timed_rotating_file", "filename": %q, "when": "fortnight"}`,
			want: "handlers.h.when: invalid rollover interval specified: fortnight"},
		{name: "timed: bad weekday", give: `{"class": "timed_rotating_file", "filename": %q, "when": "W7"}`,
			want: "handlers.h.when: invalid day specified for weekly rollover: W7"},
		{name: "timed: interval 0", give: `{"class": "timed_rotating_file", "filename": %q, "interval": 0}`,
			want: "handlers.h.interval: want an integer >= 1, got 0"},
		{name: "timed: bad atTime", give: `{"class": "timed_rotating_file", "filename": %q, "when": "midnight", "atTime": "25:00"}`,
			want: "handlers.h.atTime: want a time of day \"HH:MM[:SS]\", got \"25:00\""},
		{name: "watched: bad mode", give: `{"class": "watched_file", "filename": %q, "mode": "r"}`,
			want: "handlers.h.mode: \"r\": want a, w or x, optionally with + or t"},
		{name: "file: bad mode", give: `{"class": "logging.FileHandler", "filename": %q, "mode": "rb"}`,
			want: "handlers.h.mode: \"rb\": want a, w or x, optionally with + or t"},
		{name: "rotating, never rotating: bad mode", give: `{"class": "rotating_file", "filename": %q, "mode": "bogus"}`,
			want: "handlers.h.mode: \"bogus\": want a, w or x, optionally with + or t"},
		{name: "rotating: size out of range", give: `{"class": "rotating_file", "filename": %q, "maxSizeMB": 9000000000000}`,
			want: "handlers.h.maxSizeMB: want at most 8796093022207, got 9000000000000"},
		{name: "timed: interval not a number", give: `{"class": "timed_rotating_file", "filename": %q, "interval": "x"}`,
			want: "handlers.h.interval: want an integer, got \"x\""},
		{name: "memory: no capacity", give: `{"class": "memory", "target": "out"%.0s}`,
			want: "handlers.h.capacity: required"},
		{name: "memory: bad flushLevel", give: `{"class": "memory", "capacity": 1, "flushLevel": "LOUD", "target": "out"%.0s}`,
			want: "handlers.h.flushLevel: "},
		{name: "memory: unknown target", give: `{"class": "memory", "capacity": 1, "target": "nope"%.0s}`,
			want: "handlers.h.target: unknown handler \"nope\""},
		{name: "queue: no handlers", give: `{"class": "queue"%.0s}`,
			want: "handlers.h.handlers: required: a list of handler ids"},
		{name: "queue: bad queue", give: `{"class": "queue", "handlers": ["out"], "queue": "collections.deque"%.0s}`,
			want: "handlers.h.queue: want \"queue.Queue\" or a mapping with maxsize, got \"collections.deque\""},
		{name: "queue: bad maxsize", give: `{"class": "queue", "handlers": ["out"], "queue": {"()": "queue.Queue", "maxsize": "x"}%.0s}`,
			want: "handlers.h.queue.maxsize: want an integer, got \"x\""},
		{name: "queue: bad factory", give: `{"class": "queue", "handlers": ["out"], "queue": {"()": "my.Queue", "size": 1}%.0s}`,
			want: "handlers.h.queue.(): want \"queue.Queue\", got \"my.Queue\"\nhandlers.h.queue.size: unexpected keyword argument \"size\" for queue.Queue"},
		{name: "queue: custom listener", give: `{"class": "queue", "handlers": ["out"], "listener": "my.Listener"%.0s}`,
			want: "handlers.h.listener: only \"logging.handlers.QueueListener\" is supported, got \"my.Listener\""},
		{name: "queue: bad overflow", give: `{"class": "queue", "handlers": ["out"], "overflow": "drop"%.0s}`,
			want: "handlers.h.overflow: must be \"block\", \"drop_newest\" or \"drop_oldest\", got \"drop\""},
		{name: "failover: not a list", give: `{"class": "failover", "handlers": "out"%.0s}`,
			want: "handlers.h.handlers: want a list of handler ids, got \"out\""},
		{name: "pool: empty", give: `{"class": "pool", "handlers": []%.0s}`,
			want: "handlers.h.handlers: want at least one handler id"},
		{name: "rotating: terminator not a string", give: `{"class": "rotating_file", "filename": %q, ".": {"terminator": 5}}`,
			want: "handlers.h[.].terminator: want a string, got 5"},
		{name: "router: route of another handler", give: `{"class": "router", "handlers": ["out"], "routes": {"other": {}}%.0s}`,
			want: "handlers.h.routes.other: \"other\" is not one of the router's handlers"},
		{name: "router: bad condition", give: `{"class": "router", "handlers": ["out"], "routes": {"out": {"level": "LOUD", "color": "red"}}%.0s}`,
			want: "handlers.h.routes.out.color: unknown condition \"color\" (want level, maxLevel or attrs)\n" +
				"handlers.h.routes.out.level: unknown level: \"LOUD\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnvAt(t, "fh", "out")
			cfg := jsonConfig(t, fmt.Sprintf(`{"version": 1, "handlers": {
				"out": {"class": "stream", "stream": "ext://fh.out"},
				"h": `+tt.give+`}}`, file))
			err := e.DictConfig(cfg)
			require.Error(t, err)
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			if strings.HasSuffix(tt.want, ": ") {
				assert.Contains(t, err.Error(), tt.want)
			} else {
				assert.Equal(t, tt.want, err.Error())
			}
		})
	}
}

// fhHandlerCase is a scenario run through CPython (testdata/pyhandlers.py)
// and through a Manager, comparing what each StreamHandler printed.
type fhHandlerCase struct {
	Name   string           `json:"-"`
	Config map[string]any   `json:"config"`
	Steps  []map[string]any `json:"steps"`
	Final  bool             `json:"final"`
}

func fhLog(logger, level, msg string) map[string]any {
	return map[string]any{"logger": logger, "level": level, "msg": msg}
}

var fhShutdown = map[string]any{"shutdown": true}

func fhHandlerCases(t *testing.T) []fhHandlerCase {
	cfg := func(s string) map[string]any { return jsonConfig(t, s) }
	const fmts = `"formatters": {"f": {"format": "%(name)s %(levelname)s %(message)s"}}`
	out := func(id, extra string) string {
		return fmt.Sprintf(`"%s": {"class": "logging.StreamHandler", "formatter": "f"%s}`, id, extra)
	}
	return []fhHandlerCase{
		{
			Name: "SPEC: memory flush bypasses the target's level",
			Config: cfg(`{"version": 1, ` + fmts + `, "handlers": {
				"a_mem": {"class": "logging.handlers.MemoryHandler", "capacity": 3, "target": "z_out"},
				` + out("z_out", `, "level": "WARNING"`) + `},
				"root": {"handlers": ["a_mem"], "level": "DEBUG"}}`),
			Steps: []map[string]any{fhLog("a", "DEBUG", "1"), fhLog("a.b", "DEBUG", "2"), fhLog("", "DEBUG", "3"), fhLog("a", "DEBUG", "4")},
		},
		{
			Name: "memory: default flushLevel ERROR, then flushed at shutdown",
			Config: cfg(`{"version": 1, ` + fmts + `, "handlers": {
				"mem": {"class": "logging.handlers.MemoryHandler", "capacity": 10, "target": "console"},
				` + out("console", "") + `},
				"root": {"handlers": ["mem"], "level": "DEBUG"}}`),
			Steps: []map[string]any{fhLog("app", "INFO", "1"), fhLog("app", "WARNING", "2"), fhLog("app.db", "ERROR", "3"),
				fhLog("app", "INFO", "4"), fhShutdown, fhLog("app", "ERROR", "after shutdown")},
		},
		{
			Name: "memory: numeric flushLevel, own level, capacity",
			Config: cfg(`{"version": 1, ` + fmts + `, "handlers": {
				"mem": {"class": "logging.handlers.MemoryHandler", "capacity": 3, "flushLevel": 30, "level": "INFO", "target": "out"},
				` + out("out", "") + `},
				"root": {"handlers": ["mem"], "level": "DEBUG"}}`),
			Steps: []map[string]any{fhLog("x", "DEBUG", "dropped by the level"), fhLog("x", "INFO", "1"), fhLog("x", "WARNING", "2"),
				fhLog("x", "INFO", "3"), fhLog("x", "INFO", "4"), fhLog("x", "INFO", "5")},
		},
		{
			Name: "memory: capacity 0 and the target's filters",
			Config: cfg(`{"version": 1, ` + fmts + `, "filters": {"app": {"name": "app"}}, "handlers": {
				"mem": {"class": "logging.handlers.MemoryHandler", "capacity": 0, "target": "out"},
				` + out("out", `, "filters": ["app"], "level": "CRITICAL"`) + `},
				"root": {"handlers": ["mem"], "level": "DEBUG"}}`),
			Steps: []map[string]any{fhLog("app.x", "DEBUG", "kept"), fhLog("other", "INFO", "filtered"), fhLog("app", "INFO", "kept too")},
		},
		{
			Name: "memory: flushed on reconfiguration",
			Config: cfg(`{"version": 1, ` + fmts + `, "handlers": {
				"mem": {"class": "logging.handlers.MemoryHandler", "capacity": 10, "target": "out"},
				` + out("out", "") + `},
				"root": {"handlers": ["mem"], "level": "DEBUG"}}`),
			Steps: []map[string]any{fhLog("a", "INFO", "1"), fhLog("b", "INFO", "2"),
				{"config": cfg(`{"version": 1, ` + fmts + `, "handlers": {` + out("out", "") + `}, "root": {"handlers": ["out"]}}`)},
				fhLog("c", "WARNING", "3")},
		},
		{
			Name: "memory: propagation delivers twice",
			Config: cfg(`{"version": 1, ` + fmts + `, "handlers": {
				"mem": {"class": "logging.handlers.MemoryHandler", "capacity": 4, "target": "out"},
				` + out("out", "") + `},
				"loggers": {"a": {"handlers": ["mem"]}},
				"root": {"handlers": ["mem"], "level": "DEBUG"}}`),
			Steps: []map[string]any{fhLog("a.b", "INFO", "1"), fhLog("c", "INFO", "2"), fhLog("a", "INFO", "3")},
		},
		{
			Name: "queue: handler levels ignored by default",
			Config: cfg(`{"version": 1, ` + fmts + `, "handlers": {
				"q": {"class": "logging.handlers.QueueHandler", "handlers": ["hi", "all"]},
				` + out("hi", `, "level": "WARNING"`) + `, ` + out("all", "") + `},
				"root": {"handlers": ["q"], "level": "DEBUG"}}`),
			Steps: []map[string]any{fhLog("a", "DEBUG", "1"), fhLog("a.b", "WARNING", "2"), fhLog("c", "ERROR", "3"), fhShutdown},
			Final: true,
		},
		{
			Name: "queue: respect_handler_level",
			Config: cfg(`{"version": 1, ` + fmts + `, "handlers": {
				"q": {"class": "logging.handlers.QueueHandler", "handlers": ["hi", "all"], "respect_handler_level": true,
				      "queue": {"()": "queue.Queue", "maxsize": 100}, "listener": "logging.handlers.QueueListener"},
				` + out("hi", `, "level": "WARNING"`) + `, ` + out("all", "") + `},
				"root": {"handlers": ["q"], "level": "DEBUG"}}`),
			Steps: []map[string]any{fhLog("a", "DEBUG", "1"), fhLog("a.b", "WARNING", "2"), fhLog("c", "ERROR", "3"), fhShutdown},
			Final: true,
		},
		{
			Name: "queue: formatted twice, filtered downstream, own level",
			Config: cfg(`{"version": 1, "formatters": {
				"qf": {"format": "QF[%(levelname)s] %(message)s"},
				"f": {"format": "OUT %(name)s %(levelname)s %(message)s"}},
				"filters": {"app": {"name": "app"}},
				"handlers": {
				"q": {"class": "logging.handlers.QueueHandler", "handlers": ["out"], "formatter": "qf", "level": "INFO"},
				"out": {"class": "logging.StreamHandler", "formatter": "f", "filters": ["app"]}},
				"root": {"handlers": ["q"], "level": "DEBUG"}}`),
			Steps: []map[string]any{fhLog("app", "DEBUG", "below the queue's level"), fhLog("app.x", "INFO", "hello"),
				fhLog("lib", "INFO", "filtered"), fhLog("app", "CRITICAL", "bye"), fhShutdown},
			Final: true,
		},
		{
			Name: "queue: drained on reconfiguration",
			Config: cfg(`{"version": 1, ` + fmts + `, "handlers": {
				"q": {"class": "logging.handlers.QueueHandler", "handlers": ["out"]},
				` + out("out", "") + `},
				"root": {"handlers": ["q"], "level": "DEBUG"}}`),
			Steps: []map[string]any{fhLog("a", "INFO", "1"), fhLog("b", "INFO", "2"),
				{"config": cfg(`{"version": 1, ` + fmts + `, "handlers": {` + out("out", "") + `}, "root": {"handlers": ["out"]}}`)},
				fhLog("c", "WARNING", "3"), fhShutdown},
			Final: true,
		},
	}
}

// fhInjectStreams makes every StreamHandler of a configuration write to
// the env's buffer of its id.
func fhInjectStreams(t *testing.T, e *testEnv, cfg map[string]any) map[string]any {
	t.Helper()
	var raw map[string]any
	data, err := json.Marshal(cfg)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &raw))
	hs, _ := raw["handlers"].(map[string]any)
	for id, h := range hs {
		if h := h.(map[string]any); h["class"] == "logging.StreamHandler" {
			e.sink(t, id)
			h["stream"] = "ext://fh." + id
		}
	}
	return raw
}

// fhSnapshot returns the lines of every sink of e, by id.
func fhSnapshot(e *testEnv) map[string][]string {
	out := map[string][]string{}
	for id, b := range e.out {
		out[id] = b.lines()
	}
	return out
}

func TestFHMemoryAndQueueMatchCPython(t *testing.T) {
	t.Parallel()
	cases := fhHandlerCases(t)
	var want [][]map[string][]string
	fhPython(t, "handlers", cases, &want)
	require.Len(t, want, len(cases))
	for i, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnvAt(t, "fh")
			// Every sink Python has, so that they print as empty lists too.
			for id := range want[i][0] {
				e.sink(t, id)
			}
			require.NoError(t, e.DictConfig(fhInjectStreams(t, e, tc.Config)))
			var got []map[string][]string
			for _, step := range tc.Steps {
				switch {
				case step["shutdown"] == true:
					require.NoError(t, e.Shutdown())
				case step["config"] != nil:
					require.NoError(t, e.DictConfig(fhInjectStreams(t, e, step["config"].(map[string]any))))
					// Python closes the handlers it replaces before it
					// returns; slogtree retires them in the background.
					require.NoError(t, e.waitRetired(context.Background()))
				default:
					e.Logger(step["logger"].(string)).Log(context.Background(), fhPyLevels[step["level"].(string)], step["msg"].(string))
				}
				if !tc.Final {
					got = append(got, fhSnapshot(e))
				}
			}
			if tc.Final {
				require.NoError(t, e.Shutdown())
				got = append(got, fhSnapshot(e))
			}
			assert.Equal(t, want[i], got)
			assert.Empty(t, e.allReported())
		})
	}
}

// fhClock is a handlers.Clock that moves only when told to; each After
// call announces its deadline on added.
type fhClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fhWaiter
	added   chan time.Time
}

type fhWaiter struct {
	at time.Time
	ch chan time.Time
}

func (c *fhClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fhClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	at := c.now.Add(d)
	if d <= 0 {
		ch <- c.now
	} else {
		c.waiters = append(c.waiters, fhWaiter{at: at, ch: ch})
	}
	c.added <- at
	return ch
}

func (c *fhClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(t) {
			kept = append(kept, w)
		} else {
			w.ch <- t
		}
	}
	c.waiters = kept
}

type fhTimedCase struct {
	When     string  `json:"when"`
	Interval int     `json:"interval"`
	UTC      bool    `json:"utc"`
	AtTime   *string `json:"atTime"`
	Start    int64   `json:"start"`
	N        int     `json:"n"`
}

func (c fhTimedCase) String() string {
	at := "none"
	if c.AtTime != nil {
		at = *c.AtTime
	}
	return fmt.Sprintf("when=%s interval=%d utc=%t atTime=%s start=%d", c.When, c.Interval, c.UTC, at, c.Start)
}

// TestFHTimedRolloverMatchesCPython drives the timed rotation schedule with
// a fake clock and compares its first four boundaries with CPython's, for
// every kind of interval, in and out of UTC, with and without atTime, from
// start times around daylight-saving changes and at random.
func TestFHTimedRolloverMatchesCPython(t *testing.T) {
	t.Parallel()
	loc, err := time.LoadLocation("EST5EDT")
	require.NoError(t, err)
	var starts []int64
	for _, s := range []string{
		"2024-03-09 12:00:00", "2024-03-10 01:30:00", "2024-03-10 03:30:00", "2024-03-10 23:59:59",
		"2024-11-02 23:30:00", "2024-11-03 00:00:00", "2024-11-03 01:30:00", "2024-11-03 12:00:00",
		"2025-01-01 00:00:00", "2025-06-15 23:59:59", "2025-06-16 13:45:00", "2025-06-16 13:45:01",
		"2025-03-03 00:00:00", "2025-03-08 22:00:00", "2025-10-29 13:44:59",
	} {
		tm, err := time.ParseInLocation(time.DateTime, s, loc)
		require.NoError(t, err)
		starts = append(starts, tm.Unix())
	}
	rng := rand.New(rand.NewSource(4))
	lo := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	for range 25 {
		starts = append(starts, lo+rng.Int63n(3*365*86400))
	}
	at := func(s string) *string { return &s }
	type kind struct {
		when     string
		interval int
		daily    bool
	}
	kinds := []kind{{"S", 1, false}, {"S", 7, false}, {"M", 5, false}, {"H", 1, false}, {"h", 3, false}, {"D", 2, false},
		{"MIDNIGHT", 1, true}, {"midnight", 2, true}, {"W0", 1, true}, {"W3", 1, true}, {"w6", 2, true}}
	var cases []fhTimedCase
	for _, k := range kinds {
		for _, utc := range []bool{false, true} {
			ats := []*string{nil}
			if k.daily {
				ats = append(ats, at("13:45:00"), at("00:00"))
			}
			for _, a := range ats {
				for _, s := range starts {
					cases = append(cases, fhTimedCase{When: k.when, Interval: k.interval, UTC: utc, AtTime: a, Start: s, N: 4})
				}
			}
		}
	}
	var want [][]int64
	fhPython(t, "timed", cases, &want, "TZ=EST5EDT,M3.2.0,M11.1.0")
	require.Len(t, want, len(cases))

	dir := t.TempDir()
	mismatches := 0
	for i, c := range cases {
		clock := &fhClock{now: time.Unix(c.Start, 0), added: make(chan time.Time, 8)}
		opts := &handlers.TimedRotatingOptions{When: c.When, Interval: c.Interval, UTC: c.UTC, Location: loc, Clock: clock, Delay: true}
		if c.AtTime != nil {
			d, err := handlers.ParseTimeOfDay(*c.AtTime)
			require.NoError(t, err)
			opts.AtTime = &d
		}
		f, err := handlers.OpenTimedRotating(filepath.Join(dir, fmt.Sprintf("%d.log", i)), opts)
		require.NoError(t, err)
		_, err = f.Write([]byte("the schedule runs from the first record\n"))
		require.NoError(t, err)
		var got []int64
		for range c.N {
			select {
			case next := <-clock.added:
				got = append(got, next.Unix())
				clock.set(next)
			case <-time.After(10 * time.Second):
				t.Fatalf("case %+v: the schedule stalled", c)
			}
		}
		require.NoError(t, f.Close())
		if !assert.Equal(t, want[i], got, "case %d: %s (start %s)", i, c, time.Unix(c.Start, 0).In(loc)) {
			if mismatches++; mismatches > 5 {
				t.FailNow()
			}
		}
	}
}

// fhUnwritableDir makes dir refuse new files: by permission, by the
// immutable attribute for root, or else by putting a regular file in its
// place.
func fhUnwritableDir(t *testing.T, dir string) {
	t.Helper()
	writable := func() bool {
		f, err := os.CreateTemp(dir, "probe")
		if err != nil {
			return false
		}
		f.Close()
		os.Remove(f.Name())
		return true
	}
	require.NoError(t, os.Chmod(dir, 0o555))
	t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })
	if !writable() {
		return
	}
	if exec.Command("chattr", "+i", dir).Run() == nil {
		t.Cleanup(func() { _ = exec.Command("chattr", "-i", dir).Run() })
		if !writable() {
			return
		}
	}
	require.NoError(t, os.Chmod(dir, 0o755))
	require.NoError(t, os.RemoveAll(dir))
	require.NoError(t, os.WriteFile(dir, []byte("not a directory\n"), 0o644))
}

// fhReadOnly makes path unwritable, or skips the test where this user can
// write to any file.
func fhReadOnly(t *testing.T, path string) {
	t.Helper()
	writable := func() bool {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return false
		}
		f.Close()
		return true
	}
	require.NoError(t, os.Chmod(path, 0o444))
	if !writable() {
		return
	}
	if exec.Command("chattr", "+i", path).Run() == nil {
		t.Cleanup(func() { _ = exec.Command("chattr", "-i", path).Run() })
		if !writable() {
			return
		}
	}
	t.Skip("cannot make a file read-only for this user (root without chattr)")
}

// TestFHFaults: a handler whose file cannot be written reports each record
// through the error handler, and the other handlers keep receiving.
func TestFHFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) string // returns the "bad" handler's entry
		want  []string                              // ids reported, one per record
	}{
		{
			name: "unwritable directory",
			setup: func(t *testing.T, dir string) string {
				sub := filepath.Join(dir, "sub")
				require.NoError(t, os.Mkdir(sub, 0o755))
				fhUnwritableDir(t, sub)
				return fmt.Sprintf(`{"class": "logging.handlers.RotatingFileHandler", "filename": %q, "maxBytes": 1048576, "backupCount": 2, "delay": true}`,
					filepath.Join(sub, "bad.log"))
			},
			want: []string{"bad", "bad", "bad"},
		},
		{
			name: "read-only file",
			setup: func(t *testing.T, dir string) string {
				path := filepath.Join(dir, "ro.log")
				require.NoError(t, os.WriteFile(path, []byte("old\n"), 0o644))
				fhReadOnly(t, path)
				return fmt.Sprintf(`{"class": "logging.handlers.WatchedFileHandler", "filename": %q, "delay": true}`, path)
			},
			want: []string{"bad", "bad", "bad"},
		},
		{
			name: "failing target in a failover",
			setup: func(t *testing.T, dir string) string {
				if _, err := os.Stat("/dev/full"); err != nil {
					t.Skip("no /dev/full on this system")
				}
				return `{"class": "failover", "handlers": ["full", "backup"]}`
			},
			want: []string{"full", "full", "full"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			good := filepath.Join(dir, "good.log")
			backup := filepath.Join(dir, "backup.log")
			e := newTestEnvAt(t, "fh")
			cfg := jsonConfig(t, fmt.Sprintf(`{"version": 1, "handlers": {
				"bad": %s,
				"good": {"class": "logging.handlers.RotatingFileHandler", "filename": %q, "maxBytes": 1048576, "backupCount": 1},
				"full": {"class": "logging.handlers.WatchedFileHandler", "filename": "/dev/full"},
				"backup": {"class": "watched_file", "filename": %q}},
				"root": {"handlers": ["bad", "good"], "level": "INFO"}}`, tt.setup(t, dir), good, backup))
			require.NoError(t, e.DictConfig(cfg))
			for i := range 3 {
				e.Logger("app").Info(fmt.Sprint("record ", i))
			}
			require.NoError(t, e.Shutdown())
			assert.Equal(t, tt.want, e.handlerErrors())
			data, err := os.ReadFile(good)
			require.NoError(t, err)
			assert.Equal(t, "record 0\nrecord 1\nrecord 2\n", string(data), "the other handlers keep receiving")
			if tt.name == "failing target in a failover" {
				data, err := os.ReadFile(backup)
				require.NoError(t, err)
				assert.Equal(t, "record 0\nrecord 1\nrecord 2\n", string(data), "the backup took every record")
			}
		})
	}
}

func TestFHOpenFailureRefusesConfiguration(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := newTestEnvAt(t, "fh", "out")
	require.NoError(t, e.DictConfig(jsonConfig(t, `{"version": 1,
		"handlers": {"out": {"class": "stream", "stream": "ext://fh.out"}},
		"root": {"handlers": ["out"], "level": "INFO"}}`)))
	missing := filepath.Join(dir, "missing", "a.log")
	for _, class := range []string{"rotating_file", "timed_rotating_file", "watched_file"} {
		err := e.DictConfig(jsonConfig(t, fmt.Sprintf(`{"version": 1,
			"handlers": {"f": {"class": %q, "filename": %q, "maxSizeMB": 1}},
			"root": {"handlers": ["f"]}}`, class, missing)))
		if class == "watched_file" || class == "timed_rotating_file" {
			// These classes have no maxSizeMB: drop it and try again.
			require.Error(t, err)
			err = e.DictConfig(jsonConfig(t, fmt.Sprintf(`{"version": 1,
				"handlers": {"f": {"class": %q, "filename": %q}},
				"root": {"handlers": ["f"]}}`, class, missing)))
		}
		require.Error(t, err, class)
		assert.Contains(t, err.Error(), "handlers.f: open "+missing, class)
	}
	e.Logger("x").Info("still configured")
	assert.Equal(t, []string{"still configured"}, e.out["out"].lines(), "a refused configuration changes nothing")
}

// TestFHWrappersFlushBeforeTheirTargetsClose: at Shutdown, a MemoryHandler
// and a QueueHandler hand their records to a file handler that must still
// be open (CPython closes handlers in the reverse of their creation order,
// and creates a wrapper after its targets). The ids sort with the file
// first, so closing in id order would lose the records.
func TestFHWrappersFlushBeforeTheirTargetsClose(t *testing.T) {
	t.Parallel()
	for _, wrapper := range []string{
		`{"class": "logging.handlers.MemoryHandler", "capacity": 100, "target": "file"}`,
		`{"class": "logging.handlers.QueueHandler", "handlers": ["file"]}`,
	} {
		path := filepath.Join(t.TempDir(), "f.log")
		e := newTestEnvAt(t, "fh")
		require.NoError(t, e.DictConfig(jsonConfig(t, fmt.Sprintf(`{"version": 1, "handlers": {
			"file": {"class": "logging.FileHandler", "filename": %q},
			"wrap": %s},
			"root": {"handlers": ["wrap"], "level": "INFO"}}`, path, wrapper))))
		e.Logger("a").Info("buffered")
		assert.NoError(t, e.Shutdown(), wrapper)
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, "buffered\n", string(data), wrapper)
		assert.Empty(t, e.allReported(), wrapper)
	}
}

func TestFHCompositesThroughConfig(t *testing.T) {
	t.Parallel()
	e := newTestEnvAt(t, "fh", "a", "b", "c")
	require.NoError(t, e.DictConfig(jsonConfig(t, `{"version": 1,
		"formatters": {"f": {"format": "%(name)s %(levelname)s %(message)s"}},
		"handlers": {
			"a": {"class": "stream", "stream": "ext://fh.a", "formatter": "f"},
			"b": {"class": "stream", "stream": "ext://fh.b", "formatter": "f"},
			"c": {"class": "stream", "stream": "ext://fh.c", "formatter": "f", "level": "ERROR"},
			"r": {"class": "router", "handlers": ["a", "b"], "routes": {"a": {"level": "WARNING"}, "b": {"attrs": {"audit": true, "n": 1}}}},
			"p": {"class": "pool", "handlers": ["a", "b"]},
			"fo": {"class": "failover", "handlers": ["c", "b"]}},
		"loggers": {"r": {"handlers": ["r"]}, "p": {"handlers": ["p"]}, "fo": {"handlers": ["fo"]}},
		"root": {"level": "DEBUG"}}`)))
	e.Logger("r.x").Info("to nobody")
	e.Logger("r.x").Warn("to a")
	e.Logger("r").With("audit", true).Info("to b", "n", 1)
	e.Logger("p").Info("p1")
	e.Logger("p").Info("p2")
	e.Logger("fo").Info("c's level rejects: b")
	e.Logger("fo").Error("c takes it")
	assert.Equal(t, []string{"r.x WARNING to a", "p INFO p1"}, e.out["a"].lines())
	assert.Equal(t, []string{"r INFO to b audit=True n=1", "p INFO p2", "fo INFO c's level rejects: b"}, e.out["b"].lines())
	assert.Equal(t, []string{"fo ERROR c takes it"}, e.out["c"].lines())
	assert.Empty(t, e.allReported())
}

func TestFHQueueDropsReported(t *testing.T) {
	t.Parallel()
	e := newTestEnvAt(t, "fh")
	block := make(chan struct{})
	require.NoError(t, e.reg.RegisterHandler("fh_slow", HandlerClass{New: func(*HandlerConfig) (slog.Handler, io.Closer, error) {
		return fhSlow{block}, nil, nil
	}}))
	require.NoError(t, e.DictConfig(jsonConfig(t, `{"version": 1, "handlers": {
		"slow": {"class": "fh_slow"},
		"q": {"class": "queue", "handlers": ["slow"], "queue": {"maxsize": 1}, "overflow": "drop_newest"}},
		"root": {"handlers": ["q"], "level": "INFO"}}`)))
	for i := range 50 {
		e.Logger("a").Info(fmt.Sprint(i))
	}
	close(block)
	require.NoError(t, e.Shutdown())
	var dropped uint64
	for _, err := range e.allReported() {
		var de *handlers.DropError
		require.ErrorAs(t, err, &de)
		dropped += de.Dropped
	}
	assert.GreaterOrEqual(t, dropped, uint64(48-1), "at most two records fit: one in the listener, one in the queue")
}

type fhSlow struct{ block chan struct{} }

func (fhSlow) Enabled(context.Context, slog.Level) bool { return true }
func (s fhSlow) Handle(context.Context, slog.Record) error {
	<-s.block
	return nil
}
func (s fhSlow) WithAttrs([]slog.Attr) slog.Handler { return s }
func (s fhSlow) WithGroup(string) slog.Handler      { return s }

// fhOpenFDs counts the descriptors open on files, leaving out the
// runtime's own (its poller's epoll and eventfd, opened when first needed).
func fhOpenFDs() int {
	fds, ok := openFiles()
	if !ok {
		return -1
	}
	n := 0
	for _, target := range fds {
		if strings.HasPrefix(target, "/") {
			n++
		}
	}
	return n
}

// TestFHNoLeaksAcrossReconfigurations: 1,000 configurations that keep one
// file and cycle others through four names; every goroutine the handlers
// start is stopped (lumberjack's cleanup goroutine, one per rotated path,
// aside) and every file closed.
//
// Not parallel: it checks the goroutines and descriptors of the process.
func TestFHNoLeaksAcrossReconfigurations(t *testing.T) {
	dir := t.TempDir()
	goroutines := goleak.IgnoreCurrent()
	fds := fhOpenFDs()

	e := newTestEnvAt(t, "fh")
	keep := filepath.Join(dir, "keep.log")
	for i := range 1000 {
		n := i % 4
		cfg := jsonConfig(t, fmt.Sprintf(`{"version": 1,
			"handlers": {
				"keep": {"class": "rotating_file", "filename": %q, "maxBytes": 1048576, "backupCount": 2},
				"roll": {"class": "rotating_file", "filename": %q, "maxSizeMB": 1, "maxBackups": 1},
				"timed": {"class": "timed_rotating_file", "filename": %q, "when": "H"},
				"watched": {"class": "watched_file", "filename": %q},
				"mem": {"class": "memory", "capacity": 10, "target": "watched"},
				"q": {"class": "queue", "handlers": ["roll", "timed"]},
				"fo": {"class": "failover", "handlers": ["roll", "watched"]},
				"pl": {"class": "pool", "handlers": ["timed", "watched"]},
				"rt": {"class": "router", "handlers": ["roll"], "routes": {"roll": {"level": "INFO"}}}},
			"loggers": {
				"keep": {"handlers": ["keep"], "propagate": false},
				"other": {"handlers": ["mem", "q", "fo", "pl", "rt"]}},
			"root": {"level": "INFO"}}`, keep, filepath.Join(dir, fmt.Sprintf("r%d.log", n)),
			filepath.Join(dir, fmt.Sprintf("t%d.log", n)), filepath.Join(dir, fmt.Sprintf("w%d.log", n))))
		require.NoError(t, e.DictConfig(cfg))
		e.Logger("keep").Info(fmt.Sprint(i))
		e.Logger("other").Info(fmt.Sprint(i))
	}
	require.NoError(t, e.Shutdown())
	require.Empty(t, e.allReported())

	goleak.VerifyNone(t, goroutines, goleakLumberjack)
	if fds >= 0 {
		assert.Eventually(t, func() bool { return fhOpenFDs() == fds }, 10*time.Second, time.Millisecond,
			"open files: %d before, %d after", fds, fhOpenFDs())
	}
	data, err := os.ReadFile(keep)
	require.NoError(t, err)
	assert.Equal(t, 1000, bytes.Count(data, []byte("\n")), "no record lost on the kept file")
}

// TestFHSlogtestThroughManager runs testing/slogtest on the live handler
// of a logger whose records pass through each wrapping class.
func TestFHSlogtestThroughManager(t *testing.T) {
	t.Parallel()
	for name, wrap := range map[string]string{
		"memory":   `{"class": "memory", "capacity": 100, "target": "out"}`,
		"queue":    `{"class": "queue", "handlers": ["out"]}`,
		"failover": `{"class": "failover", "handlers": ["out"]}`,
		"router":   `{"class": "router", "handlers": ["out"]}`,
		"pool":     `{"class": "pool", "handlers": ["out"]}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var e *testEnv
			slogtest.Run(t, func(t *testing.T) slog.Handler {
				e = newTestEnvAt(t, "fh", "out")
				require.NoError(t, e.DictConfig(jsonConfig(t, `{"version": 1,
					"formatters": {"j": {"class": "json"}},
					"handlers": {"out": {"class": "stream", "stream": "ext://fh.out", "formatter": "j"}, "w": `+wrap+`},
					"root": {"handlers": ["w"], "level": "DEBUG"}}`)))
				return e.Handler("")
			}, func(t *testing.T) map[string]any {
				require.NoError(t, e.Shutdown())
				lines := e.out["out"].lines()
				require.Len(t, lines, 1)
				var m map[string]any
				require.NoError(t, json.Unmarshal([]byte(lines[0]), &m))
				return m
			})
		})
	}
}

func TestFHMemoryFlushLevel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give any // flushLevel
		want []string
	}{
		{name: "default ERROR", give: nil, want: []string{"ERROR"}},
		{name: "Python name", give: "WARNING", want: []string{"WARNING", "ERROR"}},
		{name: "any case", give: "warning", want: []string{"WARNING", "ERROR"}},
		{name: "Python number", give: 20, want: []string{"INFO", "WARNING", "ERROR"}},
		{name: "between levels", give: 25, want: []string{"WARNING", "ERROR"}},
		{name: "slog name", give: "INFO+2", want: []string{"WARNING", "ERROR"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnvAt(t, "fh", "out")
			mem := map[string]any{"class": "memory", "capacity": 100, "target": "out"}
			if tt.give != nil {
				mem["flushLevel"] = tt.give
			}
			require.NoError(t, e.DictConfig(map[string]any{"version": 1,
				"formatters": map[string]any{"f": map[string]any{"format": "%(levelname)s"}},
				"handlers": map[string]any{
					"out": map[string]any{"class": "stream", "stream": "ext://fh.out", "formatter": "f"},
					"mem": mem},
				"root": map[string]any{"handlers": []any{"mem"}, "level": "DEBUG"}}))
			var flushedAt []string
			for _, l := range []string{"DEBUG", "INFO", "WARNING", "ERROR"} {
				before := len(e.out["out"].lines())
				e.Logger("a").Log(context.Background(), fhPyLevels[l], "m")
				if len(e.out["out"].lines()) > before {
					flushedAt = append(flushedAt, l)
				}
			}
			assert.Equal(t, tt.want, flushedAt)
		})
	}
}

func TestFHWarnings(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := newTestEnvAt(t, "fh")
	cfg := jsonConfig(t, fmt.Sprintf(`{"version": 1, "handlers": {
		"rot": {"class": "rotating_file", "filename": %q, "maxBytes": 1500000, "backupCount": 0},
		"mem": {"class": "memory", "capacity": 1}}}`, filepath.Join(dir, "w.log")))
	require.NoError(t, e.Check(cfg), "warnings do not refuse a configuration")
	var got []string
	for _, err := range e.allReported() {
		got = append(got, err.Error())
	}
	assert.ElementsMatch(t, []string{
		"warning: handlers.mem: no target: every record is dropped (Python keeps them in memory for a target set later)",
		"warning: handlers.rot: backupCount is 0: the file never rotates, as in Python (set backupCount, or maxBackups to keep every rotated file)",
	}, got)
}

func TestFHFileModeAndTimedKeys(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := newTestEnvAt(t, "fh")
	files := map[string]string{}
	for _, class := range []string{"rotating_file", "timed_rotating_file", "watched_file"} {
		files[class] = filepath.Join(dir, class+".log")
	}
	require.NoError(t, e.DictConfig(jsonConfig(t, fmt.Sprintf(`{"version": 1, "handlers": {
		"r": {"class": "rotating_file", "filename": %q, "maxSizeMB": 1, "fileMode": "0600"},
		"t": {"class": "timed_rotating_file", "filename": %q, "when": "W2", "atTime": "13:45", "utc": true, "backupCount": 3, "fileMode": 384},
		"w": {"class": "watched_file", "filename": %q, "fileMode": "0o600"}},
		"root": {"handlers": ["r", "t", "w"], "level": "INFO"}}`,
		files["rotating_file"], files["timed_rotating_file"], files["watched_file"]))))
	e.Logger("").Info("x")
	for class, path := range files {
		fi, err := os.Stat(path)
		require.NoError(t, err, class)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), class)
	}
	require.NoError(t, e.Shutdown())
	assert.Empty(t, e.allReported())
}

// fhBuildClass builds one handler of one of slogtree's own classes, as
// validate, prepare and commit do.
func fhBuildClass(t *testing.T, cls HandlerClass, hc *HandlerConfig) (slog.Handler, io.Closer) {
	t.Helper()
	plan, err := cls.plan(hc)
	require.NoError(t, err)
	hc.opener = handlers.NewOpener()
	h, closer, err := plan.build(hc)
	require.NoError(t, err)
	require.NoError(t, hc.opener.Commit())
	return h, closer
}

// TestFHTimedClassSchedule checks that the configuration keys of
// TimedRotatingFileHandler reach the schedule.
func TestFHTimedClassSchedule(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	build := func(args map[string]any) *handlers.RotatingFile {
		args["filename"] = filepath.Join(dir, fmt.Sprintf("%d.log", len(args)))
		args["delay"] = true
		_, closer := fhBuildClass(t, timedClass, &HandlerConfig{ID: "t", Args: args})
		t.Cleanup(func() { _ = closer.Close() })
		return closer.(*handlers.RotatingFile)
	}
	// Wednesday 13:45 UTC, the next one after now.
	nextWed := func(now time.Time) time.Time {
		now = now.UTC()
		d := time.Date(now.Year(), now.Month(), now.Day(), 13, 45, 0, 0, time.UTC)
		for d.Weekday() != time.Wednesday || !d.After(now) {
			d = d.AddDate(0, 0, 1)
		}
		return d
	}
	before := time.Now()
	f := build(map[string]any{"when": "w2", "atTime": "13:45:00", "utc": true})
	after := time.Now()
	got := f.NextRollover().UTC()
	assert.Contains(t, []time.Time{nextWed(before), nextWed(after)}, got)

	before = time.Now()
	f = build(map[string]any{"when": "M", "interval": 5.0})
	got = f.NextRollover()
	assert.False(t, got.Before(before.Truncate(time.Second).Add(5*time.Minute)), "%v", got)
	assert.False(t, got.After(time.Now().Add(5*time.Minute)), "%v", got)
}

// TestFHCheckLeavesLiveRotationAlone: a checked (or refused) configuration
// that names a live rotating file with other settings does not change how
// the live configuration rotates it.
func TestFHCheckLeavesLiveRotationAlone(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "live.log")
	e := newTestEnvAt(t, "fh")
	require.NoError(t, e.DictConfig(jsonConfig(t, fmt.Sprintf(`{"version": 1,
		"handlers": {"h": {"class": "rotating_file", "filename": %q, "maxSizeMB": 1}},
		"root": {"handlers": ["h"], "level": "INFO"}}`, path))))
	require.NoError(t, e.Check(jsonConfig(t, fmt.Sprintf(`{"version": 1,
		"handlers": {"h": {"class": "rotating_file", "filename": %q, "maxSizeMB": 50}}}`, path))))
	refused := e.DictConfig(jsonConfig(t, fmt.Sprintf(`{"version": 1,
		"handlers": {"h": {"class": "rotating_file", "filename": %q, "maxSizeMB": 60}, "bad": {"class": "nope"}}}`, path)))
	require.Error(t, refused)
	msg := strings.Repeat("x", 1023)
	for range 1536 {
		e.Logger("a").Info(msg)
	}
	require.NoError(t, e.Shutdown())
	backups, err := filepath.Glob(filepath.Join(dir, "live-*.log"))
	require.NoError(t, err)
	assert.Len(t, backups, 1, "rotated at the live configuration's 1 MiB")
}

// TestFHCheckRotatesNothing: checking a configuration whose limits the
// files on disk are already past (live or not), or having one refused,
// renames nothing and leaves every byte where it was.
func TestFHCheckRotatesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	live, idle, timed := filepath.Join(dir, "live.log"), filepath.Join(dir, "idle.log"), filepath.Join(dir, "timed.log")
	big := bytes.Repeat([]byte("b"), 3<<20)
	require.NoError(t, os.WriteFile(idle, big, 0o644))
	e := newTestEnvAt(t, "fh")
	require.NoError(t, e.DictConfig(jsonConfig(t, fmt.Sprintf(`{"version": 1,
		"handlers": {"h": {"class": "rotating_file", "filename": %q, "maxSizeMB": 100}},
		"root": {"handlers": ["h"], "level": "INFO"}}`, live))))
	msg := strings.Repeat("x", 1023)
	for range 2048 { // 2 MiB
		e.Logger("a").Info(msg)
	}
	smaller := fmt.Sprintf(`{"version": 1, "handlers": {
		"l": {"class": "rotating_file", "filename": %q, "maxSizeMB": 1},
		"i": {"class": "logging.handlers.RotatingFileHandler", "filename": %q, "maxBytes": 1048576, "backupCount": 2},
		"t": {"class": "logging.handlers.TimedRotatingFileHandler", "filename": %q, "when": "S"}}`, live, idle, timed)
	require.NoError(t, e.Check(jsonConfig(t, smaller+`}`)))
	require.Error(t, e.DictConfig(jsonConfig(t, smaller+`, "root": {"handlers": ["nope"]}}`)))
	time.Sleep(1100 * time.Millisecond) // past the timed handler's first boundary
	for range 10 {
		e.Logger("a").Info(msg)
	}
	require.NoError(t, e.Shutdown())

	backups, err := filepath.Glob(filepath.Join(dir, "*-*.log"))
	require.NoError(t, err)
	assert.Empty(t, backups, "nothing rotated")
	fi, err := os.Stat(live)
	require.NoError(t, err)
	assert.Equal(t, int64(2058*1024), fi.Size(), "every record in the live file")
	data, err := os.ReadFile(idle)
	require.NoError(t, err)
	assert.Equal(t, big, data, "the file no configuration in force uses is untouched")
	assert.NoFileExists(t, timed, "checking or refusing a configuration creates no file")
}

// TestFHFileConfigPositionalArgs: fileConfig's args bind to Python's
// positional order of each class (SPEC §8).
func TestFHFileConfigPositionalArgs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rot, timed := filepath.Join(dir, "r.log"), filepath.Join(dir, "t.log")
	ini := filepath.Join(dir, "logging.ini")
	require.NoError(t, os.WriteFile(ini, []byte(fmt.Sprintf(`[loggers]
keys=root

[handlers]
keys=rot,timed,watched,mem

[formatters]
keys=

[logger_root]
level=INFO
handlers=rot,timed,mem

[handler_rot]
class=handlers.RotatingFileHandler
args=(%q, 'a', 3, 2)

[handler_timed]
class=handlers.TimedRotatingFileHandler
args=(%q, 'midnight', 1, 3, None, False, True)

[handler_watched]
class=handlers.WatchedFileHandler
args=(%q, 'a', None, True)

[handler_mem]
class=handlers.MemoryHandler
args=(10, 'ERROR')
target=rot
`, rot, timed, filepath.Join(dir, "w.log"))), 0o644))
	e := newTestEnvAt(t, "fh")
	require.NoError(t, e.FileConfig(ini))
	e.Logger("a").Info("x")
	require.NoError(t, e.Shutdown())
	// rot got x twice (from root and from mem): maxBytes 3, the third
	// argument, put the second in a new file.
	for path, want := range map[string]string{rot: "x\n", timed: "x\n"} {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, want, string(data), path)
	}
	backups, err := filepath.Glob(strings.TrimSuffix(rot, ".log") + "-*.log")
	require.NoError(t, err)
	assert.Len(t, backups, 1, "maxBytes and backupCount, the third and fourth arguments, were bound")
	_, err = os.Stat(filepath.Join(dir, "w.log"))
	assert.True(t, os.IsNotExist(err), "delay, the fourth argument, was bound")
	assert.Empty(t, e.allReported())
}

// TestFileAndRotatingFileOnOnePath: a file handler and a rotating file
// handler on the same path either share the file, so that after a
// rotation both write to the new live file, or the configuration is
// refused with an error naming both. Today each opens the path on its own:
// when the rotating handler renames the file to a backup, the file
// handler's descriptor follows the backup, and every record it writes
// from then on lands in a file that was rotated away.
func TestFileAndRotatingFileOnOnePath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "app.log")
	e := newTestEnv(t)
	err := e.DictConfig(map[string]any{
		"version": 1,
		"formatters": map[string]any{
			"a": map[string]any{"format": "a %(message)s"},
			"b": map[string]any{"format": "b %(message)s"},
		},
		"handlers": map[string]any{
			"a": map[string]any{"class": "file", "filename": path, "formatter": "a"},
			"b": map[string]any{"class": "rotating_file", "filename": path, "maxSizeMB": 1, "backupCount": 3, "formatter": "b"},
		},
		"root": map[string]any{"level": "INFO", "handlers": []any{"a", "b"}},
	})
	if err != nil {
		// The other good outcome: the clash is refused.
		assert.Contains(t, err.Error(), "handlers.a", "the error of a configuration refused for two handlers on one path")
		assert.Contains(t, err.Error(), "handlers.b", "the error of a configuration refused for two handlers on one path")
		return
	}

	// Each record goes to both handlers: 2 × 3,000 lines of 512 bytes, 3
	// MiB; at 1 MiB, one rotation if the rotating handler counts only its
	// own lines (as today), two if it counts the file handler's too. The
	// three backups kept are enough.
	const n = 3000
	pad := strings.Repeat("x", 512-len("a 0000 \n"))
	for i := range n {
		e.Logger("").Info(fmt.Sprintf("%04d %s", i, pad))
	}
	require.NoError(t, e.Shutdown())

	// The files in order: the backups by name (lumberjack stamps them with
	// the time of the rotation), then the live file.
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var files []string
	for _, ent := range ents {
		if ent.Name() != "app.log" {
			files = append(files, ent.Name())
		}
	}
	slices.Sort(files)
	files = append(files, "app.log")
	require.Greater(t, len(files), 1, "the rotating handler never rotated: the test writes too little")
	live := len(files) - 1

	// where is the file each record is in, by "a 0001" or "b 0001".
	where := map[string]int{}
	var dups []string
	for fi, name := range files {
		data, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		for _, line := range splitLines(string(data)) {
			key := line[:min(len(line), len("a 0000"))]
			if _, dup := where[key]; dup {
				dups = append(dups, key)
			}
			where[key] = fi
		}
	}
	assert.Empty(t, firstTen(dups), "records written twice")

	// Records b wrote from first on are in the live file: a's records
	// from first+1 on, written after the last rotation, must be too.
	first := -1
	for i := range n {
		if f, ok := where[fmt.Sprintf("b %04d", i)]; ok && f == live {
			first = i
			break
		}
	}
	require.GreaterOrEqual(t, first, 0, "no record of the rotating handler in the live file")
	var lost, misplaced []string
	for _, h := range []string{"a", "b"} {
		for i := range n {
			key := fmt.Sprintf("%s %04d", h, i)
			f, ok := where[key]
			switch {
			case !ok:
				lost = append(lost, key)
			case h == "a" && i > first && f != live:
				misplaced = append(misplaced, key+" in "+files[f])
			}
		}
	}
	assert.Empty(t, firstTen(lost), "records lost (%d)", len(lost))
	assert.Empty(t, firstTen(misplaced),
		"records of the file handler written after the last rotation (from a %04d on) that are not in the live file (%d)", first+1, len(misplaced))
}
