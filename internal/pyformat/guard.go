package pyformat

import (
	"fmt"
	"reflect"
	"sync"
)

// Rendering a Go value calls the value's own methods (Error, String,
// Format, MarshalJSON), and they may panic, most often on a nil pointer
// receiver. Slog's handlers never let that reach the caller of the log
// call (log/slog's handleState.appendValue), and neither do slogtree's:
// every call into such a method is made under Guard, and the text slog
// prints takes the value's place.

// Guard returns render(b, a): the text of a, which render makes by calling
// a's methods. If render panics, Guard recovers and returns b, as it was,
// with esc(PanicText(a, r)) appended instead, esc being the escaping of
// the output format (a JSON string, say).
//
// Guard is for values of slog.KindAny: the other kinds call no user code
// and need no recover.
func Guard(b []byte, a any, render func([]byte, any) []byte, esc func([]byte, string) []byte) (out []byte) {
	defer func() {
		if r := recover(); r != nil {
			out = esc(b, PanicText(a, r))
		}
	}()
	return render(b, a)
}

// PanicText is what slog's handlers print for a value whose method
// panicked with r: "<nil>" when a is a nil pointer (a method that does not
// guard against a nil receiver), else "!PANIC: " and fmt's %v of r.
func PanicText(a, r any) string {
	if v := reflect.ValueOf(a); v.Kind() == reflect.Pointer && v.IsNil() {
		return "<nil>"
	}
	return fmt.Sprintf("!PANIC: %v", r)
}

func appendRaw(b []byte, s string) []byte { return append(b, s...) }

// appendGoStr appends Python's str() of a Go value that is not nil: an
// error's Error, a Stringer's String, a Formatter's %v, else fmt's %v.
func appendGoStr(b []byte, a any) []byte {
	switch x := a.(type) {
	case error:
		return append(b, x.Error()...)
	case fmt.Stringer:
		return append(b, x.String()...)
	case fmt.Formatter:
		return appendFormat(b, x, false)
	}
	return fmt.Append(b, a)
}

// AppendPlusV appends fmt's %+v of err, as errors with a stack trace
// (github.com/pkg/errors and the like) print it, under [Guard]: a panic in
// err's Error or Format method is rendered as slog renders it, never
// raised.
func AppendPlusV(b []byte, err error) []byte {
	return Guard(b, err, appendPlusV, appendRaw)
}

// appendPlusV is fmt's %+v of an error: its Format method if it has one,
// else its Error method.
func appendPlusV(b []byte, a any) []byte {
	if f, ok := a.(fmt.Formatter); ok {
		return appendFormat(b, f, true)
	}
	return append(b, a.(error).Error()...)
}

// appendFormat appends what f.Format writes for %v, or %+v with plus. It
// calls Format itself, with an fmt.State of its own, rather than through
// fmt: fmt recovers a panic in Format and prints its own text for it, and
// the caller's Guard is to print slog's.
func appendFormat(b []byte, f fmt.Formatter, plus bool) []byte {
	st := fmtStates.Get().(*fmtState)
	st.b, st.plus = b, plus
	f.Format(st, 'v')
	b = st.b
	st.b = nil
	fmtStates.Put(st)
	return b
}

// fmtState is the fmt.State of a Format call for %v (%+v with plus): no
// width, no precision, no flag but '+'.
type fmtState struct {
	b    []byte
	plus bool
}

var fmtStates = sync.Pool{New: func() any { return new(fmtState) }}

func (s *fmtState) Write(p []byte) (int, error) {
	s.b = append(s.b, p...)
	return len(p), nil
}

func (s *fmtState) WriteString(p string) (int, error) {
	s.b = append(s.b, p...)
	return len(p), nil
}

func (s *fmtState) Width() (int, bool)     { return 0, false }
func (s *fmtState) Precision() (int, bool) { return 0, false }
func (s *fmtState) Flag(c int) bool        { return c == '+' && s.plus }
