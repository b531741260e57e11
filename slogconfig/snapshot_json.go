package slogconfig

import (
	"bytes"
	"encoding/json"
)

// MarshalJSON encodes t as {"root": LOGGER}. The shape is stable: keys
// are only ever added.
//
// A LOGGER is
//
//	{"name": "app.db", "parent": "app", "level": "NOTSET", "effectiveLevel": "INFO",
//	 "propagate": true, "disabled": false,
//	 "filters": [FILTER...], "handlers": [HANDLER...], "children": [LOGGER...]}
//
// with "name" "" and no "parent" for root; levels are names, "NOTSET"
// for none (see [TreeLogger]). A placeholder is {"name": "x",
// "placeholder": true, "children": [LOGGER...]}. A HANDLER is
//
//	{"id": "file", "class": "logging.FileHandler", "level": "NOTSET",
//	 "filters": [FILTER...], "formatter": FORMATTER or null,
//	 "sink": {"kind": "file", "name": "/var/log/app.log"} or null,
//	 "settings": {"mode": "w"}, "handlers": [HANDLER...]}
//
// a FORMATTER {"id": "f", "class": "pattern", "format": "%(message)s",
// "datefmt": "", "style": "%"}, and a FILTER {"id": "only_app", "class":
// "name", "byName": true, "name": "app"}, "name" only for Python's
// logging.Filter (classes "name" and "logging.Filter"). Lists are [] when
// empty, never null.
func (t *Tree) MarshalJSON() ([]byte, error) {
	return marshalJSON(struct {
		Root *TreeLogger `json:"root"`
	}{t.Root})
}

type treeLoggerJSON struct {
	Name           string         `json:"name"`
	Parent         *string        `json:"parent,omitempty"`
	Level          string         `json:"level"`
	EffectiveLevel string         `json:"effectiveLevel"`
	Propagate      bool           `json:"propagate"`
	Disabled       bool           `json:"disabled"`
	Filters        []TreeFilter   `json:"filters"`
	Handlers       []*TreeHandler `json:"handlers"`
	Children       []*TreeLogger  `json:"children"`
}

type treePlaceholderJSON struct {
	Name        string        `json:"name"`
	Placeholder bool          `json:"placeholder"`
	Children    []*TreeLogger `json:"children"`
}

// MarshalJSON encodes l as a LOGGER of [Tree.MarshalJSON].
func (l *TreeLogger) MarshalJSON() ([]byte, error) {
	children := nonNil(l.Children)
	if l.Placeholder {
		return marshalJSON(treePlaceholderJSON{Name: l.Name, Placeholder: true, Children: children})
	}
	j := treeLoggerJSON{
		Name: l.Name, Level: levelName(l.Level, l.names), EffectiveLevel: levelName(l.EffectiveLevel, l.names),
		Propagate: l.Propagate, Disabled: l.Disabled,
		Filters: nonNil(l.Filters), Handlers: nonNil(l.Handlers), Children: children,
	}
	if l.Name != "" {
		p := l.Parent
		j.Parent = &p
	}
	return marshalJSON(j)
}

type treeHandlerJSON struct {
	ID        string         `json:"id"`
	Class     string         `json:"class"`
	Level     string         `json:"level"`
	Filters   []TreeFilter   `json:"filters"`
	Formatter *TreeFormatter `json:"formatter"`
	Sink      *TreeSink      `json:"sink"`
	Settings  map[string]any `json:"settings"`
	Handlers  []*TreeHandler `json:"handlers"`
}

// MarshalJSON encodes h as a HANDLER of [Tree.MarshalJSON].
func (h *TreeHandler) MarshalJSON() ([]byte, error) {
	settings := h.Settings
	if settings == nil {
		settings = map[string]any{}
	}
	return marshalJSON(treeHandlerJSON{
		ID: h.ID, Class: h.Class, Level: levelName(h.Level, h.names), Filters: nonNil(h.Filters),
		Formatter: h.Formatter, Sink: h.Sink, Settings: settings, Handlers: nonNil(h.Handlers),
	})
}

// MarshalJSON encodes f as a FORMATTER of [Tree.MarshalJSON].
func (f TreeFormatter) MarshalJSON() ([]byte, error) {
	return marshalJSON(struct {
		ID      string `json:"id"`
		Class   string `json:"class"`
		Format  string `json:"format"`
		DateFmt string `json:"datefmt"`
		Style   string `json:"style"`
	}{f.ID, f.Class, f.Format, f.DateFmt, f.Style})
}

// MarshalJSON encodes s as {"kind": ..., "name": ...}.
func (s TreeSink) MarshalJSON() ([]byte, error) {
	return marshalJSON(struct {
		Kind string `json:"kind"`
		Name string `json:"name"`
	}{s.Kind, s.Name})
}

// MarshalJSON encodes f as a FILTER of [Tree.MarshalJSON].
func (f TreeFilter) MarshalJSON() ([]byte, error) {
	j := struct {
		ID     string  `json:"id"`
		Class  string  `json:"class"`
		ByName bool    `json:"byName"`
		Name   *string `json:"name,omitempty"`
	}{ID: f.ID, Class: f.Class, ByName: f.ByName}
	if f.isPythonName() {
		j.Name = &f.Name
	}
	return marshalJSON(j)
}

// nonNil returns s, or an empty slice for nil, which JSON encodes as [].
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// marshalJSON is json.Marshal without the escapes of <, > and &, which
// format strings and file names are full of: the caller's encoder decides
// (json.Marshal escapes them, an Encoder with SetEscapeHTML(false) does
// not).
func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
