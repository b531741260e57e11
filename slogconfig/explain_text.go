package slogconfig

import (
	"fmt"
	"strings"
)

// String says in words what becomes of the record: the logger's verdict,
// then one line per handler in the order the record meets them (the
// handlers a handler passes records to indented under it), each with its
// outcome and why, and the handlers the record reaches.
//
//	record INFO on logger "app.db"
//	logger "app.db": level NOTSET, effective level DEBUG: the record passes
//	handlers, in the order the record meets them:
//	  reached      console (stream) on logger "app.db"
//	  not reached  errors (file) on root: the handler's level ERROR is above INFO
//	reaches: console
func (e *Explanation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "record %s on %s\n", levelName(e.Level, e.names), loggerText(e.Logger))
	if !e.Exists {
		fmt.Fprintf(&b, "%s does not exist yet: explained as Logger would create it, with no level, filter or handler of its own\n",
			loggerText(e.Logger))
	}
	fmt.Fprintf(&b, "%s: level %s, effective level %s: ", loggerText(e.Logger),
		levelName(e.OwnLevel, e.names), levelName(e.EffectiveLevel, e.names))
	if e.Passes {
		b.WriteString("the record passes\n")
	} else {
		fmt.Fprintf(&b, "the record stops here: %s\n", e.Detail)
	}
	if len(e.Filters) > 0 {
		ids := make([]string, len(e.Filters))
		for i, f := range e.Filters {
			ids[i] = filterText(f)
		}
		fmt.Fprintf(&b, "  and goes on only if the logger's %s %s it\n",
			plural(len(ids), "filter", "filters"), strings.Join(ids, ", ")+plural(len(ids), " passes", " pass"))
	}
	if len(e.Handlers) == 0 {
		b.WriteString("handlers: none on the way to root\n")
	} else {
		b.WriteString("handlers, in the order the record meets them:\n")
		writeOutcomes(&b, e.Handlers, "  ", true)
	}
	switch {
	case e.LastResort != nil:
		b.WriteString("last resort:\n")
		writeOutcomes(&b, []*HandlerOutcome{e.LastResort}, "  ", false)
	case e.Notice:
		b.WriteString("no handler and no last resort: the record is dropped with a one-time \"No handlers could be found\" notice\n")
	}
	reached, depends := e.ReachedIDs(), e.dependsIDs()
	switch {
	case len(reached) > 0:
		fmt.Fprintf(&b, "reaches: %s\n", strings.Join(reached, ", "))
	case len(depends) > 0:
		b.WriteString("reaches no handler for sure\n")
	default:
		b.WriteString("reaches no handler\n")
	}
	if len(depends) > 0 {
		fmt.Fprintf(&b, "may reach, depending on the record: %s\n", strings.Join(depends, ", "))
	}
	return b.String()
}

func writeOutcomes(b *strings.Builder, hs []*HandlerOutcome, indent string, withLogger bool) {
	for _, h := range hs {
		fmt.Fprintf(b, "%s%-12s %s", indent, h.Outcome, h.ID)
		if h.Class != "" {
			fmt.Fprintf(b, " (%s)", h.Class)
		}
		if withLogger {
			fmt.Fprintf(b, " on %s", loggerText(h.Logger))
		}
		if h.Detail != "" {
			fmt.Fprintf(b, ": %s", h.Detail)
		}
		b.WriteByte('\n')
		writeOutcomes(b, h.Handlers, indent+"    ", false)
	}
}

// dependsIDs returns the ids of the handlers whose outcome depends on the
// record, under handlers it reaches or may reach.
func (e *Explanation) dependsIDs() []string {
	var ids []string
	var walk func(hs []*HandlerOutcome)
	walk = func(hs []*HandlerOutcome) {
		for _, h := range hs {
			if h.Outcome == OutcomeDepends {
				ids = append(ids, h.ID)
			}
			if h.Outcome != OutcomeNotReached {
				walk(h.Handlers)
			}
		}
	}
	walk(e.Handlers)
	if e.LastResort != nil {
		walk([]*HandlerOutcome{e.LastResort})
	}
	return ids
}

// MarshalJSON encodes e as
//
//	{"logger": "app.db", "exists": true, "level": "INFO", "ownLevel": "NOTSET",
//	 "effectiveLevel": "DEBUG", "passes": true, "reason": "", "detail": "",
//	 "filters": [FILTER...], "handlers": [OUTCOME...], "lastResort": OUTCOME or null,
//	 "notice": false, "reached": ["console"]}
//
// with FILTER as in [Tree.MarshalJSON], "reached" as [Explanation.ReachedIDs]
// and an OUTCOME
//
//	{"id": "errors", "class": "file", "logger": "", "outcome": "not reached",
//	 "reason": "handler-level", "detail": "the handler's level ERROR is above INFO",
//	 "filters": [], "handlers": [OUTCOME...]}
//
// The shape is stable: keys are only ever added.
func (e *Explanation) MarshalJSON() ([]byte, error) {
	return marshalJSON(struct {
		Logger         string            `json:"logger"`
		Exists         bool              `json:"exists"`
		Level          string            `json:"level"`
		OwnLevel       string            `json:"ownLevel"`
		EffectiveLevel string            `json:"effectiveLevel"`
		Passes         bool              `json:"passes"`
		Reason         Reason            `json:"reason"`
		Detail         string            `json:"detail"`
		Filters        []TreeFilter      `json:"filters"`
		Handlers       []*HandlerOutcome `json:"handlers"`
		LastResort     *HandlerOutcome   `json:"lastResort"`
		Notice         bool              `json:"notice"`
		Reached        []string          `json:"reached"`
	}{
		Logger: e.Logger, Exists: e.Exists, Level: levelName(e.Level, e.names),
		OwnLevel: levelName(e.OwnLevel, e.names), EffectiveLevel: levelName(e.EffectiveLevel, e.names),
		Passes: e.Passes, Reason: e.Reason, Detail: e.Detail, Filters: nonNil(e.Filters),
		Handlers: nonNil(e.Handlers), LastResort: e.LastResort, Notice: e.Notice, Reached: nonNil(e.ReachedIDs()),
	})
}

// MarshalJSON encodes h as an OUTCOME of [Explanation.MarshalJSON].
func (h *HandlerOutcome) MarshalJSON() ([]byte, error) {
	return marshalJSON(struct {
		ID       string            `json:"id"`
		Class    string            `json:"class"`
		Logger   string            `json:"logger"`
		Outcome  Outcome           `json:"outcome"`
		Reason   Reason            `json:"reason"`
		Detail   string            `json:"detail"`
		Filters  []string          `json:"filters"`
		Handlers []*HandlerOutcome `json:"handlers"`
	}{h.ID, h.Class, h.Logger, h.Outcome, h.Reason, h.Detail, nonNil(h.Filters), nonNil(h.Handlers)})
}
