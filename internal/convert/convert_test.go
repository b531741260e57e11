package convert

import (
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// convTestConfig is a configuration in the shape of a dictConfig, used by
// the cfg:// tests. Tests must not change it.
func convTestConfig() map[string]any {
	return map[string]any{
		"version": 1,
		"handlers": map[string]any{
			"email": map[string]any{
				"toaddrs":      []any{"a@x", "b@x", map[string]any{"deep": "z"}},
				"k with space": "spaced",
				"123":          "digits",
				"stream":       "ext://sys.stdout",
				"level":        "cfg://levels.default",
			},
		},
		"levels": map[string]any{"default": "INFO"},
		"list":   []any{[]any{"x0", "x1"}, "y"},
		"n":      5,
		"alias":  "cfg://handlers.email.toaddrs[1]",
		"alias2": "cfg://alias",
	}
}

func convTestConverter(cfg map[string]any) *Converter {
	return &Converter{
		Config: cfg,
		Ext: func(name string) (any, bool) {
			switch name {
			case "sys.stdout":
				return io.Writer(os.Stdout), true
			case "logging.DEBUG":
				return 10, true
			}
			return nil, false
		},
		Env: func(name string) (string, bool) {
			if name == "LOG_LEVEL" {
				return "DEBUG", true
			}
			if name == "EMPTY" {
				return "", true
			}
			return "", false
		},
	}
}

func TestCfgPaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give string
		want any
	}{
		{name: "word", give: "cfg://n", want: 5},
		{name: "dot", give: "cfg://levels.default", want: "INFO"},
		{name: "index on list", give: "cfg://handlers.email.toaddrs[1]", want: "b@x"},
		{name: "index then dot", give: "cfg://handlers.email.toaddrs[2].deep", want: "z"},
		{name: "index then index", give: "cfg://list[0][1]", want: "x1"},
		{name: "string index", give: "cfg://handlers[email].toaddrs[0]", want: "a@x"},
		{name: "spaces around parts", give: "cfg://  handlers . email [toaddrs] [1]", want: "b@x"},
		{name: "whitespace between parts", give: "cfg://handlers .email\t.toaddrs [0] ", want: "a@x"},
		// Python 3.13: any text without brackets is an index.
		{name: "index with spaces", give: "cfg://handlers.email[k with space]", want: "spaced"},
		// A digit index on a map is the string key (a documented deviation:
		// Python raises KeyError: 123).
		{name: "digit index on map", give: "cfg://handlers.email[123]", want: "digits"},
		{name: "digit word on map", give: "cfg://handlers.email.123", want: "digits"},
		// The result is converted in turn.
		{name: "result is converted", give: "cfg://handlers.email.level", want: "INFO"},
		{name: "chain of references", give: "cfg://alias2", want: "b@x"},
		{name: "ext in result", give: "cfg://handlers.email.stream", want: io.Writer(os.Stdout)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := convTestConverter(convTestConfig()).Value(tt.give)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestCfgErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give string
	}{
		{name: "empty path", give: "cfg://"},
		{name: "not a word", give: "cfg://.x"},
		{name: "missing top key", give: "cfg://nope"},
		{name: "missing nested key", give: "cfg://handlers.nope"},
		{name: "dot digit on list", give: "cfg://handlers.email.toaddrs.0"},
		{name: "index out of range", give: "cfg://handlers.email.toaddrs[3]"},
		{name: "huge index", give: "cfg://handlers.email.toaddrs[99999999999999999999999]"},
		{name: "negative index", give: "cfg://handlers.email.toaddrs[-1]"},
		{name: "word index on list", give: "cfg://handlers.email.toaddrs[x]"},
		{name: "index with spaces on list", give: "cfg://handlers.email.toaddrs[ 0 ]"},
		{name: "index into a string", give: "cfg://levels.default.x"},
		{name: "index into an int", give: "cfg://n[0]"},
		{name: "trailing dot", give: "cfg://levels."},
		{name: "unclosed bracket", give: "cfg://handlers[email"},
		{name: "stray bracket", give: "cfg://handlers[email]]"},
		{name: "nested brackets", give: "cfg://handlers[[email]]"},
		{name: "junk after word", give: "cfg://handlers!"},
		{name: "missing ext", give: "ext://nosuch.x"},
		{name: "missing env", give: "env://NOPE_NOT_SET"},
		{name: "error inside a result", give: "cfg://bad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := convTestConfig()
			cfg["bad"] = map[string]any{"x": []any{"cfg://nope"}}
			got, err := convTestConverter(cfg).Value(tt.give)
			assert.Error(t, err, "got %v", got)
		})
	}
}

func TestExtEnv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give any
		want any
	}{
		{name: "ext", give: "ext://sys.stdout", want: io.Writer(os.Stdout)},
		{name: "ext int", give: "ext://logging.DEBUG", want: 10},
		{name: "env", give: "env://LOG_LEVEL", want: "DEBUG"},
		{name: "env empty", give: "env://EMPTY", want: ""},
		// Only a whole-string match with a known lowercase prefix converts.
		{name: "http", give: "http://example.com/x", want: "http://example.com/x"},
		{name: "upper EXT", give: "EXT://sys.stdout", want: "EXT://sys.stdout"},
		{name: "upper CFG", give: "CFG://n", want: "CFG://n"},
		{name: "mixed Ext", give: "Ext://sys.stdout", want: "Ext://sys.stdout"},
		{name: "unknown prefix", give: "foo://bar", want: "foo://bar"},
		{name: "leading space", give: " ext://sys.stdout", want: " ext://sys.stdout"},
		{name: "not at start", give: "see ext://sys.stdout", want: "see ext://sys.stdout"},
		{name: "one slash", give: "ext:/sys.stdout", want: "ext:/sys.stdout"},
		{name: "digit in prefix", give: "ext2://x", want: "ext2://x"},
		{name: "plain", give: "INFO", want: "INFO"},
		{name: "int", give: 7, want: 7},
		{name: "nil", give: nil, want: nil},
		{name: "bool", give: true, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := convTestConverter(convTestConfig()).Value(tt.give)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestExtNilResolvesNothing(t *testing.T) {
	t.Parallel()
	_, err := (&Converter{}).Value("ext://sys.stdout")
	assert.ErrorContains(t, err, "sys.stdout")
}

func TestEnvDefaultsToProcessEnvironment(t *testing.T) {
	t.Setenv("SLOGTREE_CONVERT_TEST", "from-env")
	got, err := (&Converter{}).Value("env://SLOGTREE_CONVERT_TEST")
	require.NoError(t, err)
	assert.Equal(t, "from-env", got)
	_, err = (&Converter{}).Value("env://SLOGTREE_CONVERT_TEST_UNSET")
	assert.ErrorContains(t, err, "SLOGTREE_CONVERT_TEST_UNSET")
}

// Value converts nested maps and lists into copies and never changes its
// input, nor the configuration a cfg:// path reads.
func TestValueCopiesAndNeverMutates(t *testing.T) {
	t.Parallel()
	cfg := convTestConfig()
	give := map[string]any{
		"stream":  "ext://sys.stdout",
		"level":   "env://LOG_LEVEL",
		"targets": []any{"cfg://alias", map[string]any{"s": "cfg://levels.default"}},
		"email":   "cfg://handlers.email",
	}
	wantGive := map[string]any{
		"stream":  "ext://sys.stdout",
		"level":   "env://LOG_LEVEL",
		"targets": []any{"cfg://alias", map[string]any{"s": "cfg://levels.default"}},
		"email":   "cfg://handlers.email",
	}
	got, err := convTestConverter(cfg).Value(give)
	require.NoError(t, err)
	out := got.(map[string]any)
	assert.Equal(t, io.Writer(os.Stdout), out["stream"])
	assert.Equal(t, "DEBUG", out["level"])
	assert.Equal(t, []any{"b@x", map[string]any{"s": "INFO"}}, out["targets"])
	email := out["email"].(map[string]any)
	assert.Equal(t, "INFO", email["level"], "a cfg:// result is converted")
	assert.Equal(t, io.Writer(os.Stdout), email["stream"])

	// Neither the input nor the configuration changed.
	assert.Equal(t, wantGive, give)
	assert.Equal(t, convTestConfig(), cfg)

	// The result shares nothing with them: changing it changes neither.
	out["targets"].([]any)[1].(map[string]any)["s"] = "changed"
	email["toaddrs"].([]any)[0] = "changed"
	email["new"] = true
	assert.Equal(t, wantGive, give)
	assert.Equal(t, convTestConfig(), cfg)
}

// Chains of cfg:// references that loop end in an error, promptly.
func TestCfgCyclesAreBounded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  map[string]any
		give string
	}{
		{name: "self", cfg: map[string]any{"a": "cfg://a"}, give: "cfg://a"},
		{name: "two", cfg: map[string]any{"a": "cfg://b", "b": "cfg://a"}, give: "cfg://a"},
		{name: "map holding itself", cfg: map[string]any{"a": map[string]any{"me": "cfg://a"}}, give: "cfg://a"},
		{name: "list holding itself", cfg: map[string]any{"a": []any{"cfg://a"}}, give: "cfg://a"},
		// Two self-references per level: eager copying must not explode
		// into 2^depth conversions.
		{name: "map holding itself twice", cfg: map[string]any{"a": map[string]any{"x": "cfg://a", "y": "cfg://a"}}, give: "cfg://a"},
		{name: "list holding itself thrice", cfg: map[string]any{"a": []any{"cfg://a", "cfg://a", "cfg://a"}}, give: "cfg://a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			done := make(chan error, 1)
			go func() {
				_, err := (&Converter{Config: tt.cfg}).Value(tt.give)
				done <- err
			}()
			// A liveness bound, not a timing assertion: the conversion takes
			// a few dozen steps; ten seconds means it does not end.
			select {
			case err := <-done:
				assert.Error(t, err)
			case <-time.After(10 * time.Second):
				t.Fatalf("converting %q against %v did not finish", tt.give, tt.cfg)
			}
		})
	}
}

// References shared between levels of a configuration must not be expanded
// into a tree exponential in the depth ("billion laughs"): a 31-line
// configuration of this shape would hold 2^31 maps. Converting it either
// fails or resolves the leaf a number of times proportional to the size.
func TestCfgSharedReferencesDoNotExplode(t *testing.T) {
	t.Parallel()
	const depth = 12 // 2^12 leaves if expanded: quick to detect, cheap to fail
	cfg := map[string]any{fmt.Sprintf("l%d", depth): "ext://leaf"}
	for i := depth - 1; i >= 0; i-- {
		ref := fmt.Sprintf("cfg://l%d", i+1)
		cfg[fmt.Sprintf("l%d", i)] = map[string]any{"x": ref, "y": ref}
	}
	var lookups atomic.Int64
	c := &Converter{Config: cfg, Ext: func(string) (any, bool) {
		lookups.Add(1)
		return "leaf", true
	}}
	if _, err := c.Value("cfg://l0"); err != nil {
		return
	}
	assert.LessOrEqual(t, lookups.Load(), int64(4*depth), "a %d-level chain of shared cfg:// references resolved its leaf %d times", depth, lookups.Load())
}
