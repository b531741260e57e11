package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/slogtree/slogtree/formatters"
)

// SocketHandler is Python's logging.handlers.SocketHandler: each record
// goes over a stream connection as CPython's SocketHandler.makePickle
// builds it, a 4-byte big-endian length and then a protocol-1 pickle of
// the record's dict, which the receiver of Python's logging cookbook
// rebuilds with logging.makeLogRecord(pickle.loads(data)). The dict has
// the fields of Python's LogRecord in CPython 3.11's order, msg being the
// message and args and exc_info None, then the attributes as Python's
// extra adds them (groups as dotted keys, g.k). An exc_info attribute
// becomes the exc_text field, a stack_info attribute the stack_info field,
// and an attribute named like another field is sent as name_ instead of
// overwriting it. Strings travel as str, integers as int, floats as float,
// booleans as bool, nil as None, any other value as the str() the pattern
// formatter renders for it; invalid UTF-8 becomes U+FFFD.
//
// Where Python connects in the logging call, a SocketHandler connects in
// a goroutine of its own, at once, and again whenever the connection
// ends, with Python's back-off after a failed attempt (RetryStart,
// multiplied by RetryFactor after each further failure, up to RetryMax).
// Handle never waits longer than WriteTimeout: a record logged while an
// attempt is under way waits for it; a record logged while the handler
// waits to retry is dropped at once, as Python drops it; a write that
// times out is dropped and closes the connection. Python drops such
// records silently; a SocketHandler counts them ([SocketHandler.Dropped])
// and reports them through OnError as a [*SendError].
//
// Each record is one Write on the connection, and the handlers derived
// from one NewSocketHandler (WithAttrs, WithGroup, WithLoggerName) share
// the connection and its lock. The formatter of a configuration is not
// used: the record's fields are sent.
type SocketHandler struct {
	l   *link
	rec pyRecord
}

var (
	_ slog.Handler           = (*SocketHandler)(nil)
	_ formatters.LoggerNamer = (*SocketHandler)(nil)
)

// NewSocketHandler returns a SocketHandler that sends to address over
// network: "tcp" (also "tcp4", "tcp6") with a "host:port" address, which
// is Python's SocketHandler(host, port), or "unix" with a socket path,
// which is Python's SocketHandler(path, None). It starts the goroutine
// that connects; nothing else is done before it returns. Nil options mean
// Python's defaults.
func NewSocketHandler(network, address string, opts *SocketOptions) (*SocketHandler, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
		if _, _, err := net.SplitHostPort(address); err != nil {
			return nil, fmt.Errorf("socket handler: %w", err)
		}
	case "unix":
		if address == "" {
			return nil, fmt.Errorf("socket handler: empty socket path")
		}
	default:
		return nil, fmt.Errorf("socket handler: network must be tcp, tcp4, tcp6 or unix, got %q", network)
	}
	o := opts.withDefaults()
	return &SocketHandler{l: newLink("socket", network, address, dialStream(network, address), o), rec: newPyRecord(o.ThreadName)}, nil
}

// Network returns the network the handler sends over.
func (h *SocketHandler) Network() string { return h.l.network }

// Address returns the address the handler sends to.
func (h *SocketHandler) Address() string { return h.l.address }

// Dropped returns the number of records dropped because they could not be
// sent.
func (h *SocketHandler) Dropped() uint64 { return h.l.droppedCount() }

// Enabled reports true: levels are decided in front of the handler.
func (h *SocketHandler) Enabled(context.Context, slog.Level) bool { return true }

// Handle sends r, or drops it (see [SocketHandler]). It returns an error
// only when the handler is closed or the record cannot be pickled.
func (h *SocketHandler) Handle(_ context.Context, r slog.Record) error {
	return sendPickle(h.l, &h.rec, &r)
}

// sendPickle sends r's pickle over l.
func sendPickle(l *link, rec *pyRecord, r *slog.Record) error {
	if l.isClosed() {
		return ErrClosed
	}
	d := getPyDict()
	defer d.put()
	rec.build(d, r, slog.Value{}) // makePickle's args = None
	var err error
	if d.frame, err = d.appendPickle(d.frame[:0]); err != nil {
		return err
	}
	// WriteTimeout bounds the waiting, from here: for a connection
	// attempt, for another record's write, for this write.
	return l.send(d.frame, time.Now().Add(l.opts.WriteTimeout))
}

// WithLoggerName returns a SocketHandler sharing h's connection whose
// records carry name as their name field.
func (h *SocketHandler) WithLoggerName(name string) slog.Handler {
	h2 := *h
	h2.rec.logger = name
	return &h2
}

// WithAttrs returns a SocketHandler sharing h's connection whose records
// carry attrs too.
func (h *SocketHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	h2 := *h
	h2.rec = h.rec.withAttrs(attrs)
	return &h2
}

// WithGroup returns a SocketHandler sharing h's connection that qualifies
// later attribute keys with name.
func (h *SocketHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.rec = h.rec.withGroup(name)
	return &h2
}

// Close closes the connection, stops the goroutine and reports the drops
// not yet reported, for h and every handler derived from it. It waits for
// a write under way (WriteTimeout at most). Records handled after Close
// fail with [ErrClosed]. Close is idempotent.
func (h *SocketHandler) Close() error {
	h.l.close()
	return nil
}
