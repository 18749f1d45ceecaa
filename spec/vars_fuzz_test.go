package spec

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// varsFuzzConfig declares a variable of every kind a -var value or an
// ORDERFORM_VAR_ value can be parsed as, and uses each in an order.
const varsFuzzConfig = `
variable "n" {
  type    = number
  default = 0.001
}
variable "s" {
  type    = string
  default = "btcusd"
}
variable "b" {
  type    = bool
  default = false
}
variable "l" {
  type    = list(number)
  default = [1]
}
variable "m" {
  type    = map(string)
  default = { a = "buy" }
}
variable "o" {
  type    = object({ price = number, side = string })
  default = { price = 100, side = "sell" }
}
variable "any" {
  default = 1
}
variable "secret" {
  type      = number
  default   = 2
  sensitive = true
  validation {
    condition     = var.secret > 0
    error_message = "secret must be positive."
  }
}

order "a" {
  symbol = var.s
  side   = var.m["a"]
  amount = var.n
  price  = var.l[0] * var.secret
}

order "b" {
  count  = var.b ? 1 : 0
  symbol = "ethusd"
  side   = var.o.side
  amount = var.any
  price  = var.o.price
}
`

// FuzzVarValues feeds arbitrary -var arguments and ORDERFORM_VAR_ values to
// variables of every type: nothing may panic or hang, every problem is a
// diagnostic with a subject, and a sensitive value never appears in one.
func FuzzVarValues(f *testing.F) {
	for _, s := range [][3]string{
		{"n=0.5", "l", "[1, 2]"},
		{"n=1e400", "n", "NaN"},
		{"l=[[[[1]]]]", "m", `{a = "sell"}`},
		{`o={price = 1, side = "buy"}`, "o", `{price = "x"}`},
		{"b=true", "b", "maybe"},
		{"secret=-1", "secret", "SENSITIVE-VALUE-1234"},
		{"secret=SENSITIVE", "n", "1"},
		{`secret="SENSITIVE"`, "secret", "[SENSITIVE]"},
		{"any=${var.n}", "any", `"${file("/etc/passwd")}"`},
		{"=", "s", ""},
		{"nope=1", "nope", "1"},
		{"l=[" + string(make([]byte, 10)) + "]", "l", "[1,]"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, arg, envName, envValue string) {
		getenv := func(k string) string {
			if k == "ORDERFORM_VAR_"+envName {
				return envValue
			}
			return ""
		}
		c, diags := load("fuzz", []source{{"main.hcl", []byte(varsFuzzConfig)}}, nil, []varInput{{raw: arg}}, getenv)
		checkSubjects(t, diags)
		checkNoSecret(t, diags, envName, envValue, arg)
		if c == nil {
			t.Fatal("nil Config")
		}
		if diags.HasErrors() {
			return
		}
		_, diags = c.Orders(nil)
		checkSubjects(t, diags)
		checkNoSecret(t, diags, envName, envValue, arg)
		_ = c.Digest()
	})
}

// checkNoSecret fails when a value given for the sensitive variable shows
// in a diagnostic. Values are recognised by the marker "SENSITIVE", which
// no diagnostic contains otherwise (the seeds carry it; mutations keep it).
func checkNoSecret(t *testing.T, diags hcl.Diagnostics, envName, envValue, arg string) {
	t.Helper()
	given := envName == "secret" && strings.Contains(envValue, "SENSITIVE") ||
		strings.HasPrefix(arg, "secret=") && strings.Contains(arg, "SENSITIVE")
	if !given {
		return
	}
	for _, d := range diags {
		if strings.Contains(d.Summary+d.Detail, "SENSITIVE") {
			t.Fatalf("a diagnostic shows the sensitive value: %s: %s", d.Summary, d.Detail)
		}
	}
}
