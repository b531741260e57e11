package formatters

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestQuoteTailIsStrconvQuote(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "a b", "2024-01-02 03:04:05+00:00", `say "hi"`, `back\slash`, "tab\there", "héllo wörld", "\x00\x7f", "日本 語"} {
		b := quoteTail(append([]byte("k="), s...), 2)
		assert.Equal(t, "k="+strconv.Quote(s), string(b), "%q", s)
	}
}
