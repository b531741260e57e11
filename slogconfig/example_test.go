package slogconfig_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/slogtree/slogtree/slogconfig"
)

// A configuration in the schema of Python's dictConfig: the handlers of a
// logger and of each ancestor get its records while propagate holds, and
// the ancestors' levels are not consulted on the way.
func Example_dictConfig() {
	m := slogconfig.New(slogconfig.WithRegistry(slogconfig.NewRegistry()))
	err := m.DictConfig(map[string]any{
		"version": 1,
		"formatters": map[string]any{
			"plain":  map[string]any{"format": "%(levelname)-7s %(name)s: %(message)s"},
			"tagged": map[string]any{"format": "[%(name)s] %(message)s"},
		},
		"handlers": map[string]any{
			"console": map[string]any{"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "plain"},
			"own":     map[string]any{"class": "stream", "stream": "ext://sys.stdout", "formatter": "tagged"},
		},
		"loggers": map[string]any{
			"app":    map[string]any{"level": "INFO"},
			"app.db": map[string]any{"level": "DEBUG", "handlers": []any{"own"}},
			"jobs":   map[string]any{"level": "INFO", "handlers": []any{"own"}, "propagate": false},
		},
		"root": map[string]any{"level": "WARNING", "handlers": []any{"console"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Shutdown()

	m.Logger("app").Debug("dropped: app is INFO")
	m.Logger("app").Info("started")
	// app.db has a handler of its own and propagates to root's.
	m.Logger("app.db").Debug("query", "rows", 3)
	// jobs does not propagate: root's handler never sees its records.
	m.Logger("jobs").Info("job done", "id", 7)
	// app.db.pool inherits app.db's level and handlers.
	m.Logger("app.db.pool").Debug("connection reused")
	// Root's own records pass its WARNING level.
	m.Logger("").Info("dropped: root is WARNING")
	// Output:
	// INFO    app: started
	// [app.db] query rows=3
	// DEBUG   app.db: query rows=3
	// [jobs] job done id=7
	// [app.db.pool] connection reused
	// DEBUG   app.db.pool: connection reused
}

// Load reads a YAML or JSON file. The package-level functions act on the
// default Manager, whose first configuration makes the root logger slog's
// default: slog.Info and the log package then go through the configuration.
func ExampleLoad() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "logging.yaml")
	err = os.WriteFile(path, []byte(`
version: 1
formatters:
  brief:
    format: "%(levelname)s %(name)s: %(message)s"
handlers:
  console:
    class: logging.StreamHandler
    stream: ext://sys.stdout
    formatter: brief
loggers:
  app.db:
    level: WARNING
root:
  level: INFO
  handlers: [console]
`), 0o644)
	if err != nil {
		fmt.Println(err)
		return
	}

	if err := slogconfig.Load(path); err != nil {
		fmt.Println(err)
		return
	}
	defer slogconfig.Shutdown()

	slog.Info("listening", "port", 8080)
	log.Printf("from the log package")
	slogconfig.Logger("app.db").Info("dropped: app.db is WARNING")
	slogconfig.Logger("app.db").Warn("slow query", "ms", 250)
	// Output:
	// INFO root: listening port=8080
	// INFO root: from the log package
	// WARNING app.db: slow query ms=250
}

// A logger is made once per name and follows every later configuration,
// with the attributes it was given. As in Python, a full configuration
// disables the existing loggers it does not name unless
// disable_existing_loggers is false.
func ExampleManager_Logger() {
	m := slogconfig.New(slogconfig.WithRegistry(slogconfig.NewRegistry()))
	config := func(format string) map[string]any {
		return map[string]any{
			"version":                  1,
			"disable_existing_loggers": false,
			"formatters":               map[string]any{"f": map[string]any{"format": format}},
			"handlers": map[string]any{
				"console": map[string]any{"class": "stream", "stream": "ext://sys.stdout", "formatter": "f"},
			},
			"root": map[string]any{"level": "INFO", "handlers": []any{"console"}},
		}
	}
	if err := m.DictConfig(config("%(name)s: %(message)s")); err != nil {
		fmt.Println(err)
		return
	}
	defer m.Shutdown()

	httpLog := m.Logger("app.http")
	req := httpLog.With("req", 7)
	req.Info("GET /orders")
	if err := m.DictConfig(config("%(levelname)s [%(name)s] %(message)s")); err != nil {
		fmt.Println(err)
		return
	}
	req.Info("200 OK")
	fmt.Println(httpLog == m.Logger("app.http"), m.Logger("") == m.Logger("root"))
	// Output:
	// app.http: GET /orders req=7
	// INFO [app.http] 200 OK req=7
	// true true
}

// An incremental configuration changes only levels and propagate flags;
// handlers stay as they are. A refused configuration changes nothing, and
// its error names every problem by its path.
func ExampleManager_DictConfig_incremental() {
	m := slogconfig.New(slogconfig.WithRegistry(slogconfig.NewRegistry()))
	err := m.DictConfig(map[string]any{
		"version":    1,
		"formatters": map[string]any{"f": map[string]any{"format": "%(levelname)s %(name)s: %(message)s"}},
		"handlers": map[string]any{
			"console": map[string]any{"class": "stream", "stream": "ext://sys.stdout", "formatter": "f"},
		},
		"root": map[string]any{"level": "INFO", "handlers": []any{"console"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Shutdown()
	db := m.Logger("app.db")
	db.Debug("dropped: root is INFO")

	err = m.DictConfig(map[string]any{
		"version":     1,
		"incremental": true,
		"loggers":     map[string]any{"app.db": map[string]any{"level": "DEBUG"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	db.Debug("query", "rows", 3)

	err = m.DictConfig(map[string]any{
		"version":     1,
		"incremental": true,
		"handlers":    map[string]any{"nosuch": map[string]any{"level": "ERROR"}},
		"loggers":     map[string]any{"app.db": map[string]any{"level": "LOUD"}},
	})
	fmt.Println(err)
	db.Debug("still at DEBUG")
	// Output:
	// DEBUG app.db: query rows=3
	// handlers.nosuch: no handler found with name "nosuch"
	// loggers.app.db.level: unknown level: "LOUD"
	// DEBUG app.db: still at DEBUG
}

// RegisterValue makes a Go value reachable from a configuration as
// "ext://name": here a buffer for a stream handler.
func ExampleRegistry_RegisterValue() {
	var buf bytes.Buffer
	reg := slogconfig.NewRegistry()
	if err := reg.RegisterValue("app.buffer", &buf); err != nil {
		fmt.Println(err)
		return
	}
	m := slogconfig.New(slogconfig.WithRegistry(reg))
	err := m.DictConfig(map[string]any{
		"version": 1,
		"handlers": map[string]any{
			"memory": map[string]any{"class": "stream", "stream": "ext://app.buffer"},
		},
		"root": map[string]any{"level": "INFO", "handlers": []any{"memory"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	m.Logger("app").Info("kept in memory", "n", 1)
	if err := m.Shutdown(); err != nil {
		fmt.Println(err)
	}
	fmt.Print(buf.String())
	// Output:
	// kept in memory n=1
}

// RegisterHandler adds a handler class a configuration may name. Its Params
// are the keys a configuration may give it; others are refused, as
// Python's constructor call refuses unknown keyword arguments. The
// configuration's level and filters are applied in front of the handler.
func ExampleRegistry_RegisterHandler() {
	reg := slogconfig.NewRegistry()
	err := reg.RegisterHandler("slogtext", slogconfig.HandlerClass{
		Params: []string{"stream"},
		New: func(c *slogconfig.HandlerConfig) (slog.Handler, io.Closer, error) {
			w, ok := c.Args["stream"].(io.Writer)
			if !ok {
				return nil, nil, errors.New("stream: want a writer")
			}
			noTime := func(groups []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey && len(groups) == 0 {
					return slog.Attr{}
				}
				return a
			}
			return slog.NewTextHandler(w, &slog.HandlerOptions{ReplaceAttr: noTime}), nil, nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	m := slogconfig.New(slogconfig.WithRegistry(reg))
	config := func(handler map[string]any) map[string]any {
		return map[string]any{
			"version":  1,
			"handlers": map[string]any{"out": handler},
			"root":     map[string]any{"level": "DEBUG", "handlers": []any{"out"}},
		}
	}
	err = m.DictConfig(config(map[string]any{"class": "slogtext", "stream": "ext://sys.stdout", "level": "INFO"}))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Shutdown()
	shop := m.Logger("shop")
	shop.Debug("dropped: the handler is INFO")
	shop.Info("order placed", "id", 7)

	err = m.DictConfig(config(map[string]any{"class": "slogtext", "stream": "ext://sys.stdout", "colour": true}))
	fmt.Println(err)
	// Output:
	// level=INFO msg="order placed" logger=shop id=7
	// handlers.out.colour: unexpected keyword argument "colour" for slogtext
}

// Tree shows what a configuration made of the loggers, in the layout of
// Python's logging_tree; a dry-run Manager shows it without opening the
// file the configuration names.
func ExampleManager_Tree() {
	m := slogconfig.New(slogconfig.WithRegistry(slogconfig.NewRegistry()), slogconfig.WithDryRun())
	m.Logger("vendor.lib") // named before the configuration: disabled by it
	err := m.DictConfig(map[string]any{
		"version":    1,
		"formatters": map[string]any{"plain": map[string]any{"format": "%(levelname)s %(name)s: %(message)s"}},
		"handlers": map[string]any{
			"console": map[string]any{"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "plain"},
			"errors":  map[string]any{"class": "file", "filename": "/var/log/app/errors.log", "level": "ERROR"},
		},
		"loggers": map[string]any{
			"app.db": map[string]any{"level": "DEBUG"},
			"jobs":   map[string]any{"handlers": []any{"errors"}, "propagate": false},
		},
		"root": map[string]any{"level": "INFO", "handlers": []any{"console"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(m.Tree())
	// Output:
	// <--""
	//    Level INFO
	//    Handler Stream <stderr>
	//      Name 'console'
	//      Formatter fmt='%(levelname)s %(name)s: %(message)s' datefmt=None
	//    |
	//    o<--[app]
	//    |   |
	//    |   o<--"app.db"
	//    |       Level DEBUG
	//    |
	//    o   "jobs"
	//    |   Level NOTSET so inherits level INFO
	//    |   Propagate OFF
	//    |   Handler File '/var/log/app/errors.log'
	//    |     Name 'errors'
	//    |     Level ERROR
	//    |
	//    o<--[vendor]
	//        |
	//        o<--"vendor.lib"
	//            Level NOTSET so inherits level INFO
	//            Disabled
}

// Explain says which handlers a record reaches, and why it does not reach
// the others.
func ExampleManager_Explain() {
	m := slogconfig.New(slogconfig.WithRegistry(slogconfig.NewRegistry()))
	err := m.DictConfig(map[string]any{
		"version": 1,
		"handlers": map[string]any{
			"console": map[string]any{"class": "stream", "stream": "ext://sys.stdout"},
			"errors":  map[string]any{"class": "stream", "stream": "ext://sys.stdout", "level": "ERROR"},
		},
		"loggers": map[string]any{
			"app":    map[string]any{"level": "INFO", "handlers": []any{"errors"}},
			"app.db": map[string]any{"propagate": false, "handlers": []any{"console"}},
		},
		"root": map[string]any{"handlers": []any{"console"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Shutdown()
	fmt.Print(m.Explain("app.http", slog.LevelWarn))
	fmt.Println(m.Explain("app.db", slog.LevelDebug).Detail)
	// Output:
	// record WARNING on logger "app.http"
	// logger "app.http" does not exist yet: explained as Logger would create it, with no level, filter or handler of its own
	// logger "app.http": level NOTSET, effective level INFO: the record passes
	// handlers, in the order the record meets them:
	//   not reached  errors (stream) on logger "app": the handler's level ERROR is above WARNING
	//   reached      console (stream) on root
	// reaches: console
	// the record's level DEBUG is below the logger's effective level INFO
}
