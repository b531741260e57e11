package otlp

// The OTLP receivers and the exporter the tests export to.

import (
	"compress/gzip"
	"context"
	"encoding/pem"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	sdklog "go.opentelemetry.io/otel/sdk/log"
)

// waitFor bounds every wait of these tests for something that happens in
// another goroutine. No test asserts a duration: this only keeps a broken
// test from hanging.
const waitFor = 20 * time.Second

// got is one exported record as a receiver decoded it.
type got struct {
	Scope    string
	Body     string
	Severity int32
	Text     string
	Attrs    map[string]any
	Resource map[string]any
}

// received collects the records a receiver decoded, and the headers or
// metadata of each request.
type received struct {
	mu       sync.Mutex
	changed  chan struct{} // closed and replaced at each request
	records  []got
	requests int
	headers  []map[string]string
}

func newReceived() *received { return &received{changed: make(chan struct{})} }

func (r *received) add(req *collogspb.ExportLogsServiceRequest, headers map[string]string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rl := range req.GetResourceLogs() {
		res := attrMap(rl.GetResource().GetAttributes())
		for _, sl := range rl.GetScopeLogs() {
			for _, lr := range sl.GetLogRecords() {
				r.records = append(r.records, got{
					Scope:    sl.GetScope().GetName(),
					Body:     lr.GetBody().GetStringValue(),
					Severity: int32(lr.GetSeverityNumber()),
					Text:     lr.GetSeverityText(),
					Attrs:    attrMap(lr.GetAttributes()),
					Resource: res,
				})
			}
		}
	}
	r.requests++
	r.headers = append(r.headers, headers)
	close(r.changed)
	r.changed = make(chan struct{})
}

// all returns the records so far.
func (r *received) all() []got {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.records)
}

// bodies returns the bodies of the records so far, in order.
func (r *received) bodies() []string {
	var out []string
	for _, g := range r.all() {
		out = append(out, g.Body)
	}
	return out
}

func (r *received) lastHeaders() map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.headers) == 0 {
		return nil
	}
	return r.headers[len(r.headers)-1]
}

// wait waits until at least n records arrived.
func (r *received) wait(t testing.TB, n int) []got {
	t.Helper()
	deadline := time.After(waitFor)
	for {
		r.mu.Lock()
		have, ch := len(r.records), r.changed
		r.mu.Unlock()
		if have >= n {
			return r.all()
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("%d records arrived, want %d", have, n)
		}
	}
}

// attrMap turns OTLP attributes into Go values: strings, bools, int64s,
// float64s, maps for groups, lists.
func attrMap(kvs []*commonpb.KeyValue) map[string]any {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		m[kv.GetKey()] = anyValue(kv.GetValue())
	}
	return m
}

func anyValue(v *commonpb.AnyValue) any {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_BoolValue:
		return x.BoolValue
	case *commonpb.AnyValue_IntValue:
		return x.IntValue
	case *commonpb.AnyValue_DoubleValue:
		return x.DoubleValue
	case *commonpb.AnyValue_KvlistValue:
		return attrMap(x.KvlistValue.GetValues())
	case *commonpb.AnyValue_ArrayValue:
		var out []any
		for _, e := range x.ArrayValue.GetValues() {
			out = append(out, anyValue(e))
		}
		return out
	}
	return nil
}

// httpReceiver is an OTLP/HTTP receiver on loopback: it decodes each
// request's protobuf body with the OTLP types.
type httpReceiver struct {
	*received
	srv *httptest.Server
	// hold, if not nil, is called before each answer, from the request's
	// goroutine: a test blocks the receiver with it.
	hold func()
	// response, if not nil, is the answer's body.
	response *collogspb.ExportLogsServiceResponse
	// tls serves HTTPS, with httptest's certificate.
	tls bool
}

// newHTTPReceiver starts an OTLP/HTTP receiver; setup, if not nil, sets
// its fields before it serves.
func newHTTPReceiver(t testing.TB, setup func(*httpReceiver)) *httpReceiver {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	return startHTTPReceiver(t, l, setup)
}

func startHTTPReceiver(t testing.TB, l net.Listener, setup func(*httpReceiver)) *httpReceiver {
	t.Helper()
	r := &httpReceiver{received: newReceived()}
	if setup != nil {
		setup(r)
	}
	r.srv = httptest.NewUnstartedServer(http.HandlerFunc(r.serve))
	r.srv.Listener = l
	r.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // a refused handshake is what a test wants
	if r.tls {
		r.srv.StartTLS()
	} else {
		r.srv.Start()
	}
	t.Cleanup(r.srv.Close)
	return r
}

// certificatePEM writes the receiver's TLS certificate to a PEM file and
// returns its path.
func (r *httpReceiver) certificatePEM(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ca.pem")
	block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.srv.Certificate().Raw})
	require.NoError(t, os.WriteFile(path, block, 0o600))
	return path
}

// URL is the receiver's base URL: the exporter posts to URL+"/v1/logs".
func (r *httpReceiver) URL() string { return r.srv.URL }

func (r *httpReceiver) serve(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost || req.URL.Path != "/v1/logs" || req.Header.Get("Content-Type") != "application/x-protobuf" {
		http.Error(w, "want a POST of application/x-protobuf to /v1/logs", http.StatusNotFound)
		return
	}
	var body io.Reader = req.Body
	if req.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	data, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var msg collogspb.ExportLogsServiceRequest
	if err := proto.Unmarshal(data, &msg); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if r.hold != nil {
		r.hold()
	}
	headers := map[string]string{}
	for k := range req.Header {
		headers[http.CanonicalHeaderKey(k)] = req.Header.Get(k)
	}
	r.add(&msg, headers)
	resp := r.response
	if resp == nil {
		resp = &collogspb.ExportLogsServiceResponse{}
	}
	out, _ := proto.Marshal(resp)
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

// grpcReceiver is an OTLP/gRPC receiver on 127.0.0.1: the collector's
// LogsService.
type grpcReceiver struct {
	collogspb.UnimplementedLogsServiceServer
	*received
	addr string
}

func newGRPCReceiver(t testing.TB) *grpcReceiver {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	r := &grpcReceiver{received: newReceived(), addr: l.Addr().String()}
	srv := grpc.NewServer()
	collogspb.RegisterLogsServiceServer(srv, r)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	t.Cleanup(func() {
		srv.Stop()
		<-done
	})
	return r
}

// URL is the endpoint to configure: plaintext, as scheme http says.
func (r *grpcReceiver) URL() string { return "http://" + r.addr }

func (r *grpcReceiver) Export(ctx context.Context, req *collogspb.ExportLogsServiceRequest) (*collogspb.ExportLogsServiceResponse, error) {
	headers := map[string]string{}
	md, _ := metadata.FromIncomingContext(ctx)
	for k, v := range md {
		headers[k] = v[0]
	}
	r.add(req, headers)
	return &collogspb.ExportLogsServiceResponse{}, nil
}

// memExporter keeps what it is given: an exporter for the tests that need
// no network.
type memExporter struct {
	mu       sync.Mutex
	records  []sdklog.Record
	shutdown bool
}

var _ sdklog.Exporter = (*memExporter)(nil)

func (e *memExporter) Export(_ context.Context, records []sdklog.Record) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range records {
		e.records = append(e.records, records[i].Clone())
	}
	return nil
}

func (e *memExporter) Shutdown(context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.shutdown = true
	return nil
}

func (*memExporter) ForceFlush(context.Context) error { return nil }

// take returns the records exported since the last take.
func (e *memExporter) take() []sdklog.Record {
	e.mu.Lock()
	defer e.mu.Unlock()
	rs := e.records
	e.records = nil
	return rs
}

// discardExporter drops what it is given, for the benchmarks.
type discardExporter struct{}

func (discardExporter) Export(context.Context, []sdklog.Record) error { return nil }
func (discardExporter) Shutdown(context.Context) error                { return nil }
func (discardExporter) ForceFlush(context.Context) error              { return nil }

// errorLog collects what an error handler gets.
type errorLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errorLog) add(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
}

func (l *errorLog) all() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.errs)
}
