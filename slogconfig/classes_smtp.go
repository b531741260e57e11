package slogconfig

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/slogtree/slogtree/handlers"
)

// registerSMTPHandlers registers logging.handlers.SMTPHandler under its
// Go and Python names.
func registerSMTPHandlers(r *Registry) {
	for _, n := range []string{"smtp", "logging.handlers.SMTPHandler"} {
		must(r.RegisterHandler(n, smtpClass))
	}
}

// smtpClass is logging.handlers.SMTPHandler(mailhost, fromaddr, toaddrs,
// subject, credentials=None, secure=None, timeout=5.0), with the Go key
// caFile (a PEM file of the roots STARTTLS trusts, instead of the
// system's). mailhost is a host or [host, port]; toaddrs a string or a
// list; credentials [user, password]; secure [], [keyfile, certfile] (or
// [null, certfile]). Mail goes out from a goroutine of the handler (see
// handlers.SMTPHandler); nothing is connected to until a record is
// logged.
var smtpClass = HandlerClass{
	Params: []string{"mailhost", "fromaddr", "toaddrs", "subject", "credentials", "secure", "timeout", "caFile"},
	plan: func(c *HandlerConfig) (*classPlan, error) {
		a := fhArgs{c: c}
		opts := handlers.SMTPOptions{Formatter: c.Formatter}
		a.smtpMailhost(&opts)
		if v, ok := c.Args["fromaddr"]; !ok || v == nil {
			a.failAt("fromaddr", errors.New("required"))
		}
		opts.From = a.str("fromaddr", "")
		opts.To = a.smtpToaddrs()
		if v, ok := c.Args["subject"]; !ok || v == nil {
			a.failAt("subject", errors.New("required"))
		}
		opts.Subject = a.str("subject", "")
		a.smtpCredentials(&opts)
		secureGiven := a.smtpSecure(&opts)
		opts.Timeout, _ = a.seconds("timeout")
		caFile := a.str("caFile", "")
		if err := a.err(); err != nil {
			return nil, err
		}
		if err := handlers.CheckSMTP(&opts); err != nil {
			for _, e := range unjoinErrors(err) {
				var oe *handlers.SMTPOptionError
				if errors.As(e, &oe) {
					a.failAt(smtpOptionKeys[oe.Option], oe.Err)
				} else {
					a.failAt("", e)
				}
			}
			return nil, a.err()
		}
		switch {
		case secureGiven && opts.Username == "":
			c.Warn("secure is used only with credentials, as in Python: no STARTTLS")
		case opts.Username != "" && !opts.Secure && !loopbackHost(opts.Host):
			c.Warn("credentials without secure: PLAIN and LOGIN send the password only over TLS or to localhost, so only a server offering CRAM-MD5 will take them")
		}
		return &classPlan{build: func(c *HandlerConfig) (slog.Handler, io.Closer, error) {
			o := opts
			if caFile != "" {
				pem, err := os.ReadFile(caFile)
				if err != nil {
					return nil, nil, NewArgError("caFile", err)
				}
				pool := x509.NewCertPool()
				if !pool.AppendCertsFromPEM(pem) {
					return nil, nil, NewArgError("caFile", fmt.Errorf("no PEM certificate in %q", caFile))
				}
				o.TLSConfig = &tls.Config{RootCAs: pool}
			}
			o.OnError = func(err error) {
				var se *handlers.MailError
				if errors.As(err, &se) {
					c.ReportError(&HandlerError{Handler: c.ID, Logger: se.Logger, Record: se.Record, Err: se.Err})
					return
				}
				c.ReportError(fmt.Errorf("handler %q: %w", c.ID, err))
			}
			h, err := handlers.NewSMTPHandler(&o)
			if err != nil {
				var oe *handlers.SMTPOptionError
				if errors.As(err, &oe) {
					return nil, nil, NewArgError(smtpOptionKeys[oe.Option], oe.Err)
				}
				return nil, nil, err
			}
			return h, h, nil
		}}, nil
	},
}

// smtpOptionKeys are the configuration keys of the SMTPOptions fields.
var smtpOptionKeys = map[string]string{
	"Host": "mailhost", "Port": "mailhost[1]", "From": "fromaddr", "To": "toaddrs", "Subject": "subject",
	"CertFile": "secure", "KeyFile": "secure", "Timeout": "timeout", "QueueSize": "",
}

// unjoinErrors returns the errors of an errors.Join, or err.
func unjoinErrors(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// loopbackHost reports whether host is one net/smtp sends a password to
// in clear.
func loopbackHost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// smtpMailhost reads mailhost: a host, or [host, port] (port null or 0:
// 25, as in Python).
func (a *fhArgs) smtpMailhost(opts *handlers.SMTPOptions) {
	v, ok := a.c.Args["mailhost"]
	if !ok || v == nil {
		a.failAt("mailhost", errors.New("required"))
		return
	}
	switch v := v.(type) {
	case string:
		opts.Host = v
	case []any:
		if len(v) != 2 {
			a.failAt("mailhost", fmt.Errorf("want a host or [host, port], got a list of %d", len(v)))
			return
		}
		host, isStr := v[0].(string)
		if !isStr || host == "" {
			a.failAt("mailhost[0]", fmt.Errorf("want a host name or address, got %s", describe(v[0])))
		}
		opts.Host = host
		if v[1] != nil {
			port, isInt := toInt(v[1])
			if !isInt || port < 0 || port > 65535 {
				a.failAt("mailhost[1]", fmt.Errorf("want a port number 1-65535, got %s", describe(v[1])))
			}
			opts.Port = port
		}
	default:
		a.failAt("mailhost", fmt.Errorf("want a host or [host, port], got %s", describe(v)))
	}
}

// smtpToaddrs reads toaddrs: a string or a list of strings.
func (a *fhArgs) smtpToaddrs() []string {
	v, ok := a.c.Args["toaddrs"]
	if !ok || v == nil {
		a.failAt("toaddrs", errors.New("required"))
		return nil
	}
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for i, e := range v {
			s, isStr := e.(string)
			if !isStr {
				a.failAt(fmt.Sprintf("toaddrs[%d]", i), fmt.Errorf("want an address, got %s", describe(e)))
				continue
			}
			out = append(out, s)
		}
		return out
	}
	a.failAt("toaddrs", fmt.Errorf("want an address or a list of addresses, got %s", describe(v)))
	return nil
}

// smtpCredentials reads credentials: [user, password].
func (a *fhArgs) smtpCredentials(opts *handlers.SMTPOptions) {
	v, ok := a.c.Args["credentials"]
	if !ok || v == nil {
		return
	}
	list, isList := v.([]any)
	if !isList || len(list) != 2 {
		a.failAt("credentials", fmt.Errorf("want [user, password], got %s", describe(v)))
		return
	}
	user, ok1 := list[0].(string)
	pass, ok2 := list[1].(string)
	if !ok1 || !ok2 {
		a.failAt("credentials", errors.New("want [user, password], two strings"))
		return
	}
	opts.Username, opts.Password = user, pass
}

// smtpSecure reads secure: null, [], or [keyfile, certfile] (either may
// be null), and reports whether it was given.
func (a *fhArgs) smtpSecure(opts *handlers.SMTPOptions) bool {
	v, ok := a.c.Args["secure"]
	if !ok || v == nil {
		return false
	}
	const want = "want [] (STARTTLS) or [keyfile, certfile]"
	list, isList := v.([]any)
	if !isList || len(list) > 2 {
		a.failAt("secure", fmt.Errorf("%s, got %s", want, describe(v)))
		return true
	}
	files := make([]string, 2)
	for i, e := range list {
		if e == nil {
			continue
		}
		s, isStr := e.(string)
		if !isStr {
			a.failAt(fmt.Sprintf("secure[%d]", i), fmt.Errorf("want a file name, got %s", describe(e)))
			continue
		}
		files[i] = s
	}
	opts.Secure = true
	opts.KeyFile, opts.CertFile = files[0], files[1]
	return true
}
