//go:build unix

package slogconfig

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/internal/levels"
	"github.com/slogtree/slogtree/internal/testutil"
)

// netReceiver is a server for the network handler classes' tests: it
// keeps each datagram, or the bytes of each stream connection once the
// client closes it, in the order they came.
type netReceiver struct {
	addr string // "127.0.0.1:port" or a path
	port int

	mu      sync.Mutex
	got     [][]byte
	done    []bool
	arrived chan struct{}
}

// startNetReceiver starts a server of network ("udp", "tcp", "unixgram" or
// "unix") on loopback or in a temporary directory, stopped with the test.
func startNetReceiver(t *testing.T, network string) *netReceiver {
	t.Helper()
	r := &netReceiver{arrived: make(chan struct{}, 1)}
	var wg sync.WaitGroup
	var stop func()
	switch network {
	case "udp", "unixgram":
		addr := "127.0.0.1:0"
		if network == "unixgram" {
			addr = filepath.Join(t.TempDir(), "log")
		}
		pc, err := net.ListenPacket(network, addr)
		require.NoError(t, err)
		r.addr = pc.LocalAddr().String()
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 1<<17)
			for {
				n, _, err := pc.ReadFrom(buf)
				if err != nil {
					return
				}
				r.add(-1, bytes.Clone(buf[:n]))
			}
		}()
		stop = func() { _ = pc.Close() }
	default:
		addr := "127.0.0.1:0"
		if network == "unix" {
			addr = filepath.Join(t.TempDir(), "log")
		}
		l, err := net.Listen(network, addr)
		require.NoError(t, err)
		r.addr = l.Addr().String()
		var conns sync.Map
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				conns.Store(c, true)
				i := r.add(-1, nil)
				wg.Add(1)
				go func() {
					defer wg.Done()
					b, _ := io.ReadAll(c)
					r.add(i, b)
				}()
			}
		}()
		stop = func() {
			_ = l.Close()
			conns.Range(func(c, _ any) bool { _ = c.(net.Conn).Close(); return true })
		}
	}
	if a, ok := net.ResolveTCPAddr("tcp", r.addr); ok == nil && network != "unix" && network != "unixgram" {
		r.port = a.Port
	}
	t.Cleanup(func() {
		stop()
		wg.Wait()
	})
	return r
}

// add records a datagram (i < 0, b not nil), a new connection (i < 0, b
// nil: not done), or the end of connection i, and returns its index.
func (r *netReceiver) add(i int, b []byte) int {
	r.mu.Lock()
	switch {
	case i >= 0:
		r.got[i], r.done[i] = b, true
	default:
		i = len(r.got)
		r.got = append(r.got, b)
		r.done = append(r.done, b != nil)
	}
	r.mu.Unlock()
	select {
	case r.arrived <- struct{}{}:
	default:
	}
	return i
}

// wait returns the first n datagrams or closed connections, failing the
// test when they do not come within 10 s.
func (r *netReceiver) wait(t *testing.T, n int) []string {
	t.Helper()
	limit := time.NewTimer(10 * time.Second)
	defer limit.Stop()
	for {
		r.mu.Lock()
		complete := len(r.got) >= n
		for i := 0; complete && i < n; i++ {
			complete = r.done[i]
		}
		if complete {
			out := make([]string, n)
			for i := range out {
				out[i] = string(r.got[i])
			}
			r.mu.Unlock()
			return out
		}
		have := len(r.got)
		r.mu.Unlock()
		select {
		case <-r.arrived:
		case <-limit.C:
			t.Fatalf("receiver %s: %d of %d messages after 10 s", r.addr, have, n)
		}
	}
}

func (r *netReceiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// pidRe matches a process id in brackets.
var pidRe = regexp.MustCompile(`\[\d+\]`)

// syslogRecords are the records of TestSyslogConfigMatchesCPython:
// [logger, Python level, message].
var syslogRecords = [][3]any{
	{"", 10, "debug on root"}, {"app", 20, "info"}, {"app.db", 30, "wärning"},
	{"app", 40, "error"}, {"app", 50, "critical ✓"}, {"app", 15, "level 15"},
}

// runSyslogRecords logs syslogRecords through m.
func runSyslogRecords(m *Manager) {
	for _, r := range syslogRecords {
		m.Logger(r[0].(string)).Log(context.Background(), levels.FromPython(r[1].(int)).Slog, r[2].(string))
	}
}

// TestSyslogConfigMatchesCPython applies the same configuration with
// CPython's logging.config and with slogtree, in each form a
// configuration takes (JSON and YAML for dictConfig, fileConfig's INI
// with positional args and the logging.handlers names), and compares
// what the syslog servers got from each, byte for byte.
func TestSyslogConfigMatchesCPython(t *testing.T) {
	py := testutil.Python3(t)
	tests := []struct {
		name     string
		ext      string
		networks []string // the servers the configuration sends to, in the order of its %s
		counts   []int    // the datagrams (or stream connections) each server gets
		config   string   // with a %s per server: [host, port] or a path, as the form writes it
	}{
		{
			name: "json", ext: ".json", networks: []string{"udp"}, counts: []int{6},
			config: `{"version": 1,
				"formatters": {"f": {"format": "%%(name)s[%%(levelname)s]: %%(message)s"}},
				"handlers": {"s": {"class": "logging.handlers.SysLogHandler", "address": %s, "facility": "local6",
					"formatter": "f", ".": {"ident": "myapp: ", "append_nul": false}}},
				"root": {"handlers": ["s"], "level": "DEBUG"}}`,
		},
		{
			name: "yaml", ext: ".yaml", networks: []string{"tcp", "unixgram"}, counts: []int{1, 3},
			config: `version: 1
formatters:
  f: {format: "%%(levelname)s %%(message)s"}
handlers:
  tcp:
    class: logging.handlers.SysLogHandler
    address: %s
    facility: 17
    socktype: ext://socket.SOCK_STREAM
    formatter: f
  unix:
    class: logging.handlers.SysLogHandler
    address: %s
    level: WARNING
root: {level: DEBUG, handlers: [tcp, unix]}
`,
		},
		{
			name: "ini", ext: ".ini", networks: []string{"unixgram", "udp"}, counts: []int{6, 6},
			config: `[loggers]
keys=root

[handlers]
keys=unix,udp

[formatters]
keys=f

[logger_root]
level=DEBUG
handlers=unix,udp

[handler_unix]
class=handlers.SysLogHandler
level=DEBUG
formatter=f
args=(%s, handlers.SysLogHandler.LOG_USER)

[handler_udp]
class=logging.handlers.SysLogHandler
formatter=f
args=(%s, handlers.SysLogHandler.LOG_LOCAL0, handlers.socket.SOCK_DGRAM)

[formatter_f]
format=%%(name)s[%%(process)d]: %%(levelname)s: %%(message)s
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			side := func(name string) ([]*netReceiver, string) {
				var rs []*netReceiver
				var args []any
				for _, network := range tt.networks {
					r := startNetReceiver(t, network)
					rs = append(rs, r)
					switch {
					case network == "udp" || network == "tcp":
						host := "127.0.0.1"
						if tt.ext == ".yaml" {
							host = "localhost"
						}
						if tt.ext == ".ini" {
							args = append(args, fmt.Sprintf("('%s', %d)", host, r.port))
						} else {
							args = append(args, fmt.Sprintf("[%s, %d]", jsonQuote(host), r.port))
						}
					case tt.ext == ".ini":
						args = append(args, fmt.Sprintf("'%s'", r.addr))
					default:
						args = append(args, jsonQuote(r.addr))
					}
				}
				path := filepath.Join(dir, name+tt.ext)
				require.NoError(t, os.WriteFile(path, []byte(fmt.Sprintf(tt.config, args...)), 0o644))
				return rs, path
			}
			pyRecv, pyPath := side("py")
			goRecv, goPath := side("go")

			in, err := json.Marshal(syslogRecords)
			require.NoError(t, err)
			cmd := exec.CommandContext(t.Context(), py, filepath.Join("testdata", "pyconfigrun.py"), pyPath)
			cmd.Stdin = bytes.NewReader(in)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			require.NoError(t, cmd.Run(), "pyconfigrun.py: %s", stderr.String())
			assert.Equal(t, "[]", stdout.String(), "CPython's handler errors")

			e := newTestEnv(t)
			require.NoError(t, e.Load(goPath))
			runSyslogRecords(e.Manager)
			require.NoError(t, e.Shutdown())
			assert.Empty(t, e.allReported(), "slogtree's errors")

			for i, network := range tt.networks {
				n := tt.counts[i]
				want, got := pyRecv[i].wait(t, n), goRecv[i].wait(t, n)
				for j := range want {
					want[j] = pidRe.ReplaceAllString(want[j], "[PID]")
					got[j] = pidRe.ReplaceAllString(got[j], "[PID]")
				}
				assert.Equal(t, want, got, "%s server", network)
				assert.Equal(t, n, pyRecv[i].count(), "%s server: CPython sent more", network)
				assert.Equal(t, n, goRecv[i].count(), "%s server: slogtree sent more", network)
			}
		})
	}
}

func TestSyslogClassRegistered(t *testing.T) {
	t.Parallel()
	reg := NewRegistry()
	for _, n := range []string{"syslog", "logging.handlers.SysLogHandler"} {
		c, ok := reg.handler(n)
		require.True(t, ok, n)
		// Python's positional order, which fileConfig's args bind to, then
		// Python 3.14's timeout.
		assert.Equal(t, []string{"address", "facility", "socktype", "timeout"}, c.Params, n)
		assert.Equal(t, []string{"ident", "append_nul"}, c.Props, n)
	}
}

func TestSyslogConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give string // the handler entry
		want string
	}{
		{"facility name", `{"class": "syslog", "facility": "nope"}`,
			`handlers.h.facility: unknown facility "nope" (want one of kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp, ntp, security, console, solaris-cron, local0, local1, local2, local3, local4, local5, local6, local7, or a number 0-23)`},
		{"facility in upper case", `{"class": "syslog", "facility": "LOCAL6"}`,
			`handlers.h.facility: unknown facility "LOCAL6": facility names are lower case, as in Python: "local6"`},
		{"facility number", `{"class": "syslog", "facility": 176}`,
			`handlers.h.facility: want a facility name such as "local0" or a number 0-23 (Python's LOG_KERN to LOG_LOCAL7), got 176`},
		{"facility boolean", `{"class": "syslog", "facility": true}`,
			`handlers.h.facility: want a facility name such as "local0" or a number 0-23 (Python's LOG_KERN to LOG_LOCAL7), got true`},
		{"address list of 3", `{"class": "syslog", "address": ["localhost", 514, 1]}`,
			`handlers.h.address: want [host, port] or the path of a Unix socket such as "/dev/log", got a list of 3`},
		{"address number", `{"class": "syslog", "address": 514}`,
			`handlers.h.address: want [host, port] or the path of a Unix socket such as "/dev/log", got 514`},
		{"empty path", `{"class": "syslog", "address": ""}`,
			`handlers.h.address: want [host, port] or the path of a Unix socket such as "/dev/log", got ""`},
		{"port", `{"class": "syslog", "address": ["localhost", 0]}`,
			`handlers.h.address[1]: want a port number 1-65535, got 0`},
		{"port as a string", `{"class": "syslog", "address": ["localhost", "514"]}`,
			`handlers.h.address[1]: want a port number 1-65535, got "514"`},
		{"host", `{"class": "syslog", "address": ["", 514]}`,
			`handlers.h.address[0]: want a host name or address, got ""`},
		{"socktype raw", `{"class": "syslog", "socktype": 3}`,
			`handlers.h.socktype: want socket.SOCK_DGRAM (2), socket.SOCK_STREAM (1), "udp" or "tcp" for [host, port], got 3`},
		{"socktype for a path", `{"class": "syslog", "address": "/dev/log", "socktype": "tcp"}`,
			`handlers.h.socktype: want socket.SOCK_DGRAM (2), socket.SOCK_STREAM (1), "unixgram" or "unix" for a Unix socket, got "tcp"`},
		{"timeout", `{"class": "syslog", "timeout": 0}`, `handlers.h.timeout: want a number of seconds > 0, got 0`},
		{"ident", `{"class": "syslog", ".": {"ident": 5}}`, `handlers.h[.].ident: want a string, got 5`},
		{"append_nul", `{"class": "syslog", ".": {"append_nul": "no"}}`, `handlers.h[.].append_nul: want a boolean, got "no"`},
		{"unknown property", `{"class": "syslog", ".": {"ident2": "x"}}`, `handlers.h[.].ident2: syslog has no property "ident2"`},
		{"unknown key", `{"class": "syslog", "host": "x"}`, `handlers.h.host: unexpected keyword argument "host" for syslog`},
		{"every problem at once", `{"class": "logging.handlers.SysLogHandler", "address": ["x", 70000], "facility": "?", "timeout": "1"}`,
			"handlers.h.address[1]: want a port number 1-65535, got 70000\n" +
				`handlers.h.facility: unknown facility "?" (want one of kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp, ntp, security, console, solaris-cron, local0, local1, local2, local3, local4, local5, local6, local7, or a number 0-23)` + "\n" +
				`handlers.h.timeout: want a number of seconds > 0, got "1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			cfg := jsonConfig(t, fmt.Sprintf(`{"version": 1, "handlers": {"h": %s}}`, tt.give))
			err := e.Check(cfg)
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
			err = e.DictConfig(cfg)
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}

// Check looks nothing up and connects to nothing: a TCP server gets no
// connection, a name that does not resolve passes, and a Unix socket gets
// no datagram. Applying the configuration connects (or fails, naming the
// handler), and a refused configuration leaves nothing behind.
func TestSyslogCheckOpensNothing(t *testing.T) {
	t.Parallel()
	tcp := startNetReceiver(t, "tcp")
	unix := startNetReceiver(t, "unixgram")
	dir := t.TempDir()
	file := filepath.Join(dir, "other.log")
	cfg := jsonConfig(t, fmt.Sprintf(`{"version": 1, "handlers": {
		"tcp": {"class": "syslog", "address": ["127.0.0.1", %d], "socktype": "tcp"},
		"unix": {"class": "syslog", "address": %s},
		"file": {"class": "file", "filename": %s}},
		"root": {"handlers": ["tcp", "unix", "file"]}}`, tcp.port, jsonQuote(unix.addr), jsonQuote(file)))
	e := newTestEnv(t)
	require.NoError(t, e.Check(cfg))
	unresolvable := jsonConfig(t, `{"version": 1, "handlers": {
		"bad": {"class": "syslog", "address": ["nosuch.invalid", 514], "timeout": 2}}}`)
	require.NoError(t, e.Check(unresolvable), "Check looks no name up")
	assert.Zero(t, tcp.count(), "Check connected")
	_, err := os.Stat(file)
	assert.True(t, os.IsNotExist(err), "Check created a file")

	err = e.DictConfig(unresolvable)
	require.Error(t, err)
	assert.Regexp(t, `^handlers\.bad: syslog: lookup nosuch\.invalid.*: no such host$`, err.Error())

	// A TCP server that is not there refuses the configuration, as CPython's
	// constructor raises, and the other handlers' files are not left behind.
	refused := jsonConfig(t, fmt.Sprintf(`{"version": 1, "handlers": {
		"tcp": {"class": "syslog", "address": ["127.0.0.1", %d], "socktype": "tcp"},
		"file": {"class": "file", "filename": %s}}}`, freeTCPPort(t), jsonQuote(file)))
	err = e.DictConfig(refused)
	require.Error(t, err)
	assert.Regexp(t, `^handlers\.tcp: dial tcp 127\.0\.0\.1:\d+: connect: connection refused$`, err.Error())
	_, err = os.Stat(file)
	assert.True(t, os.IsNotExist(err), "a refused configuration left a file behind")

	require.NoError(t, e.DictConfig(cfg))
	e.Logger("x").Warn("now")
	require.NoError(t, e.Shutdown())
	assert.Equal(t, []string{"<12>now\x00"}, tcp.wait(t, 1))
	assert.Equal(t, []string{"<12>now\x00"}, unix.wait(t, 1))
}

// TestSyslogConfigFaults: a server that is not there, and one that stops
// reading. Each failed record is reported under the handler's id (over
// UDP nothing is, as in CPython), the caller is not held past the
// handler's timeout, and the other handlers get every record.
func TestSyslogConfigFaults(t *testing.T) {
	t.Parallel()
	stalled, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var held []net.Conn
	var mu sync.Mutex
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := stalled.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c) // never read
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = stalled.Close()
		wg.Wait()
		for _, c := range held {
			_ = c.Close()
		}
	})
	udpPort := freeUDPPort(t)
	tests := []struct {
		name  string
		entry string
		big   bool // records large enough to fill the socket buffers
		want  func(t *testing.T, ids []string)
	}{
		{"unix socket not there", fmt.Sprintf(`{"class": "syslog", "address": %s}`, jsonQuote(filepath.Join(t.TempDir(), "absent"))), false,
			func(t *testing.T, ids []string) { assert.Equal(t, []string{"bad", "bad", "bad"}, ids) }},
		{"udp server not there", fmt.Sprintf(`{"class": "syslog", "address": ["127.0.0.1", %d]}`, udpPort), false,
			func(t *testing.T, ids []string) { assert.Empty(t, ids) }},
		{"tcp server that stops reading", fmt.Sprintf(`{"class": "syslog", "address": ["127.0.0.1", %d], "socktype": 1, "timeout": 0.05}`,
			stalled.Addr().(*net.TCPAddr).Port), true,
			func(t *testing.T, ids []string) {
				assert.NotEmpty(t, ids, "the stalled server's timeouts were reported")
				for _, id := range ids {
					assert.Equal(t, "bad", id)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t, "good")
			require.NoError(t, e.DictConfig(jsonConfig(t, fmt.Sprintf(`{"version": 1, "handlers": {
				"bad": %s, "good": {"class": "stream", "stream": "ext://out.good"}},
				"root": {"handlers": ["bad", "good"], "level": "INFO"}}`, tt.entry))))
			n := 3
			if tt.big {
				n = 64 // 4 MiB in all: more than the socket buffers hold
			}
			var want strings.Builder
			for i := range n {
				msg := fmt.Sprint("record ", i)
				if tt.big {
					msg += strings.Repeat("x", 64<<10)
				}
				e.Logger("app").Info(msg)
				want.WriteString(msg + "\n")
			}
			require.NoError(t, e.Shutdown())
			tt.want(t, e.handlerErrors())
			assert.Equal(t, want.String(), e.take("good"), "the other handler got every record")
		})
	}
}

// freeUDPPort returns a loopback UDP port where nothing listens.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	port := pc.LocalAddr().(*net.UDPAddr).Port
	require.NoError(t, pc.Close())
	return port
}
