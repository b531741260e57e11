package formatters

import "log/slog"

// logRecordKeys are the attributes CPython 3.11's LogRecord.__init__ sets,
// in the order it sets them, with the field each is computed as.
var logRecordKeys = [...]struct {
	key  string
	kind fieldKind
}{
	{"name", kindName},
	{"msg", kindMessage},
	{"args", kindNone},
	{"levelname", kindLevelName},
	{"levelno", kindLevelNo},
	{"pathname", kindPathname},
	{"filename", kindFilename},
	{"module", kindModule},
	{"exc_info", kindNone},
	{"exc_text", kindNone},
	{"stack_info", kindNone},
	{"lineno", kindLineno},
	{"funcName", kindFuncName},
	{"created", kindCreated},
	{"msecs", kindMsecs},
	{"relativeCreated", kindRelativeCreated},
	{"thread", kindThread},
	{"threadName", kindThreadName},
	{"processName", kindProcessName},
	{"process", kindProcess},
}

// LogRecordLen is the number of attributes [AppendLogRecord] appends.
const LogRecordLen = len(logRecordKeys)

// AppendLogRecord appends to dst the attributes that CPython 3.11's
// LogRecord.__init__ sets, in its order: name, msg, args, levelname,
// levelno, pathname, filename, module, exc_info, exc_text, stack_info,
// lineno, funcName, created, msecs, relativeCreated, thread, threadName,
// processName, process. Their values are those the pattern formatter
// renders for r logged by the logger called name: msg is r.Message; the
// caller fields come from r.PC (Python's placeholders when it is 0);
// thread is 0, processName "MainProcess", and threadName is threadName,
// or [DefaultThreadName] when it is empty; args, exc_info, exc_text and
// stack_info are None (nil), for the caller to set from what it knows
// (see [AppendExcText] and [AppendStackInfo]). String values share the
// memory of r and name.
func AppendLogRecord(dst []slog.Attr, name string, r *slog.Record, threadName string) []slog.Attr {
	if threadName == "" {
		threadName = DefaultThreadName
	}
	var st fieldState
	for _, f := range logRecordKeys {
		dst = append(dst, slog.Attr{Key: f.key, Value: logRecordField(f.kind, name, threadName, r, &st)})
	}
	return dst
}
