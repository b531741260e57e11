package slogconfig

import (
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParseLevel checks the levels the command line's explain reads.
func TestParseLevel(t *testing.T) {
	t.Parallel()
	m := New(WithRegistry(NewRegistry()), WithDryRun())
	require.NoError(t, m.DictConfig(map[string]any{"version": 1, "slogtree_levels": map[string]any{"PARSE_TEST_X": "INFO+1"}}))
	tests := []struct {
		give    string
		want    slog.Level
		wantErr string
	}{
		{give: "DEBUG", want: slog.LevelDebug},
		{give: "warning", want: slog.LevelWarn},
		{give: "INFO+2", want: slog.LevelInfo + 2},
		{give: "critical", want: LevelCritical},
		{give: "20", want: slog.LevelInfo},
		{give: " 15 ", want: -2},
		{give: "50", want: LevelCritical},
		{give: "parse_test_x", want: slog.LevelInfo + 1},
		{give: "PARSE_TEST_X-1", want: slog.LevelInfo},
		{give: "NOTSET", wantErr: "NOTSET is no record's level"},
		{give: "0", wantErr: "NOTSET is no record's level"},
		{give: "LOUD", wantErr: `unknown level: "LOUD"`},
		{give: "", wantErr: "unknown level"},
	}
	for _, tt := range tests {
		got, err := m.ParseLevel(tt.give)
		if tt.wantErr != "" {
			assert.ErrorContains(t, err, tt.wantErr, "%q", tt.give)
			continue
		}
		require.NoError(t, err, "%q", tt.give)
		assert.Equal(t, tt.want, got, "%q", tt.give)
	}
	_, err := New(WithRegistry(NewRegistry())).ParseLevel("PARSE_TEST_X")
	assert.Error(t, err, "another Manager does not know a dry run's level names")
}
