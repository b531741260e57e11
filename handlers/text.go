package handlers

import (
	"bytes"
	"context"
	"log/slog"
	"sync"

	"github.com/slogtree/slogtree/formatters"
)

// recordText renders records to text with a formatter, for the handlers
// that send a record's text somewhere other than a writer: a queue, a
// syslog message, a mail. Its derived values (withHandler) share one
// capture, so rendering is serialised per handler tree, as writing is for
// the formatter handlers over a writer.
type recordText struct {
	h   slog.Handler // the formatter's handler over cap; nil: no formatter
	cap *capture
}

// newRecordText returns the recordText of f; nil f gives a recordText
// whose ok reports false.
func newRecordText(f formatters.Formatter) recordText {
	if f == nil {
		return recordText{}
	}
	c := &capture{}
	return recordText{h: f.NewHandler(c), cap: c}
}

// ok reports whether t has a formatter.
func (t recordText) ok() bool { return t.h != nil }

// text returns r rendered by the formatter, without the newline that ends
// the formatter's line (Python's Formatter.format adds none).
func (t recordText) text(ctx context.Context, r slog.Record) (string, error) {
	t.cap.mu.Lock()
	defer t.cap.mu.Unlock()
	t.cap.buf = t.cap.buf[:0]
	err := t.h.Handle(ctx, r)
	return string(bytes.TrimSuffix(t.cap.buf, []byte("\n"))), err
}

// appendText appends r rendered by the formatter to dst, without the
// newline that ends the formatter's line, and returns the extended slice.
// It renders straight into dst, so the caller copies nothing: dst must
// not be shared with another caller.
func (t recordText) appendText(ctx context.Context, dst []byte, r slog.Record) ([]byte, error) {
	t.cap.mu.Lock()
	defer t.cap.mu.Unlock()
	t.cap.buf = dst
	err := t.h.Handle(ctx, r)
	out := bytes.TrimSuffix(t.cap.buf, []byte("\n"))
	t.cap.buf = nil
	return out, err
}

// withHandler returns t with its formatter handler replaced by f of it
// (WithAttrs, WithGroup, a logger name), sharing the capture.
func (t recordText) withHandler(f func(slog.Handler) slog.Handler) recordText {
	if t.h == nil {
		return t
	}
	return recordText{h: f(t.h), cap: t.cap}
}

// capture is the writer a recordText renders into, one record at a time
// under mu.
type capture struct {
	mu  sync.Mutex
	buf []byte
}

func (c *capture) Write(p []byte) (int, error) {
	c.buf = append(c.buf, p...)
	return len(p), nil
}

// WritesAtomically reports true: recordText serialises its use.
func (c *capture) WritesAtomically() bool { return true }
