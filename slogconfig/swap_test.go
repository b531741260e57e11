package slogconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// swapSink keeps every Write as one record.
type swapSink struct {
	mu      sync.Mutex
	records [][]byte
}

func (s *swapSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records = append(s.records, bytes.Clone(p))
	return len(p), nil
}

func (s *swapSink) take() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.records
	s.records = nil
	return r
}

// swapLogger is one logger the load goroutines log through, with what each
// of its records must carry.
type swapLogger struct {
	name  string // the "logger" attribute of its records
	l     *slog.Logger
	group string         // the group its record attributes land in; "" for the top level
	attrs map[string]any // the With attributes beside the record's own, as JSON decodes them
}

// swapConfig routes records to two JSON handlers: x, a stream, and y, a
// file at yPath. Root goes to the handler root, and the loggers app and
// app.db, when their handler is not "", to that handler only (propagate
// false), so every record reaches exactly one of x and y. A configuration
// that does not use y does not define it, so its file is closed and opened
// again as the configurations alternate. The handler "start", of the test
// class swap.start, is built while the configuration is compiled, before
// the swap: it lets the load goroutines go.
func swapConfig(yPath, root, app, appDB string) map[string]any {
	logger := func(h string) map[string]any {
		if h == "" {
			return map[string]any{"handlers": []any{}, "propagate": true}
		}
		return map[string]any{"handlers": []any{h}, "propagate": false}
	}
	hs := map[string]any{
		"start": map[string]any{"class": "swap.start"},
		"x":     map[string]any{"class": "stream", "stream": "ext://swap.x", "formatter": "j"},
	}
	if root == "y" || app == "y" || appDB == "y" {
		hs["y"] = map[string]any{"class": "logging.FileHandler", "filename": yPath, "formatter": "j"}
	}
	return map[string]any{
		"version":                  1,
		"disable_existing_loggers": false,
		"formatters":               map[string]any{"j": map[string]any{"class": "json"}},
		"handlers":                 hs,
		"loggers":                  map[string]any{"app": logger(app), "app.db": logger(appDB)},
		"root":                     map[string]any{"level": "INFO", "handlers": []any{root}},
	}
}

// swapEpoch is one reconfiguration of TestSwapUnderLoad.
type swapEpoch struct {
	start     chan struct{} // closed while the configuration is compiled
	startOnce sync.Once
	installed chan struct{}  // closed when DictConfig has returned
	done      sync.WaitGroup // the goroutines' records of the epoch are written
}

// TestSwapUnderLoad reconfigures a Manager 1,000 times, alternating
// between configurations that send the records to different sinks, while
// four goroutines log through loggers made before and after the first
// configuration, some with attributes and groups. In each reconfiguration
// the goroutines start logging while the new configuration is being
// compiled, so their records race with the swap, and log one more record
// once it is installed. Every record must reach exactly one sink, exactly
// once, with its logger's attributes.
func TestSwapUnderLoad(t *testing.T) {
	t.Parallel()
	const (
		workers   = 4
		reconfigs = 1000
		racing    = 8 // records per goroutine started during each compile
	)
	epochs := make([]*swapEpoch, reconfigs+1)
	for e := range epochs {
		epochs[e] = &swapEpoch{start: make(chan struct{}), installed: make(chan struct{})}
		epochs[e].done.Add(workers)
	}
	var cur atomic.Int64 // the epoch being configured

	x, last := &swapSink{}, &swapSink{}
	yPath := filepath.Join(t.TempDir(), "y.log")
	reg := NewRegistry()
	require.NoError(t, reg.RegisterValue("swap.x", io.Writer(x)))
	require.NoError(t, reg.RegisterHandler("swap.start", HandlerClass{
		New: func(*HandlerConfig) (slog.Handler, io.Closer, error) {
			ep := epochs[cur.Load()]
			ep.startOnce.Do(func() { close(ep.start) })
			return slog.DiscardHandler, nil, nil
		},
	}))
	var errCount atomic.Int64
	var firstErr atomic.Value
	m := New(WithRegistry(reg), WithLastResort(slog.NewJSONHandler(last, nil)), WithErrorHandler(func(err error) {
		errCount.Add(1)
		firstErr.CompareAndSwap(nil, err.Error())
	}))
	t.Cleanup(func() { _ = m.Shutdown() })

	loggers := []*swapLogger{
		{name: "app", l: m.Logger("app")},
		{name: "app.db", l: m.Logger("app.db").With("svc", "db", "conn", 7),
			attrs: map[string]any{"svc": "db", "conn": float64(7)}},
		{name: "app.web", l: m.Logger("app.web").WithGroup("req").With("rid", "r1"),
			group: "req", attrs: map[string]any{"rid": "r1"}},
	}
	configs := []map[string]any{
		swapConfig(yPath, "x", "", ""),
		swapConfig(yPath, "y", "", ""),
		swapConfig(yPath, "y", "x", ""),
		swapConfig(yPath, "x", "y", "x"),
	}
	require.NoError(t, m.DictConfig(configs[0]))
	loggers = append(loggers,
		&swapLogger{name: "root", l: m.Logger("")},
		&swapLogger{name: "other.x", l: m.Logger("other.x").With("svc", "other"),
			attrs: map[string]any{"svc": "other"}},
		&swapLogger{name: "app.db.pool", l: m.Logger("app.db.pool").WithGroup("pool").With("size", 3).WithGroup("op"),
			group: "pool.op"},
	)

	var (
		wg     sync.WaitGroup
		stop   = make(chan struct{})
		logged [workers]atomic.Int64
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var i int64
			log := func() {
				lg := loggers[(int64(w)+i)%int64(len(loggers))]
				lg.l.Info("rec", "id", int64(w)*1_000_000_000+i)
				i++
				logged[w].Store(i)
			}
			for _, ep := range epochs[1:] {
				select {
				case <-ep.start:
				case <-stop:
					return
				}
				for range racing {
					log()
				}
				select {
				case <-ep.installed:
				case <-stop:
					return
				}
				log()
				ep.done.Done()
			}
		}()
	}
	for e := 1; e <= reconfigs; e++ {
		cur.Store(int64(e))
		if err := m.DictConfig(configs[e%len(configs)]); err != nil {
			close(stop)
			wg.Wait()
			require.NoError(t, err)
		}
		close(epochs[e].installed)
		epochs[e].done.Wait()
	}
	close(stop)
	wg.Wait()

	byName := map[string]*swapLogger{}
	for _, lg := range loggers {
		byName[lg.name] = lg
	}
	seen := map[int64]string{}
	var dups, bad []string
	require.NoError(t, m.Shutdown())
	yData, err := os.ReadFile(yPath)
	require.NoError(t, err)
	got := map[string][][]byte{"x": x.take(), "y": bytes.SplitAfter(yData, []byte("\n"))}
	if ys := got["y"]; len(ys[len(ys)-1]) == 0 {
		got["y"] = ys[:len(ys)-1]
	}
	for _, sinkName := range []string{"x", "y"} {
		recs := got[sinkName]
		assert.NotEmpty(t, recs, "sink %s got no record", sinkName)
		for _, raw := range recs {
			id, problem := swapCheck(raw, byName)
			if problem != "" {
				bad = append(bad, fmt.Sprintf("%s: %s: %s", sinkName, problem, raw))
				continue
			}
			if prev, dup := seen[id]; dup {
				dups = append(dups, fmt.Sprintf("id %d in %s and %s", id, prev, sinkName))
				continue
			}
			seen[id] = sinkName
		}
	}
	var lost []int64
	var want int
	for w := range workers {
		n := logged[w].Load()
		want += int(n)
		for i := range n {
			if id := int64(w)*1_000_000_000 + i; seen[id] == "" {
				lost = append(lost, id)
			}
		}
	}
	assert.Equal(t, workers*reconfigs*(racing+1), want, "records logged")
	assert.Empty(t, swapFirst(bad), "records without their logger's attributes (%d)", len(bad))
	assert.Empty(t, swapFirst(dups), "records delivered twice (%d)", len(dups))
	assert.Empty(t, swapFirst(lost), "records lost (%d)", len(lost))
	assert.Equal(t, want, len(seen), "records delivered")
	assert.Empty(t, last.take(), "records sent to the last-resort handler")
	assert.Zero(t, errCount.Load(), "handler errors, first: %v", firstErr.Load())
}

// swapFirst returns the first ten elements of s, for failure messages.
func swapFirst[T any](s []T) []T { return s[:min(len(s), 10)] }

// swapCheck decodes one JSON record of TestSwapUnderLoad and returns its id,
// or what is wrong with it.
func swapCheck(raw []byte, byName map[string]*swapLogger) (int64, string) {
	var rec map[string]any
	if err := json.Unmarshal(raw, &rec); err != nil {
		return 0, err.Error()
	}
	name, _ := rec["logger"].(string)
	lg := byName[name]
	if lg == nil {
		return 0, fmt.Sprintf("unknown logger %q", name)
	}
	if rec["msg"] != "rec" || rec["level"] != "INFO" {
		return 0, "wrong message or level"
	}
	attrs := rec
	if lg.group != "" {
		for _, g := range bytes.Split([]byte(lg.group), []byte(".")) {
			sub, ok := attrs[string(g)].(map[string]any)
			if !ok {
				return 0, fmt.Sprintf("no group %q", g)
			}
			attrs = sub
		}
	}
	for k, v := range lg.attrs {
		if attrs[k] != v {
			return 0, fmt.Sprintf("attribute %s = %v, want %v", k, attrs[k], v)
		}
	}
	if name == "app.db.pool" {
		if pool, _ := rec["pool"].(map[string]any); pool["size"] != float64(3) {
			return 0, "attribute pool.size missing"
		}
	}
	id, ok := attrs["id"].(float64)
	if !ok {
		return 0, "no id"
	}
	return int64(id), ""
}
