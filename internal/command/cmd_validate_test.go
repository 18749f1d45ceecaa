package command

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"orderform/internal/command/views"
	"orderform/spec"
)

// runCLI runs the command line in-process with an empty environment.
func runCLI(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const validOrder = `variable "size" {
  type = number
}

order "a" {
  symbol = "btcusd"
  side   = "buy"
  amount = var.size
  price  = 64000
}
`

func TestValidateExitCodes(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.hcl": validOrder})
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		code     int
		inStdout string
		inStderr string
	}{
		{"missing variable", nil, []string{"validate", dir}, exitError, "", `No value for required variable`},
		{"-var", nil, []string{"validate", "-var", "size=0.5", dir}, exitOK, "Success! The configuration is valid.", ""},
		{"env", map[string]string{"ORDERFORM_VAR_size": "0.5"}, []string{"validate", dir}, exitOK, "Success!", ""},
		{"invalid value", nil, []string{"validate", "-no-color", "-var", "size=-1", dir}, exitError, "", "Error: Invalid amount"},
		{"flags after dir", nil, []string{"validate", dir, "-var", "size=1"}, exitOK, "Success!", ""},
		{"bad flag", nil, []string{"validate", "-nope", dir}, exitError, "", "flag provided but not defined"},
		{"no such dir", nil, []string{"validate", filepath.Join(dir, "nope")}, exitError, "", "Cannot read configuration directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tt.env, tt.args...)
			if code != tt.code || !strings.Contains(stdout, tt.inStdout) || !strings.Contains(stderr, tt.inStderr) {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			if strings.Contains(stderr, "\x1b[") {
				t.Errorf("color on a non-terminal:\n%q", stderr)
			}
		})
	}
}

func TestValidateJSON(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.hcl": validOrder})
	code, stdout, stderr := runCLI(t, nil, "validate", "-json", "-var", "size=abc", dir)
	if code != exitError || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var doc views.ValidateDocument
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if doc.FormatVersion != "1.0" || doc.Valid || doc.ErrorCount != 1 || len(doc.Diagnostics) != 1 {
		t.Fatalf("%+v", doc)
	}
	d := doc.Diagnostics[0]
	if d.Severity != "error" || d.Summary != "Invalid value for variable" || d.Range == nil || d.Range.Start.Line != 1 {
		t.Errorf("%+v", d)
	}
	code, stdout, _ = runCLI(t, nil, "validate", "-json", "-var", "size=1", dir)
	if code != exitOK || !strings.Contains(stdout, `"valid": true`) || !strings.Contains(stdout, `"diagnostics": []`) {
		t.Errorf("exit %d\n%s", code, stdout)
	}
}

func TestFmt(t *testing.T) {
	messy := "order \"a\" {\nsymbol=\"btcusd\"\n    side = \"buy\"\n}\n"
	tidy := "order \"a\" {\n  symbol = \"btcusd\"\n  side   = \"buy\"\n}\n"
	dir := writeFiles(t, map[string]string{"main.hcl": messy, "x.auto.vars.hcl": "size=1\n", "ok.hcl": tidy})

	code, stdout, _ := runCLI(t, nil, "fmt", "-check", "-diff", dir)
	if code != exitFmt {
		t.Errorf("fmt -check: exit %d, want %d", code, exitFmt)
	}
	for _, want := range []string{"main.hcl", "x.auto.vars.hcl", "-symbol=\"btcusd\"", "+  symbol = \"btcusd\"", "@@ -1,4 +1,4 @@"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("fmt -check -diff output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "ok.hcl") {
		t.Errorf("lists a tidy file:\n%s", stdout)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "main.hcl")); string(b) != messy {
		t.Error("fmt -check wrote a file")
	}

	if code, _, stderr := runCLI(t, nil, "fmt", dir); code != exitOK {
		t.Fatalf("fmt: exit %d\n%s", code, stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "main.hcl")); string(b) != tidy {
		t.Errorf("fmt wrote:\n%s", b)
	}
	if code, stdout, _ := runCLI(t, nil, "fmt", "-check", dir); code != exitOK || stdout != "" {
		t.Errorf("fmt -check after fmt: exit %d, %q", code, stdout)
	}

	bad := writeFiles(t, map[string]string{"main.hcl": "order \"a\" {\n"})
	if code, _, stderr := runCLI(t, nil, "fmt", "-check", bad); code != exitError || !strings.Contains(stderr, "Unclosed configuration block") {
		t.Errorf("syntax error: exit %d\n%s", code, stderr)
	}
}

func TestUnifiedDiff(t *testing.T) {
	a := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n"
	b := "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nL\nm\n"
	want := "--- f\n+++ f\n@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n@@ -9,5 +9,5 @@\n i\n j\n k\n-l\n+L\n m\n"
	if got := unifiedDiff("f", a, b); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestPrintDiagnosticsColor(t *testing.T) {
	dir := writeFiles(t, map[string]string{"main.hcl": validOrder})
	code, _, plain := runCLI(t, nil, "validate", "-var", "size=-1", dir)
	if code != exitError {
		t.Fatal(code)
	}
	want := "Error: Invalid amount\n\n  on " + filepath.Join(dir, "main.hcl") + ":8:12:\n   8 |   amount = var.size\n     |            ^^^^^^^^\n\nThe amount must be positive; got -1.\n"
	if !strings.Contains(plain, want) {
		t.Errorf("got:\n%s\nwant:\n%s", plain, want)
	}
	var colored bytes.Buffer
	cfg, diags := spec.Load(dir, spec.Options{Vars: []spec.VarArg{{Value: "size=-1"}}})
	views.Diagnostics(&colored, cfg.Files, diags, true)
	if !strings.Contains(colored.String(), "\x1b[") {
		t.Errorf("no color:\n%q", colored.String())
	}
	e := &cliEnv{getenv: func(k string) string { return map[string]string{"NO_COLOR": "1"}[k] }}
	if useColor(e, false, os.Stderr) || useColor(&cliEnv{getenv: func(string) string { return "" }}, true, os.Stderr) {
		t.Error("useColor ignores NO_COLOR or -no-color")
	}
	if useColor(&cliEnv{getenv: func(string) string { return "" }}, false, &colored) {
		t.Error("useColor on a buffer")
	}
}
