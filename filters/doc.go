// Package filters holds record filters: Python's logging.Filter (a logger
// name prefix) and the interface every filter implements.
//
// A filter sees the name of the logger a record was logged on and the record
// itself. It returns false to drop the record, or a (possibly different)
// record to pass on. A filter that wants to change a record returns a
// modified copy, made with [slog.Record.Clone]; it must not modify the record
// it was given, which other handlers may share.
//
// Filters whose answer depends only on the logger name implement
// [NameFilter] as well; slogconfig decides them once per logger when a
// configuration is installed, so they cost nothing per record.
package filters
