package handlers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// SocketOptions configures [NewSocketHandler] and [NewDatagramHandler].
// The zero value is the default: Python's timeouts and back-off.
type SocketOptions struct {
	// DialTimeout bounds one connection attempt: the dial of a
	// SocketHandler, the name lookup of a DatagramHandler. Default 1 s,
	// the timeout of Python's SocketHandler.makeSocket.
	DialTimeout time.Duration
	// WriteTimeout bounds what Handle waits for, once the record is
	// encoded: a connection attempt under way, another record's write,
	// then the write of the record. A record that cannot be written in
	// time is dropped, and a SocketHandler's write that times out closes
	// the connection (the stream would be cut in a record), which is then
	// made again. Default 1 s, the timeout of the socket Python's
	// SocketHandler writes to.
	WriteTimeout time.Duration
	// RetryStart is the wait after a failed connection attempt before the
	// next one: Python's retryStart. Default 1 s.
	RetryStart time.Duration
	// RetryFactor multiplies the wait after each further failure:
	// Python's retryFactor. Default 2.
	RetryFactor float64
	// RetryMax caps the wait: Python's retryMax. Default 30 s.
	RetryMax time.Duration
	// ThreadName is the value of the threadName field. Default
	// [formatters.DefaultThreadName].
	ThreadName string
	// OnError receives a [*SendError] after records were dropped, from
	// the handler's goroutine (after each connection attempt, and soon
	// after a write fails), and from Close for the drops not yet reported.
	// Default: nothing is reported, but Dropped still counts the drops.
	OnError func(error)
}

func (o *SocketOptions) withDefaults() SocketOptions {
	var d SocketOptions
	if o != nil {
		d = *o
	}
	d.DialTimeout = cmp.Or(d.DialTimeout, time.Second)
	d.WriteTimeout = cmp.Or(d.WriteTimeout, time.Second)
	d.RetryStart = cmp.Or(d.RetryStart, time.Second)
	d.RetryMax = cmp.Or(d.RetryMax, 30*time.Second)
	if d.RetryFactor < 1 {
		d.RetryFactor = 2
	}
	return d
}

// SendError reports records that a [SocketHandler] or a
// [DatagramHandler] dropped: it had no connection (or no address) when
// they were logged, or their write failed or timed out.
type SendError struct {
	Handler string // "socket" or "datagram"
	Network string
	Address string
	Dropped uint64 // since the previous SendError
	Total   uint64 // since the handler was made
	Err     error  // the last failure: of a connection attempt, or of a write
}

func (e *SendError) Error() string {
	return fmt.Sprintf("%s handler %s %s: dropped %d records (%d in all): %v", e.Handler, e.Network, e.Address, e.Dropped, e.Total, e.Err)
}

func (e *SendError) Unwrap() error { return e.Err }

// errNoConnection is the error of drops before the first connection
// attempt has failed: the records came while it was under way.
var errNoConnection = errors.New("no connection yet")

// errWaited is the error of a record whose time ran out while it waited
// for another record's write.
var errWaited = errors.New("write timeout: the time ran out waiting for another record's write")

// A sender is one connection of a link.
type sender interface {
	// send writes p by deadline; broken reports that the sender must
	// not be used again after err.
	send(p []byte, deadline time.Time) (broken bool, err error)
	// ended receives the error that ended the connection from the other
	// side (nil: it never ends that way).
	ended() <-chan error
	// close closes the connection and waits for what it started.
	close()
}

// link is the connection of a SocketHandler or DatagramHandler, shared by
// the handlers derived from one constructor call, with the goroutine that
// makes it, watches it and makes it again, with Python's back-off, and
// reports drops.
type link struct {
	kind, network, address string
	connect                func(ctx context.Context) (sender, error)
	opts                   SocketOptions

	mu       sync.Mutex
	s        sender        // nil: not connected
	pending  chan struct{} // closed when the attempt under way ends; nil when none is
	closed   bool
	lastErr  error
	dropped  atomic.Uint64
	reported uint64 // by report, which runs on the goroutine, then once in close

	wake   chan struct{} // a drop while connected: report it
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
}

// newLink starts the goroutine of a link, which connects at once: records
// logged meanwhile wait for that attempt (within WriteTimeout).
func newLink(kind, network, address string, connect func(context.Context) (sender, error), opts SocketOptions) *link {
	l := &link{kind: kind, network: network, address: address, connect: connect, opts: opts,
		pending: make(chan struct{}), wake: make(chan struct{}, 1), done: make(chan struct{})}
	l.ctx, l.cancel = context.WithCancel(context.Background())
	go l.run()
	return l
}

func (l *link) run() {
	defer close(l.done)
	var wait time.Duration
	for {
		s, err := l.attempt()
		l.report()
		if l.ctx.Err() != nil {
			return
		}
		if err != nil {
			// Python's createSocket: retryStart after the first failure,
			// then multiplied by retryFactor up to retryMax.
			switch next := float64(wait) * l.opts.RetryFactor; {
			case wait == 0:
				wait = l.opts.RetryStart
			case next >= float64(l.opts.RetryMax):
				wait = l.opts.RetryMax
			default:
				wait = time.Duration(next)
			}
			if !l.sleep(wait) {
				return
			}
			continue
		}
		// Connected: after a disconnection, try again at once, as Python
		// does (its retryTime is reset by a success).
		wait = 0
		l.watch(s)
		l.report()
		if l.ctx.Err() != nil {
			return
		}
	}
}

// attempt makes one connection attempt and installs its sender.
func (l *link) attempt() (sender, error) {
	l.mu.Lock()
	if l.pending == nil {
		l.pending = make(chan struct{})
	}
	pending := l.pending
	l.mu.Unlock()
	ctx, cancel := context.WithTimeout(l.ctx, l.opts.DialTimeout)
	s, err := l.connect(ctx)
	cancel()
	l.mu.Lock()
	defer l.mu.Unlock()
	close(pending)
	l.pending = nil
	if l.closed {
		if s != nil {
			s.close()
		}
		return nil, ErrClosed
	}
	if err != nil {
		l.lastErr = err
		return nil, err
	}
	l.s = s
	return s, nil
}

// watch waits until s ends (closed by the other side, or dropped by a
// failed write) or the link closes, reporting drops as they are signalled.
func (l *link) watch(s sender) {
	ended := s.ended()
	for {
		select {
		case <-l.ctx.Done():
			return
		case err := <-ended:
			l.mu.Lock()
			if l.s == s {
				l.s = nil
				l.lastErr = fmt.Errorf("connection closed by the other side: %w", err)
				s.close()
			}
			l.mu.Unlock()
			return
		case <-l.wake:
			l.report()
			l.mu.Lock()
			gone := l.s != s
			l.mu.Unlock()
			if gone {
				return
			}
		}
	}
}

// sleep waits d, reporting drops as they are signalled; it reports false
// when the link closed first.
func (l *link) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-l.ctx.Done():
			return false
		case <-t.C:
			return true
		case <-l.wake:
			l.report()
		}
	}
}

// send writes one record by deadline, or drops it.
func (l *link) send(p []byte, deadline time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for l.s == nil && l.pending != nil && !l.closed {
		pending := l.pending
		l.mu.Unlock()
		ok := waitUntil(pending, deadline)
		l.mu.Lock()
		if !ok {
			break
		}
	}
	s := l.s
	switch {
	case l.closed:
		return ErrClosed
	case s == nil:
		// Not connected: dropped, reported after the next attempt.
		l.dropped.Add(1)
	case !time.Now().Before(deadline):
		// The time ran out waiting for another record's write: this one
		// is dropped, the connection is kept.
		l.dropped.Add(1)
		l.lastErr = errWaited
		l.signal()
	default:
		if broken, err := s.send(p, deadline); err != nil {
			l.dropped.Add(1)
			l.lastErr = err
			if broken {
				l.s = nil
				s.close()
			}
			l.signal()
		}
	}
	return nil
}

func (l *link) signal() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// waitUntil waits for ch to close, until deadline.
func waitUntil(ch <-chan struct{}, deadline time.Time) bool {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		return false
	}
}

// report sends a SendError for the drops not yet reported.
func (l *link) report() {
	l.mu.Lock()
	total, err := l.dropped.Load(), l.lastErr
	l.mu.Unlock()
	n := total - l.reported
	l.reported = total
	if n == 0 || l.opts.OnError == nil {
		return
	}
	if err == nil {
		err = errNoConnection
	}
	defer func() { _ = recover() }() // an error handler that panics must not stop the goroutine
	l.opts.OnError(&SendError{Handler: l.kind, Network: l.network, Address: l.address, Dropped: n, Total: total, Err: err})
}

func (l *link) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

func (l *link) droppedCount() uint64 { return l.dropped.Load() }

// close closes the connection, stops the goroutine and reports the drops
// not yet reported. It waits for a write under way (WriteTimeout at most).
func (l *link) close() {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.closed = true
	s := l.s
	l.s = nil
	l.mu.Unlock()
	l.cancel()
	if s != nil {
		s.close()
	}
	<-l.done
	l.report()
}

// streamSender is a stream connection, watched by a goroutine that reads
// it: the other side sends nothing, so a read ends only when the
// connection does.
type streamSender struct {
	c      net.Conn
	end    chan error
	reader chan struct{} // closed when the reading goroutine is done
	once   sync.Once
}

func newStreamSender(c net.Conn) *streamSender {
	s := &streamSender{c: c, end: make(chan error, 1), reader: make(chan struct{})}
	go func() {
		defer close(s.reader)
		var buf [256]byte
		for {
			if _, err := c.Read(buf[:]); err != nil {
				s.end <- err
				return
			}
		}
	}()
	return s
}

func (s *streamSender) send(p []byte, deadline time.Time) (bool, error) {
	if err := s.c.SetWriteDeadline(deadline); err != nil {
		return true, err
	}
	_, err := s.c.Write(p)
	return err != nil, err
}

func (s *streamSender) ended() <-chan error { return s.end }

func (s *streamSender) close() {
	s.once.Do(func() {
		_ = s.c.Close()
		<-s.reader
	})
}

// dialStream returns the connect function of a SocketHandler.
func dialStream(network, address string) func(context.Context) (sender, error) {
	return func(ctx context.Context) (sender, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, address)
		if err != nil {
			return nil, err
		}
		return newStreamSender(c), nil
	}
}

// packetSender is an unconnected datagram socket and the address it sends
// to, as CPython's DatagramHandler sends with sendto. Where the system
// cannot make an unbound Unix datagram socket, conn is a connected one.
type packetSender struct {
	pc   net.PacketConn
	addr net.Addr
	conn net.Conn
}

func (s *packetSender) send(p []byte, deadline time.Time) (bool, error) {
	if s.conn != nil {
		if err := s.conn.SetWriteDeadline(deadline); err != nil {
			return true, err
		}
		_, err := s.conn.Write(p)
		return err != nil, err
	}
	if err := s.pc.SetWriteDeadline(deadline); err != nil {
		return true, err
	}
	_, err := s.pc.WriteTo(p, s.addr)
	return false, err // the socket is still good for the next record
}

func (s *packetSender) ended() <-chan error { return nil }

func (s *packetSender) close() {
	if s.conn != nil {
		_ = s.conn.Close()
		return
	}
	_ = s.pc.Close()
}

// dialPacket returns the connect function of a DatagramHandler: it looks
// up the host (an IPv4 address first, as CPython's AF_INET socket takes
// only those) and opens an unconnected socket.
func dialPacket(network, address string) func(context.Context) (sender, error) {
	if network == "unixgram" {
		return func(context.Context) (sender, error) {
			raddr := &net.UnixAddr{Name: address, Net: network}
			pc, err := net.ListenPacket(network, "") // autobind, unbound as CPython's
			if err == nil {
				return &packetSender{pc: pc, addr: raddr}, nil
			}
			c, err := net.DialUnix(network, nil, raddr)
			if err != nil {
				return nil, err
			}
			return &packetSender{conn: c}, nil
		}
	}
	return func(ctx context.Context) (sender, error) {
		host, portName, err := net.SplitHostPort(address)
		if err != nil {
			return nil, err
		}
		port, err := net.DefaultResolver.LookupPort(ctx, network, portName)
		if err != nil {
			return nil, err
		}
		ipNet := map[string]string{"udp": "ip", "udp4": "ip4", "udp6": "ip6"}[network]
		var ip netip.Addr
		if ip, err = netip.ParseAddr(host); err != nil {
			ips, err := net.DefaultResolver.LookupNetIP(ctx, ipNet, host)
			if err != nil {
				return nil, err
			}
			if len(ips) == 0 {
				return nil, &net.DNSError{Err: "no address", Name: host, IsNotFound: true}
			}
			ip = ips[0]
			for _, a := range ips {
				if a.Unmap().Is4() {
					ip = a
					break
				}
			}
		}
		ip = ip.Unmap()
		local := "udp6"
		if ip.Is4() {
			local = "udp4"
		}
		pc, err := net.ListenUDP(local, nil)
		if err != nil {
			return nil, err
		}
		return &packetSender{pc: pc, addr: net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port)))}, nil
	}
}
