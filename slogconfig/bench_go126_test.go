//go:build go1.26

package slogconfig

import "log/slog"

func init() {
	benchPropagation3Baselines = append(benchPropagation3Baselines, struct {
		name    string
		combine func(hs ...slog.Handler) slog.Handler
	}{"multihandler", func(hs ...slog.Handler) slog.Handler { return slog.NewMultiHandler(hs...) }})
}
