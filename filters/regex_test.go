package filters

import (
	"log/slog"
	"regexp"
	"testing"
)

func TestRegex(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern string
		msg     string
		want    bool
	}{
		{"health", "GET /health", true},
		{"health", "GET /api", false},
		{"^GET", "GET /api", true},
		{"^GET$", "GET /api", false},
		{"(?i)error", "An ERROR occurred", true},
		{"", "anything", true},
		{"^$", "", true},
		{`\d{3}`, "status 404", true},
		{"é", "café", true},
	}
	for _, tt := range tests {
		f := NewRegex(regexp.MustCompile(tt.pattern))
		r := record(slog.LevelInfo, tt.msg)
		got, ok := f.Filter(t.Context(), "app", r)
		if ok != tt.want {
			t.Errorf("regex %q on %q = %v, want %v", tt.pattern, tt.msg, ok, tt.want)
		}
		if got.Message != tt.msg {
			t.Errorf("regex %q changed the record: %q", tt.pattern, got.Message)
		}
		if f.Regexp().String() != tt.pattern {
			t.Errorf("Regexp() = %q, want %q", f.Regexp(), tt.pattern)
		}
	}
}
