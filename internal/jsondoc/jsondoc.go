// Package jsondoc checks JSON output against the shapes that
// docs/json-format.md documents, so that the documentation and the output
// cannot drift apart: tests parse every -json outcome of every command and
// check it here.
//
// A shape is a Markdown table of fields, introduced by a marker comment:
//
//	<!-- shape: validate -->
//	| field | type | meaning |
//	| --- | --- | --- |
//	| `format_version` | string | "1.0" |
//	| `diagnostics` | [diagnostic] | ... |
//
// The type cell is a list of alternatives joined by "or": string, bool,
// number, null, object, a shape's name (an object of that shape), or [T]
// (an array of T). "omitted when …" (or "optional") in the cell marks a
// field that may be absent. A JSON stream of lines has one shape per kind
// of line, dispatched on the line's "type" field:
//
//	<!-- shape: apply-event (stream apply, type start progress complete) -->
//
// Check reports a field the document does not list, a listed field that is
// missing, and a value of the wrong type.
package jsondoc

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Field is one documented field of a shape.
type Field struct {
	Name     string
	Types    []string // alternatives: "string", "bool", "number", "null", "object", a shape, "[T]"
	Optional bool
}

// Shape is a documented JSON object.
type Shape struct {
	Name   string
	Stream string   // the stream it is a line of; "" for a document
	Types  []string // the values of "type" that select it in its stream
	Fields []Field
	Open   bool // its fields are keys chosen by the data (a map): only the values' types are checked
}

// Doc is the shapes of one document.
type Doc map[string]*Shape

var (
	markerRE = regexp.MustCompile(`^<!--\s*shape:\s*([a-z0-9_.-]+)(?:\s*\((.*)\))?\s*-->\s*$`)
	cellRE   = regexp.MustCompile("^`([^`]+)`$")
)

// Parse reads the shapes of a Markdown document.
func Parse(md []byte) (Doc, error) {
	doc := Doc{}
	var cur *Shape
	inTable := false
	sc := bufio.NewScanner(bytes.NewReader(md))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if m := markerRE.FindStringSubmatch(text); m != nil {
			if doc[m[1]] != nil {
				return nil, fmt.Errorf("line %d: shape %q documented twice", line, m[1])
			}
			var err error
			if cur, err = newShape(m[1], m[2]); err != nil {
				return nil, fmt.Errorf("line %d: %w", line, err)
			}
			doc[cur.Name] = cur
			inTable = false
			continue
		}
		if cur == nil {
			continue
		}
		if !strings.HasPrefix(text, "|") {
			if inTable || (text != "" && !strings.HasPrefix(text, "<!--")) {
				if len(cur.Fields) == 0 && !cur.Open {
					return nil, fmt.Errorf("line %d: shape %q has no table right after its marker", line, cur.Name)
				}
				cur, inTable = nil, false
			}
			continue
		}
		cells := splitRow(text)
		if !inTable { // the header, then the separator
			inTable = true
			if len(cells) < 2 || cells[0] != "field" || cells[1] != "type" {
				return nil, fmt.Errorf("line %d: shape %q's table must start with | field | type |", line, cur.Name)
			}
			continue
		}
		if strings.Trim(cells[0], "-: ") == "" {
			continue
		}
		m := cellRE.FindStringSubmatch(cells[0])
		if m == nil || len(cells) < 2 {
			return nil, fmt.Errorf("line %d: shape %q: a field is written `name`, got %q", line, cur.Name, cells[0])
		}
		f, err := parseType(m[1], cells[1])
		if err != nil {
			return nil, fmt.Errorf("line %d: shape %q: %w", line, cur.Name, err)
		}
		cur.Fields = append(cur.Fields, f)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if err := doc.checkNamedTypes(); err != nil {
		return nil, err
	}
	return doc, nil
}

// newShape is the shape a marker names, with its options: "stream NAME",
// "type T…", "map".
func newShape(name, options string) (*Shape, error) {
	sh := &Shape{Name: name}
	for _, opt := range strings.Split(options, ",") {
		words := strings.Fields(opt)
		switch {
		case len(words) == 0:
		case words[0] == "stream" && len(words) == 2:
			sh.Stream = words[1]
		case words[0] == "type" && len(words) > 1:
			sh.Types = words[1:]
		case words[0] == "map" && len(words) == 1:
			sh.Open = true
		default:
			return nil, fmt.Errorf("unknown shape option %q", opt)
		}
	}
	if sh.Stream != "" && len(sh.Types) == 0 {
		return nil, fmt.Errorf("shape %q of stream %s names no type", sh.Name, sh.Stream)
	}
	return sh, nil
}

// checkNamedTypes reports a type a field names that no shape documents.
func (doc Doc) checkNamedTypes() error {
	for _, s := range doc {
		for _, f := range s.Fields {
			for _, t := range f.Types {
				if name := strings.Trim(t, "[]"); !basic[name] && doc[name] == nil {
					return fmt.Errorf("shape %q: field %q has the undocumented type %q", s.Name, f.Name, name)
				}
			}
		}
	}
	return nil
}

var basic = map[string]bool{"string": true, "bool": true, "number": true, "null": true, "object": true, "any": true}

func splitRow(row string) []string {
	row = strings.TrimSpace(row)
	row = strings.TrimPrefix(row, "|")
	row = strings.TrimSuffix(row, "|")
	var cells []string
	for _, c := range strings.Split(row, "|") {
		cells = append(cells, strings.TrimSpace(c))
	}
	return cells
}

// parseType reads a type cell: "string", "object or null", "[change]",
// "string, omitted when none".
func parseType(name, cell string) (Field, error) {
	f := Field{Name: name}
	cell = strings.ReplaceAll(cell, "`", "")
	if i := strings.Index(cell, ","); i >= 0 {
		rest := cell[i+1:]
		if !strings.Contains(rest, "omitted") && !strings.Contains(rest, "optional") {
			return f, fmt.Errorf("field %q: after the type only \"omitted when …\" may follow, got %q", name, rest)
		}
		f.Optional = true
		cell = cell[:i]
	}
	for _, alt := range strings.Split(cell, " or ") {
		alt = strings.TrimSpace(alt)
		if alt == "" || strings.ContainsAny(alt, " ") {
			return f, fmt.Errorf("field %q: cannot read the type %q", name, cell)
		}
		f.Types = append(f.Types, alt)
	}
	return f, nil
}

// Check checks v, a decoded JSON value (from json.Unmarshal into any),
// against the shape name. It returns every problem found, with its path.
func (d Doc) Check(name string, v any) []error {
	s := d[name]
	if s == nil {
		return []error{fmt.Errorf("no shape %q documented", name)}
	}
	var errs []error
	d.checkShape("$", s, v, &errs)
	return errs
}

// CheckDocument decodes data, which must be one JSON document, and checks
// it against shape name.
func (d Doc) CheckDocument(name string, data []byte) []error {
	v, err := decodeOne(data)
	if err != nil {
		return []error{err}
	}
	return d.Check(name, v)
}

// CheckStream checks data, one JSON value per line, against the shapes of
// stream: each line by the shape its "type" selects.
func (d Doc) CheckStream(stream string, data []byte) []error {
	var errs []error
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(data) == 0 {
		return []error{fmt.Errorf("stream %s: no lines", stream)}
	}
	for i, l := range lines {
		v, err := decodeOne(l)
		if err != nil {
			errs = append(errs, fmt.Errorf("line %d: %w", i+1, err))
			continue
		}
		obj, _ := v.(map[string]any)
		typ, _ := obj["type"].(string)
		s := d.lineShape(stream, typ)
		if s == nil {
			errs = append(errs, fmt.Errorf("line %d: stream %s documents no line of type %q", i+1, stream, typ))
			continue
		}
		var le []error
		d.checkShape(fmt.Sprintf("line %d", i+1), s, v, &le)
		errs = append(errs, le...)
	}
	return errs
}

func (d Doc) lineShape(stream, typ string) *Shape {
	for _, s := range d {
		if s.Stream == stream && slices.Contains(s.Types, typ) {
			return s
		}
	}
	return nil
}

func decodeOne(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("more than one JSON value")
	}
	return v, nil
}

func (d Doc) checkShape(path string, s *Shape, v any, errs *[]error) {
	obj, ok := v.(map[string]any)
	if !ok {
		*errs = append(*errs, fmt.Errorf("%s: want an object (%s), got %s", path, s.Name, kind(v)))
		return
	}
	if s.Open {
		return
	}
	listed := map[string]bool{}
	for _, f := range s.Fields {
		listed[f.Name] = true
		fv, present := obj[f.Name]
		if !present {
			if !f.Optional {
				*errs = append(*errs, fmt.Errorf("%s: documented field %q (%s) is missing", path, f.Name, s.Name))
			}
			continue
		}
		d.checkTypes(path+"."+f.Name, f.Types, fv, errs)
	}
	var extra []string
	for k := range obj {
		if !listed[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		*errs = append(*errs, fmt.Errorf("%s: field %q is not documented in shape %s", path, k, s.Name))
	}
}

// checkTypes checks v against alternatives: the first that fits wins; if
// none does, the error of the closest (a shape of the right kind) is kept.
func (d Doc) checkTypes(path string, types []string, v any, errs *[]error) {
	var best []error
	for _, t := range types {
		var e []error
		d.checkType(path, t, v, &e)
		if len(e) == 0 {
			return
		}
		if best == nil || len(e) < len(best) {
			best = e
		}
	}
	if len(types) > 1 && len(best) == 1 && strings.Contains(best[0].Error(), "want ") {
		*errs = append(*errs, fmt.Errorf("%s: want %s, got %s", path, strings.Join(types, " or "), kind(v)))
		return
	}
	*errs = append(*errs, best...)
}

func (d Doc) checkType(path, t string, v any, errs *[]error) {
	if strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]") {
		arr, ok := v.([]any)
		if !ok {
			*errs = append(*errs, fmt.Errorf("%s: want %s, got %s", path, t, kind(v)))
			return
		}
		for i, e := range arr {
			d.checkType(fmt.Sprintf("%s[%d]", path, i), t[1:len(t)-1], e, errs)
		}
		return
	}
	want := ""
	switch t {
	case "any":
		return
	case "string", "bool", "number", "null", "object":
		want = t
	default:
		d.checkShape(path, d[t], v, errs)
		return
	}
	if kind(v) != want {
		*errs = append(*errs, fmt.Errorf("%s: want %s, got %s", path, want, kind(v)))
	}
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "bool"
	case json.Number, float64:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
