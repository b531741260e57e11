package filters

import (
	"log/slog"
	"regexp"
	"testing"
	"time"
)

// valuer is a slog.LogValuer.
type valuer struct{ v slog.Value }

func (v valuer) LogValue() slog.Value { return v.v }

func TestAttr(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile
	tests := []struct {
		name string
		give *Attr
		args []any
		want bool
	}{
		{"present", AttrPresent("user"), []any{"user", "alice"}, true},
		{"absent", AttrPresent("user"), []any{"id", 1}, false},
		{"no attrs", AttrPresent("user"), nil, false},
		{"present among others", AttrPresent("c"), []any{"a", 1, "b", 2, "c", 3, "d", 4, "e", 5, "f", 6}, true},
		{"present beyond the inline five", AttrPresent("f"), []any{"a", 1, "b", 2, "c", 3, "d", 4, "e", 5, "f", 6}, true},

		{"equals string", AttrEquals("user", "alice"), []any{"user", "alice"}, true},
		{"equals other string", AttrEquals("user", "alice"), []any{"user", "bob"}, false},
		{"equals empty string", AttrEquals("user", ""), []any{"user", ""}, true},
		{"equals int", AttrEquals("status", "200"), []any{"status", 200}, true},
		{"equals negative int", AttrEquals("n", "-3"), []any{"n", -3}, true},
		{"equals other int", AttrEquals("status", "200"), []any{"status", 404}, false},
		{"equals uint", AttrEquals("n", "7"), []any{"n", uint64(7)}, true},
		{"equals float", AttrEquals("ratio", "1.5"), []any{"ratio", 1.5}, true},
		{"equals integral float", AttrEquals("n", "2"), []any{"n", 2.0}, true},
		{"equals bool", AttrEquals("ok", "true"), []any{"ok", true}, true},
		{"equals bool false", AttrEquals("ok", "true"), []any{"ok", false}, false},
		{"equals duration", AttrEquals("took", "1.5s"), []any{"took", 1500 * time.Millisecond}, true},
		{"equals any", AttrEquals("e", "[1 2]"), []any{"e", []int{1, 2}}, true},
		{"equals string 200 to string", AttrEquals("status", "200"), []any{"status", "200"}, true},
		{"any duplicate key matches", AttrEquals("k", "2"), []any{"k", 1, "k", 2}, true},

		{"group member", AttrEquals("req.id", "7"), []any{slog.Group("req", "id", 7)}, true},
		{"group member absent", AttrPresent("req.id"), []any{slog.Group("req", "method", "GET")}, false},
		{"group present", AttrPresent("req"), []any{slog.Group("req", "id", 7)}, true},
		{"empty group absent", AttrPresent("req"), []any{slog.Group("req")}, false},
		{"nested groups", AttrEquals("a.b.c", "x"), []any{slog.Group("a", slog.Group("b", "c", "x"))}, true},
		{"nested groups wrong path", AttrPresent("a.c"), []any{slog.Group("a", slog.Group("b", "c", "x"))}, false},
		{"flat dotted key", AttrEquals("http.method", "GET"), []any{"http.method", "GET"}, true},
		{"flat dotted key in group", AttrEquals("http.request.method", "GET"), []any{slog.Group("http", "request.method", "GET")}, true},
		{"not a group", AttrPresent("user.id"), []any{"user", "alice"}, false},
		{"prefix not on a dot", AttrPresent("req.i"), []any{slog.Group("req", "id", 7)}, false},
		{"key prefix of a group", AttrPresent("re"), []any{slog.Group("req", "id", 7)}, false},
		{"inline group", AttrEquals("id", "7"), []any{slog.Group("", "id", 7)}, true},
		{"inline group in group", AttrEquals("req.id", "7"), []any{slog.Group("req", slog.Group("", "id", 7))}, true},
		{"empty key is not an attribute", AttrPresent("req"), []any{slog.Any("", "req")}, false},

		{"log valuer leaf", AttrEquals("user", "alice"), []any{"user", valuer{slog.StringValue("alice")}}, true},
		{"log valuer group", AttrEquals("user.name", "alice"), []any{"user", valuer{slog.GroupValue(slog.String("name", "alice"))}}, true},

		{"match string", AttrMatch("path", re("^/api/")), []any{"path", "/api/users"}, true},
		{"match string fails", AttrMatch("path", re("^/api/")), []any{"path", "/health"}, false},
		{"match int", AttrMatch("status", re("^5..$")), []any{"status", 503}, true},
		{"match int fails", AttrMatch("status", re("^5..$")), []any{"status", 404}, false},
		{"match absent", AttrMatch("status", re("")), []any{"code", 503}, false},
		{"match in group", AttrMatch("req.path", re("users")), []any{slog.Group("req", "path", "/users")}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := record(slog.LevelInfo, "m", tt.args...)
			got, ok := tt.give.Filter(t.Context(), "app", r)
			if ok != tt.want {
				t.Errorf("%q on %v = %v, want %v", tt.give.Key(), tt.args, ok, tt.want)
			}
			if got.NumAttrs() != r.NumAttrs() || got.Message != r.Message {
				t.Errorf("the record changed")
			}
		})
	}
}
