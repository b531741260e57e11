package levels

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"os/exec"
	"strings"
	"testing"

	"github.com/slogtree/slogtree/internal/testutil"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The SPEC §9 table: configured level -> slog threshold.
func TestParseSpecTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give any
		want Level
	}{
		{name: "DEBUG", give: "DEBUG", want: Level{Slog: -4}},
		{name: "15", give: 15, want: Level{Slog: -2}},
		{name: "11", give: 11, want: Level{Slog: -3}},
		{name: "CRITICAL", give: "CRITICAL", want: Level{Slog: 12}},
		{name: "NOTSET", give: "NOTSET", want: Level{NotSet: true}},
		{name: "0", give: 0, want: Level{NotSet: true}},
		{name: "INFO", give: "INFO", want: Level{Slog: slog.LevelInfo}},
		{name: "WARNING", give: "WARNING", want: Level{Slog: slog.LevelWarn}},
		{name: "ERROR", give: "ERROR", want: Level{Slog: slog.LevelError}},
		{name: "50", give: 50, want: Level{Slog: Critical}},
		{name: "25", give: 25, want: Level{Slog: 2}},
		{name: "5", give: 5, want: Level{Slog: -6}},
		{name: "45", give: 45, want: Level{Slog: 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.give)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// FromPython(n) is the least slog level ℓ with 5ℓ >= 2n-40, for every
// integer Python level in [-100, 200] but NOTSET.
func TestFromPythonExhaustive(t *testing.T) {
	t.Parallel()
	for n := -100; n <= 200; n++ {
		got := FromPython(n)
		if n == 0 {
			assert.Equal(t, Level{NotSet: true}, got, "FromPython(0)")
			continue
		}
		l := int(got.Slog)
		if got.NotSet || 5*l < 2*n-40 || 5*(l-1) >= 2*n-40 {
			t.Errorf("FromPython(%d) = %+v, want the least ℓ with 5ℓ >= %d", n, got, 2*n-40)
		}
		// Parse takes ints, int64s, integral floats and uint64s alike.
		for _, v := range []any{n, int64(n), float64(n)} {
			p, err := Parse(v)
			if assert.NoError(t, err, "Parse(%T %v)", v, v) {
				assert.Equal(t, got, p, "Parse(%T %v)", v, v)
			}
		}
		if n > 0 {
			p, err := Parse(uint64(n))
			if assert.NoError(t, err) {
				assert.Equal(t, got, p, "Parse(uint64 %d)", n)
			}
		}
	}
}

// A record at slog level ℓ passes the threshold of Python level n exactly
// when Python would pass levelno 20+2.5ℓ: the order of thresholds is kept.
func TestFromPythonKeepsOrder(t *testing.T) {
	t.Parallel()
	for n := -100; n <= 200; n++ {
		if n == 0 {
			continue
		}
		th := FromPython(n).Threshold()
		for l := -60; l <= 80; l++ {
			pass := slog.Level(l) >= th
			want := 40+5*l >= 2*n // 20+2.5ℓ >= n, doubled
			if pass != want {
				t.Fatalf("slog %d vs Python %d: passes = %v, want %v", l, n, pass, want)
			}
		}
	}
}

// Huge Python numbers must not wrap around into thresholds that pass
// everything: they are an error or a threshold at least CRITICAL's.
func TestParseHugeNumbers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give any
	}{
		{name: "MaxInt", give: math.MaxInt},
		{name: "MaxInt64", give: int64(math.MaxInt64)},
		{name: "MaxInt/2", give: math.MaxInt / 2},
		{name: "MaxUint64", give: uint64(math.MaxUint64)},
		{name: "1e300", give: 1e300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.give)
			if err != nil {
				return
			}
			assert.False(t, got.NotSet)
			assert.GreaterOrEqual(t, got.Slog, Critical, "Parse(%v) = %d passes records below CRITICAL", tt.give, got.Slog)
		})
	}
	for _, tt := range []struct {
		name string
		give any
	}{
		{name: "MinInt", give: math.MinInt},
		{name: "MinInt64", give: int64(math.MinInt64)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.give)
			if err != nil {
				return
			}
			assert.LessOrEqual(t, got.Slog, slog.LevelDebug-40, "Parse(%v) = %d", tt.give, got.Slog)
		})
	}
}

func TestParseName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give string
		want Level
	}{
		{name: "lower", give: "debug", want: Level{Slog: slog.LevelDebug}},
		{name: "mixed", give: "Warning", want: Level{Slog: slog.LevelWarn}},
		{name: "warn", give: "warn", want: Level{Slog: slog.LevelWarn}},
		{name: "WARN", give: "WARN", want: Level{Slog: slog.LevelWarn}},
		{name: "fatal", give: "fatal", want: Level{Slog: Critical}},
		{name: "critical", give: "cRiTiCaL", want: Level{Slog: Critical}},
		{name: "notset lower", give: "notset", want: Level{NotSet: true}},
		{name: "INFO+2", give: "INFO+2", want: Level{Slog: 2}},
		{name: "warn-1", give: "warn-1", want: Level{Slog: 3}},
		{name: "debug-4", give: "debug-4", want: Level{Slog: -8}},
		{name: "ERROR+4", give: "ERROR+4", want: Level{Slog: 12}},
		{name: "CRITICAL+1", give: "CRITICAL+1", want: Level{Slog: 13}},
		{name: "INFO+0", give: "INFO+0", want: Level{Slog: 0}},
		{name: "spaces", give: " info ", want: Level{Slog: 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseName(tt.give)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			viaParse, err := Parse(tt.give)
			require.NoError(t, err)
			assert.Equal(t, got, viaParse)
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give any
		want string // a substring of the error
	}{
		{name: "unknown name", give: "verbose", want: `unknown level: "verbose"`},
		{name: "empty", give: "", want: "unknown level"},
		{name: "number as string", give: "15", want: `unknown level: "15"`},
		{name: "offset on NOTSET", give: "NOTSET+1", want: "unknown level"},
		{name: "bare offset", give: "+1", want: "unknown level"},
		{name: "sign only", give: "INFO+", want: "unknown level"},
		{name: "two offsets", give: "INFO+2+3", want: "unknown level"},
		{name: "non-digit offset", give: "INFO+x", want: "unknown level"},
		{name: "offset overflow", give: "INFO+99999999999999999999", want: "unknown level"},
		{name: "true", give: true, want: "boolean"},
		{name: "false", give: false, want: "boolean"},
		{name: "non-integral float", give: 10.5, want: "level not an integer or a valid string"},
		{name: "NaN", give: math.NaN(), want: "level not an integer or a valid string"},
		{name: "Inf", give: math.Inf(1), want: "level not an integer or a valid string"},
		{name: "nil", give: nil, want: "null"},
		{name: "list", give: []any{"INFO"}, want: "level not an integer or a valid string"},
		{name: "map", give: map[string]any{}, want: "level not an integer or a valid string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.give)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	_, err := Parse(true)
	assert.ErrorIs(t, err, ErrBool)
}

// An offset that would overflow slog.Level must be an error, not wrap to
// a threshold at the other end of the scale.
func TestParseNameOffsetOverflow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give string
	}{
		{name: "WARN+MaxInt", give: fmt.Sprintf("WARN+%d", math.MaxInt)},
		{name: "DEBUG-MaxInt", give: fmt.Sprintf("DEBUG-%d", math.MaxInt)},
		{name: "CRITICAL+MaxInt-1", give: fmt.Sprintf("CRITICAL+%d", math.MaxInt-1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseName(tt.give)
			if err != nil {
				return
			}
			up := strings.Contains(tt.give, "+")
			if up {
				assert.Greater(t, got.Slog, slog.LevelError, "ParseName(%q) = %d wrapped around", tt.give, got.Slog)
			} else {
				assert.Less(t, got.Slog, slog.LevelDebug, "ParseName(%q) = %d wrapped around", tt.give, got.Slog)
			}
		})
	}
}

func TestName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give slog.Level
		want string
	}{
		{name: "debug", give: slog.LevelDebug, want: "DEBUG"},
		{name: "info", give: slog.LevelInfo, want: "INFO"},
		{name: "warn", give: slog.LevelWarn, want: "WARNING"},
		{name: "error", give: slog.LevelError, want: "ERROR"},
		{name: "critical", give: Critical, want: "CRITICAL"},
		{name: "-2", give: -2, want: "Level 15"},
		{name: "info+1", give: slog.LevelInfo + 1, want: "Level 22"},
		{name: "info+2", give: slog.LevelInfo + 2, want: "Level 25"},
		{name: "critical+2", give: Critical + 2, want: "Level 55"},
		{name: "debug-1", give: slog.LevelDebug - 1, want: "Level 7"},
		{name: "-9", give: -9, want: "Level -3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Name(tt.give))
		})
	}
}

// PythonNumber is floor((40+5ℓ)/2), and FromPython undoes it for every
// slog level but the one that lands on NOTSET.
func TestPythonNumber(t *testing.T) {
	t.Parallel()
	for l := -200; l <= 200; l++ {
		n := PythonNumber(slog.Level(l))
		// floor of (40+5l)/2 by definition: 2n <= 40+5l < 2n+2.
		if 2*n > 40+5*l || 40+5*l >= 2*n+2 {
			t.Errorf("PythonNumber(%d) = %d, want floor(%d/2)", l, n, 40+5*l)
		}
		if n == 0 {
			continue
		}
		assert.Equal(t, Level{Slog: slog.Level(l)}, FromPython(n), "FromPython(PythonNumber(%d))", l)
	}
}

func TestSlogName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give slog.Level
		want string
	}{
		{name: "info", give: slog.LevelInfo, want: "INFO"},
		{name: "info+2", give: 2, want: "INFO+2"},
		{name: "error+3", give: 11, want: "ERROR+3"},
		{name: "critical", give: 12, want: "CRITICAL"},
		{name: "critical+1", give: 13, want: "CRITICAL+1"},
		{name: "debug-4", give: -8, want: "DEBUG-4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SlogName(tt.give)
			assert.Equal(t, tt.want, got)
			back, err := ParseName(got)
			require.NoError(t, err)
			assert.Equal(t, Level{Slog: tt.give}, back)
		})
	}
}

// Name and PythonNumber agree with CPython's logging.getLevelName for the
// Python number of every slog level in [-20, 30].
func TestNameMatchesCPython(t *testing.T) {
	t.Parallel()
	py := testutil.Python3(t)
	var nums []int
	for l := -20; l <= 30; l++ {
		nums = append(nums, PythonNumber(slog.Level(l)))
	}
	in, err := json.Marshal(nums)
	require.NoError(t, err)
	cmd := exec.Command(py, "-c", `
import json, logging, sys
print(json.dumps([logging.getLevelName(n) for n in json.load(sys.stdin)]))
`)
	cmd.Stdin = strings.NewReader(string(in))
	out, err := cmd.Output()
	require.NoError(t, err)
	var want []string
	require.NoError(t, json.Unmarshal(out, &want))
	for i, l := 0, -20; l <= 30; i, l = i+1, l+1 {
		assert.Equal(t, want[i], Name(slog.Level(l)), "Name(slog level %d), Python levelno %d", l, nums[i])
	}
}
