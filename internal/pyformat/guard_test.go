package pyformat_test

import (
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/slogtree/slogtree/internal/pyformat"
)

// traced is an error that prints a trace with %+v, as errors of
// github.com/pkg/errors do, through the fmt.State it is given.
type traced struct{ cause error }

func (e *traced) Error() string { return "traced: " + e.cause.Error() }

func (e *traced) Format(s fmt.State, verb rune) {
	if verb == 'v' && s.Flag('+') {
		fmt.Fprintf(s, "%+v\n  at main.go:%d", e.cause, 1)
		return
	}
	_, _ = fmt.Fprint(s, e.Error())
}

type panicFormatter struct{ v any }

func (p panicFormatter) Error() string          { return "short" }
func (p panicFormatter) Format(fmt.State, rune) { panic(p.v) }

type nilStringer struct{ s string }

func (n *nilStringer) String() string { return n.s }

// onlyFormatter is neither an error nor a fmt.Stringer.
type onlyFormatter struct{}

func (onlyFormatter) Format(s fmt.State, verb rune) { fmt.Fprintf(s, "F(%c,%t)", verb, s.Flag('+')) }

// AppendPlusV prints an error as fmt's %+v does, and a method that panics
// as slog does.
func TestAppendPlusV(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give error
		want string // "" for fmt's %+v
	}{
		{name: "plain", give: errors.New("boom")},
		{name: "wrapped", give: fmt.Errorf("ctx: %w", errors.New("boom"))},
		{name: "Format with +", give: &traced{cause: &traced{cause: errors.New("root")}}},
		{name: "typed nil", give: (*traced)(nil), want: "<nil>"},
		{name: "Format panics", give: panicFormatter{v: "boom"}, want: "!PANIC: boom"},
		{name: "Format panics with an error", give: panicFormatter{v: errors.New("bad")}, want: "!PANIC: bad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := tt.want
			if want == "" {
				want = fmt.Sprintf("%+v", tt.give)
			}
			assert.Equal(t, "pre "+want, string(pyformat.AppendPlusV([]byte("pre "), tt.give)))
		})
	}
}

// AppendStr renders Go values with their own methods, and a method that
// panics as slog does, keeping what was appended before.
func TestAppendStrMethodsThatPanic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give any
		want string
	}{
		{name: "Formatter", give: onlyFormatter{}, want: fmt.Sprint(onlyFormatter{})},
		{name: "typed-nil Stringer", give: (*nilStringer)(nil), want: "<nil>"},
		{name: "typed-nil error", give: (*traced)(nil), want: "<nil>"},
		{name: "Error panics", give: &traced{}, want: "!PANIC: runtime error: invalid memory address or nil pointer dereference"},
		{name: "error Format is not str", give: panicFormatter{v: "boom"}, want: "short"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, "pre "+tt.want, string(pyformat.AppendStr([]byte("pre "), slog.AnyValue(tt.give))))
		})
	}
}

// Guard drops what render appended before it panicked, and escapes the
// text that takes its place as the output format needs.
func TestGuard(t *testing.T) {
	t.Parallel()
	render := func(b []byte, a any) []byte {
		b = append(b, "partial"...)
		return append(b, a.(fmt.Stringer).String()...)
	}
	quote := func(b []byte, s string) []byte { return fmt.Appendf(b, "%q", s) }
	assert.Equal(t, `k="<nil>"`, string(pyformat.Guard([]byte("k="), (*nilStringer)(nil), render, quote)))
	assert.Equal(t, "k=partialx", string(pyformat.Guard([]byte("k="), &nilStringer{s: "x"}, render, quote)))
}
