package formatters_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/slogtree/slogtree/internal/testutil"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/formatters"
)

// fmttPython runs a python3 script with in as JSON on stdin, in the UTC
// time zone, and decodes its JSON stdout into out. The test is skipped
// without python3.
func fmttPython(t *testing.T, script string, in, out any) {
	t.Helper()
	py := testutil.Python3(t)
	data, err := json.Marshal(in)
	require.NoError(t, err)
	cmd := exec.Command(py, "-c", script)
	cmd.Env = append(os.Environ(), "TZ=UTC", "LC_ALL=C")
	cmd.Stdin = strings.NewReader(string(data))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	res, err := cmd.Output()
	require.NoError(t, err, "python3: %s", stderr.String())
	require.NoError(t, json.Unmarshal(res, out))
}

// fmttDirectives are the directives AppendStrftime's doc comment lists.
const fmttDirectives = "aAbBcdHIjmMpSUwWxXyYZ%ezsDFTRCgGVuklPhnt"

// fmttTimes are instants with edge cases: ISO years that differ from the
// calendar year, week 0 and 53, leap days, 12 AM and PM, the epoch,
// negative Unix times.
var fmttTimes = []time.Time{
	time.Date(2024, 1, 2, 3, 4, 5, 678901234, time.UTC),
	time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC),
	time.Date(2021, 1, 3, 12, 0, 0, 0, time.UTC),   // Sunday, ISO 2020-W53
	time.Date(2008, 12, 29, 0, 30, 0, 0, time.UTC), // Monday, ISO 2009-W01
	time.Date(2000, 2, 29, 12, 0, 0, 0, time.UTC),
	time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), // Sunday
	time.Date(2018, 1, 1, 11, 59, 59, 0, time.UTC),
	time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
	time.Date(2038, 1, 19, 3, 14, 8, 0, time.UTC),
	time.Date(1900, 3, 1, 21, 9, 7, 0, time.UTC),
}

// AppendStrftime matches CPython's time.strftime (glibc, C locale) for
// every directive it lists, alone and combined, for each time. Python
// formats time.localtime with TZ=UTC, whose zone is named "UTC" as Go's
// is (time.gmtime would name it "GMT").
func TestStrftimeMatchesCPython(t *testing.T) {
	t.Parallel()
	var formats []string
	for _, d := range fmttDirectives {
		formats = append(formats, "%"+string(d))
	}
	formats = append(formats,
		"%Y-%m-%d %H:%M:%S", "[%a %b %e] %I:%M %p", "%G-W%V-%u", "%f", "%Y.%f", "%q %E", "100%% done",
		"plain", "", "%%%Y%%",
	)
	type tcase struct {
		Fmt  string `json:"fmt"`
		Unix int64  `json:"unix"`
	}
	var cases []tcase
	for _, tm := range fmttTimes {
		for _, f := range formats {
			cases = append(cases, tcase{Fmt: f, Unix: tm.Unix()})
		}
	}
	var want []string
	fmttPython(t, `
import json, sys, time
print(json.dumps([time.strftime(c["fmt"], time.localtime(c["unix"])) for c in json.load(sys.stdin)]))
`, cases, &want)
	for i, c := range cases {
		tm := time.Unix(c.Unix, 0).UTC()
		got := string(formatters.AppendStrftime(nil, c.Fmt, tm))
		assert.Equal(t, want[i], got, "strftime(%q, %s)", c.Fmt, tm)
	}
}

func TestStrftime(t *testing.T) {
	t.Parallel()
	tm := time.Date(2024, 1, 2, 15, 4, 5, 678901234, time.FixedZone("XST", -(3*3600+30*60)))
	tests := []struct {
		name string
		give string
		want string
	}{
		{name: "f stays literal", give: "%H:%M:%S.%f", want: "15:04:05.%f"},
		{name: "zone offset", give: "%z", want: "-0330"},
		{name: "zone name", give: "%Z", want: "XST"},
		{name: "no zone conversion", give: "%H", want: "15"},
		{name: "trailing percent", give: "50%", want: "50%"},
		{name: "unknown directive", give: "%Q%J", want: "%Q%J"},
		{name: "appends", give: "%Y", want: "2024"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, string(formatters.AppendStrftime(nil, tt.give, tm)))
		})
	}
	assert.Equal(t, "at 2024", string(formatters.AppendStrftime([]byte("at "), "%Y", tm)))
	east := time.Date(2024, 1, 2, 15, 4, 5, 0, time.FixedZone("", 5*3600+45*60))
	assert.Equal(t, "+0545", string(formatters.AppendStrftime(nil, "%z", east)))
}
