package slogconfig

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slogtree/slogtree/internal/levels"
	"github.com/slogtree/slogtree/internal/testutil"
	"go.uber.org/goleak"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lsGood is fcINI as a dictConfig: root at INFO with one stream handler.
const lsGood = `{"version": 1,
 "formatters": {"form": {"format": "%(levelname)s %(name)s %(message)s"}},
 "handlers": {"h1": {"class": "logging.StreamHandler", "stream": "ext://cap.a", "formatter": "form"}},
 "root": {"level": "INFO", "handlers": ["h1"]}}`

// lsDebug makes app log at DEBUG, incrementally.
const lsDebug = `{"version": 1, "incremental": true, "loggers": {"app": {"level": "DEBUG"}}}`

// lsListen starts a Listener on 127.0.0.1:0 for a Manager configured with
// lsGood, closed at the end of the test.
func lsListen(t testing.TB, opts ...ListenOption) (*testEnv, *Listener) {
	t.Helper()
	e := newTestEnvAt(t, "cap", "a", "b")
	require.NoError(t, e.DictConfig(jsonConfig(t, lsGood)))
	l, err := e.Listen("127.0.0.1:0", opts...)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, l.Close()) })
	return e, l
}

func lsFrame(payload []byte) []byte {
	return binary.BigEndian.AppendUint32(nil, uint32(len(payload)))
}

// lsSend sends payload within lsBound.
func lsSend(t *testing.T, l *Listener, payload string, opts ...SendOption) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), lsBound)
	defer cancel()
	return Send(ctx, l.Addr().String(), []byte(payload), opts...)
}

// lsBound bounds each wait of these tests: a safety net for a machine
// under load, never a measure of speed.
const lsBound = 20 * time.Second

// lsRaw writes raw bytes, optionally closes its sending side, and reads
// the status the listener answers with ("" when it sent none).
func lsRaw(t *testing.T, addr string, raw []byte, closeWrite bool) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, lsBound)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(lsBound)))
	if len(raw) > 0 {
		_, err = c.Write(raw)
		require.NoError(t, err)
	}
	if closeWrite {
		require.NoError(t, c.(*net.TCPConn).CloseWrite())
	}
	var hdr [4]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return ""
	}
	body := make([]byte, binary.BigEndian.Uint32(hdr[:]))
	_, err = io.ReadFull(c, body)
	require.NoError(t, err)
	return string(body)
}

// lsListenErrors returns the *ListenErrors the Manager reported.
func lsListenErrors(e *testEnv) []*ListenError {
	var out []*ListenError
	for _, err := range e.allReported() {
		var le *ListenError
		if errors.As(err, &le) {
			out = append(out, le)
		}
	}
	return out
}

// lsCheckDebug checks that lsDebug is in effect.
func lsCheckDebug(t *testing.T, e *testEnv) {
	t.Helper()
	e.Logger("app").Debug("now")
	assert.Equal(t, "DEBUG app now\n", e.out["a"].take())
}

func TestLSSend(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		give  string
		check func(t *testing.T, e *testEnv)
	}{
		{name: "JSON", give: lsGood, check: fcCheckGood},
		{name: "incremental JSON", give: lsDebug, check: lsCheckDebug},
		{name: "INI", give: fcINI, check: fcCheckGood},
		{name: "INI with DEFAULT", give: "[DEFAULT]\nlevel=DEBUG\n" + strings.Replace(fcINI, "level=INFO\n", "", 1), check: lsCheckDebug},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, l := lsListen(t)
			require.NoError(t, lsSend(t, l, tt.give))
			tt.check(t, e)
			assert.Empty(t, e.allReported())
		})
	}
}

// TestLSBadInput sends each kind of bad input and checks the status, the
// report to the error handler, and that the old configuration is still in
// effect.
func TestLSBadInput(t *testing.T) {
	t.Parallel()
	frame := func(p string) []byte { return append(lsFrame([]byte(p)), p...) }
	tests := []struct {
		name       string
		opts       []ListenOption
		give       []byte
		closeWrite bool
		stall      bool   // keep the connection open until the listener gives up
		want       string // the error, in the status and in the report
	}{
		{name: "connect and close", closeWrite: true, want: "connection closed before a length header"},
		{name: "truncated header", give: []byte{0, 0}, closeWrite: true, want: "truncated length header: 2 of 4 bytes"},
		{name: "length 0xFFFFFFFF", give: []byte{0xff, 0xff, 0xff, 0xff}, want: "payload of 4294967295 bytes is over the limit of 1048576"},
		{name: "over MaxPayload", opts: []ListenOption{MaxPayload(10)}, give: frame("0123456789a"), want: "payload of 11 bytes is over the limit of 10"},
		{name: "empty payload", give: lsFrame(nil), want: "empty payload"},
		{name: "truncated payload", give: append(lsFrame(make([]byte, 100)), "[loggers]"...), closeWrite: true, want: "truncated payload: 9 of 100 bytes"},
		{name: "stalled after the header", opts: []ListenOption{ReadTimeout(100 * time.Millisecond)}, give: lsFrame(make([]byte, 100)), stall: true, want: "timed out after 0 of 100 payload bytes"},
		{name: "stalled in the header", opts: []ListenOption{ReadTimeout(100 * time.Millisecond)}, give: []byte{0}, stall: true, want: "timed out waiting for the length header (1 of 4 bytes)"},
		{name: "invalid UTF-8", give: frame("[loggers]\nkeys=\xff\n"), want: "payload is not valid UTF-8"},
		{name: "JSON array", give: frame(`[{"version": 1}]`), want: "payload is neither a JSON object (want a JSON object at the top level, got a list) nor an INI configuration:\n[formatters]: section missing"},
		{name: "JSON scalar", give: frame(`"x"`), want: "payload is neither a JSON object (want a JSON object at the top level, got \"x\") nor an INI configuration:\nline 1: no section header before"},
		{name: "garbage", give: frame("hello"), want: "payload is neither a JSON object (invalid JSON: "},
		{name: "refused JSON", give: frame(`{"version": 1, "root": {"level": "LOUD"}}`), want: "dictConfig refused the JSON configuration:\nroot.level: unknown level: \"LOUD\""},
		{name: "refused INI", give: frame(strings.Replace(fcINI, "level=INFO", "level=LOUD", 1)), want: "fileConfig refused the INI configuration:\n[logger_root] level: unknown level: \"LOUD\""},
		{name: "INI with a call", give: frame(strings.Replace(fcINI, "args=(cap.a,)", "args=(__import__('os').system('id'),)", 1)), want: "[handler_h1] args: unsupported expression: calls are not allowed"},
		{name: "verifier refuses", opts: []ListenOption{Verify(HMACVerifier([]byte("k")))}, give: frame(lsGood), want: "refused by the verifier: HMAC-SHA256: signature does not match"},
		{name: "verifier returns nil", opts: []ListenOption{Verify(func([]byte) ([]byte, error) { return nil, nil })}, give: frame(lsGood), want: "refused by the verifier"},
		{name: "verifier panics", opts: []ListenOption{Verify(func([]byte) ([]byte, error) { panic("boom") })}, give: frame(lsGood), want: "panic while applying the configuration: boom"},
		{name: "not incremental", opts: []ListenOption{IncrementalOnly()}, give: frame(lsGood), want: `this listener accepts only incremental configurations ("incremental": true)`},
		{name: "INI when incremental only", opts: []ListenOption{IncrementalOnly()}, give: frame(fcINI), want: "this listener accepts only incremental configurations, and an INI configuration never is"},
		{name: "class not allowed", opts: []ListenOption{AllowHandlerClasses("logging.StreamHandler")}, give: frame(`{"version": 1, "handlers": {"f": {"class": "logging.FileHandler", "filename": "/etc/passwd", "mode": "w"}, "g": {"()": "file", "filename": "x"}, "s": {"class": "logging.StreamHandler"}}}`),
			want: "handlers.f.class: handler class \"logging.FileHandler\" is not allowed on this listener (allowed: logging.StreamHandler)\nhandlers.g.(): handler class \"file\" is not allowed on this listener (allowed: logging.StreamHandler)"},
		{name: "INI class not allowed", opts: []ListenOption{AllowHandlerClasses("stream")}, give: frame(fcINI), want: "[handler_h1] class: handler class \"logging.StreamHandler\" is not allowed on this listener (allowed: stream)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, l := lsListen(t, tt.opts...)
			got := lsRaw(t, l.Addr().String(), tt.give, tt.closeWrite)
			var st listenStatus
			require.NoError(t, json.Unmarshal([]byte(got), &st), "status %q", got)
			assert.False(t, st.OK)
			assert.True(t, strings.HasPrefix(st.Error, tt.want) || strings.Contains(st.Error, tt.want), "status error %q\nwant %q", st.Error, tt.want)
			errs := lsListenErrors(e)
			if assert.Len(t, errs, 1) {
				assert.Equal(t, st.Error, errs[0].Err.Error())
				assert.True(t, strings.HasPrefix(errs[0].Remote, "127.0.0.1:"), "remote %q", errs[0].Remote)
			}
			fcCheckGood(t, e)
		})
	}
}

func TestLSHMAC(t *testing.T) {
	t.Parallel()
	key := []byte("secret")
	e, l := lsListen(t, Verify(HMACVerifier(key)))
	require.NoError(t, lsSend(t, l, lsDebug, Sign(HMACSigner(key))))
	lsCheckDebug(t, e)

	var re *RemoteError
	err := lsSend(t, l, lsGood, Sign(HMACSigner([]byte("wrong"))))
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "refused by the verifier: HMAC-SHA256: signature does not match", re.Msg)
	err = lsSend(t, l, "short")
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "refused by the verifier: HMAC-SHA256: payload of 5 bytes is shorter than a signature", re.Msg)
	lsCheckDebug(t, e)

	_, err = HMACVerifier(nil)(HMACSigner(nil)([]byte("{}")))
	assert.EqualError(t, err, "HMAC-SHA256: empty key")
}

// TestLSSendStatus checks what Send returns for each outcome.
func TestLSSendStatus(t *testing.T) {
	t.Parallel()
	_, l := lsListen(t)
	err := lsSend(t, l, `{"version": 2}`)
	var re *RemoteError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "dictConfig refused the JSON configuration:\nversion: unsupported version: 2", re.Msg)
	assert.EqualError(t, err, "slogconfig: configuration refused: dictConfig refused the JSON configuration:\nversion: unsupported version: 2")

	// A listener that answers nothing, as Python's.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(c, 4+2))
			c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(t.Context(), lsBound)
	defer cancel()
	assert.ErrorIs(t, Send(ctx, ln.Addr().String(), []byte("{}")), ErrNoStatus)

	// A listener that never answers: the context ends the wait.
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln2.Close()
	ctx2, cancel2 := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel2()
	assert.ErrorIs(t, Send(ctx2, ln2.Addr().String(), []byte("{}")), context.DeadlineExceeded)

	// Nobody listening.
	addr := ln2.Addr().String()
	ln2.Close()
	err = Send(ctx, addr, []byte("{}"))
	assert.ErrorContains(t, err, "connection refused")
}

// TestLSSendTooLarge gets the listener's status for a payload over its
// limit, though the listener stops reading early.
func TestLSSendTooLarge(t *testing.T) {
	t.Parallel()
	e, l := lsListen(t, MaxPayload(1000))
	err := lsSend(t, l, strings.Repeat(" ", 4<<20))
	var re *RemoteError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "payload of 4194304 bytes is over the limit of 1000", re.Msg)
	fcCheckGood(t, e)
}

// lsPyClient is the client of Python's logging documentation: a 4-byte
// big-endian length and the payload, never reading a reply. With a key, it
// signs the payload with HMAC-SHA256.
const lsPyClient = `
import hmac, socket, struct, sys
data = sys.stdin.buffer.read()
if len(sys.argv) > 2:
    data = hmac.new(sys.argv[2].encode(), data, "sha256").digest() + data
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(struct.pack(">L", len(data)) + data)
s.close()
`

// TestLSCPythonClient reconfigures a Listener from CPython.
func TestLSCPythonClient(t *testing.T) {
	t.Parallel()
	py := testutil.Python3(t)
	tests := []struct {
		name    string
		give    string
		key     string
		changed func(e *testEnv) bool
	}{
		{name: "JSON", give: lsDebug, changed: func(e *testEnv) bool { return e.Logger("app").Enabled(context.Background(), -4) }},
		{name: "INI", give: strings.Replace(fcINI, "level=INFO", "level=ERROR", 1), changed: func(e *testEnv) bool { return !e.Logger("app").Enabled(context.Background(), 4) }},
		{name: "signed", key: "k3y", give: lsDebug, changed: func(e *testEnv) bool { return e.Logger("app").Enabled(context.Background(), -4) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var opts []ListenOption
			if tt.key != "" {
				opts = append(opts, Verify(HMACVerifier([]byte(tt.key))))
			}
			e, l := lsListen(t, opts...)
			args := []string{"-c", lsPyClient, strconv.Itoa(l.Addr().(*net.TCPAddr).Port)}
			if tt.key != "" {
				args = append(args, tt.key)
			}
			cmd := exec.CommandContext(t.Context(), py, args...)
			cmd.Stdin = strings.NewReader(tt.give)
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s", out)
			deadline := time.Now().Add(lsBound)
			for !tt.changed(e) && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			assert.True(t, tt.changed(e), "configuration not applied within 5s")
			assert.Empty(t, e.allReported())
		})
	}
}

// TestLSSendToCPythonListener sends a configuration to CPython's own
// logging.config.listen, which applies it and answers nothing.
func TestLSSendToCPythonListener(t *testing.T) {
	t.Parallel()
	py := testutil.Python3(t)
	script := `
import logging, logging.config, time
t = logging.config.listen(0)
t.start()
t.ready.wait()
print(t.port, flush=True)
deadline = time.time() + 5
while time.time() < deadline and logging.getLogger("app").level != logging.DEBUG:
    time.sleep(0.005)
print(logging.getLevelName(logging.getLogger("app").level), flush=True)
logging.config.stopListening()
t.join()
`
	cmd := exec.CommandContext(t.Context(), py, "-c", script)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() { assert.NoError(t, cmd.Wait()) }()
	lines := bufio.NewScanner(stdout)
	require.True(t, lines.Scan(), "no port from python3")
	port := lines.Text()
	ctx, cancel := context.WithTimeout(t.Context(), lsBound)
	defer cancel()
	err = Send(ctx, "127.0.0.1:"+port, []byte(lsDebug))
	assert.ErrorIs(t, err, ErrNoStatus)
	require.True(t, lines.Scan(), "no level from python3")
	assert.Equal(t, "DEBUG", lines.Text())
}

// TestLSHostile opens 500 hostile connections at once, of seven kinds,
// while a good client sends an incremental configuration: the good one is
// applied, each hostile one is refused and reported once, and nothing
// else changes.
func TestLSHostile(t *testing.T) {
	t.Parallel()
	const n = 500
	e, l := lsListen(t, MaxConnections(32), ReadTimeout(250*time.Millisecond), MaxPayload(4096))
	addr := l.Addr().String()
	kinds := []func(c net.Conn){
		func(c net.Conn) {}, // connect and close
		func(c net.Conn) { _, _ = c.Write([]byte{0, 0}) },                            // truncated header
		func(c net.Conn) { _, _ = c.Write([]byte{0xff, 0xff, 0xff, 0xff}) },          // huge length
		func(c net.Conn) { _, _ = c.Write(lsFrame(make([]byte, 1000))); lsStall(c) }, // stalled
		func(c net.Conn) { _, _ = c.Write(append(lsFrame([]byte{0xff, 0xfe}), 0xff, 0xfe)) },
		func(c net.Conn) { p := []byte(`[1, 2, 3]`); _, _ = c.Write(append(lsFrame(p), p...)) },
		func(c net.Conn) {
			p := []byte(strings.Replace(fcINI, "args=(cap.a,)", "args=(open('/etc/passwd'),)", 1))
			_, _ = c.Write(append(lsFrame(p), p...))
		},
	}
	start := time.Now()
	var wg sync.WaitGroup
	var dialErrs, dialed atomic.Int64
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.DialTimeout("tcp", addr, lsBound)
			if err != nil {
				dialErrs.Add(1)
				return
			}
			dialed.Add(1)
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(lsBound))
			kinds[i%len(kinds)](c)
			_ = c.(*net.TCPConn).CloseWrite()
			_, _ = io.Copy(io.Discard, c) // until the listener closes
		}()
	}
	// The good client comes once half the hostile ones are connected.
	for dialed.Load()+dialErrs.Load() < n/2 && time.Since(start) < lsBound {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(t.Context(), lsBound)
	defer cancel()
	goodStart := time.Now()
	err := Send(ctx, addr, []byte(lsDebug))
	good := time.Since(goodStart)
	wg.Wait()
	t.Logf("%d hostile connections: the good client was answered %v after it connected; all done %v after the start", n, good, time.Since(start))
	require.NoError(t, err)
	require.Zero(t, dialErrs.Load(), "dial errors")
	lsCheckDebug(t, e)
	e.Logger("other").Info("root's handler")
	assert.Equal(t, "INFO other root's handler\n", e.out["a"].take())
	errs := lsListenErrors(e)
	assert.Len(t, errs, n, "one report per hostile connection")
	assert.Len(t, e.allReported(), len(errs), "only listener errors")
}

// lsStall waits until the listener closes the connection.
func lsStall(c net.Conn) {
	var b [1]byte
	_, _ = c.Read(b[:])
}

// TestLSMaxConnections shows a client that stalls giving way: with the
// one slot held by a stalled client, the next client takes it at once and
// the stalled one is dropped and reported.
func TestLSMaxConnections(t *testing.T) {
	t.Parallel()
	// The stalled client would hold its slot for a minute: only dropping
	// it lets the good one through within lsSend's bound.
	e, l := lsListen(t, MaxConnections(1), HeaderTimeout(time.Minute), ReadTimeout(time.Minute))
	stalled, err := net.Dial("tcp", l.Addr().String())
	require.NoError(t, err)
	defer stalled.Close()
	_, err = stalled.Write([]byte{0})
	require.NoError(t, err)
	require.NoError(t, lsSend(t, l, lsDebug))
	lsCheckDebug(t, e)
	// The dropped connection's goroutine reports it as it ends.
	require.Eventually(t, func() bool { return len(lsListenErrors(e)) == 1 }, lsBound, time.Millisecond,
		"the stalled client was dropped to make room for the good one, and reported")
	assert.ErrorIs(t, lsListenErrors(e)[0].Err, errShed)
}

func TestLSListenOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		addr string
		opts []ListenOption
		want string
	}{
		{name: "every interface", addr: "0.0.0.0:0", want: "slogconfig: Listen 0.0.0.0:0: 0.0.0.0 is not a loopback address; give a Verify option (such as HMACVerifier) or InsecureAllowRemote to listen beyond this host"},
		{name: "IPv6 every interface", addr: "[::]:0", want: ":: is not a loopback address"},
		{name: "empty host", addr: ":0", want: "an empty host listens on every interface"},
		{name: "bad address", addr: "nope", want: "slogconfig: Listen: address nope: missing port in address"},
		{name: "MaxPayload 0", addr: "127.0.0.1:0", opts: []ListenOption{MaxPayload(0)}, want: "MaxPayload 0: want 1 to 4294967295 bytes"},
		{name: "MaxPayload over the frame", addr: "127.0.0.1:0", opts: []ListenOption{MaxPayload(1 << 32)}, want: "MaxPayload 4294967296"},
		{name: "ReadTimeout 0", addr: "127.0.0.1:0", opts: []ListenOption{ReadTimeout(0)}, want: "ReadTimeout 0s: want a positive duration"},
		{name: "MaxConnections 0", addr: "127.0.0.1:0", opts: []ListenOption{MaxConnections(0)}, want: "MaxConnections 0: want at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := New(WithRegistry(NewRegistry()))
			l, err := m.Listen(tt.addr, tt.opts...)
			if l != nil {
				l.Close()
			}
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

func TestLSCheckLoopbackHost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give string
		ok   bool
	}{
		{name: "localhost", give: "localhost", ok: true},
		{name: "IPv4 loopback", give: "127.0.0.1", ok: true},
		{name: "other IPv4 loopback", give: "127.1.2.3", ok: true},
		{name: "IPv6 loopback", give: "::1", ok: true},
		{name: "unspecified", give: "0.0.0.0"},
		{name: "private address", give: "10.0.0.1"},
		{name: "empty", give: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := checkLoopbackHost(tt.give)
			assert.Equal(t, tt.ok, err == nil, "err = %v", err)
		})
	}
}

// TestLSDefaultAddr binds localhost, as Python does.
func TestLSDefaultAddr(t *testing.T) {
	t.Parallel()
	m := New(WithRegistry(NewRegistry()))
	l, err := m.Listen("localhost:0")
	require.NoError(t, err)
	defer l.Close()
	assert.True(t, l.Addr().(*net.TCPAddr).IP.IsLoopback(), "bound %v", l.Addr())
}

// TestLSPackageListen starts and stops the default Manager's listener
// without sending it anything.
func TestLSPackageListen(t *testing.T) {
	t.Parallel()
	l, err := Listen("127.0.0.1:0")
	require.NoError(t, err)
	_, err = Listen("127.0.0.1:0")
	assert.ErrorContains(t, err, "slogconfig: Listen: already listening on 127.0.0.1:")
	require.NoError(t, StopListening())
	_, err = net.Dial("tcp", l.Addr().String())
	assert.Error(t, err, "the port is closed")
	assert.NoError(t, StopListening(), "nothing to stop")
	l2, err := Listen("127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, l2.Close())
	l3, err := Listen("127.0.0.1:0") // a closed default listener does not count
	require.NoError(t, err)
	require.NoError(t, StopListening())
	assert.NoError(t, l3.Close(), "Close after StopListening")
}

// TestLSNoLeak closes a Listener with connections open and checks that its
// goroutines are gone. Not parallel: it checks the process's goroutines.
func TestLSNoLeak(t *testing.T) {
	goroutines := goleak.IgnoreCurrent()
	e := fcManager(t)
	l, err := e.Listen("127.0.0.1:0", MaxConnections(4))
	require.NoError(t, err)
	var conns []net.Conn
	for range 8 { // 4 served and stalled, 4 waiting to be accepted
		c, err := net.Dial("tcp", l.Addr().String())
		require.NoError(t, err)
		_, err = c.Write([]byte{0, 0, 0, 9})
		require.NoError(t, err)
		conns = append(conns, c)
	}
	require.NoError(t, lsWaitAccepted(l))
	done := make(chan error)
	go func() { done <- l.Close() }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(lsBound):
		t.Fatal("Close did not return within 5s")
	}
	for _, c := range conns {
		c.Close()
	}
	goleak.VerifyNone(t, goroutines, goleakLumberjack)
	assert.NoError(t, l.Close(), "second Close")
	_, err = net.Dial("tcp", l.Addr().String())
	assert.Error(t, err, "the port is closed")
}

// lsWaitAccepted waits until every slot of the listener holds a
// connection.
func lsWaitAccepted(l *Listener) error {
	deadline := time.Now().Add(lsBound)
	for time.Now().Before(deadline) {
		l.mu.Lock()
		n := len(l.conns)
		l.mu.Unlock()
		if n == l.cfg.maxConns {
			return nil
		}
		time.Sleep(time.Millisecond)
	}
	return errors.New("the listener did not fill its slots")
}

// lsBytesConn is a frameConn over bytes: its deadlines mean nothing.
type lsBytesConn struct{ *bytes.Reader }

func (lsBytesConn) SetReadDeadline(time.Time) error { return nil }

func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{0, 0, 0, 2, '{', '}'}, int64(16))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff}, int64(1<<20))
	f.Add([]byte{0, 0}, int64(16))
	f.Add([]byte{0, 0, 0, 0}, int64(16))
	f.Add([]byte{0, 0, 0, 9, '[', 'x'}, int64(16))
	f.Fuzz(func(t *testing.T, data []byte, max int64) {
		if max <= 0 || max > 1<<20 {
			max = 1 << 20
		}
		cfg := listenConfig{maxPayload: max, headerTimeout: time.Second, minRate: 1, readTimeout: time.Second, maxBuffered: 1 << 21}
		var buffered atomic.Int64
		p, err := readFrame(lsBytesConn{bytes.NewReader(data)}, &cfg, &buffered)
		if err != nil {
			if p != nil {
				t.Fatal("payload with an error")
			}
			if buffered.Load() != 0 {
				t.Fatalf("%d buffered bytes left counted after an error", buffered.Load())
			}
			return
		}
		if buffered.Load() != int64(cap(p)) {
			t.Fatalf("%d buffered bytes counted for a payload of capacity %d", buffered.Load(), cap(p))
		}
		if len(data) < 4 {
			t.Fatalf("frame read from %d bytes", len(data))
		}
		size := int(binary.BigEndian.Uint32(data))
		if len(p) != size || int64(size) > max || size == 0 || !bytes.Equal(p, data[4:4+size]) {
			t.Fatalf("payload of %d bytes for a frame of %d (max %d)", len(p), size, max)
		}
	})
}

func ExampleManager_Listen() {
	m := New(WithRegistry(NewRegistry()))
	err := m.DictConfig(map[string]any{
		"version":    1,
		"formatters": map[string]any{"f": map[string]any{"format": "%(levelname)s %(name)s: %(message)s"}},
		"handlers":   map[string]any{"out": map[string]any{"class": "stream", "stream": "ext://sys.stdout", "formatter": "f"}},
		"root":       map[string]any{"level": "INFO", "handlers": []any{"out"}},
	})
	if err != nil {
		panic(err)
	}
	l, err := m.Listen("127.0.0.1:0") // "" is localhost:9030, Python's port
	if err != nil {
		panic(err)
	}
	defer l.Close()

	db := m.Logger("app.db")
	db.Debug("hidden")
	// What `slogconfig send` or a Python client does:
	debug := `{"version": 1, "incremental": true, "loggers": {"app.db": {"level": "DEBUG"}}}`
	fmt.Println("sent:", Send(context.Background(), l.Addr().String(), []byte(debug)))
	db.Debug("shown")
	fmt.Println("refused:", Send(context.Background(), l.Addr().String(), []byte(`{"version": 1, "root": {"level": "LOUD"}}`)))
	// Output:
	// sent: <nil>
	// DEBUG app.db: shown
	// refused: slogconfig: configuration refused: dictConfig refused the JSON configuration:
	// root.level: unknown level: "LOUD"
}

// lsStallers opens n connections that send two bytes of a length header and
// stall, and closes them at the end of the test.
func lsStallers(t testing.TB, addr string, n int) {
	t.Helper()
	conns := make([]net.Conn, 0, n)
	t.Cleanup(func() {
		for _, c := range conns {
			_ = c.Close()
		}
	})
	for range n {
		c, err := net.DialTimeout("tcp", addr, lsBound)
		require.NoError(t, err)
		_, err = c.Write([]byte{0, 0})
		require.NoError(t, err)
		conns = append(conns, c)
	}
}

// lsCountShed counts the connections the Manager was told were dropped to
// make room.
func lsCountShed(e *testEnv) int {
	n := 0
	for _, le := range lsListenErrors(e) {
		if errors.Is(le.Err, errShed) {
			n++
		}
	}
	return n
}

// lsTimedSend sends payload and returns how long the listener took to
// answer, failing the test on an error.
func lsTimedSend(t *testing.T, addr, payload string) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), lsBound)
	defer cancel()
	start := time.Now()
	require.NoError(t, Send(ctx, addr, []byte(payload)))
	return time.Since(start)
}

// TestLSStalledConnectionsDoNotStarve opens 1,000 connections that stall
// after two header bytes, on a listener whose timeouts would let them hold
// their slots for a minute, then sends a good configuration: it is in
// effect within lsTimedSend's bound (the time it took is logged;
// BenchmarkListenBehindStallers measures it), the Listener never held more
// than MaxConnections connections, and every stalled connection beyond
// them is dropped to make room and reported. With the default
// MaxConnections (1,024) all of them fit and none is dropped; with 256,
// most are.
func TestLSStalledConnectionsDoNotStarve(t *testing.T) {
	t.Parallel()
	const stalled = 1000
	for _, slots := range []int{DefaultMaxConnections, 256} {
		t.Run(fmt.Sprint(slots), func(t *testing.T) {
			t.Parallel()
			e, l := lsListen(t, MaxConnections(slots), HeaderTimeout(time.Minute), ReadTimeout(time.Minute))
			addr := l.Addr().String()
			lsStallers(t, addr, stalled)
			took := lsTimedSend(t, addr, lsDebug)
			t.Logf("behind %d stalled connections, with MaxConnections %d, the good configuration took %v", stalled, slots, took)
			lsCheckDebug(t, e)
			l.mu.Lock()
			held := len(l.conns)
			l.mu.Unlock()
			assert.LessOrEqual(t, held, slots, "connections held at once")
			want := max(0, stalled+1-slots)
			assert.Eventually(t, func() bool { return lsCountShed(e) >= want }, lsBound, time.Millisecond,
				"connections dropped to make room, each reported: want %d", want)
		})
	}
}

// BenchmarkListenBehindStallers measures how long a good client waits
// for its configuration to be in effect on a listener with 1,000
// connections stalled after two header bytes (timeouts of a minute, so
// none gives up by itself), next to an idle listener.
func BenchmarkListenBehindStallers(b *testing.B) {
	for _, stalled := range []int{0, 1000} {
		b.Run(fmt.Sprintf("stalled=%d", stalled), func(b *testing.B) {
			_, l := lsListen(b, HeaderTimeout(time.Minute), ReadTimeout(time.Minute))
			addr := l.Addr().String()
			lsStallers(b, addr, stalled)
			ctx := context.Background()
			payload := []byte(lsDebug)
			for b.Loop() {
				if err := Send(ctx, addr, payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestLSReconnectingStallers keeps 300 clients stalling and reconnecting
// as soon as they are dropped, on a listener whose timeouts would let them
// hold their slots for a minute, while a good client sends: it is answered
// within lsTimedSend's bound (the time it took is logged).
func TestLSReconnectingStallers(t *testing.T) {
	t.Parallel()
	// Stalled connections would hold their slots for a minute.
	e, l := lsListen(t, MaxConnections(64), HeaderTimeout(time.Minute), ReadTimeout(time.Minute))
	addr := l.Addr().String()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var reconnects atomic.Int64
	for range 300 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				c, err := net.DialTimeout("tcp", addr, time.Second)
				if err != nil {
					continue
				}
				_ = c.SetDeadline(time.Now().Add(30 * time.Second))
				_, _ = c.Write([]byte{0})
				lsStall(c) // until dropped
				_ = c.Close()
				reconnects.Add(1)
			}
		}()
	}
	time.Sleep(300 * time.Millisecond) // let the stallers fill the slots
	took := lsTimedSend(t, addr, lsDebug)
	close(stop)
	require.NoError(t, l.Close()) // ends the stallers still connected
	wg.Wait()
	t.Logf("with 300 reconnecting stallers (%d reconnections) the good configuration took %v", reconnects.Load(), took)
	lsCheckDebug(t, e)
}

// TestLSGarbageFlood sends 1,000 connections of random bytes: each gets a
// status or a clean close and is reported once, and the Listener then
// applies a good configuration.
func TestLSGarbageFlood(t *testing.T) {
	t.Parallel()
	const n = 1000
	e, l := lsListen(t, HeaderTimeout(200*time.Millisecond), ReadTimeout(time.Second))
	addr := l.Addr().String()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 100)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			r := rand.New(rand.NewPCG(uint64(i), 7))
			garbage := make([]byte, r.IntN(64))
			for j := range garbage {
				garbage[j] = byte(r.Uint32())
			}
			if i%3 == 0 && len(garbage) >= 4 {
				binary.BigEndian.PutUint32(garbage, uint32(len(garbage)-4)) // a frame of garbage
			}
			got := lsRaw(t, addr, garbage, true)
			if got != "" {
				var st listenStatus
				assert.NoError(t, json.Unmarshal([]byte(got), &st), "status %q", got)
			}
		}()
	}
	wg.Wait()
	require.NoError(t, lsSend(t, l, lsDebug))
	lsCheckDebug(t, e)
	assert.Eventually(t, func() bool { return len(lsListenErrors(e)) >= n }, lsBound, 10*time.Millisecond)
}

// TestLSStatusesArrive has 20 clients write, like Python's, all they
// send before reading the answer, in pieces that arrive after the
// listener has answered: half a good frame followed by trailing bytes,
// half a frame refused on its length. Every client finishes writing and
// gets its status, because the listener reads what is still coming
// instead of resetting the connection.
func TestLSStatusesArrive(t *testing.T) {
	t.Parallel()
	e, l := lsListen(t, MaxPayload(1024))
	addr := l.Addr().String()
	var wg sync.WaitGroup
	statuses := make(chan string, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.DialTimeout("tcp", addr, lsBound)
			if !assert.NoError(t, err) {
				return
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(lsBound))
			head := append(lsFrame([]byte(lsDebug)), lsDebug...)
			rest := bytes.Repeat([]byte("trailing"), 6<<10)
			if i%2 == 1 {
				rest = bytes.Repeat([]byte("x"), 48<<10)
				head = lsFrame(rest)
			}
			if _, err := c.Write(head); !assert.NoError(t, err) {
				return
			}
			for chunk := range slices.Chunk(rest, 8<<10) {
				time.Sleep(20 * time.Millisecond)
				if _, err := c.Write(chunk); !assert.NoError(t, err, "writing after the frame") {
					return
				}
			}
			var hdr [4]byte
			if _, err := io.ReadFull(c, hdr[:]); !assert.NoError(t, err, "reading the status") {
				return
			}
			body := make([]byte, binary.BigEndian.Uint32(hdr[:]))
			if _, err := io.ReadFull(c, body); assert.NoError(t, err) {
				statuses <- string(body)
			}
		}()
	}
	wg.Wait()
	close(statuses)
	var ok, refused int
	for st := range statuses {
		switch {
		case st == `{"ok":true}`:
			ok++
		case strings.Contains(st, "over the limit of 1024"):
			refused++
		default:
			t.Errorf("unexpected status %q", st)
		}
	}
	assert.Equal(t, [2]int{10, 10}, [2]int{ok, refused}, "statuses received: ok, refused")
	lsCheckDebug(t, e)
}

// TestLSBigRefusedPayload sends a refused configuration of 1 MiB whose
// error would quote most of it: the status stays a few hundred bytes.
func TestLSBigRefusedPayload(t *testing.T) {
	t.Parallel()
	e, l := lsListen(t)
	loud := strings.Repeat("L", 1<<20-100)
	payload := `{"version": 1, "root": {"level": "` + loud + `"}, "loggers": {"a": {"level": "quiet"}}}`
	require.LessOrEqual(t, len(payload), DefaultMaxPayload)
	err := lsSend(t, l, payload)
	var re *RemoteError
	require.ErrorAs(t, err, &re)
	assert.LessOrEqual(t, len(re.Msg), 600, "status of %d bytes", len(re.Msg))
	assert.Contains(t, re.Msg, "root.level: unknown level")
	full := lsListenErrors(e)
	require.Len(t, full, 1)
	assert.True(t, strings.Contains(full[0].Err.Error(), loud), "the error handler gets the whole error")
}

// TestLSNothingOfTheHost sends, with a secret in the environment,
// configurations that would read it back (env:// in a level, a class
// name, a format and a file name) or probe the file system (mode "x", a
// file in a directory that does not exist): each is refused, and no status
// carries the secret or an error of the file system.
func TestLSNothingOfTheHost(t *testing.T) {
	const secret = "s3cr3t-0f-the-h0st"
	t.Setenv("SLOGTREE_LS_SECRET", secret)
	dir := t.TempDir()
	e, l := lsListen(t)
	tests := []struct {
		name string
		give string
		want string
	}{
		{name: "level", give: `{"version": 1, "root": {"level": "env://SLOGTREE_LS_SECRET"}}`, want: "env:// is not allowed"},
		{name: "class", give: `{"version": 1, "handlers": {"h": {"class": "env://SLOGTREE_LS_SECRET"}}}`, want: "env:// is not allowed"},
		{name: "format", give: `{"version": 1, "formatters": {"f": {"format": "env://SLOGTREE_LS_SECRET"}}}`, want: "env:// is not allowed"},
		{name: "filename", give: `{"version": 1, "handlers": {"h": {"class": "file", "filename": "env://SLOGTREE_LS_SECRET"}}, "root": {"handlers": ["h"]}}`, want: "env:// is not allowed"},
		{name: "mode x", give: `{"version": 1, "handlers": {"h": {"class": "file", "filename": ` + jsonQuote(dir+"/x.log") + `, "mode": "x"}}}`, want: `mode "x" is not accepted`},
		{name: "missing directory", give: `{"version": 1, "handlers": {"h": {"class": "file", "filename": ` + jsonQuote(dir+"/no/such.log") + `}}}`, want: "handlers.h: could not be built"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := lsSend(t, l, tt.give)
			var re *RemoteError
			require.ErrorAs(t, err, &re)
			assert.Contains(t, re.Msg, tt.want)
			assert.NotContains(t, re.Msg, secret)
			assert.NotContains(t, re.Msg, "no such file")
		})
	}
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, ents, "a refused configuration created a file")
	fcCheckGood(t, e)

	// AllowEnv lets a Listener's configurations read the environment.
	t.Setenv("SLOGTREE_LS_LEVEL", "DEBUG")
	e2, l2 := lsListen(t, AllowEnv())
	require.NoError(t, lsSend(t, l2, `{"version": 1, "incremental": true, "loggers": {"app": {"level": "env://SLOGTREE_LS_LEVEL"}}}`))
	lsCheckDebug(t, e2)
}

// TestLSLevelNames checks that level names, which are process-wide, are
// refused from the network unless a Listener allows them, and always by an
// IncrementalOnly Listener.
func TestLSLevelNames(t *testing.T) {
	t.Parallel()
	name := fmt.Sprintf("LsNoise%d", time.Now().UnixNano())
	give := `{"version": 1, "incremental": true, "slogtree_levels": {"` + name + `": "ERROR"}}`
	for _, opts := range [][]ListenOption{{IncrementalOnly()}, nil, {IncrementalOnly(), AllowLevelNames()}} {
		_, l := lsListen(t, opts...)
		var re *RemoteError
		require.ErrorAs(t, lsSend(t, l, give), &re)
		assert.Contains(t, re.Msg, "level names are process-wide")
	}
	_, err := levels.ParseName(name)
	require.Error(t, err, "a refused configuration registered its level name")
	assert.Equal(t, "ERROR", levels.Name(slog.LevelError))

	_, l := lsListen(t, AllowLevelNames())
	require.NoError(t, lsSend(t, l, `{"version": 1, "slogtree_levels": {"`+name+`": "INFO+7"}, "root": {"level": "`+name+`"}}`))
	got, err := levels.ParseName(name)
	require.NoError(t, err)
	assert.Equal(t, slog.LevelInfo+7, got.Slog)
}

// FuzzListener sends arbitrary bytes to a live Listener: a status or a
// clean close comes back, within bounds, and the Manager still applies a
// configuration and logs through it.
func FuzzListener(f *testing.F) {
	for _, s := range []string{lsGood, lsDebug, fcINI, `{"version": 1, "root": {"level": "LOUD"}}`, "", "[]"} {
		f.Add(append(lsFrame([]byte(s)), s...))
	}
	f.Add([]byte{0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1})
	e := newTestEnvAt(f, "cap", "a")
	l, err := e.Listen("127.0.0.1:0", AllowHandlerClasses("stream", "logging.StreamHandler", "null", "logging.NullHandler"),
		HeaderTimeout(100*time.Millisecond), ReadTimeout(500*time.Millisecond), MaxPayload(64<<10))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = l.Close() })
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := net.DialTimeout("tcp", l.Addr().String(), lsBound)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(lsBound))
		_, _ = c.Write(data)
		_ = c.(*net.TCPConn).CloseWrite()
		reply, err := io.ReadAll(io.LimitReader(c, maxListenStatus))
		if err != nil {
			t.Fatalf("reading the reply to %q: %v", data, err)
		}
		if len(reply) > 0 {
			if len(reply) < 4 || int(binary.BigEndian.Uint32(reply)) != len(reply)-4 {
				t.Fatalf("reply %q to %q is not one status frame", reply, data)
			}
			var st listenStatus
			if err := json.Unmarshal(reply[4:], &st); err != nil {
				t.Fatalf("status %q to %q: %v", reply[4:], data, err)
			}
			if len(st.Error) > maxStatusError+100 {
				t.Fatalf("status of %d bytes to %q", len(st.Error), data)
			}
		}
		if err := e.DictConfig(jsonConfig(t, lsGood)); err != nil {
			t.Fatalf("after %q: %v", data, err)
		}
		e.Logger("").Info("works")
		if got := e.out["a"].take(); !strings.HasSuffix(got, "INFO root works\n") {
			t.Fatalf("after %q the Manager logs %q", data, got)
		}
	})
}
