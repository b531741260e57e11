package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPoolRoundRobin(t *testing.T) {
	t.Parallel()
	outs := []*fhBuffer{{}, {}, {}}
	var hs []slog.Handler
	for _, o := range outs {
		hs = append(hs, fhPattern(t, o, "%(name)s %(message)s"))
	}
	p := NewPool(hs, nil)
	a, b := p.WithLoggerName("a"), p.WithAttrs([]slog.Attr{slog.Int("k", 1)})
	for i := range 6 {
		h := a
		if i%2 == 1 {
			h = b
		}
		require.NoError(t, h.Handle(context.Background(), fhRecord(slog.LevelInfo, fmt.Sprint(i))))
	}
	// Derived handlers take turns with the pool they came from.
	assert.Equal(t, []string{"a 0", "root 3 k=1"}, outs[0].lines())
	assert.Equal(t, []string{"root 1 k=1", "a 4"}, outs[1].lines())
	assert.Equal(t, []string{"a 2", "root 5 k=1"}, outs[2].lines())
}

func TestPoolFailsOver(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	out := &fhBuffer{}
	var errs fhErrors
	p := NewPool([]slog.Handler{newFHFailing(boom), fhPattern(t, out, "%(message)s")}, &PoolOptions{OnError: errs.add})
	for i := range 4 {
		require.NoError(t, p.Handle(context.Background(), fhRecord(slog.LevelInfo, fmt.Sprint(i))))
	}
	assert.Equal(t, []string{"0", "1", "2", "3"}, out.lines(), "the failing handler's turns go to the next one")
	assert.Len(t, errs.all(), 2)

	err := NewPool([]slog.Handler{newFHFailing(boom)}, nil).Handle(context.Background(), fhRecord(slog.LevelInfo, "x"))
	assert.ErrorIs(t, err, ErrNoHandler)
	assert.NoError(t, NewPool(nil, nil).Handle(context.Background(), fhRecord(slog.LevelInfo, "x")), "an empty pool drops records")
}

func TestPoolConcurrent(t *testing.T) {
	t.Parallel()
	outs := []*fhBuffer{{}, {}}
	p := NewPool([]slog.Handler{fhPattern(t, outs[0], "%(message)s"), fhPattern(t, outs[1], "%(message)s")}, nil)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				assert.NoError(t, p.Handle(context.Background(), fhRecord(slog.LevelInfo, fmt.Sprint(i))))
			}
		}()
	}
	wg.Wait()
	assert.Len(t, outs[0].lines(), 2000)
	assert.Len(t, outs[1].lines(), 2000)
}

func TestPoolSlogtest(t *testing.T) {
	t.Parallel()
	fhJSONResults(t, func(t *testing.T, target slog.Handler) (slog.Handler, func() error) {
		return NewPool([]slog.Handler{target, target}, nil), func() error { return nil }
	})
}
