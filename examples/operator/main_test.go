package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestMain fails the tests if a goroutine of the program (the Watcher,
// the HTTP server, an expiry) outlives them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// waitFor waits for the file at path to hold s after position from, and
// returns the position after it. The 20 seconds are a safety net under
// load, not a measure.
func waitFor(t *testing.T, path string, from int, s string) int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var got []byte
	for time.Now().Before(deadline) {
		var err error
		got, err = os.ReadFile(path)
		require.NoError(t, err)
		if i := bytes.Index(got[from:], []byte(s)); i >= 0 {
			return from + i + len(s)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no %q in the output within 20s:\n%s", s, got[from:])
	return 0
}

// TestOperator runs the program on a copy of logging.yaml and
// 127.0.0.1:0, turns app.db to DEBUG for a minute over HTTP with the
// token, sees its debug records, then rewrites the file as a deployment
// would: the reload takes the endpoint's level back.
func TestOperator(t *testing.T) {
	const token = "test-token"
	dir := t.TempDir()
	config := filepath.Join(dir, "logging.yaml")
	yaml, err := os.ReadFile("logging.yaml")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(config, yaml, 0o644))

	// The configuration writes to ext://sys.stdout, read each time it is
	// applied: point os.Stdout at a file while the program runs.
	stdout, err := os.Create(filepath.Join(dir, "stdout.txt"))
	require.NoError(t, err)
	defer stdout.Close()
	out := stdout.Name()
	saved := os.Stdout
	os.Stdout = stdout
	defer func() { os.Stdout = saved }()

	ctx, cancel := context.WithCancel(t.Context())
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, stdout, config, "127.0.0.1:0", token, 5*time.Millisecond, func(u string) { urls <- u })
	}()
	var url string
	select {
	case url = <-urls:
	case err := <-done:
		t.Fatalf("run: %v", err)
	}
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}
	call := func(method, path, body string, withToken bool) (int, map[string]any) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), method, url+path, strings.NewReader(body))
		require.NoError(t, err)
		if withToken {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := client.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		var v map[string]any
		require.NoError(t, json.Unmarshal(b, &v), "%s %s: %s", method, path, b)
		return res.StatusCode, v
	}

	pos := waitFor(t, out, 0, "INFO     app: tick n=")
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.NotContains(t, string(got), "DEBUG    app.db", "app.db is at WARNING")

	status, _ := call("GET", "/loggers", "", false)
	assert.Equal(t, http.StatusUnauthorized, status, "no token")
	status, body := call("POST", "/loggers/app.db", `{"configuredLevel": "DEBUG", "expires": "1m"}`, true)
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, "DEBUG", body["configuredLevel"])
	assert.Equal(t, "WARNING", body["revertsTo"])
	assert.Contains(t, body, "expires")
	pos = waitFor(t, out, pos, "INFO     slogtree.admin: level set logger=app.db from=WARNING to=DEBUG expires=1m0s")
	pos = waitFor(t, out, pos, "DEBUG    app.db: query n=")

	// A deployment writes a new file and renames it over the old one;
	// the reload is a full configuration, which takes the endpoint's
	// level back: app.db has the file's level again.
	newYAML := strings.Replace(string(yaml), "app.db:         {level: WARNING}", "app.db:         {level: ERROR}", 1)
	require.NotEqual(t, string(yaml), newYAML)
	require.NoError(t, os.WriteFile(config+".tmp", []byte(newYAML), 0o644))
	require.NoError(t, os.Rename(config+".tmp", config))
	waitFor(t, out, pos, "INFO     slogtree.admin: level replaced by a configuration logger=app.db level=DEBUG")
	status, body = call("GET", "/loggers/app.db", "", true)
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, "ERROR", body["configuredLevel"])
	assert.NotContains(t, body, "revertsTo")

	cancel()
	select {
	case err := <-done:
		assert.NoError(t, err)
	case <-time.After(20 * time.Second):
		t.Fatal("run did not return within 20s of the cancel")
	}
	transport.CloseIdleConnections()
	_, err = net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	assert.Error(t, err, "the endpoint is closed")
}

// TestOperatorLoopbackOnly: the program refuses to serve the endpoint
// beyond loopback.
func TestOperatorLoopbackOnly(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:8081", ":8081", "192.0.2.1:8081", "example.com:8081"} {
		err := run(t.Context(), io.Discard, "logging.yaml", addr, "t", time.Second, nil)
		assert.ErrorContains(t, err, "loopback only", addr)
	}
}
