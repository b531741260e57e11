package formatters_test

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/slogtree/slogtree/formatters"
)

// The pattern formatter is Python's logging.Formatter. Attributes the
// format names are rendered in place; the others follow the message as
// key=value, groups flattened.
func ExampleNewPattern() {
	p, err := formatters.NewPattern(&formatters.PatternOptions{
		Format: "%(levelname)-8s %(name)s [%(user)s]: %(message)s",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	h := formatters.WithLoggerName(p.NewHandler(os.Stdout), "app.db")
	slog.New(h).Warn("slow query", "user", "ann", "ms", 250, slog.Group("req", "id", 7))

	// Formats are checked as Python checks them.
	_, err = formatters.NewPattern(&formatters.PatternOptions{Format: "hello"})
	fmt.Println(err)
	// Output:
	// WARNING  app.db [ann]: slow query ms=250 req.id=7
	// Invalid format 'hello' for '%' style
}
