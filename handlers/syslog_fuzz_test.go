package handlers

import (
	"net"
	"strconv"
	"testing"
)

// FuzzCheckSyslog checks any address, network and facility without
// panicking, and an address it takes splits into a host and a port of
// 1-65535.
func FuzzCheckSyslog(f *testing.F) {
	for _, a := range []string{"localhost:514", "[::1]:601", ":514", "x:0", "x:syslog", "x", "[::1", "a:b:c"} {
		f.Add(a, "", "user")
	}
	f.Add("", "unixgram", "local7")
	f.Add("h:1", "tcp", "LOCAL0")
	f.Fuzz(func(t *testing.T, addr, network, facility string) {
		err := CheckSyslog(&SyslogOptions{Address: addr, Network: network, Facility: facility})
		if err != nil || addr == "" {
			return
		}
		host, port, err := net.SplitHostPort(addr)
		if err != nil || host == "" {
			t.Fatalf("took %q: %v", addr, err)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			t.Fatalf("took %q with port %q", addr, port)
		}
	})
}
