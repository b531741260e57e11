package slogconfig

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// DefaultListenAddr is the address [Manager.Listen] binds when given "":
// Python's logging.config.DEFAULT_LOGGING_CONFIG_PORT on localhost.
const DefaultListenAddr = "localhost:9030"

// Listener defaults.
const (
	// DefaultMaxPayload is the largest configuration a Listener reads
	// unless [MaxPayload] says otherwise: 1 MiB.
	DefaultMaxPayload = 1 << 20
	// DefaultHeaderTimeout is the time a client has, unless
	// [HeaderTimeout] says otherwise, to send the 4-byte length.
	DefaultHeaderTimeout = 2 * time.Second
	// DefaultMinDataRate is the slowest a client may send its payload,
	// in bytes per second after the first second, unless [MinDataRate]
	// says otherwise.
	DefaultMinDataRate = 16 << 10
	// DefaultReadTimeout is the most time a client has, unless
	// [ReadTimeout] says otherwise, to send its whole configuration,
	// however fast it sends.
	DefaultReadTimeout = 10 * time.Second
	// DefaultMaxConnections is the number of connections a Listener
	// holds at once unless [MaxConnections] says otherwise. A connection
	// waiting for its frame costs a goroutine blocked in a read (a few
	// KiB) and a descriptor.
	DefaultMaxConnections = 1024
	// DefaultMaxBuffered is the most payload bytes a Listener holds at
	// once, across its connections, unless [MaxBuffered] says otherwise.
	DefaultMaxBuffered = 16 << 20
)

// The limits of a status and of what a Listener reads after a frame.
const (
	// maxStatusError bounds the error text of a status: a client learns
	// what was wrong, not an echo of what it sent.
	maxStatusError = 512
	// maxListenStatus bounds the status reply Send accepts.
	maxListenStatus = 1 << 20
	// maxTrailing and trailingTime bound what a Listener reads after a
	// frame, so that its status is not lost to a reset.
	maxTrailing  = 64 << 10
	trailingTime = time.Second
	// statusTime is how long a client has to take its status.
	statusTime = 5 * time.Second
	// shedGrace is the age under which a connection is not dropped to
	// make room: time enough to read the frame of a client that sent it
	// at once, however many connect after it.
	shedGrace = 50 * time.Millisecond
)

// A ListenOption configures a [Listener].
type ListenOption interface {
	applyListen(*listenConfig)
}

type listenConfig struct {
	verify          func([]byte) ([]byte, error)
	maxPayload      int64
	headerTimeout   time.Duration
	minRate         int64
	readTimeout     time.Duration
	maxConns        int
	maxBuffered     int64
	insecure        bool
	incrementalOnly bool
	allowEnv        bool
	allowLevelNames bool
	allowed         map[string]bool // nil: every class
}

type listenOptionFunc func(*listenConfig)

func (f listenOptionFunc) applyListen(c *listenConfig) { f(c) }

// Verify sets the function every payload goes through before it is read
// as a configuration, Python's listen(verify=...): it returns the payload
// to apply (possibly transformed, say decrypted) or an error to refuse it.
// [HMACVerifier] makes one that checks an HMAC-SHA256 signature.
func Verify(f func(payload []byte) ([]byte, error)) ListenOption {
	return listenOptionFunc(func(c *listenConfig) { c.verify = f })
}

// MaxPayload sets the largest payload, in bytes, a Listener accepts.
// A client that announces more is refused before anything is read or
// allocated. Default [DefaultMaxPayload] (1 MiB); Python has no limit.
func MaxPayload(n int64) ListenOption {
	return listenOptionFunc(func(c *listenConfig) { c.maxPayload = n })
}

// HeaderTimeout sets how long a client has, from the moment its
// connection is accepted, to send the 4-byte length. Default
// [DefaultHeaderTimeout] (2s).
func HeaderTimeout(d time.Duration) ListenOption {
	return listenOptionFunc(func(c *listenConfig) { c.headerTimeout = d })
}

// MinDataRate sets the slowest a client may send its payload, in bytes
// per second: after the length, a client has one second, then must have
// sent bytesPerSecond for every further second. A client slower than that
// is dropped. Default [DefaultMinDataRate] (16 KiB/s).
func MinDataRate(bytesPerSecond int64) ListenOption {
	return listenOptionFunc(func(c *listenConfig) { c.minRate = bytesPerSecond })
}

// ReadTimeout sets the most time a client has, from the moment its
// connection is accepted, to send its whole payload, however fast it
// sends. Default [DefaultReadTimeout] (10s).
func ReadTimeout(d time.Duration) ListenOption {
	return listenOptionFunc(func(c *listenConfig) { c.readTimeout = d })
}

// MaxConnections sets how many connections a Listener holds at once, each
// with a goroutine. When a client connects while that many are open, the
// oldest connection still sending its frame is dropped to make room (and
// reported): clients that stall cannot keep others out. Default
// [DefaultMaxConnections] (1024). A connection is not dropped before it is
// 50ms old: a client that sends its frame at once is not dropped for the
// clients that connect after it.
func MaxConnections(n int) ListenOption {
	return listenOptionFunc(func(c *listenConfig) { c.maxConns = n })
}

// MaxBuffered sets the most payload bytes a Listener holds at once, across
// its connections; a connection that would go past it is refused. Default
// [DefaultMaxBuffered] (16 MiB).
func MaxBuffered(n int64) ListenOption {
	return listenOptionFunc(func(c *listenConfig) { c.maxBuffered = n })
}

// InsecureAllowRemote lets a Listener without a [Verify] function bind an
// address that is not a loopback address. Without it, [Manager.Listen]
// refuses, because anyone who can reach the port could then reconfigure
// the program's logging.
func InsecureAllowRemote() ListenOption {
	return listenOptionFunc(func(c *listenConfig) { c.insecure = true })
}

// IncrementalOnly makes a Listener accept only incremental configurations
// (JSON with "incremental": true), which change nothing but levels and
// propagate flags: a client can then neither add handlers nor remove
// them, nor name levels. INI payloads, which are never incremental, are
// refused.
func IncrementalOnly() ListenOption {
	return listenOptionFunc(func(c *listenConfig) { c.incrementalOnly = true })
}

// AllowHandlerClasses makes a Listener refuse a configuration that names a
// handler class (with "class" or "()") not among names, so that a client
// cannot, say, make the program write or truncate files of its choosing.
// Names are compared as the configuration writes them, except that the
// short INI forms (StreamHandler, handlers.X) are compared by their full
// names (logging.StreamHandler, logging.handlers.X): list every alias that
// should pass, such as both "stream" and "logging.StreamHandler".
func AllowHandlerClasses(names ...string) ListenOption {
	return listenOptionFunc(func(c *listenConfig) {
		c.allowed = map[string]bool{}
		for _, n := range names {
			c.allowed[n] = true
		}
	})
}

// AllowEnv lets configurations received by a Listener read environment
// variables with env:// values. Without it, an env:// value is refused: a
// client could otherwise read the program's environment back through the
// errors of the configurations it sends, or name files after it.
func AllowEnv() ListenOption {
	return listenOptionFunc(func(c *listenConfig) { c.allowEnv = true })
}

// AllowLevelNames lets full configurations received by a Listener register
// level names (slogtree_levels), which are process-wide. Without it, a
// configuration that names levels is refused. An [IncrementalOnly]
// Listener refuses them whatever the options.
func AllowLevelNames() ListenOption {
	return listenOptionFunc(func(c *listenConfig) { c.allowLevelNames = true })
}

// Listener receives configurations over TCP, with Python's
// logging.config.listen wire protocol: a client connects, sends a 4-byte
// big-endian length and that many bytes of configuration, a JSON object
// (applied as [Manager.DictConfig] applies it) or an INI file (as
// [Manager.FileConfig] reads it). Python's listener sends nothing back; a
// Listener then answers with a 4-byte big-endian length and a JSON status,
// {"ok":true} or {"ok":false,"error":"..."}, reads (a bounded amount of)
// whatever the client sent after the frame, so that the status is not lost
// to a reset, and closes the connection. Clients that never read the
// status, such as Python's, are unaffected.
//
// Every failure (a malformed frame, a timeout, a refused configuration, a
// connection dropped to make room) is sent to the Manager's error handler
// as a [*ListenError], with every detail, and leaves the running
// configuration as it was. The status tells the client less: at most a few
// hundred bytes, and nothing the client did not send itself (see
// Security).
//
// # Slow and hostile clients
//
// A client has [HeaderTimeout] to send the 4-byte length, then must send
// its payload at [MinDataRate] or faster, all within [ReadTimeout]. A
// Listener holds at most [MaxConnections] connections, one goroutine each,
// and at most [MaxBuffered] payload bytes across them: its memory and
// goroutines are bounded by those: at most MaxConnections+1 goroutines,
// and about MaxConnections × 8 KiB of stacks plus MaxBuffered of payloads
// (by default 1,025 goroutines, some 8 MiB of stacks and 16 MiB of
// payloads). When every connection is taken, the oldest one still sending
// its frame is dropped for the new one, once it is 50ms old, so that
// clients that stall cannot keep a good client out. Configurations are
// applied one at a time.
//
// # Deviations from Python
//
//   - The length header and the payload are read in full however the client
//     splits them; Python drops a connection whose first read returns less
//     than 4 bytes, and spins forever when a client closes early.
//   - Payloads are limited in size, time and rate, and connections in
//     number, as above.
//   - A JSON object that dictConfig refuses is reported with dictConfig's
//     error; Python then tries it as an INI file and reports only that
//     error. A payload that is neither JSON nor INI is reported with both
//     errors.
//   - env:// values, level names and file mode "x" are refused unless
//     allowed (see Security).
//   - A status is sent back; Python sends nothing.
//   - Close returns once the Listener has stopped; Python's stopListening
//     takes up to a second.
//
// # Security
//
// No code runs from a configuration: classes and ext:// values resolve
// through the Registry, and INI args are read as literals. But a client can
// still reconfigure logging: drop records, send them elsewhere, and, with
// the file handler classes, write or truncate any file the process may
// write; "()" factories run the Go code registered for them. A Listener
// binds loopback by default, and refuses other addresses unless it has a
// [Verify] function or [InsecureAllowRemote]. Any local user can connect to
// a loopback port, so on a shared host use [Verify] with [HMACVerifier], and
// limit what a client may do with [IncrementalOnly] or
// [AllowHandlerClasses].
//
// A client cannot read the host through a Listener: env:// values are
// refused unless [AllowEnv]; a status carries the problems of the
// configuration the client sent, not the errors of the file system (a
// handler that could not be built is said to have failed, the reason goes
// to the error handler only), and mode "x", whose success would tell
// whether a file exists, is refused. Level names, which are process-wide,
// are refused unless [AllowLevelNames].
type Listener struct {
	m     *Manager
	ln    net.Listener
	cfg   listenConfig
	done  chan struct{}
	freed chan struct{} // a connection ended: a slot may be free
	wg    sync.WaitGroup

	mu     sync.Mutex
	conns  []*lconn // open connections, oldest first
	closed bool

	buffered atomic.Int64 // payload bytes held, across connections

	closeOnce sync.Once
	closeErr  error
}

// lconn is one client connection of a Listener.
type lconn struct {
	c        net.Conn
	remote   string
	accepted time.Time
	// busy: the frame is read; the connection is being answered and is
	// not dropped to make room. shed: it was dropped to make room.
	busy, shed atomic.Bool
}

// ListenError is in errors.go.

// Listen starts a [Listener] on addr ("host:port"; "" is
// [DefaultListenAddr], port 0 picks a free port) that applies the
// configurations it receives to m. It returns once the port is bound; Close
// stops it.
func (m *Manager) Listen(addr string, opts ...ListenOption) (*Listener, error) {
	cfg := listenConfig{
		maxPayload: DefaultMaxPayload, headerTimeout: DefaultHeaderTimeout, minRate: DefaultMinDataRate,
		readTimeout: DefaultReadTimeout, maxConns: DefaultMaxConnections, maxBuffered: DefaultMaxBuffered,
	}
	for _, o := range opts {
		if o != nil {
			o.applyListen(&cfg)
		}
	}
	switch {
	case cfg.maxPayload <= 0 || cfg.maxPayload > 1<<32-1:
		return nil, fmt.Errorf("slogconfig: Listen: MaxPayload %d: want 1 to %d bytes", cfg.maxPayload, uint32(1<<32-1))
	case cfg.headerTimeout <= 0:
		return nil, fmt.Errorf("slogconfig: Listen: HeaderTimeout %v: want a positive duration", cfg.headerTimeout)
	case cfg.minRate <= 0:
		return nil, fmt.Errorf("slogconfig: Listen: MinDataRate %d: want at least 1 byte per second", cfg.minRate)
	case cfg.readTimeout <= 0:
		return nil, fmt.Errorf("slogconfig: Listen: ReadTimeout %v: want a positive duration", cfg.readTimeout)
	case cfg.maxConns <= 0:
		return nil, fmt.Errorf("slogconfig: Listen: MaxConnections %d: want at least 1", cfg.maxConns)
	case cfg.maxBuffered < cfg.maxPayload:
		return nil, fmt.Errorf("slogconfig: Listen: MaxBuffered %d: want at least MaxPayload (%d)", cfg.maxBuffered, cfg.maxPayload)
	}
	if addr == "" {
		addr = DefaultListenAddr
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("slogconfig: Listen: %w", err)
	}
	remoteOK := cfg.verify != nil || cfg.insecure
	if !remoteOK {
		if err := checkLoopbackHost(host); err != nil {
			return nil, fmt.Errorf("slogconfig: Listen %s: %w", addr, err)
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("slogconfig: Listen: %w", err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !remoteOK && !tcp.IP.IsLoopback() {
		_ = ln.Close()
		return nil, fmt.Errorf("slogconfig: Listen %s: bound %s, which is not a loopback address; %s", addr, tcp.IP, listenRemoteHint)
	}
	l := &Listener{m: m, ln: ln, cfg: cfg, done: make(chan struct{}), freed: make(chan struct{}, 1)}
	l.wg.Add(1)
	go l.serve()
	return l, nil
}

const listenRemoteHint = "give a Verify option (such as HMACVerifier) or InsecureAllowRemote to listen beyond this host"

// checkLoopbackHost refuses a host that is not a loopback address (an
// empty host is every interface). Names are resolved.
func checkLoopbackHost(host string) error {
	if host == "" {
		return fmt.Errorf("an empty host listens on every interface; %s", listenRemoteHint)
	}
	if host == "localhost" {
		return nil
	}
	ips := []net.IP{net.ParseIP(host)}
	if ips[0] == nil {
		addrs, err := net.DefaultResolver.LookupIPAddr(context.Background(), host)
		if err != nil {
			return err
		}
		ips = ips[:0]
		for _, a := range addrs {
			ips = append(ips, a.IP)
		}
	}
	for _, ip := range ips {
		if !ip.IsLoopback() {
			return fmt.Errorf("%s is not a loopback address; %s", ip, listenRemoteHint)
		}
	}
	return nil
}

// Addr returns the address the Listener is bound to, with the real port
// when Listen was given port 0.
func (l *Listener) Addr() net.Addr { return l.ln.Addr() }

// Close stops the Listener: it closes the port and every open connection,
// and returns once every goroutine of the Listener has stopped. A
// configuration being applied is finished first. Close may be called more
// than once.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() {
		close(l.done)
		l.closeErr = l.ln.Close()
		l.mu.Lock()
		l.closed = true
		for _, lc := range l.conns {
			_ = lc.c.Close()
		}
		l.mu.Unlock()
	})
	l.wg.Wait()
	return l.closeErr
}

func (l *Listener) isClosed() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

// errShed is the error of a connection dropped to make room.
var errShed = errors.New("dropped to make room for a new connection: every connection was taken and this was the oldest still sending its frame")

// serve accepts connections. When every connection is taken, the oldest
// one still sending its frame is dropped for the new one, once it is
// older than shedGrace; until one is, the new connection waits, and the
// clients after it wait in the kernel's queue.
func (l *Listener) serve() {
	defer l.wg.Done()
	backoff := time.Duration(0)
	for {
		c, err := l.ln.Accept()
		if err != nil {
			if l.isClosed() {
				return
			}
			// Out of file descriptors, say: report, wait a little, retry.
			l.m.report(&ListenError{Remote: "-", Err: fmt.Errorf("accept: %w", err)})
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			select {
			case <-time.After(backoff):
			case <-l.done:
				return
			}
			continue
		}
		backoff = 0
		lc := &lconn{c: c, remote: c.RemoteAddr().String(), accepted: time.Now()}
		if !l.admit(lc) {
			_ = c.Close()
			return
		}
		go l.handle(lc)
	}
}

// admit makes room for lc, waiting as serve says, and counts it. It
// reports false when the Listener closed meanwhile.
func (l *Listener) admit(lc *lconn) bool {
	for {
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			return false
		}
		wait := shedGrace
		if len(l.conns) >= l.cfg.maxConns {
			if victim := l.oldestIdleLocked(); victim != nil {
				if age := time.Since(victim.accepted); age >= shedGrace {
					l.shedLocked(victim)
				} else {
					wait = shedGrace - age
				}
			}
		}
		if len(l.conns) < l.cfg.maxConns {
			l.conns = append(l.conns, lc)
			l.wg.Add(1)
			l.mu.Unlock()
			return true
		}
		l.mu.Unlock()
		t := time.NewTimer(wait)
		select {
		case <-l.freed:
		case <-t.C:
		case <-l.done:
		}
		t.Stop()
	}
}

// oldestIdleLocked returns the oldest connection still sending its frame,
// or nil. Call with l.mu held.
func (l *Listener) oldestIdleLocked() *lconn {
	for _, lc := range l.conns {
		if !lc.busy.Load() {
			return lc
		}
	}
	return nil
}

// shedLocked drops lc to make room; its goroutine reports it. Call with
// l.mu held.
func (l *Listener) shedLocked(lc *lconn) {
	lc.shed.Store(true)
	_ = lc.c.Close()
	if i := slices.Index(l.conns, lc); i >= 0 {
		l.conns = slices.Delete(l.conns, i, i+1)
	}
}

// drop removes lc from the open connections, and tells a connection
// waiting for a slot.
func (l *Listener) drop(lc *lconn) {
	l.mu.Lock()
	if i := slices.Index(l.conns, lc); i >= 0 {
		l.conns = slices.Delete(l.conns, i, i+1)
	}
	l.mu.Unlock()
	select {
	case l.freed <- struct{}{}:
	default:
	}
}

// handle serves one connection: one frame, one status, then close.
func (l *Listener) handle(lc *lconn) {
	defer func() {
		_ = lc.c.Close()
		l.drop(lc)
		l.wg.Done()
	}()
	payload, err := readFrame(lc.c, &l.cfg, &l.buffered)
	if lc.shed.Load() {
		l.m.report(&ListenError{Remote: lc.remote, Err: errShed})
		return
	}
	lc.busy.Store(true)
	if err == nil {
		err = l.apply(payload)
	}
	l.buffered.Add(-int64(cap(payload)))
	if err != nil {
		l.m.report(&ListenError{Remote: lc.remote, Err: err})
	}
	c := lc.c
	_ = c.SetWriteDeadline(time.Now().Add(statusTime))
	_ = writeStatus(c, err) // a client that does not read (Python's) is fine
	// Read what the client still sends (the rest of a refused frame,
	// bytes after the frame) until it closes, within bounds: closing
	// with unread bytes would reset the connection, and the client could
	// lose its status.
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
	_ = c.SetReadDeadline(time.Now().Add(trailingTime))
	_, _ = io.Copy(io.Discard, io.LimitReader(c, maxTrailing))
}

// frameTooLargeError is the error of a frame whose length is over the limit.
type frameTooLargeError struct {
	size, max int64
}

func (e *frameTooLargeError) Error() string {
	return fmt.Sprintf("payload of %d bytes is over the limit of %d", e.size, e.max)
}

// errListenNoFrame is the error of a client that closed before it sent a
// length.
var errListenNoFrame = errors.New("connection closed before a length header")

// frameConn is what readFrame reads from: a connection, or in tests and
// fuzzing a reader whose deadlines mean nothing.
type frameConn interface {
	io.Reader
	SetReadDeadline(t time.Time) error
}

// readFrame reads one frame of Python's protocol: a 4-byte big-endian
// length within the header timeout, then the payload at the minimum rate
// and within the read timeout, into a buffer that grows as bytes arrive,
// its capacity counted in buffered (the caller gives it back).
func readFrame(c frameConn, cfg *listenConfig, buffered *atomic.Int64) ([]byte, error) {
	start := time.Now()
	end := start.Add(cfg.readTimeout)
	_ = c.SetReadDeadline(earliest(start.Add(cfg.headerTimeout), end))
	var hdr [4]byte
	n, err := io.ReadFull(c, hdr[:])
	switch {
	case err == io.EOF:
		return nil, errListenNoFrame
	case err == io.ErrUnexpectedEOF:
		return nil, fmt.Errorf("truncated length header: %d of 4 bytes", n)
	case isNetTimeout(err):
		return nil, fmt.Errorf("timed out waiting for the length header (%d of 4 bytes)", n)
	case err != nil:
		return nil, fmt.Errorf("reading the length header: %w", err)
	}
	size := int64(binary.BigEndian.Uint32(hdr[:]))
	if size > cfg.maxPayload {
		return nil, &frameTooLargeError{size: size, max: cfg.maxPayload}
	}
	if size == 0 {
		return nil, errors.New("empty payload")
	}
	body := time.Now()
	var buf []byte
	fail := func(err error) ([]byte, error) {
		buffered.Add(-int64(cap(buf)))
		return nil, err
	}
	for int64(len(buf)) < size {
		if len(buf) == cap(buf) {
			// Grow as bytes arrive, within the Listener's budget.
			newCap := min(max(2*int64(cap(buf)), 32<<10), size)
			delta := newCap - int64(cap(buf))
			if buffered.Add(delta) > cfg.maxBuffered {
				buffered.Add(-delta)
				return fail(fmt.Errorf("refused: the listener holds %d bytes of payloads already", cfg.maxBuffered))
			}
			buf = append(make([]byte, 0, newCap), buf...)
		}
		// The client has a second, then must keep to the minimum rate.
		due := body.Add(time.Second + time.Duration(float64(len(buf))/float64(cfg.minRate)*float64(time.Second)))
		_ = c.SetReadDeadline(earliest(due, end))
		m, err := c.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		switch {
		case err == nil:
		case errors.Is(err, io.EOF) && int64(len(buf)) < size:
			return fail(fmt.Errorf("truncated payload: %d of %d bytes", len(buf), size))
		case errors.Is(err, io.EOF):
		case isNetTimeout(err) && time.Now().Before(end):
			return fail(fmt.Errorf("too slow: %d of %d payload bytes in %v, under %d bytes per second",
				len(buf), size, time.Since(body).Round(time.Millisecond), cfg.minRate))
		case isNetTimeout(err):
			return fail(fmt.Errorf("timed out after %d of %d payload bytes", len(buf), size))
		default:
			return fail(fmt.Errorf("reading the payload: %w", err))
		}
	}
	return buf, nil
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func isNetTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// listenStatus is the reply to a client.
type listenStatus struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

func writeStatus(w io.Writer, err error) error {
	st := listenStatus{OK: err == nil}
	if err != nil {
		st.Error = statusText(err)
	}
	body, jerr := json.Marshal(st)
	if jerr != nil {
		return jerr
	}
	frame := make([]byte, 4+len(body))
	binary.BigEndian.PutUint32(frame, uint32(len(body)))
	copy(frame[4:], body)
	_, werr := w.Write(frame)
	return werr
}

// statusText is what a client is told of err: the configuration's
// problems, each with its path, as long as they fit in maxStatusError
// bytes; a handler that could not be built is said to have failed, without
// the reason, which tells of the host (a file's existence or its
// permissions) and goes to the error handler only.
func statusText(err error) string {
	var ce *ConfigError
	if !errors.As(err, &ce) {
		return clip(err.Error(), maxStatusError)
	}
	head := strings.TrimSuffix(strings.TrimSuffix(err.Error(), ce.Error()), "\n")
	var b strings.Builder
	b.WriteString(clip(head, maxStatusError/4))
	for i, p := range ce.Problems {
		line := p.Error()
		if p.local {
			line = joinPath(p.Path, "") + ": could not be built (the program's error handler has the reason)"
		}
		line = clip(line, maxStatusError/4)
		if b.Len()+1+len(line) > maxStatusError {
			fmt.Fprintf(&b, "\n… and %d more problems", len(ce.Problems)-i)
			break
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(line)
	}
	return b.String()
}

// clip cuts s to at most n bytes, at a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n - len("…")
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// apply verifies and applies one payload, received from the network: the
// Listener's policy applies, and env:// is refused unless allowed.
func (l *Listener) apply(payload []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic while applying the configuration: %v", r)
		}
	}()
	if l.cfg.verify != nil {
		p, verr := l.cfg.verify(payload)
		switch {
		case verr != nil:
			return fmt.Errorf("refused by the verifier: %w", verr)
		case p == nil:
			return errors.New("refused by the verifier")
		}
		payload = p
	}
	if !utf8.Valid(payload) {
		return errors.New("payload is not valid UTF-8")
	}
	cfg, jsonErr := decodeJSON(payload)
	if jsonErr == nil {
		if err := l.m.apply(cfg, l.applyOptions(false)); err != nil {
			return fmt.Errorf("dictConfig refused the JSON configuration:\n%w", err)
		}
		return nil
	}
	cfg, paths, iniErr := l.m.iniToDict(payload, fileOptions(nil))
	if iniErr != nil {
		return fmt.Errorf("payload is neither a JSON object (%v) nor an INI configuration:\n%w", jsonErr, iniErr)
	}
	if err := paths.rewrite(l.m.apply(cfg, l.applyOptions(true))); err != nil {
		return fmt.Errorf("fileConfig refused the INI configuration:\n%w", err)
	}
	return nil
}

// errEnvRefused is the error of an env:// value in a configuration from the
// network.
var errEnvRefused = errors.New("env:// is not allowed in a configuration received over the network (see AllowEnv)")

// applyOptions returns how a configuration from the network is applied.
func (l *Listener) applyOptions(fromINI bool) *applyOptions {
	o := &applyOptions{policy: l.policy(fromINI)}
	if !l.cfg.allowEnv {
		o.denyEnv = errEnvRefused
	}
	return o
}

// policy returns the Listener's restrictions, applied to a configuration's
// spec before validate: what the configuration is, not how it was
// written, decides.
func (l *Listener) policy(fromINI bool) func(s *spec, errs *problems) {
	return func(s *spec, errs *problems) {
		if l.cfg.incrementalOnly && !s.incremental {
			if fromINI {
				errs.add("", errors.New("this listener accepts only incremental configurations, and an INI configuration never is"))
			} else {
				errs.add("", errors.New(`this listener accepts only incremental configurations ("incremental": true)`))
			}
			return
		}
		if len(s.levelNames) > 0 {
			switch {
			case l.cfg.incrementalOnly:
				errs.addf("slogtree_levels", "level names are process-wide: this listener accepts only incremental configurations, which cannot name levels")
			case !l.cfg.allowLevelNames:
				errs.addf("slogtree_levels", "level names are process-wide: this listener does not accept them (see AllowLevelNames)")
			}
		}
		if s.incremental {
			return
		}
		for _, h := range s.handlers {
			if l.cfg.allowed != nil && !l.cfg.allowed[h.className] {
				errs.addf(h.path+"."+h.classKey, "handler class %q is not allowed on this listener (allowed: %s)",
					h.className, strings.Join(slices.Sorted(maps.Keys(l.cfg.allowed)), ", "))
			}
			if mode, _ := h.args["mode"].(string); strings.HasPrefix(mode, "x") {
				errs.addf(h.path+".mode", `mode "x" is not accepted over the network: whether it succeeds would tell whether a file exists`)
			}
		}
	}
}

// HMACVerifier returns a [Verify] function for payloads signed by
// [HMACSigner] with the same key: a payload is its 32-byte HMAC-SHA256
// followed by the configuration. The function returns the configuration,
// or an error when the signature does not match. The signature proves the
// sender knows the key; it does not stop a signed payload from being sent
// again.
//
// A client in any language signs a configuration as
// hmac(key, config, sha256) + config; in Python,
// hmac.new(key, data, "sha256").digest() + data.
func HMACVerifier(key []byte) func([]byte) ([]byte, error) {
	key = slices.Clone(key)
	return func(p []byte) ([]byte, error) {
		if len(key) == 0 {
			return nil, errors.New("HMAC-SHA256: empty key")
		}
		if len(p) < sha256.Size {
			return nil, fmt.Errorf("HMAC-SHA256: payload of %d bytes is shorter than a signature", len(p))
		}
		mac := hmac.New(sha256.New, key)
		mac.Write(p[sha256.Size:])
		if !hmac.Equal(mac.Sum(nil), p[:sha256.Size]) {
			return nil, errors.New("HMAC-SHA256: signature does not match")
		}
		return p[sha256.Size:], nil
	}
}

// HMACSigner returns a function that signs a configuration for a Listener
// with [HMACVerifier] and the same key: it returns the configuration's
// HMAC-SHA256 followed by the configuration. Give it to [Send] with [Sign].
func HMACSigner(key []byte) func([]byte) []byte {
	key = slices.Clone(key)
	return func(config []byte) []byte {
		mac := hmac.New(sha256.New, key)
		mac.Write(config)
		return append(mac.Sum(nil), config...)
	}
}

// The default Manager's listener.
var (
	stdListenMu sync.Mutex
	stdListener *Listener
)

// Listen starts a [Listener] for the default Manager: see
// [Manager.Listen]. [StopListening] stops it. Only one such listener runs
// at a time.
func Listen(addr string, opts ...ListenOption) (*Listener, error) {
	stdListenMu.Lock()
	defer stdListenMu.Unlock()
	if stdListener != nil && !stdListener.isClosed() {
		return nil, fmt.Errorf("slogconfig: Listen: already listening on %s; call StopListening first", stdListener.Addr())
	}
	l, err := std.Listen(addr, opts...)
	if err != nil {
		return nil, err
	}
	stdListener = l
	return l, nil
}

// StopListening stops the listener started by [Listen], as Python's
// logging.config.stopListening does, and returns once it has stopped. It
// does nothing when no listener runs.
func StopListening() error {
	stdListenMu.Lock()
	defer stdListenMu.Unlock()
	l := stdListener
	stdListener = nil
	if l == nil {
		return nil
	}
	return l.Close()
}
