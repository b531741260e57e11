package filters

import (
	"context"
	"log/slog"
)

// A Filter decides whether a record logged on a named logger goes on. It
// returns the record to pass downstream (usually r itself) and true, or false
// to drop it. Filters are called concurrently and must be safe for that.
type Filter interface {
	Filter(ctx context.Context, logger string, r slog.Record) (slog.Record, bool)
}

// A NameFilter is a Filter whose answer depends only on the logger name.
// FilterName must return the same answer as Filter for every record.
type NameFilter interface {
	Filter
	FilterName(logger string) bool
}

// Func adapts a function to the Filter interface.
type Func func(ctx context.Context, logger string, r slog.Record) (slog.Record, bool)

// Filter calls f.
func (f Func) Filter(ctx context.Context, logger string, r slog.Record) (slog.Record, bool) {
	return f(ctx, logger, r)
}

var _ Filter = Func(nil)
