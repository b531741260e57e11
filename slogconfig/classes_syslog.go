package slogconfig

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"

	"github.com/slogtree/slogtree/handlers"
)

// registerSyslogHandlers registers logging.handlers.SysLogHandler under
// its Go and Python names.
func registerSyslogHandlers(r *Registry) {
	for _, n := range []string{"syslog", "logging.handlers.SysLogHandler"} {
		must(r.RegisterHandler(n, syslogClass))
	}
}

// Python's socket.SOCK_STREAM and socket.SOCK_DGRAM, as ext:// and the
// INI's handlers.socket names give them.
const (
	sockStream = 1
	sockDgram  = 2
)

// syslogClass is logging.handlers.SysLogHandler(address=('localhost',
// 514), facility=LOG_USER, socktype=None), with Python 3.14's timeout
// (seconds) and the "." properties ident and append_nul. address is
// [host, port] or the path of a Unix socket; facility a name of Python's
// facility_names or a number 0-23; socktype socket.SOCK_DGRAM or
// socket.SOCK_STREAM (2 or 1), or the Go names "udp" or "tcp" with [host,
// port], "unixgram" or "unix" with a path. Nothing is looked up or
// connected until the configuration is prepared.
var syslogClass = HandlerClass{
	Params: []string{"address", "facility", "socktype", "timeout"},
	Props:  []string{"ident", "append_nul"},
	plan: func(c *HandlerConfig) (*classPlan, error) {
		a := fhArgs{c: c}
		opts := handlers.SyslogOptions{Formatter: c.Formatter}
		a.syslogAddress(&opts)
		a.syslogSocktype(&opts)
		a.syslogFacility(&opts)
		opts.Timeout, _ = a.seconds("timeout")
		a.syslogProps(&opts)
		if err := a.err(); err != nil {
			return nil, err
		}
		if err := handlers.CheckSyslog(&opts); err != nil {
			a.failAt("", err)
			return nil, a.err()
		}
		return &classPlan{build: func(*HandlerConfig) (slog.Handler, io.Closer, error) {
			h, err := handlers.NewSyslogHandler(&opts)
			if err != nil {
				return nil, nil, err
			}
			return h, h, nil
		}}, nil
	},
}

// syslogAddress reads address: absent (localhost:514), [host, port], or
// the path of a Unix socket.
func (a *fhArgs) syslogAddress(opts *handlers.SyslogOptions) {
	const want = `want [host, port] or the path of a Unix socket such as "/dev/log"`
	v, ok := a.c.Args["address"]
	if !ok || v == nil {
		return
	}
	switch v := v.(type) {
	case string:
		if v == "" {
			a.failAt("address", fmt.Errorf("%s, got \"\"", want))
		}
		opts.Path = v
	case []any:
		if len(v) != 2 {
			a.failAt("address", fmt.Errorf("%s, got a list of %d", want, len(v)))
			return
		}
		host, isStr := v[0].(string)
		if !isStr || host == "" {
			a.failAt("address[0]", fmt.Errorf("want a host name or address, got %s", describe(v[0])))
		}
		port, isInt := toInt(v[1])
		if !isInt || port < 1 || port > 65535 {
			a.failAt("address[1]", fmt.Errorf("want a port number 1-65535, got %s", describe(v[1])))
		}
		opts.Address = net.JoinHostPort(host, strconv.Itoa(port))
	default:
		a.failAt("address", fmt.Errorf("%s, got %s", want, describe(v)))
	}
}

// syslogSocktype reads socktype for the address read before.
func (a *fhArgs) syslogSocktype(opts *handlers.SyslogOptions) {
	v, ok := a.c.Args["socktype"]
	if !ok || v == nil {
		return
	}
	unix := opts.Path != ""
	n, isInt := toInt(v)
	switch {
	case isInt && n == sockDgram && unix:
		opts.Network = "unixgram"
	case isInt && n == sockStream && unix:
		opts.Network = "unix"
	case isInt && n == sockDgram:
		opts.Network = "udp"
	case isInt && n == sockStream:
		opts.Network = "tcp"
	case v == "unixgram" && unix, v == "unix" && unix, v == "udp" && !unix, v == "tcp" && !unix:
		opts.Network = v.(string)
	case unix:
		a.failAt("socktype", fmt.Errorf(`want socket.SOCK_DGRAM (2), socket.SOCK_STREAM (1), "unixgram" or "unix" for a Unix socket, got %s`, describe(v)))
	default:
		a.failAt("socktype", fmt.Errorf(`want socket.SOCK_DGRAM (2), socket.SOCK_STREAM (1), "udp" or "tcp" for [host, port], got %s`, describe(v)))
	}
}

// syslogFacility reads facility: a name of Python's facility_names, or a
// number 0-23.
func (a *fhArgs) syslogFacility(opts *handlers.SyslogOptions) {
	v, ok := a.c.Args["facility"]
	if !ok || v == nil {
		return
	}
	if s, isStr := v.(string); isStr {
		if _, err := handlers.ParseFacility(s); err != nil {
			a.failAt("facility", err)
		}
		opts.Facility = s
		return
	}
	n, isInt := toInt(v)
	name, known := handlers.FacilityName(n)
	if !isInt || !known {
		a.failAt("facility", fmt.Errorf("want a facility name such as \"local0\" or a number 0-23 (Python's LOG_KERN to LOG_LOCAL7), got %s", describe(v)))
		return
	}
	opts.Facility = name
}

// syslogProps reads the properties ident (a string) and append_nul (a
// boolean, or 0 or 1).
func (a *fhArgs) syslogProps(opts *handlers.SyslogOptions) {
	if v, ok := a.c.Props["ident"]; ok && v != nil {
		s, isStr := v.(string)
		if !isStr {
			a.failAt(propPath("ident"), fmt.Errorf("want a string, got %s", describe(v)))
		}
		opts.Ident = s
	}
	if v, ok := a.c.Props["append_nul"]; ok {
		switch b, isBool := v.(bool); {
		case isBool:
			opts.OmitNUL = !b
		default:
			n, isInt := toInt(v)
			if !isInt || (n != 0 && n != 1) {
				a.failAt(propPath("append_nul"), errors.New("want a boolean, got "+describe(v)))
			}
			opts.OmitNUL = n == 0
		}
	}
}
