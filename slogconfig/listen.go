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
	// DefaultReadTimeout is the time a client has, unless [ReadTimeout]
	// says otherwise, to send its whole configuration.
	DefaultReadTimeout = 10 * time.Second
	// DefaultMaxConnections is the number of connections a Listener
	// serves at once unless [MaxConnections] says otherwise.
	DefaultMaxConnections = 16
)

// A ListenOption configures a [Listener].
type ListenOption interface {
	applyListen(*listenConfig)
}

type listenConfig struct {
	verify          func([]byte) ([]byte, error)
	maxPayload      int64
	readTimeout     time.Duration
	maxConns        int
	insecure        bool
	incrementalOnly bool
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

// ReadTimeout sets how long a client has, from the moment its connection
// is accepted, to send its whole payload; the status reply gets as long
// again. Default [DefaultReadTimeout] (10s).
func ReadTimeout(d time.Duration) ListenOption {
	return listenOptionFunc(func(c *listenConfig) { c.readTimeout = d })
}

// MaxConnections sets how many connections a Listener serves at once.
// Further clients wait in the operating system's queue until a connection
// is done (each is done within the read timeout). Default
// [DefaultMaxConnections] (16).
func MaxConnections(n int) ListenOption {
	return listenOptionFunc(func(c *listenConfig) { c.maxConns = n })
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
// propagate flags: a client can then neither add handlers nor remove them.
// INI payloads, which are never incremental, are refused.
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

// Listener receives configurations over TCP, with Python's
// logging.config.listen wire protocol: a client connects, sends a 4-byte
// big-endian length and that many bytes of configuration, a JSON object
// (applied as [Manager.DictConfig] applies it) or an INI file (as
// [Manager.FileConfig] reads it). Python's listener sends nothing back; a
// Listener then answers with a 4-byte big-endian length and a JSON status,
// {"ok":true} or {"ok":false,"error":"..."}, and closes the connection.
// Clients that never read the status, such as Python's, are unaffected.
//
// Every failure (a malformed frame, a timeout, a refused configuration) is
// also sent to the Manager's error handler as a [*ListenError], and leaves
// the running configuration as it was.
//
// # Deviations from Python
//
//   - The length header and the payload are read in full however the client
//     splits them; Python drops a connection whose first read returns less
//     than 4 bytes, and spins forever when a client closes early.
//   - Payloads are limited in size ([MaxPayload]) and in time
//     ([ReadTimeout]), and connections in number ([MaxConnections]).
//   - A JSON object that dictConfig refuses is reported with dictConfig's
//     error; Python then tries it as an INI file and reports only that
//     error. A payload that is neither JSON nor INI is reported with both
//     errors.
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
type Listener struct {
	m    *Manager
	ln   net.Listener
	cfg  listenConfig
	sem  chan struct{}
	done chan struct{}
	wg   sync.WaitGroup

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool

	closeOnce sync.Once
	closeErr  error
}

// Listen starts a [Listener] on addr ("host:port"; "" is
// [DefaultListenAddr], port 0 picks a free port) that applies the
// configurations it receives to m. It returns once the port is bound; Close
// stops it.
func (m *Manager) Listen(addr string, opts ...ListenOption) (*Listener, error) {
	cfg := listenConfig{maxPayload: DefaultMaxPayload, readTimeout: DefaultReadTimeout, maxConns: DefaultMaxConnections}
	for _, o := range opts {
		if o != nil {
			o.applyListen(&cfg)
		}
	}
	if cfg.maxPayload <= 0 || cfg.maxPayload > 1<<32-1 {
		return nil, fmt.Errorf("slogconfig: Listen: MaxPayload %d: want 1 to %d bytes", cfg.maxPayload, uint32(1<<32-1))
	}
	if cfg.readTimeout <= 0 {
		return nil, fmt.Errorf("slogconfig: Listen: ReadTimeout %v: want a positive duration", cfg.readTimeout)
	}
	if cfg.maxConns <= 0 {
		return nil, fmt.Errorf("slogconfig: Listen: MaxConnections %d: want at least 1", cfg.maxConns)
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
	l := &Listener{
		m:     m,
		ln:    ln,
		cfg:   cfg,
		sem:   make(chan struct{}, cfg.maxConns),
		done:  make(chan struct{}),
		conns: map[net.Conn]struct{}{},
	}
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
		for c := range l.conns {
			_ = c.Close()
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

// serve accepts connections while a slot is free.
func (l *Listener) serve() {
	defer l.wg.Done()
	backoff := time.Duration(0)
	for {
		select {
		case l.sem <- struct{}{}:
		case <-l.done:
			return
		}
		c, err := l.ln.Accept()
		if err != nil {
			<-l.sem
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
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			_ = c.Close()
			<-l.sem
			return
		}
		l.conns[c] = struct{}{}
		l.wg.Add(1)
		l.mu.Unlock()
		go l.handle(c)
	}
}

// handle serves one connection: one frame, one status, then close.
func (l *Listener) handle(c net.Conn) {
	defer func() {
		_ = c.Close()
		l.mu.Lock()
		delete(l.conns, c)
		l.mu.Unlock()
		<-l.sem
		l.wg.Done()
	}()
	remote := c.RemoteAddr().String()
	_ = c.SetDeadline(time.Now().Add(l.cfg.readTimeout))
	payload, err := readFrame(c, l.cfg.maxPayload)
	if err == nil {
		err = l.apply(payload)
	}
	if err != nil {
		l.m.report(&ListenError{Remote: remote, Err: err})
	}
	_ = c.SetWriteDeadline(time.Now().Add(l.cfg.readTimeout))
	_ = writeStatus(c, err) // a client that does not read (Python's) is fine
	var tl *frameTooLargeError
	if errors.As(err, &tl) {
		// The client may still be sending: read a little of it, so that
		// closing does not reset the connection before the client reads
		// the status.
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		_ = c.SetReadDeadline(time.Now().Add(min(l.cfg.readTimeout, 250*time.Millisecond)))
		_, _ = io.Copy(io.Discard, io.LimitReader(c, l.cfg.maxPayload))
	}
}

// frameTooLargeError is the error of a frame whose length is over the limit.
type frameTooLargeError struct {
	size, max int64
}

func (e *frameTooLargeError) Error() string {
	return fmt.Sprintf("payload of %d bytes is over the limit of %d", e.size, e.max)
}

// Frame errors.
var (
	errListenNoFrame = errors.New("connection closed before a length header")
)

// readFrame reads one frame of Python's protocol: a 4-byte big-endian
// length, then the payload. A length over max is refused before anything
// is allocated for it.
func readFrame(r io.Reader, max int64) ([]byte, error) {
	var hdr [4]byte
	n, err := io.ReadFull(r, hdr[:])
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
	if size > max {
		return nil, &frameTooLargeError{size: size, max: max}
	}
	if size == 0 {
		return nil, errors.New("empty payload")
	}
	buf := make([]byte, size)
	n, err = io.ReadFull(r, buf)
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return nil, fmt.Errorf("truncated payload: %d of %d bytes", n, size)
	case isNetTimeout(err):
		return nil, fmt.Errorf("timed out after %d of %d payload bytes", n, size)
	case err != nil:
		return nil, fmt.Errorf("reading the payload: %w", err)
	}
	return buf, nil
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

// maxListenStatus bounds the status reply Send accepts.
const maxListenStatus = 1 << 20

func writeStatus(w io.Writer, err error) error {
	st := listenStatus{OK: err == nil}
	if err != nil {
		st.Error = err.Error()
		if len(st.Error) > maxListenStatus/2 {
			st.Error = st.Error[:maxListenStatus/2] + "..."
		}
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

// apply verifies and applies one payload.
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
		if err := l.m.apply(cfg, &applyOptions{policy: l.policy(false)}); err != nil {
			return fmt.Errorf("dictConfig refused the JSON configuration:\n%w", err)
		}
		return nil
	}
	cfg, paths, iniErr := l.m.iniToDict(payload, fileOptions(nil))
	if iniErr != nil {
		return fmt.Errorf("payload is neither a JSON object (%v) nor an INI configuration:\n%w", jsonErr, iniErr)
	}
	if err := paths.rewrite(l.m.apply(cfg, &applyOptions{policy: l.policy(true)})); err != nil {
		return fmt.Errorf("fileConfig refused the INI configuration:\n%w", err)
	}
	return nil
}

// policy returns the Listener's restrictions, applied to a configuration
// at validate: what the configuration is, not how it was written, decides.
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
		if l.cfg.allowed == nil || s.incremental {
			return
		}
		for _, h := range s.handlers {
			if !l.cfg.allowed[h.className] {
				errs.addf(h.path+"."+h.classKey, "handler class %q is not allowed on this listener (allowed: %s)",
					h.className, strings.Join(slices.Sorted(maps.Keys(l.cfg.allowed)), ", "))
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
