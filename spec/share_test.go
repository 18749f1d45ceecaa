package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/shopspring/decimal"
	"github.com/zclconf/go-cty/cty"
)

// shareConfigs exercise what evalOrders shares between instances and
// passes: invariant attributes, folded invariant parts, errors in some
// instances only, sensitive values, conditionals and try.
var shareConfigs = []string{
	benchConfig(60),
	`
variable "size" {
  type      = number
  default   = 0.5
  sensitive = true
}
data "ticker" "btc" { symbol = "btcusd" }
data "symbol" "btc" { symbol = "btcusd" }
locals {
  levels = { a = 1, b = "x", c = -1, d = 0.25, e = null }
  names  = toset(["p", "q"])
}
order "grid" {
  for_each = local.levels
  symbol   = "btcusd"
  side     = each.key == "a" ? "buy" : "sell"
  amount   = var.size
  price    = floor_to(data.ticker.btc.bid * each.value, data.symbol.btc.price_increment)
  options  = each.key == "b" ? ["fill-or-kill"] : ["maker-or-cancel"]
  lifecycle {
    reprice_tolerance = try(each.value / 100, 0.001)
    on_fill           = data.ticker.btc.bid > 1 ? "replace" : "done"
  }
}
order "set" {
  for_each = local.names
  symbol   = "${each.key}usd"
  side     = "sell"
  amount   = -var.size + 1
  price    = ceil_to((data.ticker.btc.ask + 1) * 2, data.symbol.btc.price_increment) + (-1)
  type     = "stop-limit"
  stop_price = data.ticker.btc.ask * 3
}
order "n" {
  count  = 3
  symbol = "ethusd"
  side   = "buy"
  amount = count.index == 1 ? "abc" : count.index + 1
  price  = max(data.ticker.btc.bid, 1) / (count.index + 1)
}
`,
	`
variable "size" {
  type      = number
  default   = 0.5
  sensitive = true
}
data "ticker" "btc" { symbol = "btcusd" }
data "symbol" "btc" { symbol = "btcusd" }
locals {
  levels = { a = 1, d = 0.25, e = "0.125" }
  budget = data.ticker.btc.bid / 1000
}
order "grid" {
  for_each = local.levels
  symbol   = "btcusd"
  side     = each.key == "a" ? "buy" : "sell"
  amount   = floor_to(var.size * each.value, 0.001)
  price    = floor_to(data.ticker.btc.bid * (1 + -each.value / 10), data.symbol.btc.price_increment)
  options  = ["maker-or-cancel"]
  lifecycle {
    reprice_tolerance = try(each.value / 100, 0.001)
    on_fill           = data.ticker.btc.bid > 1 ? "replace" : "done"
  }
}
order "n" {
  count  = 2
  symbol = "ethusd"
  side   = "buy"
  amount = local.budget
  price  = max(data.ticker.btc.bid, 1) / (count.index + 1) > 0 ? round_to(data.ticker.btc.ask / (count.index + 2), 0.01) : 1
}
`,
}

// orderResult is what a test compares of an evaluation.
type orderResult struct {
	Orders []string
	Diags  []string
}

func evalAll(t *testing.T, src string) orderResult {
	t.Helper()
	var r orderResult
	c, diags := load("share", []source{{"main.hcl", []byte(src)}}, nil, nil, nil)
	r.Diags = append(r.Diags, showDiags(diags)...)
	static, _ := c.Orders(nil)
	r.Orders = append(r.Orders, showOrders(static)...)
	if diags.HasErrors() {
		return r
	}
	orders, diags := c.Orders(fakeData(c))
	r.Diags = append(r.Diags, showDiags(diags)...)
	r.Orders = append(r.Orders, showOrders(orders)...)
	return r
}

func showOrders(orders []Order) []string {
	var out []string
	for _, o := range orders {
		out = append(out, fmt.Sprintf("%s %s %s %s %s %s@%s stop=%s %v tol=%s %s %s %v sens=%v unk=%v %v %d",
			o.Address, o.ClientOrderID, o.Symbol, o.Side, o.Type, o.Amount, o.Price, o.StopPrice, o.Options,
			o.RepriceTolerance, o.OnFill, o.ReplaceAmount, o.PreventCancel, o.Sensitive, o.Unknown, o.Range, len(o.Ranges)))
	}
	return out
}

func showDiags(diags hcl.Diagnostics) []string {
	var out []string
	for _, d := range diags {
		s := fmt.Sprintf("%d %s: %s [%v]", d.Severity, d.Summary, d.Detail, d.Subject)
		if d.Expression != nil {
			s += fmt.Sprintf(" expr %v", d.Expression.Range())
		}
		if d.EvalContext != nil {
			s += " ctx"
			for _, name := range []string{"each", "count"} {
				if v, ok := d.EvalContext.Variables[name]; ok {
					s += fmt.Sprintf(" %s=%#v", name, v)
				}
			}
		}
		out = append(out, s)
	}
	return out
}

// TestSharingChangesNothing evaluates configurations with and without
// what evalOrders shares, and wants the same orders and diagnostics.
func TestSharingChangesNothing(t *testing.T) {
	srcs := append([]string(nil), shareConfigs...)
	paths, _ := filepath.Glob("testdata/fixtures/*/*.hcl")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, string(b))
	}
	for i, src := range srcs {
		shared := evalAll(t, src)
		shareEval = false
		plain := evalAll(t, src)
		shareEval = true
		if diff := cmp.Diff(plain, shared); diff != "" {
			t.Errorf("config %d: sharing changed the result (-plain +shared):\n%s", i, diff)
		}
		if i == 1 && len(shared.Diags) == 0 {
			t.Errorf("config %d: expected diagnostics", i)
		}
		if i == 2 && (len(shared.Diags) != 0 || len(shared.Orders) != 10) {
			t.Errorf("config %d: want 5 orders twice and no diagnostics, got %q %q", i, shared.Orders, shared.Diags)
		}
	}
}

// TestFoldInvariant: folding replaces exactly the parts that refer to
// neither each nor count, and the folded expression has the same value.
func TestFoldInvariant(t *testing.T) {
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"var":  cty.ObjectVal(map[string]cty.Value{"a": cty.NumberIntVal(3)}),
			"data": cty.ObjectVal(map[string]cty.Value{"b": cty.NumberFloatVal(0.5)}),
		},
		Functions: functions,
	}
	child := ctx.NewChild()
	child.Variables = map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal("k"), "value": cty.NumberIntVal(7)})}
	for _, src := range []string{
		"floor_to(var.a * each.value, data.b)",
		"var.a > 1 ? each.value : -var.a",
		"(var.a + data.b) * (each.value - 1)",
		"[for x in [var.a] : x * each.value][0]",
		"max(var.a, each.value, data.b + 1)",
		"var.a + data.b",
		"each.value",
		"var.missing * each.value",
	} {
		expr, diags := hclsyntax.ParseExpression([]byte(src), "x", hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		f := foldInvariant(expr, child)
		want, wd := expr.Value(child)
		got, gd := f.Value(child)
		if wd.HasErrors() {
			if !gd.HasErrors() {
				t.Errorf("%s: folded evaluates without the error", src)
			}
			continue
		}
		if gd.HasErrors() || !got.RawEquals(want) {
			t.Errorf("%s: folded = %#v %v, want %#v", src, got, gd, want)
		}
		if strings.Contains(src, "each") && f == expr && strings.Contains(src, "var.a *") {
			t.Errorf("%s: nothing folded", src)
		}
	}
}

// TestCheckLiteralsWalk: the direct walk finds what hclsyntax.VisitAll
// finds.
func TestCheckLiteralsWalk(t *testing.T) {
	srcs := []string{
		"a = 1e9999\nb = { x = 1e-9999, 1e9999 = 2, \"k\" = [1, 2e9999] }\nc = f(1e9999) + -1e9999\n",
		"a = \"${1e9999}\"\nb = [for x in [1e9999] : x]\nc = x ? 1e9999 : (1e-9999)\nd { e = 1e9999 }\n",
		benchConfig(20),
	}
	paths, _ := filepath.Glob("testdata/fixtures/*/*.hcl")
	for _, p := range paths {
		b, _ := os.ReadFile(p)
		srcs = append(srcs, string(b))
	}
	for _, src := range srcs {
		file, diags := hclsyntax.ParseConfig([]byte(src), "x.hcl", hcl.InitialPos)
		if diags.HasErrors() {
			continue
		}
		body := file.Body.(*hclsyntax.Body)
		var want hcl.Diagnostics
		_ = hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
			if lit, ok := n.(*hclsyntax.LiteralValueExpr); ok && lit.Val.Type() == cty.Number && lit.Val.IsKnown() && !lit.Val.IsNull() {
				f := lit.Val.AsBigFloat()
				if !f.IsInf() && f.Sign() != 0 {
					if e := f.MantExp(nil); e > maxLiteralExp || e < -maxLiteralExp {
						want = append(want, errDiag("Number out of range", "", lit.SrcRange))
					}
				}
			}
			return nil
		})
		got := checkLiterals(body)
		var g, w []string
		for _, d := range sortDiags(got) {
			g = append(g, d.Subject.String())
		}
		for _, d := range sortDiags(want) {
			w = append(w, d.Subject.String())
		}
		if diff := cmp.Diff(w, g); diff != "" {
			t.Errorf("checkLiterals (-VisitAll +walk):\n%s", diff)
		}
	}
	_ = decimal.Zero
}
