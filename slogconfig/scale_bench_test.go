package slogconfig

import (
	"io"
	"log/slog"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The benchmarks of this file measure what grows with use: a logger made
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
	py, err := exec.LookPath("python3")
	if err != nil {
		b.Skip("python3 not found: ", err)
	}
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
func BenchmarkDictConfigLiveNames(b *testing.B) {
	for _, bc := range scaleLiveNamesCases() {
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

// BenchmarkDictConfigLiveNamesCPython reports as its ns/op what one
// CPython dictConfig call of BenchmarkDictConfigLiveNames takes, as timed
// by testdata/bench_dictconfig.py (see BenchmarkDictConfigCPython).
func BenchmarkDictConfigLiveNamesCPython(b *testing.B) {
	py, err := exec.LookPath("python3")
	if err != nil {
		b.Skip("python3 not found: ", err)
	}
	for _, bc := range scaleLiveNamesCases() {
		b.Run(bc.name, func(b *testing.B) {
			key := "live_names_" + bc.name
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
