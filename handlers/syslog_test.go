//go:build unix

package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/slogtest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/formatters"
	"github.com/slogtree/slogtree/internal/levels"
	"github.com/slogtree/slogtree/internal/testutil"
)

// syslogNoticeLevel is the custom level the syslog tests name NOTICE
// (Python's 25): no other test of the package uses it, as level names are
// process-wide.
const syslogNoticeLevel = slog.LevelInfo + 2

var syslogNoticeOnce sync.Once

func registerSyslogNotice(t testing.TB) {
	syslogNoticeOnce.Do(func() {
		require.NoError(t, formatters.RegisterLevelName("NOTICE", syslogNoticeLevel))
	})
}

// syslogReceiver is a syslog server for the tests: it keeps each datagram,
// or the bytes of each stream connection once the client closes it, in
// the order the connections were accepted.
type syslogReceiver struct {
	network string // the handler's: "udp", "tcp", "unixgram", "unix"
	addr    string // "127.0.0.1:port" or a path

	mu      sync.Mutex
	got     [][]byte
	done    []bool // for streams: connection i was closed by the client
	arrived chan struct{}
	stop    func()
}

// startSyslogReceiver starts a server of network on loopback (or on a
// socket in a temporary directory), stopped when the test ends.
func startSyslogReceiver(t *testing.T, network string) *syslogReceiver {
	t.Helper()
	r := &syslogReceiver{network: network, arrived: make(chan struct{}, 1)}
	var wg sync.WaitGroup
	switch network {
	case "udp", "unixgram":
		var pc net.PacketConn
		var err error
		if network == "udp" {
			pc, err = net.ListenPacket("udp", "127.0.0.1:0")
		} else {
			pc, err = net.ListenPacket("unixgram", filepath.Join(t.TempDir(), "log"))
		}
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
				r.mu.Lock()
				r.got = append(r.got, bytes.Clone(buf[:n]))
				r.done = append(r.done, true)
				r.mu.Unlock()
				r.signal()
			}
		}()
		r.stop = func() { _ = pc.Close() }
	default:
		var l net.Listener
		var err error
		if network == "tcp" {
			l, err = net.Listen("tcp", "127.0.0.1:0")
		} else {
			l, err = net.Listen("unix", filepath.Join(t.TempDir(), "log"))
		}
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
				r.mu.Lock()
				i := len(r.got)
				r.got = append(r.got, nil)
				r.done = append(r.done, false)
				r.mu.Unlock()
				wg.Add(1)
				go func() {
					defer wg.Done()
					b, _ := io.ReadAll(c)
					r.mu.Lock()
					r.got[i], r.done[i] = b, true
					r.mu.Unlock()
					r.signal()
				}()
			}
		}()
		r.stop = func() {
			_ = l.Close()
			conns.Range(func(c, _ any) bool { _ = c.(net.Conn).Close(); return true })
		}
	}
	t.Cleanup(func() {
		r.stop()
		wg.Wait()
	})
	return r
}

func (r *syslogReceiver) signal() {
	select {
	case r.arrived <- struct{}{}:
	default:
	}
}

// wait returns the first n datagrams or closed connections, failing the
// test if they do not come within 10 s.
func (r *syslogReceiver) wait(t *testing.T, n int) [][]byte {
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
			got := r.got[:n:n]
			r.mu.Unlock()
			return got
		}
		have := len(r.got)
		r.mu.Unlock()
		select {
		case <-r.arrived:
		case <-limit.C:
			t.Fatalf("%s receiver: %d of %d messages after 10 s", r.network, have, n)
		}
	}
}

// count returns the number of datagrams or connections so far.
func (r *syslogReceiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// syslogCase is one handler of TestSyslogMatchesCPython: made, used for
// its records, closed.
type syslogCase struct {
	Facility  any      `json:"facility"` // a name or a number
	Ident     *string  `json:"ident,omitempty"`
	AppendNUL *bool    `json:"append_nul,omitempty"`
	Format    *string  `json:"format"` // nil: no formatter
	Logger    string   `json:"logger"`
	Records   [][2]any `json:"records"` // [Python level, message]
}

type syslogRun struct {
	Address  any            `json:"address"`  // [host, port] or a path
	Socktype *string        `json:"socktype"` // nil, "udp" or "tcp"
	Cases    []syslogCase   `json:"cases"`
	opts     *SyslogOptions // the handler options but facility and the case's own
}

func syslogCases() []syslogCase {
	str := func(s string) *string { return &s }
	no := false
	records := [][2]any{
		{10, "debug message"}, {20, "info message"}, {30, "warning message"}, {40, "error message"},
		{50, "critical message"}, {25, "notice: a custom level"}, {15, "level 15 has no name"},
		{20, "héllo wörld ✓ 日本語"}, {40, "tab\there, and % signs %s %d"},
	}
	format := str("%(name)s[%(levelname)s]: %(message)s")
	return []syslogCase{
		{Facility: 1, Format: format, Logger: "app", Records: records},
		{Facility: "local6", Format: format, Logger: "app.db", Ident: str("myapp: "), Records: records},
		{Facility: 22, Format: str("%(levelname)s %(message)s"), Logger: "x", AppendNUL: &no, Records: records},
		{Facility: "kern", Format: nil, Logger: "root", Ident: str("ïdent "), AppendNUL: &no, Records: records},
		{Facility: "local7", Format: format, Logger: "a.b.c", Records: records[:3]},
	}
}

// TestSyslogMatchesCPython sends the same records through CPython's
// SysLogHandler and through SyslogHandler to servers over UDP, TCP, a Unix
// datagram socket and a Unix stream socket, and compares what the servers
// got, byte for byte.
func TestSyslogMatchesCPython(t *testing.T) {
	py := testutil.Python3(t)
	registerSyslogNotice(t)
	udp, tcp := "udp", "tcp"
	for _, network := range []string{"udp", "tcp", "unixgram", "unix"} {
		t.Run(network, func(t *testing.T) {
			t.Parallel()
			pyRecv := startSyslogReceiver(t, network)
			goRecv := startSyslogReceiver(t, network)
			run := func(r *syslogReceiver) syslogRun {
				run := syslogRun{Cases: syslogCases()}
				switch network {
				case "udp", "tcp":
					host, port, err := net.SplitHostPort(r.addr)
					require.NoError(t, err)
					p, err := strconv.Atoi(port)
					require.NoError(t, err)
					run.Address = []any{host, p}
					run.opts = &SyslogOptions{Address: r.addr}
					if network == "tcp" {
						run.Socktype, run.opts.Network = &tcp, "tcp"
					} else {
						run.Socktype = &udp
					}
				default:
					// socktype None: CPython tries a datagram socket, then a
					// stream socket.
					run.Address = r.addr
					run.opts = &SyslogOptions{Path: r.addr}
				}
				return run
			}
			pyRun, goRun := run(pyRecv), run(goRecv)

			in, err := json.Marshal(map[string]any{"runs": []syslogRun{pyRun}})
			require.NoError(t, err)
			cmd := exec.CommandContext(t.Context(), py, filepath.Join("testdata", "pysyslog.py"))
			cmd.Stdin = bytes.NewReader(in)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			require.NoError(t, cmd.Run(), "pysyslog.py: %s", stderr.String())
			assert.Equal(t, "[]", stdout.String(), "CPython's handler errors")

			n := 0
			for _, c := range goRun.Cases {
				sendSyslogCase(t, goRun.opts, c)
				n += len(c.Records)
			}
			if network == "tcp" || network == "unix" {
				n = len(goRun.Cases) // one stream per handler
			}
			want, got := pyRecv.wait(t, n), goRecv.wait(t, n)
			require.Len(t, got, len(want))
			for i := range want {
				assert.Equal(t, string(want[i]), string(got[i]), "message %d", i)
			}
			assert.Equal(t, n, pyRecv.count(), "CPython sent more")
			assert.Equal(t, n, goRecv.count(), "slogtree sent more")
		})
	}
}

// sendSyslogCase sends c's records through a SyslogHandler made with opts
// and c's settings, then closes it.
func sendSyslogCase(t *testing.T, opts *SyslogOptions, c syslogCase) {
	t.Helper()
	o := *opts
	switch f := c.Facility.(type) {
	case string:
		o.Facility = f
	case int:
		name, ok := FacilityName(f)
		require.True(t, ok)
		o.Facility = name
	}
	if c.Ident != nil {
		o.Ident = *c.Ident
	}
	o.OmitNUL = c.AppendNUL != nil && !*c.AppendNUL
	if c.Format != nil {
		f, err := formatters.NewPattern(&formatters.PatternOptions{Format: *c.Format})
		require.NoError(t, err)
		o.Formatter = f
	}
	h, err := NewSyslogHandler(&o)
	require.NoError(t, err)
	lh := formatters.WithLoggerName(h, c.Logger)
	for _, rec := range c.Records {
		level := levels.FromPython(rec[0].(int)).Slog
		require.NoError(t, lh.Handle(context.Background(), slog.NewRecord(time.Now(), level, rec[1].(string), 0)))
	}
	require.NoError(t, h.Close())
}

// TestSyslogPriority checks the priority of each level: facility×8 plus
// the severity Python's mapPriority gives the level's name.
func TestSyslogPriority(t *testing.T) {
	registerSyslogNotice(t)
	tests := []struct {
		give slog.Level
		want int
	}{
		{slog.LevelDebug, 7},
		{slog.LevelInfo, 6},
		{slog.LevelWarn, 4},
		{slog.LevelError, 3},
		{levels.Critical, 2},
		{syslogNoticeLevel, 4},   // NOTICE is not in priority_map
		{slog.LevelDebug - 4, 4}, // NOTSET
		{slog.LevelDebug + 2, 4}, // Level 15
		{levels.Critical + 1, 4}, // Level 52
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, syslogSeverity(tt.give), "level %v (%s)", tt.give, levels.Name(tt.give))
	}
}

func TestParseFacility(t *testing.T) {
	for i, name := range syslogFacilities {
		n, err := ParseFacility(name)
		require.NoError(t, err)
		assert.Equal(t, i, n)
		got, ok := FacilityName(i)
		assert.True(t, ok)
		assert.Equal(t, name, got)
	}
	_, err := ParseFacility("LOCAL6")
	assert.EqualError(t, err, `unknown facility "LOCAL6": facility names are lower case, as in Python: "local6"`)
	_, err = ParseFacility("nope")
	assert.ErrorContains(t, err, `unknown facility "nope" (want one of kern, user,`)
	for _, n := range []int{-1, 24} {
		_, ok := FacilityName(n)
		assert.False(t, ok, "facility %d", n)
	}
}

func TestCheckSyslog(t *testing.T) {
	tests := []struct {
		name string
		give SyslogOptions
		want string // "" for no error
	}{
		{"zero", SyslogOptions{}, ""},
		{"tcp", SyslogOptions{Address: "[::1]:601", Network: "tcp"}, ""},
		{"path", SyslogOptions{Path: "/dev/log", Network: "unixgram"}, ""},
		{"no port", SyslogOptions{Address: "localhost"}, `syslog: address "localhost": want "host:port": address localhost: missing port in address`},
		{"port 0", SyslogOptions{Address: "localhost:0"}, `syslog: address "localhost:0": want a port number 1-65535`},
		{"port name", SyslogOptions{Address: "localhost:syslog"}, `syslog: address "localhost:syslog": want a port number 1-65535`},
		{"no host", SyslogOptions{Address: ":514"}, `syslog: address ":514": no host`},
		{"network for path", SyslogOptions{Path: "/dev/log", Network: "udp"}, `syslog: network "udp" with a Unix socket path: want "unixgram", "unix" or ""`},
		{"network for address", SyslogOptions{Network: "unix"}, `syslog: network "unix" with a host and port: want "udp" or "tcp"`},
		{"facility", SyslogOptions{Facility: "nope"}, `syslog: unknown facility "nope"`},
		{"timeout", SyslogOptions{Timeout: -time.Second}, `syslog: negative timeout -1s`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckSyslog(&tt.give)
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.want)
			_, err2 := NewSyslogHandler(&tt.give)
			assert.Equal(t, err.Error(), err2.Error(), "NewSyslogHandler checks as CheckSyslog does")
		})
	}
}

// freeUDPAddr returns a loopback UDP address where nothing listens.
func freeUDPAddr(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := pc.LocalAddr().String()
	require.NoError(t, pc.Close())
	return addr
}

// freeTCPAddr returns a loopback TCP address where nothing listens.
func freeTCPAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func syslogRecord(msg string) slog.Record {
	return slog.NewRecord(time.Now(), slog.LevelError, msg, 0)
}

// With no server, UDP records are not errors, as in CPython, which sends
// from an unconnected socket: the ICMP port-unreachable reaches no one.
func TestSyslogUDPNoServer(t *testing.T) {
	t.Parallel()
	h, err := NewSyslogHandler(&SyslogOptions{Address: freeUDPAddr(t)})
	require.NoError(t, err)
	defer h.Close()
	for i := range 5 {
		assert.NoError(t, h.Handle(context.Background(), syslogRecord(fmt.Sprint("record ", i))), "record %d", i)
	}
}

// A TCP server that is not there fails the constructor, as CPython's
// constructor raises ConnectionRefusedError.
func TestSyslogTCPNoServer(t *testing.T) {
	t.Parallel()
	_, err := NewSyslogHandler(&SyslogOptions{Address: freeTCPAddr(t), Network: "tcp"})
	assert.ErrorIs(t, err, syscall.ECONNREFUSED)
}

// A host that does not resolve fails the constructor, over UDP and TCP, as
// CPython's getaddrinfo raises, within the timeout.
func TestSyslogHostDoesNotResolve(t *testing.T) {
	t.Parallel()
	for _, network := range []string{"udp", "tcp"} {
		_, err := NewSyslogHandler(&SyslogOptions{Address: "nosuch.invalid:514", Network: network, Timeout: 2 * time.Second})
		require.Error(t, err, network)
		var dnsErr *net.DNSError
		assert.ErrorAs(t, err, &dnsErr, "%s: %v", network, err)
	}
}

// A Unix socket that is not there is not an error for the constructor,
// as in CPython; each record fails, then reaches the server once it is
// there.
func TestSyslogUnixReconnects(t *testing.T) {
	t.Parallel()
	for _, network := range []string{"", "unixgram", "unix"} {
		t.Run("network="+network, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "log")
			h, err := NewSyslogHandler(&SyslogOptions{Path: path, Network: network, OmitNUL: true})
			require.NoError(t, err)
			defer h.Close()
			for i := range 3 {
				err := h.Handle(context.Background(), syslogRecord(fmt.Sprint("lost ", i)))
				assert.ErrorIs(t, err, os.ErrNotExist, "record %d", i)
			}
			serverNet := network
			if serverNet == "" {
				serverNet = "unix" // a stream server: the datagram attempt fails first
			}
			var got []byte
			var wg sync.WaitGroup
			if serverNet == "unixgram" {
				pc, err := net.ListenPacket("unixgram", path)
				require.NoError(t, err)
				defer pc.Close()
				require.NoError(t, h.Handle(context.Background(), syslogRecord("found")))
				buf := make([]byte, 1024)
				n, _, err := pc.ReadFrom(buf)
				require.NoError(t, err)
				got = buf[:n]
			} else {
				l, err := net.Listen("unix", path)
				require.NoError(t, err)
				defer l.Close()
				wg.Add(1)
				go func() {
					defer wg.Done()
					c, err := l.Accept()
					if err != nil {
						return
					}
					got, _ = io.ReadAll(c)
					_ = c.Close()
				}()
				require.NoError(t, h.Handle(context.Background(), syslogRecord("found")))
				require.NoError(t, h.Close())
				wg.Wait()
			}
			assert.Equal(t, "<11>found", string(got))
		})
	}
}

// A TCP server that accepts and stops reading holds the writer no longer
// than the timeout: each caller gets an error, the connection is dropped,
// and the next record connects again.
func TestSyslogTCPStalledServer(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	accepted := make(chan net.Conn, 16)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- c // never read
		}
	}()
	defer func() {
		_ = l.Close()
		wg.Wait()
		close(accepted)
		for c := range accepted {
			_ = c.Close()
		}
	}()

	h, err := NewSyslogHandler(&SyslogOptions{Address: l.Addr().String(), Network: "tcp", Timeout: 50 * time.Millisecond})
	require.NoError(t, err)
	defer h.Close()
	big := strings.Repeat("x", 64<<10)
	var first error
	for i := 0; first == nil; i++ {
		require.Less(t, i, 10000, "the socket buffers never filled")
		first = h.Handle(context.Background(), syslogRecord(big))
	}
	assert.True(t, isTimeout(first), "%v", first)

	// Callers at once: every one returns, each with its record sent or an
	// error (a timeout, or the wait for the one before).
	var callers sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		callers.Add(1)
		go func() {
			defer callers.Done()
			errs[i] = h.Handle(context.Background(), syslogRecord(big))
		}()
	}
	returned := make(chan struct{})
	go func() { callers.Wait(); close(returned) }()
	select {
	case <-returned:
	case <-time.After(30 * time.Second):
		t.Fatal("callers of a stalled syslog server still blocked after 30 s")
	}
	for i, err := range errs {
		if err != nil {
			assert.True(t, isTimeout(err), "caller %d: %v", i, err)
			assert.NotContains(t, err.Error(), "not connected", "caller %d: a dial that ran out of the record's time started a backoff", i)
		}
	}
	// The handler connected again after the timeout: the server accepts a
	// second connection.
	for wait := time.Now(); len(accepted) < 2; time.Sleep(time.Millisecond) {
		require.Less(t, time.Since(wait), 10*time.Second, "no second connection after 10 s")
	}
}

// Close interrupts a send blocked on a stalled server: the caller gets
// ErrClosed at once, not at the end of its timeout.
func TestSyslogCloseInterruptsSend(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var held []net.Conn
	var mu sync.Mutex
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	defer func() {
		_ = l.Close()
		wg.Wait()
		for _, c := range held {
			_ = c.Close()
		}
	}()
	h, err := NewSyslogHandler(&SyslogOptions{Address: l.Addr().String(), Network: "tcp", Timeout: time.Hour})
	require.NoError(t, err)
	big := syslogRecord(strings.Repeat("x", 1<<20))
	done := make(chan error, 1)
	go func() {
		for {
			if err := h.Handle(context.Background(), big); err != nil {
				done <- err
				return
			}
		}
	}()
	// Wait until the sender is blocked: its buffers are full.
	for {
		time.Sleep(10 * time.Millisecond)
		select {
		case err := <-done:
			t.Fatalf("send failed before Close: %v", err)
		default:
		}
		if !tryAcquire(h.s) {
			break
		}
	}
	require.NoError(t, h.Close())
	select {
	case err := <-done:
		assert.ErrorIs(t, err, ErrClosed)
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not interrupt the send")
	}
	assert.ErrorIs(t, h.Handle(context.Background(), syslogRecord("after")), ErrClosed)
}

// isTimeout reports whether err is a timeout: of a write, a dial, or the
// wait for the records before.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// tryAcquire reports whether s's send lock was free (and frees it again).
func tryAcquire(s *syslogSender) bool {
	select {
	case s.sem <- struct{}{}:
		<-s.sem
		return true
	default:
		return false
	}
}

// A server that closes the connection: the handler connects again and the
// records after it arrive.
func TestSyslogTCPReconnects(t *testing.T) {
	t.Parallel()
	recv := startSyslogReceiver(t, "tcp")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	// A proxy that closes the first connection at once and passes the
	// later ones to recv.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			c, err := l.Accept()
			if err != nil {
				return
			}
			if i == 0 {
				_ = c.Close()
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				up, err := net.Dial("tcp", recv.addr)
				if err != nil {
					return
				}
				_, _ = io.Copy(up, c)
				_ = up.Close()
			}()
		}
	}()
	defer func() { _ = l.Close(); wg.Wait() }()

	h, err := NewSyslogHandler(&SyslogOptions{Address: l.Addr().String(), Network: "tcp", OmitNUL: true})
	require.NoError(t, err)
	var sent []string
	for i := 0; recv.count() == 0; i++ {
		require.Less(t, i, 1000, "the handler never connected again")
		msg := fmt.Sprintf("r%d;", i)
		if h.Handle(context.Background(), syslogRecord(msg)) == nil {
			sent = append(sent, msg)
		}
		time.Sleep(time.Millisecond)
	}
	for i := range 3 {
		msg := fmt.Sprintf("after%d;", i)
		require.NoError(t, h.Handle(context.Background(), syslogRecord(msg)))
		sent = append(sent, msg)
	}
	require.NoError(t, h.Close())
	got := string(recv.wait(t, 1)[0])
	assert.True(t, strings.HasSuffix(got, "<11>after0;<11>after1;<11>after2;"), "the new connection got %q", got)
	assert.NotEmpty(t, sent)
}

// TestSyslogConcurrent logs from many goroutines: every record arrives
// whole, in one datagram.
func TestSyslogConcurrent(t *testing.T) {
	t.Parallel()
	recv := startSyslogReceiver(t, "unixgram")
	h, err := NewSyslogHandler(&SyslogOptions{Path: recv.addr, Timeout: 10 * time.Second})
	require.NoError(t, err)
	const goroutines, each = 8, 50
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lh := h.WithAttrs([]slog.Attr{slog.Int("g", g)})
			for i := range each {
				assert.NoError(t, lh.Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelInfo, fmt.Sprint("m", i), 0)))
			}
		}()
	}
	wg.Wait()
	require.NoError(t, h.Close())
	got := recv.wait(t, goroutines*each)
	seen := map[string]bool{}
	for _, m := range got {
		s := string(m)
		require.True(t, strings.HasPrefix(s, "<14>m") && strings.HasSuffix(s, "\x00"), "message %q", s)
		assert.False(t, seen[s], "%q twice", s)
		seen[s] = true
	}
	assert.Len(t, seen, goroutines*each)
}

// TestSyslogSlogtest runs testing/slogtest over a SyslogHandler with a
// JSON formatter, reading each record back from a UDP server.
func TestSyslogSlogtest(t *testing.T) {
	recv := startSyslogReceiver(t, "udp")
	var h *SyslogHandler
	n := 0
	slogtest.Run(t, func(t *testing.T) slog.Handler {
		var err error
		h, err = NewSyslogHandler(&SyslogOptions{Address: recv.addr, OmitNUL: true, Formatter: formatters.NewJSON(nil)})
		require.NoError(t, err)
		return h
	}, func(t *testing.T) map[string]any {
		require.NoError(t, h.Close())
		n++ // each case logs one record
		msg := recv.wait(t, n)[n-1]
		_, body, ok := bytes.Cut(msg, []byte(">"))
		require.True(t, ok, "%q", msg)
		var m map[string]any
		require.NoError(t, json.Unmarshal(body, &m), "%q", body)
		return m
	})
}

// TestAllocsSyslogHandle: sending a record of up to five attributes with
// the pattern formatter allocates nothing, over UDP and a Unix datagram
// socket.
func TestAllocsSyslogHandle(t *testing.T) {
	if testutil.RaceEnabled {
		t.Skip("the race detector allocates")
	}
	f, err := formatters.NewPattern(&formatters.PatternOptions{Format: "%(name)s[%(levelname)s]: %(message)s"})
	require.NoError(t, err)
	for _, network := range []string{"udp", "unixgram"} {
		opts := syslogDrain(t, network)
		opts.Formatter, opts.Ident = f, "app: "
		h, err := NewSyslogHandler(opts)
		require.NoError(t, err)
		lh := formatters.WithLoggerName(h, "app.db")
		five := []slog.Attr{slog.String("user", "alice"), slog.Int("n", 7), slog.Float64("f", 3.25), slog.Bool("ok", true),
			slog.Group("req", slog.String("id", "r-2"))}
		ctx := context.Background()
		for n := 0; n <= len(five); n++ {
			r := slog.NewRecord(time.Now(), slog.LevelWarn, "disk almost full", 0)
			r.AddAttrs(five[:n]...)
			got := testing.AllocsPerRun(1000, func() {
				if err := lh.Handle(ctx, r); err != nil {
					t.Fatal(err)
				}
			})
			assert.Zero(t, got, "%s: allocations per record of %d attributes", network, n)
		}
		require.NoError(t, h.Close())
	}
}

// syslogDrain starts a server of network that reads and drops every
// message without allocating, and returns the options of a handler that
// sends to it.
func syslogDrain(tb testing.TB, network string) *SyslogOptions {
	tb.Helper()
	var pc net.PacketConn
	var err error
	var opts SyslogOptions
	if network == "udp" {
		pc, err = net.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(tb, err)
		opts.Address = pc.LocalAddr().String()
	} else {
		pc, err = net.ListenPacket("unixgram", filepath.Join(tb.TempDir(), "log"))
		require.NoError(tb, err)
		opts.Path = pc.LocalAddr().String()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Read, unlike ReadFrom, allocates no address: the allocation
		// tests count this goroutine's allocations too.
		r := pc.(io.Reader)
		buf := make([]byte, 1<<17)
		for {
			if _, err := r.Read(buf); err != nil {
				return
			}
		}
	}()
	tb.Cleanup(func() {
		_ = pc.Close()
		<-done
	})
	return &opts
}

func BenchmarkSyslogHandle(b *testing.B) {
	for _, network := range []string{"udp", "unixgram"} {
		b.Run(network, func(b *testing.B) {
			h, err := NewSyslogHandler(syslogDrain(b, network))
			require.NoError(b, err)
			defer h.Close()
			r := slog.NewRecord(time.Now(), slog.LevelInfo, "hello world", 0)
			r.AddAttrs(slog.Int("n", 1), slog.String("k", "v"))
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if err := h.Handle(ctx, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
