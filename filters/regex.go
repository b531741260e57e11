package filters

import (
	"context"
	"log/slog"
	"regexp"
)

// Regex passes the records whose message the regular expression matches
// anywhere (as Python's re.search would: anchor it with ^ and $ to match
// the whole message). The syntax is RE2's, Go's regexp: matching takes
// time linear in the message, whatever the pattern. Wrap it with [Not] to
// drop the matching records instead.
type Regex struct {
	re *regexp.Regexp
}

var _ Filter = (*Regex)(nil)

// NewRegex returns a Regex that matches messages against re.
func NewRegex(re *regexp.Regexp) *Regex { return &Regex{re: re} }

// Regexp returns the expression messages are matched against.
func (f *Regex) Regexp() *regexp.Regexp { return f.re }

// Filter passes r when its message matches.
func (f *Regex) Filter(_ context.Context, _ string, r slog.Record) (slog.Record, bool) {
	return r, f.re.MatchString(r.Message)
}
