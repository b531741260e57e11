// Package slogattr holds what the handlers and formatters that flatten
// slog attributes share.
package slogattr

import "log/slog"

// Flatten appends attrs to dst with their values resolved, groups
// flattened and keys qualified by prefix and their groups (g.k). Empty
// keys are left out, and a group with an empty key adds no qualifier, as
// slog's handlers do.
func Flatten(dst []slog.Attr, prefix string, attrs []slog.Attr) []slog.Attr {
	for _, a := range attrs {
		v := a.Value.Resolve()
		if v.Kind() == slog.KindGroup {
			p := prefix
			if a.Key != "" {
				p += a.Key + "."
			}
			dst = Flatten(dst, p, v.Group())
			continue
		}
		if a.Key != "" {
			dst = append(dst, slog.Attr{Key: prefix + a.Key, Value: v})
		}
	}
	return dst
}
