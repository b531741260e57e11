// Command operator is a service as operators run it: its logging comes
// from logging.yaml, applied again whenever the file changes, and the
// levels of its loggers can be changed for a while over HTTP, on a
// loopback port, with a bearer token. See README.md.
//
//	cd examples/operator && go run .
//
// The token is $OPERATOR_TOKEN, or a new one printed on standard error
// when that is empty.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/slogtree/slogtree/slogconfig"
)

func main() {
	config := flag.String("config", "logging.yaml", "the logging configuration `file`, watched")
	addr := flag.String("addr", "127.0.0.1:8081", "serve the admin endpoint on `host:port`, a loopback address")
	every := flag.Duration("every", time.Second, "log this often")
	flag.Parse()
	token := os.Getenv("OPERATOR_TOKEN")
	if token == "" {
		b := make([]byte, 16)
		if _, err := rand.Read(b); err != nil {
			log.Fatal(err)
		}
		token = hex.EncodeToString(b)
		fmt.Fprintf(os.Stderr, "export OPERATOR_TOKEN=%s\n", token)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Stdout, *config, *addr, token, *every, nil); err != nil {
		log.Fatal(err)
	}
}

// run applies the configuration file config, and applies it again
// whenever it changes; serves the admin endpoint on addr (a loopback
// address) to clients with token; and logs every interval until ctx
// ends. It says where the endpoint is on out; ready, when not nil, is
// called with the endpoint's URL.
func run(ctx context.Context, out io.Writer, config, addr, token string, every time.Duration, ready func(url string)) (err error) {
	if err := checkLoopback(addr); err != nil {
		return err
	}
	m := slogconfig.New()
	defer func() { err = errors.Join(err, m.Shutdown()) }()

	// Watch applies the file before it returns: no Load needed.
	w, err := m.Watch(config)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, w.Close()) }() // before Shutdown

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	admin := m.AdminHandler(slogconfig.AdminBearerToken(token))
	mux := http.NewServeMux()
	mux.Handle("/loggers", admin)
	mux.Handle("/loggers/", admin)
	mux.Handle("/level", admin)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	var serveErr error
	served := make(chan struct{})
	go func() {
		defer close(served)
		serveErr = srv.Serve(ln)
	}()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = errors.Join(err, srv.Shutdown(sctx))
		<-served
		if !errors.Is(serveErr, http.ErrServerClosed) {
			err = errors.Join(err, serveErr)
		}
	}()
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(out, "admin endpoint on %s; watching %s\n", url, config)
	if ready != nil {
		ready(url)
	}

	app, db, api := m.Logger("app"), m.Logger("app.db"), m.Logger("app.http")
	tick := time.NewTicker(every)
	defer tick.Stop()
	for n := 1; ; n++ {
		select {
		case <-ctx.Done():
			return nil
		case <-served:
			return nil // the deferred function returns why
		case <-tick.C:
		}
		db.Debug("query", "n", n, "rows", n%7)
		api.Info("request", "n", n, "path", "/orders", "status", 200)
		app.Info("tick", "n", n)
		if n%5 == 0 {
			db.Warn("slow query", "n", n, "ms", 250)
		}
	}
}

// checkLoopback refuses an address that is not on loopback: the endpoint
// changes the program's logging, so that it is for the host's operators.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("the admin endpoint serves loopback only, not %q", host)
	}
	return nil
}
