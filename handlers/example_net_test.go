package handlers_test

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"

	ogórek "github.com/kisielk/og-rek"

	"github.com/slogtree/slogtree/handlers"
)

// A SocketHandler sends each record as CPython's SocketHandler does; here
// a Go receiver reads the length and the pickle, as the receiver of
// Python's logging cookbook does before logging.makeLogRecord.
func ExampleNewSocketHandler() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ln.Close()
	got := make(chan map[any]any)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		var n uint32
		if binary.Read(r, binary.BigEndian, &n) != nil {
			return
		}
		v, _ := ogórek.NewDecoderWithConfig(io.LimitReader(r, int64(n)), &ogórek.DecoderConfig{StrictUnicode: true}).Decode()
		d, _ := v.(map[any]any)
		got <- d
	}()

	h, err := handlers.NewSocketHandler("tcp", ln.Addr().String(), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer h.Close()
	slog.New(h.WithLoggerName("app.db")).Warn("slow query", "ms", 250, "name", "users")

	d := <-got
	for _, k := range []string{"name", "levelname", "levelno", "msg", "args", "ms", "name_"} {
		fmt.Printf("%s: %#v\n", k, d[k])
	}
	// Output:
	// name: "app.db"
	// levelname: "WARNING"
	// levelno: 30
	// msg: "slow query"
	// args: ogórek.None{}
	// ms: 250
	// name_: "users"
}

// An HTTPHandler posts each record as CPython's HTTPHandler does: the
// fields of Python's LogRecord, then the attributes, urlencoded.
func ExampleNewHTTPHandler() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		fmt.Println(r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		for _, k := range []string{"name", "msg", "args", "levelname", "threadName", "user", "exc_info"} {
			fmt.Printf("%s=%s\n", k, r.PostForm.Get(k))
		}
	}))
	defer srv.Close()

	h, err := handlers.NewHTTPHandler(srv.Listener.Addr().String(), "/log", &handlers.HTTPOptions{Method: "POST"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer h.Close()
	slog.New(h.WithLoggerName("app.web")).Info("logged in", "user", "bob")
	// Output:
	// POST /log application/x-www-form-urlencoded
	// name=app.web
	// msg=logged in
	// args=()
	// levelname=INFO
	// threadName=MainThread
	// user=bob
	// exc_info=None
}
