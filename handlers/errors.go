package handlers

import (
	"errors"
	"fmt"
	"log/slog"
)

// ErrClosed is the error of a record handled, or a write made, after the
// handler or file of this package that takes it was closed.
var ErrClosed = errors.New("handler is closed")

// ErrInvalidMode is wrapped by the error of an open mode the file
// handlers do not take.
var ErrInvalidMode = errors.New("unsupported file mode")

// ErrInvalidWhen is wrapped by the error of an unknown
// TimedRotatingOptions.When.
var ErrInvalidWhen = errors.New("invalid when")

// ErrConflict is wrapped by the error of a handle that an [Opener]
// refuses because another handle it opened on the same path has other
// rotation settings or another permission.
var ErrConflict = errors.New("conflicting settings for one file")

// ErrNoHandler is wrapped by the error of a [Failover] or [Pool] record
// that no handler took.
var ErrNoHandler = errors.New("no handler took the record")

// A ChildError is the error of one of the handlers that a [Failover],
// [Router], [Pool] or [QueueHandler] passes records to.
type ChildError struct {
	Index  int         // the handler's position in the list the wrapper was made with
	Logger string      // the logger the record was logged on, when known
	Record slog.Record // the record
	Err    error
}

func (e *ChildError) Error() string {
	return fmt.Sprintf("handler %d, logger %q, message %q: %v", e.Index, e.Logger, e.Record.Message, e.Err)
}

func (e *ChildError) Unwrap() error { return e.Err }

// A CallError reports a panic in a call into a wrapped handler or filter
// that has no error to return (Enabled, WithAttrs, WithGroup, the
// logger-name specialisation, a name filter), or in a closer.
type CallError struct {
	Handler string // the handler's name (a configuration's id)
	Logger  string // the logger the call was for
	Method  string // "Enabled", "WithAttrs", "WithGroup", "WithLoggerName", "FilterName", "Close"
	Err     error
}

func (e *CallError) Error() string {
	return fmt.Sprintf("handler %q, logger %q: %s %v", e.Handler, e.Logger, e.Method, e.Err)
}

func (e *CallError) Unwrap() error { return e.Err }

// AbandonedError reports the records a handler still held when it was
// closed with a context that ended first: they were dropped.
type AbandonedError struct {
	Handler string // "queue" or "memory"
	Dropped int    // the records dropped
	Err     error  // the context's error
}

func (e *AbandonedError) Error() string {
	return fmt.Sprintf("%s handler: closed before its records were delivered: %d dropped: %v", e.Handler, e.Dropped, e.Err)
}

func (e *AbandonedError) Unwrap() error { return e.Err }

// DropError reports records that a [QueueHandler] dropped because its
// queue was full.
type DropError struct {
	Dropped  uint64   // since the previous DropError
	Total    uint64   // since the handler was made
	Overflow Overflow // the policy that dropped them
	MaxSize  int      // the queue's capacity
}

func (e *DropError) Error() string {
	return fmt.Sprintf("queue handler: dropped %d records (%d in all): queue of %d full, overflow %s", e.Dropped, e.Total, e.MaxSize, e.Overflow)
}
