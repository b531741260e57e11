// Command hotswap logs a few records a second and takes new logging
// configurations over a socket while it runs: send it debug-db.json to see
// app.db's debug records, or quiet.ini to keep only warnings. See README.md.
package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"time"

	"github.com/slogtree/slogtree/slogconfig"
)

//go:embed logging.json
var initial []byte

func main() {
	addr := flag.String("addr", slogconfig.DefaultListenAddr, "listen for configurations on `host:port`")
	every := flag.Duration("every", time.Second, "log this often")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, *addr, *every, nil); err != nil {
		log.Fatal(err)
	}
}

// run configures logging from logging.json, with its output on out,
// listens for new configurations on addr, and logs every interval until ctx
// ends. ready, when not nil, is called with the listener's address.
func run(ctx context.Context, out io.Writer, addr string, every time.Duration, ready func(net.Addr)) (err error) {
	// The configuration writes to ext://hotswap.out (and the INI files to
	// hotswap.out): out, registered under that name.
	reg := slogconfig.NewRegistry()
	if err := reg.RegisterValue("hotswap.out", out); err != nil {
		return err
	}
	m := slogconfig.New(slogconfig.WithRegistry(reg))
	defer func() { err = errors.Join(err, m.Shutdown()) }()
	var cfg map[string]any
	if err := json.Unmarshal(initial, &cfg); err != nil {
		return err
	}
	if err := m.DictConfig(cfg); err != nil {
		return err
	}

	l, err := m.Listen(addr)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, l.Close()) }()
	fmt.Fprintf(out, "listening for configurations on %s\n", l.Addr())
	if ready != nil {
		ready(l.Addr())
	}

	app, db := m.Logger("app"), m.Logger("app.db")
	tick := time.NewTicker(every)
	defer tick.Stop()
	for n := 1; ; n++ {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		db.Debug("query", "n", n, "rows", n%7)
		app.Info("tick", "n", n)
		if n%5 == 0 {
			app.Warn("every fifth tick", "n", n)
		}
	}
}
