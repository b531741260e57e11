package slogconfig

// TestPyDiff runs the same dictConfig scenarios through CPython's logging
// (testdata/pydiff.py) and through a Manager, and compares, per scenario,
// whether each configuration was accepted and which handler wrote which
// line, in order. The scenarios are the hand-written ones in
// testdata/pydiff/*.json and a seeded random set (-pydiff.seed, -pydiff.n).
//
// Every handler of a scenario is a logging.StreamHandler on "ext://cap.<id>"
// with the format "%(name)s|%(levelname)s|%(message)s": in Python, cap is a
// module the script installs in sys.modules; here, each "cap.<id>" is an
// io.Writer registered in the Manager's own Registry. The last-resort
// handler writes "%(message)s" to a collector on both sides.
//
// The scenarios stay inside the deviations slogtree documents
// (SPEC-python.md §1 "DEVIATIONS", §9, DESIGN.md "Key decisions" 7), and
// away from what Python itself leaves to chance:
//
//   - DEVIATION 1, atomic apply. Python closes the old handlers and builds
//     the new configuration in place, so a refused configuration leaves it
//     half-configured; slogtree leaves the running tree untouched. A
//     scenario therefore stops at its first refused configuration on both
//     sides: only the refusal is compared.
//   - DEVIATION 3, logger filters replaced, not accumulated. Python adds a
//     full configuration's filters to a logger's old ones (root included).
//     The random scenarios give a logger filters only when it has none, and
//     never configure it again in a later full configuration.
//   - DEVIATION 4, propagate validated as a bool. Python stores any value;
//     the scenarios use booleans (and 0, which both read as false).
//   - Levels (SPEC §1 Go mapping "Numbers", DESIGN decision 7). slogtree
//     reads level names in any case and slog names such as "INFO+2", and
//     accepts integral floats; Python wants upper-case names or ints and
//     raises TypeError on 10.0. The scenarios use upper-case Python names
//     and ints only, and the one float they contain is not integral (both
//     refuse it).
//   - SPEC §9 rule 3, NOTSET passing levels below Python's 0. Records are
//     logged at Python levels 5..50, multiples of 5, which are exact slog
//     levels ((py-20)*2/5).
//   - DEVIATION 2 (topological handler order) and 5 (queue listeners) are
//     not reached: the handlers refer to no other handler.
//
// Two more things are avoided because they are not deterministic, not
// because slogtree differs:
//   - Python's handler-name registry (logging._handlers) holds handlers
//     weakly, and a dictConfig leaves reference cycles behind, so whether an
//     unattached handler of the last full configuration can still be named
//     by an incremental one depends on the garbage collector. Incremental
//     configurations here name only handlers attached to some logger.
//   - A Go map has no order, so "loggers" never holds both "" and "root"
//     (Python applies them in dict order, slogtree in sorted order).

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/slogtree/slogtree/formatters"
)

var (
	pydiffSeed = flag.Uint64("pydiff.seed", 0x5109_7eee, "seed of TestPyDiff's random scenarios")
	pydiffN    = flag.Int("pydiff.n", 200, "number of TestPyDiff's random scenarios")
)

// pdFormat is the format of every handler the scenarios define.
const pdFormat = "%(name)s|%(levelname)s|%(message)s"

// pdScenario is one scenario as both sides run it.
type pdScenario struct {
	Name    string   `json:"name"`
	Streams []string `json:"streams"`
	Steps   []pdStep `json:"steps"`
}

// pdStep is one step: "get" a logger, "config", or "log" msg on a logger
// at a Python level.
type pdStep struct {
	Op     string `json:"op"`
	Name   string `json:"name"`
	Level  int    `json:"level,omitempty"`
	Msg    string `json:"msg,omitempty"`
	Config any    `json:"config,omitempty"`
}

// pdRaw is a scenario as written in testdata/pydiff/*.json. Each step has
// one of the keys "get" (logger names), "config" (a dictConfig dict; a
// handler entry without "class" or "()" in a full configuration becomes a
// StreamHandler on ext://cap.<id> with the scenario format), "probe"
// (logger names, each logged at "levels", default 10..50) or "log" (a
// logger name, at "level").
type pdRaw struct {
	Name  string      `json:"name"`
	Steps []pdRawStep `json:"steps"`
}

type pdRawStep struct {
	Get    []string       `json:"get,omitempty"`
	Config map[string]any `json:"config,omitempty"`
	Probe  []string       `json:"probe,omitempty"`
	Levels []int          `json:"levels,omitempty"`
	Log    *string        `json:"log,omitempty"`
	Level  int            `json:"level,omitempty"`
}

var pdDefaultLevels = []int{10, 20, 30, 40, 50}

// pdExpand turns a written scenario into the steps both sides run.
func pdExpand(raw pdRaw) (pdScenario, error) {
	sc := pdScenario{Name: raw.Name}
	streams := map[string]bool{}
	msg := 0
	logStep := func(name string, level int) error {
		if level < 5 || level > 55 || level%5 != 0 {
			return fmt.Errorf("%s: level %d is not a multiple of 5 in 5..55", raw.Name, level)
		}
		msg++
		sc.Steps = append(sc.Steps, pdStep{Op: "log", Name: name, Level: level, Msg: fmt.Sprintf("s%d", msg)})
		return nil
	}
	for i, st := range raw.Steps {
		switch {
		case st.Get != nil:
			for _, n := range st.Get {
				sc.Steps = append(sc.Steps, pdStep{Op: "get", Name: n})
			}
		case st.Config != nil:
			pdExpandConfig(st.Config, streams)
			sc.Steps = append(sc.Steps, pdStep{Op: "config", Config: st.Config})
		case st.Probe != nil:
			levels := st.Levels
			if levels == nil {
				levels = pdDefaultLevels
			}
			for _, n := range st.Probe {
				for _, l := range levels {
					if err := logStep(n, l); err != nil {
						return sc, err
					}
				}
			}
		case st.Log != nil:
			if err := logStep(*st.Log, st.Level); err != nil {
				return sc, err
			}
		default:
			return sc, fmt.Errorf("%s: step %d has no get, config, probe or log", raw.Name, i)
		}
	}
	sc.Streams = slices.Sorted(maps.Keys(streams))
	return sc, nil
}

// pdExpandConfig fills in the handlers of a full configuration and notes
// every handler id as a stream.
func pdExpandConfig(cfg map[string]any, streams map[string]bool) {
	hs, _ := cfg["handlers"].(map[string]any)
	for id := range hs {
		streams[id] = true
	}
	if inc, _ := cfg["incremental"].(bool); inc {
		return
	}
	used := false
	for id, v := range hs {
		e, ok := v.(map[string]any)
		if !ok {
			continue
		}
		_, hasClass := e["class"]
		_, hasFactory := e["()"]
		if hasClass || hasFactory {
			continue
		}
		e["class"] = "logging.StreamHandler"
		e["stream"] = "ext://cap." + id
		if _, ok := e["formatter"]; !ok {
			e["formatter"] = "pydiff"
			used = true
		}
	}
	if !used {
		return
	}
	fs, ok := cfg["formatters"].(map[string]any)
	if !ok {
		if cfg["formatters"] != nil {
			return
		}
		fs = map[string]any{}
		cfg["formatters"] = fs
	}
	if _, ok := fs["pydiff"]; !ok {
		fs["pydiff"] = map[string]any{"format": pdFormat}
	}
}

// pdLoadFiles reads testdata/pydiff/*.json.
func pdLoadFiles(t *testing.T) []pdRaw {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "pydiff", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []pdRaw
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var raws []pdRaw
		if err := json.Unmarshal(b, &raws); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		stem := strings.TrimSuffix(filepath.Base(f), ".json")
		for _, r := range raws {
			r.Name = stem + "/" + r.Name
			out = append(out, r)
		}
	}
	return out
}

// pdWriter adds each write to the recorder as one event, "id: line", as
// pydiff.py's Collector does.
type pdWriter struct {
	r  *recorder
	id string
}

func (w *pdWriter) Write(p []byte) (int, error) {
	w.r.add(w.id + ": " + strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// pdGo runs a scenario through a Manager of its own.
func pdGo(t *testing.T, sc pdScenario) pyResult {
	t.Helper()
	rec := &recorder{}
	reg := NewRegistry()
	for _, id := range sc.Streams {
		if err := reg.RegisterValue("cap."+id, &pdWriter{r: rec, id: id}); err != nil {
			t.Fatal(err)
		}
	}
	lrf, err := formatters.NewPattern(&formatters.PatternOptions{Format: "%(message)s"})
	if err != nil {
		t.Fatal(err)
	}
	res := pyResult{Name: sc.Name}
	m := New(
		WithRegistry(reg),
		WithLastResort(lrf.NewHandler(&pdWriter{r: rec, id: "lastResort"})),
		WithErrorHandler(func(err error) { rec.add("handler error: " + err.Error()) }),
	)
	defer func() {
		if err := m.Shutdown(); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	}()
	ctx := context.Background()
	for _, st := range sc.Steps {
		switch st.Op {
		case "get":
			m.Logger(st.Name)
		case "log":
			m.Logger(st.Name).Log(ctx, slog.Level((st.Level-20)*2/5), st.Msg)
		case "config":
			// Decode afresh, as a program loading the JSON would.
			b, err := json.Marshal(st.Config)
			if err != nil {
				t.Fatal(err)
			}
			var cfg map[string]any
			if err := json.Unmarshal(b, &cfg); err != nil {
				t.Fatal(err)
			}
			if err := m.DictConfig(cfg); err != nil {
				rec.add("config rejected")
				res.Notes = append(res.Notes, strings.ReplaceAll(err.Error(), "\n", "; "))
				res.Events = rec.snapshot()
				return res
			}
			rec.add("config ok")
		}
	}
	res.Events = rec.snapshot()
	return res
}

func TestPyDiff(t *testing.T) {
	raws := pdLoadFiles(t)
	hand := len(raws)
	for i := range *pydiffN {
		raws = append(raws, pdRandom(*pydiffSeed, i))
	}
	scs := make([]pdScenario, 0, len(raws))
	seen := map[string]bool{}
	for _, r := range raws {
		sc, err := pdExpand(r)
		if err != nil {
			t.Fatal(err)
		}
		if seen[sc.Name] {
			t.Fatalf("two scenarios are called %q", sc.Name)
		}
		seen[sc.Name] = true
		scs = append(scs, sc)
	}
	if hand < 40 {
		t.Errorf("only %d hand-written scenarios in testdata/pydiff, want at least 40", hand)
	}
	want := runPyScenarios(t, "pydiff.py", scs)
	for _, sc := range scs {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			py, ok := want[sc.Name]
			if !ok {
				t.Fatalf("pydiff.py returned no result")
			}
			got := pdGo(t, sc)
			if slices.Equal(got.Events, py.Events) {
				return
			}
			t.Errorf("slogtree and CPython differ\n--- steps\n%s--- first difference\n%s--- CPython events\n%s\n--- slogtree events\n%s\n--- CPython notes\n%s\n--- slogtree notes\n%s",
				pdSteps(sc), pdFirstDiff(py.Events, got.Events),
				strings.Join(py.Events, "\n"), strings.Join(got.Events, "\n"),
				strings.Join(py.Notes, "\n"), strings.Join(got.Notes, "\n"))
		})
	}
}

// pdSteps renders a scenario's steps one per line, configurations as
// compact JSON.
func pdSteps(sc pdScenario) string {
	var b strings.Builder
	for _, st := range sc.Steps {
		switch st.Op {
		case "get":
			fmt.Fprintf(&b, "get %q\n", st.Name)
		case "log":
			fmt.Fprintf(&b, "log %q %d %s\n", st.Name, st.Level, st.Msg)
		case "config":
			j, _ := json.Marshal(st.Config)
			fmt.Fprintf(&b, "config %s\n", j)
		}
	}
	return b.String()
}

// pdFirstDiff describes where two event lists first differ.
func pdFirstDiff(py, got []string) string {
	i := 0
	for i < len(py) && i < len(got) && py[i] == got[i] {
		i++
	}
	at := func(s []string) string {
		if i < len(s) {
			return s[i]
		}
		return "(end)"
	}
	return fmt.Sprintf("event %d: CPython %q, slogtree %q\n", i, at(py), at(got))
}

// The random scenarios: trees of 2-6 loggers out of pdUniverse, handlers
// h1..h4 with random levels and name filters, 1-3 configurations (full or
// incremental), loggers created before and between them, and probes after
// each.
var (
	pdUniverse    = []string{"a", "a.b", "a.b.c", "a.b.c.d", "a.c", "ab", "b", "b.c"}
	pdFilterNames = []string{"", "a", "a.b", "a.b.c", "ab", "b", "root", "a.bc"}
	pdLevelValues = []any{"DEBUG", "INFO", "WARNING", "WARN", "ERROR", "CRITICAL", "FATAL", "NOTSET",
		0, 5, 11, 15, 25, 33, 45, -5}
	pdProbeLevels = []int{5, 10, 15, 20, 25, 30, 35, 40, 45, 50}
)

type pdGen struct {
	r        *rand.Rand
	names    []string        // the loggers configurations name
	probes   []string        // the loggers probed
	filtered map[string]bool // loggers with filters ("root" for root)
	attached []string        // handlers attached by the last full configuration
	steps    []pdRawStep
}

func (g *pdGen) p(x float64) bool { return g.r.Float64() < x }

func (g *pdGen) level() any { return pdLevelValues[g.r.IntN(len(pdLevelValues))] }

// subset returns up to n distinct elements of s in random order.
func (g *pdGen) subset(s []string, n int) []any {
	out := []any{}
	for _, i := range g.r.Perm(len(s))[:min(n, len(s))] {
		out = append(out, s[i])
	}
	return out
}

func pdRandom(seed uint64, i int) pdRaw {
	g := &pdGen{r: rand.New(rand.NewPCG(seed, uint64(i))), filtered: map[string]bool{}}
	perm := g.r.Perm(len(pdUniverse))
	for _, j := range perm[:2+g.r.IntN(5)] {
		g.names = append(g.names, pdUniverse[j])
	}
	slices.Sort(g.names)
	g.probes = append([]string{""}, g.names...)
	g.probes = append(g.probes, g.names[g.r.IntN(len(g.names))]+".z")
	if extra := pdUniverse[g.r.IntN(len(pdUniverse))]; !slices.Contains(g.probes, extra) {
		g.probes = append(g.probes, extra)
	}

	g.get(0.3)
	g.probe()
	n := 1 + g.r.IntN(3)
	for j := range n {
		if (j == 0 && g.p(0.85)) || (j > 0 && g.p(0.5)) {
			g.steps = append(g.steps, pdRawStep{Config: g.full()})
		} else {
			g.steps = append(g.steps, pdRawStep{Config: g.incremental()})
		}
		g.get(0.15)
		g.probe()
	}
	if g.p(0.1) {
		g.steps = append(g.steps, pdRawStep{Config: g.invalid()})
		g.probe()
	}
	return pdRaw{Name: fmt.Sprintf("random/seed%d/%03d", seed, i), Steps: g.steps}
}

// get creates loggers, each name with probability p.
func (g *pdGen) get(p float64) {
	var names []string
	for _, n := range pdUniverse {
		if g.p(p) {
			names = append(names, n)
		}
	}
	if len(names) > 0 {
		g.steps = append(g.steps, pdRawStep{Get: names})
	}
}

func (g *pdGen) probe() {
	g.steps = append(g.steps, pdRawStep{Probe: g.probes, Levels: pdProbeLevels})
}

func (g *pdGen) full() map[string]any {
	cfg := map[string]any{"version": 1}
	fsec := map[string]any{}
	newFilter := func() any {
		id := fmt.Sprintf("f%d", len(fsec)+1)
		fsec[id] = map[string]any{"name": pdFilterNames[g.r.IntN(len(pdFilterNames))]}
		return id
	}
	var hids []string
	hsec := map[string]any{}
	for k := range 1 + g.r.IntN(4) {
		id := fmt.Sprintf("h%d", k+1)
		hids = append(hids, id)
		e := map[string]any{}
		if g.p(0.5) {
			e["level"] = g.level()
		}
		if g.p(0.3) {
			fl := []any{newFilter()}
			if g.p(0.3) {
				fl = append(fl, newFilter())
			}
			e["filters"] = fl
		}
		hsec[id] = e
	}
	cfg["handlers"] = hsec
	attached := map[string]bool{}
	entry := func(name string) map[string]any {
		e := map[string]any{}
		if g.p(0.6) {
			e["level"] = g.level()
		}
		if name != "root" && g.p(0.3) {
			e["propagate"] = g.p(0.5)
		}
		if g.p(0.8) {
			hs := g.subset(hids, g.r.IntN(4))
			for _, h := range hs {
				attached[h.(string)] = true
			}
			e["handlers"] = hs
		}
		if !g.filtered[name] && g.p(0.2) {
			g.filtered[name] = true
			e["filters"] = []any{newFilter()}
		}
		return e
	}
	lsec := map[string]any{}
	for _, name := range g.names {
		if !g.filtered[name] && g.p(0.7) {
			lsec[name] = entry(name)
		}
	}
	switch c := g.r.IntN(6); {
	case g.filtered["root"] || c == 0:
		if g.p(0.5) {
			cfg["root"] = map[string]any{}
		}
	case c == 1:
		cfg["root"] = map[string]any{"level": g.level()}
	case c == 2 || c == 3:
		e := entry("root")
		if c == 3 && len(e) == 0 {
			e["level"] = g.level()
		}
		cfg["root"] = e
	default:
		lsec[[]string{"", "root"}[g.r.IntN(2)]] = entry("root")
	}
	if len(lsec) > 0 {
		cfg["loggers"] = lsec
	}
	if len(fsec) > 0 {
		cfg["filters"] = fsec
	}
	switch g.r.IntN(3) {
	case 1:
		cfg["disable_existing_loggers"] = true
	case 2:
		cfg["disable_existing_loggers"] = false
	}
	g.attached = slices.Sorted(maps.Keys(attached))
	return cfg
}

func (g *pdGen) incremental() map[string]any {
	cfg := map[string]any{"version": 1, "incremental": true}
	if len(g.attached) > 0 && g.p(0.7) {
		hsec := map[string]any{}
		for _, id := range g.attached {
			if g.p(0.6) {
				hsec[id] = map[string]any{"level": g.level()}
			}
		}
		cfg["handlers"] = hsec
	}
	lsec := map[string]any{}
	for _, v := range g.subset(append(slices.Clone(g.names), pdUniverse...), 1+g.r.IntN(3)) {
		e := map[string]any{}
		if g.p(0.7) {
			e["level"] = g.level()
		}
		if len(e) == 0 || g.p(0.3) {
			e["propagate"] = g.p(0.5)
		}
		if g.p(0.1) {
			e["handlers"] = []any{"ignored"} // incremental: not read
		}
		lsec[v.(string)] = e
	}
	cfg["loggers"] = lsec
	if g.p(0.3) {
		cfg["root"] = map[string]any{"level": g.level()}
	}
	if g.p(0.2) {
		cfg["disable_existing_loggers"] = true // incremental: not read
	}
	return cfg
}

// invalid returns a full configuration with one error in it.
func (g *pdGen) invalid() map[string]any {
	name := g.names[g.r.IntN(len(g.names))]
	cfg := map[string]any{"version": 1, "handlers": map[string]any{"h1": map[string]any{}}}
	logger := map[string]any{"handlers": []any{"h1"}}
	switch g.r.IntN(5) {
	case 0:
		logger["handlers"] = []any{"h1", "nope"}
	case 1:
		logger["level"] = "LOUD"
	case 2:
		logger["filters"] = []any{"nope"}
	case 3:
		cfg["version"] = 2
	default:
		cfg["handlers"] = map[string]any{"h1": map[string]any{"formatter": "nope"}}
	}
	cfg["loggers"] = map[string]any{name: logger}
	return cfg
}
