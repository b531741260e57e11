package otlp

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// The environment variables a Handler reads for the fields left zero.
const (
	envProtocol          = "OTEL_EXPORTER_OTLP_PROTOCOL"
	envLogsProtocol      = "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL"
	envEndpoint          = "OTEL_EXPORTER_OTLP_ENDPOINT"
	envLogsEndpoint      = "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"
	envHeaders           = "OTEL_EXPORTER_OTLP_HEADERS"
	envLogsHeaders       = "OTEL_EXPORTER_OTLP_LOGS_HEADERS"
	envTimeout           = "OTEL_EXPORTER_OTLP_TIMEOUT"
	envLogsTimeout       = "OTEL_EXPORTER_OTLP_LOGS_TIMEOUT"
	envCompression       = "OTEL_EXPORTER_OTLP_COMPRESSION"
	envLogsCompression   = "OTEL_EXPORTER_OTLP_LOGS_COMPRESSION"
	envCertificate       = "OTEL_EXPORTER_OTLP_CERTIFICATE"
	envLogsCertificate   = "OTEL_EXPORTER_OTLP_LOGS_CERTIFICATE"
	envClientCert        = "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"
	envLogsClientCert    = "OTEL_EXPORTER_OTLP_LOGS_CLIENT_CERTIFICATE"
	envClientKey         = "OTEL_EXPORTER_OTLP_CLIENT_KEY"
	envLogsClientKey     = "OTEL_EXPORTER_OTLP_LOGS_CLIENT_KEY"
	envMaxQueueSize      = "OTEL_BLRP_MAX_QUEUE_SIZE"
	envMaxBatchSize      = "OTEL_BLRP_MAX_EXPORT_BATCH_SIZE"
	envScheduleDelay     = "OTEL_BLRP_SCHEDULE_DELAY"
	envExportTimeout     = "OTEL_BLRP_EXPORT_TIMEOUT"
	envResourceAttrs     = "OTEL_RESOURCE_ATTRIBUTES"
	envServiceName       = "OTEL_SERVICE_NAME"
	urlExample           = `"http://localhost:4318"`
	durationExample      = `"10s" or "500ms"`
	millisecondsExpected = "want a positive integer number of milliseconds"
)

// settings are the Options resolved against the environment and the
// defaults: what the handler is built with.
type settings struct {
	protocol Protocol
	// endpoint is the URL given to the exporter, or "" when the exporter
	// reads it from OTEL_EXPORTER_OTLP_[LOGS_]ENDPOINT itself (its rules
	// for the path and for insecure are the specification's).
	endpoint string
	// plaintext: Insecure, or the endpoint's scheme is http.
	plaintext    bool
	headers      map[string]string
	insecure     bool
	timeout      time.Duration
	compression  Compression
	queueSize    int
	batchSize    int
	interval     time.Duration
	closeTimeout time.Duration
}

// problem is one bad setting: the configuration key it belongs to ("" for
// the handler as a whole) and what is wrong with it.
type problem struct {
	key string
	err error
}

type problems []problem

func (p *problems) add(key, format string, args ...any) {
	*p = append(*p, problem{key: key, err: fmt.Errorf(format, args...)})
}

// fields are the Options fields of the configuration keys, for the errors
// of NewHandler.
var fields = map[string]string{
	"protocol": "Protocol", "endpoint": "Endpoint", "headers": "Headers", "insecure": "Insecure",
	"timeout": "Timeout", "compression": "Compression", "queueSize": "MaxQueueSize",
	"batchSize": "MaxBatchSize", "batchInterval": "BatchInterval", "resource": "Resource",
	"closeTimeout": "CloseTimeout", "addSource": "AddSource",
}

// goError is the error NewHandler returns for p: each problem named by its
// Options field.
func (p problems) goError() error {
	errs := make([]error, len(p))
	for i, q := range p {
		key, rest, _ := strings.Cut(q.key, ".")
		name := fields[key]
		switch {
		case q.key == "":
			errs[i] = fmt.Errorf("otlp: %w", q.err)
		case rest != "":
			errs[i] = fmt.Errorf("otlp: Options.%s[%q]: %w", name, rest, q.err)
		default:
			errs[i] = fmt.Errorf("otlp: Options.%s: %w", name, q.err)
		}
	}
	return errors.Join(errs...)
}

// firstEnv returns the first of the variables that is set to something,
// and its value; the exporters and the SDK read them in the same order.
func firstEnv(names ...string) (name, value string) {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return n, v
		}
	}
	return "", ""
}

// resolve checks o and completes it from the environment and the defaults.
// It reads environment variables and nothing else: no file, no network.
func resolve(o *Options) (*settings, problems) {
	var p problems
	s := &settings{
		insecure:     o.Insecure,
		closeTimeout: o.CloseTimeout,
	}
	if o.Exporter == nil {
		s.protocol = resolveProtocol(o.Protocol, &p)
		var scheme string
		s.endpoint, scheme = resolveEndpoint(o.Endpoint, s.protocol, &p)
		s.plaintext = o.Insecure || scheme == "http"
		s.headers = resolveHeaders(o.Headers, &p)
		s.timeout = resolveDuration("timeout", o.Timeout, DefaultTimeout, &p, envLogsTimeout, envTimeout)
		s.compression = resolveCompression(o.Compression, &p)
	}
	s.queueSize = resolveCount("queueSize", o.MaxQueueSize, DefaultMaxQueueSize, &p, envMaxQueueSize)
	s.batchSize = min(resolveCount("batchSize", o.MaxBatchSize, DefaultMaxBatchSize, &p, envMaxBatchSize), s.queueSize)
	s.interval = resolveDuration("batchInterval", o.BatchInterval, DefaultBatchInterval, &p, envScheduleDelay)
	if v := os.Getenv(envExportTimeout); v != "" {
		if _, ok := positiveInt(v); !ok {
			p.add("", "%s: %s, got %q", envExportTimeout, millisecondsExpected, v)
		}
	}
	switch {
	case o.CloseTimeout < 0:
		p.add("closeTimeout", "want a positive duration, got %v", o.CloseTimeout)
	case o.CloseTimeout == 0:
		s.closeTimeout = DefaultCloseTimeout
	}
	checkResource(o, &p)
	return s, p
}

func resolveProtocol(given Protocol, p *problems) Protocol {
	proto, from := given, ""
	if proto == "" {
		name, v := firstEnv(envLogsProtocol, envProtocol)
		if name == "" {
			return ProtocolHTTP
		}
		proto, from = Protocol(v), name+": "
	}
	switch proto {
	case ProtocolHTTP, ProtocolGRPC:
	case "http/json":
		p.add("protocol", "%shttp/json is not supported by the Go exporters: want %q or %q", from, ProtocolHTTP, ProtocolGRPC)
	default:
		p.add("protocol", "%swant %q or %q, got %q", from, ProtocolHTTP, ProtocolGRPC, string(proto))
	}
	return proto
}

// resolveEndpoint returns the URL to give the exporter: the given one (for
// HTTP with /v1/logs when it has no path), "" when the environment has one
// (the exporter reads it), else the default; and the scheme of the URL the
// exporter will use.
func resolveEndpoint(given string, proto Protocol, p *problems) (endpoint, scheme string) {
	if given == "" {
		name, v := firstEnv(envLogsEndpoint, envEndpoint)
		if name != "" {
			u, err := parseEndpoint(v)
			if err != nil {
				p.add("endpoint", "%s: %v", name, err)
				return "", ""
			}
			return "", u.Scheme
		}
		given = defaultHTTPEndpoint
		if proto == ProtocolGRPC {
			given = defaultGRPCEndpoint
		}
	}
	u, err := parseEndpoint(given)
	if err != nil {
		p.add("endpoint", "%v", err)
		return "", ""
	}
	if proto != ProtocolGRPC && (u.Path == "" || u.Path == "/") {
		u.Path = defaultHTTPPath
	}
	return u.String(), u.Scheme
}

func parseEndpoint(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("want a URL with scheme http or https, such as %s, got %q", urlExample, s)
	}
	return u, nil
}

func resolveHeaders(given map[string]string, p *problems) map[string]string {
	if given != nil {
		for k, v := range given {
			if err := checkHeader(k, v); err != nil {
				p.add("headers."+k, "%v", err)
			}
		}
		return given
	}
	name, v := firstEnv(envLogsHeaders, envHeaders)
	if name == "" {
		return nil
	}
	h, err := parseHeaders(v)
	if err != nil {
		p.add("headers", "%s: %v", name, err)
	}
	return h
}

// parseHeaders reads "key1=value1,key2=value2" with URL-encoded values, as
// the exporters read OTEL_EXPORTER_OTLP_HEADERS.
func parseHeaders(s string) (map[string]string, error) {
	out := map[string]string{}
	var errs []error
	for item := range strings.SplitSeq(s, ",") {
		rawKey, rawValue, found := strings.Cut(item, "=")
		if !found {
			errs = append(errs, fmt.Errorf("want key=value, got %q", item))
			continue
		}
		key := strings.TrimSpace(rawKey)
		value, err := url.PathUnescape(rawValue)
		if err != nil {
			errs = append(errs, fmt.Errorf("value of %q: %v", key, err))
			continue
		}
		value = strings.TrimSpace(value)
		if err := checkHeader(key, value); err != nil {
			errs = append(errs, err)
			continue
		}
		out[key] = value
	}
	return out, errors.Join(errs...)
}

// checkHeader refuses a header that no HTTP request can carry.
func checkHeader(key, value string) error {
	if key == "" || strings.IndexFunc(key, func(r rune) bool { return !isTokenChar(r) }) >= 0 {
		return fmt.Errorf("header name %q is not an HTTP token", key)
	}
	for _, r := range value {
		if (r < ' ' && r != '\t') || r == 0x7f {
			return fmt.Errorf("header %q: value has a control character", key)
		}
	}
	return nil
}

// isTokenChar reports whether r may appear in an HTTP token (RFC 9110).
func isTokenChar(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	}
	return strings.ContainsRune("!#$%&'*+-.^_`|~", r)
}

func resolveCompression(given Compression, p *problems) Compression {
	c, from := given, ""
	if c == "" {
		name, v := firstEnv(envLogsCompression, envCompression)
		if name == "" {
			return CompressionNone
		}
		c, from = Compression(v), name+": "
	}
	if c != CompressionNone && c != CompressionGzip {
		p.add("compression", "%swant %q or %q, got %q", from, CompressionGzip, CompressionNone, string(c))
		return CompressionNone
	}
	return c
}

// resolveDuration returns the given duration, or the first of the
// variables (in milliseconds), or def.
func resolveDuration(key string, given, def time.Duration, p *problems, vars ...string) time.Duration {
	if given < 0 {
		p.add(key, "want a positive duration, got %v", given)
		return def
	}
	if given > 0 {
		return given
	}
	name, v := firstEnv(vars...)
	if name == "" {
		return def
	}
	ms, ok := positiveInt(v)
	if !ok {
		p.add(key, "%s: %s, got %q", name, millisecondsExpected, v)
		return def
	}
	return time.Duration(ms) * time.Millisecond
}

// resolveCount returns the given count, or the variable's, or def.
func resolveCount(key string, given, def int, p *problems, env string) int {
	if given < 0 {
		p.add(key, "want an integer >= 1, got %d", given)
		return def
	}
	if given > 0 {
		return given
	}
	v := os.Getenv(env)
	if v == "" {
		return def
	}
	n, ok := positiveInt(v)
	if !ok {
		p.add(key, "%s: want an integer >= 1, got %q", env, v)
		return def
	}
	return n
}

func positiveInt(s string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil && n > 0
}
