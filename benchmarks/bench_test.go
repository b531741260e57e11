package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The record every enabled scenario logs, by every logger: the message,
// the logger name as a "logger" field, and the attributes of the scenario.
const (
	benchMsg    = "request handled"
	benchLogger = "app.db"
	// benchPattern is the format of slogtree's pattern formatter in the
	// text scenario, and of CPython's logging.Formatter there.
	benchPattern = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"
	// benchMaxBytes is the size at which every rotating file rotates,
	// keeping benchBackups old files.
	benchMaxBytes = 10 << 20
	benchBackups  = 3
	// benchQueueSize is the capacity of every queue of the queue scenario.
	benchQueueSize = 10000
)

// benchAt is the value of the time attribute of the five.
var benchAt = time.Date(2025, 1, 2, 3, 4, 5, 678000000, time.UTC)

// The five attributes of the attrs5, multi3, rotating, queue, parallel and
// text scenarios, each logger writes them with its own typed calls:
//
//	user="alice" status=200 latency_ms=12.5 cached=true at=benchAt
//
// The ten of the with10 scenario are bound once with the logger's With;
// the call adds status=200.
var benchTen = []struct {
	key string
	val any // string, int or bool
}{
	{"service", "api"}, {"version", "1.4.2"}, {"host", "web-7"}, {"pid", 4242},
	{"region", "eu-west-1"}, {"env", "prod"}, {"request_id", "9f3c2a71"},
	{"user_id", 1001}, {"trace_id", "4bf92f3577b34da6"}, {"sampled", true},
}

// shape is what one call logs.
type shape int

const (
	debug5 shape = iota // Debug with the five attributes, the logger at Info
	info0               // Info, no attribute
	info5               // Info with the five attributes
	info1               // Info with one attribute, on a logger With the ten
)

// sinkKind is where a logger's records go.
type sinkKind int

const (
	discard  sinkKind = iota // io.Discard, once or three times (fanout)
	rotating                 // a file that rotates at benchMaxBytes
	queue                    // io.Discard behind the logger's queue
)

// A scenario is a table of the report: one call shape, one sink, JSON or
// text, from one goroutine or all.
type scenario struct {
	name     string
	call     shape
	sink     sinkKind
	fanout   int  // handlers (writers) a record goes to: 1 or 3
	text     bool // human-readable lines instead of JSON
	parallel bool // b.RunParallel
}

// scenarios are the scenarios in the order of the report. bench.py has the
// same names.
var scenarios = []scenario{
	{name: "disabled", call: debug5, fanout: 1},
	{name: "attrs0", call: info0, fanout: 1},
	{name: "attrs5", call: info5, fanout: 1},
	{name: "with10", call: info1, fanout: 1},
	{name: "multi3", call: info5, fanout: 3},
	{name: "rotating", call: info5, sink: rotating, fanout: 1},
	{name: "queue", call: info5, sink: queue, fanout: 1},
	{name: "parallel", call: info5, fanout: 1, parallel: true},
	{name: "text", call: info5, fanout: 1, text: true},
}

// outputs are the sinks of one logger in one scenario: the writers
// (fanout of them) for the discard and queue sinks, the file for the
// rotating sink.
type outputs struct {
	writers []io.Writer
	file    string
}

// newOutputs returns the outputs of sc: its writers all w, and for the
// rotating sink a file in a directory of its own.
func newOutputs(tb testing.TB, sc scenario, w func() io.Writer) *outputs {
	o := &outputs{}
	for range sc.fanout {
		o.writers = append(o.writers, w())
	}
	if sc.sink == rotating {
		dir, err := os.MkdirTemp("", "slogtree-bench-")
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { removeAll(tb, dir) })
		o.file = filepath.Join(dir, "app.log")
	}
	return o
}

// removeAll removes dir, trying again for a second while a rotating
// writer's goroutine may still be at work in it: phuslu's FileWriter
// removes old files and links the current one in a goroutine of each
// rotation, and lumberjack's cleanup goroutine outlives Close. (This is
// why the benchmarks do not use tb.TempDir, which fails the benchmark if
// a file appears while it removes the directory.)
func removeAll(tb testing.TB, dir string) {
	var err error
	for range 20 {
		if err = os.RemoveAll(dir); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.Errorf("removing the rotating files: %v", err)
}

// A contender is one logging library, set up as its documentation
// recommends for speed.
type contender struct {
	name string
	// open sets up a logger for sc on out and returns log, which logs one
	// record of sc's shape and may be called from many goroutines, and
	// stop, which flushes what the logger holds and closes what it opened.
	// The logger is at Info level and writes JSON lines, unless sc.text.
	open func(tb testing.TB, sc scenario, out *outputs) (log func(), stop func() error)
}

// contenders are the Go loggers in the order of the report, slogtree first
// and slog, the baseline of the ratios, second.
var contenders = []contender{
	{"slogtree", openSlogtree},
	{"slog", openSlog},
	{"zap", openZap},
	{"zerolog", openZerolog},
	{"phuslu", openPhuslu},
}

// BenchmarkLog is every scenario with every contender, named
// BenchmarkLog/scenario=S/logger=L for the report. Each sub-benchmark sets
// up its logger, logs b.N records, and stops the logger: the time of the
// queue scenario includes the drain of the queue in stop, so that it
// measures the records written, not the records queued.
func BenchmarkLog(b *testing.B) {
	for _, sc := range scenarios {
		b.Run("scenario="+sc.name, func(b *testing.B) {
			for _, c := range contenders {
				b.Run("logger="+c.name, func(b *testing.B) {
					benchOne(b, sc, c)
				})
			}
		})
	}
}

func benchOne(b *testing.B, sc scenario, c contender) {
	out := newOutputs(b, sc, func() io.Writer { return io.Discard })
	log, stop := c.open(b, sc, out)
	b.ReportAllocs()
	b.ResetTimer()
	if sc.parallel {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				log()
			}
		})
	} else {
		for range b.N {
			log()
		}
	}
	if sc.sink == queue {
		if err := stop(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		return
	}
	b.StopTimer()
	if err := stop(); err != nil {
		b.Fatal(err)
	}
}
