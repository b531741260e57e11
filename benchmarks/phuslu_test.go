package main

import (
	"io"
	"testing"

	"github.com/phuslu/log"
)

// openPhuslu logs through a phuslu log.Logger at Info whose Context holds
// the logger field, with its typed entry methods: three writers combine
// with log.MultiEntryWriter (the line is encoded once and written three
// times), text is log.ConsoleWriter without colour (it decodes each JSON
// line again), the rotating file is phuslu's own log.FileWriter, and the
// queue is phuslu's log.AsyncWriter (a channel; a full one blocks).
func openPhuslu(tb testing.TB, sc scenario, out *outputs) (func(), func() error) {
	newWriter := func(w io.Writer) log.Writer {
		if sc.text {
			return &log.ConsoleWriter{Writer: w}
		}
		return &log.IOWriter{Writer: w}
	}
	var w log.Writer
	stop := func() error { return nil }
	switch sc.sink {
	case rotating:
		fw := &log.FileWriter{Filename: out.file, MaxSize: benchMaxBytes, MaxBackups: benchBackups}
		w, stop = fw, fw.Close
	case queue:
		aw := &log.AsyncWriter{Writer: newWriter(out.writers[0]), ChannelSize: benchQueueSize}
		w, stop = aw, aw.Close
	default:
		ws := make(log.MultiEntryWriter, len(out.writers))
		for i, o := range out.writers {
			ws[i] = newWriter(o)
		}
		w = ws[0]
		if len(ws) > 1 {
			w = &ws
		}
	}
	l := &log.Logger{Level: log.InfoLevel, Writer: w, Context: log.NewContext(nil).Str("logger", benchLogger).Value()}
	switch sc.call {
	case debug5:
		return func() {
			l.Debug().Str("user", "alice").Int("status", 200).Float64("latency_ms", 12.5).
				Bool("cached", true).Time("at", benchAt).Msg(benchMsg)
		}, stop
	case info0:
		return func() { l.Info().Msg(benchMsg) }, stop
	case info5:
		return func() {
			l.Info().Str("user", "alice").Int("status", 200).Float64("latency_ms", 12.5).
				Bool("cached", true).Time("at", benchAt).Msg(benchMsg)
		}, stop
	case info1:
		e := log.NewContext(nil).Str("logger", benchLogger)
		for _, a := range benchTen {
			switch v := a.val.(type) {
			case string:
				e = e.Str(a.key, v)
			case int:
				e = e.Int(a.key, v)
			case bool:
				e = e.Bool(a.key, v)
			}
		}
		with := *l
		with.Context = e.Value()
		l = &with
		return func() { l.Info().Int("status", 200).Msg(benchMsg) }, stop
	}
	panic("unknown shape")
}
