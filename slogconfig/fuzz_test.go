package slogconfig

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var fzConvertible = regexp.MustCompile(`^[a-z]+://`)

// fzNetClasses are the handler classes that reach other hosts, whose
// configurations the fuzz targets do not apply.
var fzNetClasses = map[string]bool{
	"socket": true, "logging.handlers.SocketHandler": true,
	"datagram": true, "logging.handlers.DatagramHandler": true,
	"http": true, "logging.handlers.HTTPHandler": true,
}

// fzSafe reports whether a decoded configuration stays inside the
// directory fzRebase puts its files in and inside the process: no env://
// (an environment variable could name any file), no string that could be
// a path elsewhere, and no network handler class (a class named through
// cfg:// is a string of the configuration too).
func fzSafe(v any) bool {
	switch v := v.(type) {
	case string:
		if fzNetClasses[v] {
			return false
		}
		if fzConvertible.MatchString(v) {
			return !strings.HasPrefix(v, "env://")
		}
		return !strings.ContainsAny(v, `/\`) && !strings.HasPrefix(v, "~")
	case map[string]any:
		for k, e := range v {
			if !fzSafe(k) || !fzSafe(e) {
				return false
			}
		}
	case []any:
		for _, e := range v {
			if !fzSafe(e) {
				return false
			}
		}
	}
	return true
}

// fzCheckConfig is a configuration known to work, applied after each fuzz
// input to show that the Manager still configures and logs.
func fzCheckConfig() map[string]any {
	return map[string]any{
		"version": 1,
		"formatters": map[string]any{
			"f": map[string]any{"format": "%(levelname)s %(name)s %(message)s"},
		},
		"handlers": map[string]any{
			"h": map[string]any{"class": "stream", "stream": "ext://fz.check", "formatter": "f"},
		},
		"root": map[string]any{"level": "DEBUG", "handlers": []any{"h"}},
	}
}

// fzDictConfig decodes data and applies it to a fresh Manager: no panic,
// either an error or a configuration that logs, and a Manager that takes
// a good configuration afterwards and logs through it.
func fzDictConfig(t *testing.T, dir string, data []byte, decode func([]byte) (map[string]any, error)) {
	cfg, err := decode(data)
	if err != nil {
		if err.Error() == "" {
			t.Fatal("empty decode error")
		}
		return
	}
	if !fzSafe(cfg) || !fzRebase(cfg, dir) {
		return
	}
	reg := NewRegistry()
	var out, check buffer
	if err := reg.RegisterValue("fz.out", io.Writer(&out)); err != nil {
		t.Fatal(err)
	}
	if err := reg.RegisterValue("fz.check", io.Writer(&check)); err != nil {
		t.Fatal(err)
	}
	m := New(WithRegistry(reg), WithErrorHandler(func(error) {}), WithLastResort(slog.DiscardHandler))
	defer func() { _ = m.Shutdown() }()

	if err := m.DictConfig(cfg); err != nil && err.Error() == "" {
		t.Fatal("DictConfig returned an error with no text")
	}
	names := []string{"", "root", "a", "a.b", "app.db"}
	if loggers, ok := cfg["loggers"].(map[string]any); ok {
		for name := range loggers {
			if len(names) < 10 {
				names = append(names, name)
			}
		}
	}
	for _, name := range names {
		l := m.Logger(name)
		l.Debug("debug", "k", 1)
		l.Info("info", slog.Group("g", slog.String("s", "v")))
		l.Warn("warn")
		l.With("w", true).WithGroup("grp").Error("error", "f", 1.5)
		l.Log(context.Background(), LevelCritical, "critical")
		_ = m.Handler(name)
	}

	if err := m.DictConfig(fzCheckConfig()); err != nil {
		t.Fatalf("a good configuration after %q failed: %v", data, err)
	}
	m.Logger("").Info("check")
	if got := check.String(); !strings.Contains(got, "INFO root check\n") {
		t.Fatalf("after %q the Manager does not log: got %q", data, got)
	}
}

// fzRebase puts the files a configuration's handlers name into dir: the
// fuzz targets do not change the working directory (the fuzzing engine
// writes the inputs it finds failing under it, into the package's
// testdata/fuzz). It reports false for a configuration whose file name it
// cannot follow (a cfg:// or ext:// value).
func fzRebase(cfg map[string]any, dir string) bool {
	hs, _ := cfg["handlers"].(map[string]any)
	for _, h := range hs {
		e, _ := h.(map[string]any)
		switch name := e["filename"].(type) {
		case nil:
		case string:
			if fzConvertible.MatchString(name) {
				return false
			}
			if name != "" && !strings.HasPrefix(name, dir) {
				e["filename"] = filepath.Join(dir, name)
			}
		}
	}
	return true
}

var fzJSONSeeds = []string{
	`{"version": 1}`,
	`{}`,
	`{"version": 2}`,
	`{"version": "1"}`,
	`[]`,
	`{"version": 1, "root": {"level": "DEBUG", "handlers": ["h"]},
	  "handlers": {"h": {"class": "stream", "stream": "ext://fz.out", "formatter": "f", "level": "INFO", "filters": ["x"]}},
	  "formatters": {"f": {"format": "%(asctime)s %(levelname)-8s %(name)s %(message)s %(k)s", "datefmt": "%H:%M:%S", "defaults": {"k": "-"}}},
	  "filters": {"x": {"name": "a"}}}`,
	`{"version": 1, "disable_existing_loggers": false,
	  "formatters": {"j": {"class": "json"}, "t": {"()": "text", "addSource": true}, "b": {"format": "{levelname} {message}", "style": "{"}, "d": {"format": "$message", "style": "$", "utc": true, "extras": "ignore"}},
	  "handlers": {"j": {"class": "logging.StreamHandler", "stream": "ext://fz.out", "formatter": "j"},
	               "t": {"class": "stream", "stream": "cfg://handlers.j.stream", "formatter": "t", ".": {"terminator": "\r\n"}},
	               "n": {"class": "logging.NullHandler"},
	               "f": {"class": "file", "filename": "fz.log", "mode": "w", "delay": true, "formatter": "b"}},
	  "loggers": {"a": {"level": 15, "handlers": ["j", "t"], "propagate": false}, "a.b": {"level": "WARN+1", "handlers": ["n", "f"], "filters": []}},
	  "root": {"level": "NOTSET", "handlers": ["f"]}}`,
	`{"version": 1, "incremental": true, "handlers": {"h": {"level": "ERROR"}}, "loggers": {"a": {"level": "DEBUG", "propagate": true}}, "root": {"level": 40}}`,
	`{"version": 1, "handlers": {"h": {"class": "nope"}}, "loggers": {"a": {"handlers": ["missing"], "level": "verbose"}}}`,
	`{"version": 1, "handlers": {"h": {"class": "stream", "stream": "ext://nope", "bad-key": 1, "formatter": "nope", "filters": ["nope"]}}}`,
	`{"version": 1, "formatters": {"f": {"format": "hello"}, "g": {"format": "%(x)d", "style": "%", "validate": false}, "s": {"style": "?"}}}`,
	`{"version": 1.0, "root": {}, "loggers": {"": {"level": 10}, "x": null}}`,
	`{"version": 1, "root": {"handlers": ["h", "h"], "filters": ["f"]}, "filters": {"f": {"()": "logging.Filter", "name": "root"}},
	  "handlers": {"h": {"()": "stream", "stream": "ext://fz.out"}}}`,
	`{"version": 1, "a": {"b": ["cfg://a", "cfg://a.b[0]"]}, "handlers": {"h": {"class": "stream", "stream": "cfg://a.b"}}}`,
	`{"version": 1, "handlers": {"h": {"class": "file", "filename": 7, "mode": "x", "encoding": "latin-1"}}}`,
}

// FuzzDictConfigJSON applies any JSON document as a configuration.
func FuzzDictConfigJSON(f *testing.F) {
	for _, s := range fzJSONSeeds {
		f.Add([]byte(s))
	}
	dir := f.TempDir() // file handlers create their files here
	f.Fuzz(func(t *testing.T, data []byte) {
		fzDictConfig(t, dir, data, decodeJSON)
	})
}

var fzYAMLSeeds = []string{
	"version: 1\n",
	"",
	"- 1\n",
	"version: 1\nroot:\n  level: DEBUG\n  handlers: [h]\nhandlers:\n  h:\n    class: stream\n    stream: ext://fz.out\n    formatter: f\nformatters:\n  f:\n    format: '%(levelname)s %(message)s'\n",
	"version: 1\nloggers:\n  a:\n    level: info\n    handlers: [n]\n    propagate: no\n  1: {}\n  true: {}\n  ~: {}\nhandlers:\n  n: {class: null}\n",
	"version: 1\nformatters:\n  j: {class: json}\nhandlers:\n  h: &h {class: stream, stream: 'ext://fz.out', formatter: j}\n  h2: *h\nroot: {handlers: [h, h2], level: 5}\n",
	"version: 1\nincremental: yes\nroot: {level: WARNING}\nloggers: {x.y: {level: 0}}\n",
	"version: 1\nhandlers:\n  f: {class: logging.FileHandler, filename: fz.log, delay: true}\nroot: {handlers: [f]}\n",
	"version: 1\n? [a, b]\n: c\nhandlers: {h: {class: stream, stream: !!binary aGVsbG8=}}\n",
	"version: 1\nroot: {level: 1e3}\nloggers: {a: {level: 0x10}, b: {level: .inf}, c: {level: 9223372036854775807}}\n",
}

// FuzzDictConfigYAML applies any YAML document as a configuration.
func FuzzDictConfigYAML(f *testing.F) {
	for _, s := range fzYAMLSeeds {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		fzDictConfig(t, dir, data, decodeYAML)
	})
}
