package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/slogtree/slogtree/formatters"
)

// MemoryOptions configures [NewMemoryHandler]. The zero value is the
// default.
type MemoryOptions struct {
	// Capacity is the number of buffered records that triggers a flush.
	// Default 0: every record is flushed at once.
	Capacity int
	// FlushLevel is the least level of a record that triggers a flush.
	// Default nil: [slog.LevelError], Python's ERROR.
	FlushLevel slog.Leveler
	// NoFlushOnClose makes Close drop the buffered records instead of
	// flushing them (Python's flushOnClose=False). Default false.
	NoFlushOnClose bool
}

// MemoryHandler is Python's logging.handlers.MemoryHandler: it buffers
// records and passes them all to its target when the buffer holds Capacity
// records or a record reaches FlushLevel, and when it is closed.
//
// A flush calls the target's Handle without asking its Enabled first, as
// CPython's flush calls target.handle(): a [*Handler] target applies its
// filters but not its level. Records keep the logger name, attributes and
// groups of the handler they were logged on: a MemoryHandler specialised
// with [formatters.WithLoggerName], WithAttrs or WithGroup shares the buffer
// of the one it came from and flushes each record to the target as
// specialised for it. A flush holds the buffer's lock while it hands the
// records over, so records reach the target in the order they were
// logged.
type MemoryHandler struct {
	b      *memBuffer
	target slog.Handler // the target as specialised for this handler; nil: none
}

var (
	_ slog.Handler           = (*MemoryHandler)(nil)
	_ formatters.LoggerNamer = (*MemoryHandler)(nil)
)

type memBuffer struct {
	capacity   int
	flushLevel slog.Leveler
	flushClose bool
	target     slog.Handler

	mu      sync.Mutex
	entries []memEntry
	closed  bool
	closing atomic.Bool   // Close's flush has started
	done    chan struct{} // closed when Close's flush is over
	err     error

	// held counts the buffered records whose delivery has not begun.
	// CloseContext swaps in abandoned when it gives up: a flush in
	// progress then stops at its next record, and the count is what was
	// dropped.
	held atomic.Int64
}

// abandoned is held after CloseContext gave up: far below zero.
const abandoned = -1 << 62

type memEntry struct {
	ctx context.Context
	h   slog.Handler
	r   slog.Record
}

// NewMemoryHandler returns a MemoryHandler flushing to target. A nil
// target makes a handler that drops every record: CPython would keep them
// in memory for a target set later, which this handler has no way to get.
// Nil options mean the defaults.
func NewMemoryHandler(target slog.Handler, opts *MemoryOptions) *MemoryHandler {
	if opts == nil {
		opts = &MemoryOptions{}
	}
	b := &memBuffer{capacity: opts.Capacity, flushLevel: opts.FlushLevel, flushClose: !opts.NoFlushOnClose, target: target,
		done: make(chan struct{})}
	if b.flushLevel == nil {
		b.flushLevel = slog.LevelError
	}
	return &MemoryHandler{b: b, target: target}
}

// Target returns the handler h flushes to, as given to NewMemoryHandler.
func (h *MemoryHandler) Target() slog.Handler { return h.b.target }

// Enabled reports true: the buffer takes records of every level. The
// level of the handler belongs in front of it (a [Handler]).
func (h *MemoryHandler) Enabled(context.Context, slog.Level) bool { return true }

// Handle buffers a copy of r, then flushes the buffer if it is full or r
// reaches the flush level. The error is the target's, if a flush failed.
func (h *MemoryHandler) Handle(ctx context.Context, r slog.Record) error {
	if h.target == nil {
		return nil
	}
	b := h.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrClosed
	}
	if b.held.Add(1) < 0 {
		return ErrClosed // CloseContext gave up
	}
	b.entries = append(b.entries, memEntry{ctx: ctx, h: h.target, r: r.Clone()})
	if len(b.entries) >= b.capacity || r.Level >= b.flushLevel.Level() {
		return b.flushLocked()
	}
	return nil
}

// Flush passes every buffered record to the target.
func (h *MemoryHandler) Flush() error {
	h.b.mu.Lock()
	defer h.b.mu.Unlock()
	return h.b.flushLocked()
}

func (b *memBuffer) flushLocked() error {
	var errs []error
	for i, e := range b.entries {
		if b.held.Add(-1) < 0 {
			break // CloseContext gave up, and counted the rest
		}
		if err := safeHandle(e.ctx, e.h, e.r); err != nil {
			errs = append(errs, err)
		}
		b.entries[i] = memEntry{}
	}
	clear(b.entries)
	b.entries = b.entries[:0]
	return errors.Join(errs...)
}

// safeHandle calls h.Handle, turning a panic into an error.
func safeHandle(ctx context.Context, h slog.Handler, r slog.Record) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panicked: %v", p)
		}
	}()
	return h.Handle(ctx, r)
}

// Close flushes the buffer (unless NoFlushOnClose is set) and makes later
// records fail with [ErrClosed]. Close is idempotent and does not close
// the target, which belongs to whoever made it.
func (h *MemoryHandler) Close() error {
	return h.CloseContext(context.Background())
}

// CloseContext is Close bounded by ctx. If ctx is done before the flush is
// over (a target that blocks), the records not yet passed on are dropped
// and the error is an [*AbandonedError] counting them; the record being
// passed on at that moment still is, once the target returns.
func (h *MemoryHandler) CloseContext(ctx context.Context) error {
	b := h.b
	if b.closing.CompareAndSwap(false, true) {
		go func() {
			defer close(b.done)
			b.mu.Lock()
			defer b.mu.Unlock()
			if b.flushClose {
				b.err = b.flushLocked()
			}
			if n := len(b.entries); n > 0 {
				b.held.Add(-int64(n)) // not flushed: NoFlushOnClose, or abandoned
			}
			clear(b.entries)
			b.entries = nil
			b.closed = true
		}()
	}
	select {
	case <-b.done:
		return b.err
	default:
	}
	if b.held.Load() < 0 {
		return nil // an earlier call gave up, and counted what it dropped
	}
	select {
	case <-b.done:
		return b.err
	case <-ctx.Done():
	}
	if n := b.held.Swap(abandoned); n > 0 {
		return &AbandonedError{Handler: "memory", Dropped: int(n), Err: ctx.Err()}
	}
	return nil
}

// WithLoggerName returns a MemoryHandler sharing h's buffer whose records
// go to the target specialised for the named logger.
func (h *MemoryHandler) WithLoggerName(name string) slog.Handler {
	if h.target == nil {
		return h
	}
	return &MemoryHandler{b: h.b, target: formatters.WithLoggerName(h.target, name)}
}

// WithAttrs returns a MemoryHandler sharing h's buffer whose records carry
// attrs to the target.
func (h *MemoryHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if h.target == nil || len(attrs) == 0 {
		return h
	}
	return &MemoryHandler{b: h.b, target: h.target.WithAttrs(attrs)}
}

// WithGroup returns a MemoryHandler sharing h's buffer whose records open
// group name at the target.
func (h *MemoryHandler) WithGroup(name string) slog.Handler {
	if h.target == nil || name == "" {
		return h
	}
	return &MemoryHandler{b: h.b, target: h.target.WithGroup(name)}
}
