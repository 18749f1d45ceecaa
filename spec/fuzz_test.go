package spec

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// FuzzLoad feeds arbitrary configurations and variables files to the
// loader and evaluates what loads: nothing may panic or hang, and every
// problem must be a diagnostic with a subject range. The fixtures seed the
// corpus, so the fuzzer mutates real configurations.
func FuzzLoad(f *testing.F) {
	paths, _ := filepath.Glob("testdata/fixtures/*/*.hcl")
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src, []byte(""))
	}
	f.Add([]byte(sizeConfig), []byte(`size = "x"`))
	f.Add([]byte(dataConfig), []byte(`nothing = 1`))
	f.Add([]byte("order \"a\" {\n"), []byte("= 1"))
	f.Fuzz(func(t *testing.T, src, vars []byte) {
		var auto []source
		if len(vars) > 0 {
			auto = []source{{"x.auto.vars.hcl", vars}}
		}
		c, diags := load("fuzz", []source{{"main.hcl", src}}, auto, []varInput{{raw: "size=1"}}, nil)
		checkSubjects(t, diags)
		if c == nil {
			t.Fatal("nil Config")
		}
		if diags.HasErrors() {
			return
		}
		_, diags = c.Orders(nil)
		checkSubjects(t, diags)
		_, diags = c.Orders(fakeData(c))
		checkSubjects(t, diags)
		_ = c.Digest()
		_ = c.SensitiveValues()
		_ = Format(src)
	})
}

func checkSubjects(t *testing.T, diags hcl.Diagnostics) {
	t.Helper()
	for _, d := range diags {
		if d.Subject == nil {
			t.Fatalf("diagnostic without a subject: %s: %s", d.Summary, d.Detail)
		}
		if d.Summary == "" {
			t.Fatalf("diagnostic without a summary: %+v", d)
		}
	}
}
