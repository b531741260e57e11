package otlp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"

	"github.com/slogtree/slogtree/handlers"
)

// Records reach an OTLP/gRPC receiver on 127.0.0.1, with the headers as
// gRPC metadata and gzip compression.
func TestGRPCExport(t *testing.T) {
	rcv := newGRPCReceiver(t)
	m, errs := newManager(t, nil)
	require.NoError(t, m.DictConfig(oneHandler(map[string]any{
		"protocol":    "grpc",
		"endpoint":    rcv.URL(),
		"headers":     map[string]any{"x-tenant": "blue"},
		"compression": "gzip",
		"resource":    map[string]any{"service.name": "grpc-svc"},
	})))
	m.Logger("app.grpc").Info("over grpc", "n", 1)
	m.Logger("root").Warn("and again")
	require.NoError(t, m.Shutdown())

	recs := rcv.all()
	require.Len(t, recs, 2)
	for i := range recs {
		assert.Equal(t, "grpc-svc", recs[i].Resource["service.name"])
		recs[i].Resource = nil
	}
	assert.ElementsMatch(t, []got{
		{Scope: "app.grpc", Body: "over grpc", Severity: 9, Text: "INFO", Attrs: map[string]any{"n": int64(1)}},
		{Scope: "root", Body: "and again", Severity: 13, Text: "WARN", Attrs: map[string]any{}},
	}, recs)
	assert.Equal(t, "blue", rcv.lastHeaders()["x-tenant"])
	assert.Empty(t, errs.all())
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// lost sums what the error handler got: records lost to failed exports
// and dropped for a full queue, and the last totals.
func lost(errs []error) (failed, dropped int, lastDrop *DropError) {
	for _, err := range errs {
		var ee *ExportError
		var de *DropError
		switch {
		case errors.As(err, &ee):
			failed += ee.Records
		case errors.As(err, &de):
			dropped += int(de.Dropped)
			lastDrop = de
		}
	}
	return failed, dropped, lastDrop
}

// While the collector is down (nothing listens: the connection is
// refused), each export fails at once, and the OTLP/HTTP exporter does not
// retry a refused connection: every record logged meanwhile is lost,
// counted as failed and reported, and none is delivered later. Once the
// collector is up, later records are delivered.
func TestCollectorDownThenUp(t *testing.T) {
	addr := freeAddr(t)
	errs := &errorLog{}
	h, err := NewHandler(&Options{
		Endpoint:      "http://" + addr,
		MaxBatchSize:  4,
		BatchInterval: waitFor, // exports when 4 records wait, or on ForceFlush
		OnError:       errs.add,
	})
	require.NoError(t, err)
	ctx := context.Background()
	l := slog.New(h)
	for i := range 10 {
		l.Info(fmt.Sprintf("down %d", i))
	}
	require.NoError(t, h.ForceFlush(ctx))
	assert.Equal(t, Stats{Failed: 10}, h.Stats())
	failed, dropped, _ := lost(errs.all())
	assert.Equal(t, 10, failed)
	assert.Zero(t, dropped)
	for _, err := range errs.all() {
		assert.ErrorContains(t, err, "connection refused")
	}

	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err, "the collector's port was taken meanwhile")
	rcv := startHTTPReceiver(t, ln, nil)
	for i := range 5 {
		l.Info(fmt.Sprintf("up %d", i))
	}
	require.NoError(t, h.Close())
	assert.Equal(t, []string{"up 0", "up 1", "up 2", "up 3", "up 4"}, rcv.bodies())
	assert.Equal(t, Stats{Exported: 5, Failed: 10}, h.Stats())
}

// Over gRPC a refused connection is retried until the export's timeout
// runs out: then the records are lost, counted as failed and reported.
func TestGRPCCollectorDown(t *testing.T) {
	errs := &errorLog{}
	h, err := NewHandler(&Options{
		Protocol:      ProtocolGRPC,
		Endpoint:      "http://" + freeAddr(t),
		Timeout:       100 * time.Millisecond,
		BatchInterval: waitFor,
		OnError:       errs.add,
	})
	require.NoError(t, err)
	l := slog.New(h)
	for i := range 3 {
		l.Info(fmt.Sprint("down ", i))
	}
	require.NoError(t, h.Close())
	assert.Equal(t, Stats{Failed: 3}, h.Stats())
	require.Len(t, errs.all(), 1)
	var ee *ExportError
	require.ErrorAs(t, errs.all()[0], &ee)
	assert.Equal(t, 3, ee.Records)
	assert.ErrorContains(t, ee, "Unavailable")
}

// A collector that does not answer holds the export goroutine: the queue
// fills, and the records that find it full are dropped (the newest), never
// waited for; the drops are counted and reported before the next export,
// and what the queue held is delivered once the collector answers.
func TestQueueFullDrops(t *testing.T) {
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	var once sync.Once
	rcv := newHTTPReceiver(t, func(r *httpReceiver) {
		r.hold = func() {
			select {
			case arrived <- struct{}{}:
			default:
			}
			<-release
		}
	})
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	errs := &errorLog{}
	h, err := NewHandler(&Options{
		Endpoint:      rcv.URL(),
		MaxQueueSize:  4,
		MaxBatchSize:  4,
		BatchInterval: waitFor,
		OnError:       errs.add,
	})
	require.NoError(t, err)
	l := slog.New(h)
	for i := range 4 {
		l.Info(fmt.Sprint(i)) // a full batch: exported at once
	}
	<-arrived // the export of 0-3 is held by the collector
	for i := 4; i < 14; i++ {
		l.Info(fmt.Sprint(i)) // 4-7 wait in the queue, 8-13 find it full
	}
	assert.Equal(t, Stats{Queued: 4, Dropped: 6}, h.Stats())
	once.Do(func() { close(release) })
	require.NoError(t, h.Close())

	assert.Equal(t, []string{"0", "1", "2", "3", "4", "5", "6", "7"}, rcv.bodies())
	assert.Equal(t, Stats{Exported: 8, Dropped: 6}, h.Stats())
	failed, dropped, last := lost(errs.all())
	assert.Zero(t, failed)
	assert.Equal(t, 6, dropped)
	require.NotNil(t, last)
	assert.Equal(t, DropError{Dropped: last.Dropped, Total: 6, QueueSize: 4}, *last)
}

// Close gives up when CloseTimeout runs out before the collector answers:
// the records still queued are dropped, counted and returned in an
// AbandonedError; the export under way finishes later, and is counted.
func TestCloseTimeoutAbandons(t *testing.T) {
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	var once sync.Once
	rcv := newHTTPReceiver(t, func(r *httpReceiver) {
		r.hold = func() {
			select {
			case arrived <- struct{}{}:
			default:
			}
			<-release
		}
	})
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	h, err := NewHandler(&Options{
		Endpoint:      rcv.URL(),
		MaxBatchSize:  2,
		BatchInterval: waitFor,
		CloseTimeout:  1, // runs out at once
	})
	require.NoError(t, err)
	l := slog.New(h)
	l.Info("a")
	l.Info("b")
	<-arrived
	for range 5 {
		l.Info("queued")
	}
	err = h.Close()
	var ae *handlers.AbandonedError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 5, ae.Dropped)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NoError(t, h.Close(), "closes once")

	once.Do(func() { close(release) })
	rcv.wait(t, 2)
	waitStats(t, h, Stats{Exported: 2, Abandoned: 5})
	assert.Equal(t, []string{"a", "b"}, rcv.bodies())
}

// waitStats waits until the export goroutine has counted what it was
// doing when Close returned.
func waitStats(t *testing.T, h *Handler, want Stats) {
	t.Helper()
	const every = 5 * time.Millisecond
	for range waitFor / every {
		if h.Stats() == want {
			return
		}
		time.Sleep(every)
	}
	assert.Equal(t, want, h.Stats())
}

// Shutdown exports what the queue holds before it returns, and a
// reconfiguration flushes the handler it retires.
func TestShutdownFlushes(t *testing.T) {
	rcv := newHTTPReceiver(t, nil)
	m, errs := newManager(t, nil)
	cfg := oneHandler(map[string]any{"endpoint": rcv.URL(), "batchInterval": "1h", "batchSize": 1000})
	require.NoError(t, m.DictConfig(cfg))
	for i := range 3 {
		m.Logger("app").Info(fmt.Sprint("before reconfiguration ", i))
	}
	// A new configuration: the retired handler is flushed in the background.
	require.NoError(t, m.DictConfig(cfg))
	rcv.wait(t, 3)
	for i := range 100 {
		m.Logger("app").Info(fmt.Sprint("before shutdown ", i))
	}
	require.NoError(t, m.Shutdown())
	assert.Len(t, rcv.all(), 103, "every record arrived before Shutdown returned")
	assert.Empty(t, errs.all())
}

// A partial success from the receiver counts the records it rejected as
// failed, and reports its message.
func TestPartialSuccess(t *testing.T) {
	rcv := newHTTPReceiver(t, func(r *httpReceiver) {
		r.response = &collogspb.ExportLogsServiceResponse{PartialSuccess: &collogspb.ExportLogsPartialSuccess{
			RejectedLogRecords: 2, ErrorMessage: "two too many",
		}}
	})
	errs := &errorLog{}
	h, err := NewHandler(&Options{Endpoint: rcv.URL(), OnError: errs.add})
	require.NoError(t, err)
	l := slog.New(h)
	for range 5 {
		l.Info("m")
	}
	require.NoError(t, h.Close())
	assert.Len(t, rcv.all(), 5)
	assert.Equal(t, Stats{Exported: 3, Failed: 2}, h.Stats())
	failed, _, _ := lost(errs.all())
	assert.Equal(t, 2, failed)
	require.Len(t, errs.all(), 1)
	assert.ErrorContains(t, errs.all()[0], "two too many")
}

// The records of a configuration's handler that an export could not
// deliver reach the Manager's error handler, naming the handler.
func TestExportErrorReported(t *testing.T) {
	m, errs := newManager(t, nil)
	require.NoError(t, m.DictConfig(oneHandler(map[string]any{"endpoint": "http://" + freeAddr(t)})))
	m.Logger("app").Info("lost")
	require.NoError(t, m.Shutdown())
	require.Len(t, errs.all(), 1)
	err := errs.all()[0]
	var ee *ExportError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, 1, ee.Records)
	assert.Regexp(t, `^handler "otel": otlp handler: export failed: 1 records lost \(1 in all\): .*connection refused`, err.Error())
}
