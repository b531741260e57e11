package slogconfig

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/handlers"
	"github.com/slogtree/slogtree/internal/levels"
	"github.com/slogtree/slogtree/internal/testutil"
)

// mailServer is an SMTP server (github.com/emersion/go-smtp) on loopback
// that keeps the mails it receives, with the login and STARTTLS each
// came with.
type mailServer struct {
	port int
	user string // the login it requires, with password "secret"; "" for none

	mu    sync.Mutex
	mails []receivedMail
	conns int
}

type receivedMail struct {
	From string
	To   []string
	Data string
	User string
	TLS  bool
}

func startMailServer(t *testing.T, user string, cert *tls.Certificate) *mailServer {
	t.Helper()
	s := &mailServer{user: user}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(c *gosmtp.Conn) (gosmtp.Session, error) {
		return &mailSession{s: s, c: c}, nil
	}))
	srv.Domain, srv.AllowInsecureAuth = "localhost", true
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	if cert != nil {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s.port = l.Addr().(*net.TCPAddr).Port
	counting := &countingListener{Listener: l, s: s}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(counting)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-served
	})
	return s
}

// countingListener counts the connections a mailServer accepts.
type countingListener struct {
	net.Listener
	s *mailServer
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.s.mu.Lock()
		l.s.conns++
		l.s.mu.Unlock()
	}
	return c, err
}

func (s *mailServer) received() ([]receivedMail, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]receivedMail(nil), s.mails...), s.conns
}

type mailSession struct {
	s    *mailServer
	c    *gosmtp.Conn
	user string
	from string
	to   []string
}

func (m *mailSession) AuthMechanisms() []string {
	if m.s.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (m *mailSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != m.s.user || pass != "secret" {
			return errors.New("invalid credentials")
		}
		m.user = user
		return nil
	}), nil
}

func (m *mailSession) Mail(from string, _ *gosmtp.MailOptions) error {
	if m.s.user != "" && m.user == "" {
		return gosmtp.ErrAuthRequired
	}
	m.from = from
	return nil
}

func (m *mailSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	m.to = append(m.to, to)
	return nil
}

func (m *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := m.c.TLSConnectionState()
	m.s.mu.Lock()
	m.s.mails = append(m.s.mails, receivedMail{From: m.from, To: m.to, Data: string(b), User: m.user, TLS: isTLS})
	m.s.mu.Unlock()
	return nil
}

func (m *mailSession) Reset()        { m.from, m.to = "", nil }
func (m *mailSession) Logout() error { return nil }

// testCertificate returns a self-signed certificate for 127.0.0.1, and
// the path of a PEM file holding it.
func testCertificate(t *testing.T) (*tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "slogtree test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644))
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, path
}

// waitMails waits until s has received n mails, for at most 10 s.
func waitMails(t *testing.T, s *mailServer, n int) []receivedMail {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		mails, _ := s.received()
		if len(mails) >= n {
			return mails
		}
		if time.Now().After(deadline) {
			t.Fatalf("SMTP server: %d of %d mails after 10 s", len(mails), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var mailDateRe = regexp.MustCompile(`(?m)^Date: [^\r\n]*\r\n`)

func TestSMTPClassRegistered(t *testing.T) {
	t.Parallel()
	reg := NewRegistry()
	for _, n := range []string{"smtp", "logging.handlers.SMTPHandler"} {
		c, ok := reg.handler(n)
		require.True(t, ok, n)
		// Python's positional order, which fileConfig's args bind to.
		assert.Equal(t, []string{"mailhost", "fromaddr", "toaddrs", "subject", "credentials", "secure", "timeout"}, c.Params[:7], n)
	}
}

// smtpRecords are the records of TestSMTPConfigMatchesCPython: [logger,
// Python level, message].
var smtpRecords = [][3]any{
	{"app", 40, "disk full"},
	{"app.db", 50, "connection lost: ünïcode ✓ " + string(bytes.Repeat([]byte("long "), 20))},
	{"app", 30, "below the handler's level"},
}

// TestSMTPConfigMatchesCPython applies the same configuration with
// CPython's logging.config and with slogtree, as JSON for dictConfig and
// as fileConfig's INI (with credentials, in positional args), and compares
// the mails one SMTP server got from each, but for their Date.
func TestSMTPConfigMatchesCPython(t *testing.T) {
	py := testutil.Python3(t)
	tests := []struct {
		name   string
		ext    string
		user   string
		config string // with %d for the port
	}{
		{name: "json", ext: ".json", config: `{"version": 1,
			"formatters": {"f": {"format": "%%(name)s %%(levelname)s: %%(message)s"}},
			"handlers": {"mail": {"class": "logging.handlers.SMTPHandler", "level": "ERROR", "formatter": "f",
				"mailhost": ["127.0.0.1", %d], "fromaddr": "App <app@example.com>",
				"toaddrs": ["ops@example.com", "Dév <dev@example.com>"], "subject": "Alert from app"}},
			"root": {"handlers": ["mail"], "level": "DEBUG"}}`},
		{name: "ini", ext: ".ini", user: "u", config: `[loggers]
keys=root

[handlers]
keys=mail

[formatters]
keys=f

[logger_root]
level=DEBUG
handlers=mail

[handler_mail]
class=handlers.SMTPHandler
level=ERROR
formatter=f
args=(('127.0.0.1', %d), 'app@example.com', 'ops@example.com', 'Ålert', ('u', 'secret'), None, 10.0)

[formatter_f]
format=%%(levelname)s %%(message)s
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startMailServer(t, tt.user, nil)
			path := filepath.Join(t.TempDir(), "logging"+tt.ext)
			require.NoError(t, os.WriteFile(path, []byte(fmt.Sprintf(tt.config, srv.port)), 0o644))
			in, err := json.Marshal(smtpRecords)
			require.NoError(t, err)
			cmd := exec.CommandContext(t.Context(), py, filepath.Join("testdata", "pyconfigrun.py"), path)
			cmd.Stdin = bytes.NewReader(in)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			require.NoError(t, cmd.Run(), "pyconfigrun.py: %s", stderr.String())
			assert.Equal(t, "[]", stdout.String(), "CPython's handler errors")
			want := waitMails(t, srv, 2)

			e := newTestEnv(t)
			require.NoError(t, e.Load(path))
			for _, r := range smtpRecords {
				e.Logger(r[0].(string)).Log(context.Background(), levels.FromPython(r[1].(int)).Slog, r[2].(string))
			}
			require.NoError(t, e.Shutdown())
			assert.Empty(t, e.allReported(), "slogtree's errors")
			all, _ := srv.received()
			require.Len(t, all, 4, "two mails from each")
			got := all[2:]
			for i := range want {
				assert.Equal(t, tt.user, got[i].User, "mail %d: login", i)
				want[i].Data = mailDateRe.ReplaceAllString(want[i].Data, "")
				got[i].Data = mailDateRe.ReplaceAllString(got[i].Data, "")
				assert.Equal(t, want[i], got[i], "mail %d", i)
			}
		})
	}
}

// STARTTLS with a login, the server's certificate trusted through caFile.
func TestSMTPConfigSTARTTLS(t *testing.T) {
	t.Parallel()
	cert, caFile := testCertificate(t)
	srv := startMailServer(t, "u", cert)
	e := newTestEnv(t)
	require.NoError(t, e.DictConfig(jsonConfig(t, fmt.Sprintf(`{"version": 1,
		"handlers": {"mail": {"class": "smtp", "mailhost": ["127.0.0.1", %d], "fromaddr": "a@b.c", "toaddrs": "d@e.f",
			"subject": "s", "credentials": ["u", "secret"], "secure": [], "caFile": %s}},
		"root": {"handlers": ["mail"]}}`, srv.port, jsonQuote(caFile)))))
	e.Logger("x").Error("over TLS")
	require.NoError(t, e.Shutdown())
	assert.Empty(t, e.allReported())
	mails := waitMails(t, srv, 1)
	assert.True(t, mails[0].TLS, "STARTTLS")
	assert.Equal(t, "u", mails[0].User)
	assert.Contains(t, mails[0].Data, "\r\n\r\nover TLS\r\n")
}

func TestSMTPConfigErrors(t *testing.T) {
	t.Parallel()
	const ok = `"mailhost": "mail", "fromaddr": "a@b.c", "toaddrs": "d@e.f", "subject": "s"`
	tests := []struct {
		name string
		give string // the handler's keys after its class
		want string
	}{
		{"nothing", ``, "handlers.h.mailhost: required\nhandlers.h.fromaddr: required\nhandlers.h.toaddrs: required\nhandlers.h.subject: required"},
		{"mailhost list of 3", `"mailhost": ["a", 25, 1], "fromaddr": "a@b.c", "toaddrs": "d@e.f", "subject": "s"`,
			"handlers.h.mailhost: want a host or [host, port], got a list of 3"},
		{"mailhost port", `"mailhost": ["a", "smtp"], "fromaddr": "a@b.c", "toaddrs": "d@e.f", "subject": "s"`,
			`handlers.h.mailhost[1]: want a port number 1-65535, got "smtp"`},
		{"mailhost host:port", `"mailhost": "a:587", "fromaddr": "a@b.c", "toaddrs": "d@e.f", "subject": "s"`,
			`handlers.h.mailhost: "a:587": a host, not host:port (give the port on its own, as Python's (host, port))`},
		{"bad from", `"mailhost": "m", "fromaddr": "nobody", "toaddrs": "d@e.f", "subject": "s"`,
			`handlers.h.fromaddr: address "nobody": want local@domain, got "nobody"`},
		{"to not a string", `"mailhost": "m", "fromaddr": "a@b.c", "toaddrs": ["d@e.f", 5], "subject": "s"`,
			"handlers.h.toaddrs[1]: want an address, got 5"},
		{"empty to", `"mailhost": "m", "fromaddr": "a@b.c", "toaddrs": [], "subject": "s"`,
			"handlers.h.toaddrs: want at least one address"},
		{"subject with a line break", `"mailhost": "m", "fromaddr": "a@b.c", "toaddrs": "d@e.f", "subject": "a\nb"`,
			`handlers.h.subject: "a\nb": a header may not contain a line break ("\n")`},
		{"credentials", ok + `, "credentials": "user"`, `handlers.h.credentials: want [user, password], got "user"`},
		{"secure", ok + `, "credentials": ["u", "p"], "secure": true`, "handlers.h.secure: want [] (STARTTLS) or [keyfile, certfile], got true"},
		{"secure keyfile only", ok + `, "credentials": ["u", "p"], "secure": ["k.pem"]`,
			`handlers.h.secure: a key file needs a certificate file (CPython: "certfile must be specified")`},
		{"timeout", ok + `, "timeout": -1`, "handlers.h.timeout: want a number of seconds > 0, got -1"},
		{"unknown key", ok + `, "port": 25`, `handlers.h.port: unexpected keyword argument "port" for smtp`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t)
			cfg := jsonConfig(t, fmt.Sprintf(`{"version": 1, "handlers": {"h": {"class": "smtp"%s}}}`, prefixComma(tt.give)))
			err := e.Check(cfg)
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
			err = e.DictConfig(cfg)
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}

// freeTCPPort returns a loopback TCP port where nothing listens.
func freeTCPPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	return port
}

func prefixComma(s string) string {
	if s == "" {
		return ""
	}
	return ", " + s
}

// Neither Check nor applying a configuration connects to the server: the
// handler connects for a record. A caFile is read when the configuration
// is applied, not by Check. Warnings tell of secure without credentials.
func TestSMTPConfigOpensNothing(t *testing.T) {
	t.Parallel()
	srv := startMailServer(t, "", nil)
	e := newTestEnv(t)
	cfg := jsonConfig(t, fmt.Sprintf(`{"version": 1,
		"handlers": {"mail": {"class": "smtp", "mailhost": ["127.0.0.1", %d], "fromaddr": "a@b.c", "toaddrs": "d@e.f",
			"subject": "s", "secure": []}},
		"root": {"handlers": ["mail"]}}`, srv.port))
	require.NoError(t, e.Check(cfg))
	missingCA := jsonConfig(t, `{"version": 1, "handlers": {"mail": {"class": "smtp", "mailhost": "mail.invalid",
		"fromaddr": "a@b.c", "toaddrs": "d@e.f", "subject": "s", "caFile": "/nonexistent/ca.pem"}}}`)
	require.NoError(t, e.Check(missingCA), "Check reads no file")
	err := e.DictConfig(missingCA)
	require.Error(t, err)
	assert.Equal(t, "handlers.mail.caFile: open /nonexistent/ca.pem: no such file or directory", err.Error())

	e.reported()
	require.NoError(t, e.DictConfig(cfg))
	_, conns := srv.received()
	assert.Zero(t, conns, "applying the configuration connected")
	var warnings []string
	for _, err := range e.reported() {
		warnings = append(warnings, err.Error())
	}
	assert.Equal(t, []string{"warning: handlers.mail: secure is used only with credentials, as in Python: no STARTTLS"}, warnings)
	e.Logger("x").Warn("now")
	require.NoError(t, e.Shutdown())
	mails, conns := srv.received()
	assert.Equal(t, 1, conns)
	require.Len(t, mails, 1)
	assert.False(t, mails[0].TLS)
}

// A server that is not there, a name that does not resolve: each mail not
// sent is reported under the handler's id by the time Shutdown returns,
// logging is never held, and the other handlers get every record.
func TestSMTPConfigFaults(t *testing.T) {
	t.Parallel()
	for _, host := range []string{fmt.Sprintf(`["127.0.0.1", %d]`, freeTCPPort(t)), `"nosuch.invalid"`} {
		t.Run(host, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t, "good")
			require.NoError(t, e.DictConfig(jsonConfig(t, fmt.Sprintf(`{"version": 1,
				"handlers": {"bad": {"class": "smtp", "mailhost": %s, "fromaddr": "a@b.c", "toaddrs": "d@e.f", "subject": "s", "timeout": 2},
					"good": {"class": "stream", "stream": "ext://out.good"}},
				"root": {"handlers": ["bad", "good"]}}`, host))))
			for i := range 3 {
				e.Logger("app").Error(fmt.Sprint("record ", i))
			}
			require.NoError(t, e.Shutdown())
			assert.Equal(t, []string{"bad", "bad", "bad"}, e.handlerErrors())
			var he *HandlerError
			for _, err := range e.allReported() {
				if errors.As(err, &he) {
					assert.Equal(t, "app", he.Logger)
				}
			}
			assert.Equal(t, "record 0\nrecord 1\nrecord 2\n", e.take("good"))
		})
	}
}

// ShutdownContext gives up on mails a server that never answers holds:
// the drops are counted and reported, and nothing keeps running.
func TestSMTPConfigShutdownContext(t *testing.T) {
	t.Parallel()
	stalled, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var held []net.Conn
	var mu sync.Mutex
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := stalled.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	defer func() {
		_ = stalled.Close()
		<-done
		for _, c := range held {
			_ = c.Close()
		}
	}()
	e := newTestEnv(t)
	require.NoError(t, e.DictConfig(jsonConfig(t, fmt.Sprintf(`{"version": 1,
		"handlers": {"mail": {"class": "smtp", "mailhost": ["127.0.0.1", %d], "fromaddr": "a@b.c", "toaddrs": "d@e.f",
			"subject": "s", "timeout": 3600}},
		"root": {"handlers": ["mail"]}}`, stalled.Addr().(*net.TCPAddr).Port))))
	for i := range 3 {
		e.Logger("app").Error(fmt.Sprint("record ", i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err = e.ShutdownContext(ctx)
	require.Error(t, err)
	var ae *handlers.AbandonedError
	found := errors.As(err, &ae)
	for _, r := range e.allReported() {
		if !found {
			found = errors.As(r, &ae)
		}
	}
	require.True(t, found, "the dropped mails were reported: %v %v", err, e.allReported())
	assert.Equal(t, "smtp", ae.Handler)
	assert.Equal(t, 3, ae.Dropped)
}
