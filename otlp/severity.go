package otlp

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel/log"
	"go.opentelemetry.io/otel/log/embedded"

	"github.com/slogtree/slogtree/formatters"
)

// severityOffset is what the otelslog bridge adds to a slog level to make
// an OpenTelemetry severity: DEBUG (-4) is SeverityDebug (5).
const severityOffset = slog.Level(log.SeverityDebug) - slog.LevelDebug

// Severity returns the OpenTelemetry severity number of slog level l:
// DEBUG, INFO, WARN and ERROR are DEBUG, INFO, WARN and ERROR; slogtree's
// CRITICAL (slog 12) is FATAL; a level between two of them is the
// severity as far above the lower one (INFO+2 is INFO3, WARN-1 is INFO4,
// ERROR+3 is ERROR4), the otelslog bridge's offsets. Levels below DEBUG-4
// are TRACE and levels above CRITICAL+3 are FATAL4: the range stops there.
func Severity(l slog.Level) log.Severity {
	return log.Severity(min(max(l+severityOffset, slog.Level(log.SeverityTrace1)), slog.Level(log.SeverityFatal4)))
}

// levelNames is the LoggerProvider the bridge emits through: its loggers
// fix the severity number into OpenTelemetry's range and name the level as
// slogtree's formatters do (CRITICAL, and the names registered with
// formatters.RegisterLevelName) in the severity text, where the bridge
// puts slog's name ("ERROR+4").
type levelNames struct {
	embedded.LoggerProvider
	next log.LoggerProvider
}

var _ log.LoggerProvider = (*levelNames)(nil)

func (p *levelNames) Logger(name string, opts ...log.LoggerOption) log.Logger {
	return &levelNamer{next: p.next.Logger(name, opts...)}
}

type levelNamer struct {
	embedded.Logger
	next log.Logger
}

func (l *levelNamer) Emit(ctx context.Context, r log.Record) {
	level := slog.Level(r.Severity()) - severityOffset
	r.SetSeverity(Severity(level))
	r.SetSeverityText(formatters.LevelName(level))
	l.next.Emit(ctx, r)
}

func (l *levelNamer) Enabled(ctx context.Context, p log.EnabledParameters) bool {
	return l.next.Enabled(ctx, p)
}
