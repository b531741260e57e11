package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"

	"github.com/slogtree/slogtree/formatters"
)

// Overflow is what a [QueueHandler] does with a record when its queue is
// full.
type Overflow int

const (
	// Block makes the caller wait for room in the queue.
	Block Overflow = iota
	// DropNewest drops the record being logged.
	DropNewest
	// DropOldest drops the oldest record in the queue to make room.
	DropOldest
)

func (o Overflow) String() string {
	switch o {
	case Block:
		return "block"
	case DropNewest:
		return "drop_newest"
	case DropOldest:
		return "drop_oldest"
	}
	return fmt.Sprintf("Overflow(%d)", int(o))
}

// ParseOverflow reads an overflow policy by name: "block", "drop_newest"
// or "drop_oldest".
func ParseOverflow(s string) (Overflow, error) {
	for _, o := range []Overflow{Block, DropNewest, DropOldest} {
		if s == o.String() {
			return o, nil
		}
	}
	return 0, fmt.Errorf("overflow must be %q, %q or %q, got %q", "block", "drop_newest", "drop_oldest", s)
}

// DefaultQueueSize is the capacity of a [QueueHandler]'s queue when
// QueueOptions.MaxSize is 0.
const DefaultQueueSize = 10000

// QueueOptions configures [NewQueueHandler]. The zero value is the
// default.
type QueueOptions struct {
	// MaxSize is the number of records the queue holds. Default 0:
	// [DefaultQueueSize]. A negative MaxSize is an unbounded queue, which
	// is Python's queue.Queue(maxsize=0).
	MaxSize int
	// Overflow is what happens to a record when the queue is full.
	// Default [Block].
	Overflow Overflow
	// RespectHandlerLevel makes the listener pass a record only to the
	// handlers enabled for its level (Python's respect_handler_level).
	// Default false: every handler gets every record, as in Python, and
	// a [*Handler] then applies its filters but not its level.
	RespectHandlerLevel bool
	// Formatter, if not nil, formats each record before it is queued, and
	// the formatted line (without its "\n") becomes the record's message,
	// without attributes: Python's QueueHandler.prepare. The handlers
	// downstream format it again. Default nil: records are queued as
	// they are.
	Formatter formatters.Formatter
	// OnError receives a [*ChildError] for each record a handler fails,
	// and a [*DropError] after records were dropped. Default: errors are
	// dropped, but [QueueHandler.Dropped] still counts the drops.
	OnError func(error)
}

// ContextCloser is a handler that holds records for later (a
// [QueueHandler], a [MemoryHandler]) and can be closed within a deadline:
// CloseContext delivers what it holds, or, when ctx is done first, drops it
// and returns an [*AbandonedError] counting what it dropped.
type ContextCloser interface {
	CloseContext(ctx context.Context) error
}

var (
	_ ContextCloser = (*QueueHandler)(nil)
	_ ContextCloser = (*MemoryHandler)(nil)
)

// QueueHandler is Python's QueueHandler with its QueueListener, started
// for you: Handle puts a copy of the record in a bounded queue and returns,
// and one goroutine passes the queued records, in order, to the handlers.
// Close stops taking records, waits until the goroutine has passed on
// every queued record, and stops it.
//
// A QueueHandler specialised with [formatters.WithLoggerName], WithAttrs or
// WithGroup shares the queue and the goroutine of the one it came from,
// and its records reach the handlers as specialised for it.
//
// When the queue is full a record waits, or a record is dropped, by
// Overflow. Drops are counted ([QueueHandler.Dropped]) and reported
// through OnError as a [*DropError], from the goroutine, once per batch of
// records it takes from the queue.
type QueueHandler struct {
	q      *queue
	logger string
	hs     []slog.Handler // the handlers, specialised for this handler
	text   recordText     // the Formatter's, if any
}

var (
	_ slog.Handler           = (*QueueHandler)(nil)
	_ formatters.LoggerNamer = (*QueueHandler)(nil)
)

type queue struct {
	base     []slog.Handler
	max      int // <= 0: unbounded
	overflow Overflow
	respect  bool
	onError  func(error)

	mu        sync.Mutex
	notEmpty  sync.Cond
	notFull   sync.Cond
	ring      []qEntry
	head, n   int
	closed    bool
	abandoned bool // CloseContext gave up: queued records are dropped, not passed on
	taken     int  // records the goroutine took from the ring and has not begun to pass on
	dropped   uint64
	reported  uint64

	once sync.Once
	done chan struct{}
}

type qEntry struct {
	h   *QueueHandler
	ctx context.Context
	r   slog.Record
}

// NewQueueHandler returns a QueueHandler passing records to hs, and starts
// its goroutine. Nil options mean the defaults.
func NewQueueHandler(hs []slog.Handler, opts *QueueOptions) *QueueHandler {
	if opts == nil {
		opts = &QueueOptions{}
	}
	q := &queue{
		base:     slices.Clone(hs),
		max:      opts.MaxSize,
		overflow: opts.Overflow,
		respect:  opts.RespectHandlerLevel,
		onError:  opts.OnError,
		done:     make(chan struct{}),
	}
	if q.max == 0 {
		q.max = DefaultQueueSize
	}
	size := q.max
	if size <= 0 || size > 1024 {
		size = 1024
	}
	q.ring = make([]qEntry, size)
	q.notEmpty.L = &q.mu
	q.notFull.L = &q.mu
	h := &QueueHandler{q: q, logger: "root", hs: q.base}
	h.text = newRecordText(opts.Formatter)
	go q.run()
	return h
}

// Handlers returns the handlers the queue feeds, as given to
// NewQueueHandler.
func (h *QueueHandler) Handlers() []slog.Handler { return slices.Clone(h.q.base) }

// Dropped returns the number of records dropped because the queue was
// full.
func (h *QueueHandler) Dropped() uint64 {
	h.q.mu.Lock()
	defer h.q.mu.Unlock()
	return h.q.dropped
}

// Enabled reports true, or with RespectHandlerLevel whether any handler is
// enabled for level.
func (h *QueueHandler) Enabled(ctx context.Context, level slog.Level) bool {
	if !h.q.respect {
		return true
	}
	for _, c := range h.hs {
		if c.Enabled(ctx, level) {
			return true
		}
	}
	return false
}

// Handle queues a copy of r (formatted first when a Formatter is set). It
// returns an error only when the handler is closed or the formatter
// fails; a dropped record is counted and reported instead.
func (h *QueueHandler) Handle(ctx context.Context, r slog.Record) error {
	if h.text.ok() {
		msg, err := h.text.text(ctx, r)
		if err != nil {
			return err
		}
		r = slog.NewRecord(r.Time, r.Level, msg, r.PC)
	} else {
		r = r.Clone()
	}
	return h.q.put(qEntry{h: h, ctx: ctx, r: r})
}

func (q *queue) put(e qEntry) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return ErrClosed
	}
	if q.n == len(q.ring) {
		switch {
		case q.max <= 0 || len(q.ring) < q.max:
			q.grow()
		case q.overflow == DropNewest:
			q.dropped++
			q.notEmpty.Signal()
			return nil
		case q.overflow == DropOldest:
			q.ring[q.head] = qEntry{}
			q.head = (q.head + 1) % len(q.ring)
			q.n--
			q.dropped++
		default:
			for q.n == len(q.ring) && !q.closed {
				q.notFull.Wait()
			}
			if q.closed {
				return ErrClosed
			}
		}
	}
	q.ring[(q.head+q.n)%len(q.ring)] = e
	q.n++
	if q.n == 1 || q.dropped != q.reported {
		q.notEmpty.Signal()
	}
	return nil
}

// grow doubles the ring, up to max when bounded.
func (q *queue) grow() {
	size := 2 * len(q.ring)
	if q.max > 0 && size > q.max {
		size = q.max
	}
	ring := make([]qEntry, size)
	for i := 0; i < q.n; i++ {
		ring[i] = q.ring[(q.head+i)%len(q.ring)]
	}
	q.ring, q.head = ring, 0
}

func (q *queue) run() {
	defer close(q.done)
	var batch []qEntry
	for {
		q.mu.Lock()
		for q.n == 0 && !q.closed && q.dropped == q.reported {
			q.notEmpty.Wait()
		}
		dropped, total := q.dropped-q.reported, q.dropped
		q.reported = q.dropped
		for ; q.n > 0; q.n-- {
			batch = append(batch, q.ring[q.head])
			q.ring[q.head] = qEntry{}
			q.head = (q.head + 1) % len(q.ring)
		}
		q.head = 0
		q.taken = len(batch)
		done := q.closed && len(batch) == 0
		q.notFull.Broadcast()
		q.mu.Unlock()
		if dropped > 0 && q.onError != nil {
			q.onError(&DropError{Dropped: dropped, Total: total, Overflow: q.overflow, MaxSize: q.max})
		}
		for i := range batch {
			if !q.begin() {
				break // abandoned: CloseContext counted the rest
			}
			q.deliver(&batch[i])
		}
		clear(batch)
		batch = batch[:0]
		if done || q.isAbandoned() {
			return
		}
	}
}

// begin reports whether the goroutine may pass on the next record it took,
// and counts it as begun.
func (q *queue) begin() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.abandoned {
		return false
	}
	q.taken--
	return true
}

func (q *queue) isAbandoned() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.abandoned
}

// deliver passes one queued record to the handlers of the QueueHandler
// it was logged on, as Python's QueueListener.handle does.
func (q *queue) deliver(e *qEntry) {
	multi := len(e.h.hs) > 1
	for i, h := range e.h.hs {
		if q.respect && !h.Enabled(e.ctx, e.r.Level) {
			continue
		}
		r := e.r
		if multi {
			r = r.Clone()
		}
		if err := safeHandle(e.ctx, h, r); err != nil && q.onError != nil {
			q.onError(&ChildError{Index: i, Logger: e.h.logger, Record: r, Err: err})
		}
	}
}

// Close stops taking records, waits until every queued record was passed
// on, and stops the goroutine. Records handled after Close fail with
// [ErrClosed]. Close is idempotent and does not close the handlers, which
// belong to whoever made them.
func (h *QueueHandler) Close() error {
	return h.CloseContext(context.Background())
}

// CloseContext is Close bounded by ctx. If ctx is done first, the records
// still queued, and those the goroutine took but has not begun to pass on,
// are dropped, and the error is an [*AbandonedError] counting them; a
// record being passed on at that moment (to a handler that blocks, say)
// still is, and the goroutine stops once that handler returns. Callers
// waiting for room in the queue then fail with [ErrClosed].
func (h *QueueHandler) CloseContext(ctx context.Context) error {
	q := h.q
	q.once.Do(func() {
		q.mu.Lock()
		q.closed = true
		q.notEmpty.Broadcast()
		q.notFull.Broadcast()
		q.mu.Unlock()
	})
	if q.isAbandoned() {
		return nil // an earlier call gave up, and counted what it dropped
	}
	select {
	case <-q.done:
		return nil
	default:
	}
	select {
	case <-q.done:
		return nil
	case <-ctx.Done():
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.abandoned {
		return nil // counted by the first call that gave up
	}
	select {
	case <-q.done:
		return nil
	default:
	}
	q.abandoned = true
	n := q.n + q.taken
	clear(q.ring)
	q.n, q.taken = 0, 0
	return &AbandonedError{Handler: "queue", Dropped: n, Err: ctx.Err()}
}

// WithLoggerName returns a QueueHandler sharing h's queue whose records go
// to the handlers specialised for the named logger (and are formatted for
// it, with a Formatter).
func (h *QueueHandler) WithLoggerName(name string) slog.Handler {
	h2 := *h
	h2.logger = name
	h2.text = h.text.withHandler(func(f slog.Handler) slog.Handler { return formatters.WithLoggerName(f, name) })
	h2.hs = mapHandlers(h.hs, func(c slog.Handler) slog.Handler { return formatters.WithLoggerName(c, name) })
	return &h2
}

// WithAttrs returns a QueueHandler sharing h's queue whose records carry
// attrs: into the formatted message with a Formatter, else to the
// handlers.
func (h *QueueHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	return h.with(func(c slog.Handler) slog.Handler { return c.WithAttrs(attrs) })
}

// WithGroup returns a QueueHandler sharing h's queue whose later
// attributes are in group name.
func (h *QueueHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return h.with(func(c slog.Handler) slog.Handler { return c.WithGroup(name) })
}

func (h *QueueHandler) with(f func(slog.Handler) slog.Handler) *QueueHandler {
	h2 := *h
	if h.text.ok() {
		h2.text = h.text.withHandler(f)
	} else {
		h2.hs = mapHandlers(h.hs, f)
	}
	return &h2
}

func mapHandlers(hs []slog.Handler, f func(slog.Handler) slog.Handler) []slog.Handler {
	out := make([]slog.Handler, len(hs))
	for i, h := range hs {
		out[i] = f(h)
	}
	return out
}
