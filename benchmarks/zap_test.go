package main

import (
	"io"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"gopkg.in/natefinch/lumberjack.v2"
)

// openZap logs through zap.New on a core with the production JSON
// encoder (for text: the console encoder, with ISO 8601 times and capital
// levels as a reader expects) at Info, named app.db (the production
// encoder writes the name as "logger"), with zap's typed fields: three
// cores combine with zapcore.NewTee, the rotating file is a
// lumberjack.Logger, and the queue is zap's BufferedWriteSyncer (zap
// encodes on the caller's goroutine and buffers the bytes; it has no
// record queue).
func openZap(tb testing.TB, sc scenario, out *outputs) (func(), func() error) {
	newCore := func(w io.Writer) zapcore.Core {
		return newZapCore(sc.text, zapcore.AddSync(w))
	}
	var core zapcore.Core
	stop := func() error { return nil }
	switch sc.sink {
	case rotating:
		lj := &lumberjack.Logger{Filename: out.file, MaxSize: benchMaxBytes >> 20, MaxBackups: benchBackups}
		core, stop = newCore(lj), lj.Close
	case queue:
		ws := &zapcore.BufferedWriteSyncer{WS: zapcore.AddSync(out.writers[0])}
		core, stop = newZapCore(sc.text, ws), ws.Stop
	default:
		cores := make([]zapcore.Core, len(out.writers))
		for i, w := range out.writers {
			cores[i] = newCore(w)
		}
		core = zapcore.NewTee(cores...)
	}
	l := zap.New(core).Named(benchLogger)
	switch sc.call {
	case debug5:
		return func() {
			l.Debug(benchMsg, zap.String("user", "alice"), zap.Int("status", 200),
				zap.Float64("latency_ms", 12.5), zap.Bool("cached", true), zap.Time("at", benchAt))
		}, stop
	case info0:
		return func() { l.Info(benchMsg) }, stop
	case info5:
		return func() {
			l.Info(benchMsg, zap.String("user", "alice"), zap.Int("status", 200),
				zap.Float64("latency_ms", 12.5), zap.Bool("cached", true), zap.Time("at", benchAt))
		}, stop
	case info1:
		fields := make([]zap.Field, 0, len(benchTen))
		for _, a := range benchTen {
			fields = append(fields, zap.Any(a.key, a.val))
		}
		l = l.With(fields...)
		return func() { l.Info(benchMsg, zap.Int("status", 200)) }, stop
	}
	panic("unknown shape")
}

// newZapCore is zap's production core at Info on ws: JSON, or the console
// encoder for text.
func newZapCore(text bool, ws zapcore.WriteSyncer) zapcore.Core {
	cfg := zap.NewProductionEncoderConfig()
	enc := zapcore.NewJSONEncoder(cfg)
	if text {
		cfg.EncodeTime = zapcore.ISO8601TimeEncoder
		cfg.EncodeLevel = zapcore.CapitalLevelEncoder
		enc = zapcore.NewConsoleEncoder(cfg)
	}
	return zapcore.NewCore(enc, ws, zap.InfoLevel)
}
