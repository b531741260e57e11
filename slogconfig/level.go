package slogconfig

import (
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/slogtree/slogtree/formatters"

	"github.com/slogtree/slogtree/internal/levels"
)

// LevelCritical is Python's CRITICAL (50) as a slog level. DEBUG, INFO,
// WARNING and ERROR are slog's own levels.
//
// A configuration may name a level in Python's way (DEBUG, warning,
// CRITICAL, NOTSET, in any case), in slog's way (WARN, INFO+2, DEBUG-4) or
// by Python number: n becomes the slog level ceil((n-20)*2/5), so 15 is
// slog -2 and 11 is slog -3, and every integer slog level compares with
// it exactly as its Python number would.
const LevelCritical = slog.Level(levels.Critical)

// RegisterLevelName names slog level l, process-wide, as Python's
// addLevelName does: formatters print the name (%(levelname)s, and the
// level of json and text), and configurations accept it as a level, in any
// case and with an offset (TRACE, notice+1). Register names before
// configuring, e.g. RegisterLevelName("TRACE", -8) or
// RegisterLevelName("NOTICE", 2). See [formatters.RegisterLevelName] for
// the rules.
func RegisterLevelName(name string, l slog.Level) error {
	return formatters.RegisterLevelName(name, l)
}

// ParseLevel reads the level of a record as a configuration writes a
// level: a name in any case (Python's, slog's with an offset such as
// INFO+2, the names registered, and the level names of the configurations
// a dry-run Manager applied, see [WithDryRun]), or a whole number, which
// is a Python level number (20 is INFO, 15 is slog -2). NOTSET, and 0, are
// refused: no record has that level.
func (m *Manager) ParseLevel(s string) (slog.Level, error) {
	var l levels.Level
	if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
		l = levels.FromPython(n)
	} else {
		m.mu.Lock()
		names := m.levelNames
		m.mu.Unlock()
		if l, err = levels.ParseNameWith(s, names); err != nil {
			return 0, err
		}
	}
	if l.NotSet {
		return 0, fmt.Errorf("NOTSET is no record's level: %q", s)
	}
	return l.Slog, nil
}
