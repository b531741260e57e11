package slogconfig

import (
	"context"
	"log/slog"
)

// WithDryRun makes a Manager that applies configurations without building
// their handlers: every configuration is checked as [Manager.Check] checks
// it, then each handler is replaced by a stand-in with its level, its
// filters and the handlers it wraps, that writes nothing. No handler
// class is called (a registered class's Check is, as by Check), no file
// is opened, created, truncated or rotated, no goroutine is started, and
// the configurations' level names (slogtree_levels) are kept by the
// Manager instead of registered process-wide.
//
// Its loggers route records exactly as a Manager that built the handlers
// would, so that [Manager.Tree] and [Manager.Explain] show what a
// configuration would do, which is what the slogconfig command's tree and
// explain do with a file; the records themselves go nowhere.
func WithDryRun() Option {
	return optionFunc(func(m *Manager) { m.dryRun = true })
}

// standIn is the handler behind a dry run's handler objects: it takes
// every level and writes nothing.
type standIn struct{}

var _ slog.Handler = standIn{}

func (standIn) Enabled(context.Context, slog.Level) bool  { return true }
func (standIn) Handle(context.Context, slog.Record) error { return nil }
func (s standIn) WithAttrs([]slog.Attr) slog.Handler      { return s }
func (s standIn) WithGroup(string) slog.Handler           { return s }
