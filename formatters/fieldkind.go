package formatters

// fieldKind is what a segment of a pattern renders, decided once at
// NewPattern time so that Handle switches on a small integer.
type fieldKind uint8

const (
	kindLiteral fieldKind = iota
	kindAttr              // a record attribute or a default
	kindMessage
	kindName
	kindLevelName
	kindLevelNo
	kindAsctime
	kindCreated
	kindMsecs
	kindRelativeCreated
	kindProcess
	kindProcessName
	kindThread
	kindThreadName
	kindNone // taskName, args: Python's None
	kindPathname
	kindFilename
	kindModule
	kindLineno
	kindFuncName
)

// recordFields are the LogRecord attributes the pattern formatter computes
// from the slog record.
var recordFields = map[string]fieldKind{
	"message":         kindMessage,
	"msg":             kindMessage,
	"name":            kindName,
	"levelname":       kindLevelName,
	"levelno":         kindLevelNo,
	"asctime":         kindAsctime,
	"created":         kindCreated,
	"msecs":           kindMsecs,
	"relativeCreated": kindRelativeCreated,
	"process":         kindProcess,
	"processName":     kindProcessName,
	"thread":          kindThread,
	"threadName":      kindThreadName,
	"taskName":        kindNone,
	"args":            kindNone,
	"pathname":        kindPathname,
	"filename":        kindFilename,
	"module":          kindModule,
	"lineno":          kindLineno,
	"funcName":        kindFuncName,
}

func kindOf(key string) fieldKind {
	if k, ok := recordFields[key]; ok {
		return k
	}
	return kindAttr
}
