package slogconfig

import (
	"context"
	"log/slog"
)

// std is the default Manager. Its first configuration makes its root
// logger slog's default, so slog.Info and the log package land on root.
var std = New(ownDefault())

// DictConfig configures the default Manager: see [Manager.DictConfig].
// The first configuration calls slog.SetDefault with the root logger.
func DictConfig(cfg map[string]any) error { return std.DictConfig(cfg) }

// Load configures the default Manager from a file: see [Manager.Load].
func Load(path string) error { return std.Load(path) }

// Logger returns the default Manager's logger called name: see
// [Manager.Logger].
func Logger(name string) *slog.Logger { return std.Logger(name) }

// Handler returns the live handler behind Logger(name).
func Handler(name string) slog.Handler { return std.Handler(name) }

// Shutdown flushes and closes every handler of the default Manager: see
// [Manager.Shutdown].
func Shutdown() error { return std.Shutdown() }

// ShutdownContext is [Shutdown] bounded by ctx: see
// [Manager.ShutdownContext].
func ShutdownContext(ctx context.Context) error { return std.ShutdownContext(ctx) }

// Check checks cfg as the default Manager would apply it, changing
// nothing: see [Manager.Check].
func Check(cfg map[string]any) error { return std.Check(cfg) }

// Reopen reopens every file of the default Manager's configuration: see
// [Manager.Reopen].
func Reopen() error { return std.Reopen() }
