package handlers_test

import (
	"fmt"
	"log/slog"
	"os"

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
