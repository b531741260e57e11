package formatters_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"testing/slogtest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/formatters"
)

// The pattern formatter passes testing/slogtest with a format that reads
// back as key=value text, the attributes appended as extras. One reading
// is needed: a format cannot leave out a field, so the created time of a
// zero Record.Time stands for "no time".
func TestPatternSlogtest(t *testing.T) {
	t.Parallel()
	p := fmttPattern(t, formatters.PatternOptions{Format: "time=%(created)f level=%(levelname)s msg=%(message)s"})
	var buf bytes.Buffer
	h := p.NewHandler(&buf)
	zero := strconv.FormatFloat(float64(time.Time{}.UnixNano())/1e9, 'f', 6, 64)
	results := func() []map[string]any {
		var ms []map[string]any
		for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
			m, err := fmttParseText(line)
			require.NoError(t, err, line)
			if m["time"] == zero {
				delete(m, "time")
			}
			ms = append(ms, m)
		}
		return ms
	}
	require.NoError(t, slogtest.TestHandler(h, results))
}
