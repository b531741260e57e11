// Command quickstart is a program configured by slogtree: a console and a
// JSON file, per-package levels, a library and the log package routed
// through the configuration, and a change of levels while workers keep
// logging.
//
//	go run ./examples/quickstart
//
// The JSON log goes to the file named by $QUICKSTART_LOG, where it stays,
// or by default to a new temporary directory, which the program removes
// when it ends; the program prints which.
package main

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/slogtree/slogtree/examples/quickstart/lib"
	"github.com/slogtree/slogtree/slogconfig"
)

// configYAML is logging.yaml. A program usually ships the file beside
// itself and calls slogconfig.Load("logging.yaml"); this one embeds it so
// that go run works from any directory.
//
//go:embed logging.yaml
var configYAML []byte

// workers is the number of goroutines that log while the configuration
// changes.
const workers = 4

func main() {
	dir, err := os.MkdirTemp("", "slogtree-quickstart-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
	keep := os.Getenv("QUICKSTART_LOG") != ""
	err = run(os.Stdout, dir)
	if rerr := os.RemoveAll(dir); rerr != nil && err == nil {
		err = rerr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
	if !keep {
		fmt.Printf("== removed %s; set QUICKSTART_LOG to a file name to keep the JSON log\n", dir)
	}
}

// run is the program. It writes logging.yaml to dir and loads it; the
// configuration sends the console to os.Stdout and the JSON log to
// $QUICKSTART_LOG, which run sets to dir/app.jsonl when it is empty. w
// gets the program's own report lines.
func run(w io.Writer, dir string) error {
	cfgPath := filepath.Join(dir, "logging.yaml")
	if err := os.WriteFile(cfgPath, configYAML, 0o644); err != nil {
		return err
	}
	logPath := os.Getenv("QUICKSTART_LOG")
	if logPath == "" {
		logPath = filepath.Join(dir, "app.jsonl")
		if err := os.Setenv("QUICKSTART_LOG", logPath); err != nil {
			return err
		}
	}
	// The first configuration also makes the root logger slog's default, so
	// slog.Info and the log package go through it.
	if err := slogconfig.Load(cfgPath); err != nil {
		return err
	}
	fmt.Fprintf(w, "== configured by %s; JSON log in %s\n", cfgPath, logPath)

	// A logger is made once and follows every later configuration, and so
	// do the attributes it carries.
	app := slogconfig.Logger("app")
	db := slogconfig.Logger("app.db").With("pool", "primary")
	// Existing code that takes a *slog.Logger needs no change.
	client := lib.New(slogconfig.Logger("vendor.lib"))

	logSome := func() {
		slog.Debug("config checked")                 // dropped: root is INFO
		slog.Info("listening", "port", 8080)         // slog's default logger is root
		log.Printf("legacy code: %d jobs queued", 3) // so is the log package, at INFO
		app.Debug("routes loaded", "routes", 12)     // dropped: app is INFO
		app.Info("request", "path", "/orders", "status", 200)
		db.Debug("query", "sql", "SELECT * FROM orders", "rows", 3)
		db.Info("connection opened")
		db.Warn("slow query", "ms", 250)
		client.Fetch("user:42") // only its WARNING passes: vendor.lib is WARNING
	}
	logSome()

	stop := startWorkers(slogconfig.Logger("app.jobs"))
	// Raise app.db to WARNING while the workers log. An incremental
	// configuration changes levels only; the handlers and the open file
	// stay. A full configuration would swap the whole tree just as safely.
	err := slogconfig.DictConfig(map[string]any{
		"version":     1,
		"incremental": true,
		"loggers": map[string]any{
			"app.db": map[string]any{"level": "WARNING"},
		},
	})
	if err != nil {
		stop()
		return err
	}
	fmt.Fprintf(w, "== app.db raised to WARNING while %d workers keep logging\n", workers)
	logSome()
	sent := stop()

	// Shutdown flushes and closes every handler, as Python's
	// logging.shutdown does.
	if err := slogconfig.Shutdown(); err != nil {
		return err
	}
	lines, fromWorkers, err := countJSON(logPath)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "== shut down; %s holds %d JSON lines, %d of them from the workers, who logged %d\n",
		logPath, lines, fromWorkers, sent)
	if fromWorkers != sent {
		return fmt.Errorf("the workers logged %d records but the file holds %d", sent, fromWorkers)
	}
	return nil
}

// startWorkers starts the workers, each logging on jobs until stopped, and
// returns once each has logged 100 records, so that what follows happens
// while they log. The function it returns stops them and returns how many
// records they logged in all.
func startWorkers(jobs *slog.Logger) (stop func() int) {
	const warmUp = 100
	var warm, done sync.WaitGroup
	warm.Add(workers)
	done.Add(workers)
	quit := make(chan struct{})
	sent := make([]int, workers)
	for i := range workers {
		go func() {
			defer done.Done()
			for seq := 0; ; seq++ {
				select {
				case <-quit:
					sent[i] = seq
					return
				default:
				}
				jobs.Info("job done", "worker", i, "seq", seq)
				if seq == warmUp-1 {
					warm.Done()
				}
			}
		}()
	}
	warm.Wait()
	return func() int {
		close(quit)
		done.Wait()
		total := 0
		for _, n := range sent {
			total += n
		}
		return total
	}
}

// countJSON returns the number of lines of the JSON log at path and how
// many of them come from the app.jobs logger. Every line must be a JSON
// object.
func countJSON(path string) (lines, fromWorkers int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var rec struct {
			Logger string `json:"logger"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return 0, 0, fmt.Errorf("%s:%d: %w", path, lines+1, err)
		}
		lines++
		if rec.Logger == "app.jobs" {
			fromWorkers++
		}
	}
	return lines, fromWorkers, sc.Err()
}
