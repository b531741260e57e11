package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/slogtree/slogtree/slogconfig"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const goodINI = `[loggers]
keys=root

[handlers]
keys=console

[formatters]
keys=

[logger_root]
level=%(lvl)s
handlers=console

[handler_console]
class=StreamHandler
args=(sys.stderr,)
`

const badINI = `[loggers]
keys=root,db

[handlers]
keys=console

[formatters]
keys=

[logger_root]
level=LOUD
handlers=console

[logger_db]
qualname=app.db
handlers=console,nope

[handler_console]
class=StreamHandler
formatter=missing
args=(sys.stderr,)
`

func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	return p
}

func runCmd(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := write(t, dir, "good.ini", strings.Replace(goodINI, "%(lvl)s", "INFO", 1))
	goodJSON := write(t, dir, "good.json", `{"version": 1, "root": {"level": "INFO"}}`)
	goodYAML := write(t, dir, "good.yaml", "version: 1\nroot: {level: INFO}\n")
	interp := write(t, dir, "interp.ini", goodINI)
	bad := write(t, dir, "bad.ini", badINI)
	badJSON := write(t, dir, "bad.json", `{"version": 1, "handlers": {"h": {"class": "logging.StreamHandler", "nope": 1}}, "root": {"level": "LOUD"}}`)
	tests := []struct {
		name       string
		give       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{name: "good files", give: []string{good, goodJSON, goodYAML}, wantStdout: good + ": ok\n" + goodJSON + ": ok\n" + goodYAML + ": ok\n"},
		{name: "INI defaults", give: []string{"-default", "lvl=DEBUG", interp}, wantStdout: interp + ": ok\n"},
		{name: "INI without its default", give: []string{interp}, wantCode: 1,
			wantStdout: interp + ": [logger_root] level: %(lvl)s names no option of the section or the defaults (raw value \"%(lvl)s\")\n"},
		{name: "every problem of an INI file", give: []string{bad, good}, wantCode: 1, wantStdout: bad + ": [handler_console] formatter: unknown formatter \"missing\"\n" +
			bad + ": [logger_db] handlers[1]: unknown handler \"nope\"\n" +
			bad + ": [logger_root] level: unknown level: \"LOUD\"\n" +
			good + ": ok\n"},
		{name: "every problem of a JSON file", give: []string{badJSON}, wantCode: 1, wantStdout: badJSON + ": handlers.h.nope: unexpected keyword argument \"nope\" for logging.StreamHandler\n" +
			badJSON + ": root.level: unknown level: \"LOUD\"\n"},
		{name: "missing file", give: []string{filepath.Join(dir, "nope.ini")}, wantCode: 1,
			wantStderr: "slogconfig check: open " + filepath.Join(dir, "nope.ini") + ": no such file or directory\n"},
		{name: "unknown format", give: []string{write(t, dir, "x.txt", "")}, wantCode: 1,
			wantStderr: "slogconfig check: " + filepath.Join(dir, "x.txt") + ": unknown configuration format \".txt\": want .json, .yaml, .yml, .ini, .conf or .cfg\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCmd(append([]string{"check"}, tt.give...)...)
			assert.Equal(t, tt.wantCode, code, "stderr: %s", stderr)
			assert.Equal(t, tt.wantStdout, stdout)
			assert.Equal(t, tt.wantStderr, stderr)
		})
	}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		give []string
		want int
	}{
		{name: "nothing", want: 2},
		{name: "unknown command", give: []string{"frobnicate"}, want: 2},
		{name: "check without files", give: []string{"check"}, want: 2},
		{name: "send without a file", give: []string{"send"}, want: 2},
		{name: "bad flag", give: []string{"send", "-nope", "x"}, want: 2},
		{name: "help", give: []string{"help"}, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCmd(tt.give...)
			assert.Equal(t, tt.want, code)
			assert.Contains(t, stdout+stderr, "usage:")
		})
	}
}

// listener starts a Listener for a Manager of its own; the returned
// function tells whether logger app is enabled at DEBUG.
func listener(t *testing.T, opts ...slogconfig.ListenOption) (string, func() bool) {
	t.Helper()
	m := slogconfig.New(slogconfig.WithRegistry(slogconfig.NewRegistry()), slogconfig.WithErrorHandler(func(error) {}))
	require.NoError(t, m.DictConfig(map[string]any{
		"version":  1,
		"handlers": map[string]any{"h": map[string]any{"class": "stream", "stream": "ext://io.Discard"}},
		"root":     map[string]any{"handlers": []any{"h"}},
	}))
	l, err := m.Listen("127.0.0.1:0", opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	return l.Addr().String(), func() bool { return m.Logger("app").Enabled(context.Background(), -4) }
}

func TestSend(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	debugJSON := write(t, dir, "debug.json", `{"version": 1, "incremental": true, "loggers": {"app": {"level": "DEBUG"}}}`)
	debugYAML := write(t, dir, "debug.yml", "version: 1\nincremental: true\nloggers:\n  app: {level: DEBUG}\n")
	debugINI := write(t, dir, "debug.ini", strings.Replace(goodINI, "%(lvl)s", "DEBUG", 1))
	refused := write(t, dir, "refused.json", `{"version": 1, "root": {"level": "LOUD"}}`)
	key := write(t, dir, "key", "s3cret\n")

	t.Run("JSON", func(t *testing.T) {
		t.Parallel()
		addr, debug := listener(t)
		code, stdout, stderr := runCmd("send", "-addr", addr, debugJSON)
		assert.Equal(t, 0, code, stderr)
		assert.Equal(t, debugJSON+": applied by "+addr+"\n", stdout)
		assert.True(t, debug())
	})
	t.Run("YAML is sent as JSON", func(t *testing.T) {
		t.Parallel()
		addr, debug := listener(t)
		code, _, stderr := runCmd("send", "-addr", addr, debugYAML)
		assert.Equal(t, 0, code, stderr)
		assert.True(t, debug())
	})
	t.Run("INI", func(t *testing.T) {
		t.Parallel()
		addr, _ := listener(t)
		code, _, stderr := runCmd("send", "-addr", addr, debugINI)
		assert.Equal(t, 0, code, stderr)
	})
	t.Run("signed", func(t *testing.T) {
		t.Parallel()
		addr, debug := listener(t, slogconfig.Verify(slogconfig.HMACVerifier([]byte("s3cret"))))
		code, _, stderr := runCmd("send", "-addr", addr, "-key-file", key, debugJSON)
		assert.Equal(t, 0, code, stderr)
		assert.True(t, debug())
	})
	t.Run("unsigned to a verifying listener", func(t *testing.T) {
		t.Parallel()
		addr, debug := listener(t, slogconfig.Verify(slogconfig.HMACVerifier([]byte("s3cret"))))
		code, stdout, _ := runCmd("send", "-addr", addr, debugJSON)
		assert.Equal(t, 1, code)
		assert.Contains(t, stdout, "refused by "+addr+":\nrefused by the verifier")
		assert.False(t, debug())
	})
	t.Run("refused", func(t *testing.T) {
		t.Parallel()
		addr, _ := listener(t)
		code, stdout, _ := runCmd("send", "-addr", addr, refused)
		assert.Equal(t, 1, code)
		assert.Equal(t, refused+": refused by "+addr+":\ndictConfig refused the JSON configuration:\nroot.level: unknown level: \"LOUD\"\n", stdout)
	})
	t.Run("nobody listening", func(t *testing.T) {
		t.Parallel()
		code, _, stderr := runCmd("send", "-addr", "127.0.0.1:1", "-timeout", "2s", debugJSON)
		assert.Equal(t, 1, code)
		assert.Contains(t, stderr, "slogconfig send: ")
	})
	t.Run("missing key file", func(t *testing.T) {
		t.Parallel()
		code, _, stderr := runCmd("send", "-key-file", filepath.Join(dir, "nokey"), debugJSON)
		assert.Equal(t, 1, code)
		assert.Contains(t, stderr, "no such file or directory")
	})
}

// TestCheckChangesNoFile checks that check validates without opening
// anything: a configuration in mode "w" leaves its file as it was, and one
// naming new files creates none; -probe also reports a file that could not
// be opened, still creating nothing.
func TestCheckChangesNoFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	kept := write(t, dir, "kept.log", "precious\n")
	fresh := filepath.Join(dir, "fresh.log")
	cfg := func(name, file string) string {
		return write(t, dir, name, `{"version": 1, "handlers": {
			"w": {"class": "file", "filename": `+strconv.Quote(kept)+`, "mode": "w"},
			"n": {"class": "logging.FileHandler", "filename": `+strconv.Quote(file)+`}},
			"root": {"handlers": ["w", "n"]}}`)
	}
	good := cfg("good.json", fresh)
	unopenable := filepath.Join(dir, "no", "such", "dir.log")
	bad := cfg("bad.json", unopenable)
	listing := func() []string {
		ents, err := os.ReadDir(dir)
		require.NoError(t, err)
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		return names
	}
	before := listing()

	for _, args := range [][]string{{"check", good}, {"check", "-probe", good}, {"check", bad}} {
		code, stdout, stderr := runCmd(args...)
		assert.Equal(t, 0, code, "%v: %s%s", args, stdout, stderr)
	}
	code, stdout, _ := runCmd("check", "-probe", bad)
	assert.Equal(t, 1, code)
	assert.Contains(t, stdout, bad+": handlers.n.filename: ")
	assert.Contains(t, stdout, unopenable)

	assert.Equal(t, before, listing(), "check created or removed a file")
	got, err := os.ReadFile(kept)
	require.NoError(t, err)
	assert.Equal(t, "precious\n", string(got), "check truncated a mode \"w\" file")
}
