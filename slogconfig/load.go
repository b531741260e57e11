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
// extension: .json, or .yaml and .yml. The error names the file.
func (m *Manager) Load(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var cfg map[string]any
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".json":
		cfg, err = decodeJSON(data)
	case ".yaml", ".yml":
		cfg, err = decodeYAML(data)
	case ".ini", ".conf", ".cfg":
		return fmt.Errorf("%s: the INI (fileConfig) format is not supported by this version", path)
	default:
		return fmt.Errorf("%s: unknown configuration format %q: want .json, .yaml or .yml", path, ext)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := m.DictConfig(cfg); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
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
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("invalid YAML: %w", err)
	}
	m, ok := normalizeYAML(v).(map[string]any)
	if !ok {
		return nil, fmt.Errorf("want a YAML mapping at the top level, got %s", describe(v))
	}
	return m, nil
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
