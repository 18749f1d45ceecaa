package spec

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/shopspring/decimal"
)

// eval evaluates an HCL expression with the configuration's functions.
func eval(t *testing.T, src string) (decimal.Decimal, error) {
	t.Helper()
	expr, diags := hclsyntax.ParseExpression([]byte(src), "test.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("%s: %s", src, diags.Error())
	}
	v, diags := expr.Value(&hcl.EvalContext{Functions: functions})
	if diags.HasErrors() {
		return decimal.Decimal{}, diags
	}
	return valueDecimal(v)
}

func TestExactDecimals(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"0.1 * 3", "0.3"},
		{"0.1 + 0.2", "0.3"},
		{"1 - 0.9", "0.1"},
		{"64000.17 * 0.99", "63360.1683"},
		{`"0.00000001"`, "0.00000001"},
		{`"64000.10"`, "64000.1"},
		{"1e-8", "0.00000001"},
		{"123456789.123456789", "123456789.123456789"},
		{"floor_to(64123.456, 0.01)", "64123.45"},
		{"ceil_to(64123.451, 0.01)", "64123.46"},
		{"round_to(64123.445, 0.01)", "64123.45"},
		{"round_to(64123.444, 0.01)", "64123.44"},
		{"round_to(-1.5, 1)", "-2"},
		{"floor_to(-1.5, 1)", "-2"},
		{"ceil_to(-1.5, 1)", "-1"},
		{"floor_to(0.3, 0.1)", "0.3"}, // 0.3 is on the step, whatever the binary says
		{"floor_to(0.1 * 3, 0.1)", "0.3"},
		{`floor_to("0.123456789", "0.00000001")`, "0.12345678"},
		{"floor_to(100 / 3, 0.0001)", "33.3333"},
		{"ceil_to(2 / 3, 0.01)", "0.67"},
		{"round_to(1.25, 0.5)", "1.5"},
		{"floor_to(64000, 0.5) + 0.25", "64000.25"},
		{"min(0.1 * 3, 1)", "0.3"},
	}
	for _, tt := range tests {
		got, err := eval(t, tt.expr)
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		if got.String() != tt.want {
			t.Errorf("%s = %s, want %s", tt.expr, got, tt.want)
		}
	}
}

func TestDecimalErrors(t *testing.T) {
	for _, expr := range []string{
		`"NaN"`, `"Inf"`, `"-Infinity"`, `"0x10"`, `" 1"`, `"1,5"`, `""`, `"1e999999"`,
		"floor_to(1, 0)", "floor_to(1, -0.5)", `floor_to("abc", 1)`, "floor_to(true, 1)",
		"1e40",
	} {
		if got, err := eval(t, expr); err == nil {
			t.Errorf("%s = %s, want an error", expr, got)
		}
	}
}
