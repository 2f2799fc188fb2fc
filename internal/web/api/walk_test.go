package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The tests that walk every operation read the operations from the
// served OpenAPI document, so that a new operation is covered without
// anyone remembering to add it.

// operation is one method and path of the document.
type operation struct {
	ID     string
	Method string
	Path   string
	op     map[string]any
	doc    map[string]any
}

// operations fetches /openapi.json from base and lists its operations,
// sorted by path and method.
func operations(t *testing.T, base string) []operation {
	t.Helper()
	res, err := http.Get(base + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var doc map[string]any
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	paths, _ := doc["paths"].(map[string]any)
	var out []operation
	for path, item := range paths {
		for method, op := range item.(map[string]any) {
			m, _ := op.(map[string]any)
			id, _ := m["operationId"].(string)
			out = append(out, operation{ID: id, Method: strings.ToUpper(method), Path: path, op: m, doc: doc})
		}
	}
	slices.SortFunc(out, func(a, b operation) int { return strings.Compare(a.Path+" "+a.Method, b.Path+" "+b.Method) })
	if len(out) < 100 {
		t.Fatalf("only %d operations in the document", len(out))
	}
	return out
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

// params lists the names of the operation's path parameters.
func (o operation) params() []string {
	var out []string
	for _, m := range pathParam.FindAllStringSubmatch(o.Path, -1) {
		out = append(out, m[1])
	}
	return out
}

// request builds a request that passes the document's own validation:
// path parameters from values (a missing one fails the test, so that a
// new parameter is given a meaningful value), every header parameter the
// operation declares that values names, and a body with every required
// property at a value its schema allows.
func (o operation) request(t *testing.T, base string, values map[string]string) *http.Request {
	t.Helper()
	path := pathParam.ReplaceAllStringFunc(o.Path, func(p string) string {
		v, ok := values[strings.Trim(p, "{}")]
		if !ok {
			t.Fatalf("%s %s: no value for path parameter %s", o.Method, o.Path, p)
		}
		return v
	})
	var body io.Reader
	ctype := ""
	if rb, ok := o.op["requestBody"].(map[string]any); ok {
		content, _ := rb["content"].(map[string]any)
		switch {
		case content["application/json"] != nil:
			schema := content["application/json"].(map[string]any)["schema"]
			b, _ := json.Marshal(o.example(schema, 0))
			body, ctype = bytes.NewReader(b), "application/json"
		case content["multipart/form-data"] != nil:
			schema := o.resolve(content["multipart/form-data"].(map[string]any)["schema"])
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			props, _ := schema["properties"].(map[string]any)
			for name, p := range props {
				if o.resolve(p)["format"] == "binary" {
					w, _ := mw.CreateFormFile(name, "note.txt")
					io.WriteString(w, "hello")
				} else {
					mw.WriteField(name, fmt.Sprint(o.example(p, 0)))
				}
			}
			mw.Close()
			body, ctype = &buf, mw.FormDataContentType()
		default:
			t.Fatalf("%s %s: no example for a body of %v", o.Method, o.Path, content)
		}
	}
	req, err := http.NewRequest(o.Method, base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	ps, _ := o.op["parameters"].([]any)
	for _, p := range ps {
		pm := o.resolve(p)
		name, _ := pm["name"].(string)
		switch pm["in"] {
		case "header":
			if v, ok := values[name]; ok {
				req.Header.Set(name, v)
			}
		case "query":
			if pm["required"] == true {
				q := req.URL.Query()
				q.Set(name, fmt.Sprint(o.example(pm["schema"], 0)))
				req.URL.RawQuery = q.Encode()
			}
		}
	}
	return req
}

// resolve follows a local $ref.
func (o operation) resolve(v any) map[string]any {
	m, _ := v.(map[string]any)
	ref, ok := m["$ref"].(string)
	if !ok {
		return m
	}
	var cur any = o.doc
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		cur = cur.(map[string]any)[part]
	}
	return o.resolve(cur)
}

// example returns a value that schema accepts: its example, its first
// enum value, or the smallest value its type and bounds allow; for an
// object, every required property.
func (o operation) example(schema any, depth int) any {
	s := o.resolve(schema)
	if ex, ok := s["examples"].([]any); ok && len(ex) > 0 {
		return ex[0]
	}
	if ex, ok := s["example"]; ok {
		return ex
	}
	if en, ok := s["enum"].([]any); ok && len(en) > 0 {
		for _, e := range en {
			if e != "" && e != nil {
				return e
			}
		}
		return en[0]
	}
	typ := s["type"]
	if ts, ok := typ.([]any); ok { // 3.1: ["string", "null"]
		for _, x := range ts {
			if x != "null" {
				typ = x
				break
			}
		}
	}
	num := func(def float64) float64 {
		if m, ok := s["minimum"].(float64); ok {
			return m
		}
		if m, ok := s["maximum"].(float64); ok && m < def {
			return m
		}
		return def
	}
	switch typ {
	case "object":
		out := map[string]any{}
		if depth > 6 {
			return out
		}
		props, _ := s["properties"].(map[string]any)
		req, _ := s["required"].([]any)
		for _, r := range req {
			name := r.(string)
			out[name] = o.example(props[name], depth+1)
		}
		return out
	case "array":
		n := 0
		if m, ok := s["minItems"].(float64); ok {
			n = int(m)
		}
		out := []any{}
		for range n {
			out = append(out, o.example(s["items"], depth+1))
		}
		return out
	case "integer":
		return int64(num(1))
	case "number":
		return num(1)
	case "boolean":
		return false
	case "string":
		switch s["format"] {
		case "date-time":
			return "2026-01-01T00:00:00Z"
		case "date":
			return "2026-01-01"
		case "email":
			return "someone@example.com"
		case "uri":
			return "https://example.com/"
		}
		n := 1
		if m, ok := s["minLength"].(float64); ok && int(m) > n {
			n = int(m)
		}
		return strings.Repeat("x", n)
	}
	return nil
}
