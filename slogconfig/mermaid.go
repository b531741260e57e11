package slogconfig

import (
	"fmt"
	"strings"
)

// Mermaid renders t as a Mermaid flowchart (https://mermaid.js.org),
// left to right: each logger (rounded, with its level, "propagate off",
// "disabled" and its filters) points to its handlers (rectangles, with
// class, level and filters), each handler to the handlers it passes
// records to and to what it writes to (cylinders: a stream by its ext://
// name, a file by its path, one node however many handlers share it), and
// a dotted "propagates" edge goes from each logger that propagates to the
// logger its records go on to. Disabled loggers are drawn dashed.
// Placeholders route nothing and are left out.
func (t *Tree) Mermaid() string {
	w := &mermaidWriter{handlers: map[*TreeHandler]string{}, sinks: map[TreeSink]string{}}
	w.line("flowchart LR")
	if t == nil || t.Root == nil {
		return w.b.String()
	}
	loggers := t.Loggers()
	ids := make(map[string]string, len(loggers))
	var disabled []string
	for i, l := range loggers {
		id := fmt.Sprintf("l%d", i)
		ids[l.Name] = id
		label := []string{pythonName(l.Name)}
		if l.Level == LevelNotSet {
			label = append(label, "inherits "+levelName(l.EffectiveLevel, l.names))
		} else {
			label = append(label, "level "+levelName(l.Level, l.names))
		}
		if !l.Propagate {
			label = append(label, "propagate off")
		}
		if l.Disabled {
			label = append(label, "disabled")
			disabled = append(disabled, id)
		}
		if f := filterList(l.Filters); f != "" {
			label = append(label, f)
		}
		w.line(fmt.Sprintf("    %s(%s)", id, mermaidLabel(label...)))
	}
	for _, l := range loggers {
		if l.Name == "" || !l.Propagate {
			continue
		}
		if to, ok := ids[l.Parent]; ok {
			w.line(fmt.Sprintf("    %s -.->|propagates| %s", ids[l.Name], to))
		}
	}
	for _, l := range loggers {
		for _, h := range l.Handlers {
			w.line(fmt.Sprintf("    %s --> %s", ids[l.Name], w.handler(h)))
		}
	}
	if len(disabled) > 0 {
		w.line("    classDef disabled stroke-dasharray: 5 5,color:#888")
		w.line("    class " + strings.Join(disabled, ",") + " disabled")
	}
	return w.b.String()
}

type mermaidWriter struct {
	b        strings.Builder
	handlers map[*TreeHandler]string
	sinks    map[TreeSink]string
}

func (w *mermaidWriter) line(s string) {
	w.b.WriteString(s)
	w.b.WriteByte('\n')
}

// handler declares h, what it passes records to and what it writes to,
// once, and returns its node id.
func (w *mermaidWriter) handler(h *TreeHandler) string {
	if id, ok := w.handlers[h]; ok {
		return id
	}
	id := fmt.Sprintf("h%d", len(w.handlers))
	w.handlers[h] = id
	label := []string{h.ID + ": " + h.Class}
	if h.Level != LevelNotSet {
		label = append(label, "level "+levelName(h.Level, h.names))
	}
	if f := filterList(h.Filters); f != "" {
		label = append(label, f)
	}
	w.line(fmt.Sprintf("    %s[%s]", id, mermaidLabel(label...)))
	for _, c := range h.Handlers {
		w.line(fmt.Sprintf("    %s --> %s", id, w.handler(c)))
	}
	if h.Sink != nil {
		sid, ok := w.sinks[*h.Sink]
		if !ok {
			sid = fmt.Sprintf("s%d", len(w.sinks))
			w.sinks[*h.Sink] = sid
			w.line(fmt.Sprintf("    %s[(%s)]", sid, mermaidLabel(h.Sink.Name)))
		}
		w.line(fmt.Sprintf("    %s --> %s", id, sid))
	}
	return id
}

// filterList names filters for a label: "filters: a, b".
func filterList(fs []TreeFilter) string {
	if len(fs) == 0 {
		return ""
	}
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.ID
		if f.isPythonName() {
			names[i] += " (name " + pyRepr(f.Name) + ")"
		}
	}
	return "filters: " + strings.Join(names, ", ")
}

// mermaidLabel quotes the lines of a node's label for Mermaid: in double
// quotes, lines joined by <br/>, and the characters Mermaid would read as
// markup written as its entity codes.
func mermaidLabel(lines ...string) string {
	esc := strings.NewReplacer("#", "#35;", `"`, "#quot;", "<", "#lt;", ">", "#gt;", "&", "#amp;",
		"\n", " ", "\r", " ")
	for i, l := range lines {
		lines[i] = esc.Replace(l)
	}
	return `"` + strings.Join(lines, "<br/>") + `"`
}
