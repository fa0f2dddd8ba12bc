package apitest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// spec is a parsed OpenAPI document with just enough JSON Schema support to check real responses against
// it: type (one or a list), required, properties, additionalProperties, items, enum, minimum, maximum, $ref.
type spec struct {
	doc map[string]any
}

func parseSpec(b []byte) (*spec, error) {
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	return &spec{doc: doc}, nil
}

// lookup follows a JSON pointer such as "#/components/schemas/Error".
func (s *spec) lookup(ref string) (map[string]any, error) {
	var cur any = s.doc
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: %q is not an object", ref, part)
		}
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		if cur, ok = m[part]; !ok {
			return nil, fmt.Errorf("%s: no %q", ref, part)
		}
	}
	m, ok := cur.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s is not an object", ref)
	}
	return m, nil
}

// responseSchema returns the schema the spec gives for a path, method, status and media type.
func (s *spec) responseSchema(path, method, status, mediaType string) (map[string]any, error) {
	resp, err := s.lookup("#/paths/" + strings.ReplaceAll(path, "/", "~1") + "/" + method + "/responses/" + status)
	if err != nil {
		return nil, err
	}
	if ref, ok := resp["$ref"].(string); ok {
		if resp, err = s.lookup(ref); err != nil {
			return nil, err
		}
	}
	content, _ := resp["content"].(map[string]any)
	media, ok := content[mediaType].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s %s %s: no %s response documented", method, path, status, mediaType)
	}
	schema, _ := media["schema"].(map[string]any)
	return schema, nil
}

// validate checks a decoded JSON value against a schema.
func (s *spec) validate(v any, schema map[string]any, at string) error {
	if ref, ok := schema["$ref"].(string); ok {
		target, err := s.lookup(ref)
		if err != nil {
			return err
		}
		return s.validate(v, target, at)
	}
	if t, ok := schema["type"]; ok {
		var types []string
		switch t := t.(type) {
		case string:
			types = []string{t}
		case []any:
			for _, x := range t {
				types = append(types, x.(string))
			}
		}
		if !slices.Contains(types, jsonType(v)) && !(jsonType(v) == "integer" && slices.Contains(types, "number")) {
			return fmt.Errorf("%s: %s, want %v", at, jsonType(v), types)
		}
	}
	if enum, ok := schema["enum"].([]any); ok && !slices.Contains(enum, v) {
		return fmt.Errorf("%s: %v not in %v", at, v, enum)
	}
	if n, ok := v.(float64); ok {
		if lo, ok := schema["minimum"].(float64); ok && n < lo {
			return fmt.Errorf("%s: %v < minimum %v", at, n, lo)
		}
		if hi, ok := schema["maximum"].(float64); ok && n > hi {
			return fmt.Errorf("%s: %v > maximum %v", at, n, hi)
		}
	}
	switch v := v.(type) {
	case map[string]any:
		if req, ok := schema["required"].([]any); ok {
			for _, r := range req {
				if _, ok := v[r.(string)]; !ok {
					return fmt.Errorf("%s: required %q missing", at, r)
				}
			}
		}
		props, _ := schema["properties"].(map[string]any)
		extra, _ := schema["additionalProperties"].(map[string]any)
		for k, x := range v {
			if p, ok := props[k].(map[string]any); ok {
				if err := s.validate(x, p, at+"."+k); err != nil {
					return err
				}
			} else if extra != nil {
				if err := s.validate(x, extra, at+"."+k); err != nil {
					return err
				}
			}
		}
	case []any:
		if items, ok := schema["items"].(map[string]any); ok {
			for i, x := range v {
				if err := s.validate(x, items, fmt.Sprintf("%s[%d]", at, i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		if v == float64(int64(v)) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}
