package handlers_test

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/slogtree/slogtree/filters"
	"github.com/slogtree/slogtree/formatters"
	"github.com/slogtree/slogtree/handlers"
)

// A stream handler without any configuration: Python's StreamHandler with
// a formatter, a level and a filter, as a plain slog.Handler.
func ExampleNewStreamHandler() {
	f, err := formatters.NewPattern(&formatters.PatternOptions{Format: "%(levelname)s %(name)s: %(message)s"})
	if err != nil {
		fmt.Println(err)
		return
	}
	h := handlers.NewStreamHandler(os.Stdout, f, nil, &handlers.Options{
		Level:   slog.LevelInfo,
		Filters: []filters.Filter{filters.Name("app")}, // app and its descendants
	})
	defer h.Close()

	db := slog.New(h.WithLoggerName("app.db"))
	db.Debug("dropped: below the handler's level")
	db.Info("connected", "host", "db1")
	slog.New(h.WithLoggerName("vendor")).Info("dropped by the filter")
	// Output:
	// INFO app.db: connected host=db1
}

// An Opener opens the sinks of a configuration that may still be refused:
// aborted, it leaves the file as it was; committed, mode "w" truncates it.
func ExampleOpener() {
	dir, err := os.MkdirTemp("", "opener")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "app.log")
	if err := os.WriteFile(path, []byte("yesterday\n"), 0o644); err != nil {
		fmt.Println(err)
		return
	}
	show := func(when string) {
		data, _ := os.ReadFile(path)
		fmt.Printf("%s: %q\n", when, data)
	}

	refused := handlers.NewOpener()
	if _, err := refused.OpenFile(path, &handlers.FileOptions{Mode: "w"}); err != nil {
		fmt.Println(err)
		return
	}
	// ... another part of the configuration fails:
	_ = refused.Abort()
	show("aborted")

	o := handlers.NewOpener()
	defer o.Abort() // does nothing once committed
	f, err := o.OpenFile(path, &handlers.FileOptions{Mode: "w"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	show("opened")
	if err := o.Commit(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Fprintln(f, "today")
	show("committed")
	// Output:
	// aborted: "yesterday\n"
	// opened: "yesterday\n"
	// committed: "today\n"
}
