// Package filters holds record filters for log/slog: Python's
// logging.Filter (a logger name prefix), and filters by level range,
// attribute, message, sampling, rate and context, with the interface every
// filter implements.
//
// A filter sees the name of the logger a record was logged on and the record
// itself. It returns false to drop the record, or a (possibly different)
// record to pass on. A filter that wants to change a record returns a
// modified copy, made with [slog.Record.Clone]; it must not modify the record
// it was given, which other handlers may share.
//
// # The filters
//
//   - [Name]: Python's logging.Filter(name), by logger name prefix;
//   - [LevelRange]: a least and a greatest level;
//   - [Attr]: an attribute at a dotted key, present, equal to a string
//     form ([AttrEquals]) or matching a regular expression ([AttrMatch]);
//   - [Regex]: the message matching a regular expression;
//   - [Sampler]: zap's sampling, per message and level and interval;
//   - [RateLimiter]: a token bucket per logger name;
//   - [Context]: adds attributes from the record's context.Context;
//   - [Not] inverts a filter that only decides; [Func] makes a filter of a
//     function.
//
// Every filter here is safe for concurrent use ([Func] and [Context] when
// their function is). None starts a goroutine. The level, attribute,
// message and sampling filters allocate nothing for a record that passes
// (a regular expression match on a value that is not a string excepted).
//
// # What a filter sees
//
// A filter sees the record: its time, level, message and the attributes of
// the logging call. The attributes bound with [slog.Logger.With] and the
// groups opened with [slog.Logger.WithGroup] are not in the record: slog
// gives them to the handler's WithAttrs and WithGroup once, to be
// pre-formatted, so no filter sees them (see [Attr]).
//
// # Drops are reported
//
// [Sampler] and [RateLimiter] count what they drop (Dropped) and report it
// through their OnDrop option as a [*SampledError] or [*RateLimitedError]:
// from the logging call that first comes at or after the end of each
// interval in which records were dropped (no goroutine, no timer), and on
// Close, which reports what is left and leaves the filter usable. slogconfig
// gives them the Manager's error handler, and closes them when no
// configuration uses them any more and on Shutdown.
//
// # Using filters without slogconfig
//
// [github.com/slogtree/slogtree/handlers.New] puts a level and filters in
// front of any slog.Handler:
//
//	s := filters.NewSampler(time.Second, 10, 100, &filters.SamplerOptions{OnDrop: report})
//	h := handlers.New(slog.NewJSONHandler(os.Stdout, nil), &handlers.Options{
//		Filters: []filters.Filter{filters.LevelRange{Max: slog.LevelInfo}, s},
//	}, s) // closing h closes s, which reports the drops left
//	logger := slog.New(h.WithLoggerName("app"))
//
// Filters whose answer depends only on the logger name implement
// [NameFilter] as well; slogconfig decides them once per logger when a
// configuration is installed, so they cost nothing per record.
package filters
