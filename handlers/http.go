package handlers

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slogtree/slogtree/formatters"
	"github.com/slogtree/slogtree/internal/pyformat"
)

// DefaultHTTPTimeout is the time an [HTTPHandler] waits for a response
// when HTTPOptions.Timeout is 0.
const DefaultHTTPTimeout = 5 * time.Second

// HTTPOptions configures [NewHTTPHandler]. The zero value is the default:
// Python's HTTPHandler(host, url), with a timeout.
type HTTPOptions struct {
	// Method is "GET" or "POST", in any case. Default "GET".
	Method string
	// Secure sends over HTTPS: Python's secure. Default false.
	Secure bool
	// Credentials, if not nil, are sent as Basic authentication: Python's
	// credentials=(user, password). Default nil: none.
	Credentials *Credentials
	// TLSConfig configures HTTPS, as Python's context does; it needs
	// Secure. Default nil: Go's defaults, which verify the server's
	// certificate, as Python's default context does.
	TLSConfig *tls.Config
	// Timeout bounds each request, from connecting to the response's
	// headers. Default [DefaultHTTPTimeout]. Python's HTTPHandler waits
	// without a limit.
	Timeout time.Duration
	// ThreadName is the value of the threadName field. Default
	// [formatters.DefaultThreadName].
	ThreadName string
}

// Credentials are a user name and a password for Basic authentication.
type Credentials struct {
	User, Password string
}

// HTTPHandler is Python's logging.handlers.HTTPHandler: each record is
// one HTTP request whose data is Python's urlencode(record.__dict__): the
// fields of Python's LogRecord in CPython 3.11's order (msg is the
// message, args "()", the args of a record logged without any, exc_info,
// exc_text and stack_info None), then the attributes as Python's extra
// adds them (groups as dotted keys, g.k; an exc_info attribute becomes
// exc_text, a stack_info attribute stack_info, an attribute named like
// another field is sent as name_), every value as Python's str() writes
// it (None, True, floats as repr), escaped as urllib.parse.quote_plus
// escapes it. A GET appends the data to the URL after "?" (after "&" when
// the URL has a "?"); a POST sends it as an application/x-www-form-urlencoded
// body. The request carries the headers CPython's sends: Host,
// Accept-Encoding: identity, Content-Type and Content-Length for a POST,
// Authorization with Credentials; no User-Agent. The formatter of a
// configuration is not used, as in CPython. The record dict never holds
// message or asctime, which CPython's holds when another handler
// formatted the record first.
//
// Handle waits for the response, as CPython's emit does, and ignores it:
// a response of any status is a success, and only a failure to connect,
// send or receive (or the Timeout, which CPython does not have) is an
// error, returned by Handle. Connections are kept open between records
// (CPython opens one per record) and closed by Close; redirects are not
// followed, and proxies from the environment are not used, as CPython's
// http.client follows none and uses none.
type HTTPHandler struct {
	c   *httpClient
	rec pyRecord
}

var (
	_ slog.Handler           = (*HTTPHandler)(nil)
	_ formatters.LoggerNamer = (*HTTPHandler)(nil)
)

// httpClient is what the handlers derived from one NewHTTPHandler share.
type httpClient struct {
	method  string
	scheme  string
	host    string // as given: where to connect
	header  string // the Host header
	url     string
	sep     string // what a GET puts between url and the data
	auth    string // the Authorization header, or ""
	timeout time.Duration
	tr      *http.Transport
	client  *http.Client

	mu     sync.RWMutex // held for reading by each request, for writing by Close
	closed bool
}

// NewHTTPHandler returns an HTTPHandler that sends records to url on
// host ("name" or "name:port"), as Python's HTTPHandler(host, url, method,
// secure, credentials, context) does. It opens nothing. Nil options mean
// the defaults. The errors are CPython's where CPython has one (the
// method, and a TLSConfig without Secure); CPython finds a bad host or URL
// only when it sends a record.
func NewHTTPHandler(host, url string, opts *HTTPOptions) (*HTTPHandler, error) {
	var o HTTPOptions
	if opts != nil {
		o = *opts
	}
	method, err := ParseHTTPMethod(o.Method)
	if err != nil {
		return nil, err
	}
	if o.TLSConfig != nil && !o.Secure {
		return nil, errors.New("TLSConfig only makes sense with Secure (Python: context parameter only makes sense with secure=True)")
	}
	if err := CheckHTTPHost(host); err != nil {
		return nil, err
	}
	if err := CheckHTTPURL(url); err != nil {
		return nil, err
	}
	c := &httpClient{method: method, scheme: "http", host: host, url: url, sep: "?", timeout: o.Timeout}
	if o.Secure {
		c.scheme = "https"
	}
	c.header = hostHeader(host, c.scheme)
	if strings.Contains(url, "?") {
		c.sep = "&"
	}
	if o.Credentials != nil {
		c.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(o.Credentials.User+":"+o.Credentials.Password))
	}
	if c.timeout <= 0 {
		c.timeout = DefaultHTTPTimeout
	}
	c.tr = &http.Transport{
		DialContext:     (&net.Dialer{}).DialContext,
		TLSClientConfig: o.TLSConfig.Clone(),
		IdleConnTimeout: 30 * time.Second,
	}
	c.client = &http.Client{
		Transport:     c.tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &HTTPHandler{c: c, rec: newPyRecord(o.ThreadName)}, nil
}

// ParseHTTPMethod returns method in upper case when it is GET or POST, in
// any case, as CPython's HTTPHandler takes it; the error is CPython's.
func ParseHTTPMethod(method string) (string, error) {
	switch m := strings.ToUpper(method); m {
	case "":
		return "GET", nil
	case "GET", "POST":
		return m, nil
	}
	return "", errors.New("method must be GET or POST")
}

// CheckHTTPHost checks an HTTPHandler's host as CPython's http.client
// reads it, "name" or "name:port" (an IPv6 address in brackets): the port,
// when given, must be a number. The error is CPython's.
func CheckHTTPHost(host string) error {
	if host == "" {
		return errors.New("host must not be empty")
	}
	name, port := splitHTTPHost(host)
	if port != "" {
		if strings.Trim(port, "0123456789") != "" {
			return fmt.Errorf("nonnumeric port: '%s'", port)
		}
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			return fmt.Errorf("port must be 0-65535, got %s", port)
		}
	}
	if name == "" || strings.ContainsAny(name, " /?#@") || strings.ContainsFunc(name, isControl) {
		return fmt.Errorf("invalid host %s", pyformat.AppendRepr(nil, host))
	}
	return nil
}

// splitHTTPHost splits host as CPython's http.client does: the port is
// what follows the last ":" when it comes after the last "]".
func splitHTTPHost(host string) (name, port string) {
	i, j := strings.LastIndexByte(host, ':'), strings.LastIndexByte(host, ']')
	if i > j {
		return host[:i], host[i+1:]
	}
	return host, ""
}

// hostHeader returns the Host header CPython's putrequest sends: the host
// without the scheme's default port.
func hostHeader(host, scheme string) string {
	name, port := splitHTTPHost(host)
	if port == "" || scheme == "http" && port == "80" || scheme == "https" && port == "443" {
		return name
	}
	return host
}

// CheckHTTPURL checks an HTTPHandler's URL as CPython's http.client checks
// the request target: no control characters and no spaces. The error is
// CPython's.
func CheckHTTPURL(url string) error {
	if i := strings.IndexFunc(url, func(r rune) bool { return r == ' ' || isControl(r) }); i >= 0 {
		return fmt.Errorf("URL can't contain control characters. %s (found at least %s)",
			pyformat.AppendRepr(nil, url), pyformat.AppendRepr(nil, url[i:i+1]))
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// Enabled reports true: levels are decided in front of the handler.
func (h *HTTPHandler) Enabled(context.Context, slog.Level) bool { return true }

// Handle sends r and waits for the response (Timeout at most), which it
// ignores. It returns the error of a request that failed, and [ErrClosed]
// after Close. The request is not cancelled with ctx: a record logged
// with a context that ends soon after (a server's request) is still sent.
func (h *HTTPHandler) Handle(ctx context.Context, r slog.Record) error {
	c := h.c
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return ErrClosed
	}
	d := getPyDict()
	h.rec.build(d, &r, slog.StringValue("()"))
	d.frame = d.appendURLEncoded(d.frame[:0])
	target := c.url
	var body []byte
	if c.method == "GET" {
		target += c.sep + string(d.frame)
	} else {
		body = bytes.Clone(d.frame) // the transport may read it after Do returns
	}
	d.put()

	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, c.method, c.scheme+"://"+c.host+"/", rd)
	if err != nil {
		return fmt.Errorf("http handler: %w", err)
	}
	req.URL.Path, req.URL.Opaque = "", target // sent as it is, as CPython's putrequest does
	req.Host = c.header
	req.Header = http.Header{
		"Accept-Encoding": {"identity"},
		"User-Agent":      {""}, // none, as CPython's
	}
	if c.method == "POST" {
		req.Header["Content-Type"] = []string{"application/x-www-form-urlencoded"}
	}
	if c.auth != "" {
		req.Header["Authorization"] = []string{c.auth}
	}
	resp, err := c.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its URL holds the whole record
		}
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no response within %v: %w", c.timeout, err)
		}
		return fmt.Errorf("http handler: %s %s://%s%s: %w", c.method, c.scheme, c.host, c.url, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.Body.Close()
}

// WithLoggerName returns an HTTPHandler sharing h's client whose records
// carry name as their name field.
func (h *HTTPHandler) WithLoggerName(name string) slog.Handler {
	h2 := *h
	h2.rec.logger = name
	return &h2
}

// WithAttrs returns an HTTPHandler sharing h's client whose records carry
// attrs too.
func (h *HTTPHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	h2 := *h
	h2.rec = h.rec.withAttrs(attrs)
	return &h2
}

// WithGroup returns an HTTPHandler sharing h's client that qualifies later
// attribute keys with name.
func (h *HTTPHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.rec = h.rec.withGroup(name)
	return &h2
}

// Close waits for the requests under way (Timeout at most) and closes the
// connections, for h and every handler derived from it; records handled
// after Close fail with [ErrClosed]. Close is idempotent.
func (h *HTTPHandler) Close() error {
	h.c.mu.Lock()
	h.c.closed = true
	h.c.mu.Unlock()
	h.c.tr.CloseIdleConnections()
	return nil
}
