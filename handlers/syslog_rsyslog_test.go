//go:build unix

package handlers

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/formatters"
	"github.com/slogtree/slogtree/internal/levels"
)

// rsyslogd returns the path of rsyslogd, skipping the test where it is not
// installed, except under CI=true: .ci/run installs it, so there a missing
// rsyslogd fails the test.
func rsyslogd(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"rsyslogd", "/usr/sbin/rsyslogd", "/sbin/rsyslogd"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("rsyslogd not found, and CI=true: .ci/run installs Debian's rsyslog for this test")
	}
	t.Skip("rsyslogd not found (Debian package rsyslog), so the test against a real syslog daemon is skipped")
	return ""
}

// TestSyslogRsyslog sends records to a real syslog daemon, rsyslogd run in
// the foreground with a configuration of the test's own (UDP and TCP
// inputs on loopback, NUL-delimited TCP frames, a file action), and finds
// them, with their facility and severity, in its file.
func TestSyslogRsyslog(t *testing.T) {
	bin := rsyslogd(t)
	t.Parallel()
	dir := t.TempDir()
	udpAddr, tcpAddr := freeUDPAddr(t), freeTCPAddr(t)
	_, udpPort, _ := net.SplitHostPort(udpAddr)
	_, tcpPort, _ := net.SplitHostPort(tcpAddr)
	out := filepath.Join(dir, "out.log")
	require.NoError(t, os.Mkdir(filepath.Join(dir, "work"), 0o755))
	conf := fmt.Sprintf(`global(workDirectory=%q)
module(load="imudp")
module(load="imtcp")
input(type="imudp" address="127.0.0.1" port=%q)
input(type="imtcp" address="127.0.0.1" port=%q AddtlFrameDelimiter="0")
template(name="slogtree" type="string" string="%%syslogfacility-text%%.%%syslogseverity-text%% %%syslogtag%%%%msg%%\n")
*.* action(type="omfile" file=%q template="slogtree")
`, filepath.Join(dir, "work"), udpPort, tcpPort, out)
	confPath := filepath.Join(dir, "rsyslog.conf")
	require.NoError(t, os.WriteFile(confPath, []byte(conf), 0o644))

	cmd := exec.Command(bin, "-n", "-f", confPath, "-i", filepath.Join(dir, "rsyslogd.pid"))
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})

	f, err := formatters.NewPattern(&formatters.PatternOptions{Format: "%(name)s[%(levelname)s]: %(message)s"})
	require.NoError(t, err)
	deadline := time.Now().Add(20 * time.Second)
	wait := func(what string, ok func() bool) {
		t.Helper()
		for !ok() {
			select {
			case err := <-exited:
				t.Fatalf("rsyslogd exited (%v) while waiting for %s: %s", err, what, stderr.String())
			default:
			}
			if time.Now().After(deadline) {
				data, _ := os.ReadFile(out)
				t.Fatalf("rsyslogd: no %s after 20 s; its file holds %q; its output: %s", what, data, stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	lines := func() []string {
		data, _ := os.ReadFile(out)
		return strings.Split(string(data), "\n")
	}
	has := func(line string) bool {
		for _, l := range lines() {
			if l == line {
				return true
			}
		}
		return false
	}

	// UDP: the daemon reads no datagram before its input is up, so send a
	// probe until one is in the file.
	udp, err := NewSyslogHandler(&SyslogOptions{Address: udpAddr, Facility: "local6", Formatter: f})
	require.NoError(t, err)
	defer udp.Close()
	probe := formatters.WithLoggerName(udp, "probe")
	wait("UDP probe", func() bool {
		require.NoError(t, probe.Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelInfo, "ready?", 0)))
		time.Sleep(30 * time.Millisecond)
		return has("local6.info probe[INFO]: ready?")
	})
	var tcp *SyslogHandler
	wait("TCP input", func() bool {
		tcp, err = NewSyslogHandler(&SyslogOptions{Address: tcpAddr, Network: "tcp", Facility: "daemon", Ident: "slogtree: ", Formatter: f})
		return err == nil
	})
	defer tcp.Close()

	registerSyslogNotice(t)
	var want []string
	send := func(h slog.Handler, logger string, l slog.Level, msg, line string) {
		t.Helper()
		require.NoError(t, formatters.WithLoggerName(h, logger).Handle(context.Background(), slog.NewRecord(time.Now(), l, msg, 0)))
		want = append(want, line)
	}
	send(udp, "app.db", slog.LevelWarn, "disk wörld", "local6.warning app.db[WARNING]: disk wörld")
	send(udp, "app", slog.LevelDebug, "debug", "local6.debug app[DEBUG]: debug")
	send(udp, "app", syslogNoticeLevel, "custom", "local6.warning app[NOTICE]: custom")
	send(tcp, "app", slog.LevelError, "over tcp", "daemon.err slogtree: app[ERROR]: over tcp")
	send(tcp, "app", levels.Critical, "critical ✓", "daemon.crit slogtree: app[CRITICAL]: critical ✓")
	send(tcp, "app", slog.LevelInfo, "last", "daemon.info slogtree: app[INFO]: last")
	require.NoError(t, tcp.Close())
	for _, w := range want {
		wait(fmt.Sprintf("line %q", w), func() bool { return has(w) })
	}
	var got []string
	for _, l := range lines() {
		if strings.Contains(l, " app[") || strings.Contains(l, " app.db[") {
			got = append(got, l)
		}
	}
	// UDP and TCP are inputs of their own: the daemon may interleave them.
	slices.Sort(want)
	slices.Sort(got)
	assert.Equal(t, want, got, "every record once")
}
