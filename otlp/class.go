package otlp

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdklog "go.opentelemetry.io/otel/sdk/log"

	"github.com/slogtree/slogtree/slogconfig"
)

// ClassName is the handler class this package registers.
const ClassName = "otlp"

func init() {
	if err := Register(slogconfig.DefaultRegistry); err != nil {
		panic(err)
	}
}

// Register adds the handler class otlp to r. Importing the package
// registers it in [slogconfig.DefaultRegistry]; a program that makes its
// own Registry calls Register on it.
func Register(r *slogconfig.Registry) error {
	return r.RegisterHandler(ClassName, handlerClass(nil))
}

// params are the keys of the class, each an [Options] field.
var params = []string{
	"endpoint", "protocol", "headers", "insecure", "timeout", "compression",
	"batchSize", "batchInterval", "queueSize", "resource", "addSource", "closeTimeout",
}

// handlerClass is the otlp class; newExporter, when not nil, makes the
// exporter instead of OTLP (for tests and benchmarks).
func handlerClass(newExporter func() sdklog.Exporter) slogconfig.HandlerClass {
	return slogconfig.HandlerClass{
		Params: params,
		Check: func(c *slogconfig.HandlerConfig) error {
			if c.Formatter != nil {
				c.Warn("formatter is not used: an OTLP record carries the message and the attributes, not text")
			}
			_, err := configOptions(c)
			return err
		},
		New: func(c *slogconfig.HandlerConfig) (slog.Handler, io.Closer, error) {
			o, err := configOptions(c)
			if err != nil {
				return nil, nil, err
			}
			o.OnError = func(err error) { c.ReportError(fmt.Errorf("handler %q: %w", c.ID, err)) }
			if newExporter != nil {
				o.Exporter = newExporter()
			}
			h, err := NewHandler(o)
			if err != nil {
				return nil, nil, err
			}
			return h, h, nil
		},
	}
}

// configOptions reads the Options of a configuration's handler entry and
// checks them against the environment, without opening anything. The
// error is a [*slogconfig.ConfigError] naming every problem by its key.
func configOptions(c *slogconfig.HandlerConfig) (*Options, error) {
	a := args{c: c, failed: map[string]bool{}}
	o := &Options{
		Endpoint:      a.str("endpoint"),
		Protocol:      Protocol(a.str("protocol")),
		Headers:       a.headers(),
		Insecure:      a.boolean("insecure"),
		Timeout:       a.duration("timeout"),
		Compression:   Compression(a.str("compression")),
		MaxBatchSize:  a.count("batchSize"),
		BatchInterval: a.duration("batchInterval"),
		MaxQueueSize:  a.count("queueSize"),
		Resource:      a.resource(),
		AddSource:     a.boolean("addSource"),
		CloseTimeout:  a.duration("closeTimeout"),
	}
	_, probs := resolve(o)
	for _, p := range probs {
		top, _, _ := strings.Cut(p.key, ".")
		if !a.failed[p.key] && !a.failed[top] {
			a.fail(p.key, p.err)
		}
	}
	if len(a.errs) > 0 {
		// In the order of the keys: the handler's own problems first.
		rank := func(e *slogconfig.PathError) int {
			top, _, _ := strings.Cut(e.Path, ".")
			return slices.Index(params, top)
		}
		slices.SortStableFunc(a.errs, func(x, y *slogconfig.PathError) int { return cmp.Compare(rank(x), rank(y)) })
		return nil, &slogconfig.ConfigError{Problems: a.errs}
	}
	return o, nil
}

// args reads a handler entry's keys, collecting every problem.
type args struct {
	c      *slogconfig.HandlerConfig
	errs   []*slogconfig.PathError
	failed map[string]bool // keys with a problem ("headers", "headers.X-Key")
}

func (a *args) fail(key string, err error) {
	a.failed[key] = true
	a.errs = append(a.errs, &slogconfig.PathError{Path: key, Err: err})
}

// add records the error of a HandlerConfig helper at its key.
func (a *args) add(err error) {
	var ae *slogconfig.ArgError
	if errors.As(err, &ae) {
		a.fail(ae.Key, ae.Err)
	} else if err != nil {
		a.fail("", err)
	}
}

func (a *args) str(key string) string {
	s, err := a.c.String(key, "")
	a.add(err)
	return s
}

func (a *args) boolean(key string) bool {
	b, err := a.c.Bool(key, false)
	a.add(err)
	return b
}

// count reads a number of records: absent is 0 (the default), given it
// must be at least 1.
func (a *args) count(key string) int {
	n, err := a.c.Int(key, 0)
	if err != nil {
		a.add(err)
		return 0
	}
	if v, ok := a.c.Args[key]; ok && v != nil && n < 1 {
		a.fail(key, fmt.Errorf("want an integer >= 1, got %d", n))
		return 0
	}
	return n
}

// duration reads a duration with its unit ("10s", "500ms").
func (a *args) duration(key string) time.Duration {
	v, ok := a.c.Args[key]
	if !ok || v == nil {
		return 0
	}
	s, isStr := v.(string)
	d, err := time.ParseDuration(s)
	if !isStr || err != nil || d <= 0 {
		a.fail(key, fmt.Errorf("want a positive duration such as %s, got %s", durationExample, describe(v)))
		return 0
	}
	return d
}

// mapping reads a mapping, nil when absent.
func (a *args) mapping(key string) map[string]any {
	v, ok := a.c.Args[key]
	if !ok || v == nil {
		return nil
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		a.fail(key, fmt.Errorf("want a mapping, got %s", describe(v)))
		return nil
	}
	return m
}

func (a *args) headers() map[string]string {
	m := a.mapping("headers")
	if m == nil {
		return nil
	}
	h := make(map[string]string, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		s, ok := m[k].(string)
		if !ok {
			a.fail("headers."+k, fmt.Errorf("want a string, got %s", describe(m[k])))
			continue
		}
		h[k] = s
	}
	return h
}

func (a *args) resource() []attribute.KeyValue {
	m := a.mapping("resource")
	if m == nil {
		return nil
	}
	kvs := make([]attribute.KeyValue, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		key := attribute.Key(k)
		switch v := m[k].(type) {
		case string:
			kvs = append(kvs, key.String(v))
		case bool:
			kvs = append(kvs, key.Bool(v))
		case int:
			kvs = append(kvs, key.Int(v))
		case int64:
			kvs = append(kvs, key.Int64(v))
		case uint64:
			if v > math.MaxInt64 {
				a.fail("resource."+k, fmt.Errorf("want at most %d, got %d", int64(math.MaxInt64), v))
				continue
			}
			kvs = append(kvs, key.Int64(int64(v)))
		case float64:
			if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
				kvs = append(kvs, key.Int64(int64(v))) // a JSON number that is an integer
			} else {
				kvs = append(kvs, key.Float64(v))
			}
		default:
			a.fail("resource."+k, fmt.Errorf("want a string, a number or a boolean, got %s", describe(v)))
		}
	}
	return kvs
}

// describe renders a configuration value for an error message, as
// slogconfig's errors do.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("%q", v)
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	}
	return fmt.Sprint(v)
}
