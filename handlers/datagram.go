package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"github.com/slogtree/slogtree/formatters"
)

// DatagramHandler is Python's logging.handlers.DatagramHandler: each
// record is one datagram holding what a [SocketHandler] sends, the 4-byte
// length and the pickle of the record's dict, sent from an unconnected
// socket to the address, as CPython's sendto does. As in CPython, a
// datagram to a port where nothing listens is not an error.
//
// The host is looked up by the handler's goroutine, at once and again
// after a failed lookup with the back-off of a SocketHandler; the socket
// keeps the address found (CPython looks the host up for every record, in
// the logging call). A record logged while the lookup is under way waits
// for it (WriteTimeout at most); a record logged while no address is
// known, or whose write fails, is dropped, counted
// ([DatagramHandler.Dropped]) and reported through OnError as a
// [*SendError], where CPython reports each such record as an error of
// the handler. Unlike CPython, whose socket takes only IPv4, an IPv6
// address is used when the host has no IPv4 one. Over a Unix socket the
// path is sent to for each record, as CPython's sendto does, so a
// receiver that starts again is found at once.
//
// The handlers derived from one NewDatagramHandler (WithAttrs, WithGroup,
// WithLoggerName) share the socket. The formatter of a configuration is
// not used.
type DatagramHandler struct {
	l   *link
	rec pyRecord
}

var (
	_ slog.Handler           = (*DatagramHandler)(nil)
	_ formatters.LoggerNamer = (*DatagramHandler)(nil)
)

// NewDatagramHandler returns a DatagramHandler that sends to address over
// network: "udp" (also "udp4", "udp6") with a "host:port" address, which
// is Python's DatagramHandler(host, port), or "unixgram" with a socket
// path, which is Python's DatagramHandler(path, None). It starts the
// goroutine that looks the address up; nothing else is done before it
// returns. Nil options mean Python's defaults; DialTimeout bounds a
// lookup.
func NewDatagramHandler(network, address string, opts *SocketOptions) (*DatagramHandler, error) {
	switch network {
	case "udp", "udp4", "udp6":
		if _, _, err := net.SplitHostPort(address); err != nil {
			return nil, fmt.Errorf("datagram handler: %w", err)
		}
	case "unixgram":
		if address == "" {
			return nil, fmt.Errorf("datagram handler: empty socket path")
		}
	default:
		return nil, fmt.Errorf("datagram handler: network must be udp, udp4, udp6 or unixgram, got %q", network)
	}
	o := opts.withDefaults()
	return &DatagramHandler{l: newLink("datagram", network, address, dialPacket(network, address), o), rec: newPyRecord(o.ThreadName)}, nil
}

// Network returns the network the handler sends over.
func (h *DatagramHandler) Network() string { return h.l.network }

// Address returns the address the handler sends to.
func (h *DatagramHandler) Address() string { return h.l.address }

// Dropped returns the number of records dropped because they could not be
// sent.
func (h *DatagramHandler) Dropped() uint64 { return h.l.droppedCount() }

// Enabled reports true: levels are decided in front of the handler.
func (h *DatagramHandler) Enabled(context.Context, slog.Level) bool { return true }

// Handle sends r in one datagram, or drops it (see [DatagramHandler]). It
// returns an error only when the handler is closed or the record cannot
// be pickled.
func (h *DatagramHandler) Handle(_ context.Context, r slog.Record) error {
	return sendPickle(h.l, &h.rec, &r)
}

// WithLoggerName returns a DatagramHandler sharing h's socket whose
// records carry name as their name field.
func (h *DatagramHandler) WithLoggerName(name string) slog.Handler {
	h2 := *h
	h2.rec.logger = name
	return &h2
}

// WithAttrs returns a DatagramHandler sharing h's socket whose records
// carry attrs too.
func (h *DatagramHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	h2 := *h
	h2.rec = h.rec.withAttrs(attrs)
	return &h2
}

// WithGroup returns a DatagramHandler sharing h's socket that qualifies
// later attribute keys with name.
func (h *DatagramHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.rec = h.rec.withGroup(name)
	return &h2
}

// Close closes the socket, stops the goroutine and reports the drops not
// yet reported, for h and every handler derived from it. Records handled
// after Close fail with [ErrClosed]. Close is idempotent.
func (h *DatagramHandler) Close() error {
	h.l.close()
	return nil
}
