package otlp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	sdklog "go.opentelemetry.io/otel/sdk/log"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// newExporter makes the OTLP exporter of s. It connects to nothing: both
// exporters connect on the first export. For OTLP/HTTP it also returns the
// transport, which the handler closes with the exporter.
func newExporter(s *settings) (sdklog.Exporter, *http.Transport, error) {
	ctx := context.Background()
	tlsConfig, err := tlsFromEnv()
	if err != nil {
		return nil, nil, err
	}
	if s.protocol == ProtocolGRPC {
		// The credentials are given, so that the exporter does not use the
		// environment's certificates over a plaintext endpoint.
		creds := insecure.NewCredentials()
		if !s.plaintext {
			creds = credentials.NewTLS(tlsConfig)
		}
		opts := []otlploggrpc.Option{otlploggrpc.WithTLSCredentials(creds)}
		if s.endpoint != "" {
			opts = append(opts, otlploggrpc.WithEndpointURL(s.endpoint))
		}
		if s.insecure {
			opts = append(opts, otlploggrpc.WithInsecure())
		}
		if s.headers != nil {
			opts = append(opts, otlploggrpc.WithHeaders(s.headers))
		}
		opts = append(opts, otlploggrpc.WithTimeout(s.timeout), otlploggrpc.WithCompressor(string(s.compression)))
		exp, err := otlploggrpc.New(ctx, opts...)
		if err != nil {
			return nil, nil, fmt.Errorf("otlp: %w", err)
		}
		return exp, nil, nil
	}

	// The exporter's own transport is shared by every exporter of the
	// process and keeps idle connections open after Shutdown: this one is
	// the handler's, and closed with it. Its TLS settings are those the
	// exporter would read from the environment.
	tr := &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   30 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		TLSClientConfig:       tlsConfig,
	}
	// The client takes precedence over the exporter's timeout and TLS
	// settings; they are given too, so that it does not read their
	// variables again.
	opts := []otlploghttp.Option{
		otlploghttp.WithHTTPClient(&http.Client{Transport: tr, Timeout: s.timeout}),
		otlploghttp.WithTimeout(s.timeout),
	}
	if tlsConfig != nil {
		opts = append(opts, otlploghttp.WithTLSClientConfig(tlsConfig))
	}
	if s.endpoint != "" {
		opts = append(opts, otlploghttp.WithEndpointURL(s.endpoint))
	}
	if s.insecure {
		opts = append(opts, otlploghttp.WithInsecure())
	}
	if s.headers != nil {
		opts = append(opts, otlploghttp.WithHeaders(s.headers))
	}
	if s.compression == CompressionGzip {
		opts = append(opts, otlploghttp.WithCompression(otlploghttp.GzipCompression))
	} else {
		opts = append(opts, otlploghttp.WithCompression(otlploghttp.NoCompression))
	}
	exp, err := otlploghttp.New(ctx, opts...)
	if err != nil {
		tr.CloseIdleConnections()
		return nil, nil, fmt.Errorf("otlp: %w", err)
	}
	return exp, tr, nil
}

// tlsFromEnv reads the certificates OTEL_EXPORTER_OTLP_[LOGS_]CERTIFICATE
// (the receiver's CA) and OTEL_EXPORTER_OTLP_[LOGS_]CLIENT_CERTIFICATE and
// _CLIENT_KEY (the client's), as the OTLP/HTTP exporter would, except that
// a file that cannot be read is an error rather than a warning on
// OpenTelemetry's global error handler. It returns nil when none is set.
func tlsFromEnv() (*tls.Config, error) {
	var cfg *tls.Config
	if name, path := firstEnv(envLogsCertificate, envCertificate); name != "" {
		pem, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("otlp: %s: %w", name, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("otlp: %s: no PEM certificate in %q", name, path)
		}
		cfg = &tls.Config{RootCAs: pool}
	}
	for _, pair := range [][2]string{{envLogsClientCert, envLogsClientKey}, {envClientCert, envClientKey}} {
		certFile, keyFile := os.Getenv(pair[0]), os.Getenv(pair[1])
		if certFile == "" || keyFile == "" {
			continue
		}
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("otlp: %s, %s: %w", pair[0], pair[1], err)
		}
		if cfg == nil {
			cfg = &tls.Config{}
		}
		cfg.Certificates = []tls.Certificate{cert}
		break
	}
	return cfg, nil
}
