package filters

import "testing"

func TestName(t *testing.T) {
	tests := []struct {
		filter string
		logger string
		want   bool
	}{
		{"A.B", "A.B", true},
		{"A.B", "A.B.C", true},
		{"A.B", "A.B.C.D", true},
		{"A.B", "A.BB", false},
		{"A.B", "A", false},
		{"A.B", "B.A.B", false},
		{"A.B", "X", false},
		{"", "anything", true},
		{"", "root", true},
		{"root", "root", true},
		{"app", "app.", true},
	}
	for _, tt := range tests {
		if got := Name(tt.filter).FilterName(tt.logger); got != tt.want {
			t.Errorf("Name(%q).FilterName(%q) = %v, want %v", tt.filter, tt.logger, got, tt.want)
		}
	}
}
