package filters

import (
	"log/slog"
	"testing"
)

func TestLevelRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		give  LevelRange
		level slog.Level
		want  bool
	}{
		{"zero passes debug", LevelRange{}, slog.LevelDebug - 8, true},
		{"zero passes critical", LevelRange{}, slog.Level(12), true},
		{"below min", LevelRange{Min: slog.LevelInfo}, slog.LevelDebug, false},
		{"at min", LevelRange{Min: slog.LevelInfo}, slog.LevelInfo, true},
		{"above min", LevelRange{Min: slog.LevelInfo}, slog.LevelError, true},
		{"at max", LevelRange{Max: slog.LevelInfo}, slog.LevelInfo, true},
		{"above max", LevelRange{Max: slog.LevelInfo}, slog.LevelInfo + 1, false},
		{"below max", LevelRange{Max: slog.LevelInfo}, slog.LevelDebug, true},
		{"in range", LevelRange{Min: slog.LevelDebug, Max: slog.LevelWarn}, slog.LevelInfo, true},
		{"under range", LevelRange{Min: slog.LevelDebug, Max: slog.LevelWarn}, slog.LevelDebug - 1, false},
		{"over range", LevelRange{Min: slog.LevelDebug, Max: slog.LevelWarn}, slog.LevelError, false},
		{"one level", LevelRange{Min: slog.LevelWarn, Max: slog.LevelWarn}, slog.LevelWarn, true},
		{"empty range", LevelRange{Min: slog.LevelError, Max: slog.LevelWarn}, slog.LevelWarn, false},
	}
	for _, tt := range tests {
		if got := passes(tt.give, "app", record(tt.level, "m")); got != tt.want {
			t.Errorf("%s: %+v passes %v = %v, want %v", tt.name, tt.give, tt.level, got, tt.want)
		}
	}
}

// A *slog.LevelVar bound is read for each record.
func TestLevelRangeLevelVar(t *testing.T) {
	t.Parallel()
	var hi slog.LevelVar
	f := LevelRange{Max: &hi}
	r := record(slog.LevelWarn, "m")
	if passes(f, "app", r) {
		t.Fatal("WARN passed a maximum of INFO")
	}
	hi.Set(slog.LevelWarn)
	if !passes(f, "app", r) {
		t.Fatal("WARN did not pass once the maximum was WARN")
	}
}
