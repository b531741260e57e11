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
		{scenario: "attrs5", logger: "zap", nsPerOp: 775.4, bytesPerOp: 320, allocsPerOp: 1},
		{scenario: "attrs5", logger: "slog", nsPerOp: 1191, bytesPerOp: 9, allocsPerOp: 1},
		{scenario: "queue", logger: "zerolog", nsPerOp: 1053, bytesPerOp: 527, allocsPerOp: 4},
	}, got)
	_, err = parseGoBench(strings.NewReader("PASS\n"))
	assert.Error(t, err)
}

func TestMedians(t *testing.T) {
	t.Parallel()
	samples := []sample{
		{scenario: "attrs5", logger: "zap", nsPerOp: 30, bytesPerOp: 1, allocsPerOp: 1},
		{scenario: "attrs5", logger: "slogtree", nsPerOp: 10, bytesPerOp: 0, allocsPerOp: 0},
		{scenario: "disabled", logger: "zap", nsPerOp: 5, bytesPerOp: 0, allocsPerOp: 0},
		{scenario: "attrs5", logger: "zap", nsPerOp: 10, bytesPerOp: 3, allocsPerOp: 1},
		{scenario: "attrs5", logger: "zap", nsPerOp: 20, bytesPerOp: 2, allocsPerOp: 1},
		{scenario: "attrs5", logger: "slogtree", nsPerOp: 20, bytesPerOp: 0, allocsPerOp: 0},
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
		{scenario: "attrs5", logger: "slogtree", nsPerOp: 500},
		{scenario: "attrs5", logger: "slog", nsPerOp: 1000, bytesPerOp: 8, allocsPerOp: 1},
		{scenario: "attrs5", logger: "cpython", nsPerOp: 15000, bytesPerOp: -1, allocsPerOp: -1},
		{scenario: "text", logger: "slogtree", nsPerOp: 1500},
	})
	var md bytes.Buffer
	(&report{results: res, rounds: 1, benchtime: "1x", cpu: "cpu", cores: 2, goVersion: "go", python: "3"}).writeMarkdown(&md)
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
