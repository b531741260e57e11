package formatters

import (
	"log/slog"

	"github.com/slogtree/slogtree/internal/levels"
)

// RegisterLevelName names slog level l, as Python's logging.addLevelName
// does: the pattern formatter's %(levelname)s and the json and text
// formatters print name for records at exactly l, and configured levels
// accept name in any case, alone or with an offset ("TRACE", "notice+1").
// For example RegisterLevelName("TRACE", slog.LevelDebug-4) or
// RegisterLevelName("NOTICE", slog.LevelInfo+2).
//
// The registry is global to the process, as Python's is. A later name for
// the same level replaces the printed name, and the earlier one still
// parses. Names are words without spaces, '+' or '-'; the standard names
// (DEBUG, INFO, WARN, WARNING, ERROR, CRITICAL, FATAL, NOTSET) and a name
// already given to another level are refused. Safe for concurrent use.
func RegisterLevelName(name string, l slog.Level) error {
	return levels.RegisterName(name, l)
}

// LevelName returns the name the json and text formatters print for slog
// level l: the name registered with [RegisterLevelName] for exactly l,
// else CRITICAL for Python's CRITICAL (slog 12) and CRITICAL+n above it,
// else slog's own name (DEBUG, INFO+2, WARN, ERROR-1). Handlers outside
// this module that name levels (an OpenTelemetry severity text, say) call
// it to name them as the formatters do.
func LevelName(l slog.Level) string {
	return levels.SlogName(l)
}
