package handlers

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRouter(t *testing.T) {
	t.Parallel()
	type rec struct {
		level slog.Level
		msg   string
		args  []any
	}
	tests := []struct {
		name   string
		routes []Route // handlers are filled in: route i writes "i:<message>"
		first  bool
		with   []slog.Attr
		group  string
		give   []rec
		want   []string
	}{
		{
			name:   "by level range",
			routes: []Route{{MinLevel: slog.LevelError}, {MaxLevel: slog.LevelInfo}, {MinLevel: slog.LevelInfo, MaxLevel: slog.LevelWarn}},
			give:   []rec{{slog.LevelDebug, "d", nil}, {slog.LevelWarn, "w", nil}, {slog.LevelError, "e", nil}},
			want:   []string{"1:d", "2:w", "0:e"},
		},
		{
			name:   "by attribute value",
			routes: []Route{{Attrs: map[string]string{"kind": "audit"}}, {Attrs: map[string]string{"kind": "audit", "n": "7"}}, {}},
			give:   []rec{{0, "a", []any{"kind", "audit"}}, {0, "b", []any{"n", 7, "kind", "audit"}}, {0, "c", []any{"kind", "other"}}},
			want:   []string{"0:a", "2:a", "0:b", "1:b", "2:b", "2:c"},
		},
		{
			name:   "attributes from WithAttrs count",
			routes: []Route{{Attrs: map[string]string{"tenant": "x"}}, {}},
			with:   []slog.Attr{slog.String("tenant", "x")},
			give:   []rec{{0, "m", nil}},
			want:   []string{"0:m", "1:m"},
		},
		{
			name:   "keys in groups are dotted",
			routes: []Route{{Attrs: map[string]string{"req.method": "GET"}}, {Attrs: map[string]string{"method": "GET"}}},
			group:  "req",
			give:   []rec{{0, "m", []any{"method", "GET"}}},
			want:   []string{"0:m"},
		},
		{
			name:   "first match",
			routes: []Route{{MinLevel: slog.LevelWarn}, {}},
			first:  true,
			give:   []rec{{slog.LevelError, "e", nil}, {slog.LevelInfo, "i", nil}},
			want:   []string{"0:e", "1:i"},
		},
		{
			name:   "a function",
			routes: []Route{{Match: func(_ context.Context, r slog.Record) bool { return strings.HasPrefix(r.Message, "x") }}},
			give:   []rec{{0, "xa", nil}, {0, "b", nil}},
			want:   []string{"0:xa"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := &fhBuffer{}
			for i := range tt.routes {
				tt.routes[i].Handler = fhPattern(t, out, string(rune('0'+i))+":%(message)s")
			}
			var h slog.Handler = NewRouter(tt.routes, &RouterOptions{FirstMatch: tt.first})
			if tt.with != nil {
				h = h.WithAttrs(tt.with)
			}
			if tt.group != "" {
				h = h.WithGroup(tt.group)
			}
			for _, r := range tt.give {
				require.NoError(t, h.Handle(context.Background(), fhRecord(r.level, r.msg, r.args...)))
			}
			var got []string
			for _, l := range out.lines() {
				got = append(got, strings.Fields(l)[0])
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestRouterErrors(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	out := &fhBuffer{}
	routes := []Route{{Handler: newFHFailing(boom)}, {Handler: fhPattern(t, out, "%(name)s %(message)s")}}

	err := NewRouter(routes, nil).WithLoggerName("a").Handle(context.Background(), fhRecord(slog.LevelInfo, "m"))
	assert.ErrorIs(t, err, boom, "without OnError the errors are returned")

	var errs fhErrors
	err = NewRouter(routes, &RouterOptions{OnError: errs.add}).WithLoggerName("b").Handle(context.Background(), fhRecord(slog.LevelInfo, "n"))
	assert.NoError(t, err, "with OnError the errors are reported there instead")
	require.Len(t, errs.all(), 1)
	var ce *ChildError
	require.ErrorAs(t, errs.all()[0], &ce)
	assert.Equal(t, 0, ce.Index)
	assert.Equal(t, "b", ce.Logger)
	assert.Equal(t, []string{"a m", "b n"}, out.lines(), "the other routes keep receiving")
}

func TestRouterSlogtest(t *testing.T) {
	t.Parallel()
	fhJSONResults(t, func(t *testing.T, target slog.Handler) (slog.Handler, func() error) {
		return NewRouter([]Route{{Handler: target, MinLevel: slog.LevelDebug}}, nil), func() error { return nil }
	})
}
