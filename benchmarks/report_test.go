package main

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOrders checks that the report knows the scenarios and loggers of
// the benchmarks, in their order.
func TestOrders(t *testing.T) {
	t.Parallel()
	var names []string
	for _, sc := range scenarios {
		names = append(names, sc.name)
		assert.NotEmpty(t, scenarioTitles[sc.name], "title of %s", sc.name)
	}
	assert.Equal(t, names, scenarioOrder)
	names = nil
	for _, c := range contenders {
		names = append(names, c.name)
	}
	assert.Equal(t, append(names, "cpython"), loggerOrder)
}

const goBenchOutput = `goos: linux
BenchmarkLog/scenario=attrs5/logger=zap-2   	 1000000	       775.4 ns/op	     320 B/op	       1 allocs/op
BenchmarkLog/scenario=attrs5/logger=slog-2  	 1000000	      1191 ns/op	       9 B/op	       1 allocs/op
BenchmarkLog/scenario=queue/logger=zerolog  	 2000	      1053 ns/op	         0.5000 drops/op	     527 B/op	       4 allocs/op
PASS
`

func TestParseGoBench(t *testing.T) {
	t.Parallel()
	got, err := parseGoBench(strings.NewReader(goBenchOutput))
	require.NoError(t, err)
	assert.Equal(t, []sample{
		{Scenario: "attrs5", Logger: "zap", NsPerOp: 775.4, BytesPerOp: 320, AllocsPerOp: 1},
		{Scenario: "attrs5", Logger: "slog", NsPerOp: 1191, BytesPerOp: 9, AllocsPerOp: 1},
		{Scenario: "queue", Logger: "zerolog", NsPerOp: 1053, BytesPerOp: 527, AllocsPerOp: 4},
	}, got)
	_, err = parseGoBench(strings.NewReader("PASS\n"))
	assert.Error(t, err)
}

func TestMedians(t *testing.T) {
	t.Parallel()
	samples := []sample{
		{Scenario: "attrs5", Logger: "zap", NsPerOp: 30, BytesPerOp: 1, AllocsPerOp: 1},
		{Scenario: "attrs5", Logger: "slogtree", NsPerOp: 10, BytesPerOp: 0, AllocsPerOp: 0},
		{Scenario: "disabled", Logger: "zap", NsPerOp: 5, BytesPerOp: 0, AllocsPerOp: 0},
		{Scenario: "attrs5", Logger: "zap", NsPerOp: 10, BytesPerOp: 3, AllocsPerOp: 1},
		{Scenario: "attrs5", Logger: "zap", NsPerOp: 20, BytesPerOp: 2, AllocsPerOp: 1},
		{Scenario: "attrs5", Logger: "slogtree", NsPerOp: 20, BytesPerOp: 0, AllocsPerOp: 0},
	}
	assert.Equal(t, []result{
		{scenario: "disabled", logger: "zap", nsPerOp: 5, minNs: 5, maxNs: 5, n: 1},
		{scenario: "attrs5", logger: "slogtree", nsPerOp: 15, minNs: 10, maxNs: 20, n: 2},
		{scenario: "attrs5", logger: "zap", nsPerOp: 20, minNs: 10, maxNs: 30, bytesPerOp: 2, allocsPerOp: 1, n: 3},
	}, medians(samples))
}

// TestWriteReport checks that the report and its chart are written, the
// chart as well-formed XML, from results of every kind.
func TestWriteReport(t *testing.T) {
	t.Parallel()
	res := medians([]sample{
		{Scenario: "attrs5", Logger: "slogtree", NsPerOp: 500},
		{Scenario: "attrs5", Logger: "slog", NsPerOp: 1000, BytesPerOp: 8, AllocsPerOp: 1},
		{Scenario: "attrs5", Logger: "cpython", NsPerOp: 15000, BytesPerOp: -1, AllocsPerOp: -1},
		{Scenario: "text", Logger: "slogtree", NsPerOp: 1500},
	})
	var md bytes.Buffer
	(&report{measurements: &measurements{Rounds: 1, Benchtime: "1x", CPU: "cpu", Cores: 2, GoVersion: "go", Python: "3", Took: "1s"}, results: res}).writeMarkdown(&md)
	assert.Contains(t, md.String(), "| attrs5 | 2.00 | — | — | — | 30 |", "headline")
	assert.Contains(t, md.String(), "| cpython | 15.0 µs | 15.0 µs–15.0 µs | — | — | 15.00 |")
	var svg bytes.Buffer
	writeChart(&svg, res)
	d := xml.NewDecoder(&svg)
	for {
		_, err := d.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
	}
}
