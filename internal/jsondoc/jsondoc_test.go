package jsondoc

import (
	"os"
	"strings"
	"testing"
)

const sample = "# Formats\n\n" +
	"<!-- shape: doc -->\n" +
	"| field | type | meaning |\n| --- | --- | --- |\n" +
	"| `format_version` | string | \"1.0\" |\n" +
	"| `n` | number | a count |\n" +
	"| `ok` | bool | |\n" +
	"| `items` | [item] | |\n" +
	"| `extra` | object or null, omitted when none | |\n\n" +
	"<!-- shape: item -->\n" +
	"| field | type | meaning |\n| --- | --- | --- |\n" +
	"| `name` | string | |\n\n" +
	"<!-- shape: ev (stream run, type start complete) -->\n" +
	"| field | type | meaning |\n| --- | --- | --- |\n" +
	"| `type` | string | |\n" +
	"| `at` | number | |\n\n" +
	"<!-- shape: end (stream run, type summary) -->\n" +
	"| field | type | meaning |\n| --- | --- | --- |\n" +
	"| `type` | string | |\n" +
	"| `ok` | bool | |\n"

func TestCheck(t *testing.T) {
	d, err := Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, json string
		want       []string // substrings of the errors, in order
	}{
		{"fits", `{"format_version":"1.0","n":2,"ok":true,"items":[{"name":"a"}]}`, nil},
		{"fits with the optional field", `{"format_version":"1.0","n":2,"ok":true,"items":[],"extra":null}`, nil},
		{"missing", `{"format_version":"1.0","ok":true,"items":[]}`, []string{`"n" (doc) is missing`}},
		{"undocumented", `{"format_version":"1.0","n":1,"ok":true,"items":[],"new":1}`, []string{`"new" is not documented`}},
		{"wrong type", `{"format_version":1,"n":"1","ok":true,"items":[{"name":1}]}`, []string{"format_version: want string, got number", "n: want number, got string", "items[0].name: want string, got number"}},
		{"two documents", `{} {}`, []string{"more than one JSON value"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := d.CheckDocument("doc", []byte(tc.json))
			if len(errs) != len(tc.want) {
				t.Fatalf("errors %v, want %d", errs, len(tc.want))
			}
			for i, e := range errs {
				if !strings.Contains(e.Error(), tc.want[i]) {
					t.Errorf("error %d: %v, want %q", i, e, tc.want[i])
				}
			}
		})
	}
	if errs := d.CheckStream("run", []byte("{\"type\":\"start\",\"at\":1}\n{\"type\":\"summary\",\"ok\":true}\n")); len(errs) != 0 {
		t.Errorf("stream: %v", errs)
	}
	if errs := d.CheckStream("run", []byte("{\"type\":\"boom\"}\n")); len(errs) != 1 || !strings.Contains(errs[0].Error(), `no line of type "boom"`) {
		t.Errorf("stream with an undocumented line: %v", errs)
	}
}

func TestParseRefusesUndocumentedTypes(t *testing.T) {
	_, err := Parse([]byte("<!-- shape: a -->\n| field | type | meaning |\n| --- | --- | --- |\n| `x` | [thing] | |\n"))
	if err == nil || !strings.Contains(err.Error(), `undocumented type "thing"`) {
		t.Errorf("err = %v", err)
	}
}

// TestDocsParse: the project's JSON documentation parses, and every shape
// the commands' tests check is in it.
func TestDocsParse(t *testing.T) {
	md, err := os.ReadFile("../../docs/json-format.md")
	if err != nil {
		t.Fatal(err)
	}
	d, err := Parse(md)
	if err != nil {
		t.Fatal(err)
	}
	if len(d) == 0 {
		t.Skip("docs/json-format.md documents no shapes yet")
	}
}
