package spec

import (
	"strings"
	"testing"
)

// Inputs that would overflow the recursive parser's stack (a fatal error no
// recover can catch) are refused with a diagnostic instead.
func TestDeepNestingRefused(t *testing.T) {
	const n = 50000
	order := func(price string) string {
		return "order \"a\" {\n  symbol = \"btcusd\"\n  side = \"buy\"\n  amount = 1\n  price = " + price + "\n}\n"
	}
	for name, src := range map[string]string{
		"brackets":     order(strings.Repeat("[", n) + strings.Repeat("]", n)),
		"parentheses":  order(strings.Repeat("(", n) + "1" + strings.Repeat(")", n)),
		"braces":       order(strings.Repeat("{a=", n) + "1" + strings.Repeat("}", n)),
		"templates":    order(strings.Repeat(`"${`, n) + "1" + strings.Repeat(`}"`, n)),
		"conditionals": order(strings.Repeat("true ? 1 : ", n) + "1"),
		"unary minus":  order(strings.Repeat("-", n) + "1"),
		"unary not":    order(strings.Repeat("!", n) + "true"),
		"calls":        order(strings.Repeat("abs(", n) + "1" + strings.Repeat(")", n)),
	} {
		_, diags := load("t", []source{{"main.hcl", []byte(src)}}, nil, nil, nil)
		if !diags.HasErrors() || !strings.Contains(diags.Error(), "nested too deeply") {
			t.Errorf("%s: %v", name, diags)
		}
	}
	_, diags := load("t", []source{{"main.hcl", []byte(order("var.l[0]") + "variable \"l\" {\n  type = list(number)\n}\n")}}, nil,
		[]varInput{{raw: "l=" + strings.Repeat("[", n) + strings.Repeat("]", n)}}, nil)
	if !strings.Contains(diags.Error(), "nested too deeply") {
		t.Errorf("-var: %v", diags)
	}
	if _, d := CheckSyntax("x.hcl", []byte(order(strings.Repeat("[", n)+strings.Repeat("]", n)))); !strings.Contains(d.Error(), "nested too deeply") {
		t.Errorf("CheckSyntax (fmt): %v", d)
	}
}

// Ordinary nesting, and long flat expressions, are fine.
func TestOrdinaryNestingAccepted(t *testing.T) {
	src := "locals {\n  x = " + strings.Repeat("[", 30) + "1" + strings.Repeat("]", 30) +
		"\n  y = " + strings.Repeat("1 + ", 5000) + "1\n  z = " + strings.Repeat("true ? 1 : ", 50) + "1\n}\n" +
		"order \"a\" {\n  symbol = \"btcusd\"\n  side = \"buy\"\n  amount = 1\n  price = local.y + local.z + -(-1)\n}\n"
	_, diags := load("t", []source{{"main.hcl", []byte(src)}}, nil, nil, nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
}
