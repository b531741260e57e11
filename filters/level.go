package filters

import (
	"context"
	"log/slog"
)

// LevelRange passes the records whose level is at least Min and at most
// Max. It is the type and its own configuration: the zero value passes
// every record.
//
// A handler's level already gives a lower bound; LevelRange adds the upper
// one, so that a handler can take, say, DEBUG and INFO only while another
// takes WARNING and above.
type LevelRange struct {
	// Min is the least level that passes. A *slog.LevelVar is read for
	// each record, so setting it changes the filter. Default nil: no lower
	// bound.
	Min slog.Leveler
	// Max is the greatest level that passes, read like Min. Default nil:
	// no upper bound.
	Max slog.Leveler
}

var _ Filter = LevelRange{}

// Filter passes r when its level is within the range.
func (lr LevelRange) Filter(_ context.Context, _ string, r slog.Record) (slog.Record, bool) {
	if lr.Min != nil && r.Level < lr.Min.Level() {
		return r, false
	}
	if lr.Max != nil && r.Level > lr.Max.Level() {
		return r, false
	}
	return r, true
}
