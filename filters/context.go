package filters

import (
	"context"
	"fmt"
	"log/slog"
)

// A ContextFunc returns the attributes to add to a record from the
// context it was logged with (a request id, a trace id, a user), or none.
type ContextFunc func(ctx context.Context) []slog.Attr

// ContextOptions configures a [Context] filter. The zero value is the
// default.
type ContextOptions struct {
	// Name names the filter in the errors it reports, as a configuration
	// names it by its id. Default "".
	Name string
	// OnError receives an error for each panic of the function. Default:
	// the panic is recovered and dropped.
	OnError func(error)
}

// Context is the filter of Python's cookbook that adds contextual
// information to a record: it calls a [ContextFunc] with the context the
// record was logged with (slog.InfoContext, Logger.LogAttrs), and passes
// on a copy of the record with the attributes it returns added after the
// record's own. A record for which the function returns nothing passes
// unchanged, without a copy.
//
// Context never drops a record. The function is a program's code: a panic
// in it is recovered and reported through OnError, and the record passes
// unchanged. Context is safe for concurrent use if the function is.
type Context struct {
	f       ContextFunc
	name    string
	onError func(error)
}

var _ Filter = (*Context)(nil)

// NewContext returns a Context filter that adds the attributes f returns.
// Nil options mean the defaults.
func NewContext(f ContextFunc, opts *ContextOptions) *Context {
	if opts == nil {
		opts = &ContextOptions{}
	}
	return &Context{f: f, name: opts.Name, onError: opts.OnError}
}

// Filter passes r with the attributes of its context added.
func (c *Context) Filter(ctx context.Context, _ string, r slog.Record) (slog.Record, bool) {
	if ctx == nil {
		ctx = context.Background()
	}
	attrs := c.call(ctx)
	if len(attrs) == 0 {
		return r, true
	}
	r = r.Clone()
	r.AddAttrs(attrs...)
	return r, true
}

// call calls the function, turning a panic into a report and no
// attributes.
func (c *Context) call(ctx context.Context) (attrs []slog.Attr) {
	defer func() {
		if p := recover(); p != nil {
			attrs = nil
			c.report(fmt.Errorf("filter %q: context function panicked: %v", c.name, p))
		}
	}()
	return c.f(ctx)
}

func (c *Context) report(err error) {
	if c.onError == nil {
		return
	}
	defer func() { _ = recover() }() // an error handler that panics must not take the caller down
	c.onError(err)
}
