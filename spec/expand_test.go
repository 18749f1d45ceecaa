package spec

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestExpansionOfAFailedLocal: count or for_each over a local value that
// failed reports the local's error alone, not also "depends on a data
// source" (issue 15, case 12); one that does use a data source still says
// so.
func TestExpansionOfAFailedLocal(t *testing.T) {
	src := `
data "ticker" "btc" { symbol = "btcusd" }
locals {
  levels = { a = 1, b = "x" + 1 }
  keys   = toset(["a", tonumber("zz")])
  n      = local.levels["a"] + 1
  live   = data.ticker.btc.bid > 1 ? 2 : 1
}
order "grid" {
  for_each = local.levels
  symbol   = "btcusd"
  side     = "buy"
  amount   = "0.001"
  price    = each.value
}
order "g2" {
  for_each = local.keys
  symbol   = "btcusd"
  side     = "buy"
  amount   = "0.001"
  price    = 1
}
order "g3" {
  count  = local.n
  symbol = "btcusd"
  side   = "buy"
  amount = "0.001"
  price  = 1
}
order "g4" {
  count  = local.live
  symbol = "btcusd"
  side   = "buy"
  amount = "0.001"
  price  = 1
}
`
	_, diags := load("expand", []source{{"main.hcl", []byte(src)}}, nil, nil, nil)
	var got []string
	for _, d := range diags {
		got = append(got, d.Subject.String()+": "+d.Summary)
	}
	want := []string{
		"main.hcl:4,25-28: Invalid operand",
		"main.hcl:5,34-36: Invalid function argument",
		"main.hcl:31,12-22: Invalid count argument", // g4: a data source
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("diagnostics (-want +got):\n%s", d)
	}
}
