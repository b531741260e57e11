package handlers

// The receivers the tests of SocketHandler, DatagramHandler and
// HTTPHandler send to: CPython's (testdata/pyreceiver.py, the logging
// cookbook's receiver), and Go ones for the faults.

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	ogórek "github.com/kisielk/og-rek"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/internal/testutil"
)

// hang is how long a test waits for what must happen before it declares
// the code under test stuck. No test waits that long when it passes.
const hang = 20 * time.Second

// pyRecv is what testdata/pyreceiver.py prints of one record.
type pyRecv struct {
	Keys      []string          `json:"keys"`
	Types     map[string]string `json:"types"`
	Reprs     map[string]string `json:"reprs"`
	Name      string            `json:"name"`
	Levelno   int               `json:"levelno"`
	Levelname string            `json:"levelname"`
	Message   string            `json:"message"`
	Created   string            `json:"created"`
	Formatted string            `json:"formatted"`
	LengthOK  bool              `json:"length_ok"`
}

// pyReceiver is a running testdata/pyreceiver.py.
type pyReceiver struct {
	t     testing.TB
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
	addr  string // what it listens on: host:port or a path
	mode  string
	done  bool
}

// startPyReceiver starts CPython's receiver in mode (tcp, udp, unix,
// unixgram) on addr (host:port, port 0 for any, or a path).
func startPyReceiver(t testing.TB, mode, addr string) *pyReceiver {
	t.Helper()
	py := testutil.Python3(t)
	cmd := exec.Command(py, filepath.Join("testdata", "pyreceiver.py"), mode, addr)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	p := &pyReceiver{t: t, cmd: cmd, stdin: stdin, lines: make(chan string, 1024), mode: mode}
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() { p.stop() })
	line := p.line()
	shown, ok := strings.CutPrefix(line, "ready ")
	require.True(t, ok, "receiver said %q", line)
	if mode == "tcp" || mode == "udp" {
		host, _, _ := net.SplitHostPort(addr)
		p.addr = net.JoinHostPort(host, shown)
	} else {
		p.addr = shown
	}
	return p
}

func (p *pyReceiver) line() string {
	p.t.Helper()
	select {
	case l, ok := <-p.lines:
		if !ok {
			p.t.Fatal("the receiver exited")
		}
		return l
	case <-time.After(hang):
		p.t.Fatal("no line from the receiver")
	}
	return ""
}

// next returns the next record the receiver got.
func (p *pyReceiver) next() pyRecv {
	p.t.Helper()
	return decodeRecv(p.t, p.line())
}

// poll returns a record the receiver got, if one is there.
func (p *pyReceiver) poll() (pyRecv, bool) {
	select {
	case l, ok := <-p.lines:
		if ok {
			return decodeRecv(p.t, l), true
		}
	default:
	}
	return pyRecv{}, false
}

func decodeRecv(t testing.TB, line string) pyRecv {
	t.Helper()
	var r pyRecv
	require.NoError(t, json.Unmarshal([]byte(line), &r), "receiver line %q", line)
	return r
}

// stop stops the receiver and returns the records it got since the last
// next.
func (p *pyReceiver) stop() []pyRecv {
	if p.done {
		return nil
	}
	p.done = true
	_, _ = io.WriteString(p.stdin, "stop\n")
	_ = p.stdin.Close()
	var recs []pyRecv
	for l := range p.lines {
		if l == "stopped" {
			break
		}
		recs = append(recs, decodeRecv(p.t, l))
	}
	for range p.lines {
	}
	_ = p.cmd.Wait()
	return recs
}

// goReceiver is a Go receiver of pickled records, over a stream or
// datagram socket: it decodes each record with og-rek.
type goReceiver struct {
	ln   net.Listener
	pc   net.PacketConn
	recs chan map[any]any
	errs chan error
	wg   sync.WaitGroup
	mu   sync.Mutex
	cs   []net.Conn
}

func newGoReceiver(t testing.TB, network, addr string) *goReceiver {
	t.Helper()
	g := &goReceiver{recs: make(chan map[any]any, 4096), errs: make(chan error, 16)}
	var err error
	switch network {
	case "tcp", "unix":
		g.ln, err = net.Listen(network, addr)
		require.NoError(t, err)
		g.wg.Add(1)
		go g.accept()
	default:
		g.pc, err = net.ListenPacket(network, addr)
		require.NoError(t, err)
		g.wg.Add(1)
		go g.datagrams()
	}
	t.Cleanup(g.close)
	return g
}

func (g *goReceiver) addr() string {
	if g.ln != nil {
		return g.ln.Addr().String()
	}
	return g.pc.LocalAddr().String()
}

func (g *goReceiver) accept() {
	defer g.wg.Done()
	for {
		c, err := g.ln.Accept()
		if err != nil {
			return
		}
		g.mu.Lock()
		g.cs = append(g.cs, c)
		g.mu.Unlock()
		g.wg.Add(1)
		go func() {
			defer g.wg.Done()
			r := bufio.NewReader(c)
			for {
				var n [4]byte
				if _, err := io.ReadFull(r, n[:]); err != nil {
					return
				}
				data := make([]byte, int(n[0])<<24|int(n[1])<<16|int(n[2])<<8|int(n[3]))
				if _, err := io.ReadFull(r, data); err != nil {
					g.errs <- err
					return
				}
				g.decode(data)
			}
		}()
	}
}

func (g *goReceiver) datagrams() {
	defer g.wg.Done()
	buf := make([]byte, 1<<17)
	for {
		n, _, err := g.pc.ReadFrom(buf)
		if err != nil {
			return
		}
		if n < 4 || int(buf[0])<<24|int(buf[1])<<16|int(buf[2])<<8|int(buf[3]) != n-4 {
			g.errs <- errors.New("datagram: bad length")
			continue
		}
		g.decode(append([]byte(nil), buf[4:n]...))
	}
}

func (g *goReceiver) decode(data []byte) {
	d := ogórek.NewDecoderWithConfig(strings.NewReader(string(data)), &ogórek.DecoderConfig{StrictUnicode: true})
	v, err := d.Decode()
	if err != nil {
		g.errs <- err
		return
	}
	m, ok := v.(map[any]any)
	if !ok {
		g.errs <- errors.New("pickle is not a dict")
		return
	}
	g.recs <- m
}

// next returns the next record received.
func (g *goReceiver) next(t testing.TB) map[any]any {
	t.Helper()
	select {
	case m := <-g.recs:
		return m
	case err := <-g.errs:
		t.Fatalf("receiver: %v", err)
	case <-time.After(hang):
		t.Fatal("no record received")
	}
	return nil
}

func (g *goReceiver) close() {
	if g.ln != nil {
		_ = g.ln.Close()
	}
	if g.pc != nil {
		_ = g.pc.Close()
	}
	g.mu.Lock()
	for _, c := range g.cs {
		_ = c.Close()
	}
	g.mu.Unlock()
	g.wg.Wait()
}

// closedPort returns a loopback address where nothing listens.
func closedPort(t testing.TB, network string) string {
	t.Helper()
	if network == "udp" {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := pc.LocalAddr().String()
		require.NoError(t, pc.Close())
		return addr
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// sendErrors collects what an OnError gets.
type sendErrors struct {
	mu   sync.Mutex
	errs []error
}

func (s *sendErrors) add(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs = append(s.errs, err)
}

func (s *sendErrors) all() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.errs...)
}

// dropped sums the drops of the SendErrors reported.
func (s *sendErrors) dropped() uint64 {
	var n uint64
	for _, err := range s.all() {
		var se *SendError
		if errors.As(err, &se) {
			n += se.Dropped
		}
	}
	return n
}

// shortPath returns a path for a Unix socket in a fresh directory, short
// enough for sun_path.
func shortPath(t testing.TB, name string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "st")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return filepath.Join(dir, name)
}
