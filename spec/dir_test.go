package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadDirectoryProblems: a missing directory, a file given for the
// directory and an empty directory each give one error, without a made-up
// position in a file (issue 15, case 8).
func TestLoadDirectoryProblems(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "main.hcl")
	if err := os.WriteFile(file, []byte("order \"a\" {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		dir, summary, detail string
	}{
		{filepath.Join(dir, "nope"), "Cannot read configuration directory", "nope does not exist"},
		{file, "Cannot read configuration directory", "main.hcl is a file. orderform reads all the *.hcl files of a directory as one configuration: name the directory instead, " + `"` + dir + `"`},
		{empty, "No configuration files", "contains no *.hcl configuration files"},
	} {
		c, diags := Load(tc.dir, Options{})
		if c == nil {
			t.Errorf("%s: nil Config", tc.dir)
		}
		if len(diags) != 1 {
			t.Errorf("%s: %d diagnostics, want 1: %v", tc.dir, len(diags), diags)
			continue
		}
		d := diags[0]
		if d.Summary != tc.summary || !strings.Contains(d.Detail, tc.detail) || d.Subject != nil {
			t.Errorf("%s: %q: %q at %v; want %q containing %q, no subject", tc.dir, d.Summary, d.Detail, d.Subject, tc.summary, tc.detail)
		}
	}
}
