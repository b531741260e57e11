package slogconfig

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/slogtree/slogtree/handlers"
)

// registerNetHandlers registers the network handler classes of package
// handlers (socket, datagram, http) under their Go and Python names.
func registerNetHandlers(r *Registry) {
	for _, c := range []struct {
		names []string
		class HandlerClass
	}{
		{[]string{"socket", "logging.handlers.SocketHandler"}, socketClass},
		{[]string{"datagram", "logging.handlers.DatagramHandler"}, datagramClass},
		{[]string{"http", "logging.handlers.HTTPHandler"}, httpClass},
	} {
		for _, n := range c.names {
			must(r.RegisterHandler(n, c.class))
		}
	}
}

// socketClass is logging.handlers.SocketHandler(host, port): TCP to
// host:port, or a Unix stream socket at the path host when port is null,
// with the Go key timeout (seconds, for connecting and for writing a
// record; default 1) and Python's attributes retryStart, retryMax and
// retryFactor as "." properties.
var socketClass = pickleClass("tcp", "unix", func(network, address string, o *handlers.SocketOptions) (slog.Handler, io.Closer, error) {
	h, err := handlers.NewSocketHandler(network, address, o)
	if err != nil {
		return nil, nil, err
	}
	return h, h, nil
})

// datagramClass is logging.handlers.DatagramHandler(host, port): UDP to
// host:port, or a Unix datagram socket at the path host when port is
// null, with the keys of socketClass.
var datagramClass = pickleClass("udp", "unixgram", func(network, address string, o *handlers.SocketOptions) (slog.Handler, io.Closer, error) {
	h, err := handlers.NewDatagramHandler(network, address, o)
	if err != nil {
		return nil, nil, err
	}
	return h, h, nil
})

// pickleClass is the class of a handler that sends pickled records to
// (host, port) over inet, or to the path host over unix when port is null.
// Nothing is dialled before the configuration is applied: validate only
// reads the arguments.
func pickleClass(inet, unix string, build func(network, address string, o *handlers.SocketOptions) (slog.Handler, io.Closer, error)) HandlerClass {
	return HandlerClass{
		Params: []string{"host", "port", "timeout"},
		Props:  []string{"retryStart", "retryMax", "retryFactor"},
		plan: func(c *HandlerConfig) (*classPlan, error) {
			a := fhArgs{c: c}
			host := a.str("host", "")
			if v, ok := c.Args["host"]; !ok || v == nil {
				a.failAt("host", errors.New("required"))
			} else if v == "" {
				a.failAt("host", errors.New("want a host name, an address or a socket path, got \"\""))
			}
			network, address := unix, host
			if port, ok := a.port("port"); ok {
				network, address = inet, net.JoinHostPort(host, strconv.Itoa(port))
			}
			opts := handlers.SocketOptions{ThreadName: c.ThreadName}
			if t, ok := a.seconds("timeout"); ok {
				opts.DialTimeout, opts.WriteTimeout = t, t
			}
			if t, ok := a.propSeconds("retryStart"); ok {
				opts.RetryStart = t
			}
			if t, ok := a.propSeconds("retryMax"); ok {
				opts.RetryMax = t
			}
			if v, ok := c.Props["retryFactor"]; ok && v != nil {
				f, isNum := toFloat(v)
				if !isNum || f < 1 || f > 1e6 {
					a.failAt(propPath("retryFactor"), fmt.Errorf("want a number >= 1, got %s", describe(v)))
				}
				opts.RetryFactor = f
			}
			if err := a.err(); err != nil {
				return nil, err
			}
			return &classPlan{build: func(c *HandlerConfig) (slog.Handler, io.Closer, error) {
				o := opts
				o.OnError = func(err error) { c.ReportError(fmt.Errorf("handler %q: %w", c.ID, err)) }
				return build(network, address, &o)
			}}, nil
		},
	}
}

// httpClass is logging.handlers.HTTPHandler(host, url, method='GET',
// secure=False, credentials=None, context=None), with the Go key timeout
// (seconds, default 5). credentials is [user, password] (a list, as JSON
// and YAML give it, or a tuple); context, which needs secure, is a
// *tls.Config registered with RegisterValue and named with ext://, since
// a configuration cannot hold a Python ssl.SSLContext.
var httpClass = HandlerClass{
	Params: []string{"host", "url", "method", "secure", "credentials", "context", "timeout"},
	plan: func(c *HandlerConfig) (*classPlan, error) {
		a := fhArgs{c: c}
		host := a.str("host", "")
		if v, ok := c.Args["host"]; !ok || v == nil {
			a.failAt("host", errors.New("required"))
		} else if _, isStr := v.(string); isStr {
			if err := handlers.CheckHTTPHost(host); err != nil {
				a.failAt("host", err)
			}
		}
		url := a.str("url", "")
		if v, ok := c.Args["url"]; !ok || v == nil {
			a.failAt("url", errors.New("required"))
		} else if err := handlers.CheckHTTPURL(url); err != nil {
			a.failAt("url", err)
		}
		opts := handlers.HTTPOptions{ThreadName: c.ThreadName, Secure: a.boolean("secure", false)}
		if v, ok := c.Args["method"]; ok && v != nil {
			m, isStr := v.(string)
			var err error
			if opts.Method, err = handlers.ParseHTTPMethod(m); !isStr || m == "" || err != nil {
				// CPython calls method.upper(): a method that is not a
				// string fails too, with an AttributeError.
				a.failAt("method", errors.New("method must be GET or POST"))
			}
		}
		opts.Credentials = a.credentials()
		if v, ok := c.Args["context"]; ok && v != nil {
			cfg, isTLS := v.(*tls.Config)
			switch {
			case !opts.Secure:
				a.failAt("context", errors.New("context parameter only makes sense with secure=True"))
			case !isTLS:
				a.failAt("context", fmt.Errorf("want a *tls.Config registered with RegisterValue and named with ext:// (a Python ssl.SSLContext cannot be given here), got %s", describe(v)))
			}
			opts.TLSConfig = cfg
		}
		if t, ok := a.seconds("timeout"); ok {
			opts.Timeout = t
		}
		if err := a.err(); err != nil {
			return nil, err
		}
		return &classPlan{build: func(*HandlerConfig) (slog.Handler, io.Closer, error) {
			h, err := handlers.NewHTTPHandler(host, url, &opts)
			if err != nil {
				return nil, nil, err
			}
			return h, h, nil
		}}, nil
	},
}

// port reads a port number, 0 to 65535; ok is false when it is absent or
// null (Python's None: a Unix socket).
func (a *fhArgs) port(key string) (int, bool) {
	v, ok := a.c.Args[key]
	if !ok || v == nil {
		return 0, false
	}
	n, isInt := toInt(v)
	if s, isStr := v.(string); isStr {
		var err error
		n, err = strconv.Atoi(s)
		isInt = err == nil
	}
	if !isInt || n < 0 || n > 65535 {
		a.failAt(key, fmt.Errorf("want a port number (0 to 65535), or null for a Unix socket at the path host, got %s", describe(v)))
		return 0, false
	}
	return n, true
}

// seconds reads a duration given in seconds, a number > 0, as Python's
// timeouts are given.
func (a *fhArgs) seconds(key string) (time.Duration, bool) {
	v, ok := a.c.Args[key]
	if !ok || v == nil {
		return 0, false
	}
	return a.toSeconds(key, v)
}

// propSeconds reads a "." property given in seconds.
func (a *fhArgs) propSeconds(name string) (time.Duration, bool) {
	v, ok := a.c.Props[name]
	if !ok || v == nil {
		return 0, false
	}
	return a.toSeconds(propPath(name), v)
}

func (a *fhArgs) toSeconds(path string, v any) (time.Duration, bool) {
	f, isNum := toFloat(v)
	if !isNum || f <= 0 || f > 1e9 {
		a.failAt(path, fmt.Errorf("want a number of seconds > 0, got %s", describe(v)))
		return 0, false
	}
	return max(time.Duration(f*float64(time.Second)), 1), true
}

// credentials reads HTTPHandler's credentials: null, or [user, password].
func (a *fhArgs) credentials() *handlers.Credentials {
	v, ok := a.c.Args["credentials"]
	if !ok || v == nil {
		return nil
	}
	list, isList := v.([]any)
	if isList && len(list) == 0 {
		return nil // Python's "if self.credentials" is false
	}
	if isList && len(list) == 2 {
		user, ok1 := list[0].(string)
		pass, ok2 := list[1].(string)
		if ok1 && ok2 {
			return &handlers.Credentials{User: user, Password: pass}
		}
	}
	a.failAt("credentials", fmt.Errorf("want [user, password], two strings, got %s", describe(v)))
	return nil
}
