package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/slogtree/slogtree/filters"
	"github.com/slogtree/slogtree/formatters"
)

// Options configures a [Handler]. The zero value is the default.
type Options struct {
	// Level is the least level the handler passes. Default: every level
	// (Python's NOTSET). A *slog.LevelVar is used as it is, so that
	// setting it changes the handler; any other Leveler is read once.
	// [Handler.SetLevel] changes the level later.
	Level slog.Leveler
	// Filters are applied in order after the level; any of them can drop a
	// record. Default none.
	Filters []filters.Filter
	// Name names the handler in the errors it reports, as a configuration
	// names it by its id. Default "".
	Name string
	// OnError receives a [*CallError] for each panic of the wrapped
	// handler or of a filter in a call that has no error to return
	// (Enabled, WithAttrs, WithGroup and the logger-name
	// specialisation). Default: such panics are recovered and dropped.
	// Panics in Handle, and in the filters Handle runs, become the error
	// Handle returns.
	OnError func(error)
	// Trusted skips the recover around calls into the wrapped handler and
	// the filters. Set it only for code that cannot panic: slogtree's own
	// formatters and sinks. Default false: every such call is guarded, so
	// a panic in a handler, a formatter or a filter never reaches the
	// caller that logs.
	Trusted bool
}

// Handler is Python's logging.Handler: a level and filters in front of
// another handler, usually a formatter's handler over a sink.
//
// One Handler is one configured handler, however many loggers and wrappers
// use it: the handlers derived from it (for a logger name with
// [Handler.WithLoggerName], with WithAttrs or WithGroup) share its level,
// filters and closers, so that [Handler.SetLevel] reaches every use, as
// Python's setLevel on its one handler object does.
//
// A Handler is safe for concurrent use.
type Handler struct {
	c      *core
	inner  slog.Handler // the wrapped handler, specialised
	logger string       // the logger name the filters see
	pass   bool         // the name filters pass logger
}

// core is what the handlers derived from one New share.
type core struct {
	name    string
	level   *slog.LevelVar
	filters []filters.Filter
	named   []filters.NameFilter // the filters that look only at the logger name
	records []filters.Filter     // the others, run for every record
	trusted bool
	onError func(error)

	closed  atomic.Bool
	once    sync.Once
	closers []io.Closer
	err     error
}

var (
	_ slog.Handler           = (*Handler)(nil)
	_ slog.Leveler           = (*Handler)(nil)
	_ formatters.LoggerNamer = (*Handler)(nil)
)

// New returns a Handler in front of inner. Nil options mean the defaults.
// Close closes closers, in order, once.
func New(inner slog.Handler, opts *Options, closers ...io.Closer) *Handler {
	if opts == nil {
		opts = &Options{}
	}
	c := &core{name: opts.Name, onError: opts.OnError, trusted: opts.Trusted, closers: closers}
	switch lv := opts.Level.(type) {
	case *slog.LevelVar:
		c.level = lv
	case nil:
		c.level = new(slog.LevelVar)
		c.level.Set(levelAll)
	default:
		c.level = new(slog.LevelVar)
		c.level.Set(lv.Level())
	}
	c.filters = opts.Filters
	for _, f := range c.filters {
		if nf, ok := f.(filters.NameFilter); ok {
			c.named = append(c.named, nf)
		} else {
			c.records = append(c.records, f)
		}
	}
	h := &Handler{c: c, inner: inner, logger: "root"}
	h.pass = h.namesPass("root")
	return h
}

// Handler returns the handler h passes records to.
func (h *Handler) Handler() slog.Handler { return h.inner }

// Name returns the name h was made with.
func (h *Handler) Name() string { return h.c.name }

// Level returns the least level h passes.
func (h *Handler) Level() slog.Level { return h.c.level.Level() }

// SetLevel changes the least level h passes, for h and every handler
// derived from it: Python's Handler.setLevel.
func (h *Handler) SetLevel(l slog.Level) { h.c.level.Set(l) }

// Filters returns h's filters. The caller must not modify the slice.
func (h *Handler) Filters() []filters.Filter { return h.c.filters }

// Trusted reports whether h calls the handler it wraps and its filters
// without a recover (see Options.Trusted).
func (h *Handler) Trusted() bool { return h.c.trusted }

// Passes reports whether h's filters that look only at the logger name pass
// the logger h is specialised for: when they do not, h drops every record.
func (h *Handler) Passes() bool { return h.pass }

// Enabled reports whether level reaches h's level and the wrapped handler
// is enabled for it. A wrapped handler whose Enabled panics is reported
// and counted as enabled, so that its Handle, guarded too, gets the record.
func (h *Handler) Enabled(ctx context.Context, level slog.Level) bool {
	if level < h.c.level.Level() || !h.pass {
		return false
	}
	if h.c.trusted {
		return h.inner.Enabled(ctx, level)
	}
	return h.enabledGuarded(ctx, level)
}

func (h *Handler) enabledGuarded(ctx context.Context, level slog.Level) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			h.report("Enabled", p)
			ok = true
		}
	}()
	return h.inner.Enabled(ctx, level)
}

// Handle applies the filters, then passes r on. Like Python's
// Handler.handle, and like every slog.Handler, it does not check the level:
// that is [Handler.Enabled]'s job, which slog calls first. Handlers that
// forward records without asking (Python's MemoryHandler flush, a queue
// listener that ignores handler levels) rely on this. A panic of the
// wrapped handler or of a filter is returned as an error; the record is
// then lost for this handler only.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if h.c.closed.Load() {
		return ErrClosed
	}
	if !h.pass {
		return nil
	}
	if h.c.trusted {
		for _, f := range h.c.records {
			var ok bool
			if r, ok = f.Filter(ctx, h.logger, r); !ok {
				return nil
			}
		}
		return h.inner.Handle(ctx, r)
	}
	return h.handleGuarded(ctx, r)
}

func (h *Handler) handleGuarded(ctx context.Context, r slog.Record) (err error) {
	inFilter := true
	defer func() {
		if p := recover(); p != nil {
			if inFilter {
				err = fmt.Errorf("filter panicked: %v", p)
			} else {
				err = fmt.Errorf("handler panicked: %v", p)
			}
		}
	}()
	for _, f := range h.c.records {
		var ok bool
		if r, ok = f.Filter(ctx, h.logger, r); !ok {
			return nil
		}
	}
	inFilter = false
	return h.inner.Handle(ctx, r)
}

// WithLoggerName returns a Handler for records of the named logger: the
// filters see that name, the name filters are decided for it once, and the
// wrapped handler is specialised for it ([formatters.WithLoggerName]). It
// returns h itself when nothing depends on the name: no filter, and a
// wrapped handler that does not render the name.
func (h *Handler) WithLoggerName(name string) slog.Handler {
	inner := h.specialise(spec{kind: specName, name: name}, name)
	if len(h.c.filters) == 0 && sameHandler(inner, h.inner) {
		return h
	}
	h2 := *h
	h2.inner, h2.logger = inner, name
	h2.pass = h.namesPass(name)
	return &h2
}

// WithAttrs returns a Handler whose wrapped handler has attrs. If the
// wrapped handler's WithAttrs panics, the panic is reported and the
// attributes are added to each record instead, so that none is lost.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	h2 := *h
	h2.inner = h.specialise(spec{kind: specAttrs, attrs: attrs}, h.logger)
	return &h2
}

// WithGroup returns a Handler whose wrapped handler opens group name. If
// the wrapped handler's WithGroup panics, the panic is reported and the
// group is applied to each record instead.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.inner = h.specialise(spec{kind: specGroup, name: name}, h.logger)
	return &h2
}

// spec is one specialisation of the wrapped handler.
type spec struct {
	kind  uint8
	name  string      // the logger name, or the group
	attrs []slog.Attr // for specAttrs
}

const (
	specName = iota
	specAttrs
	specGroup
)

func (s spec) apply(in slog.Handler) slog.Handler {
	switch s.kind {
	case specName:
		return formatters.WithLoggerName(in, s.name)
	case specAttrs:
		return in.WithAttrs(s.attrs)
	}
	return in.WithGroup(s.name)
}

// specialise applies s to the wrapped handler, guarded unless trusted. On
// a panic it reports it and applies s to each record instead.
func (h *Handler) specialise(s spec, logger string) (out slog.Handler) {
	if h.c.trusted {
		return s.apply(h.inner)
	}
	defer func() {
		if p := recover(); p != nil {
			op := lateOp{attrs: s.attrs}
			switch s.kind {
			case specName:
				h.reportFor("WithLoggerName", logger, p)
				op.attrs = []slog.Attr{slog.String(formatters.LoggerKey, s.name)}
			case specAttrs:
				h.reportFor("WithAttrs", logger, p)
			default:
				h.reportFor("WithGroup", logger, p)
				op.group = s.name
			}
			out = withLate(h.inner, op)
		}
	}()
	return s.apply(h.inner)
}

// namesPass decides the name filters for logger, guarded.
func (h *Handler) namesPass(logger string) (pass bool) {
	if len(h.c.named) == 0 {
		return true
	}
	if !h.c.trusted {
		defer func() {
			if p := recover(); p != nil {
				h.reportFor("FilterName", logger, p)
				pass = false
			}
		}()
	}
	for _, f := range h.c.named {
		if !f.FilterName(logger) {
			return false
		}
	}
	return true
}

func (h *Handler) report(method string, p any) { h.reportFor(method, h.logger, p) }

func (h *Handler) reportFor(method, logger string, p any) {
	if h.c.onError == nil {
		return
	}
	defer func() { _ = recover() }() // an error handler that panics must not take the caller down
	h.c.onError(&CallError{Handler: h.c.name, Logger: logger, Method: method, Err: fmt.Errorf("panicked: %v", p)})
}

// Close closes what the handler was built over (its sink), once; later
// calls return the first result. Records handled after Close fail with
// [ErrClosed]. Unless the handler is trusted, a closer's panic is
// returned as a [*CallError].
func (h *Handler) Close() error {
	h.c.once.Do(func() {
		h.c.closed.Store(true)
		var errs []error
		for _, c := range h.c.closers {
			if err := h.closeOne(c); err != nil {
				errs = append(errs, err)
			}
		}
		h.c.err = errors.Join(errs...)
	})
	return h.c.err
}

func (h *Handler) closeOne(c io.Closer) (err error) {
	if !h.c.trusted {
		defer func() {
			if p := recover(); p != nil {
				err = &CallError{Handler: h.c.name, Logger: h.logger, Method: "Close", Err: fmt.Errorf("panicked: %v", p)}
			}
		}()
	}
	return c.Close()
}

// levelAll is the level that passes every record: Python's NOTSET.
const levelAll = slog.Level(-1 << 62)

// lateOp is a WithAttrs or WithGroup call that the wrapped handler could
// not take, applied to each record instead.
type lateOp struct {
	group string
	attrs []slog.Attr
}

// late is a handler whose WithAttrs or WithGroup panicked: it rebuilds
// each record with the operations it could not pre-apply, nesting the
// record's attributes in the groups as slog would, and passes it to the
// handler as it was before the first failed operation.
type late struct {
	inner slog.Handler
	ops   []lateOp
}

func withLate(inner slog.Handler, op lateOp) slog.Handler {
	if l, ok := inner.(*late); ok {
		ops := append(l.ops[:len(l.ops):len(l.ops)], op)
		return &late{inner: l.inner, ops: ops}
	}
	return &late{inner: inner, ops: []lateOp{op}}
}

func (l *late) Enabled(ctx context.Context, level slog.Level) bool {
	return l.inner.Enabled(ctx, level)
}

func (l *late) Handle(ctx context.Context, r slog.Record) error {
	attrs := make([]slog.Attr, 0, r.NumAttrs())
	r.Attrs(func(a slog.Attr) bool {
		attrs = append(attrs, a)
		return true
	})
	for i := len(l.ops) - 1; i >= 0; i-- {
		op := l.ops[i]
		if op.group != "" {
			attrs = []slog.Attr{{Key: op.group, Value: slog.GroupValue(attrs...)}}
		} else {
			attrs = append(append(make([]slog.Attr, 0, len(op.attrs)+len(attrs)), op.attrs...), attrs...)
		}
	}
	r2 := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r2.AddAttrs(attrs...)
	return l.inner.Handle(ctx, r2)
}

func (l *late) WithAttrs(attrs []slog.Attr) slog.Handler {
	return withLate(l, lateOp{attrs: attrs})
}

func (l *late) WithGroup(name string) slog.Handler {
	return withLate(l, lateOp{group: name})
}

// sameHandler reports whether a and b are the same handler value, without
// the panic of == on handlers of an uncomparable type.
func sameHandler(a, b slog.Handler) bool {
	ta := reflect.TypeOf(a)
	return ta == reflect.TypeOf(b) && ta != nil && ta.Comparable() && a == b
}
