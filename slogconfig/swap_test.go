package slogconfig

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/slogtree/slogtree/filters"
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
	assert.Empty(t, firstTen(bad), "records without their logger's attributes (%d)", len(bad))
	assert.Empty(t, firstTen(dups), "records delivered twice (%d)", len(dups))
	assert.Empty(t, firstTen(lost), "records lost (%d)", len(lost))
	assert.Equal(t, want, len(seen), "records delivered")
	assert.Empty(t, last.take(), "records sent to the last-resort handler")
	assert.Zero(t, errCount.Load(), "handler errors, first: %v", firstErr.Load())
}

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

// retireTarget is a handler whose Handle blocks until the test releases
// it: a sink that hangs (a full pipe, a dead network peer).
type retireTarget struct {
	entered  chan string   // the message of each record Handle gets
	released chan struct{} // closed by release
	once     sync.Once

	mu   sync.Mutex
	done []string // the messages of the records Handle returned from
}

func newRetireTarget() *retireTarget {
	return &retireTarget{entered: make(chan string, 100), released: make(chan struct{})}
}

// release lets every Handle call return, now and later.
func (rt *retireTarget) release() { rt.once.Do(func() { close(rt.released) }) }

// handled returns the messages of the records handled so far.
func (rt *retireTarget) handled() []string {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return slices.Clone(rt.done)
}

// waitEntered waits for a record to enter Handle and returns its message.
func (rt *retireTarget) waitEntered(t *testing.T) string {
	t.Helper()
	select {
	case msg := <-rt.entered:
		return msg
	case <-time.After(5 * time.Second):
		t.Fatal("no record reached the target within 5s")
		return ""
	}
}

func (rt *retireTarget) Enabled(context.Context, slog.Level) bool { return true }
func (rt *retireTarget) Handle(_ context.Context, r slog.Record) error {
	rt.entered <- r.Message
	<-rt.released
	rt.mu.Lock()
	defer rt.mu.Unlock()
	rt.done = append(rt.done, r.Message)
	return nil
}
func (rt *retireTarget) WithAttrs([]slog.Attr) slog.Handler { return rt }
func (rt *retireTarget) WithGroup(string) slog.Handler      { return rt }

// retireManager returns a testEnv with sink "s" whose root logger sends
// its records through a queue (overflow block, the default size) to a
// retireTarget. The target is released when the test ends, at the latest.
func retireManager(t *testing.T) (*testEnv, *retireTarget) {
	t.Helper()
	target := newRetireTarget()
	// Registered before newTestEnv, so that the target is released
	// before the Manager's Shutdown runs, which waits for the queue.
	t.Cleanup(target.release)
	e := newTestEnv(t, "s")
	require.NoError(t, e.reg.RegisterHandler("retire.block", HandlerClass{
		New: func(*HandlerConfig) (slog.Handler, io.Closer, error) { return target, nil, nil },
	}))
	e.config(t, map[string]any{
		"version": 1,
		"handlers": map[string]any{
			"t": map[string]any{"class": "retire.block"},
			"q": map[string]any{"class": "queue", "handlers": []any{"t"}, "overflow": "block"},
		},
		"root": map[string]any{"level": "INFO", "handlers": []any{"q"}},
	})
	return e, target
}

// retireLog logs the records r1..rn on the root logger and waits until
// r1 is blocked in the target, the others held in the queue.
func retireLog(t *testing.T, e *testEnv, target *retireTarget, n int) []string {
	t.Helper()
	var msgs []string
	for i := 1; i <= n; i++ {
		msg := "r" + strconv.Itoa(i)
		msgs = append(msgs, msg)
		e.Logger("").Info(msg)
	}
	require.Equal(t, "r1", target.waitEntered(t))
	return msgs
}

// TestReconfigureWithBlockedQueueTarget: a configuration that drops a
// queue whose target hangs is installed at once; the queue finishes
// passing on its records in the background, and none is lost: a hung sink
// must not freeze the program's reloads. Today DictConfig closes the old
// queue before it returns, and Close waits for the queue to drain.
func TestReconfigureWithBlockedQueueTarget(t *testing.T) {
	t.Parallel()
	e, target := retireManager(t)
	msgs := retireLog(t, e, target, 3)

	done := make(chan error, 1)
	go func() {
		done <- e.DictConfig(map[string]any{
			"version":  1,
			"handlers": map[string]any{"s": map[string]any{"class": "stream", "stream": "ext://out.s"}},
			"root":     map[string]any{"level": "INFO", "handlers": []any{"s"}},
		})
	}()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(time.Second):
		t.Error("DictConfig did not return within 1s while the old queue's target was blocked")
		target.release()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Fatal("DictConfig did not return within 10s after the target was released")
		}
	}
	e.Logger("").Info("new")
	assert.Equal(t, "new\n", e.take("s"), "a record logged under the new configuration")

	target.release()
	deadline := time.Now().Add(5 * time.Second)
	for len(target.handled()) < len(msgs) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	assert.Equal(t, msgs, target.handled(), "records the old queue held, 5s after the target was released")
}

// TestShutdownContextExpired: ShutdownContext gives up when its context
// ends, as http.Server.Shutdown does: with a queue whose target hangs,
// holding five records, and a deadline already past, it returns at once
// with the context's error, the error handler is told how many records
// were dropped, and once the target returns no goroutine of the Manager is
// left.
//
// Not parallel: it checks the goroutines of the process.
func TestShutdownContextExpired(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	e, target := retireManager(t)
	msgs := retireLog(t, e, target, 5)

	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- e.ShutdownContext(ctx) }()
	var err error
	select {
	case err = <-done:
	case <-time.After(time.Second):
		t.Error("ShutdownContext with an expired deadline did not return within 1s while the queue's target was blocked")
		target.release()
		select {
		case err = <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("ShutdownContext did not return within 10s after the target was released")
		}
	}
	require.Error(t, err, "ShutdownContext with an expired deadline")
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	target.release()
	goleak.VerifyNone(t, ignore)

	// Every record the target did not get was dropped, and said so.
	dropped := len(msgs) - len(target.handled())
	require.Positive(t, dropped, "records dropped: the target got %q", target.handled())
	count := regexp.MustCompile(`\b` + strconv.Itoa(dropped) + `\b`)
	var reports []string
	found := false
	for _, r := range e.reported() {
		reports = append(reports, r.Error())
		found = found || strings.Contains(strings.ToLower(r.Error()), "drop") && count.MatchString(r.Error())
	}
	assert.True(t, found, "no error reported says that %d records were dropped; reported: %q", dropped, reports)
}

// leakFDs returns the open file descriptors of the process: descriptor
// number to what it refers to.
func leakFDs(t *testing.T) map[int]string {
	t.Helper()
	fds, ok := openFiles()
	require.True(t, ok, "no /proc/self/fd to read")
	return fds
}

// leakOpenIn returns the base names of the files under dir the process
// has open, sorted, and the descriptor of each.
func leakOpenIn(t *testing.T, dir string) ([]string, map[string]int) {
	t.Helper()
	byName := map[string]int{}
	for fd, target := range leakFDs(t) {
		if strings.HasPrefix(target, dir+string(filepath.Separator)) {
			byName[filepath.Base(target)] = fd
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, byName
}

// leakSettle polls cond until it holds, for at most a few seconds: what a
// Manager closes it closes before returning, but the runtime may take a
// moment to retire goroutines other tests left behind.
func leakSettle(cond func() bool) bool {
	for range 500 {
		if cond() {
			return true
		}
		runtime.Gosched()
		time.Sleep(5 * time.Millisecond)
	}
	return cond()
}

// TestNoLeakAfterReconfigurations applies 1,000 configurations with file
// handlers: two files every configuration keeps (one in mode "a", one in
// mode "w"), one that alternates between two names, and one with a new
// name each time, the last two left out of every tenth configuration. A
// record is logged after each. Files no longer used must be closed at once,
// kept files must stay open on the same descriptor and keep every record,
// and after Shutdown the descriptors and goroutines are back to where they
// were.
//
// Files no longer used are closed once the configuration that used them is
// retired, which happens in the background: the test waits for that
// before it looks.
//
// Not parallel: it counts the descriptors and goroutines of the process.
func TestNoLeakAfterReconfigurations(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skip("no /proc/self/fd on this system")
	}
	dir, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	// Warm up what the runtime opens once for good (the poller).
	f, err := os.Create(filepath.Join(dir, "warmup"))
	require.NoError(t, err)
	require.NoError(t, f.Close())
	fds0 := len(leakFDs(t))
	goroutines := goleak.IgnoreCurrent()

	const reconfigs = 1000
	var errs []error
	m := New(WithRegistry(NewRegistry()), WithErrorHandler(func(err error) { errs = append(errs, err) }))
	path := func(name string) string { return filepath.Join(dir, name) }
	keepFD := -1
	for i := range reconfigs {
		partial := i%10 == 9
		hs := map[string]any{
			"keep":  map[string]any{"class": "logging.FileHandler", "filename": path("keep.log"), "formatter": "f"},
			"keepw": map[string]any{"class": "file", "filename": path("keepw.log"), "mode": "w", "formatter": "f"},
		}
		root := []any{"keep", "keepw"}
		want := []string{"keep.log", "keepw.log"}
		if !partial {
			alt := fmt.Sprintf("alt-%d.log", i%2)
			fresh := fmt.Sprintf("fresh-%d.log", i)
			hs["alt"] = map[string]any{"class": "file", "filename": path(alt), "formatter": "f"}
			hs["fresh"] = map[string]any{"class": "file", "filename": path(fresh), "formatter": "f"}
			root = append(root, "alt", "fresh")
			want = append(want, alt, fresh)
			slices.Sort(want)
		}
		require.NoError(t, m.DictConfig(map[string]any{
			"version":                  1,
			"disable_existing_loggers": false,
			"formatters":               map[string]any{"f": map[string]any{"format": "%(name)s %(message)s"}},
			"handlers":                 hs,
			"root":                     map[string]any{"level": "INFO", "handlers": root},
		}), "configuration %d", i)
		require.NoError(t, m.waitRetired(context.Background()))

		open, fdOf := leakOpenIn(t, dir)
		require.Equal(t, want, open, "files open after configuration %d", i)
		if keepFD < 0 {
			keepFD = fdOf["keep.log"]
		}
		require.Equal(t, keepFD, fdOf["keep.log"], "descriptor of the kept file after configuration %d", i)

		m.Logger("app").Info(fmt.Sprintf("rec %d", i))
	}
	require.NoError(t, m.Shutdown())
	assert.Empty(t, errs, "handler errors")

	open, _ := leakOpenIn(t, dir)
	assert.Empty(t, open, "files open after Shutdown")
	assert.True(t, leakSettle(func() bool { return len(leakFDs(t)) <= fds0 }),
		"open descriptors: %d before, %d after Shutdown", fds0, len(leakFDs(t)))
	goleak.VerifyNone(t, goroutines, goleakLumberjack)

	var all, even, odd strings.Builder
	for i := range reconfigs {
		line := fmt.Sprintf("app rec %d\n", i)
		all.WriteString(line)
		switch {
		case i%10 == 9:
			_, err := os.Stat(path(fmt.Sprintf("fresh-%d.log", i)))
			assert.ErrorIs(t, err, os.ErrNotExist, "fresh file of configuration %d, which has none", i)
		case i%2 == 0:
			even.WriteString(line)
		default:
			odd.WriteString(line)
		}
		if i%10 != 9 {
			leakAssertFile(t, path(fmt.Sprintf("fresh-%d.log", i)), line)
		}
	}
	leakAssertFile(t, path("keep.log"), all.String())
	leakAssertFile(t, path("keepw.log"), all.String())
	leakAssertFile(t, path("alt-0.log"), even.String())
	leakAssertFile(t, path("alt-1.log"), odd.String())
}

func leakAssertFile(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if assert.NoError(t, err) {
		assert.Equal(t, want, string(got), "content of %s", filepath.Base(path))
	}
}

// TestWrapperKeepsWhatItWraps checks that a queue or memory handler that
// stays on a logger the next configuration does not name (Python leaves
// it there, and it keeps writing) keeps the handler it wraps open too:
// the old configuration's retirement must not close it under the wrapper.
func TestWrapperKeepsWhatItWraps(t *testing.T) {
	t.Parallel()
	for _, class := range []string{"queue", "memory"} {
		t.Run(class, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t, "b", "c")
			w := map[string]any{"class": class}
			if class == "queue" {
				w["handlers"] = []any{"b"}
			} else {
				w["capacity"], w["target"] = 1, "b"
			}
			e.config(t, map[string]any{
				"version":  1,
				"handlers": map[string]any{"b": map[string]any{"class": "stream", "stream": "ext://out.b"}, "w": w},
				"loggers":  map[string]any{"x": map[string]any{"handlers": []any{"w"}, "level": "INFO", "propagate": false}},
			})
			e.config(t, map[string]any{
				"version": 1, "disable_existing_loggers": false,
				"handlers": map[string]any{"c": map[string]any{"class": "stream", "stream": "ext://out.c"}},
				"root":     map[string]any{"handlers": []any{"c"}},
			})
			require.NoError(t, e.waitRetired(context.Background()))
			e.Logger("x").Info("hello")
			assert.Eventually(t, func() bool { return e.out["b"].String() == "hello\n" }, 5*time.Second, time.Millisecond,
				"the wrapped handler's output: %q; errors: %v", e.out["b"].String(), e.reported())
			assert.Empty(t, e.reported())
		})
	}
}

// TestShutdownContextThenReconfigure checks that a ShutdownContext that
// gave up on a closer that blocks leaves the Manager usable: later
// configurations, from several goroutines, retire as usual, and when the
// closer returns every goroutine stops.
func TestShutdownContextThenReconfigure(t *testing.T) {
	goroutines := goleak.IgnoreCurrent()
	release := make(chan struct{})
	e := newTestEnv(t, "s")
	require.NoError(t, e.reg.RegisterHandler("close.block", HandlerClass{
		New: func(*HandlerConfig) (slog.Handler, io.Closer, error) {
			return slog.DiscardHandler, closerFunc(func() error { <-release; return nil }), nil
		},
	}))
	e.config(t, map[string]any{"version": 1,
		"handlers": map[string]any{"b": map[string]any{"class": "close.block"}},
		"root":     map[string]any{"handlers": []any{"b"}}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	assert.ErrorIs(t, e.ShutdownContext(ctx), context.DeadlineExceeded)
	// Reconfigure from several goroutines, and let the closer return while
	// they do: retirements start and end around the one that was given up.
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				if g == 0 && i == 100 {
					close(release)
				}
				assert.NoError(t, e.DictConfig(map[string]any{"version": 1,
					"handlers": map[string]any{"s": map[string]any{"class": "stream", "stream": "ext://out.s"}},
					"root":     map[string]any{"handlers": []any{"s"}}}), "goroutine %d, configuration %d", g, i)
			}
		}()
	}
	wg.Wait()
	require.NoError(t, e.Shutdown())
	goleak.VerifyNone(t, goroutines, goleakLumberjack)
}

// TestShutdownWaitsWithoutTheConfigurationLock checks that a Shutdown
// waiting for a queue whose target blocks holds up nothing else: a
// configuration applied meanwhile takes effect at once.
func TestShutdownWaitsWithoutTheConfigurationLock(t *testing.T) {
	t.Parallel()
	e, target := retireManager(t)
	retireLog(t, e, target, 2)
	shut := make(chan error, 1)
	go func() { shut <- e.Shutdown() }()
	done := make(chan error, 1)
	go func() {
		time.Sleep(20 * time.Millisecond) // let Shutdown start waiting
		done <- e.DictConfig(map[string]any{"version": 1,
			"handlers": map[string]any{"s": map[string]any{"class": "stream", "stream": "ext://out.s"}},
			"root":     map[string]any{"level": "INFO", "handlers": []any{"s"}}})
	}()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		target.release()
		t.Fatal("a configuration waited for Shutdown, which waited for a blocked target")
	}
	e.Logger("").Info("after")
	assert.Equal(t, "after\n", e.take("s"))
	target.release()
	require.NoError(t, <-shut)
}

// closerFunc adapts a function to io.Closer.
type closerFunc func() error

func (f closerFunc) Close() error { return f() }

// closingFilter is a filter with a Close that counts its calls by id.
type closingFilter struct {
	id     string
	closes *recorder
}

func (f *closingFilter) Filter(_ context.Context, _ string, r slog.Record) (slog.Record, bool) {
	return r, true
}

func (f *closingFilter) Close() error {
	f.closes.add(f.id)
	return nil
}

// unhashableFilter is a filter with a Close whose type cannot be a map
// key.
type unhashableFilter struct {
	ids    []string
	closes *recorder
}

func (f unhashableFilter) Filter(_ context.Context, _ string, r slog.Record) (slog.Record, bool) {
	return r, true
}

func (f unhashableFilter) Close() error {
	f.closes.add(f.ids[0])
	return nil
}

// A filter with a Close is closed once no configuration in force uses it,
// after the handlers of the configuration retired; Shutdown closes every
// filter, those that loggers keep included.
func TestSwapClosesFilters(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, "a")
	var closes recorder
	require.NoError(t, e.reg.RegisterFilter("test.closing", func(c *FilterConfig) (filters.Filter, error) {
		return &closingFilter{id: c.ID, closes: &closes}, nil
	}))
	require.NoError(t, e.reg.RegisterFilter("test.unhashable", func(c *FilterConfig) (filters.Filter, error) {
		return unhashableFilter{ids: []string{c.ID}, closes: &closes}, nil
	}))
	retired := func() []string {
		t.Helper()
		require.NoError(t, e.waitRetired(context.Background()))
		got := closes.snapshot()
		closes = recorder{}
		return got
	}
	// h on a handler, shared with logger x; k on logger keep, which the
	// next configurations do not name, so it keeps k, as Python does; u
	// on root.
	e.config(t, jsonConfig(t, `{"version": 1, "disable_existing_loggers": false,
		"filters": {"h": {"()": "test.closing"}, "k": {"()": "test.closing"}, "u": {"()": "test.unhashable"}},
		"handlers": {"a": {"class": "stream", "stream": "ext://out.a", "filters": ["h"]}},
		"loggers": {"keep": {"filters": ["k"]}, "x": {"filters": ["h"]}},
		"root": {"handlers": ["a"], "level": "DEBUG", "filters": ["u"]}}`))
	assert.Empty(t, retired(), "the first configuration replaces one without filters")

	// x is named without filters: h is no longer used.
	e.config(t, jsonConfig(t, `{"version": 1, "disable_existing_loggers": false, `+rootA+`, "loggers": {"x": {}}}`))
	assert.ElementsMatch(t, []string{"h", "u"}, retired(), "h and u are no longer used; keep still holds k")

	e.config(t, jsonConfig(t, `{"version": 1, "incremental": true, "root": {"level": "INFO"}}`))
	assert.Empty(t, retired(), "an incremental configuration keeps k")

	require.NoError(t, e.Shutdown())
	assert.Equal(t, []string{"k"}, retired(), "Shutdown closes k, which keep still holds")
	logRecords(t, e.Manager, "keep WARN after") // k still filters, closed or not

	// A filter of a type that cannot be a map key is closed by each
	// retirement of a configuration that used it, even when a newer one
	// still does.
	e.config(t, jsonConfig(t, `{"version": 1, "disable_existing_loggers": false,
		"filters": {"u2": {"()": "test.unhashable"}}, `+rootA+`, "loggers": {"y": {"filters": ["u2"]}}}`))
	assert.Empty(t, retired())
	e.config(t, jsonConfig(t, `{"version": 1, "disable_existing_loggers": false, `+rootA+`}`))
	assert.Equal(t, []string{"u2"}, retired(), "y keeps u2, which is closed all the same; keep still holds k")
}
