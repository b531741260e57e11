package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slogtree/slogtree/formatters"
	"github.com/slogtree/slogtree/internal/pyformat"
)

// pickleHandler is a SocketHandler or a DatagramHandler.
type pickleHandler interface {
	slog.Handler
	formatters.LoggerNamer
	Dropped() uint64
	Close() error
}

// newPickleHandler makes a SocketHandler for tcp and unix, a
// DatagramHandler for udp and unixgram.
func newPickleHandler(t testing.TB, network, addr string, opts *SocketOptions) pickleHandler {
	t.Helper()
	var h pickleHandler
	var err error
	switch network {
	case "tcp", "unix":
		h, err = NewSocketHandler(network, addr, opts)
	default:
		h, err = NewDatagramHandler(network, addr, opts)
	}
	require.NoError(t, err)
	t.Cleanup(func() { _ = h.Close() })
	return h
}

// pickleCase is a record a test sends, and what CPython's receiver must
// make of it.
type pickleCase struct {
	name  string
	h     func(h slog.Handler) slog.Handler // WithAttrs, WithGroup… applied to the handler
	level slog.Level
	msg   string
	attrs []slog.Attr
	pc    bool // the record has a caller

	wantLevel     string
	wantLevelno   int
	wantExtras    [][2]string // key, repr: the attributes after the fields, in order
	wantTypes     map[string]string
	wantExcText   string // repr
	wantStackInfo string // a prefix of the str
	wantFormatted string
}

var pickleAt = time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)

func pickleCases() []pickleCase {
	return []pickleCase{{
		name: "types", level: slog.LevelInfo, msg: "hello %s",
		attrs: []slog.Attr{
			slog.String("user", "bob"), slog.Int("n", -3), slog.Float64("ratio", 0.1), slog.Bool("ok", true),
			slog.Any("none", nil), slog.Uint64("big", math.MaxUint64), slog.Float64("nan", math.NaN()),
			slog.Float64("inf", math.Inf(-1)), slog.String("bad", "a\xffb"), slog.String("uni", "café ✓"),
			slog.Duration("took", 1500*time.Millisecond), slog.Any("err", errors.New("oops")),
			slog.Group("g", slog.Int("a", 1), slog.Group("h", slog.String("b", "x"))),
			slog.Group("", slog.String("inline", "y")), slog.String("", "dropped"),
		},
		wantLevel: "INFO", wantLevelno: 20,
		wantExtras: [][2]string{{"user", "'bob'"}, {"n", "-3"}, {"ratio", "0.1"}, {"ok", "True"}, {"none", "None"},
			{"big", "18446744073709551615"}, {"nan", "nan"}, {"inf", "-inf"}, {"bad", "'a\ufffdb'"}, {"uni", "'café ✓'"},
			{"took", "'1.5s'"}, {"err", "'oops'"}, {"g.a", "1"}, {"g.h.b", "'x'"}, {"inline", "'y'"}},
		wantTypes: map[string]string{"user": "str", "n": "int", "ratio": "float", "ok": "bool", "none": "NoneType",
			"big": "int", "nan": "float", "took": "str", "err": "str", "g.a": "int", "msg": "str", "args": "NoneType",
			"levelno": "int", "created": "float", "msecs": "float", "relativeCreated": "float", "thread": "int",
			"process": "int", "lineno": "int", "exc_info": "NoneType", "exc_text": "NoneType"},
		wantFormatted: "app.net|INFO|hello %s",
	}, {
		name: "with attrs and groups",
		h: func(h slog.Handler) slog.Handler {
			return h.WithAttrs([]slog.Attr{slog.String("svc", "api")}).WithGroup("req").
				WithAttrs([]slog.Attr{slog.Int("id", 7)}).WithGroup("db")
		},
		level: slog.LevelWarn, msg: "slow", attrs: []slog.Attr{slog.Int("ms", 250), slog.Int("ms", 300)},
		wantLevel: "WARNING", wantLevelno: 30,
		wantExtras:    [][2]string{{"svc", "'api'"}, {"req.id", "7"}, {"req.db.ms", "300"}},
		wantFormatted: "app.net|WARNING|slow",
	}, {
		name: "field names", level: slog.LevelError, msg: "clash",
		attrs: []slog.Attr{slog.String("name", "bob"), slog.String("message", "m"), slog.String("levelno", "x"),
			slog.String("asctime", "t"), slog.String("exc_text", "e"), slog.String("name_", "later")},
		wantLevel: "ERROR", wantLevelno: 40,
		wantExtras:    [][2]string{{"name_", "'later'"}, {"message_", "'m'"}, {"levelno_", "'x'"}, {"asctime_", "'t'"}, {"exc_text_", "'e'"}},
		wantFormatted: "app.net|ERROR|clash",
	}, {
		name: "exc_info and stack_info", level: slog.LevelError, msg: "failed",
		attrs:     []slog.Attr{slog.Any("exc_info", errors.New("disk full")), slog.String("stack_info", "Stack:\n  here")},
		wantLevel: "ERROR", wantLevelno: 40,
		wantExcText:   "'disk full'",
		wantStackInfo: "Stack:\n  here",
		wantFormatted: "app.net|ERROR|failed\ndisk full\nStack:\n  here",
	}, {
		name: "stack_info true", level: slog.LevelInfo, msg: "where", pc: true,
		attrs:     []slog.Attr{slog.Bool("stack_info", true)},
		wantLevel: "INFO", wantLevelno: 20,
		wantStackInfo: "Stack (most recent call last):\n",
	}, {
		name: "critical", level: 12, msg: "down",
		wantLevel: "CRITICAL", wantLevelno: 50, wantFormatted: "app.net|CRITICAL|down",
	}, {
		name: "between levels", level: -2, msg: "fine",
		wantLevel: "Level 15", wantLevelno: 15, wantFormatted: "app.net|Level 15|fine",
	}}
}

// pickleFields are the keys CPython 3.11's LogRecord.__init__ sets.
var pickleFields = []string{"name", "msg", "args", "levelname", "levelno", "pathname", "filename", "module",
	"exc_info", "exc_text", "stack_info", "lineno", "funcName", "created", "msecs", "relativeCreated",
	"thread", "threadName", "processName", "process"}

// sendPickleCases sends every case through h, for the logger app.net.
func sendPickleCases(t *testing.T, h slog.Handler, cases []pickleCase) {
	t.Helper()
	h = h.(formatters.LoggerNamer).WithLoggerName("app.net")
	for _, c := range cases {
		hh := h
		if c.h != nil {
			hh = c.h(h)
		}
		var pc uintptr
		if c.pc {
			var pcs [1]uintptr
			runtime.Callers(1, pcs[:])
			pc = pcs[0]
		}
		r := slog.NewRecord(pickleAt, c.level, c.msg, pc)
		r.AddAttrs(c.attrs...)
		require.NoError(t, hh.Handle(context.Background(), r), c.name)
	}
}

// checkPickleCase checks what CPython's receiver made of case c.
func checkPickleCase(t *testing.T, c pickleCase, got pyRecv) {
	t.Helper()
	assert.True(t, got.LengthOK, "%s: length prefix", c.name)
	assert.Equal(t, "app.net", got.Name, c.name)
	assert.Equal(t, c.msg, got.Message, c.name)
	assert.Equal(t, c.wantLevel, got.Levelname, c.name)
	assert.Equal(t, c.wantLevelno, got.Levelno, c.name)
	assert.Equal(t, string(pyformat.AppendFloatRepr(nil, float64(pickleAt.UnixNano())/1e9)), got.Created, c.name)
	require.GreaterOrEqual(t, len(got.Keys), len(pickleFields), c.name)
	assert.Equal(t, pickleFields, got.Keys[:len(pickleFields)], "%s: the fields in LogRecord's order", c.name)
	var extras [][2]string
	for _, k := range got.Keys[len(pickleFields):] {
		extras = append(extras, [2]string{k, got.Reprs[k]})
	}
	assert.Equal(t, c.wantExtras, extras, "%s: the attributes, in order", c.name)
	want := map[string]string{
		"name": "'app.net'", "msg": "'" + c.msg + "'", "args": "None", "exc_info": "None",
		"levelname": "'" + c.wantLevel + "'", "levelno": strconv.Itoa(c.wantLevelno), "msecs": "123.0",
		"thread": "0", "threadName": "'MainThread'", "processName": "'MainProcess'", "process": strconv.Itoa(os.Getpid()),
	}
	if c.wantExcText != "" {
		want["exc_text"] = c.wantExcText
	} else {
		want["exc_text"] = "None"
	}
	if !c.pc {
		for k, v := range map[string]string{"pathname": "'(unknown file)'", "filename": "'(unknown file)'",
			"module": "'(unknown file)'", "lineno": "0", "funcName": "'(unknown function)'"} {
			want[k] = v
		}
	}
	for k, v := range want {
		assert.Equal(t, v, got.Reprs[k], "%s: %s", c.name, k)
	}
	if c.wantStackInfo == "" {
		assert.Equal(t, "None", got.Reprs["stack_info"], c.name)
	} else {
		assert.Equal(t, "str", got.Types["stack_info"], c.name)
	}
	for k, v := range c.wantTypes {
		assert.Equal(t, v, got.Types[k], "%s: type of %s", c.name, k)
	}
	if c.wantFormatted != "" {
		assert.Equal(t, c.wantFormatted, got.Formatted, c.name)
	}
	if c.wantStackInfo != "" {
		_, stack, _ := strings.Cut(got.Formatted, "\n"+c.wantStackInfo)
		assert.Contains(t, got.Formatted, "\n"+c.wantStackInfo, c.name)
		if c.pc {
			assert.Contains(t, stack, "sendPickleCases", c.name)
		}
	}
}

// TestSocketAndDatagramHandlersCPythonReceiver: what SocketHandler and
// DatagramHandler send, CPython's logging cookbook receiver rebuilds with
// logging.makeLogRecord(pickle.loads(data)): names, levels, messages,
// times, types, the fields in LogRecord's order, then the attributes.
func TestSocketAndDatagramHandlersCPythonReceiver(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"tcp", "unix", "udp", "unixgram"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			addr := "127.0.0.1:0"
			if strings.HasPrefix(mode, "unix") {
				addr = shortPath(t, "r.sock")
			}
			recv := startPyReceiver(t, mode, addr)
			h := newPickleHandler(t, mode, recv.addr, nil)
			cases := pickleCases()
			sendPickleCases(t, h, cases)
			require.NoError(t, h.Close())
			for _, c := range cases {
				checkPickleCase(t, c, recv.next())
			}
			assert.Empty(t, recv.stop())
			assert.Zero(t, h.Dropped())
		})
	}
}

// waitFor calls cond until it reports true, declaring the code under test
// stuck after hang.
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(hang)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition never met")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// logMsg sends a record with message msg through h.
func logMsg(t testing.TB, h slog.Handler, msg string, attrs ...slog.Attr) {
	t.Helper()
	r := slog.NewRecord(time.Now(), slog.LevelInfo, msg, 0)
	r.AddAttrs(attrs...)
	require.NoError(t, h.Handle(context.Background(), r))
}

// TestSocketHandlerReconnects: when CPython's receiver stops, the records
// logged are dropped, counted and reported; when it starts again, the
// handler connects again after its back-off, and records arrive again.
func TestSocketHandlerReconnects(t *testing.T) {
	t.Parallel()
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			t.Parallel()
			addr := "127.0.0.1:0"
			if network == "unix" {
				addr = shortPath(t, "r.sock")
			}
			recv := startPyReceiver(t, network, addr)
			var errs sendErrors
			h, err := NewSocketHandler(network, recv.addr, &SocketOptions{
				RetryStart: 10 * time.Millisecond, RetryMax: 40 * time.Millisecond, OnError: errs.add})
			require.NoError(t, err)
			defer h.Close()

			logMsg(t, h, "before")
			assert.Equal(t, "before", recv.next().Message)
			assert.Empty(t, recv.stop())
			// Until the handler sees the connection end, a record can still
			// be written to it, and lost: probe until one is dropped.
			waitFor(t, func() bool { logMsg(t, h, "probe"); return h.Dropped() > 0 })
			down := h.Dropped()
			for i := range 5 {
				logMsg(t, h, fmt.Sprintf("down %d", i))
			}
			assert.Equal(t, down+5, h.Dropped(), "records logged while the receiver is down are dropped and counted")

			recv2 := startPyReceiver(t, network, recv.addr)
			waitFor(t, func() bool {
				logMsg(t, h, "again")
				_, ok := recv2.poll()
				return ok
			})
			for i := range 3 {
				logMsg(t, h, fmt.Sprintf("after %d", i))
			}
			require.NoError(t, h.Close())
			var msgs []string
			for _, r := range recv2.stop() {
				msgs = append(msgs, r.Message)
			}
			require.GreaterOrEqual(t, len(msgs), 3)
			assert.Equal(t, []string{"after 0", "after 1", "after 2"}, msgs[len(msgs)-3:])
			for _, m := range msgs {
				assert.NotContains(t, m, "down")
			}
			assert.Equal(t, h.Dropped(), errs.dropped(), "every drop reported")
			refused := false
			for _, err := range errs.all() {
				refused = refused || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT)
			}
			assert.True(t, refused, "the failed connection attempts are reported: %v", errs.all())
		})
	}
}

// TestSocketHandlerReceiverAbsent: with nothing listening, every record is
// dropped, counted and reported with the connection's error.
func TestSocketHandlerReceiverAbsent(t *testing.T) {
	t.Parallel()
	var errs sendErrors
	h, err := NewSocketHandler("tcp", closedPort(t, "tcp"), &SocketOptions{OnError: errs.add})
	require.NoError(t, err)
	for i := range 10 {
		logMsg(t, h, fmt.Sprint("lost ", i))
	}
	require.NoError(t, h.Close())
	assert.Equal(t, uint64(10), h.Dropped())
	assert.Equal(t, uint64(10), errs.dropped())
	require.NotEmpty(t, errs.all())
	for _, err := range errs.all() {
		var se *SendError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, "socket", se.Handler)
		assert.ErrorIs(t, err, syscall.ECONNREFUSED)
	}
	assert.ErrorIs(t, h.Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelInfo, "x", 0)), ErrClosed)
}

// TestDatagramHandlerReceiverAbsent: a datagram to a port where nothing
// listens is not an error, as in CPython.
func TestDatagramHandlerReceiverAbsent(t *testing.T) {
	t.Parallel()
	var errs sendErrors
	h, err := NewDatagramHandler("udp", closedPort(t, "udp"), &SocketOptions{OnError: errs.add})
	require.NoError(t, err)
	for i := range 10 {
		logMsg(t, h, fmt.Sprint("unheard ", i))
	}
	require.NoError(t, h.Close())
	assert.Zero(t, h.Dropped())
	assert.Empty(t, errs.all())
}

// TestDatagramHandlerUnixReceiverRestarts: over a Unix datagram socket,
// records logged while the receiver is down are dropped and reported (the
// socket path is missing); once it is back, records arrive again, with no
// reconnection, as CPython's sendto finds the new socket.
func TestDatagramHandlerUnixReceiverRestarts(t *testing.T) {
	t.Parallel()
	path := shortPath(t, "d.sock")
	recv := startPyReceiver(t, "unixgram", path)
	var errs sendErrors
	h, err := NewDatagramHandler("unixgram", path, &SocketOptions{OnError: errs.add})
	require.NoError(t, err)
	defer h.Close()
	logMsg(t, h, "before")
	assert.Equal(t, "before", recv.next().Message)
	assert.Empty(t, recv.stop())
	logMsg(t, h, "down")
	assert.Equal(t, uint64(1), h.Dropped())
	recv2 := startPyReceiver(t, "unixgram", path)
	logMsg(t, h, "after")
	assert.Equal(t, "after", recv2.next().Message)
	require.NoError(t, h.Close())
	assert.Equal(t, uint64(1), errs.dropped())
	require.NotEmpty(t, errs.all())
	assert.True(t, errors.Is(errs.all()[0], syscall.ENOENT) || errors.Is(errs.all()[0], syscall.ECONNREFUSED), "%v", errs.all())
}

// TestSocketHandlerStalledReceiver: a receiver that accepts and stops
// reading holds no caller longer than WriteTimeout: the record whose
// write times out is dropped and reported, and the connection made again.
func TestSocketHandlerStalledReceiver(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	conns := make(chan net.Conn, 64)
	go func() {
		defer close(conns)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.(*net.TCPConn).SetReadBuffer(4096)
			conns <- c // never read
		}
	}()
	defer func() {
		_ = ln.Close()
		for c := range conns {
			_ = c.Close()
		}
	}()
	var errs sendErrors
	h, err := NewSocketHandler("tcp", ln.Addr().String(), &SocketOptions{WriteTimeout: 50 * time.Millisecond, OnError: errs.add})
	require.NoError(t, err)
	defer h.Close()
	big := slog.String("blob", strings.Repeat("x", 1<<20))
	for i := 0; h.Dropped() == 0; i++ {
		require.Less(t, i, 1000, "the writes never timed out")
		logMsg(t, h, "big", big)
	}
	require.NoError(t, h.Close())
	timedOut := false
	for _, err := range errs.all() {
		timedOut = timedOut || errors.Is(err, os.ErrDeadlineExceeded)
	}
	assert.True(t, timedOut, "the write timeout is reported: %v", errs.all())
	assert.Equal(t, h.Dropped(), errs.dropped())
}

// TestSocketAndDatagramHandlersUnresolvableHost: a host that does not resolve drops
// every record and reports the lookup's error.
func TestSocketAndDatagramHandlersUnresolvableHost(t *testing.T) {
	t.Parallel()
	for _, network := range []string{"tcp", "udp"} {
		t.Run(network, func(t *testing.T) {
			t.Parallel()
			var errs sendErrors
			h := newPickleHandler(t, network, "x.invalid:9020", &SocketOptions{OnError: errs.add})
			for range 3 {
				logMsg(t, h, "nowhere")
			}
			require.NoError(t, h.Close())
			assert.Equal(t, uint64(3), h.Dropped())
			assert.Equal(t, uint64(3), errs.dropped())
			for _, err := range errs.all() {
				var dns *net.DNSError
				assert.ErrorAs(t, err, &dns)
			}
		})
	}
}
