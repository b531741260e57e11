package slogconfig

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/slogtree/slogtree/internal/convert"
)

// ErrNoVersion is the error of a configuration without a version key.
var ErrNoVersion = errors.New("dictionary doesn't specify a version")

// ErrUnsupportedVersion is wrapped by the error of a version other than 1.
var ErrUnsupportedVersion = errors.New("unsupported version")

// A PathError is one problem of a configuration, at a path such as
// "handlers.file.formatter".
type PathError struct {
	Path string
	Err  error

	// local: the problem tells of the host, not of the configuration (a
	// file that could not be opened); a Listener's status leaves it out.
	local bool
}

func (e *PathError) Error() string {
	if e.Path == "" {
		return e.Err.Error()
	}
	return e.Path + ": " + e.Err.Error()
}

func (e *PathError) Unwrap() error { return e.Err }

// ConfigError is the error of a configuration that was refused: every
// problem found, each with its path. A refused configuration changes
// nothing.
type ConfigError struct {
	Problems []*PathError
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap returns the problems, for errors.Is and errors.As.
func (e *ConfigError) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

// problems collects the errors of one configuration.
type problems []*PathError

func (p *problems) add(path string, err error) {
	if err == nil {
		return
	}
	var ce *ConfigError
	if errors.As(err, &ce) {
		for _, q := range ce.Problems {
			*p = append(*p, &PathError{Path: joinPath(path, q.Path), Err: q.Err})
		}
		return
	}
	var ae *ArgError
	var cv *convert.Error
	switch {
	case errors.As(err, &ae):
		path, err = joinPath(path, ae.Key), ae.Err
	case errors.As(err, &cv):
		path, err = joinPath(path, cv.Path), cv.Err
	}
	*p = append(*p, &PathError{Path: path, Err: err})
}

// order sorts the problems by the entry of the configuration they are in,
// entries in the order given (the order of Python's dictConfig: formatters,
// filters, handlers, loggers, root), keeping the order in which each
// entry's problems were found.
func (p problems) order(entries []string) {
	rank := make(map[string]int, len(entries))
	for i, e := range entries {
		rank[e] = i
	}
	of := func(path string) int {
		for i := len(path); i > 0; i-- {
			if i < len(path) && path[i] != '.' && path[i] != '[' {
				continue
			}
			if r, ok := rank[path[:i]]; ok {
				return r
			}
		}
		return len(entries)
	}
	slices.SortStableFunc(p, func(a, b *PathError) int { return cmp.Compare(of(a.Path), of(b.Path)) })
}

func (p *problems) addf(path, format string, args ...any) {
	p.add(path, fmt.Errorf(format, args...))
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &ConfigError{Problems: p}
}

func joinPath(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	case strings.HasPrefix(b, "["):
		return a + b
	}
	return a + "." + b
}

// HandlerError is what the error handler receives when a handler fails
// to handle a record.
type HandlerError struct {
	Handler string // the handler's id in the configuration
	Logger  string // the logger the record was logged on
	Record  slog.Record
	Err     error
}

func (e *HandlerError) Error() string {
	return fmt.Sprintf("handler %q, logger %q, message %q: %v", e.Handler, e.Logger, e.Record.Message, e.Err)
}

func (e *HandlerError) Unwrap() error { return e.Err }

// ConfigWarning is what the error handler receives for a configuration
// that was accepted with an adjustment worth knowing about.
type ConfigWarning struct {
	Path string
	Msg  string
}

func (w *ConfigWarning) Error() string { return "warning: " + w.Path + ": " + w.Msg }

// An ArgError is a problem with one argument of a class. A class that
// returns one (from [HandlerConfig.String] and the like, or made with
// [NewArgError]) has it reported at the argument's own path,
// "handlers.file.maxBytes: want an integer, got \"ten\"".
type ArgError struct {
	Key string
	Err error
}

// NewArgError returns an [*ArgError] for argument key.
func NewArgError(key string, err error) *ArgError { return &ArgError{Key: key, Err: err} }

func (e *ArgError) Error() string { return e.Key + ": " + e.Err.Error() }

func (e *ArgError) Unwrap() error { return e.Err }

func argErrorf(key, format string, args ...any) *ArgError {
	return &ArgError{Key: key, Err: fmt.Errorf(format, args...)}
}

// ListenError is what the error handler receives when a configuration sent
// to a [Listener] fails: the client's address ("-" when accepting a
// connection failed) and what went wrong.
type ListenError struct {
	Remote string
	Err    error
}

func (e *ListenError) Error() string {
	return fmt.Sprintf("slogconfig: listener: from %s: %v", e.Remote, e.Err)
}

func (e *ListenError) Unwrap() error { return e.Err }

// WatchError is the error of a configuration file watched by a
// [Watcher] that could not be read, decoded or applied, or of the file
// system watch itself: [Manager.Watch] returns it, the Manager's error
// handler receives it, and [Watcher.Err] returns the last one. Path is the
// watched file, absolute; Err says what went wrong, a [*ConfigError] for
// a configuration refused.
type WatchError struct {
	Path string
	Err  error
}

func (e *WatchError) Error() string {
	return fmt.Sprintf("slogconfig: watching %s: %v", e.Path, e.Err)
}

func (e *WatchError) Unwrap() error { return e.Err }

// ErrNoStatus is returned by [Send] when the listener closed the
// connection without a status. Python's logging.config.listen never sends
// one: the configuration was delivered, but whether it was applied is
// unknown.
var ErrNoStatus = errors.New("slogconfig: the listener sent no status (Python's listen() never does)")

// RemoteError is the error [Send] returns when the listener refused the
// configuration: the listener's message, such as
// "dictConfig refused the JSON configuration: loggers.app.level: unknown level: "LOUD"".
type RemoteError struct {
	Msg string
}

func (e *RemoteError) Error() string { return "slogconfig: configuration refused: " + e.Msg }
