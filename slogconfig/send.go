package slogconfig

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"
)

// A SendOption configures [Send].
type SendOption interface {
	applySend(*sendConfig)
}

type sendConfig struct {
	sign func([]byte) []byte
}

type sendOptionFunc func(*sendConfig)

func (f sendOptionFunc) applySend(c *sendConfig) { f(c) }

// Sign makes [Send] send sign(payload) instead of the payload, for a
// Listener whose [Verify] function undoes it; [HMACSigner] makes one.
func Sign(sign func(payload []byte) []byte) SendOption {
	return sendOptionFunc(func(c *sendConfig) { c.sign = sign })
}

// Send sends a configuration (JSON or INI) to a listener at addr ("" is
// [DefaultListenAddr]), a [Listener] or Python's logging.config.listen,
// and waits for its status. It returns nil when the listener applied the
// configuration, a [*RemoteError] when it refused it, and [ErrNoStatus] when
// it closed the connection without answering. ctx bounds the whole
// exchange.
func Send(ctx context.Context, addr string, payload []byte, opts ...SendOption) (err error) {
	var cfg sendConfig
	for _, o := range opts {
		if o != nil {
			o.applySend(&cfg)
		}
	}
	if addr == "" {
		addr = DefaultListenAddr
	}
	if cfg.sign != nil {
		payload = cfg.sign(payload)
	}
	if len(payload) > 1<<32-1 {
		return fmt.Errorf("slogconfig: Send: payload of %d bytes does not fit the 4-byte length", len(payload))
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("slogconfig: Send: %w", err)
	}
	defer func() { _ = c.Close() }()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	defer func() {
		stop()
		if err == nil || errors.Is(err, ErrNoStatus) {
			return
		}
		// The connection's deadline is the context's: report the context.
		if cerr := ctx.Err(); cerr != nil {
			err = fmt.Errorf("slogconfig: Send: %w", cerr)
		} else if dl, ok := ctx.Deadline(); ok && isNetTimeout(err) && !time.Now().Before(dl) {
			err = fmt.Errorf("slogconfig: Send: %w", context.DeadlineExceeded)
		}
	}()
	frame := make([]byte, 4+len(payload))
	binary.BigEndian.PutUint32(frame, uint32(len(payload)))
	copy(frame[4:], payload)
	_, werr := c.Write(frame)
	// A listener that refuses a payload early (too large) answers before
	// it has read it all: read its status even when the write failed.
	var hdr [4]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		switch {
		case werr != nil:
			return fmt.Errorf("slogconfig: Send: %w", werr)
		case errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET):
			return ErrNoStatus
		}
		return fmt.Errorf("slogconfig: Send: reading the status: %w", err)
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > maxListenStatus {
		return fmt.Errorf("slogconfig: Send: status of %d bytes is over the limit of %d", n, maxListenStatus)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(c, body); err != nil {
		return fmt.Errorf("slogconfig: Send: reading the status: %w", err)
	}
	var st listenStatus
	if err := json.Unmarshal(body, &st); err != nil {
		return fmt.Errorf("slogconfig: Send: invalid status %q: %w", body, err)
	}
	if !st.OK {
		return &RemoteError{Msg: st.Error}
	}
	return nil
}
