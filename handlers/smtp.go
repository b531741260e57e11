package handlers

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/smtp"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slogtree/slogtree/formatters"
)

// DefaultSMTPTimeout is the time an [SMTPHandler] gives each mail when
// SMTPOptions.Timeout is 0: Python's timeout=5.0.
const DefaultSMTPTimeout = 5 * time.Second

// DefaultSMTPQueueSize is the number of mails an [SMTPHandler] holds for
// sending when SMTPOptions.QueueSize is 0.
const DefaultSMTPQueueSize = 100

// SMTPOptions configures [NewSMTPHandler]: Python's SMTPHandler(mailhost,
// fromaddr, toaddrs, subject, credentials=None, secure=None, timeout=5.0),
// and what Go adds.
type SMTPOptions struct {
	// Host is the mail server (Python's mailhost, or its host). Required.
	Host string
	// Port is the server's port. Default 0: 25, as in Python.
	Port int
	// From is the sender, "app@example.com" or "App <app@example.com>":
	// Python's fromaddr. Required.
	From string
	// To are the recipients, each one address or several separated by
	// commas: Python's toaddrs. At least one is required.
	To []string
	// Subject is the subject of every mail. Default "".
	Subject string
	// Username and Password log in to the server when Username is not
	// empty: Python's credentials. Default: no login.
	Username, Password string
	// Secure sends STARTTLS before the login: Python's secure set to a
	// tuple. As in Python it is used only with a Username. Default false.
	Secure bool
	// CertFile and KeyFile are a client certificate for STARTTLS: Python's
	// secure (keyfile, certfile). KeyFile may be empty when CertFile holds
	// the key too. Default none.
	CertFile, KeyFile string
	// TLSConfig is the TLS configuration of STARTTLS. Default nil: the
	// server's certificate is verified against the system's roots for
	// Host. (CPython does not verify it.)
	TLSConfig *tls.Config
	// Timeout bounds each mail's SMTP session, from the connection to
	// QUIT. Default [DefaultSMTPTimeout]. (CPython's timeout bounds each
	// socket operation.)
	Timeout time.Duration
	// QueueSize is the number of mails waiting to be sent; a mail that
	// finds the queue full is dropped. Default [DefaultSMTPQueueSize].
	QueueSize int
	// LocalName is the name the handler gives in EHLO. Default the host
	// name (CPython gives socket.getfqdn()).
	LocalName string
	// Formatter renders each record into the body. Default nil: the
	// default formatter (the message with the attributes appended).
	Formatter formatters.Formatter
	// OnError receives a [*MailError] for each mail that could not be
	// sent, and an error counting the mails dropped because the queue was
	// full. Default: errors are dropped, but [SMTPHandler.Dropped] still
	// counts the drops.
	OnError func(error)
}

// An SMTPOptionError is the error of one field of [SMTPOptions], as
// [CheckSMTP] and [NewSMTPHandler] report it.
type SMTPOptionError struct {
	Option string // the field: "Host", "Port", "From", "To", "Subject", "CertFile", "KeyFile", "Timeout", "QueueSize"
	Err    error
}

func (e *SMTPOptionError) Error() string { return "smtp: " + e.Option + ": " + e.Err.Error() }

func (e *SMTPOptionError) Unwrap() error { return e.Err }

// MailError reports a record whose mail an [SMTPHandler] could not send.
type MailError struct {
	Logger string      // the logger the record was logged on
	Record slog.Record // the record, without its attributes
	Err    error
}

func (e *MailError) Error() string {
	return fmt.Sprintf("smtp handler: logger %q, message %q: %v", e.Logger, e.Record.Message, e.Err)
}

func (e *MailError) Unwrap() error { return e.Err }

// SMTPHandler is Python's logging.handlers.SMTPHandler: it mails each
// record. The mail is the one CPython's SMTPHandler.emit sends, byte for
// byte but for the Date: an EmailMessage with From, To (the recipients
// joined with ","), Subject and Date, and the formatted record set as its
// content (text/plain, UTF-8, 7bit, 8bit, quoted-printable or base64 as
// CPython's email package picks), its headers folded as CPython folds
// them. The SMTP session is CPython's too: EHLO, then with a Username
// STARTTLS (if Secure) and a login (CRAM-MD5, PLAIN or LOGIN, the first
// the server offers, in CPython's order), MAIL, RCPT for each recipient,
// DATA, QUIT.
//
// Sending happens in the background: Handle renders the record and puts
// the mail in a queue of QueueSize, and one goroutine sends the queued
// mails, one SMTP session each, in order, each within Timeout. So a
// caller never waits for the network. A mail that finds the queue full is
// dropped; drops are counted ([SMTPHandler.Dropped]) and reported through
// OnError, and so is each mail that could not be sent ([*MailError]).
// Close sends the mails still queued and stops the goroutine;
// [SMTPHandler.CloseContext] gives up on them when its context ends.
//
// What deviates from CPython 3.11, whose emit sends synchronously:
//
//   - The background queue, as above.
//   - Timeout bounds the whole session, not each socket operation.
//   - STARTTLS verifies the server's certificate (CPython's starttls()
//     does not); set TLSConfig to trust another root.
//   - PLAIN and LOGIN send the password only over TLS or to localhost, as
//     net/smtp's PlainAuth does; CPython sends it in clear. A password
//     that is not ASCII is sent in UTF-8, where CPython 3.11 fails with
//     UnicodeEncodeError.
//   - A header line that CPython would start without whitespace (an
//     encoded display name after a long To line) starts with a space.
//   - The addresses are those CPython parses, without comments, groups,
//     domain literals, quoted local parts or non-ASCII addr-specs (see
//     CheckSMTP).
//
// An SMTPHandler specialised with [formatters.WithLoggerName], WithAttrs
// or WithGroup shares the queue of the one it came from.
type SMTPHandler struct {
	m      *mailer
	text   recordText
	logger string
}

var (
	_ slog.Handler           = (*SMTPHandler)(nil)
	_ formatters.LoggerNamer = (*SMTPHandler)(nil)
	_ ContextCloser          = (*SMTPHandler)(nil)
)

// mailer is the queue and the sending goroutine of an SMTPHandler and of
// the handlers derived from it.
type mailer struct {
	addr      string // host:port
	host      string
	headers   *mailHeaders
	username  string
	password  string
	secure    bool
	tls       *tls.Config
	timeout   time.Duration
	localName string
	max       int
	onError   func(error)

	mu        sync.Mutex
	queue     []queuedMail
	closed    bool
	abandoned bool
	inflight  bool
	dropped   uint64
	reported  uint64

	wake   chan struct{} // signalled when the state above changes
	done   chan struct{} // closed when the goroutine returns
	stop   context.Context
	cancel context.CancelFunc
	once   sync.Once
}

type queuedMail struct {
	date   time.Time
	text   string
	logger string
	record slog.Record
}

// CheckSMTP returns the errors of opts that [NewSMTPHandler] would
// return before it reads any file, each an [*SMTPOptionError], or nil. It
// does no I/O.
//
// The addresses are parsed as CPython's email package parses them, and
// only the forms it reproduces are taken: "local@domain" and "Display
// Name <local@domain>", the display name made of words (which may be
// non-ASCII), quoted strings and periods, with spaces around words and
// addresses, several separated by commas. The local part and domain are
// dot-atoms of ASCII. Comments, groups, domain literals, quoted pairs and
// RFC 2047 encoded words are refused, and so are line breaks in the
// subject, which CPython refuses when it sends.
func CheckSMTP(opts *SMTPOptions) error {
	if opts == nil {
		return &SMTPOptionError{Option: "Host", Err: errors.New("required")}
	}
	_, err := checkSMTP(opts)
	return err
}

func checkSMTP(opts *SMTPOptions) (*mailHeaders, error) {
	var errs []error
	fail := func(option string, err error) { errs = append(errs, &SMTPOptionError{Option: option, Err: err}) }
	switch {
	case opts.Host == "":
		fail("Host", errors.New("required"))
	case strings.Count(opts.Host, ":") == 1:
		fail("Host", fmt.Errorf("%q: a host, not host:port (give the port on its own, as Python's (host, port))", opts.Host))
	}
	if opts.Port < 0 || opts.Port > 65535 {
		fail("Port", fmt.Errorf("want a port number 1-65535, got %d", opts.Port))
	}
	if opts.From == "" {
		fail("From", errors.New("required"))
	}
	if len(opts.To) == 0 {
		fail("To", errors.New("want at least one address"))
	}
	var h *mailHeaders
	if opts.From != "" && len(opts.To) > 0 {
		var err error
		h, err = newMailHeaders(opts.From, opts.To, opts.Subject)
		if err != nil {
			h = nil
			// newMailHeaders names the header of each problem.
			for _, e := range unjoin(err) {
				switch msg := e.Error(); {
				case strings.HasPrefix(msg, "from "):
					fail("From", errors.New(strings.TrimPrefix(msg, "from ")))
				case strings.HasPrefix(msg, "to "):
					fail("To", errors.New(strings.TrimPrefix(msg, "to ")))
				default:
					fail("Subject", errors.New(strings.TrimPrefix(msg, "subject ")))
				}
			}
		}
	} else if err := checkHeaderText(opts.Subject); err != nil {
		fail("Subject", err)
	}
	if opts.KeyFile != "" && opts.CertFile == "" {
		fail("KeyFile", errors.New("a key file needs a certificate file (CPython: \"certfile must be specified\")"))
	}
	if opts.Timeout < 0 {
		fail("Timeout", fmt.Errorf("negative: %v", opts.Timeout))
	}
	if opts.QueueSize < 0 {
		fail("QueueSize", fmt.Errorf("negative: %d", opts.QueueSize))
	}
	return h, errors.Join(errs...)
}

// unjoin returns the errors of an errors.Join, or err.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// NewSMTPHandler returns an SMTPHandler for opts and starts its
// goroutine, which Close stops. It reads the client certificate, if any;
// it connects to nothing.
func NewSMTPHandler(opts *SMTPOptions) (*SMTPHandler, error) {
	if opts == nil {
		return nil, CheckSMTP(nil)
	}
	h, err := checkSMTP(opts)
	if err != nil {
		return nil, err
	}
	m := &mailer{
		host:     opts.Host,
		addr:     net.JoinHostPort(opts.Host, strconv.Itoa(cmp.Or(opts.Port, 25))),
		headers:  h,
		username: opts.Username,
		password: opts.Password,
		secure:   opts.Secure,
		timeout:  opts.Timeout,
		max:      cmp.Or(opts.QueueSize, DefaultSMTPQueueSize),
		onError:  opts.OnError,
		wake:     make(chan struct{}, 1),
		done:     make(chan struct{}),
	}
	if m.timeout == 0 {
		m.timeout = DefaultSMTPTimeout
	}
	m.localName = opts.LocalName
	if m.localName == "" {
		if m.localName, err = os.Hostname(); err != nil || m.localName == "" {
			m.localName = "localhost"
		}
	}
	if opts.TLSConfig != nil {
		m.tls = opts.TLSConfig.Clone()
	} else {
		m.tls = &tls.Config{}
	}
	if m.tls.ServerName == "" {
		m.tls.ServerName = opts.Host
	}
	if opts.CertFile != "" {
		key := cmp.Or(opts.KeyFile, opts.CertFile)
		cert, err := tls.LoadX509KeyPair(opts.CertFile, key)
		if err != nil {
			return nil, &SMTPOptionError{Option: "CertFile", Err: err}
		}
		m.tls.Certificates = append(slices.Clip(m.tls.Certificates), cert)
	}
	m.stop, m.cancel = context.WithCancel(context.Background())
	go m.run()
	return &SMTPHandler{m: m, text: newRecordText(formatterOrDefault(opts.Formatter)), logger: "root"}, nil
}

// Enabled reports true: the level belongs in front of the handler (a
// [Handler]).
func (h *SMTPHandler) Enabled(context.Context, slog.Level) bool { return true }

// Handle renders r and queues its mail. It returns the formatter's error,
// or [ErrClosed] after Close; a mail dropped because the queue is full is
// counted and reported through OnError instead.
func (h *SMTPHandler) Handle(ctx context.Context, r slog.Record) error {
	text, err := h.text.text(ctx, r)
	if err != nil {
		return err
	}
	m := h.m
	q := queuedMail{date: time.Now(), text: text, logger: h.logger, record: slog.NewRecord(r.Time, r.Level, r.Message, r.PC)}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	if len(m.queue) >= m.max {
		m.dropped++
	} else {
		m.queue = append(m.queue, q)
	}
	m.mu.Unlock()
	m.signal()
	return nil
}

func (m *mailer) signal() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// Dropped returns the number of mails dropped because the queue was
// full.
func (h *SMTPHandler) Dropped() uint64 {
	h.m.mu.Lock()
	defer h.m.mu.Unlock()
	return h.m.dropped
}

// run sends the queued mails until the handler is closed and the queue
// is empty, or given up.
func (m *mailer) run() {
	defer close(m.done)
	for {
		m.mu.Lock()
		for len(m.queue) == 0 && !m.closed && m.dropped == m.reported {
			m.mu.Unlock()
			<-m.wake
			m.mu.Lock()
		}
		drops, total := m.dropped-m.reported, m.dropped
		m.reported = m.dropped
		var q queuedMail
		var ok bool
		if len(m.queue) > 0 && !m.abandoned {
			q, ok = m.queue[0], true
			m.queue[0] = queuedMail{}
			m.queue = m.queue[1:]
			m.inflight = true
		}
		last := m.closed && len(m.queue) == 0 && !ok
		m.mu.Unlock()
		if drops > 0 && m.onError != nil {
			m.onError(fmt.Errorf("smtp handler: dropped %d mails (%d in all): queue of %d full", drops, total, m.max))
		}
		if ok {
			err := m.send(q)
			m.mu.Lock()
			m.inflight = false
			abandoned := m.abandoned
			m.mu.Unlock()
			if err != nil && !abandoned && m.onError != nil {
				m.onError(&MailError{Logger: q.logger, Record: q.record, Err: err})
			}
		}
		if last {
			return
		}
	}
}

// send sends one mail in one SMTP session, within the timeout; giving up
// (CloseContext) interrupts it.
func (m *mailer) send(q queuedMail) (err error) {
	deadline := time.Now().Add(m.timeout)
	ctx, cancel := context.WithDeadline(m.stop, deadline)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", m.addr)
	if err != nil {
		return err
	}
	if err := conn.SetDeadline(deadline); err != nil {
		_ = conn.Close()
		return err
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	c, err := smtp.NewClient(conn, m.host)
	if err != nil {
		_ = conn.Close()
		return err
	}
	defer c.Close()
	if err := c.Hello(m.localName); err != nil {
		return err
	}
	if m.username != "" {
		if m.secure {
			if err := c.StartTLS(m.tls); err != nil {
				return err
			}
		}
		if err := m.login(c); err != nil {
			return err
		}
	}
	if err := c.Mail(m.headers.sender); err != nil {
		return err
	}
	// As smtplib's sendmail: an error only if every recipient is refused.
	var refused []error
	for _, rcpt := range m.headers.recipients {
		if err := c.Rcpt(rcpt); err != nil {
			refused = append(refused, fmt.Errorf("%s: %w", rcpt, err))
		}
	}
	if len(refused) == len(m.headers.recipients) {
		return fmt.Errorf("every recipient refused: %w", errors.Join(refused...))
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(m.headers.message(q.date, q.text)); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// login is smtplib's login: the first of CRAM-MD5, PLAIN and LOGIN that
// the server offers and takes.
func (m *mailer) login(c *smtp.Client) error {
	ok, offered := c.Extension("AUTH")
	if !ok {
		return errors.New("SMTP AUTH extension not supported by server")
	}
	mechs := strings.Fields(strings.ToUpper(offered))
	var last error
	for _, mech := range []string{"CRAM-MD5", "PLAIN", "LOGIN"} {
		if !slices.Contains(mechs, mech) {
			continue
		}
		var a smtp.Auth
		switch mech {
		case "CRAM-MD5":
			a = smtp.CRAMMD5Auth(m.username, m.password)
		case "PLAIN":
			a = smtp.PlainAuth("", m.username, m.password, m.host)
		default:
			a = &loginAuth{username: m.username, password: m.password, host: m.host}
		}
		if last = c.Auth(a); last == nil {
			return nil
		}
	}
	if last == nil {
		return fmt.Errorf("no suitable authentication method found (the server offers %q)", offered)
	}
	return last
}

// loginAuth is the LOGIN mechanism, which net/smtp lacks, sending the
// password only where net/smtp's PlainAuth would.
type loginAuth struct {
	username, password, host string
}

func (a *loginAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS && server.Name != "localhost" && server.Name != "127.0.0.1" && server.Name != "::1" {
		return "", nil, errors.New("unencrypted connection")
	}
	if server.Name != a.host {
		return "", nil, errors.New("wrong host name")
	}
	return "LOGIN", nil, nil
}

func (a *loginAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	switch strings.ToLower(strings.TrimSpace(string(fromServer))) {
	case "username:":
		return []byte(a.username), nil
	case "password:":
		return []byte(a.password), nil
	}
	return nil, fmt.Errorf("unexpected LOGIN challenge %q", fromServer)
}

// Close stops taking records, sends the mails still queued, and stops the
// goroutine: it may take up to Timeout for each queued mail
// ([SMTPHandler.CloseContext] bounds it). Records handled after Close fail
// with [ErrClosed]. Close is idempotent, and closes every handler derived
// from h.
func (h *SMTPHandler) Close() error {
	return h.CloseContext(context.Background())
}

// CloseContext is Close bounded by ctx. If ctx is done first, the mails
// still queued, and the one being sent (whose session is cut), are
// dropped, and the error is an [*AbandonedError] counting them; the
// goroutine then stops at once.
func (h *SMTPHandler) CloseContext(ctx context.Context) error {
	m := h.m
	m.once.Do(func() {
		m.mu.Lock()
		m.closed = true
		m.mu.Unlock()
		m.signal()
	})
	select {
	case <-m.done:
		return nil
	default:
	}
	select {
	case <-m.done:
		return nil
	case <-ctx.Done():
	}
	m.mu.Lock()
	if m.abandoned {
		m.mu.Unlock()
		<-m.done
		return nil // counted by the first call that gave up
	}
	m.abandoned = true
	n := len(m.queue)
	if m.inflight {
		n++
	}
	clear(m.queue)
	m.queue = nil
	m.mu.Unlock()
	m.cancel()
	m.signal()
	<-m.done
	if n == 0 {
		return nil
	}
	return &AbandonedError{Handler: "smtp", Dropped: n, Err: ctx.Err()}
}

// WithLoggerName returns an SMTPHandler sharing h's queue whose records
// are formatted for the named logger.
func (h *SMTPHandler) WithLoggerName(name string) slog.Handler {
	h2 := h.with(func(f slog.Handler) slog.Handler { return formatters.WithLoggerName(f, name) })
	h2.logger = name
	return h2
}

// WithAttrs returns an SMTPHandler sharing h's queue whose records carry
// attrs.
func (h *SMTPHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	return h.with(func(f slog.Handler) slog.Handler { return f.WithAttrs(attrs) })
}

// WithGroup returns an SMTPHandler sharing h's queue whose later
// attributes are in group name.
func (h *SMTPHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return h.with(func(f slog.Handler) slog.Handler { return f.WithGroup(name) })
}

func (h *SMTPHandler) with(f func(slog.Handler) slog.Handler) *SMTPHandler {
	h2 := *h
	h2.text = h.text.withHandler(f)
	return &h2
}
