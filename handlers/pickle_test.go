package handlers

import (
	"bytes"
	"fmt"
	"log/slog"
	"math"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/slogtest"
	"time"
	"unicode/utf8"

	ogórek "github.com/kisielk/og-rek"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/internal/testutil"
)

// slogtestMap turns a record dict into what testing/slogtest reads: msg,
// level (levelname) and time (created, left out for the zero time), and
// the attributes, their dotted keys made groups again.
func slogtestMap(m map[any]any) map[string]any {
	zeroCreated := float64(time.Time{}.UnixNano()) / 1e9
	out := map[string]any{}
	fields := map[string]bool{}
	for _, k := range pickleFields {
		fields[k] = true
	}
	for k, v := range m {
		key := k.(string)
		switch key {
		case "msg":
			out[slog.MessageKey] = v
		case "levelname":
			out[slog.LevelKey] = v
		case "created":
			if v != zeroCreated {
				out[slog.TimeKey] = v
			}
		}
		if fields[key] {
			continue
		}
		parts := strings.Split(key, ".")
		cur := out
		for _, p := range parts[:len(parts)-1] {
			next, ok := cur[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				cur[p] = next
			}
			cur = next
		}
		cur[parts[len(parts)-1]] = v
	}
	return out
}

// TestSocketAndDatagramHandlersSlogtest runs testing/slogtest on SocketHandler and
// DatagramHandler, reading what they send with og-rek's decoder.
func TestSocketAndDatagramHandlersSlogtest(t *testing.T) {
	t.Parallel()
	for _, network := range []string{"tcp", "udp"} {
		t.Run(network, func(t *testing.T) {
			t.Parallel()
			recv := newGoReceiver(t, network, "127.0.0.1:0")
			var h pickleHandler
			var got []map[string]any
			slogtest.Run(t, func(t *testing.T) slog.Handler {
				h = newPickleHandler(t, network, recv.addr(), nil)
				return h
			}, func(t *testing.T) map[string]any {
				require.NoError(t, h.Close())
				m := slogtestMap(recv.next(t))
				got = append(got, m)
				return m
			})
			assert.NotEmpty(t, got)
		})
	}
}

// TestSocketHandlerConcurrent: records logged from many goroutines arrive
// whole, each once.
func TestSocketHandlerConcurrent(t *testing.T) {
	t.Parallel()
	recv := newGoReceiver(t, "tcp", "127.0.0.1:0")
	h, err := NewSocketHandler("tcp", recv.addr(), nil)
	require.NoError(t, err)
	const writers, each = 8, 200
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hh := h.WithAttrs([]slog.Attr{slog.Int("w", w)})
			for i := range each {
				logMsg(t, hh, fmt.Sprintf("%d/%d", w, i), slog.String("pad", strings.Repeat("p", i)))
			}
		}()
	}
	wg.Wait()
	require.NoError(t, h.Close())
	seen := map[string]bool{}
	for range writers * each {
		m := recv.next(t)
		msg := m["msg"].(string)
		assert.False(t, seen[msg], "%s twice", msg)
		seen[msg] = true
		var w, i int
		_, err := fmt.Sscanf(msg, "%d/%d", &w, &i)
		require.NoError(t, err)
		assert.Equal(t, int64(w), m["w"])
		assert.Equal(t, strings.Repeat("p", i), m["pad"])
	}
	assert.Zero(t, h.Dropped())
}

// FuzzPickleRecord pickles records with arbitrary messages, keys and
// values, and decodes them with og-rek: nothing panics, and every value
// comes back (strings with invalid UTF-8 as U+FFFD).
func FuzzPickleRecord(f *testing.F) {
	f.Add("msg", "k", "v", int64(-1), uint64(math.MaxUint64), 0.5, true)
	f.Add("a\xffb", "\xc3", "\xed\xa0\x80", int64(math.MinInt64), uint64(0), math.NaN(), false)
	f.Add("", "name", "", int64(0), uint64(1), math.Inf(1), true)
	f.Fuzz(func(t *testing.T, msg, key, s string, i int64, u uint64, x float64, b bool) {
		rec := newPyRecord("")
		r := slog.NewRecord(time.Unix(0, i), slog.Level(i%20), msg, 0)
		r.AddAttrs(slog.String(key, s), slog.Int64("i", i), slog.Uint64("u", u), slog.Float64("x", x),
			slog.Bool("b", b), slog.Group(key, slog.String(key, s)), slog.Any("exc_info", s))
		d := getPyDict()
		defer d.put()
		rec.build(d, &r, slog.Value{})
		frame, err := d.appendPickle(nil)
		require.NoError(t, err)
		n := int(frame[0])<<24 | int(frame[1])<<16 | int(frame[2])<<8 | int(frame[3])
		require.Equal(t, len(frame)-4, n)
		v, err := ogórek.NewDecoderWithConfig(bytes.NewReader(frame[4:]), &ogórek.DecoderConfig{StrictUnicode: true}).Decode()
		require.NoError(t, err)
		m, ok := v.(map[any]any)
		require.True(t, ok)
		require.Len(t, m, len(d.kvs))
		assert.Equal(t, validUTF8(msg), m["msg"])
		assert.Equal(t, i, m["i"])
		if u <= math.MaxInt64 {
			assert.Equal(t, int64(u), m["u"])
		} else {
			big, ok := m["u"].(*big.Int)
			require.True(t, ok, "%T", m["u"])
			assert.Equal(t, strconv.FormatUint(u, 10), big.String())
		}
		if x == x {
			assert.Equal(t, x, m["x"])
		} else {
			assert.True(t, math.IsNaN(m["x"].(float64)))
		}
		assert.Equal(t, b, m["b"])
		for k, v := range m {
			assert.True(t, utf8.ValidString(k.(string)))
			if str, ok := v.(string); ok {
				assert.True(t, utf8.ValidString(str))
			}
		}
	})
}

// TestAllocsPyRecordBuild: building the dict of a record with five
// attributes allocates nothing.
func TestAllocsPyRecordBuild(t *testing.T) {
	if testutil.RaceEnabled {
		t.Skip("the race detector allocates")
	}
	rec := newPyRecord("").withAttrs([]slog.Attr{slog.String("svc", "api")})
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "hello", 0)
	r.AddAttrs(slog.String("a", "x"), slog.Int("b", 1), slog.Float64("c", 0.5), slog.Bool("d", true), slog.Any("e", nil))
	allocs := testing.AllocsPerRun(100, func() {
		d := getPyDict()
		rec.build(d, &r, slog.Value{})
		d.put()
	})
	assert.Zero(t, allocs)
}

func TestValidUTF8(t *testing.T) {
	t.Parallel()
	for give, want := range map[string]string{
		"":             "",
		"café":         "café",
		"a\xffb":       "a\ufffdb",
		"\xff\xfe":     "\ufffd\ufffd",
		"\xe2\x82":     "\ufffd\ufffd",
		"\xed\xa0\x80": "\ufffd\ufffd\ufffd", // a surrogate, which UTF-8 does not allow
	} {
		assert.Equal(t, want, validUTF8(give), "%q", give)
	}
}
