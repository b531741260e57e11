package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slogtree/slogtree/slogconfig"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a bytes.Buffer safe for the logging goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// waitFor waits up to 5 seconds for out to contain s after position from.
func waitFor(t *testing.T, out *syncBuffer, from int, s string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(out.String()[from:], s) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no %q in the output within 5s:\n%s", s, out.String()[from:])
}

// TestHotswap runs the example on 127.0.0.1:0, turns app.db's debug
// records on with debug-db.json, then sends quiet.ini.
func TestHotswap(t *testing.T) {
	t.Parallel()
	out := &syncBuffer{}
	ctx, cancel := context.WithCancel(t.Context())
	addrs := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, out, "127.0.0.1:0", 5*time.Millisecond, func(a net.Addr) { addrs <- a }) }()
	var addr string
	select {
	case a := <-addrs:
		addr = a.String()
	case err := <-done:
		t.Fatalf("run: %v", err)
	}

	waitFor(t, out, 0, "INFO     app: tick n=")
	assert.NotContains(t, out.String(), "app.db", "app.db is at WARNING")

	send := func(file string) {
		t.Helper()
		payload, err := os.ReadFile(file)
		require.NoError(t, err)
		sctx, scancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer scancel()
		require.NoError(t, slogconfig.Send(sctx, addr, payload))
	}
	send("debug-db.json")
	waitFor(t, out, 0, "DEBUG    app.db: query n=")

	from := len(out.String())
	send("quiet.ini")
	waitFor(t, out, from, "app WARNING every fifth tick n=")
	after := out.String()[strings.Index(out.String()[from:], "app WARNING")+from:]
	assert.NotContains(t, after, "INFO", "quiet.ini keeps only warnings")
	assert.NotContains(t, after, "app.db", "quiet.ini silences app.db")

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("run did not return within 5s of the cancel")
	}
	_, err := net.Dial("tcp", addr)
	assert.Error(t, err, "the listener is closed")
}
