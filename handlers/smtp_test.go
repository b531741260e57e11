package handlers

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log"
	"log/slog"
	"math/big"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/slogtest"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/formatters"
	"github.com/slogtree/slogtree/internal/levels"
	"github.com/slogtree/slogtree/internal/testutil"
)

// smtpMail is a mail an smtpServer received.
type smtpMail struct {
	From string
	To   []string
	Data string
	User string // who logged in; "" for no login
	TLS  bool   // the session ran over STARTTLS
}

// smtpServer is an SMTP server for the tests (github.com/emersion/go-smtp)
// that keeps what it receives.
type smtpServer struct {
	host string
	port int
	opts smtpServerOptions

	mu      sync.Mutex
	mails   []smtpMail
	arrived chan struct{}
}

type smtpServerOptions struct {
	tls        *tls.Config // offer STARTTLS
	user, pass string      // require this login
	mechs      []string    // the mechanisms offered; default PLAIN
	listen     string      // default "127.0.0.1:0"
}

func startSMTPServer(t *testing.T, o smtpServerOptions) *smtpServer {
	t.Helper()
	s := &smtpServer{opts: o, arrived: make(chan struct{}, 1)}
	if len(s.opts.mechs) == 0 {
		s.opts.mechs = []string{sasl.Plain}
	}
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(c *gosmtp.Conn) (gosmtp.Session, error) {
		return &smtpSession{s: s, c: c}, nil
	}))
	srv.Domain = "localhost"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.AllowInsecureAuth = true
	srv.TLSConfig = o.tls
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", cmpOrStr(o.listen, "127.0.0.1:0"))
	require.NoError(t, err)
	a := l.Addr().(*net.TCPAddr)
	s.host, s.port = a.IP.String(), a.Port
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(l)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-served
	})
	return s
}

func cmpOrStr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// wait returns the first n mails, failing the test if they do not come
// within 10 s.
func (s *smtpServer) wait(t *testing.T, n int) []smtpMail {
	t.Helper()
	limit := time.NewTimer(10 * time.Second)
	defer limit.Stop()
	for {
		s.mu.Lock()
		if len(s.mails) >= n {
			got := append([]smtpMail(nil), s.mails[:n]...)
			s.mu.Unlock()
			return got
		}
		have := len(s.mails)
		s.mu.Unlock()
		select {
		case <-s.arrived:
		case <-limit.C:
			t.Fatalf("SMTP server: %d of %d mails after 10 s", have, n)
		}
	}
}

func (s *smtpServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.mails)
}

type smtpSession struct {
	s    *smtpServer
	c    *gosmtp.Conn
	user string
	from string
	to   []string
}

func (ss *smtpSession) AuthMechanisms() []string {
	if ss.s.opts.user == "" {
		return nil
	}
	return ss.s.opts.mechs
}

func (ss *smtpSession) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		if user != ss.s.opts.user || pass != ss.s.opts.pass {
			return errors.New("invalid credentials")
		}
		ss.user = user
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return check(user, pass) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, gosmtp.ErrAuthUnknownMechanism
}

func (ss *smtpSession) Mail(from string, _ *gosmtp.MailOptions) error {
	if ss.s.opts.user != "" && ss.user == "" {
		return gosmtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := ss.c.TLSConnectionState()
	ss.s.mu.Lock()
	ss.s.mails = append(ss.s.mails, smtpMail{From: ss.from, To: ss.to, Data: string(b), User: ss.user, TLS: isTLS})
	ss.s.mu.Unlock()
	select {
	case ss.s.arrived <- struct{}{}:
	default:
	}
	return nil
}

func (ss *smtpSession) Reset()        { ss.from, ss.to = "", nil }
func (ss *smtpSession) Logout() error { return nil }

// loginServer is the server side of the LOGIN mechanism.
type loginServer struct {
	check func(user, pass string) error
	user  string
	step  int
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	switch l.step++; l.step {
	case 1:
		if len(response) > 0 { // an initial response is the user name
			l.user, l.step = string(response), 2
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 2:
		l.user = string(response)
		return []byte("Password:"), false, nil
	}
	return nil, true, l.check(l.user, string(response))
}

// selfSigned returns a server certificate for 127.0.0.1 and localhost,
// and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "slogtree test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv4(127, 0, 0, 2)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
}

// errorList collects what an OnError receives.
type errorList struct {
	mu   sync.Mutex
	errs []error
}

func (l *errorList) add(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
}

func (l *errorList) get() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]error(nil), l.errs...)
}

var smtpDateRe = regexp.MustCompile(`(?m)^Date: [^\r\n]*\r\n`)

// smtpRecords are the records of the comparison: [logger, Python level,
// message].
var smtpRecords = [][3]any{
	{"app", 40, "disk full"},
	{"app.db", 50, "connection lost: ünïcode ✓"},
	{"app", 30, "a long line " + strings.Repeat("that goes on ", 10)},
	{"x", 20, "Traceback (most recent call last):\n  File \"x.py\", line 1\n.\nFrom here\nValueError: boom"},
	{"x", 25, strings.Repeat("é", 90)},
}

// TestSMTPMatchesCPython sends the same records through CPython's
// SMTPHandler and through SMTPHandler to one SMTP server, in plain SMTP,
// with a login, and with STARTTLS and a login (PLAIN, then LOGIN), and
// compares the mails: envelope, headers and body, all but the Date.
func TestSMTPMatchesCPython(t *testing.T) {
	py := testutil.Python3(t)
	cert, pool := selfSigned(t)
	tests := []struct {
		name   string
		server smtpServerOptions
		creds  []string
		secure []string // nil: Python's None
	}{
		{name: "plain"},
		{name: "login in clear to localhost", server: smtpServerOptions{user: "u", pass: "p w"}, creds: []string{"u", "p w"}},
		{name: "starttls and plain", server: smtpServerOptions{tls: &tls.Config{Certificates: []tls.Certificate{cert}}, user: "u", pass: "secret"},
			creds: []string{"u", "secret"}, secure: []string{}},
		{name: "starttls and login", server: smtpServerOptions{tls: &tls.Config{Certificates: []tls.Certificate{cert}}, user: "u", pass: "secret", mechs: []string{sasl.Login}},
			creds: []string{"u", "secret"}, secure: []string{}},
	}
	from, to, subject := "App Server <app@example.com>", []string{"ops@example.com", "Dév Team <dev@example.com>"}, "Error in app — über"
	format := "%(name)s %(levelname)s: %(message)s"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startSMTPServer(t, tt.server)
			in := map[string]any{"mailhost": []any{srv.host, srv.port}, "fromaddr": from, "toaddrs": to, "subject": subject,
				"format": format, "records": smtpRecords}
			if tt.creds != nil {
				in["credentials"] = tt.creds
			}
			if tt.secure != nil {
				in["secure"] = tt.secure
			}
			data, err := json.Marshal(in)
			require.NoError(t, err)
			cmd := exec.CommandContext(t.Context(), py, filepath.Join("testdata", "pysmtp.py"))
			cmd.Stdin = bytes.NewReader(data)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			require.NoError(t, cmd.Run(), "pysmtp.py: %s", stderr.String())
			require.Equal(t, "[]", stdout.String(), "CPython's handler errors")
			want := srv.wait(t, len(smtpRecords))

			f, err := formatters.NewPattern(&formatters.PatternOptions{Format: format})
			require.NoError(t, err)
			var errs errorList
			opts := &SMTPOptions{Host: srv.host, Port: srv.port, From: from, To: to, Subject: subject, Formatter: f,
				Secure: tt.secure != nil, TLSConfig: &tls.Config{RootCAs: pool}, OnError: errs.add, Timeout: 10 * time.Second}
			if tt.creds != nil {
				opts.Username, opts.Password = tt.creds[0], tt.creds[1]
			}
			h, err := NewSMTPHandler(opts)
			require.NoError(t, err)
			registerSyslogNotice(t) // level 25 is NOTICE here and in pysmtp.py's records
			for _, r := range smtpRecords {
				lh := formatters.WithLoggerName(h, r[0].(string))
				require.NoError(t, lh.Handle(context.Background(), slog.NewRecord(time.Now(), levels.FromPython(r[1].(int)).Slog, r[2].(string), 0)))
			}
			require.NoError(t, h.Close())
			assert.Empty(t, errs.get())
			got := srv.wait(t, 2*len(smtpRecords))[len(smtpRecords):]
			for i := range want {
				assert.Equal(t, tt.secure != nil, got[i].TLS, "mail %d: STARTTLS", i)
				if tt.creds != nil {
					assert.Equal(t, tt.creds[0], got[i].User, "mail %d: login", i)
				}
				want[i].Data = smtpDateRe.ReplaceAllString(want[i].Data, "")
				got[i].Data = smtpDateRe.ReplaceAllString(got[i].Data, "")
				assert.Equal(t, want[i], got[i], "mail %d", i)
			}
		})
	}
}

// mailBody returns the decoded body of a received mail.
func mailBody(t *testing.T, data string) string {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(data))
	require.NoError(t, err)
	var r io.Reader = msg.Body
	switch msg.Header.Get("Content-Transfer-Encoding") {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	}
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	return strings.TrimSuffix(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
}

// TestSMTPSlogtest runs testing/slogtest over an SMTPHandler with a JSON
// formatter, reading each record back from the mail's body.
func TestSMTPSlogtest(t *testing.T) {
	srv := startSMTPServer(t, smtpServerOptions{})
	var h *SMTPHandler
	n := 0
	slogtest.Run(t, func(t *testing.T) slog.Handler {
		var err error
		h, err = NewSMTPHandler(&SMTPOptions{Host: srv.host, Port: srv.port, From: "a@b.c", To: []string{"d@e.f"}, Formatter: formatters.NewJSON(nil)})
		require.NoError(t, err)
		return h
	}, func(t *testing.T) map[string]any {
		require.NoError(t, h.Close())
		n++ // each case logs one record
		var m map[string]any
		body := mailBody(t, srv.wait(t, n)[n-1].Data)
		require.NoError(t, json.Unmarshal([]byte(body), &m), "%q", body)
		return m
	})
}

// Close sends every mail still queued.
func TestSMTPCloseSendsQueuedMails(t *testing.T) {
	t.Parallel()
	srv := startSMTPServer(t, smtpServerOptions{})
	var errs errorList
	h, err := NewSMTPHandler(&SMTPOptions{Host: srv.host, Port: srv.port, From: "a@b.c", To: []string{"d@e.f"}, OnError: errs.add})
	require.NoError(t, err)
	for i := range 20 {
		require.NoError(t, h.WithAttrs([]slog.Attr{slog.Int("i", i)}).Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelError, "m", 0)))
	}
	require.NoError(t, h.Close())
	assert.Equal(t, 20, srv.count(), "mails sent by the time Close returned")
	for i, m := range srv.wait(t, 20) {
		assert.Equal(t, "m i="+itoa(i), mailBody(t, m.Data), "mails in order")
	}
	assert.Empty(t, errs.get())
	assert.ErrorIs(t, h.Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelError, "late", 0)), ErrClosed)
}

func itoa(i int) string { return strconv.Itoa(i) }

// Faults: a server that is not there, a name that does not resolve, a
// server that never answers, a certificate that is not trusted, a login
// refused in clear. The caller is never held; each failed mail is a
// *MailError.
func TestSMTPFaults(t *testing.T) {
	t.Parallel()
	cert, _ := selfSigned(t)
	stalled, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var held []net.Conn
	var mu sync.Mutex
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := stalled.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c) // never greeted
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = stalled.Close()
		wg.Wait()
		for _, c := range held {
			_ = c.Close()
		}
	})
	refused, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	refusedPort := refused.Addr().(*net.TCPAddr).Port
	require.NoError(t, refused.Close())
	tlsSrv := startSMTPServer(t, smtpServerOptions{tls: &tls.Config{Certificates: []tls.Certificate{cert}}, user: "u", pass: "p"})
	clearSrv := startSMTPServer(t, smtpServerOptions{user: "u", pass: "p", listen: "127.0.0.2:0"})

	tests := []struct {
		name string
		opts SMTPOptions
		want func(t *testing.T, err error)
	}{
		{"no server", SMTPOptions{Host: "127.0.0.1", Port: refusedPort}, func(t *testing.T, err error) {
			assert.ErrorContains(t, err, "connection refused")
		}},
		{"name does not resolve", SMTPOptions{Host: "nosuch.invalid", Timeout: 2 * time.Second}, func(t *testing.T, err error) {
			var dnsErr *net.DNSError
			assert.ErrorAs(t, err, &dnsErr)
		}},
		{"server never answers", SMTPOptions{Host: "127.0.0.1", Port: stalled.Addr().(*net.TCPAddr).Port, Timeout: 100 * time.Millisecond}, func(t *testing.T, err error) {
			assert.ErrorContains(t, err, "i/o timeout")
		}},
		{"certificate not trusted", SMTPOptions{Host: "127.0.0.1", Port: tlsSrv.port, Username: "u", Password: "p", Secure: true}, func(t *testing.T, err error) {
			var unknown x509.UnknownAuthorityError
			assert.ErrorAs(t, err, &unknown)
		}},
		{"password in clear to another host", SMTPOptions{Host: "127.0.0.2", Port: clearSrv.port, Username: "u", Password: "p"}, func(t *testing.T, err error) {
			assert.ErrorContains(t, err, "unencrypted connection")
		}},
		{"wrong password", SMTPOptions{Host: "127.0.0.1", Port: tlsSrv.port, Username: "u", Password: "wrong", Secure: true,
			TLSConfig: &tls.Config{InsecureSkipVerify: true}}, func(t *testing.T, err error) {
			assert.ErrorContains(t, err, "invalid credentials")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var errs errorList
			o := tt.opts
			o.From, o.To, o.OnError = "a@b.c", []string{"d@e.f"}, errs.add
			if o.Timeout == 0 {
				o.Timeout = 10 * time.Second
			}
			h, err := NewSMTPHandler(&o)
			require.NoError(t, err)
			for i := range 3 {
				assert.NoError(t, formatters.WithLoggerName(h, "app").Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelError, "r"+itoa(i), 0)))
			}
			require.NoError(t, h.Close())
			got := errs.get()
			require.Len(t, got, 3)
			for i, err := range got {
				var se *MailError
				require.ErrorAs(t, err, &se)
				assert.Equal(t, "app", se.Logger)
				assert.Equal(t, "r"+itoa(i), se.Record.Message)
				tt.want(t, se.Err)
			}
		})
	}
	assert.Zero(t, clearSrv.count()+tlsSrv.count(), "no mail got through")
}

// A server that never answers: Handle never waits for it; a full queue
// drops mails, counted and reported; CloseContext gives up on the queued
// mails and cuts the session in progress, counting what it dropped, and
// the goroutine stops.
func TestSMTPStalledServerQueue(t *testing.T) {
	t.Parallel()
	stalled, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	accepted := make(chan net.Conn, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c, err := stalled.Accept()
		if err == nil {
			accepted <- c // never greeted
		}
	}()
	defer func() {
		_ = stalled.Close()
		wg.Wait()
		close(accepted)
		for c := range accepted {
			_ = c.Close()
		}
	}()
	var errs errorList
	h, err := NewSMTPHandler(&SMTPOptions{Host: "127.0.0.1", Port: stalled.Addr().(*net.TCPAddr).Port, From: "a@b.c", To: []string{"d@e.f"},
		QueueSize: 2, Timeout: time.Hour, OnError: errs.add})
	require.NoError(t, err)
	require.NoError(t, h.Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelError, "first", 0)))
	// Wait until the first mail's session is open (and stuck).
	select {
	case c := <-accepted:
		accepted <- c
	case <-time.After(10 * time.Second):
		t.Fatal("no connection after 10 s")
	}
	for i := range 5 {
		require.NoError(t, h.Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelError, "more"+itoa(i), 0)))
	}
	assert.Equal(t, uint64(3), h.Dropped(), "two queued, three dropped")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = h.CloseContext(ctx)
	var ae *AbandonedError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "smtp", ae.Handler)
	assert.Equal(t, 3, ae.Dropped, "the mail being sent and the two queued")
	assert.ErrorIs(t, err, context.Canceled)
	var msgs []string
	for _, e := range errs.get() {
		msgs = append(msgs, e.Error())
	}
	assert.Equal(t, []string{"smtp handler: dropped 3 mails (3 in all): queue of 2 full"}, msgs, "the drops were reported; the mails given up on were counted, not reported one by one")
	assert.NoError(t, h.Close(), "Close after CloseContext gave up")
}

func TestCheckSMTP(t *testing.T) {
	t.Parallel()
	ok := SMTPOptions{Host: "mail", From: "a@b.c", To: []string{"d@e.f"}}
	tests := []struct {
		name string
		edit func(o *SMTPOptions)
		want string // "" for no error
	}{
		{"ok", func(*SMTPOptions) {}, ""},
		{"no host", func(o *SMTPOptions) { o.Host = "" }, "smtp: Host: required"},
		{"host:port", func(o *SMTPOptions) { o.Host = "mail:587" }, `smtp: Host: "mail:587": a host, not host:port (give the port on its own, as Python's (host, port))`},
		{"ipv6 host", func(o *SMTPOptions) { o.Host = "::1" }, ""},
		{"port", func(o *SMTPOptions) { o.Port = 70000 }, "smtp: Port: want a port number 1-65535, got 70000"},
		{"no from", func(o *SMTPOptions) { o.From = "" }, "smtp: From: required"},
		{"two froms", func(o *SMTPOptions) { o.From = "a@b.c, d@e.f" }, `smtp: From: address "a@b.c, d@e.f": want one address, got 2`},
		{"no to", func(o *SMTPOptions) { o.To = nil }, "smtp: To: want at least one address"},
		{"bad to", func(o *SMTPOptions) { o.To = []string{"x"} }, `smtp: To: addresses "x": want local@domain, got "x"`},
		{"comment", func(o *SMTPOptions) { o.To = []string{"a@b.c (Ops)"} }, `smtp: To: addresses "a@b.c (Ops)": "(" (comments, groups, domain literals, quoted pairs) is not supported in an address`},
		{"non-ASCII address", func(o *SMTPOptions) { o.To = []string{"ü@b.c"} }, `smtp: To: addresses "ü@b.c": non-ASCII local part "ü@b.c": an address must be ASCII (SMTPUTF8 is not supported)`},
		{"subject line break", func(o *SMTPOptions) { o.Subject = "a\nb" }, `smtp: Subject: "a\nb": a header may not contain a line break ("\n")`},
		{"subject encoded word", func(o *SMTPOptions) { o.Subject = "=?utf-8?q?x?=" }, `smtp: Subject: "=?utf-8?q?x?=": "=?" (an RFC 2047 encoded word) is not supported in a header`},
		{"key without certificate", func(o *SMTPOptions) { o.KeyFile = "k.pem" }, `smtp: KeyFile: a key file needs a certificate file (CPython: "certfile must be specified")`},
		{"timeout", func(o *SMTPOptions) { o.Timeout = -1 }, "smtp: Timeout: negative: -1ns"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := ok
			tt.edit(&o)
			err := CheckSMTP(&o)
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.EqualError(t, err, tt.want)
			var oe *SMTPOptionError
			assert.ErrorAs(t, err, &oe)
			_, err = NewSMTPHandler(&o)
			assert.EqualError(t, err, tt.want, "NewSMTPHandler checks as CheckSMTP does")
		})
	}
}
