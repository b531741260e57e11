package slogconfig

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/slogtree/slogtree/internal/pyformat"
)

// String renders t in the layout of Python's logging_tree package
// (brandon-rhodes/logging_tree 1.9, format.build_description): root as
// <--"", each logger below its parent after a "|" line as o<--"name" (o
// followed by three spaces when it does not propagate, by " !-" when
// Python's placeholder rule left it under another parent, then a "Broken
// .parent" line), a placeholder as <--[name], and under each logger its
// Level (or "Level NOTSET so inherits level X"), Propagate OFF, Disabled,
// Filter and Handler lines, a handler's own Level, Filter and Formatter
// lines indented under it, and a memory handler's target after "Flushes
// output to:".
//
// It differs from logging_tree where slogtree's handlers differ from
// Python's: a handler's id is shown, on a Name line first under it; a
// stream is named as its ext:// value is (<stderr>, <stdout>, <out.a>); a
// file handler shows its mode when it is not "a"; a timed rotating file
// shows its interval as configured (Python shows seconds); the handlers a
// queue, failover, router, pool or registered class passes records to are
// shown as a memory handler's target is, under a line that says how;
// levels without a Python name are written as slog writes them (INFO+2);
// a formatter other than the pattern formatter (Python's
// logging.Formatter) is shown by its class, <json>.
func (t *Tree) String() string {
	if t == nil || t.Root == nil {
		return ""
	}
	var b strings.Builder
	for _, line := range describeLogger(t.Root, nil) {
		b.WriteString(strings.TrimRight(line, " "))
		b.WriteByte('\n')
	}
	return b.String()
}

// describeLogger returns the lines of l and the loggers below it; parent
// is the nearest logger above l by name (nil for root), which l's records
// should propagate to.
func describeLogger(l, parent *TreeLogger) []string {
	var lines []string
	if l.Placeholder {
		lines = append(lines, "<--["+l.Name+"]")
	} else {
		correct := parent == nil || l.Parent == parent.Name
		arrow := "<--"
		switch {
		case !l.Propagate:
			arrow = "   "
		case !correct:
			arrow = " !-"
		}
		lines = append(lines, arrow+`"`+l.Name+`"`)
		if !correct {
			lines = append(lines, "   Broken .parent redirects messages to "+pyRepr(pythonName(l.Parent))+" instead")
		}
		if l.Level == LevelNotSet {
			lines = append(lines, "   Level NOTSET so inherits level "+levelName(l.EffectiveLevel, l.names))
		} else {
			lines = append(lines, "   Level "+levelName(l.Level, l.names))
		}
		if !l.Propagate {
			lines = append(lines, "   Propagate OFF")
		}
		if l.Disabled {
			lines = append(lines, "   Disabled")
		}
		for _, f := range l.Filters {
			lines = append(lines, "   Filter "+describeTreeFilter(f))
		}
		for _, h := range l.Handlers {
			hl := describeTreeHandler(h)
			lines = append(lines, "   Handler "+hl[0])
			for _, line := range hl[1:] {
				lines = append(lines, "   "+line)
			}
		}
		parent = l
	}
	for i, c := range l.Children {
		cl := describeLogger(c, parent)
		lines = append(lines, "   |", "   o"+cl[0])
		prefix := "   |"
		if i == len(l.Children)-1 {
			prefix = "    "
		}
		for _, line := range cl[1:] {
			lines = append(lines, prefix+line)
		}
	}
	return lines
}

// pythonName is a logger's name as Python's logger.name gives it: "root"
// for the root logger.
func pythonName(name string) string {
	if name == "" {
		return "root"
	}
	return name
}

func describeTreeFilter(f TreeFilter) string {
	if f.isPythonName() {
		return "name=" + pyRepr(f.Name)
	}
	return "<" + f.Class + ">"
}

// wrapHeadings say how a wrapping handler passes records to the handlers
// it wraps, by the class's Go name.
var wrapHeadings = map[string]string{
	"memory":   "Flushes output to:",
	"queue":    "Passes records to:",
	"failover": "Fails over, in order, to:",
	"router":   "Routes records to:",
	"pool":     "Takes turns among:",
}

// describeTreeHandler returns the lines of a handler, the first without
// its "Handler " prefix.
func describeTreeHandler(h *TreeHandler) []string {
	lines := []string{handlerSummary(h), "  Name " + pyRepr(h.ID)}
	if h.Level != LevelNotSet {
		lines = append(lines, "  Level "+levelName(h.Level, h.names))
	}
	for _, f := range h.Filters {
		lines = append(lines, "  Filter "+describeTreeFilter(f))
	}
	if f := h.Formatter; f != nil {
		if isPatternClass(f.Class) {
			datefmt := "None"
			if f.DateFmt != "" {
				datefmt = pyRepr(f.DateFmt)
			}
			lines = append(lines, "  Formatter fmt="+pyRepr(f.Format)+" datefmt="+datefmt)
		} else if f.Format != "" {
			lines = append(lines, "  Formatter <"+f.Class+"> fmt="+pyRepr(f.Format))
		} else {
			lines = append(lines, "  Formatter <"+f.Class+">")
		}
	}
	if len(h.Handlers) > 0 {
		heading, ok := wrapHeadings[h.kind]
		if !ok {
			heading = "Passes records to:"
		}
		lines = append(lines, "  "+heading)
		for _, c := range h.Handlers {
			cl := describeTreeHandler(c)
			lines = append(lines, "    Handler "+cl[0])
			for _, line := range cl[1:] {
				lines = append(lines, "    "+line)
			}
		}
	}
	return lines
}

// handlerSummary is the first line of a handler: its class and what it
// writes to, as logging_tree describes Python's handlers.
func handlerSummary(h *TreeHandler) string {
	set := func(key string, def any) string {
		v, ok := h.Settings[key]
		if !ok || v == nil {
			v = def
		}
		return key + "=" + pyValue(v)
	}
	sink := ""
	if h.Sink != nil {
		sink = h.Sink.Name
	}
	switch h.kind {
	case "stream":
		return "Stream <" + strings.TrimPrefix(sink, "sys.") + ">"
	case "file":
		s := "File " + pyRepr(sink)
		if m, ok := h.Settings["mode"].(string); ok && m != "a" {
			s += " mode=" + pyRepr(m)
		}
		return s
	case "rotating_file":
		s := "RotatingFile " + pyRepr(sink) + " " + set("maxBytes", 0) + " " + set("backupCount", 0)
		for _, k := range []string{"maxSizeMB", "maxBackups"} {
			if _, ok := h.Settings[k]; ok {
				s += " " + set(k, nil)
			}
		}
		return s
	case "timed_rotating_file":
		when := "H"
		if w, ok := h.Settings["when"].(string); ok {
			when = strings.ToUpper(w)
		}
		return "TimedRotatingFile " + pyRepr(sink) + " when=" + pyRepr(when) + " " + set("interval", 1) + " " + set("backupCount", 0)
	case "watched_file":
		return "WatchedFile " + pyRepr(sink)
	case "null":
		return "Null"
	case "memory":
		return "Memory " + set("capacity", 0)
	case "queue":
		s := "Queue"
		if r, _ := h.Settings["respect_handler_level"].(bool); r {
			s += " respect_handler_level=True"
		}
		return s
	case "failover":
		return "Failover"
	case "router":
		s := "Router"
		if f, _ := h.Settings["firstMatch"].(bool); f {
			s += " firstMatch=True"
		}
		return s
	case "pool":
		return "Pool"
	}
	return "<" + h.Class + ">"
}

// pyValue renders a setting as Python's repr renders the value.
func pyValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		if v {
			return "True"
		}
		return "False"
	case string:
		return pyRepr(v)
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			return strconv.FormatInt(int64(v), 10)
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = pyValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		parts := make([]string, 0, len(v))
		for _, k := range slices.Sorted(maps.Keys(v)) {
			parts = append(parts, pyRepr(k)+": "+pyValue(v[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// pyRepr quotes s as Python's repr quotes a str.
func pyRepr(s string) string { return string(pyformat.AppendRepr(nil, s)) }
