package slogconfig

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	ogórek "github.com/kisielk/og-rek"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/slogtree/slogtree/handlers"
)

// netHang is how long a test waits for what must happen before declaring
// the code stuck; a passing test never waits that long.
const netHang = 20 * time.Second

// pickleRecv receives pickled records over TCP, UDP, or Unix sockets and
// decodes them with og-rek.
type pickleRecv struct {
	ln   net.Listener
	pc   net.PacketConn
	recs chan map[any]any
	wg   sync.WaitGroup
	mu   sync.Mutex
	cs   []net.Conn
}

func newPickleRecv(t *testing.T, network, addr string) *pickleRecv {
	t.Helper()
	p := &pickleRecv{recs: make(chan map[any]any, 64)}
	var err error
	if network == "tcp" || network == "unix" {
		p.ln, err = net.Listen(network, addr)
		require.NoError(t, err)
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for {
				c, err := p.ln.Accept()
				if err != nil {
					return
				}
				p.mu.Lock()
				p.cs = append(p.cs, c)
				p.mu.Unlock()
				p.wg.Add(1)
				go func() {
					defer p.wg.Done()
					r := bufio.NewReader(c)
					for {
						var n [4]byte
						if _, err := io.ReadFull(r, n[:]); err != nil {
							return
						}
						data := make([]byte, int(n[0])<<24|int(n[1])<<16|int(n[2])<<8|int(n[3]))
						if _, err := io.ReadFull(r, data); err != nil {
							return
						}
						p.decode(data)
					}
				}()
			}
		}()
	} else {
		p.pc, err = net.ListenPacket(network, addr)
		require.NoError(t, err)
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			buf := make([]byte, 1<<16)
			for {
				n, _, err := p.pc.ReadFrom(buf)
				if err != nil {
					return
				}
				p.decode(append([]byte(nil), buf[4:n]...))
			}
		}()
	}
	t.Cleanup(func() {
		if p.ln != nil {
			_ = p.ln.Close()
		}
		if p.pc != nil {
			_ = p.pc.Close()
		}
		p.mu.Lock()
		for _, c := range p.cs {
			_ = c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

func (p *pickleRecv) decode(data []byte) {
	v, err := ogórek.NewDecoderWithConfig(strings.NewReader(string(data)), &ogórek.DecoderConfig{StrictUnicode: true}).Decode()
	if m, ok := v.(map[any]any); err == nil && ok {
		p.recs <- m
	}
}

func (p *pickleRecv) addr() string {
	if p.ln != nil {
		return p.ln.Addr().String()
	}
	return p.pc.LocalAddr().String()
}

func (p *pickleRecv) next(t *testing.T) map[any]any {
	t.Helper()
	select {
	case m := <-p.recs:
		return m
	case <-time.After(netHang):
		t.Fatal("no record received")
	}
	return nil
}

// httpRecv is an HTTP server that keeps the requests it gets.
type httpRecv struct {
	srv  *httptest.Server
	reqs chan *http.Request
}

func newHTTPRecv(t *testing.T) *httpRecv {
	t.Helper()
	h := &httpRecv{reqs: make(chan *http.Request, 64)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, r.ParseForm())
		h.reqs <- r
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *httpRecv) next(t *testing.T) *http.Request {
	t.Helper()
	select {
	case r := <-h.reqs:
		return r
	case <-time.After(netHang):
		t.Fatal("no request received")
	}
	return nil
}

// unixPath returns a socket path short enough for sun_path.
func unixPath(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "st")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return filepath.Join(dir, "s")
}

func TestSocketDatagramHTTPClassesRegistered(t *testing.T) {
	t.Parallel()
	r := NewRegistry()
	for _, n := range []string{"socket", "logging.handlers.SocketHandler", "datagram", "logging.handlers.DatagramHandler",
		"http", "logging.handlers.HTTPHandler"} {
		_, ok := r.handler(n)
		assert.True(t, ok, n)
	}
}

// TestSocketDatagramHTTPClassesThroughDictConfig: each class, by its Go and its Python
// name, sends the records of the loggers it serves, with the logger name,
// the Manager's thread name and the attributes.
func TestSocketDatagramHTTPClassesThroughDictConfig(t *testing.T) {
	t.Parallel()
	tcp := newPickleRecv(t, "tcp", "127.0.0.1:0")
	udp := newPickleRecv(t, "udp", "127.0.0.1:0")
	unixPathS, unixPathD := unixPath(t), unixPath(t)
	unix := newPickleRecv(t, "unix", unixPathS)
	unixgram := newPickleRecv(t, "unixgram", unixPathD)
	web := newHTTPRecv(t)
	hostPort := func(addr string) (string, string) {
		h, p, err := net.SplitHostPort(addr)
		require.NoError(t, err)
		return h, p
	}
	th, tp := hostPort(tcp.addr())
	uh, up := hostPort(udp.addr())
	m := New(WithRegistry(NewRegistry()), WithThreadName("worker"), WithErrorHandler(func(err error) { t.Errorf("reported: %v", err) }))
	defer m.Shutdown()
	require.NoError(t, m.DictConfig(jsonConfig(t, fmt.Sprintf(`{"version": 1,
		"handlers": {
			"s": {"class": "logging.handlers.SocketHandler", "host": %q, "port": %s, "level": "INFO"},
			"d": {"class": "datagram", "host": %q, "port": %s, "timeout": 2, ".": {"retryStart": 0.5, "retryMax": 10, "retryFactor": 3}},
			"su": {"class": "socket", "host": %q, "port": null},
			"du": {"class": "logging.handlers.DatagramHandler", "host": %q, "port": null},
			"h": {"class": "logging.handlers.HTTPHandler", "host": %q, "url": "/log?x=1", "method": "post",
			      "credentials": ["u", "p"], "timeout": 3}},
		"root": {"handlers": ["s", "d", "su", "du", "h"], "level": "DEBUG"}}`,
		th, tp, uh, up, unixPathS, unixPathD, web.srv.Listener.Addr().String()))))
	m.Logger("app.net").With("svc", "api").WithGroup("req").Info("hello", "id", 7)
	m.Logger("app.net").Debug("below s's level")
	for _, r := range []*pickleRecv{tcp, udp, unix, unixgram} {
		rec := r.next(t)
		assert.Equal(t, "app.net", rec["name"])
		assert.Equal(t, "hello", rec["msg"])
		assert.Equal(t, "INFO", rec["levelname"])
		assert.Equal(t, "worker", rec["threadName"])
		assert.Equal(t, "api", rec["svc"])
		assert.Equal(t, int64(7), rec["req.id"])
	}
	for _, r := range []*pickleRecv{udp, unix, unixgram} {
		assert.Equal(t, "below s's level", r.next(t)["msg"])
	}
	for _, msg := range []string{"hello", "below s's level"} {
		req := web.next(t)
		assert.Equal(t, "POST", req.Method)
		assert.Equal(t, "/log", req.URL.Path)
		assert.Equal(t, "1", req.Form.Get("x"))
		assert.Equal(t, msg, req.PostForm.Get("msg"))
		assert.Equal(t, "app.net", req.PostForm.Get("name"))
		assert.Equal(t, "worker", req.PostForm.Get("threadName"))
		user, pass, ok := req.BasicAuth()
		assert.True(t, ok)
		assert.Equal(t, "u/p", user+"/"+pass)
	}
	require.NoError(t, m.Shutdown())
	select {
	case rec := <-tcp.recs:
		t.Errorf("the socket handler's level let through %v", rec["msg"])
	default:
	}
}

// netHandler returns the built handler of id in m's configuration.
func netHandler(t *testing.T, m *Manager, id string) slog.Handler {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, o := range m.gen.objs {
		if o.id == id {
			return o.h.Handler()
		}
	}
	t.Fatalf("no handler %q", id)
	return nil
}

// TestSocketDatagramHTTPClassesThroughFileConfig: the classes take Python's positional
// args, with handlers.DEFAULT_TCP_LOGGING_PORT and the like.
func TestSocketDatagramHTTPClassesThroughFileConfig(t *testing.T) {
	t.Parallel()
	tcp := newPickleRecv(t, "tcp", "127.0.0.1:0")
	web := newHTTPRecv(t)
	dir := t.TempDir()
	ini := filepath.Join(dir, "logging.ini")
	_, port, _ := net.SplitHostPort(tcp.addr())
	require.NoError(t, os.WriteFile(ini, []byte(fmt.Sprintf(`[loggers]
keys=root

[handlers]
keys=sock,dflt,udp,web

[formatters]
keys=

[logger_root]
level=INFO
handlers=sock,web

[handler_sock]
class=handlers.SocketHandler
args=('127.0.0.1', %s)

[handler_dflt]
class=handlers.SocketHandler
args=('localhost', handlers.DEFAULT_TCP_LOGGING_PORT)

[handler_udp]
class=logging.handlers.DatagramHandler
args=('localhost', handlers.DEFAULT_UDP_LOGGING_PORT)

[handler_web]
class=handlers.HTTPHandler
args=(%q, '/in', 'GET', False, ('user', 'pw'))
`, port, web.srv.Listener.Addr().String())), 0o644))
	e := newTestEnvAt(t, "nc")
	require.NoError(t, e.FileConfig(ini))
	dflt := netHandler(t, e.Manager, "dflt").(*handlers.SocketHandler)
	assert.Equal(t, "tcp localhost:9020", dflt.Network()+" "+dflt.Address())
	udp := netHandler(t, e.Manager, "udp").(*handlers.DatagramHandler)
	assert.Equal(t, "udp localhost:9021", udp.Network()+" "+udp.Address())
	e.Logger("ini").Warn("from ini")
	assert.Equal(t, "from ini", tcp.next(t)["msg"])
	req := web.next(t)
	assert.Equal(t, "GET", req.Method)
	assert.Equal(t, "/in", req.URL.Path)
	assert.Equal(t, "from ini", req.Form.Get("msg"))
	assert.Equal(t, "WARNING", req.Form.Get("levelname"))
	user, _, _ := req.BasicAuth()
	assert.Equal(t, "user", user)
	require.NoError(t, e.Shutdown())
}

// TestSocketDatagramHTTPClassesArgErrors: every bad argument is reported at its path, all
// at once, before anything is opened.
func TestSocketDatagramHTTPClassesArgErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give string // the handler entry
		want string
	}{
		{name: "socket: no host", give: `{"class": "socket", "port": 9020}`, want: "handlers.h.host: required"},
		{name: "socket: empty host", give: `{"class": "socket", "host": "", "port": 9020}`,
			want: "handlers.h.host: want a host name, an address or a socket path, got \"\""},
		{name: "socket: bad port", give: `{"class": "socket", "host": "localhost", "port": "http"}`,
			want: "handlers.h.port: want a port number (0 to 65535), or null for a Unix socket at the path host, got \"http\""},
		{name: "datagram: port out of range", give: `{"class": "datagram", "host": "localhost", "port": 70000}`,
			want: "handlers.h.port: want a port number (0 to 65535), or null for a Unix socket at the path host, got 70000"},
		{name: "socket: every problem at once", give: `{"class": "logging.handlers.SocketHandler", "host": 1, "port": 1.5, "timeout": 0,
			".": {"retryStart": "soon", "retryMax": -1, "retryFactor": 0.5}}`,
			want: "handlers.h.host: want a string, got 1\n" +
				"handlers.h.port: want a port number (0 to 65535), or null for a Unix socket at the path host, got 1.5\n" +
				"handlers.h.timeout: want a number of seconds > 0, got 0\n" +
				"handlers.h[.].retryStart: want a number of seconds > 0, got \"soon\"\n" +
				"handlers.h[.].retryMax: want a number of seconds > 0, got -1\n" +
				"handlers.h[.].retryFactor: want a number >= 1, got 0.5"},
		{name: "socket: unknown key", give: `{"class": "socket", "host": "h", "port": 1, "address": "x"}`,
			want: "handlers.h.address: unexpected keyword argument \"address\" for socket"},
		{name: "socket: unknown property", give: `{"class": "socket", "host": "h", "port": 1, ".": {"closeOnError": true}}`,
			want: "handlers.h[.].closeOnError: "},
		{name: "http: method", give: `{"class": "http", "host": "h", "url": "/", "method": "PUT"}`,
			want: "handlers.h.method: method must be GET or POST"},
		{name: "http: method not a string", give: `{"class": "http", "host": "h", "url": "/", "method": 1}`,
			want: "handlers.h.method: method must be GET or POST"},
		{name: "http: context without secure", give: `{"class": "logging.handlers.HTTPHandler", "host": "h", "url": "/", "context": "ctx"}`,
			want: "handlers.h.context: context parameter only makes sense with secure=True"},
		{name: "http: context not a tls.Config", give: `{"class": "http", "host": "h", "url": "/", "secure": true, "context": "ssl.create_default_context()"}`,
			want: "handlers.h.context: want a *tls.Config registered with RegisterValue and named with ext:// (a Python ssl.SSLContext cannot be given here), got \"ssl.create_default_context()\""},
		{name: "http: every problem at once", give: `{"class": "http", "host": "h:x", "url": "/a b", "secure": "yes", "credentials": ["u"], "timeout": "5"}`,
			want: "handlers.h.host: nonnumeric port: 'x'\n" +
				"handlers.h.url: URL can't contain control characters. '/a b' (found at least ' ')\n" +
				"handlers.h.secure: want a boolean, got \"yes\"\n" +
				"handlers.h.credentials: want [user, password], two strings, got a list\n" +
				"handlers.h.timeout: want a number of seconds > 0, got \"5\""},
		{name: "http: no url", give: `{"class": "http", "host": "h"}`, want: "handlers.h.url: required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnvAt(t, "nc")
			cfg := jsonConfig(t, `{"version": 1, "handlers": {"h": `+tt.give+`}}`)
			for _, err := range []error{e.Check(cfg), e.DictConfig(cfg)} {
				var ce *ConfigError
				require.ErrorAs(t, err, &ce)
				if strings.HasSuffix(tt.want, ": ") {
					assert.Contains(t, err.Error(), tt.want)
				} else {
					assert.Equal(t, tt.want, err.Error())
				}
			}
		})
	}
}

// TestSocketDatagramHTTPClassesContext: HTTPHandler's context is a *tls.Config the
// program registered, and needs secure.
func TestSocketDatagramHTTPClassesContext(t *testing.T) {
	t.Parallel()
	e := newTestEnvAt(t, "nc")
	require.NoError(t, e.reg.RegisterValue("app.tls", &tls.Config{MinVersion: tls.VersionTLS13}))
	require.NoError(t, e.Check(jsonConfig(t, `{"version": 1, "handlers": {"h": {"class": "http", "host": "h", "url": "/",
		"secure": true, "context": "ext://app.tls"}}}`)))
	err := e.Check(jsonConfig(t, `{"version": 1, "handlers": {"h": {"class": "http", "host": "h", "url": "/",
		"context": "ext://app.tls"}}}`))
	assert.EqualError(t, err, "handlers.h.context: context parameter only makes sense with secure=True")
}

// TestSocketDatagramHTTPClassesCheckOpensNothing: checking a configuration of network
// handlers connects nowhere and starts no goroutine. Not parallel, so that
// the goroutines it counts are its own.
func TestSocketDatagramHTTPClassesCheckOpensNothing(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	e := newTestEnvAt(t, "nc")
	before := goleak.IgnoreCurrent()
	require.NoError(t, e.Check(jsonConfig(t, fmt.Sprintf(`{"version": 1, "handlers": {
		"s": {"class": "socket", "host": %q, "port": %s},
		"d": {"class": "datagram", "host": "x.invalid", "port": 9021},
		"h": {"class": "http", "host": %q, "url": "/"}},
		"root": {"handlers": ["s", "d", "h"]}}`, host, port, ln.Addr().String()))))
	goleak.VerifyNone(t, before)
	require.NoError(t, ln.(*net.TCPListener).SetDeadline(time.Now()))
	c, err := ln.Accept()
	if err == nil {
		_ = c.Close()
	}
	assert.ErrorIs(t, err, os.ErrDeadlineExceeded, "nothing connected")
}

// TestSocketDatagramHTTPClassesFaults: receivers absent, silent or unresolvable: the
// failures are reported, the caller is never held past the timeouts, and
// the other handlers of the configuration still get every record.
func TestSocketDatagramHTTPClassesFaults(t *testing.T) {
	t.Parallel()
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := dead.Addr().String()
	require.NoError(t, dead.Close())
	chost, cport, _ := net.SplitHostPort(closed)
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	conns := make(chan net.Conn, 16)
	go func() {
		defer close(conns)
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			conns <- c
		}
	}()
	defer func() {
		_ = silent.Close()
		for c := range conns {
			_ = c.Close()
		}
	}()
	e := newTestEnvAt(t, "nc", "a")
	e.config(t, jsonConfig(t, fmt.Sprintf(`{"version": 1, "handlers": {
		"a": {"class": "stream", "stream": "ext://nc.a"},
		"s": {"class": "socket", "host": %q, "port": %s},
		"dns": {"class": "datagram", "host": "x.invalid", "port": 9021},
		"h": {"class": "http", "host": %q, "url": "/", "timeout": 0.05}},
		"root": {"handlers": ["s", "dns", "h", "a"], "level": "INFO"}}`, chost, cport, silent.Addr().String())))
	for i := range 3 {
		e.Logger("app").Info(fmt.Sprint("record ", i))
	}
	assert.Equal(t, "record 0\nrecord 1\nrecord 2\n", e.take("a"))
	require.NoError(t, e.Shutdown())
	var sendErrs, httpErrs int
	var dropped uint64
	for _, err := range e.allReported() {
		var se *handlers.SendError
		var he *HandlerError
		switch {
		case errors.As(err, &se):
			sendErrs++
			dropped += se.Dropped
			assert.Contains(t, err.Error(), `handler "`)
		case errors.As(err, &he):
			httpErrs++
			assert.Equal(t, "h", he.Handler)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
		default:
			t.Errorf("unexpected report: %v", err)
		}
	}
	assert.Equal(t, uint64(6), dropped, "3 records dropped by each pickle handler")
	assert.Equal(t, 3, httpErrs)
	assert.Positive(t, sendErrs)
}
