package slogconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Load reads a configuration file and applies it, choosing the format by
// extension: .json, .yaml and .yml, or .ini, .conf and .cfg for Python's
// fileConfig format (read as [Manager.FileConfig] reads it, with its
// default options). The error names the file.
func (m *Manager) Load(path string) error {
	return m.loadFile(path, fileOptions(nil), nil)
}

// loadFile reads a configuration file by its extension and applies it, or
// only checks it as check says when check is not nil. An INI file is read
// with o.
func (m *Manager) loadFile(path string, o fileConfigOptions, check *checkMode) error {
	if err := checkFormat(path); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := m.loadData(path, data, o, check); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// checkFormat refuses a path whose extension names no format Load reads.
func checkFormat(path string) error {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".json", ".yaml", ".yml", ".ini", ".conf", ".cfg":
		return nil
	default:
		return fmt.Errorf("unknown configuration format %q: want .json, .yaml, .yml, .ini, .conf or .cfg", ext)
	}
}

// loadData applies data, the contents of the file at path, in the format
// of path's extension, or only checks it as check says when check is not
// nil. An INI file is read with o. The error does not name the file.
func (m *Manager) loadData(path string, data []byte, o fileConfigOptions, check *checkMode) error {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".json", ".yaml", ".yml":
		cfg, err := DecodeDict(data, ext[1:])
		if err != nil {
			return err
		}
		if check != nil {
			return m.checkConfig(cfg, check.probe)
		}
		return m.DictConfig(cfg)
	case ".ini", ".conf", ".cfg":
		return m.fileConfig(data, o, check)
	}
	return checkFormat(path)
}

// DecodeDict decodes a configuration in format "json" or "yaml" (or "yml")
// into the dictionary [Manager.DictConfig] takes. YAML is read as PyYAML
// reads it: plain yes, no, on and off are booleans, and mapping keys of
// other types become strings as Python's str renders them.
func DecodeDict(data []byte, format string) (map[string]any, error) {
	switch format {
	case "json":
		return decodeJSON(data)
	case "yaml", "yml":
		return decodeYAML(data)
	}
	return nil, fmt.Errorf("unknown configuration format %q: want json or yaml", format)
}

func decodeJSON(data []byte) (map[string]any, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("invalid JSON: data after the top-level object")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("want a JSON object at the top level, got %s", describe(v))
	}
	return m, nil
}

func decodeYAML(data []byte) (map[string]any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("invalid YAML: %w", err)
	}
	yaml11Bools(&doc)
	var v any
	if err := doc.Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid YAML: %w", err)
	}
	m, ok := normalizeYAML(v).(map[string]any)
	if !ok {
		return nil, fmt.Errorf("want a YAML mapping at the top level, got %s", describe(v))
	}
	return m, nil
}

// yaml11Bools reads the plain scalars yes, no, on and off (in PyYAML's
// spellings) as booleans, as PyYAML's YAML 1.1 does, so that a Python
// team's "disable_existing_loggers: no" means what it meant there. Quoted
// strings stay strings.
func yaml11Bools(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && n.Style == 0 && n.Tag == "!!str" {
		switch n.Value {
		case "yes", "Yes", "YES", "on", "On", "ON":
			n.Tag, n.Value = "!!bool", "true"
		case "no", "No", "NO", "off", "Off", "OFF":
			n.Tag, n.Value = "!!bool", "false"
		}
	}
	for _, c := range n.Content {
		yaml11Bools(c)
	}
}

// normalizeYAML turns mappings with non-string keys into map[string]any,
// the form dictConfig reads, keys rendered as Python's str would.
func normalizeYAML(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = normalizeYAML(e)
		}
		return v
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			var ks string
			switch k := k.(type) {
			case bool:
				ks = map[bool]string{true: "True", false: "False"}[k]
			case nil:
				ks = "None"
			default:
				ks = fmt.Sprint(k)
			}
			out[ks] = normalizeYAML(e)
		}
		return out
	case []any:
		for i, e := range v {
			v[i] = normalizeYAML(e)
		}
		return v
	}
	return v
}
