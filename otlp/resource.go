package otlp

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
)

// serviceNameKey is the resource attribute that names the service.
const serviceNameKey = attribute.Key("service.name")

// checkResource refuses resource attributes the SDK would drop, given or
// in OTEL_RESOURCE_ATTRIBUTES.
func checkResource(o *Options, p *problems) {
	for _, kv := range o.Resource {
		switch {
		case kv.Key == "":
			p.add("resource", "an attribute has an empty key")
		case !kv.Valid():
			p.add("resource."+string(kv.Key), "invalid attribute value")
		}
	}
	if v := strings.TrimSpace(os.Getenv(envResourceAttrs)); v != "" {
		for item := range strings.SplitSeq(v, ",") {
			k, val, found := strings.Cut(item, "=")
			switch {
			case !found:
				p.add("resource", "%s: want key=value, got %q", envResourceAttrs, item)
			case strings.TrimSpace(k) == "":
				p.add("resource", "%s: empty key in %q", envResourceAttrs, item)
			default:
				if _, err := url.PathUnescape(strings.TrimSpace(val)); err != nil {
					p.add("resource", "%s: value of %q: %v", envResourceAttrs, strings.TrimSpace(k), err)
				}
			}
		}
	}
}

// newResource returns the resource of the records: the SDK's
// telemetry.sdk attributes and service.name "unknown_service:PROGRAM",
// under OTEL_RESOURCE_ATTRIBUTES, under OTEL_SERVICE_NAME, under attrs.
// Unlike the SDK's resource.Default, it reads the environment each time,
// so a new configuration sees the environment as it is then.
func newResource(attrs []attribute.KeyValue) (*resource.Resource, error) {
	res, err := resource.New(context.Background(),
		resource.WithTelemetrySDK(),
		resource.WithDetectors(resource.StringDetector("", serviceNameKey, defaultServiceName)),
		resource.WithFromEnv(),
		resource.WithAttributes(attrs...),
	)
	if err != nil {
		return nil, fmt.Errorf("otlp: resource: %w", err)
	}
	return res, nil
}

// defaultServiceName is the specification's service.name for a service
// that gives none.
func defaultServiceName() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "unknown_service:go", nil
	}
	return "unknown_service:" + filepath.Base(exe), nil
}
