package filters

import (
	"context"
	"log/slog"
	"strings"
)

// Name is Python's logging.Filter(name): it passes records of the logger
// called Name and of its descendants ("a.b" passes "a.b" and "a.b.c" but not
// "a.bc"). The empty name passes everything.
type Name string

var _ NameFilter = Name("")

// FilterName reports whether logger is n or a descendant of n.
func (n Name) FilterName(logger string) bool {
	s := string(n)
	if s == "" || logger == s {
		return true
	}
	return len(logger) > len(s) && logger[len(s)] == '.' && strings.HasPrefix(logger, s)
}

// Filter passes r when [Name.FilterName] passes logger.
func (n Name) Filter(_ context.Context, logger string, r slog.Record) (slog.Record, bool) {
	return r, n.FilterName(logger)
}
