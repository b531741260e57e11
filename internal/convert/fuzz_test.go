package convert

import (
	"reflect"
	"strings"
	"testing"
)

// fuzzConfig is the fixed configuration the cfg:// fuzz paths run against:
// nested maps and lists, keys with spaces and digits, a chain of
// references and loops of them.
func fuzzConfig() map[string]any {
	cfg := convTestConfig()
	cfg["loop"] = "cfg://loop"
	cfg["ping"] = map[string]any{"pong": "cfg://pong"}
	cfg["pong"] = []any{"cfg://ping", "cfg://ping.pong[0]"}
	cfg["env"] = "env://LOG_LEVEL"
	cfg["ext"] = []any{"ext://sys.stdout", "ext://nosuch"}
	cfg["0"] = map[string]any{"1": []any{[]any{[]any{"deep"}}}}
	return cfg
}

// FuzzConvert converts random strings (most of them cfg:// paths) against a
// fixed configuration: no panic, no hang, and neither the configuration nor
// the input is changed.
func FuzzConvert(f *testing.F) {
	for _, s := range []string{
		"cfg://n", "cfg://handlers.email.toaddrs[1]", "cfg://handlers[email][k with space]",
		"cfg://handlers.email.toaddrs.0", "cfg://list[0][1]", "cfg://0.1[0][0][0]",
		"cfg://loop", "cfg://ping", "cfg://pong[1]", "cfg://alias2", "cfg://env", "cfg://ext[1]",
		"cfg:// handlers . email [ 123 ] ", "cfg://handlers[", "cfg://", "ext://sys.stdout",
		"env://LOG_LEVEL", "http://x", "EXT://x",
	} {
		f.Add(s)
	}
	c := convTestConverter(nil)
	f.Fuzz(func(t *testing.T, s string) {
		cfg := fuzzConfig()
		c := *c
		c.Config = cfg
		give := map[string]any{"v": s, "l": []any{s}}
		got, err := c.Value(give)
		if err == nil {
			m := got.(map[string]any)
			if !reflect.DeepEqual(m["v"], m["l"].([]any)[0]) {
				t.Fatalf("%q converted to %v in a map, %v in a list", s, m["v"], m["l"].([]any)[0])
			}
			if !strings.Contains(s, "://") && m["v"] != s {
				t.Fatalf("%q without :// converted to %v", s, m["v"])
			}
		}
		if !reflect.DeepEqual(cfg, fuzzConfig()) {
			t.Fatalf("converting %q changed the configuration", s)
		}
		if !reflect.DeepEqual(give, map[string]any{"v": s, "l": []any{s}}) {
			t.Fatalf("converting %q changed the input", s)
		}
	})
}
