package slogconfig

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/slogtree/slogtree/internal/testutil"
	"github.com/stretchr/testify/assert"
)

// Each benchmark has its hand-built slog equivalent beside it, so that the
// ratio reads from one run:
//
//	go test -run '^$' -bench . -benchmem ./slogconfig

// benchMsg and benchArgs are the record of the enabled benchmarks.
const benchMsg = "request handled"

var benchArgs = []any{"method", "GET", "status", 200, "path", "/api/v1/items"}

// benchJSONConfig is one JSON handler on ext://bench.out at root, level
// INFO.
func benchJSONConfig() map[string]any {
	return map[string]any{
		"version":    1,
		"formatters": map[string]any{"j": map[string]any{"class": "json"}},
		"handlers": map[string]any{
			"h": map[string]any{"class": "stream", "stream": "ext://bench.out", "formatter": "j"},
		},
		"root": map[string]any{"level": "INFO", "handlers": []any{"h"}},
	}
}

// benchPropagationConfig has a JSON handler on ext://bench.out on each of
// a.b.c, a and root, so that a record of a.b.c reaches three handlers by
// propagation.
func benchPropagationConfig() map[string]any {
	h := func() map[string]any {
		return map[string]any{"class": "stream", "stream": "ext://bench.out", "formatter": "j"}
	}
	return map[string]any{
		"version":    1,
		"formatters": map[string]any{"j": map[string]any{"class": "json"}},
		"handlers":   map[string]any{"h1": h(), "h2": h(), "h3": h()},
		"loggers": map[string]any{
			"a.b.c": map[string]any{"handlers": []any{"h1"}},
			"a":     map[string]any{"handlers": []any{"h2"}},
		},
		"root": map[string]any{"level": "INFO", "handlers": []any{"h3"}},
	}
}

func BenchmarkDisabledDebug(b *testing.B) {
	b.Run("slogtree", func(b *testing.B) {
		l := benchManager(b, benchJSONConfig(), io.Discard).Logger("a.b.c")
		b.ReportAllocs()
		for b.Loop() {
			l.Debug("x", "k", 1)
		}
	})
	b.Run("slog", func(b *testing.B) {
		l := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
		b.ReportAllocs()
		for b.Loop() {
			l.Debug("x", "k", 1)
		}
	})
}

// benchJSONLoggers are the two loggers of the enabled JSON benchmarks: the
// slogtree one, and slog's JSONHandler with the logger attribute that
// slogtree's json formatter adds.
func benchJSONLoggers(b *testing.B) []struct {
	name string
	l    *slog.Logger
} {
	return []struct {
		name string
		l    *slog.Logger
	}{
		{"slogtree", benchManager(b, benchJSONConfig(), io.Discard).Logger("a.b.c")},
		{"slog", slog.New(slog.NewJSONHandler(io.Discard, nil)).With("logger", "a.b.c")},
	}
}

func BenchmarkEnabledJSON(b *testing.B) {
	for _, bc := range benchJSONLoggers(b) {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bc.l.Info(benchMsg, benchArgs...)
			}
		})
	}
}

func BenchmarkEnabledJSONParallel(b *testing.B) {
	for _, bc := range benchJSONLoggers(b) {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					bc.l.Info(benchMsg, benchArgs...)
				}
			})
		})
	}
}

// benchSequence is the hand-built fan-out: one record, Handle called on
// each handler in turn.
type benchSequence []slog.Handler

func (s benchSequence) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (s benchSequence) Handle(ctx context.Context, r slog.Record) error {
	for _, h := range s {
		if err := h.Handle(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

func (s benchSequence) WithAttrs([]slog.Attr) slog.Handler { panic("not used") }
func (s benchSequence) WithGroup(string) slog.Handler      { panic("not used") }

// benchPropagation3Baselines are the slog equivalents of
// BenchmarkPropagation3, each combining the three handlers into one;
// bench_go126_test.go adds slog.NewMultiHandler.
var benchPropagation3Baselines = []struct {
	name    string
	combine func(hs ...slog.Handler) slog.Handler
}{
	{"sequence", func(hs ...slog.Handler) slog.Handler { return benchSequence(hs) }},
}

func BenchmarkPropagation3(b *testing.B) {
	b.Run("slogtree", func(b *testing.B) {
		l := benchManager(b, benchPropagationConfig(), io.Discard).Logger("a.b.c")
		b.ReportAllocs()
		for b.Loop() {
			l.Info(benchMsg, benchArgs...)
		}
	})
	for _, bl := range benchPropagation3Baselines {
		b.Run(bl.name, func(b *testing.B) {
			hs := make([]slog.Handler, 3)
			for i := range hs {
				hs[i] = slog.NewJSONHandler(io.Discard, nil).WithAttrs([]slog.Attr{slog.String("logger", "a.b.c")})
			}
			l := slog.New(bl.combine(hs...))
			b.ReportAllocs()
			for b.Loop() {
				l.Info(benchMsg, benchArgs...)
			}
		})
	}
}

// benchDictConfigCase is a configuration of the DictConfig benchmarks,
// applied to a Manager that already has names as live loggers.
type benchDictConfigCase struct {
	name   string
	config func() map[string]any
	names  []string
}

var benchDictConfigCases = []benchDictConfigCase{
	{name: "20handlers_100loggers_10000names", config: benchBigConfig, names: benchNames()},
	{name: "one_handler", config: benchOneHandlerConfig},
}

// benchOneHandlerConfig is one stream handler with a pattern formatter, on
// root.
func benchOneHandlerConfig() map[string]any {
	return map[string]any{
		"version": 1,
		"formatters": map[string]any{
			"plain": map[string]any{"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
		},
		"handlers": map[string]any{
			"console": map[string]any{"class": "logging.StreamHandler", "stream": "ext://bench.out", "formatter": "plain", "level": "DEBUG"},
		},
		"root": map[string]any{"level": "INFO", "handlers": []any{"console"}},
	}
}

// benchBigConfig has 20 stream handlers over four formatters (json and
// text among them) and 100 loggers svcI.modJ, each with a level and two
// handlers.
func benchBigConfig() map[string]any {
	fmts := []string{"plain", "dated", "json", "text"}
	hs := map[string]any{}
	for i := range 20 {
		h := map[string]any{"class": "logging.StreamHandler", "stream": "ext://bench.out", "formatter": fmts[i%len(fmts)]}
		if i%3 == 0 {
			h["level"] = []string{"DEBUG", "INFO", "WARNING"}[i/3%3]
		}
		hs[fmt.Sprintf("h%02d", i)] = h
	}
	loggers := map[string]any{}
	for i := range 100 {
		loggers[fmt.Sprintf("svc%d.mod%d", i/10, i%10)] = map[string]any{
			"level":     []string{"DEBUG", "INFO", "WARNING", "ERROR"}[i%4],
			"handlers":  []any{fmt.Sprintf("h%02d", i%20), fmt.Sprintf("h%02d", (i+7)%20)},
			"propagate": i%2 == 0,
		}
	}
	return map[string]any{
		"version": 1,
		"formatters": map[string]any{
			"plain": map[string]any{"format": "%(levelname)s %(name)s: %(message)s"},
			"dated": map[string]any{"format": "%(asctime)s %(levelname)-8s %(name)s: %(message)s", "datefmt": "%Y-%m-%d %H:%M:%S"},
			"json":  map[string]any{"class": "json"},
			"text":  map[string]any{"class": "text"},
		},
		"handlers": hs,
		"loggers":  loggers,
		"root":     map[string]any{"level": "WARNING", "handlers": []any{"h00"}},
	}
}

// benchNames returns 10,000 logger names svcI.modJ.fnK, below the loggers
// of benchBigConfig.
func benchNames() []string {
	names := make([]string, 0, 10000)
	for i := range 10 {
		for j := range 10 {
			for k := range 100 {
				names = append(names, fmt.Sprintf("svc%d.mod%d.fn%d", i, j, k))
			}
		}
	}
	return names
}

func BenchmarkDictConfig(b *testing.B) { benchDictConfig(b, benchDictConfigCases) }

// benchDictConfig applies each case's configuration again and again to a
// Manager that already has the case's live logger names.
func benchDictConfig(b *testing.B, cases []benchDictConfigCase) {
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			cfg := bc.config()
			m := benchManager(b, cfg, io.Discard)
			for _, n := range bc.names {
				m.Logger(n)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := m.DictConfig(cfg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDictConfigCPython reports as its ns/op what one CPython
// logging.config.dictConfig call of the same configuration takes, with the
// same live logger names, as timed by testdata/bench_dictconfig.py (json
// and text formatters become logging.Formatter there, ext://bench.out a
// stream on os.devnull). Its B/op and allocs/op are those of running the
// script, and mean nothing.
func BenchmarkDictConfigCPython(b *testing.B) {
	benchDictConfigCPython(b, "", benchDictConfigCases)
}

// benchDictConfigCPython reports CPython's time for each case, as
// timed by testdata/bench_dictconfig.py, under the key prefix+name.
func benchDictConfigCPython(b *testing.B, prefix string, cases []benchDictConfigCase) {
	py := testutil.Python3(b)
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			// The script times many calls itself: run it once per
			// measurement, on its first run (b.N is 1), and report the
			// same figure if the benchmark framework asks for a larger b.N.
			key := prefix + bc.name
			if b.N == 1 || benchCPythonNs[key] == 0 {
				ns, err := benchCPythonDictConfig(py, bc)
				if err != nil {
					b.Fatal(err)
				}
				benchCPythonNs[key] = ns
			}
			b.ReportMetric(benchCPythonNs[key], "ns/op")
		})
	}
}

// benchCPythonNs holds the last figure of BenchmarkDictConfigCPython, by
// case. Benchmarks run one at a time.
var benchCPythonNs = map[string]float64{}

// benchCPythonDictConfig runs testdata/bench_dictconfig.py on bc and
// returns the nanoseconds per dictConfig call it prints.
func benchCPythonDictConfig(py string, bc benchDictConfigCase) (float64, error) {
	in, err := json.Marshal(map[string]any{"config": bc.config(), "names": bc.names})
	if err != nil {
		return 0, err
	}
	cmd := exec.Command(py, "testdata/bench_dictconfig.py")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("bench_dictconfig.py: %v\n%s", err, stderr.Bytes())
	}
	return strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
}

// TestBenchConfigs checks that the benchmarks measure what they say: the
// loggers write where the benchmarks expect, and the DictConfig
// configurations apply.
func TestBenchConfigs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		give   map[string]any
		logger string
		level  slog.Level
		want   int // writes per record
	}{
		{name: "disabled debug", give: benchJSONConfig(), logger: "a.b.c", level: slog.LevelDebug, want: 0},
		{name: "enabled json", give: benchJSONConfig(), logger: "a.b.c", level: slog.LevelInfo, want: 1},
		{name: "propagation to 3 handlers", give: benchPropagationConfig(), logger: "a.b.c", level: slog.LevelInfo, want: 3},
		{name: "one handler", give: benchOneHandlerConfig(), logger: "x", level: slog.LevelInfo, want: 1},
		{name: "big config, propagating logger", give: benchBigConfig(), logger: "svc0.mod2.fn7", level: slog.LevelWarn, want: 3},
		{name: "big config, non-propagating logger", give: benchBigConfig(), logger: "svc0.mod1.fn7", level: slog.LevelWarn, want: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out buffer
			m := benchManager(t, tt.give, &out)
			m.Logger(tt.logger).Log(context.Background(), tt.level, benchMsg, benchArgs...)
			assert.Equal(t, tt.want, out.count(), "writes: %q", out.String())
			if tt.want > 0 {
				assert.Contains(t, out.String(), "/api/v1/items")
			}
		})
	}
}

// The benchmarks from here on measure what grows with use: a logger made
// per request with With, logger names by the hundred thousand, and
// reconfiguring a Manager that has many. Each has its slog or CPython
// counterpart beside it:
//
//	go test -run '^$' -bench 'WithInfo|NewLogger|LiveNames' -benchmem ./slogconfig

// scalePatternConfig is one stream handler on ext://bench.out with a
// pattern formatter, at root, level INFO.
func scalePatternConfig() map[string]any {
	return map[string]any{
		"version": 1,
		"formatters": map[string]any{
			"p": map[string]any{"format": "%(levelname)s %(name)s: %(message)s"},
		},
		"handlers": map[string]any{
			"h": map[string]any{"class": "stream", "stream": "ext://bench.out", "formatter": "p"},
		},
		"root": map[string]any{"level": "INFO", "handlers": []any{"h"}},
	}
}

// BenchmarkWithInfo measures a logger made per request:
// l.With("req", 42).Info("hello", "k", 1). slog's handlers carry the
// logger attribute slogtree's formatters add.
func BenchmarkWithInfo(b *testing.B) {
	loggers := []struct {
		name string
		l    func(b *testing.B) *slog.Logger
	}{
		{"slogtree_json", func(b *testing.B) *slog.Logger {
			return benchManager(b, benchJSONConfig(), io.Discard).Logger("a.b.c")
		}},
		{"slog_json", func(*testing.B) *slog.Logger {
			return slog.New(slog.NewJSONHandler(io.Discard, nil)).With("logger", "a.b.c")
		}},
		{"slogtree_pattern", func(b *testing.B) *slog.Logger {
			return benchManager(b, scalePatternConfig(), io.Discard).Logger("a.b.c")
		}},
		{"slog_text", func(*testing.B) *slog.Logger {
			return slog.New(slog.NewTextHandler(io.Discard, nil)).With("logger", "a.b.c")
		}},
	}
	for _, bc := range loggers {
		b.Run(bc.name, func(b *testing.B) {
			l := bc.l(b)
			b.ReportAllocs()
			for b.Loop() {
				l.With("req", 42).Info("hello", "k", 1)
			}
		})
	}
}

// scaleSiblings is a Manager whose parents p0 .. p<P-1> each have n
// children, and the names still to create under them: one per iteration,
// p<j>.new<k> in turn over the parents, so that every name is created
// under a parent with between n and 2n children.
type scaleSiblings struct {
	reg      *Registry
	existing []string // p<j> and p<j>.c<k>
	fresh    []string // p<j>.new<k>, interleaved by parent
	m        *Manager
	next     int // index in fresh of the next name to create
}

// newScaleSiblings returns a scaleSiblings for n children per parent, with
// enough parents that a Manager lasts at least 10,000 iterations.
func newScaleSiblings(n int) *scaleSiblings {
	parents := max(1, (10000+n-1)/n)
	s := &scaleSiblings{reg: NewRegistry()}
	for j := range parents {
		p := "p" + strconv.Itoa(j)
		s.existing = append(s.existing, p)
		for k := range n {
			s.existing = append(s.existing, p+".c"+strconv.Itoa(k))
		}
	}
	for k := range n {
		for j := range parents {
			s.fresh = append(s.fresh, "p"+strconv.Itoa(j)+".new"+strconv.Itoa(k))
		}
	}
	return s
}

// reset makes a fresh Manager holding the existing names.
func (s *scaleSiblings) reset() {
	s.m = New(WithRegistry(s.reg))
	for _, name := range s.existing {
		s.m.Logger(name)
	}
	s.next = 0
}

// BenchmarkNewLogger measures creating one new logger name under a parent
// that already has siblings children. Every name is new to its Manager,
// and a parent never gets more than twice siblings children: a fresh
// Manager, made with the timer stopped, takes over when the names run
// out.
func BenchmarkNewLogger(b *testing.B) {
	for _, n := range []int{10, 1000, 100000} {
		b.Run("siblings="+strconv.Itoa(n), func(b *testing.B) {
			s := newScaleSiblings(n)
			s.reset()
			b.ReportAllocs()
			for b.Loop() {
				if s.next == len(s.fresh) {
					b.StopTimer()
					s.reset()
					b.StartTimer()
				}
				s.m.Logger(s.fresh[s.next])
				s.next++
			}
		})
	}
}

// scaleFlatNames returns the logger names n0 .. n<n-1>.
func scaleFlatNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = "n" + strconv.Itoa(i)
	}
	return names
}

// BenchmarkNewLoggers100000Flat measures creating 100,000 logger names
// without dots in a fresh Manager: ns/op is for the 100,000.
func BenchmarkNewLoggers100000Flat(b *testing.B) {
	names := scaleFlatNames(100000)
	reg := NewRegistry()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		m := New(WithRegistry(reg))
		b.StartTimer()
		for _, name := range names {
			m.Logger(name)
		}
	}
}

// BenchmarkNewLoggers100000FlatCPython reports as its ns/op what CPython
// takes to create the names of BenchmarkNewLoggers100000Flat with
// logging.getLogger in a fresh manager, as timed by
// testdata/bench_getlogger.py. Its B/op and allocs/op are those of running
// the script, and mean nothing.
func BenchmarkNewLoggers100000FlatCPython(b *testing.B) {
	py := testutil.Python3(b)
	const key = "getlogger_100000_flat"
	// As BenchmarkDictConfigCPython: run the script once per measurement.
	if b.N == 1 || benchCPythonNs[key] == 0 {
		cmd := exec.Command(py, "testdata/bench_getlogger.py", "100000")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("bench_getlogger.py: %v\n%s", err, stderr.String())
		}
		ns, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
		if err != nil {
			b.Fatal(err)
		}
		benchCPythonNs[key] = ns
	}
	b.ReportMetric(benchCPythonNs[key], "ns/op")
}

// scaleLiveNames returns n nested logger names svcI.modJ.fnK: ten
// services of n/1000 modules of 100 functions.
func scaleLiveNames(n int) []string {
	names := make([]string, 0, n)
	for i := range 10 {
		for j := range n / 1000 {
			for k := range 100 {
				names = append(names, "svc"+strconv.Itoa(i)+".mod"+strconv.Itoa(j)+".fn"+strconv.Itoa(k))
			}
		}
	}
	return names
}

// scaleLiveNamesCases returns the cases of the LiveNames benchmarks: the
// one-handler configuration of BenchmarkDictConfig, applied to a Manager
// that has that many live names.
func scaleLiveNamesCases() []benchDictConfigCase {
	return []benchDictConfigCase{
		{name: "10000", config: benchOneHandlerConfig, names: scaleLiveNames(10000)},
		{name: "100000", config: benchOneHandlerConfig, names: scaleLiveNames(100000)},
	}
}

// BenchmarkDictConfigLiveNames measures applying a small configuration
// again to a Manager with many live logger names.
func BenchmarkDictConfigLiveNames(b *testing.B) { benchDictConfig(b, scaleLiveNamesCases()) }

// BenchmarkDictConfigLiveNamesCPython reports as its ns/op what one
// CPython dictConfig call of BenchmarkDictConfigLiveNames takes, as timed
// by testdata/bench_dictconfig.py (see BenchmarkDictConfigCPython).
func BenchmarkDictConfigLiveNamesCPython(b *testing.B) {
	benchDictConfigCPython(b, "live_names_", scaleLiveNamesCases())
}

// TestScaleBenchNames checks that the benchmarks create the names they
// say: distinct, and each fresh name new to its Manager.
func TestScaleBenchNames(t *testing.T) {
	t.Parallel()
	distinct := func(names ...[]string) int {
		seen := map[string]bool{}
		for _, ns := range names {
			for _, n := range ns {
				seen[n] = true
			}
		}
		return len(seen)
	}
	for _, n := range []int{10000, 100000} {
		names := scaleLiveNames(n)
		assert.Len(t, names, n)
		assert.Equal(t, n, distinct(names), "distinct names of scaleLiveNames(%d)", n)
	}
	assert.Equal(t, 100000, distinct(scaleFlatNames(100000)))
	for _, n := range []int{10, 1000} {
		s := newScaleSiblings(n)
		parents := len(s.existing) / (n + 1)
		assert.GreaterOrEqual(t, len(s.fresh), 10000, "names for %d siblings", n)
		assert.Len(t, s.fresh, parents*n)
		assert.Equal(t, parents*(2*n+1), distinct(s.existing, s.fresh), "names for %d siblings", n)
	}
}
