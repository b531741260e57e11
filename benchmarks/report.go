// Command benchmarks runs the published benchmarks of slogtree against
// slog, zap, zerolog, phuslu/log and CPython's logging, and writes
// ../docs/benchmarks.md and ../docs/benchmarks.svg from the results.
//
//	cd benchmarks && go run .            # or: make benchmarks
//	go run . -rounds 3 -benchtime 200ms  # quicker, noisier
//
// The Go benchmarks (BenchmarkLog in bench_test.go) are compiled once and
// run -rounds times, each round running every benchmark once for
// -benchtime, and after each round bench.py times the CPython scenarios:
// rounds interleave the loggers, so that a neighbour's load on a shared
// machine falls on all of them alike. Each figure is the median of the
// rounds.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	rounds := flag.Int("rounds", 6, "times every benchmark runs; figures are medians of the rounds")
	benchtime := flag.String("benchtime", "500ms", "go test -benchtime of each run")
	bench := flag.String("bench", "^BenchmarkLog$", "go test -bench: the Go benchmarks")
	python := flag.String("python", "python3", "CPython to time bench.py with; empty: none")
	pyTime := flag.Float64("py-min-time", 0.2, "bench.py --min-time: seconds of one CPython measurement")
	outDir := flag.String("out", filepath.Join("..", "docs"), "directory of benchmarks.md and benchmarks.svg")
	save := flag.String("save", "", "also write the measurements to this JSON file")
	from := flag.String("from", "", "measure nothing: write the report from a file of -save")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("benchmarks: ")
	if *rounds < 1 {
		log.Fatal("-rounds: want at least 1")
	}

	var m *measurements
	var err error
	if *from != "" {
		m, err = readMeasurements(*from)
	} else {
		m, err = measure(*rounds, *benchtime, *bench, *python, *pyTime)
	}
	if err != nil {
		log.Fatal(err)
	}
	if *save != "" {
		b, err := json.MarshalIndent(m, "", "\t")
		if err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(*save, append(b, '\n'), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	r := &report{measurements: m, results: medians(m.Samples)}
	if err := os.MkdirAll(*outDir, 0o755); err != nil {
		log.Fatal(err)
	}
	var md, svg bytes.Buffer
	r.writeMarkdown(&md)
	writeChart(&svg, r.results)
	if err := os.WriteFile(filepath.Join(*outDir, "benchmarks.md"), md.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*outDir, "benchmarks.svg"), svg.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %s and benchmarks.svg (measuring took %s)", filepath.Join(*outDir, "benchmarks.md"), m.Took)
}

// measurements are the samples of a run of the report and what it ran
// on: what -save writes and -from reads.
type measurements struct {
	Samples   []sample  `json:"samples"`
	Rounds    int       `json:"rounds"`
	Benchtime string    `json:"benchtime"`
	CPU       string    `json:"cpu"`
	Cores     int       `json:"cores"`
	GoVersion string    `json:"go"`
	Python    string    `json:"python"` // "" when CPython was not timed
	Date      string    `json:"date"`
	Took      string    `json:"took"`
	Load      [2]string `json:"load"` // load averages at the start and at the end
}

// measure runs the Go benchmarks and bench.py, rounds times each,
// interleaved.
func measure(rounds int, benchtime, bench, python string, pyTime float64) (*measurements, error) {
	start := time.Now()
	m := &measurements{Rounds: rounds, Benchtime: benchtime, CPU: cpuModel(), Cores: runtime.NumCPU(),
		Date: start.UTC().Format("2006-01-02")}
	m.Load[0] = loadAverage()
	var err error
	if m.GoVersion, err = output("go", "env", "GOVERSION"); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "slogtree-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "bench.test")
	if err := run(os.Stderr, "go", "test", "-c", "-o", bin, "."); err != nil {
		return nil, err
	}
	for i := range rounds {
		log.Printf("round %d of %d: Go", i+1, rounds)
		var out bytes.Buffer
		if err := run(io.MultiWriter(&out, progress{}), bin, "-test.run", "^$", "-test.bench", bench,
			"-test.benchmem", "-test.benchtime", benchtime); err != nil {
			return nil, err
		}
		s, err := parseGoBench(&out)
		if err != nil {
			return nil, err
		}
		m.Samples = append(m.Samples, s...)
		if python == "" {
			continue
		}
		log.Printf("round %d of %d: CPython", i+1, rounds)
		out.Reset()
		if err := run(&out, python, "bench.py", "--min-time", strconv.FormatFloat(pyTime, 'f', -1, 64), "--repeat", "3"); err != nil {
			return nil, err
		}
		var py pyResults
		if err := json.Unmarshal(out.Bytes(), &py); err != nil {
			return nil, fmt.Errorf("bench.py: %v: %s", err, out.Bytes())
		}
		m.Python = py.Python
		for _, sc := range slices.Sorted(maps.Keys(py.NsPerOp)) {
			m.Samples = append(m.Samples, sample{Scenario: sc, Logger: "cpython", NsPerOp: py.NsPerOp[sc], BytesPerOp: -1, AllocsPerOp: -1})
		}
	}
	m.Load[1] = loadAverage()
	m.Took = time.Since(start).Round(time.Second).String()
	return m, nil
}

// readMeasurements reads a file written with -save.
func readMeasurements(name string) (*measurements, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	m := new(measurements)
	if err := json.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(m.Samples) == 0 {
		return nil, fmt.Errorf("%s: no samples", name)
	}
	return m, nil
}

// run runs a command in the current directory, its output to w and its
// errors to stderr.
func run(w io.Writer, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = w, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}

func output(name string, args ...string) (string, error) {
	var b bytes.Buffer
	err := run(&b, name, args...)
	return strings.TrimSpace(b.String()), err
}

// progress shows the benchmark lines on stderr as they come.
type progress struct{}

func (progress) Write(p []byte) (int, error) { return os.Stderr.Write(p) }

// pyResults is what bench.py prints.
type pyResults struct {
	Python  string             `json:"python"`
	NsPerOp map[string]float64 `json:"ns_per_op"`
}

// A sample is one measurement of one logger in one scenario. B/op and
// allocs/op are -1 where they are not measured (CPython).
type sample struct {
	Scenario    string  `json:"scenario"`
	Logger      string  `json:"logger"`
	NsPerOp     float64 `json:"ns_per_op"`
	BytesPerOp  float64 `json:"bytes_per_op"`
	AllocsPerOp float64 `json:"allocs_per_op"`
}

// benchLine is a line of go test -bench output of BenchmarkLog:
// its scenario, its logger, the GOMAXPROCS suffix, the iterations and
// the measurements.
var benchLine = regexp.MustCompile(`^Benchmark\w+/scenario=([^/\s]+)/logger=([^\s]+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// parseGoBench reads the samples of go test -bench output; it fails on
// output without any.
func parseGoBench(r io.Reader) ([]sample, error) {
	var out []sample
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		s := sample{Scenario: m[1], Logger: m[2], NsPerOp: -1, BytesPerOp: -1, AllocsPerOp: -1}
		f := strings.Fields(m[3])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%q: %v", sc.Text(), err)
			}
			switch f[i+1] {
			case "ns/op":
				s.NsPerOp = v
			case "B/op":
				s.BytesPerOp = v
			case "allocs/op":
				s.AllocsPerOp = v
			}
		}
		if s.NsPerOp < 0 {
			return nil, fmt.Errorf("%q: no ns/op", sc.Text())
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no benchmark results")
	}
	return out, nil
}

// A result is the medians of the samples of one logger in one scenario.
type result struct {
	scenario, logger        string
	nsPerOp, minNs, maxNs   float64
	bytesPerOp, allocsPerOp float64 // -1: not measured
	n                       int     // samples
}

// medians returns a result for each scenario and logger of samples, in
// the order of scenarioOrder and loggerOrder (others after them, in the
// order they came).
func medians(samples []sample) []result {
	type key struct{ scenario, logger string }
	var keys []key
	by := map[key][]sample{}
	for _, s := range samples {
		k := key{s.Scenario, s.Logger}
		if _, ok := by[k]; !ok {
			keys = append(keys, k)
		}
		by[k] = append(by[k], s)
	}
	slices.SortStableFunc(keys, func(a, b key) int {
		if d := orderOf(scenarioOrder, a.scenario) - orderOf(scenarioOrder, b.scenario); d != 0 {
			return d
		}
		return orderOf(loggerOrder, a.logger) - orderOf(loggerOrder, b.logger)
	})
	out := make([]result, 0, len(keys))
	for _, k := range keys {
		ss := by[k]
		col := func(f func(sample) float64) []float64 {
			vs := make([]float64, len(ss))
			for i, s := range ss {
				vs[i] = f(s)
			}
			return vs
		}
		ns := col(func(s sample) float64 { return s.NsPerOp })
		out = append(out, result{
			scenario: k.scenario, logger: k.logger,
			nsPerOp: median(ns), minNs: slices.Min(ns), maxNs: slices.Max(ns),
			bytesPerOp:  median(col(func(s sample) float64 { return s.BytesPerOp })),
			allocsPerOp: median(col(func(s sample) float64 { return s.AllocsPerOp })),
			n:           len(ss),
		})
	}
	return out
}

// median returns the median of vs, the mean of the middle two for an even
// count.
func median(vs []float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// cpuModel returns the first "model name" of /proc/cpuinfo, or "unknown".
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// loadAverage returns the 1-, 5- and 15-minute load averages of
// /proc/loadavg, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}
