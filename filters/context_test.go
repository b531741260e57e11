package filters

import (
	"context"
	"log/slog"
	"strings"
	"testing"
)

type ctxKey struct{}

// requestID adds the request id the context carries, if any.
func requestID(ctx context.Context) []slog.Attr {
	if id, ok := ctx.Value(ctxKey{}).(string); ok {
		return []slog.Attr{slog.String("request_id", id)}
	}
	return nil
}

func attrsOf(r slog.Record) []string {
	var out []string
	r.Attrs(func(a slog.Attr) bool {
		out = append(out, a.String())
		return true
	})
	return out
}

func TestContext(t *testing.T) {
	t.Parallel()
	f := NewContext(requestID, nil)
	r := record(slog.LevelInfo, "m", "a", 1, "b", 2, "c", 3, "d", 4, "e", 5)
	ctx := context.WithValue(t.Context(), ctxKey{}, "r-42")
	got, ok := f.Filter(ctx, "app", r)
	if !ok {
		t.Fatal("the context filter dropped a record")
	}
	want := "[a=1 b=2 c=3 d=4 e=5 request_id=r-42]"
	if s := "[" + strings.Join(attrsOf(got), " ") + "]"; s != want {
		t.Errorf("attributes %s, want %s", s, want)
	}
	if r.NumAttrs() != 5 {
		t.Errorf("the record given was changed: %v", attrsOf(r))
	}
	// Without a request id: the record itself, unchanged.
	got, ok = f.Filter(t.Context(), "app", r)
	if !ok || got.NumAttrs() != 5 {
		t.Errorf("no id: passed %v with %v", ok, attrsOf(got))
	}
	// A nil context is the background context.
	//lint:ignore SA1012 a handler may be called with a nil context
	if _, ok := f.Filter(nil, "app", r); !ok {
		t.Error("nil context: dropped")
	}
}

// A function that panics is reported, and the record passes unchanged.
func TestContextPanic(t *testing.T) {
	t.Parallel()
	reported := newErrs()
	f := NewContext(func(context.Context) []slog.Attr { panic("boom") }, &ContextOptions{Name: "ctx", OnError: reported.add})
	r := record(slog.LevelInfo, "m", "a", 1)
	got, ok := f.Filter(t.Context(), "app", r)
	if !ok || got.Message != "m" || got.NumAttrs() != 1 {
		t.Errorf("got %q %v %v, want the record, passed", got.Message, attrsOf(got), ok)
	}
	errs := reported.take()
	if len(errs) != 1 || errs[0].Error() != `filter "ctx": context function panicked: boom` {
		t.Errorf("reported %v", errs)
	}
	// Without OnError, and with an OnError that panics, nothing reaches
	// the caller.
	for _, onError := range []func(error){nil, func(error) { panic("again") }} {
		f := NewContext(func(context.Context) []slog.Attr { panic("boom") }, &ContextOptions{OnError: onError})
		if _, ok := f.Filter(t.Context(), "app", r); !ok {
			t.Error("dropped")
		}
	}
}
