package filters

import (
	"log/slog"
	"regexp"
	"testing"
)

func TestNot(t *testing.T) {
	t.Parallel()
	r := record(slog.LevelInfo, "GET /health")
	if passes(Not(NewRegex(regexp.MustCompile("/health"))), "app", r) {
		t.Error("Not(regex) passed a matching message")
	}
	if !passes(Not(NewRegex(regexp.MustCompile("/api"))), "app", r) {
		t.Error("Not(regex) dropped a message that does not match")
	}
	nf, ok := Not(Name("a.b")).(NameFilter)
	if !ok {
		t.Fatal("Not(Name) is not a NameFilter")
	}
	for logger, want := range map[string]bool{"a.b": false, "a.b.c": false, "a.bc": true, "x": true} {
		if got := nf.FilterName(logger); got != want {
			t.Errorf("Not(Name(a.b)).FilterName(%q) = %v, want %v", logger, got, want)
		}
		if got := passes(nf, logger, r); got != want {
			t.Errorf("Not(Name(a.b)).Filter(%q) = %v, want %v", logger, got, want)
		}
	}
}
