// Command slogconfig checks, shows, explains and converts logging
// configurations, and sends them to a running program.
//
//	slogconfig check [-probe] [-default key=value]... FILE...
//	slogconfig tree [-format text|json|mermaid] [-default key=value]... FILE
//	slogconfig explain [-format text|json] [-default key=value]... FILE LOGGER LEVEL
//	slogconfig convert -to json|yaml [-default key=value]... FILE
//	slogconfig send [-addr host:port] [-key-file FILE] [-timeout 10s] FILE
//
// A FILE is JSON, YAML, or Python's INI fileConfig format, by extension
// (.json, .yaml, .yml; .ini, .conf, .cfg); -default gives an INI file's
// defaults for %(key)s interpolation. Flags may come before or after the
// arguments, with one dash or two. "slogconfig COMMAND -h" prints a
// command's help.
//
// check validates each configuration exactly as a reload would before it
// opens anything, and prints every problem with its path. With -probe it
// also checks that every file a configuration names could be opened for
// writing (a missing file by its directory).
//
// tree prints the logger tree the configuration makes: every logger it
// names, root first, with its level, effective level, propagate flag,
// filters and handlers (level, filters, formatter, and what each writes
// to or passes records to), in the layout of Python's logging_tree, as
// JSON, or as a Mermaid flowchart.
//
// explain says which handlers a record of LEVEL logged on LOGGER reaches
// under the configuration and, for each handler on its way that it does
// not reach, why: the logger's level, a logger disabled by
// disable_existing_loggers, a filter, a handler's level, propagation
// stopped at a logger, or the last resort when no handler is found.
// LOGGER "root" (or "") is the root logger; LEVEL is a level name (DEBUG,
// INFO+2, a name the configuration's slogtree_levels defines) or a Python
// level number (20).
//
// check, tree and explain create, open and change no file: tree and
// explain apply the configuration to a dry-run Manager
// (slogconfig.WithDryRun), whose handlers are stand-ins that open nothing
// and route records exactly as the real ones would. They know the classes
// built into slogtree; a program with classes of its own should call
// Manager.CheckFile, or Tree and Explain on a Manager of its own.
//
// convert writes a configuration as JSON or YAML on standard output: an
// INI file as the dictConfig dictionary it stands for, JSON as YAML and
// YAML as JSON. It does not check the configuration.
//
// send sends a configuration to a slogconfig.Listener (or to Python's
// logging.config.listen) with Python's wire protocol and prints the
// listener's status. A YAML file is sent as JSON. With -key-file, the
// payload is signed with HMAC-SHA256 under the file's contents (less a
// trailing newline), for a listener with slogconfig.HMACVerifier.
//
// The exit status is 0 on success (every file fine, the configuration
// applied), 1 when a problem was found or an operation failed, with the
// error on standard error after the command's name, and 2 for a usage
// error.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/slogtree/slogtree/slogconfig"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: slogconfig COMMAND [flags] ARGS

commands:
  check    validate configuration files, changing nothing
  tree     show the logger tree a configuration makes
  explain  say which handlers a record reaches, and why not the others
  convert  write a configuration as JSON or YAML
  send     send a configuration to a running program's listener

FILE is JSON, YAML or Python's INI fileConfig format, by extension.
check, tree and explain create, open and change no file.
Run "slogconfig COMMAND -h" for a command's help.
`

// A command is one of the tool's commands.
type command struct {
	name    string
	usage   string // its synopsis
	about   string // what it does, for its help
	example string
	flags   func(fs *flag.FlagSet) func(c *cmdRun) int
}

// cmdRun is one run of a command: its arguments after the flags, and
// where it writes.
type cmdRun struct {
	name           string
	usage          string // the command's synopsis, for usage errors
	args           []string
	stdout, stderr io.Writer
}

// fail reports an error on standard error after the command's name and
// returns the exit status 1.
func (c *cmdRun) fail(format string, args ...any) int {
	fmt.Fprintf(c.stderr, "slogconfig %s: %s\n", c.name, fmt.Sprintf(format, args...))
	return 1
}

// failErr reports err, which names the file, or each problem of a
// *ConfigError on a line of its own, naming the file.
func (c *cmdRun) failErr(path string, err error) int {
	var ce *slogconfig.ConfigError
	if errors.As(err, &ce) {
		for _, p := range ce.Problems {
			c.fail("%s: %s", path, p)
		}
		return 1
	}
	return c.fail("%v", err) // it names the file
}

var commands = []*command{
	{
		name:  "check",
		usage: "slogconfig check [-probe] [-default key=value]... FILE...",
		about: `check reads each configuration and validates it exactly as a reload would
before it opens anything, and prints every problem with its path, or
"FILE: ok". It creates, opens and changes no file. With -probe it also
checks that every file a configuration names could be opened for writing
(a missing file by its directory), still changing nothing. It knows the
classes built into slogtree.`,
		example: `slogconfig check logging.yaml
slogconfig check -probe -default logdir=/var/log/app logging.ini`,
		flags: func(fs *flag.FlagSet) func(c *cmdRun) int {
			defaults := defaultsFlag(fs)
			probe := fs.Bool("probe", false, "also check that every file named could be opened for writing (changes nothing)")
			return func(c *cmdRun) int { return check(c, *probe, defaults) }
		},
	},
	{
		name:  "tree",
		usage: "slogconfig tree [-format text|json|mermaid] [-default key=value]... FILE",
		about: `tree prints the logger tree the configuration makes: every logger it names,
root first, with its level (NOTSET: inherited, and the level it inherits),
propagate flag, disabled flag, filters and handlers, each handler with its
level, filters, formatter and what it writes to or passes records to.
text is the layout of Python's logging_tree package; json is the shape of
slogconfig.Tree's MarshalJSON; mermaid is a flowchart of loggers, handlers
and sinks. The configuration is applied to a dry-run Manager whose
handlers open nothing: no file is created, opened or changed.`,
		example: `slogconfig tree logging.yaml
slogconfig tree -format mermaid logging.ini > tree.mmd`,
		flags: func(fs *flag.FlagSet) func(c *cmdRun) int {
			defaults := defaultsFlag(fs)
			format := fs.String("format", "text", "the output: `text`, json or mermaid")
			return func(c *cmdRun) int { return tree(c, *format, defaults) }
		},
	},
	{
		name:  "explain",
		usage: "slogconfig explain [-format text|json] [-default key=value]... FILE LOGGER LEVEL",
		about: `explain says which handlers a record of LEVEL logged on LOGGER reaches
under the configuration, and for each handler on its way that it does not
reach, why: the logger's level, a logger disabled by
disable_existing_loggers, a filter, a handler's level, propagation stopped
at a logger; and the last resort when no handler is found. A handler that
filters each record, or a pool taking turns, is "depends". LOGGER "root"
(or "") is the root logger. LEVEL is a level name (DEBUG, warning, INFO+2,
a name the configuration's slogtree_levels defines) or a Python level
number (20 is INFO). The configuration is applied to a dry-run Manager
whose handlers open nothing: no file is created, opened or changed.`,
		example: `slogconfig explain logging.yaml app.db DEBUG
slogconfig explain -format json logging.ini root 30`,
		flags: func(fs *flag.FlagSet) func(c *cmdRun) int {
			defaults := defaultsFlag(fs)
			format := fs.String("format", "text", "the output: `text` or json")
			return func(c *cmdRun) int { return explain(c, *format, defaults) }
		},
	},
	{
		name:  "convert",
		usage: "slogconfig convert -to json|yaml [-default key=value]... FILE",
		about: `convert writes the configuration in FILE as JSON or YAML on standard output:
an INI file as the dictConfig dictionary it stands for, JSON as YAML, YAML
as JSON (or as itself, normalised). It does not check the configuration:
run check on the result.

What is lost: comments; the order of keys (they come out sorted); YAML
anchors and aliases (expanded) and YAML's yes/no/on/off (written true and
false). From INI: %(name)s interpolation is resolved and [DEFAULT] folded
into the sections; args become keyword arguments named by the class's
parameters; level names in args become numbers (DEBUG is 10);
sys.stdout, sys.stderr and registered writers become ext://sys.stdout,
ext://sys.stderr, ext://NAME.`,
		example: `slogconfig convert -to yaml logging.ini > logging.yaml
slogconfig convert logging.yaml --to json`,
		flags: func(fs *flag.FlagSet) func(c *cmdRun) int {
			defaults := defaultsFlag(fs)
			to := fs.String("to", "", "the output: `json` or yaml (required)")
			return func(c *cmdRun) int { return convert(c, *to, defaults) }
		},
	},
	{
		name:  "send",
		usage: "slogconfig send [-addr host:port] [-key-file FILE] [-timeout 10s] FILE",
		about: `send sends a configuration to a slogconfig.Listener (or to Python's
logging.config.listen) with Python's wire protocol and prints the
listener's status. A YAML file is sent as JSON. With -key-file, the payload
is signed with HMAC-SHA256 under the file's contents (less a trailing
newline), for a listener with slogconfig.HMACVerifier.`,
		example: `slogconfig send -addr localhost:9030 debug.json`,
		flags: func(fs *flag.FlagSet) func(c *cmdRun) int {
			addr := fs.String("addr", slogconfig.DefaultListenAddr, "the listener's `host:port`")
			keyFile := fs.String("key-file", "", "sign with HMAC-SHA256 under the key in this `file`")
			timeout := fs.Duration("timeout", 10*time.Second, "give up after this long")
			return func(c *cmdRun) int { return send(c, *addr, *keyFile, *timeout) }
		},
	},
}

// run is the command: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 && args[0] == "help" {
			if cmd := lookup(args[1]); cmd != nil {
				cmd.help(stdout)
				return 0
			}
			fmt.Fprintf(stderr, "slogconfig: unknown command %q\n%s", args[1], usage)
			return 2
		}
		fmt.Fprint(stdout, usage)
		return 0
	}
	cmd := lookup(args[0])
	if cmd == nil {
		fmt.Fprintf(stderr, "slogconfig: unknown command %q\n%s", args[0], usage)
		return 2
	}
	return cmd.run(args[1:], stdout, stderr)
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// flagSet returns the command's flags, and the function that runs it with
// their values.
func (cmd *command) flagSet() (*flag.FlagSet, func(c *cmdRun) int) {
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs, cmd.flags(fs)
}

// help writes the command's help.
func (cmd *command) help(w io.Writer) {
	fs, _ := cmd.flagSet()
	fmt.Fprintf(w, "usage: %s\n\n%s\n\nflags:\n", cmd.usage, cmd.about)
	fs.SetOutput(w)
	fs.PrintDefaults()
	fmt.Fprintf(w, "\nexamples:\n")
	for _, line := range strings.Split(cmd.example, "\n") {
		fmt.Fprintf(w, "  %s\n", line)
	}
}

// usageError reports a usage error and returns the exit status 2.
func (cmd *command) usageError(stderr io.Writer, msg string) int {
	return usageError(stderr, cmd.name, cmd.usage, msg)
}

func usageError(stderr io.Writer, name, synopsis, msg string) int {
	fmt.Fprintf(stderr, "slogconfig %s: %s\nusage: %s\nRun \"slogconfig %s -h\" for help.\n", name, msg, synopsis, name)
	return 2
}

func (cmd *command) run(args []string, stdout, stderr io.Writer) int {
	fs, body := cmd.flagSet()
	rest, err := parseInterspersed(fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		cmd.help(stdout)
		return 0
	case err != nil:
		return cmd.usageError(stderr, err.Error())
	}
	c := &cmdRun{name: cmd.name, usage: cmd.usage, args: rest, stdout: stdout, stderr: stderr}
	if msg := cmd.checkArgs(fs, rest); msg != "" {
		return cmd.usageError(stderr, msg)
	}
	return body(c)
}

// checkArgs returns what is wrong with the arguments and the flags'
// values, or "".
func (cmd *command) checkArgs(fs *flag.FlagSet, args []string) string {
	want := map[string]int{"tree": 1, "explain": 3, "convert": 1, "send": 1}
	switch n, ok := want[cmd.name]; {
	case cmd.name == "check" && len(args) == 0:
		return "no file given"
	case ok && len(args) != n:
		return fmt.Sprintf("want %s, got %d argument%s", map[int]string{1: "one file", 3: "FILE LOGGER LEVEL"}[n],
			len(args), map[bool]string{true: "", false: "s"}[len(args) == 1])
	}
	value := func(name string) string { return fs.Lookup(name).Value.String() }
	switch cmd.name {
	case "tree":
		if f := value("format"); f != "text" && f != "json" && f != "mermaid" {
			return fmt.Sprintf("-format: want text, json or mermaid, got %q", f)
		}
	case "explain":
		if f := value("format"); f != "text" && f != "json" {
			return fmt.Sprintf("-format: want text or json, got %q", f)
		}
	case "convert":
		if to := value("to"); to != "json" && to != "yaml" {
			return fmt.Sprintf("-to: want json or yaml, got %q", to)
		}
	}
	return ""
}

// parseInterspersed parses flags that come before, between or after the
// arguments (Go's flag package stops at the first argument); everything
// after "--" is an argument.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		left := fs.Args()
		if len(left) == 0 {
			return rest, nil
		}
		if consumed := len(args) - len(left); consumed > 0 && args[consumed-1] == "--" {
			return append(rest, left...), nil
		}
		rest = append(rest, left[0])
		args = left[1:]
	}
}

// iniDefaults collects -default key=value.
type iniDefaults map[string]string

func defaultsFlag(fs *flag.FlagSet) iniDefaults {
	d := iniDefaults{}
	fs.Var(d, "default", "an INI default, `key=value`, for %(key)s interpolation (repeatable)")
	return d
}

func (d iniDefaults) String() string { return fmt.Sprint(map[string]string(d)) }

func (d iniDefaults) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want key=value, got %q", s)
	}
	d[k] = v
	return nil
}

func isINI(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".ini", ".conf", ".cfg":
		return true
	}
	return false
}

func check(c *cmdRun, probe bool, defaults iniDefaults) int {
	status := 0
	for _, path := range c.args {
		var warnings []string
		m := slogconfig.New(slogconfig.WithErrorHandler(func(err error) {
			warnings = append(warnings, err.Error())
		}))
		check := m.CheckFile
		if probe {
			check = m.ProbeFile
		}
		err := check(path, slogconfig.Defaults(defaults))
		for _, w := range warnings {
			fmt.Fprintf(c.stderr, "%s: %s\n", path, w)
		}
		if err == nil {
			fmt.Fprintf(c.stdout, "%s: ok\n", path)
			continue
		}
		status = 1
		var ce *slogconfig.ConfigError
		if errors.As(err, &ce) {
			for _, p := range ce.Problems {
				fmt.Fprintf(c.stdout, "%s: %s\n", path, p)
			}
			continue
		}
		c.fail("%v", err)
	}
	return status
}

// dryRun applies the configuration in path to a dry-run Manager, which
// opens, creates and changes no file, and returns it. Warnings go to
// standard error.
func dryRun(c *cmdRun, path string, defaults iniDefaults) (*slogconfig.Manager, int) {
	m := slogconfig.New(slogconfig.WithDryRun(), slogconfig.WithErrorHandler(func(err error) {
		fmt.Fprintf(c.stderr, "slogconfig %s: %s: %v\n", c.name, path, err)
	}))
	var err error
	if isINI(path) {
		err = m.FileConfig(path, slogconfig.Defaults(defaults))
	} else {
		err = m.Load(path)
	}
	if err != nil {
		return nil, c.failErr(path, unwrapPath(path, err))
	}
	return m, 0
}

// unwrapPath returns the *ConfigError under the "PATH: " that Load and
// FileConfig put before it, so that failErr can name the file with each
// problem; any other error is returned whole, naming the file.
func unwrapPath(path string, err error) error {
	var ce *slogconfig.ConfigError
	if u := errors.Unwrap(err); u != nil && strings.HasPrefix(err.Error(), path+": ") && errors.As(u, &ce) {
		return u
	}
	return err
}

func tree(c *cmdRun, format string, defaults iniDefaults) int {
	m, status := dryRun(c, c.args[0], defaults)
	if m == nil {
		return status
	}
	t := m.Tree()
	switch format {
	case "json":
		return writeJSON(c, t)
	case "mermaid":
		fmt.Fprint(c.stdout, t.Mermaid())
	default:
		fmt.Fprint(c.stdout, t.String())
	}
	return 0
}

func explain(c *cmdRun, format string, defaults iniDefaults) int {
	path, logger, levelArg := c.args[0], c.args[1], c.args[2]
	m, status := dryRun(c, path, defaults)
	if m == nil {
		return status
	}
	level, err := m.ParseLevel(levelArg)
	if err != nil {
		return usageError(c.stderr, c.name, c.usage,
			fmt.Sprintf("LEVEL: %v: want a level name (DEBUG, INFO+2, a name of the configuration's slogtree_levels) or a Python level number (20)", err))
	}
	x := m.Explain(logger, level)
	if format == "json" {
		return writeJSON(c, x)
	}
	fmt.Fprint(c.stdout, x.String())
	return 0
}

// writeJSON writes v as indented JSON, without escaping <, > and &.
func writeJSON(c *cmdRun, v any) int {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return c.fail("%v", err)
	}
	_, _ = c.stdout.Write(b.Bytes())
	return 0
}

func convert(c *cmdRun, to string, defaults iniDefaults) int {
	path := c.args[0]
	data, err := os.ReadFile(path)
	if err != nil {
		return c.fail("%v", err)
	}
	var cfg map[string]any
	switch ext := strings.ToLower(filepath.Ext(path)); {
	case isINI(path):
		cfg, err = slogconfig.New().DecodeINI(data, slogconfig.Defaults(defaults))
	case ext == ".json" || ext == ".yaml" || ext == ".yml":
		cfg, err = slogconfig.DecodeDict(data, ext[1:])
	default:
		return c.fail("%s: unknown configuration format %q: want .json, .yaml, .yml, .ini, .conf or .cfg", path, ext)
	}
	if err != nil {
		// Decoding bytes, the error does not name the file: name it as
		// Load names it.
		return c.failErr(path, unwrapPath(path, fmt.Errorf("%s: %w", path, err)))
	}
	if to == "json" {
		return writeJSON(c, cfg)
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(integral(cfg)); err != nil {
		return c.fail("%v", err)
	}
	if err := enc.Close(); err != nil {
		return c.fail("%v", err)
	}
	_, _ = c.stdout.Write(b.Bytes())
	return 0
}

// integral returns v with its integral numbers (JSON's float64) as
// integers, so that YAML writes 10, not 10.0.
func integral(v any) any {
	switch v := v.(type) {
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return int64(v)
		}
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = integral(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = integral(e)
		}
		return out
	}
	return v
}

func send(c *cmdRun, addr, keyFile string, timeout time.Duration) int {
	path := c.args[0]
	payload, err := os.ReadFile(path)
	if err != nil {
		return c.fail("%v", err)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		if payload, err = yamlToJSON(payload); err != nil {
			return c.fail("%s: %v", path, err)
		}
	}
	var opts []slogconfig.SendOption
	if keyFile != "" {
		key, err := os.ReadFile(keyFile)
		if err != nil {
			return c.fail("%v", err)
		}
		key = []byte(strings.TrimRight(string(key), "\r\n"))
		if len(key) == 0 {
			return c.fail("%s: empty key", keyFile)
		}
		opts = append(opts, slogconfig.Sign(slogconfig.HMACSigner(key)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err = slogconfig.Send(ctx, addr, payload, opts...)
	var re *slogconfig.RemoteError
	switch {
	case err == nil:
		fmt.Fprintf(c.stdout, "%s: applied by %s\n", path, addr)
		return 0
	case errors.Is(err, slogconfig.ErrNoStatus):
		fmt.Fprintf(c.stdout, "%s: sent to %s, which sent no status (Python's listen() never does)\n", path, addr)
		return 0
	case errors.As(err, &re):
		fmt.Fprintf(c.stdout, "%s: refused by %s:\n%s\n", path, addr, re.Msg)
		return 1
	}
	return c.fail("%v", err) // it names the file
}

// yamlToJSON converts a YAML configuration to JSON, read as Load reads it.
func yamlToJSON(data []byte) ([]byte, error) {
	cfg, err := slogconfig.DecodeDict(data, "yaml")
	if err != nil {
		return nil, err
	}
	return json.Marshal(cfg)
}
