// Command slogconfig checks logging configurations and sends them to a
// running program.
//
//	slogconfig check [-probe] [-default key=value]... FILE...
//	slogconfig send [-addr host:port] [-key-file FILE] [-timeout 10s] FILE
//
// check reads each configuration (JSON, YAML, or Python's INI fileConfig
// format, by extension) and validates it exactly as a reload would before
// it opens anything, and prints every problem with its path. It creates,
// opens and changes no file. With -probe it also checks that every file a
// configuration names could be opened for writing (a missing file by its
// directory), still changing nothing. It knows the classes built into
// slogtree; a program with classes of its own should call
// Manager.CheckFile itself.
//
// send sends a configuration to a slogconfig.Listener (or to Python's
// logging.config.listen) with Python's wire protocol and prints the
// listener's status. A YAML file is sent as JSON. With -key-file, the
// payload is signed with HMAC-SHA256 under the file's contents (less a
// trailing newline), for a listener with slogconfig.HMACVerifier.
//
// The exit status is 0 when every file is fine or the configuration was
// applied, 1 when a problem was found or the configuration was refused,
// and 2 for a usage error.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/slogtree/slogtree/slogconfig"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage:
  slogconfig check [-probe] [-default key=value]... FILE...
  slogconfig send [-addr host:port] [-key-file FILE] [-timeout 10s] FILE
`

// run is the command: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "check":
		return check(args[1:], stdout, stderr)
	case "send":
		return send(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "slogconfig: unknown command %q\n%s", args[0], usage)
	return 2
}

// defaultsFlag collects -default key=value.
type defaultsFlag map[string]string

func (d defaultsFlag) String() string { return fmt.Sprint(map[string]string(d)) }

func (d defaultsFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want key=value, got %q", s)
	}
	d[k] = v
	return nil
}

func check(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	defaults := defaultsFlag{}
	fs.Var(defaults, "default", "an INI default, `key=value`, for %(key)s interpolation (repeatable)")
	probe := fs.Bool("probe", false, "also check that every file named could be opened for writing (changes nothing)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprint(stderr, "slogconfig check: no file given\n", usage)
		return 2
	}
	status := 0
	for _, path := range fs.Args() {
		var warnings []string
		m := slogconfig.New(slogconfig.WithErrorHandler(func(err error) {
			warnings = append(warnings, err.Error())
		}))
		check := m.CheckFile
		if *probe {
			check = m.ProbeFile
		}
		err := check(path, slogconfig.Defaults(defaults))
		for _, w := range warnings {
			fmt.Fprintf(stderr, "%s: %s\n", path, w)
		}
		if err == nil {
			fmt.Fprintf(stdout, "%s: ok\n", path)
			continue
		}
		status = 1
		var ce *slogconfig.ConfigError
		if errors.As(err, &ce) {
			for _, p := range ce.Problems {
				fmt.Fprintf(stdout, "%s: %s\n", path, p)
			}
			continue
		}
		fmt.Fprintf(stdout, "%s\n", err)
	}
	return status
}

func send(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	addr := fs.String("addr", slogconfig.DefaultListenAddr, "the listener's `host:port`")
	keyFile := fs.String("key-file", "", "sign with HMAC-SHA256 under the key in this `file`")
	timeout := fs.Duration("timeout", 10*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprint(stderr, "slogconfig send: want one file\n", usage)
		return 2
	}
	path := fs.Arg(0)
	payload, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "slogconfig send: %v\n", err)
		return 1
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		if payload, err = yamlToJSON(payload); err != nil {
			fmt.Fprintf(stderr, "slogconfig send: %s: %v\n", path, err)
			return 1
		}
	}
	var opts []slogconfig.SendOption
	if *keyFile != "" {
		key, err := os.ReadFile(*keyFile)
		if err != nil {
			fmt.Fprintf(stderr, "slogconfig send: %v\n", err)
			return 1
		}
		key = []byte(strings.TrimRight(string(key), "\r\n"))
		if len(key) == 0 {
			fmt.Fprintf(stderr, "slogconfig send: %s: empty key\n", *keyFile)
			return 1
		}
		opts = append(opts, slogconfig.Sign(slogconfig.HMACSigner(key)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	err = slogconfig.Send(ctx, *addr, payload, opts...)
	var re *slogconfig.RemoteError
	switch {
	case err == nil:
		fmt.Fprintf(stdout, "%s: applied by %s\n", path, *addr)
		return 0
	case errors.Is(err, slogconfig.ErrNoStatus):
		fmt.Fprintf(stdout, "%s: sent to %s, which sent no status (Python's listen() never does)\n", path, *addr)
		return 0
	case errors.As(err, &re):
		fmt.Fprintf(stdout, "%s: refused by %s:\n%s\n", path, *addr, re.Msg)
		return 1
	}
	fmt.Fprintf(stderr, "slogconfig send: %v\n", err)
	return 1
}

// yamlToJSON converts a YAML configuration to JSON, read as Load reads it.
func yamlToJSON(data []byte) ([]byte, error) {
	cfg, err := slogconfig.DecodeDict(data, "yaml")
	if err != nil {
		return nil, err
	}
	return json.Marshal(cfg)
}
