package filters_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/slogtree/slogtree/filters"
	"github.com/slogtree/slogtree/handlers"
)

// noTime drops the time, for outputs compared whole.
func noTime(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

// newLogger returns a logger called name over a text handler writing to
// buf, behind fs.
func newLogger(buf *bytes.Buffer, name string, fs ...filters.Filter) (*slog.Logger, *handlers.Handler) {
	h := handlers.New(slog.NewTextHandler(buf, &slog.HandlerOptions{ReplaceAttr: noTime}), &handlers.Options{Filters: fs})
	return slog.New(h.WithLoggerName(name)), h
}

// Attributes bound with With and groups opened with WithGroup do not
// reach filters: they go to the handler's WithAttrs and WithGroup.
func TestAttrSeesTheRecordOnly(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger, _ := newLogger(&buf, "app", filters.AttrEquals("user", "alice"))
	logger.Info("call", "user", "alice")
	logger.With("user", "alice").Info("bound")
	logger.WithGroup("req").Info("grouped", "user", "alice") // the filter sees "user", not "req.user"
	want := "level=INFO msg=call logger=app user=alice\nlevel=INFO msg=grouped logger=app req.user=alice\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

type reqKey struct{}

// The context filter reads the context of slog.InfoContext.
func TestContextThroughSlog(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger, _ := newLogger(&buf, "app", filters.NewContext(func(ctx context.Context) []slog.Attr {
		if id, ok := ctx.Value(reqKey{}).(string); ok {
			return []slog.Attr{slog.String("request_id", id)}
		}
		return nil
	}, nil))
	ctx := context.WithValue(context.Background(), reqKey{}, "r-7")
	logger.InfoContext(ctx, "handled", "status", 200)
	logger.Info("no context")
	want := "level=INFO msg=handled logger=app status=200 request_id=r-7\nlevel=INFO msg=\"no context\" logger=app\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// A sampler given to handlers.New as a closer reports what is left when
// the handler is closed.
func TestSamplerClosedWithHandler(t *testing.T) {
	t.Parallel()
	var reports []string
	s := filters.NewSampler(time.Hour, 1, 0, &filters.SamplerOptions{Name: "s", OnDrop: func(err error) {
		reports = append(reports, err.Error())
	}})
	var buf bytes.Buffer
	h := handlers.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: noTime}), &handlers.Options{Filters: []filters.Filter{s}}, s)
	logger := slog.New(h)
	for range 5 {
		logger.Info("again")
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(buf.String(), "\n"); got != 1 {
		t.Errorf("%d records written, want 1", got)
	}
	if want := `filter "s": sampling dropped 4 records (4 in all)`; len(reports) != 1 || reports[0] != want {
		t.Errorf("reported %q, want [%q]", reports, want)
	}
}
