package formatters_test

import (
	"encoding/binary"
	"testing"
)

// jsonByteChooser makes a jsonGen's choices from fuzz bytes; once they run
// out, every choice is 0.
type jsonByteChooser struct{ data []byte }

func (c *jsonByteChooser) next() byte {
	if len(c.data) == 0 {
		return 0
	}
	b := c.data[0]
	c.data = c.data[1:]
	return b
}

func (c *jsonByteChooser) intn(n int) int {
	if n <= 256 {
		return int(c.next()) % n
	}
	return int(c.u64() % uint64(n))
}

func (c *jsonByteChooser) u64() uint64 {
	var b [8]byte
	n := copy(b[:], c.data)
	c.data = c.data[n:]
	return binary.LittleEndian.Uint64(b[:])
}

func (c *jsonByteChooser) str() string {
	n := min(int(c.next()), len(c.data))
	s := string(c.data[:n])
	c.data = c.data[n:]
	return s
}

// FuzzJSONMatchesSlog builds a scenario (options, WithAttrs, WithGroup
// and WithLoggerName steps, records) from the fuzz bytes and checks that
// the json formatter writes what slog's JSONHandler writes.
func FuzzJSONMatchesSlog(f *testing.F) {
	jsonRegisterName(f)
	f.Add([]byte{})
	f.Add([]byte("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c"))
	f.Add([]byte("\x05\x03\x02\x00\x05key\"\x0b\x03\x07\x02ab\x00\x03\x01\x05<\xff\u2028"))
	f.Add([]byte("\x03\x04\x07\x07\x07\x07\x07\x07\x07\x07\x09\x09\x00\x0a\x0b\x06\x01\x02\x03\x04\x05\x06\x07\x08"))
	pc := jsonPC()
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &jsonGen{c: &jsonByteChooser{data}, pc: pc}
		got, want := g.scenario().run(t)
		if got != want {
			t.Fatalf("\n got: %s\nwant: %s", got, want)
		}
	})
}
