package otlp

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/contrib/bridges/otelslog"
	"go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/slogtree/slogtree/formatters"
	"github.com/slogtree/slogtree/handlers"
)

// RootScope is the instrumentation scope of the records of the root
// logger, Python's name for it, and of a Handler not specialised for a
// logger name.
const RootScope = "root"

// Handler is a [slog.Handler] that exports records to an OpenTelemetry
// Protocol (OTLP) receiver, through OpenTelemetry's Logs SDK: the otelslog
// bridge converts each record (message to body, attributes and groups to
// attributes and maps, level to severity: see [Severity]); the SDK's batch
// processor queues it; its goroutine exports batches over OTLP/HTTP or
// OTLP/gRPC.
//
// Each logger name is an instrumentation scope: [Handler.WithLoggerName]
// returns the handler for a name, made on first use and kept for the
// Handler's life (the SDK keeps one Logger per scope too). A configuration
// does this for every logger whose records reach the handler.
//
// Handle never waits for the network: the queue (MaxQueueSize records) is
// the only place records wait, and a record that finds it full is dropped,
// counted and reported (see [DropError]). An export that fails is counted
// and reported too (see [ExportError]); [Handler.Stats] has the counts.
//
// A Handler is safe for concurrent use. Close flushes and stops it.
type Handler struct {
	c     *core
	scope string
	ops   []op         // the WithAttrs and WithGroup calls since the scope's handler
	h     slog.Handler // the bridge's handler for scope, with ops applied
}

// op is a WithAttrs or WithGroup call, kept to apply it again to another
// scope's handler.
type op struct {
	group string
	attrs []slog.Attr
}

// core is what the handlers derived from one NewHandler share.
type core struct {
	provider     *sdklog.LoggerProvider
	batch        *sdklog.BatchProcessor
	bridge       log.LoggerProvider
	source       bool
	level        slog.Leveler
	counts       *counts
	scopes       sync.Map // scope name → *otelslog.Handler
	closeTimeout time.Duration
	closed       atomic.Bool
	closeOnce    sync.Once
}

var (
	_ slog.Handler           = (*Handler)(nil)
	_ formatters.LoggerNamer = (*Handler)(nil)
	_ handlers.ContextCloser = (*Handler)(nil)
	_ io.Closer              = (*Handler)(nil)
)

// NewHandler returns a Handler for the root scope ([RootScope]), with its
// exporter and batch processor. Nil options mean the defaults, completed
// from the environment as [Options] says. It opens no connection: the
// exporter connects when it first exports. It fails on options that are
// not valid, naming each bad field, and on TLS files named by the
// environment that cannot be read.
func NewHandler(opts *Options) (*Handler, error) {
	if opts == nil {
		opts = &Options{}
	}
	s, probs := resolve(opts)
	if len(probs) > 0 {
		return nil, probs.goError()
	}
	res, err := newResource(opts.Resource)
	if err != nil {
		return nil, err
	}
	exp, tr := opts.Exporter, (*http.Transport)(nil)
	if exp == nil {
		if exp, tr, err = newExporter(s); err != nil {
			return nil, err
		}
	}
	c := &core{
		level:        opts.Level,
		source:       opts.AddSource,
		closeTimeout: s.closeTimeout,
		counts:       &counts{capacity: int64(s.queueSize), onError: opts.OnError},
	}
	c.batch = sdklog.NewBatchProcessor(&countingExporter{next: exp, c: c.counts, transport: tr},
		sdklog.WithMaxQueueSize(s.queueSize),
		sdklog.WithExportMaxBatchSize(s.batchSize),
		sdklog.WithExportInterval(s.interval),
	)
	c.provider = sdklog.NewLoggerProvider(
		sdklog.WithResource(res),
		sdklog.WithProcessor(&gate{next: c.batch, c: c.counts}),
	)
	c.bridge = &levelNames{next: c.provider}
	return &Handler{c: c, scope: RootScope, h: c.scopeHandler(RootScope)}, nil
}

// scopeHandler returns the bridge's handler for scope name, made once.
func (c *core) scopeHandler(name string) slog.Handler {
	if h, ok := c.scopes.Load(name); ok {
		return h.(slog.Handler)
	}
	h, _ := c.scopes.LoadOrStore(name, otelslog.NewHandler(name,
		otelslog.WithLoggerProvider(c.bridge), otelslog.WithSource(c.source)))
	return h.(slog.Handler)
}

// Scope returns the instrumentation scope of h's records.
func (h *Handler) Scope() string { return h.scope }

// LoggerProvider returns the SDK LoggerProvider h emits through. Records
// emitted through it directly (by the otelslog bridge, say) share h's
// queue and exporter; Close shuts it down.
func (h *Handler) LoggerProvider() *sdklog.LoggerProvider { return h.c.provider }

// Stats returns the counts of h's records, shared by every handler derived
// from the same NewHandler.
func (h *Handler) Stats() Stats { return h.c.counts.stats() }

// Enabled reports whether level reaches Options.Level.
func (h *Handler) Enabled(_ context.Context, level slog.Level) bool {
	return h.c.level == nil || level >= h.c.level.Level()
}

// Handle converts r with the otelslog bridge and queues it for export. It
// returns [handlers.ErrClosed] after Close and nil otherwise: a record the
// queue has no room for is dropped and counted, not an error of the
// caller's.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if h.c.closed.Load() {
		return handlers.ErrClosed
	}
	return h.h.Handle(ctx, r)
}

// WithLoggerName returns a Handler like h whose records have the
// instrumentation scope name (the root logger's is [RootScope]).
func (h *Handler) WithLoggerName(name string) slog.Handler {
	if name == "" {
		name = RootScope
	}
	if name == h.scope {
		return h
	}
	h2 := *h
	h2.scope = name
	h2.h = h.c.scopeHandler(name)
	for _, o := range h.ops {
		h2.h = o.apply(h2.h)
	}
	return &h2
}

// WithAttrs returns a Handler whose records carry attrs, in the groups
// opened so far, as the bridge maps them.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	return h.with(op{attrs: slices.Clip(attrs)})
}

// WithGroup returns a Handler whose later attributes are in group name, a
// map attribute.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return h.with(op{group: name})
}

func (h *Handler) with(o op) *Handler {
	h2 := *h
	h2.ops = append(slices.Clip(h.ops), o)
	h2.h = o.apply(h.h)
	return &h2
}

func (o op) apply(h slog.Handler) slog.Handler {
	if o.group != "" {
		return h.WithGroup(o.group)
	}
	return h.WithAttrs(o.attrs)
}

// ForceFlush exports every queued record now, and returns when the
// exporter is done with them or ctx is done. A record that fails to export
// is counted and reported, not returned.
func (h *Handler) ForceFlush(ctx context.Context) error {
	return h.c.provider.ForceFlush(ctx)
}

// Close is CloseContext with no deadline but Options.CloseTimeout.
func (h *Handler) Close() error {
	return h.CloseContext(context.Background())
}

// CloseContext stops h and every handler derived from the same
// NewHandler: later records fail with [handlers.ErrClosed]; the queued
// records are exported (ForceFlush), then the SDK and the exporter shut
// down, within ctx and Options.CloseTimeout, whichever ends first. If time
// runs out, the records still queued are dropped and counted
// (Stats.Abandoned) and the error is a [*handlers.AbandonedError] counting
// them; an export already under way then finishes in the background,
// within the exporter's Timeout, and its outcome is counted. CloseContext
// closes once: later calls return nil.
func (h *Handler) CloseContext(ctx context.Context) error {
	c := h.c
	var err error
	c.closeOnce.Do(func() {
		c.closed.Store(true)
		ctx, cancel := context.WithTimeout(ctx, c.closeTimeout)
		defer cancel()
		err = errors.Join(c.provider.ForceFlush(ctx), c.provider.Shutdown(ctx))
		// The provider gives up before it shuts its processors down when
		// ctx is done: the batch processor's own Shutdown still stops its
		// goroutine once the export under way returns.
		_ = c.batch.Shutdown(ctx)
		c.counts.reportDrops()
		if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
			err = nil // the context's end is told by the AbandonedError, if anything was lost
		}
		if n := c.counts.abandon(); n > 0 {
			why := ctx.Err()
			if why == nil {
				why = handlers.ErrClosed // records emitted while it closed
			}
			err = errors.Join(&handlers.AbandonedError{Handler: "otlp", Dropped: n, Err: why}, err)
		}
	})
	return err
}
