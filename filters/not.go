package filters

import (
	"context"
	"log/slog"
)

// Not returns a filter that drops the records f passes and passes,
// unchanged, the records f drops. It is meant for filters that only
// decide, such as [Regex] and [Attr]: the record f would have passed on
// is discarded. Not of a [NameFilter] is a NameFilter.
func Not(f Filter) Filter {
	if nf, ok := f.(NameFilter); ok {
		return notName{nf}
	}
	return not{f}
}

type not struct{ f Filter }

func (n not) Filter(ctx context.Context, logger string, r slog.Record) (slog.Record, bool) {
	_, ok := n.f.Filter(ctx, logger, r)
	return r, !ok
}

type notName struct{ f NameFilter }

var _ NameFilter = notName{}

func (n notName) Filter(ctx context.Context, logger string, r slog.Record) (slog.Record, bool) {
	_, ok := n.f.Filter(ctx, logger, r)
	return r, !ok
}

func (n notName) FilterName(logger string) bool { return !n.f.FilterName(logger) }
