// Package levels converts between Python logging levels and slog levels.
//
// A Python level number n is the slog threshold ceil((n-20)*2/5): the
// smallest integer slog level ℓ with 20+2.5ℓ >= n. The mapping is exact for
// every integer slog level and keeps the >= order of thresholds.
package levels

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
)

// Critical is Python's CRITICAL (50) as a slog level.
const Critical = slog.Level(12)

// All is the threshold that passes every record: Python's NOTSET on a
// handler or on the root logger.
const All = slog.Level(math.MinInt)

// None is the threshold that passes no record.
const None = slog.Level(math.MaxInt)

// Level is a configured threshold. NotSet is Python's NOTSET (0): on a
// non-root logger it means "inherit", elsewhere it passes everything.
type Level struct {
	Slog   slog.Level
	NotSet bool
}

// Threshold returns the slog level a record must reach, with NOTSET read as
// "everything passes".
func (l Level) Threshold() slog.Level {
	if l.NotSet {
		return All
	}
	return l.Slog
}

// FromPython returns the slog threshold of Python level number n.
func FromPython(n int) Level {
	if n == 0 {
		return Level{NotSet: true}
	}
	// Clamp so that (n-20)*2 cannot overflow; the order of thresholds is
	// kept, and every clamped level is far beyond any record's.
	const limit = 1 << 40
	n = max(-limit, min(n, limit))
	num := (n - 20) * 2
	q := num / 5 // truncation is the ceiling for negative num
	if num > 0 && num%5 != 0 {
		q++
	}
	return Level{Slog: slog.Level(q)}
}

// PythonNumber returns Python's levelno for slog level l:
// floor((40+5l)/2), exact for even l.
func PythonNumber(l slog.Level) int {
	n := 40 + 5*int(l)
	if n < 0 && n%2 != 0 {
		return n/2 - 1
	}
	return n / 2
}

var pyNames = map[string]Level{
	"NOTSET":   {NotSet: true},
	"DEBUG":    {Slog: slog.LevelDebug},
	"INFO":     {Slog: slog.LevelInfo},
	"WARNING":  {Slog: slog.LevelWarn},
	"WARN":     {Slog: slog.LevelWarn},
	"ERROR":    {Slog: slog.LevelError},
	"CRITICAL": {Slog: Critical},
	"FATAL":    {Slog: Critical},
}

// ErrBool is returned for a boolean level: Python accepts True as 1, which
// is never what a config means.
var ErrBool = errors.New("a boolean is not a level")

// Parse reads a configured level: a Python name in any case (DEBUG, WARNING,
// CRITICAL, NOTSET, ...), a slog name with an optional offset (WARN, INFO+2,
// debug-4), or a Python level number (an int or an integral float).
func Parse(v any) (Level, error) {
	switch v := v.(type) {
	case string:
		return ParseName(v)
	case bool:
		return Level{}, ErrBool
	case int:
		return FromPython(v), nil
	case int64:
		return FromPython(int(v)), nil
	case uint64:
		if v > math.MaxInt32 {
			return Level{}, fmt.Errorf("level %d out of range", v)
		}
		return FromPython(int(v)), nil
	case float64:
		if v != math.Trunc(v) || math.Abs(v) > math.MaxInt32 {
			return Level{}, fmt.Errorf("level not an integer or a valid string: %v", v)
		}
		return FromPython(int(v)), nil
	case nil:
		return Level{}, errors.New("level is null")
	case []any, map[string]any:
		return Level{}, fmt.Errorf("level not an integer or a valid string: %v", v)
	default:
		return Level{}, fmt.Errorf("level not an integer or a valid string: a %T", v)
	}
}

// ParseName reads a level name: a Python name in any case, or a slog name
// with an optional signed offset.
func ParseName(s string) (Level, error) {
	return ParseNameWith(s, nil)
}

// ParseWith is Parse with the names of extra accepted too: the level names
// a configuration brings, before they are registered.
func ParseWith(v any, extra *Names) (Level, error) {
	if s, ok := v.(string); ok {
		return ParseNameWith(s, extra)
	}
	return Parse(v)
}

// ParseNameWith is ParseName with the names of extra accepted too.
func ParseNameWith(s string, extra *Names) (Level, error) {
	name := strings.ToUpper(strings.TrimSpace(s))
	if l, ok := pyNames[name]; ok {
		return l, nil
	}
	base, off := name, 0
	if i := strings.IndexAny(name, "+-"); i > 0 {
		n, err := strconv.Atoi(name[i:])
		if err != nil || n > 1<<30 || n < -(1<<30) {
			return Level{}, fmt.Errorf("unknown level: %q", s)
		}
		base, off = name[:i], n
	}
	l, ok := pyNames[base]
	if !ok {
		var cl slog.Level
		if cl, ok = extra.lookup(base); !ok {
			cl, ok = custom.Load().level(base)
		}
		l = Level{Slog: cl}
	}
	if !ok || l.NotSet {
		return Level{}, fmt.Errorf("unknown level: %q", s)
	}
	return Level{Slog: l.Slog + slog.Level(off)}, nil
}

// Names is a set of custom level names that are not registered (yet): the
// slogtree_levels of a configuration being checked. The zero value is
// empty. Not safe for concurrent use.
type Names struct {
	byName map[string]slog.Level // upper case
	order  []string              // as added
}

func (n *Names) lookup(upper string) (slog.Level, bool) {
	if n == nil {
		return 0, false
	}
	l, ok := n.byName[upper]
	return l, ok
}

// Len returns the number of names in n.
func (n *Names) Len() int {
	if n == nil {
		return 0
	}
	return len(n.order)
}

// Name returns the name n gives level l: the last added for it, as a
// later registration replaces the printed name.
func (n *Names) Name(l slog.Level) (string, bool) {
	if n == nil {
		return "", false
	}
	for i := len(n.order) - 1; i >= 0; i-- {
		if n.byName[strings.ToUpper(n.order[i])] == l {
			return n.order[i], true
		}
	}
	return "", false
}

// Clone returns a copy of n that names may be added to without changing n.
func (n *Names) Clone() *Names {
	c := &Names{}
	if n == nil {
		return c
	}
	c.order = slices.Clone(n.order)
	c.byName = maps.Clone(n.byName)
	return c
}

// Add adds name for level l after checking it as RegisterName would, against
// the names registered and those already in n: the error is the one
// RegisterName would return. Adding a name again for the same level does
// nothing.
func (n *Names) Add(name string, l slog.Level) error {
	upper, err := checkName(name)
	if err != nil {
		return err
	}
	if prev, ok := n.lookup(upper); ok {
		if prev != l {
			return fmt.Errorf("level name %q is given twice, for levels %s and %s", name, SlogName(prev), SlogName(l))
		}
		return nil
	}
	if prev, ok := custom.Load().level(upper); ok && prev != l {
		return fmt.Errorf("level name %q is already registered for level %s", name, SlogName(prev))
	}
	if n.byName == nil {
		n.byName = map[string]slog.Level{}
	}
	n.byName[upper] = l
	n.order = append(n.order, name)
	return nil
}

// names is the registry of custom level names. It is replaced, never
// changed, so that readers need one atomic load. So that a registration
// does not copy every name registered before it, the names live in a large
// map, copied only when a small one, copied at every registration, is
// merged into it: the small one holds at most about the square root of the
// large one's size. Registering k names one at a time then costs
// O(k·√k), and a batch ([Register]) O(k).
type names struct {
	byLevel, recentByLevel map[slog.Level]string
	byName, recentByName   map[string]slog.Level // upper case
}

func (c *names) level(upper string) (slog.Level, bool) {
	if c == nil {
		return 0, false
	}
	if l, ok := c.recentByName[upper]; ok {
		return l, true
	}
	l, ok := c.byName[upper]
	return l, ok
}

func (c *names) name(l slog.Level) (string, bool) {
	if c == nil {
		return "", false
	}
	if n, ok := c.recentByLevel[l]; ok {
		return n, true
	}
	n, ok := c.byLevel[l]
	return n, ok
}

var (
	customMu sync.Mutex
	custom   atomic.Pointer[names]
)

// checkName checks a level name's form and returns it in upper case.
func checkName(name string) (string, error) {
	if name == "" || strings.ContainsAny(name, "+-") || strings.IndexFunc(name, unicode.IsSpace) >= 0 {
		return "", fmt.Errorf("invalid level name %q: want a word without spaces, '+' or '-'", name)
	}
	upper := strings.ToUpper(name)
	if _, ok := pyNames[upper]; ok {
		return "", fmt.Errorf("level name %q is a standard level name", name)
	}
	return upper, nil
}

// RegisterName names slog level l, as Python's logging.addLevelName does:
// Name, SlogName and so the formatters print name for records at l, and
// ParseName reads name in any case, alone or with an offset (NAME+1). A
// later name for the same level replaces the printed name; the earlier
// one still parses. A name is a word without spaces, '+' or '-'; the
// standard names and a name already given to another level are refused.
// Safe for concurrent use.
func RegisterName(name string, l slog.Level) error {
	var n Names
	if err := n.Add(name, l); err != nil {
		return err
	}
	return Register(&n)
}

// Register registers every name of n, in the order they were added, at
// once: all of them or, when one is refused (another registration took the
// name for another level since it was added to n), none. A batch of k
// names costs O(k), plus one copy of the names registered before it when
// the batch outgrows the small map (see names): linear in all the names,
// where registering them one at a time would copy the registry each time.
func Register(n *Names) error {
	if n.Len() == 0 {
		return nil
	}
	customMu.Lock()
	defer customMu.Unlock()
	old := custom.Load()
	for _, name := range n.order {
		upper := strings.ToUpper(name)
		if prev, ok := old.level(upper); ok && prev != n.byName[upper] {
			return fmt.Errorf("level name %q is already registered for level %s", name, SlogName(prev))
		}
	}
	next := &names{}
	if old != nil {
		*next = *old
	}
	size := len(next.recentByName) + len(n.order)
	if size > 16+int(math.Sqrt(float64(len(next.byName)))) {
		// Merge everything into a new large map.
		next.byName = mergeNames(next.byName, next.recentByName, size)
		next.byLevel = mergeLevels(next.byLevel, next.recentByLevel, size)
		next.recentByName, next.recentByLevel = nil, nil
	} else {
		next.recentByName = mergeNames(nil, next.recentByName, size)
		next.recentByLevel = mergeLevels(nil, next.recentByLevel, size)
	}
	dstName, dstLevel := next.recentByName, next.recentByLevel
	if dstName == nil {
		dstName, dstLevel = next.byName, next.byLevel
	}
	for _, name := range n.order {
		upper := strings.ToUpper(name)
		l := n.byName[upper]
		dstName[upper] = l
		dstLevel[l] = name
	}
	custom.Store(next)
	return nil
}

func mergeNames(a, b map[string]slog.Level, extra int) map[string]slog.Level {
	out := make(map[string]slog.Level, len(a)+len(b)+extra)
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func mergeLevels(a, b map[slog.Level]string, extra int) map[slog.Level]string {
	out := make(map[slog.Level]string, len(a)+len(b)+extra)
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// CustomName returns the name registered for l by RegisterName.
func CustomName(l slog.Level) (string, bool) {
	return custom.Load().name(l)
}

// Name returns Python's levelname for slog level l: the name registered
// with RegisterName, else DEBUG, INFO, WARNING, ERROR or CRITICAL on an
// exact match, else "Level N" with N the Python number.
func Name(l slog.Level) string {
	if n, ok := custom.Load().name(l); ok {
		return n
	}
	switch l {
	case slog.LevelDebug:
		return "DEBUG"
	case slog.LevelInfo:
		return "INFO"
	case slog.LevelWarn:
		return "WARNING"
	case slog.LevelError:
		return "ERROR"
	case Critical:
		return "CRITICAL"
	case slog.LevelDebug - 4:
		return "NOTSET" // Python's levelno 0
	}
	return "Level " + strconv.Itoa(PythonNumber(l))
}

// SlogName returns slog's name for l, with the name registered with
// RegisterName on an exact match and CRITICAL for Critical and above
// (CRITICAL+1), for handlers that print slog-style level names.
func SlogName(l slog.Level) string {
	if n, ok := CustomName(l); ok {
		return n
	}
	if l >= Critical {
		if l == Critical {
			return "CRITICAL"
		}
		return "CRITICAL+" + strconv.Itoa(int(l-Critical))
	}
	return l.String()
}
