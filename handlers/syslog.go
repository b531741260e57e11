package handlers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slogtree/slogtree/formatters"
	"github.com/slogtree/slogtree/internal/levels"
)

// DefaultSyslogTimeout is the time a [SyslogHandler] gives each record
// when SyslogOptions.Timeout is 0.
const DefaultSyslogTimeout = time.Second

// SyslogOptions configures [NewSyslogHandler]. The zero value is the
// default, Python's SysLogHandler(): UDP to localhost:514, facility
// "user", each message ended with a NUL.
type SyslogOptions struct {
	// Address is the server's "host:port", Python's address given as a
	// (host, port) tuple. Default "localhost:514". Unused when Path is
	// set.
	Address string
	// Path is the Unix socket to send to, Python's address given as a
	// string, such as "/dev/log". Default "": Address is used.
	Path string
	// Network is the socket type, Python's socktype: "udp" (the default)
	// or "tcp" with Address; "unixgram" or "unix" with Path, where the
	// default "" tries "unixgram", then "unix", as Python does for
	// socktype None.
	Network string
	// Facility is one of Python's SysLogHandler.facility_names, in lower
	// case as there: "kern", "user", "mail", "daemon", "auth", "syslog",
	// "lpr", "news", "uucp", "cron", "authpriv", "ftp", "ntp", "security",
	// "console", "solaris-cron", "local0" to "local7" ([FacilityName]
	// names a facility's number). Default "user".
	Facility string
	// Ident is put in front of each message, after the priority: Python's
	// ident property. Default "".
	Ident string
	// OmitNUL leaves out the NUL byte that ends each message: Python's
	// append_nul property set to False. Default false: the NUL is sent,
	// as in Python.
	OmitNUL bool
	// Timeout bounds each call of Handle: waiting for another record's
	// send to end, connecting, writing. Default [DefaultSyslogTimeout].
	// It is also the time the constructor gives the name lookup and the
	// first connection.
	Timeout time.Duration
	// Formatter renders each record. Default nil: the default formatter
	// (the message with the attributes appended).
	Formatter formatters.Formatter
}

// SyslogHandler is Python's logging.handlers.SysLogHandler: it sends each
// record to a syslog server as "<PRI>" + ident + the formatted record +
// a NUL, encoded in UTF-8, where PRI is facility×8 + the severity of the
// record's level name (DEBUG 7, INFO 6, WARNING 4, ERROR 3, CRITICAL 2,
// any other name 4, as Python's mapPriority gives it). There is no
// timestamp, no host name and, over TCP, no framing: the bytes are
// CPython's for the same record and formatter.
//
// Each record is one datagram, or one write on a stream. UDP goes out of
// an unconnected socket (Python's sendto), so an absent server is not an
// error, as in Python. Each call of Handle waits at most Timeout in all:
// for another record's send, a connection, the write. A record that could
// not be sent in time is an error, and a connection whose write failed is
// closed.
//
// What deviates from CPython 3.11, which blocks for as long as the socket
// does and reconnects only Unix sockets:
//
//   - Every send is bounded by Timeout (CPython 3.14 has a timeout too,
//     off by default).
//   - A TCP connection that fails is made again for a later record, with
//     Python's SocketHandler backoff: no attempt for 1 s after a failed
//     one, doubling up to 30 s; records meanwhile fail at once. A record
//     whose write failed (other than by timing out) is sent once more on
//     a new connection, as CPython does for Unix sockets.
//   - The host is looked up once, by the constructor; CPython looks it up
//     again for each UDP record.
//
// As in CPython, the constructor connects a TCP socket and fails if it
// cannot, and tries a Unix socket without failing: each record then
// tries to connect again, and fails if it cannot.
//
// A SyslogHandler specialised with [formatters.WithLoggerName], WithAttrs
// or WithGroup shares the connection of the one it came from. It is safe
// for concurrent use; records are sent one at a time.
type SyslogHandler struct {
	s    *syslogSender
	text recordText
}

var (
	_ slog.Handler           = (*SyslogHandler)(nil)
	_ formatters.LoggerNamer = (*SyslogHandler)(nil)
)

// syslogSender is the connection of a SyslogHandler and of the handlers
// derived from it.
type syslogSender struct {
	addr     string // "host:port" or a path
	unix     bool
	facility int
	ident    string
	nul      bool
	timeout  time.Duration

	udp *net.UDPConn   // UDP: an unconnected socket, made by the constructor
	dst netip.AddrPort // UDP: where to

	// sem is held while a record is rendered and sent: a lock that can
	// be waited for until a deadline. The fields below it are its.
	sem     chan struct{}
	buf     []byte
	network string    // "tcp", "unixgram" or "unix"; "" for a Unix socket of either type, not yet connected
	retryAt time.Time // TCP: no connection attempt before
	backoff time.Duration
	dialErr error // TCP: the last failed attempt

	closed atomic.Bool
	mu     sync.Mutex // guards conn; never held during I/O
	conn   net.Conn
}

// Python's SocketHandler backoff, which a TCP SyslogHandler takes after a
// failed connection.
const (
	syslogRetryStart = time.Second
	syslogRetryMax   = 30 * time.Second
)

// syslogFacilities are Python's SysLogHandler.facility_names, by number.
var syslogFacilities = [...]string{
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
	"authpriv", "ftp", "ntp", "security", "console", "solaris-cron",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
}

// ParseFacility returns the number of the facility called name, one of
// Python's SysLogHandler.facility_names. Like Python, it takes only the
// lower-case names.
func ParseFacility(name string) (int, error) {
	for i, n := range syslogFacilities {
		if n == name {
			return i, nil
		}
	}
	for _, n := range syslogFacilities {
		if strings.EqualFold(n, name) {
			return 0, fmt.Errorf("unknown facility %q: facility names are lower case, as in Python: %q", name, n)
		}
	}
	return 0, fmt.Errorf("unknown facility %q (want one of %s, or a number 0-23)", name, strings.Join(syslogFacilities[:], ", "))
}

// FacilityName returns the name of facility number n, 0 (kern) to 23
// (local7): Python's LOG_KERN to LOG_LOCAL7.
func FacilityName(n int) (string, bool) {
	if n < 0 || n >= len(syslogFacilities) {
		return "", false
	}
	return syslogFacilities[n], true
}

// CheckSyslog returns the error [NewSyslogHandler] would return for opts
// before it looks anything up or connects, or nil. It does no I/O.
func CheckSyslog(opts *SyslogOptions) error {
	if opts == nil {
		return nil
	}
	var errs []error
	if opts.Path != "" {
		switch opts.Network {
		case "", "unixgram", "unix":
		default:
			errs = append(errs, fmt.Errorf("syslog: network %q with a Unix socket path: want \"unixgram\", \"unix\" or \"\"", opts.Network))
		}
	} else {
		switch opts.Network {
		case "", "udp", "tcp":
		default:
			errs = append(errs, fmt.Errorf("syslog: network %q with a host and port: want \"udp\" or \"tcp\"", opts.Network))
		}
		if opts.Address != "" {
			if _, _, err := splitSyslogAddress(opts.Address); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if opts.Facility != "" {
		if _, err := ParseFacility(opts.Facility); err != nil {
			errs = append(errs, fmt.Errorf("syslog: %w", err))
		}
	}
	if opts.Timeout < 0 {
		errs = append(errs, fmt.Errorf("syslog: negative timeout %v", opts.Timeout))
	}
	return errors.Join(errs...)
}

// splitSyslogAddress splits "host:port", with a port of 1 to 65535 and a
// host that is not empty.
func splitSyslogAddress(addr string) (string, uint16, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("syslog: address %q: want \"host:port\": %w", addr, err)
	}
	if host == "" {
		return "", 0, fmt.Errorf("syslog: address %q: no host", addr)
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil || n == 0 {
		return "", 0, fmt.Errorf("syslog: address %q: want a port number 1-65535", addr)
	}
	return host, uint16(n), nil
}

// NewSyslogHandler returns a SyslogHandler for opts, nil meaning the
// defaults. It looks the host up and, for TCP, connects, within Timeout,
// and returns an error if that fails, as CPython's constructor raises one;
// a Unix socket it cannot connect to is tried again by each record.
func NewSyslogHandler(opts *SyslogOptions) (*SyslogHandler, error) {
	if opts == nil {
		opts = &SyslogOptions{}
	}
	if err := CheckSyslog(opts); err != nil {
		return nil, err
	}
	s := &syslogSender{
		ident:   opts.Ident,
		nul:     !opts.OmitNUL,
		timeout: opts.Timeout,
		sem:     make(chan struct{}, 1),
	}
	if s.timeout == 0 {
		s.timeout = DefaultSyslogTimeout
	}
	s.facility = 1
	if opts.Facility != "" {
		s.facility, _ = ParseFacility(opts.Facility)
	}
	deadline := time.Now().Add(s.timeout)
	switch {
	case opts.Path != "":
		s.unix, s.addr, s.network = true, opts.Path, opts.Network
		// As CPython: a server that is not there yet is not an error; each
		// record tries again.
		if c, err := s.dial(deadline); err == nil {
			s.conn = c
		}
	case opts.Network == "tcp":
		s.addr, s.network = cmp.Or(opts.Address, "localhost:514"), "tcp"
		c, err := s.dial(deadline)
		if err != nil {
			return nil, err
		}
		s.conn = c
	default:
		s.addr = cmp.Or(opts.Address, "localhost:514")
		if err := s.openUDP(deadline); err != nil {
			return nil, err
		}
	}
	return &SyslogHandler{s: s, text: newRecordText(formatterOrDefault(opts.Formatter))}, nil
}

// openUDP looks the host up and makes an unconnected socket of its
// address family, as CPython's constructor does with getaddrinfo.
func (s *syslogSender) openUDP(deadline time.Time) error {
	host, port, err := splitSyslogAddress(s.addr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("syslog: %w", err)
	}
	if len(ips) == 0 {
		return fmt.Errorf("syslog: lookup %s: no address", host)
	}
	ip := ips[0].Unmap()
	network := "udp6"
	if ip.Is4() {
		network = "udp4"
	}
	c, err := net.ListenUDP(network, nil)
	if err != nil {
		return fmt.Errorf("syslog: %w", err)
	}
	s.udp, s.dst = c, netip.AddrPortFrom(ip, port)
	return nil
}

// Enabled reports true: the level belongs in front of the handler (a
// [Handler]).
func (h *SyslogHandler) Enabled(context.Context, slog.Level) bool { return true }

// Handle renders r and sends it, within Timeout. A record the formatter
// fails is not sent, as in Python. The error is the formatter's, or the
// socket's: a record that was not sent in time, a server that is not
// there (except over UDP), [ErrClosed] after Close.
func (h *SyslogHandler) Handle(ctx context.Context, r slog.Record) error {
	s := h.s
	if s.closed.Load() {
		return ErrClosed
	}
	deadline := time.Now().Add(s.timeout)
	if err := s.acquire(deadline); err != nil {
		return err
	}
	defer func() { <-s.sem }()
	buf := append(s.buf[:0], '<')
	buf = strconv.AppendInt(buf, int64(s.facility<<3|syslogSeverity(r.Level)), 10)
	buf = append(buf, '>')
	buf = append(buf, s.ident...)
	buf, err := h.text.appendText(ctx, buf, r)
	if err != nil {
		return err
	}
	if s.nul {
		buf = append(buf, 0)
	}
	if cap(buf) <= maxKeptBuffer {
		s.buf = buf
	}
	return s.send(buf, deadline)
}

// maxKeptBuffer is the largest buffer a handler keeps for the next
// record.
const maxKeptBuffer = 64 << 10

// syslogSeverity is Python's SysLogHandler.mapPriority of the record's
// levelname, as a severity number.
func syslogSeverity(l slog.Level) int {
	name, custom := levels.CustomName(l)
	if !custom {
		switch l {
		case slog.LevelDebug:
			return 7
		case slog.LevelInfo:
			return 6
		case slog.LevelError:
			return 3
		case levels.Critical:
			return 2
		}
		return 4 // WARNING, and every "Level N"
	}
	switch name {
	case "DEBUG":
		return 7
	case "INFO":
		return 6
	case "ERROR":
		return 3
	case "CRITICAL":
		return 2
	}
	return 4
}

// errSyslogBusy is the error of a record that could not be sent because
// the records before it took all its time.
var errSyslogBusy = fmt.Errorf("syslog: timed out waiting for the records before it to be sent: %w", os.ErrDeadlineExceeded)

// acquire takes sem, waiting at most until deadline.
func (s *syslogSender) acquire(deadline time.Time) error {
	select {
	case s.sem <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case s.sem <- struct{}{}:
		return nil
	case <-t.C:
		return errSyslogBusy
	}
}

// send sends one message, under sem.
func (s *syslogSender) send(msg []byte, deadline time.Time) error {
	if s.udp != nil {
		err := s.udp.SetWriteDeadline(deadline)
		if err == nil {
			_, err = s.udp.WriteToUDPAddrPort(msg, s.dst)
		}
		return s.closedOr(err)
	}
	for retried := false; ; retried = true {
		c, err := s.connection(deadline)
		if err != nil {
			return err
		}
		if err = c.SetWriteDeadline(deadline); err == nil {
			_, err = c.Write(msg)
		}
		if err == nil {
			return nil
		}
		s.drop(c)
		if retried || errors.Is(err, os.ErrDeadlineExceeded) || s.closed.Load() {
			return s.closedOr(err)
		}
	}
}

// connection returns the open connection, or makes one, under sem.
func (s *syslogSender) connection(deadline time.Time) (net.Conn, error) {
	s.mu.Lock()
	c := s.conn
	s.mu.Unlock()
	if c != nil {
		return c, nil
	}
	if s.closed.Load() {
		return nil, ErrClosed
	}
	if !s.unix {
		if now := time.Now(); now.Before(s.retryAt) {
			return nil, fmt.Errorf("syslog: not connected, next attempt in %v: %w", s.retryAt.Sub(now).Round(time.Millisecond), s.dialErr)
		}
	}
	// A dial that had little of the record's time left (the records
	// before it took the rest) and ran out of it tells nothing of the
	// server: it starts no backoff.
	fair := time.Until(deadline) >= s.timeout/2
	c, err := s.dial(deadline)
	if err != nil {
		var ne net.Error
		if !s.unix && (fair || !errors.As(err, &ne) || !ne.Timeout()) {
			s.backoff = min(max(2*s.backoff, syslogRetryStart), syslogRetryMax)
			s.retryAt, s.dialErr = time.Now().Add(s.backoff), err
		}
		return nil, s.closedOr(err)
	}
	s.backoff = 0
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		_ = c.Close()
		return nil, ErrClosed
	}
	s.conn = c
	s.mu.Unlock()
	return c, nil
}

// dial connects by deadline. For a Unix socket of either type (Python's
// socktype None) it tries a datagram socket, then a stream socket, and
// keeps to the type that connected, as CPython's _connect_unixsocket does.
func (s *syslogSender) dial(deadline time.Time) (net.Conn, error) {
	d := net.Dialer{Deadline: deadline}
	if s.network != "" {
		return d.Dial(s.network, s.addr)
	}
	if c, err := d.Dial("unixgram", s.addr); err == nil {
		s.network = "unixgram"
		return c, nil
	}
	c, err := d.Dial("unix", s.addr)
	if err != nil {
		return nil, err
	}
	s.network = "unix"
	return c, nil
}

// drop closes c, a connection whose write failed.
func (s *syslogSender) drop(c net.Conn) {
	s.mu.Lock()
	if s.conn == c {
		s.conn = nil
	}
	s.mu.Unlock()
	_ = c.Close()
}

// closedOr returns ErrClosed for an error after Close, else err.
func (s *syslogSender) closedOr(err error) error {
	if err != nil && s.closed.Load() {
		return ErrClosed
	}
	return err
}

// Close closes the socket, interrupting a send in progress; records
// handled after Close fail with [ErrClosed]. Close is idempotent, and
// closes the socket of every handler derived from h.
func (h *SyslogHandler) Close() error {
	s := h.s
	if s.closed.Swap(true) {
		return nil
	}
	s.mu.Lock()
	c := s.conn
	s.conn = nil
	s.mu.Unlock()
	var errs []error
	if c != nil {
		errs = append(errs, c.Close())
	}
	if s.udp != nil {
		errs = append(errs, s.udp.Close())
	}
	return errors.Join(errs...)
}

// WithLoggerName returns a SyslogHandler sharing h's connection whose
// records are formatted for the named logger.
func (h *SyslogHandler) WithLoggerName(name string) slog.Handler {
	return h.with(func(f slog.Handler) slog.Handler { return formatters.WithLoggerName(f, name) })
}

// WithAttrs returns a SyslogHandler sharing h's connection whose records
// carry attrs.
func (h *SyslogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	return h.with(func(f slog.Handler) slog.Handler { return f.WithAttrs(attrs) })
}

// WithGroup returns a SyslogHandler sharing h's connection whose later
// attributes are in group name.
func (h *SyslogHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return h.with(func(f slog.Handler) slog.Handler { return f.WithGroup(name) })
}

func (h *SyslogHandler) with(f func(slog.Handler) slog.Handler) *SyslogHandler {
	h2 := *h
	h2.text = h.text.withHandler(f)
	return &h2
}
