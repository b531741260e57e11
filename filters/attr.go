package filters

import (
	"context"
	"log/slog"
	"regexp"
	"strconv"
)

// Attr passes the records that carry an attribute at a key: any such
// attribute ([AttrPresent]), one whose value has a given string form
// ([AttrEquals]), or one whose string form a regular expression matches
// ([AttrMatch]). Wrap it with [Not] to drop those records instead.
//
// # Keys
//
// A key is dotted: "req.id" is the attribute id inside the group req, and
// also an attribute whose own key is "req.id", as OpenTelemetry's
// semantic conventions write keys ("http.request.method"). In general the
// key names an attribute when it equals the keys of the groups around the
// attribute and its own key, joined with dots. Groups with an empty key are
// inlined, and empty groups ignored, as slog's handlers do; a
// [slog.LogValuer] is resolved when its key is, or begins, the key.
//
// # Values
//
// A value is compared by its string form, [slog.Value.String]: "200"
// equals the int 200, the uint 200 and the string "200"; "true" the bool
// true; "1.5" the float 1.5. A group's string form is slog's ("[a=1 b=2]").
// Equality is decided without allocating for strings, numbers and
// booleans; a match allocates the string form of a value that is not a
// string.
//
// # What an attribute filter sees
//
// A filter sees the record: the attributes of the logging call, and those
// an earlier filter added. It does not see the attributes bound with
// [slog.Logger.With] or the groups opened with [slog.Logger.WithGroup]:
// slog hands those to the handler's WithAttrs and WithGroup once, where
// the formatter pre-formats them, and they never pass through the
// record. So AttrEquals("user", "alice") passes
// logger.Info("login", "user", "alice") but not
// logger.With("user", "alice").Info("login"), and a record logged after
// WithGroup("req") with an attribute "id" has, for the filter, the key "id".
type Attr struct {
	key    string
	op     attrOp
	equals string
	re     *regexp.Regexp
}

type attrOp uint8

const (
	attrPresent attrOp = iota
	attrEquals
	attrMatch
)

var _ Filter = (*Attr)(nil)

// AttrPresent returns an Attr that passes the records with an attribute at
// key.
func AttrPresent(key string) *Attr { return &Attr{key: key, op: attrPresent} }

// AttrEquals returns an Attr that passes the records with an attribute at
// key whose string form is value.
func AttrEquals(key, value string) *Attr { return &Attr{key: key, op: attrEquals, equals: value} }

// AttrMatch returns an Attr that passes the records with an attribute at
// key whose string form re matches (anywhere, as [regexp.Regexp.MatchString]
// does).
func AttrMatch(key string, re *regexp.Regexp) *Attr { return &Attr{key: key, op: attrMatch, re: re} }

// Key returns the dotted key f looks for.
func (f *Attr) Key() string { return f.key }

// Filter passes r when one of its attributes is at f's key and matches.
func (f *Attr) Filter(_ context.Context, _ string, r slog.Record) (slog.Record, bool) {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = f.attr(f.key, a)
		return !found
	})
	return r, found
}

// attr reports whether a, or an attribute inside it, is at rest (the
// part of the key below the groups around a) and matches.
func (f *Attr) attr(rest string, a slog.Attr) bool {
	k := a.Key
	if k != "" && k == rest {
		v := a.Value.Resolve()
		if v.Kind() == slog.KindGroup && len(v.Group()) == 0 {
			return false // slog's handlers leave out an empty group
		}
		return f.value(v)
	}
	if k != "" && !(len(rest) > len(k) && rest[len(k)] == '.' && rest[:len(k)] == k) {
		return false
	}
	v := a.Value.Resolve()
	if v.Kind() != slog.KindGroup {
		return false
	}
	if k != "" {
		rest = rest[len(k)+1:]
	}
	for _, g := range v.Group() {
		if f.attr(rest, g) {
			return true
		}
	}
	return false
}

// value reports whether v matches.
func (f *Attr) value(v slog.Value) bool {
	switch {
	case f.op == attrPresent:
		return true
	case v.Kind() == slog.KindString:
		s := v.String()
		if f.op == attrEquals {
			return s == f.equals
		}
		return f.re.MatchString(s)
	case f.op == attrEquals:
		return equalsScalar(v, f.equals)
	}
	return f.re.MatchString(v.String())
}

// equalsScalar reports whether v's string form is s, without allocating
// for numbers and booleans.
func equalsScalar(v slog.Value, s string) bool {
	var buf [32]byte
	if b, ok := appendScalar(buf[:0], v); ok {
		return string(b) == s
	}
	return v.String() == s
}

// appendScalar appends the string form of a number or boolean, as
// slog.Value.String writes it, and reports whether v was one.
func appendScalar(dst []byte, v slog.Value) ([]byte, bool) {
	switch v.Kind() {
	case slog.KindInt64:
		return strconv.AppendInt(dst, v.Int64(), 10), true
	case slog.KindUint64:
		return strconv.AppendUint(dst, v.Uint64(), 10), true
	case slog.KindFloat64:
		return strconv.AppendFloat(dst, v.Float64(), 'g', -1, 64), true
	case slog.KindBool:
		return strconv.AppendBool(dst, v.Bool()), true
	}
	return dst, false
}
