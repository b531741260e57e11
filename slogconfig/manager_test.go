package slogconfig

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWithThreadName shows %(threadName)s as Python prints it in a program
// that starts no thread, "MainThread", in the pattern and
// python-json-logger formatters, and the Manager option that changes it.
func TestWithThreadName(t *testing.T) {
	t.Parallel()
	const cfg = `{"version": 1,
	 "formatters": {"p": {"format": "%(threadName)s %(message)s"},
	                "j": {"()": "pythonjsonlogger.json.JsonFormatter", "format": "%(threadName)s"}},
	 "handlers": {"p": {"class": "logging.StreamHandler", "stream": "ext://out.p", "formatter": "p"},
	              "j": {"class": "logging.StreamHandler", "stream": "ext://out.j", "formatter": "j"}},
	 "root": {"level": "INFO", "handlers": ["p", "j"]}}`
	tests := []struct {
		name string
		opts []Option
		want string
	}{
		{name: "default", want: "MainThread"},
		{name: "option", opts: []Option{WithThreadName("worker")}, want: "worker"},
		{name: "empty option", opts: []Option{WithThreadName("")}, want: "MainThread"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newTestEnv(t, "p", "j")
			for _, o := range tt.opts {
				o.apply(e.Manager)
			}
			require.NoError(t, e.DictConfig(jsonConfig(t, cfg)))
			e.Logger("app").Info("hello")
			assert.Equal(t, tt.want+" hello\n", e.take("p"))
			assert.Equal(t, `{"threadName": "`+tt.want+`"}`+"\n", e.take("j"))
		})
	}
}

// TestDefaultErrorHandler shows what the default error handler prints: a
// configuration warning on one line, an error as Python's handleError
// report.
func TestDefaultErrorHandler(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	printError(&b, &ConfigWarning{Path: "handlers.rot", Msg: "backupCount is 0: the file never rotates"})
	printError(&b, &HandlerError{Handler: "h", Logger: "app", Err: errors.New("disk full")})
	assert.Equal(t, "slogconfig: warning: handlers.rot: backupCount is 0: the file never rotates\n"+
		"--- Logging error ---\n"+(&HandlerError{Handler: "h", Logger: "app", Err: errors.New("disk full")}).Error()+"\n", b.String())
}
