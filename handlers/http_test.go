package handlers

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/internal/testutil"
)

// pyHTTP is a running testdata/pyhttp.py: CPython's http.server recording
// requests, and CPython's HTTPHandler.
type pyHTTP struct {
	t     testing.TB
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
	host  string // 127.0.0.1:PORT
}

func startPyHTTP(t testing.TB) *pyHTTP {
	t.Helper()
	py := testutil.Python3(t)
	cmd := exec.Command(py, filepath.Join("testdata", "pyhttp.py"))
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	p := &pyHTTP{t: t, cmd: cmd, stdin: stdin, lines: make(chan string, 16)}
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		_ = stdin.Close()
		for range p.lines {
		}
		_ = cmd.Wait()
	})
	port, ok := strings.CutPrefix(p.line(), "ready ")
	require.True(t, ok)
	p.host = "127.0.0.1:" + port
	return p
}

func (p *pyHTTP) line() string {
	p.t.Helper()
	select {
	case l, ok := <-p.lines:
		require.True(p.t, ok, "pyhttp.py exited")
		return l
	case <-time.After(hang):
		p.t.Fatal("no answer from pyhttp.py")
	}
	return ""
}

func (p *pyHTTP) command(cmd any) string {
	p.t.Helper()
	b, err := json.Marshal(cmd)
	require.NoError(p.t, err)
	_, err = p.stdin.Write(append(b, '\n'))
	require.NoError(p.t, err)
	return p.line()
}

// pyReq is a request pyhttp.py recorded.
type pyReq struct {
	Method  string      `json:"method"`
	Path    string      `json:"path"`
	Query   string      `json:"query"`
	Fields  [][2]string `json:"fields"`
	Headers [][2]string `json:"headers"`
	Body    string      `json:"body"`
}

func (p *pyHTTP) dump() []pyReq {
	p.t.Helper()
	var reqs []pyReq
	require.NoError(p.t, json.Unmarshal([]byte(p.command(map[string]any{"dump": true})), &reqs))
	return reqs
}

// httpRecord is a record logged through CPython's HTTPHandler (extra) and
// slogtree's (with, attrs): the same record dict.
type httpRecord struct {
	Name  string   `json:"name"`
	Level int      `json:"level"`
	Msg   string   `json:"msg"`
	Extra [][2]any `json:"extra"`
	with  []slog.Attr
	attrs []slog.Attr
}

var httpRecords = []httpRecord{{
	Name: "app.web", Level: 20, Msg: "user %s logged in",
	Extra: [][2]any{{"user", "bob"}, {"n", 3}, {"ratio", 0.25}, {"tiny", 1.5e-7}, {"ok", true}, {"none", nil}, {"text", "a b&c=d/é~*+%"}},
	attrs: []slog.Attr{slog.String("user", "bob"), slog.Int("n", 3), slog.Float64("ratio", 0.25), slog.Float64("tiny", 1.5e-7),
		slog.Bool("ok", true), slog.Any("none", nil), slog.String("text", "a b&c=d/é~*+%")},
}, {
	Name: "app.db", Level: 30, Msg: "slow query",
	Extra: [][2]any{{"req.id", "42"}, {"ms", 1500}},
	with:  []slog.Attr{slog.Group("req", slog.String("id", "42"))},
	attrs: []slog.Attr{slog.Int("ms", 1500)},
}, {
	Name: "root", Level: 50, Msg: "down",
}}

// httpTimeFields are the fields that differ between two runs: times,
// process, thread and caller.
var httpTimeFields = map[string]bool{"created": true, "msecs": true, "relativeCreated": true, "process": true,
	"thread": true, "pathname": true, "filename": true, "module": true, "lineno": true, "funcName": true}

// TestHTTPHandlerMatchesCPython: CPython's http.server gets the same
// requests from CPython's HTTPHandler and from slogtree's for the same
// records: method, path, the fields in order with their values (times,
// process, thread and caller aside), and the headers.
func TestHTTPHandlerMatchesCPython(t *testing.T) {
	t.Parallel()
	srv := startPyHTTP(t)
	for _, tt := range []struct {
		method, url string
		creds       []string
	}{
		{method: "GET", url: "/log"},
		{method: "POST", url: "/log", creds: []string{"user", "pass wörd"}},
		{method: "get", url: "/log?src=app", creds: []string{"u", "p"}},
		{method: "post", url: "/in/"},
	} {
		require.Equal(t, "done", srv.command(map[string]any{"emit": map[string]any{
			"method": tt.method, "url": tt.url, "credentials": tt.creds, "records": httpRecords}}))
		opts := &HTTPOptions{Method: tt.method}
		if tt.creds != nil {
			opts.Credentials = &Credentials{User: tt.creds[0], Password: tt.creds[1]}
		}
		h, err := NewHTTPHandler(srv.host, tt.url, opts)
		require.NoError(t, err)
		for _, rec := range httpRecords {
			hh := h.WithLoggerName(rec.Name).WithAttrs(rec.with)
			r := slog.NewRecord(time.Now(), slog.Level((rec.Level-20)*2/5), rec.Msg, 0)
			r.AddAttrs(rec.attrs...)
			require.NoError(t, hh.Handle(context.Background(), r))
		}
		require.NoError(t, h.Close())
		reqs := srv.dump()
		require.Len(t, reqs, 2*len(httpRecords))
		for i := range httpRecords {
			compareHTTPRequests(t, tt.method+" "+tt.url, reqs[i], reqs[len(httpRecords)+i])
		}
	}
}

func compareHTTPRequests(t *testing.T, name string, py, gr pyReq) {
	t.Helper()
	assert.Equal(t, py.Method, gr.Method, name)
	assert.Equal(t, py.Path, gr.Path, name)
	keys := func(fs [][2]string) []string {
		var ks []string
		for _, f := range fs {
			ks = append(ks, f[0])
		}
		return ks
	}
	require.GreaterOrEqual(t, len(py.Fields), len(pickleFields), name)
	assert.Equal(t, keys(py.Fields), keys(gr.Fields), "%s: the fields, in order", name)
	if os.Getenv("SHOW_HTTP") != "" {
		t.Logf("%s\nCPython:  %+v\nslogtree: %+v", name, py, gr)
	}
	if len(py.Fields) == len(gr.Fields) {
		for i, f := range py.Fields {
			if !httpTimeFields[f[0]] {
				assert.Equal(t, f[1], gr.Fields[i][1], "%s: field %s", name, f[0])
			}
		}
	}
	// The data as sent, escaped: each pair but the time fields' the same.
	raw := func(r pyReq) []string {
		data := r.Query
		if r.Method == "POST" {
			data = r.Body
		}
		var pairs []string
		for _, p := range strings.Split(data, "&") {
			if k, _, _ := strings.Cut(p, "="); !httpTimeFields[k] {
				pairs = append(pairs, p)
			}
		}
		return pairs
	}
	assert.Equal(t, raw(py), raw(gr), "%s: the data as sent", name)
	headers := func(r pyReq) map[string]string {
		m := map[string]string{}
		for _, h := range r.Headers {
			m[strings.ToLower(h[0])] = h[1]
		}
		return m
	}
	ph, gh := headers(py), headers(gr)
	var pn, gn []string
	for k := range ph {
		pn = append(pn, k)
	}
	for k := range gh {
		gn = append(gn, k)
	}
	assert.ElementsMatch(t, pn, gn, "%s: header names", name)
	for _, k := range []string{"host", "accept-encoding", "content-type", "authorization"} {
		assert.Equal(t, ph[k], gh[k], "%s: header %s", name, k)
	}
	if gr.Method == "POST" {
		assert.Equal(t, strconv.Itoa(len(gr.Body)), gh["content-length"], name)
		assert.Empty(t, gr.Query, name)
	}
}

// TestHTTPHandlerStatusIgnored: the response is ignored, whatever its
// status, as CPython ignores it.
func TestHTTPHandlerStatusIgnored(t *testing.T) {
	t.Parallel()
	got := make(chan *http.Request, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r
		http.Error(w, "broken", http.StatusInternalServerError)
	}))
	defer srv.Close()
	h, err := NewHTTPHandler(srv.Listener.Addr().String(), "/log", nil)
	require.NoError(t, err)
	defer h.Close()
	logMsg(t, h, "x")
	r := <-got
	assert.Equal(t, "GET", r.Method)
	assert.Equal(t, "x", r.URL.Query().Get("msg"))
	assert.Equal(t, "root", r.URL.Query().Get("name"))
	assert.Empty(t, r.UserAgent())
}

// TestHTTPHandlerIgnoresTheRecordContext: a record logged with a context
// that is done is still sent.
func TestHTTPHandlerIgnoresTheRecordContext(t *testing.T) {
	t.Parallel()
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.URL.Query().Get("msg")
	}))
	defer srv.Close()
	h, err := NewHTTPHandler(srv.Listener.Addr().String(), "/", nil)
	require.NoError(t, err)
	defer h.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.NoError(t, h.Handle(ctx, slog.NewRecord(time.Now(), slog.LevelInfo, "after the request", 0)))
	assert.Equal(t, "after the request", <-got)
}

// TestHTTPHandlerSecure: Secure sends over HTTPS, with TLSConfig as
// Python's context.
func TestHTTPHandlerSecure(t *testing.T) {
	t.Parallel()
	got := make(chan *http.Request, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		got <- r
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake the second handler fails
	srv.StartTLS()
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	h, err := NewHTTPHandler(srv.Listener.Addr().String(), "/secure", &HTTPOptions{Method: "POST", Secure: true,
		TLSConfig: &tls.Config{RootCAs: pool}, Credentials: &Credentials{User: "u", Password: "p"}})
	require.NoError(t, err)
	defer h.Close()
	logMsg(t, h, "over tls")
	r := <-got
	require.NotNil(t, r.TLS)
	user, pass, ok := r.BasicAuth()
	assert.True(t, ok)
	assert.Equal(t, "u:p", user+":"+pass)

	// Without the server's certificate, verification fails, as with
	// Python's default context.
	h2, err := NewHTTPHandler(srv.Listener.Addr().String(), "/secure", &HTTPOptions{Secure: true})
	require.NoError(t, err)
	defer h2.Close()
	err = h2.Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelInfo, "x", 0))
	var uerr *tls.CertificateVerificationError
	assert.ErrorAs(t, err, &uerr)
}

// TestHTTPHandlerFaults: a server that does not answer, and no server:
// Handle returns the error (no later than Timeout), and the handler keeps
// working.
func TestHTTPHandlerFaults(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	conns := make(chan net.Conn, 16)
	go func() {
		defer close(conns)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns <- c // never answered
		}
	}()
	defer func() {
		_ = ln.Close()
		for c := range conns {
			_ = c.Close()
		}
	}()
	silent, err := NewHTTPHandler(ln.Addr().String(), "/log", &HTTPOptions{Method: "POST", Timeout: 50 * time.Millisecond})
	require.NoError(t, err)
	defer silent.Close()
	for range 2 {
		err = silent.Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelInfo, "unanswered", 0))
		require.Error(t, err)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Contains(t, err.Error(), "http handler: POST http://"+ln.Addr().String()+"/log: no response within 50ms")
	}

	absent, err := NewHTTPHandler(closedPort(t, "tcp"), "/log", nil)
	require.NoError(t, err)
	defer absent.Close()
	err = absent.Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelInfo, "refused", 0))
	assert.ErrorIs(t, err, syscall.ECONNREFUSED)
	assert.NotContains(t, err.Error(), "refused&", "the error does not carry the record")

	unresolved, err := NewHTTPHandler("x.invalid:8080", "/log", nil)
	require.NoError(t, err)
	defer unresolved.Close()
	err = unresolved.Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelInfo, "nowhere", 0))
	var dns *net.DNSError
	assert.ErrorAs(t, err, &dns)

	require.NoError(t, absent.Close())
	assert.ErrorIs(t, absent.Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelInfo, "x", 0)), ErrClosed)
}

func TestNewHTTPHandlerErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		host, url string
		opts      *HTTPOptions
		want      string
	}{
		{name: "method", host: "h", url: "/", opts: &HTTPOptions{Method: "PUT"}, want: "method must be GET or POST"},
		{name: "context without secure", host: "h", url: "/", opts: &HTTPOptions{TLSConfig: &tls.Config{}},
			want: "TLSConfig only makes sense with Secure (Python: context parameter only makes sense with secure=True)"},
		{name: "port", host: "h:x", url: "/", want: "nonnumeric port: 'x'"},
		{name: "port range", host: "h:99999", url: "/", want: "port must be 0-65535, got 99999"},
		{name: "empty host", url: "/", want: "host must not be empty"},
		{name: "host with a path", host: "h/x", url: "/", want: "invalid host 'h/x'"},
		{name: "url", host: "h", url: "/a b", want: "URL can't contain control characters. '/a b' (found at least ' ')"},
		{name: "url control", host: "h", url: "/a\n", want: `URL can't contain control characters. '/a\n' (found at least '\n')`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, err := NewHTTPHandler(tt.host, tt.url, tt.opts)
			assert.Nil(t, h)
			assert.EqualError(t, err, tt.want)
		})
	}
	for _, host := range []string{"h", "h:", "h:80", "[::1]:8080", "[::1]"} {
		h, err := NewHTTPHandler(host, "/", nil)
		require.NoError(t, err, host)
		require.NoError(t, h.Close())
	}
	assert.Equal(t, "h", hostHeader("h:80", "http"))
	assert.Equal(t, "h:443", hostHeader("h:443", "http"))
	assert.Equal(t, "h", hostHeader("h:443", "https"))
	assert.Equal(t, "[::1]", hostHeader("[::1]:", "http"))
	assert.Equal(t, "[::1]:8080", hostHeader("[::1]:8080", "http"))
}

// TestHTTPQuotePlusMatchesCPython: appendQuotePlus is urllib.parse.quote_plus,
// invalid UTF-8 taken as U+FFFD.
func TestHTTPQuotePlusMatchesCPython(t *testing.T) {
	t.Parallel()
	py := testutil.Python3(t)
	var ascii strings.Builder
	for c := range 128 {
		ascii.WriteByte(byte(c))
	}
	gives := []string{ascii.String(), "café ✓ 𝄞", "a b+c", "", "\u00a0\u2028", "a\xffb", "\xe2\x82", "%41"}
	valid := make([]string, len(gives))
	for i, s := range gives {
		valid[i] = validUTF8(s)
	}
	in, err := json.Marshal(valid)
	require.NoError(t, err)
	cmd := exec.CommandContext(t.Context(), py, "-c",
		`import json, sys, urllib.parse; print(json.dumps([urllib.parse.quote_plus(s) for s in json.load(sys.stdin)]))`)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	require.NoError(t, err)
	var want []string
	require.NoError(t, json.Unmarshal(out, &want))
	for i, s := range gives {
		assert.Equal(t, want[i], string(appendQuotePlus(nil, s)), "%q", s)
	}
}
