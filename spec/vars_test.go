package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// writeDir writes files into a temporary directory and returns it.
func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func mustLoad(t *testing.T, dir string, opts Options) *Config {
	t.Helper()
	c, diags := Load(dir, opts)
	if diags.HasErrors() {
		t.Fatalf("Load: %s", diags.Error())
	}
	return c
}

func varValue(t *testing.T, c *Config, name string) string {
	t.Helper()
	for _, v := range c.Variables {
		if v.Name == name {
			val, _ := v.Value.Unmark()
			switch val.Type() {
			case cty.String:
				return val.AsString()
			case cty.Number:
				return val.AsBigFloat().Text('f', -1)
			}
			return val.GoString()
		}
	}
	t.Fatalf("no variable %q", name)
	return ""
}

const sizeConfig = `
variable "size" {
  type    = string
  default = "default"
}
order "a" {
  symbol = "btcusd"
  side   = "buy"
  amount = 1
  price  = 1
}
`

// TestVariablePrecedence: default < ORDERFORM_VAR_ < *.auto.vars.hcl (in
// name order) < -var-file and -var in command-line order.
func TestVariablePrecedence(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"main.hcl":           sizeConfig,
		"a.auto.vars.hcl":    `size = "auto-a"`,
		"b.auto.vars.hcl":    `size = "auto-b"`,
		"ignored.vars.hcl":   `size = "not auto"`,
		"first.tfvars.hcl":   `size = "file"`, // a config file name: not read as values
		"explicit.vars.data": `size = "var-file"`,
	})
	os.Remove(filepath.Join(dir, "first.tfvars.hcl"))
	varFile := filepath.Join(dir, "explicit.vars.data")
	e := env(map[string]string{"ORDERFORM_VAR_size": "env"})
	noAuto := writeDir(t, map[string]string{"main.hcl": sizeConfig})
	tests := []struct {
		name string
		dir  string
		opts Options
		want string
	}{
		{"default", noAuto, Options{}, "default"},
		{"env over default", noAuto, Options{Getenv: e}, "env"},
		{"auto files over env, later name wins", dir, Options{Getenv: e}, "auto-b"},
		{"var-file over auto", dir, Options{Getenv: e, Vars: []VarArg{{File: true, Value: varFile}}}, "var-file"},
		{"-var after -var-file wins", dir, Options{Vars: []VarArg{{File: true, Value: varFile}, {Value: "size=cli"}}}, "cli"},
		{"-var-file after -var wins", dir, Options{Vars: []VarArg{{Value: "size=cli"}, {File: true, Value: varFile}}}, "var-file"},
		{"last -var wins", noAuto, Options{Vars: []VarArg{{Value: "size=one"}, {Value: "size=two=2"}}}, "two=2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, tt.dir, tt.opts)
			if got := varValue(t, c, "size"); got != tt.want {
				t.Errorf("size = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestVariableTypesFromText(t *testing.T) {
	dir := writeDir(t, map[string]string{"main.hcl": `
variable "n" { type = number }
variable "levels" { type = map(number) }
variable "any" {}
order "a" {
  for_each = var.levels
  symbol   = "btcusd"
  side     = "buy"
  amount   = var.n
  price    = each.value
}
`})
	c := mustLoad(t, dir, Options{
		Getenv: env(map[string]string{"ORDERFORM_VAR_levels": `{ l1 = 100, l2 = "200.5" }`}),
		Vars:   []VarArg{{Value: "n=0.5"}, {Value: "any=42"}},
	})
	orders, _ := c.Orders(nil)
	var got []string
	for _, o := range orders {
		got = append(got, o.Address+" "+o.Amount.String()+"@"+o.Price.String())
	}
	want := []string{`order.a["l1"] 0.5@100`, `order.a["l2"] 0.5@200.5`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("orders (-want +got):\n%s", diff)
	}
	if got := varValue(t, c, "any"); got != "42" {
		t.Errorf("untyped -var is a string: got %q", got)
	}
}

func TestVariableErrors(t *testing.T) {
	dir := writeDir(t, map[string]string{"main.hcl": `
variable "size" {
  type = number
  validation {
    condition     = var.size < 10
    error_message = "size is at most 10."
  }
}
`, "x.auto.vars.hcl": "sise = 1\n"})
	tests := []struct {
		name string
		opts Options
		want []string // summaries
	}{
		{"missing", Options{}, []string{"No value for required variable", "Value for undeclared variable"}},
		{"validation", Options{Vars: []VarArg{{Value: "size=11"}}}, []string{"Value for undeclared variable", "Invalid value for variable"}},
		{"not a number", Options{Vars: []VarArg{{Value: "size=abc"}}}, []string{"Value for undeclared variable", "Invalid value for variable"}},
		{"undeclared -var", Options{Vars: []VarArg{{Value: "size=1"}, {Value: "nope=1"}}}, []string{"Value for undeclared variable", "Value for undeclared variable"}},
		{"bad -var", Options{Vars: []VarArg{{Value: "size"}}}, []string{"No value for required variable", "Value for undeclared variable", "Invalid -var option"}},
		{"missing var-file", Options{Vars: []VarArg{{Value: "size=1"}, {File: true, Value: "/nonexistent.hcl"}}}, []string{"Cannot read variables file", "Value for undeclared variable"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := Load(dir, tt.opts)
			var got []string
			for _, d := range diags {
				got = append(got, d.Summary)
				if d.Subject == nil {
					t.Errorf("%s: no subject", d.Summary)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSensitive: a sensitive value marks what is derived from it, never
// appears in a diagnostic, and is listed by SensitiveValues.
func TestSensitive(t *testing.T) {
	dir := writeDir(t, map[string]string{"main.hcl": `
variable "size" {
  type      = number
  sensitive = true
}
variable "tag" {
  type      = string
  sensitive = true
  validation {
    condition     = length(var.tag) < 3
    error_message = "tag ${var.tag} is too long."
  }
}
order "a" {
  symbol = "btcusd"
  side   = "buy"
  amount = var.size * 2
  price  = 100
}
order "b" {
  symbol = "btcusd"
  side   = "buy"
  amount = var.size - 1
  price  = 100
}
`})
	c, diags := Load(dir, Options{Vars: []VarArg{{Value: "size=0.4321"}, {Value: "tag=s3cr3t-tag"}}})
	var text strings.Builder
	wr := hcl.NewDiagnosticTextWriter(&text, c.Files, 200, false)
	wr.WriteDiagnostics(diags)
	for _, secret := range []string{"0.4321", "0.8642", "-0.5679", "s3cr3t"} {
		if strings.Contains(text.String(), secret) {
			t.Errorf("diagnostics show %q:\n%s", secret, text.String())
		}
	}
	var summaries []string
	for _, d := range diags {
		summaries = append(summaries, d.Summary)
	}
	if diff := cmp.Diff([]string{"Invalid value for variable", "Invalid amount"}, summaries); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s\n%s", diff, text.String())
	}
	orders, _ := c.Orders(nil)
	if len(orders) != 2 || !cmp.Equal(orders[0].Sensitive, []string{"amount"}) || orders[0].Amount.String() != "0.8642" {
		t.Errorf("order a: %+v", orders[0])
	}
	if diff := cmp.Diff([]string{"0.4321", "s3cr3t-tag"}, c.SensitiveValues()); diff != "" {
		t.Errorf("SensitiveValues (-want +got):\n%s", diff)
	}
}
