package filters

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os/exec"
	"testing"
	"time"

	"github.com/slogtree/slogtree/internal/testutil"
)

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

// Name decides as CPython's logging.Filter(name).filter does.
func TestNameMatchesCPython(t *testing.T) {
	t.Parallel()
	py := testutil.Python3(t)
	names := []string{"", "a", "a.b", "a.b.c", "a.bc", "ab", "a.", "a..b", ".a", "root", "A.B", "a.b.", "x.a.b"}
	type pair struct {
		Filter string `json:"filter"`
		Logger string `json:"logger"`
	}
	var pairs []pair
	for _, f := range names {
		for _, l := range names {
			if l != "" {
				pairs = append(pairs, pair{f, l})
			}
		}
	}
	in, err := json.Marshal(pairs)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-c", `
import json, logging, sys
print(json.dumps([bool(logging.Filter(p["filter"]).filter(logging.makeLogRecord({"name": p["logger"]})))
                  for p in json.load(sys.stdin)]))
`)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	var want []bool
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	r := slog.NewRecord(time.Time{}, slog.LevelInfo, "m", 0)
	for i, p := range pairs {
		if got := Name(p.Filter).FilterName(p.Logger); got != want[i] {
			t.Errorf("Name(%q).FilterName(%q) = %v, CPython says %v", p.Filter, p.Logger, got, want[i])
		}
		got, ok := Name(p.Filter).Filter(context.Background(), p.Logger, r)
		if ok != want[i] || got.Message != "m" {
			t.Errorf("Name(%q).Filter(%q) = %q, %v; want the record, %v", p.Filter, p.Logger, got.Message, ok, want[i])
		}
	}
}
