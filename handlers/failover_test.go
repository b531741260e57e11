package handlers

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFailover(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	tests := []struct {
		name        string
		primary     string // "ok", "fail", "panic", "warn" (ok at WARN and above)
		backup      string
		level       slog.Level
		wantPrimary []string
		wantBackup  []string
		wantErrs    []int // indexes of the handlers reported as failing
		wantErr     bool  // Handle fails: no handler took the record
	}{
		{name: "primary takes it", primary: "ok", backup: "ok", wantPrimary: []string{"app INFO m"}},
		{name: "primary fails", primary: "fail", backup: "ok", wantBackup: []string{"app INFO m"}, wantErrs: []int{0}},
		{name: "primary panics", primary: "panic", backup: "ok", wantBackup: []string{"app INFO m"}, wantErrs: []int{0}},
		{name: "primary's level rejects", primary: "warn", backup: "ok", wantBackup: []string{"app INFO m"}},
		{name: "primary's level takes", primary: "warn", backup: "ok", level: slog.LevelError, wantPrimary: []string{"app ERROR m"}},
		{name: "all fail", primary: "fail", backup: "fail", wantErrs: []int{0, 1}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			outs := [2]*fhBuffer{{}, {}}
			var hs []slog.Handler
			for i, kind := range []string{tt.primary, tt.backup} {
				var h slog.Handler = fhPattern(t, outs[i], "%(name)s %(levelname)s %(message)s")
				switch kind {
				case "fail":
					h = newFHFailing(boom)
				case "panic":
					f := newFHFailing(boom)
					f.panic = true
					h = f
				case "warn":
					h = New(h, &Options{Level: slog.LevelWarn})
				}
				hs = append(hs, h)
			}
			var errs fhErrors
			f := NewFailover(hs, &FailoverOptions{OnError: errs.add})
			err := f.WithLoggerName("app").Handle(context.Background(), fhRecord(tt.level, "m"))
			if tt.wantErr {
				assert.ErrorIs(t, err, ErrNoHandler)
				assert.ErrorIs(t, err, boom)
			} else {
				assert.NoError(t, err)
			}
			assert.Equal(t, tt.wantPrimary, outs[0].lines())
			assert.Equal(t, tt.wantBackup, outs[1].lines())
			var got []int
			for _, e := range errs.all() {
				var ce *ChildError
				require.ErrorAs(t, e, &ce)
				assert.Equal(t, "app", ce.Logger)
				assert.Equal(t, "m", ce.Record.Message)
				got = append(got, ce.Index)
			}
			assert.Equal(t, tt.wantErrs, got)
		})
	}
}

func TestFailoverAttrsAndGroups(t *testing.T) {
	t.Parallel()
	out := &fhBuffer{}
	f := NewFailover([]slog.Handler{newFHFailing(errors.New("down")), fhPattern(t, out, "%(name)s %(message)s")}, nil)
	var h slog.Handler = f.WithAttrs([]slog.Attr{slog.Int("a", 1)}).WithGroup("g")
	// The name reaches the handlers even when given last: it is applied
	// before the attributes and groups.
	h = h.(*Failover).WithLoggerName("late")
	require.NoError(t, h.Handle(context.Background(), fhRecord(slog.LevelInfo, "m", "b", 2)))
	assert.Equal(t, []string{"late m a=1 g.b=2"}, out.lines())
	assert.Len(t, f.Handlers(), 2)
}

func TestFailoverSlogtest(t *testing.T) {
	t.Parallel()
	fhJSONResults(t, func(t *testing.T, target slog.Handler) (slog.Handler, func() error) {
		return NewFailover([]slog.Handler{newFHFailing(errors.New("down")), target}, nil), func() error { return nil }
	})
}
