package spec

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// OrderBlocks says which blocks protect the instances they no longer
// declare: prevent_cancel true, or an expression of each or count (whose
// value for a removed instance cannot be known).
func TestOrderBlocks(t *testing.T) {
	dir := writeDir(t, map[string]string{"main.hcl": `
variable "protect" {
  default = false
}

order "single" {
  symbol = "btcusd"
  side   = "buy"
  amount = 1
  price  = 1
}

order "grid" {
  count  = 0
  symbol = "btcusd"
  side   = "buy"
  amount = 1
  price  = 1
  lifecycle {
    prevent_cancel = true
  }
}

order "ladder" {
  for_each = { a = 1 }
  symbol   = "btcusd"
  side     = "buy"
  amount   = 1
  price    = each.value
  lifecycle {
    prevent_cancel = each.key == "core"
  }
}

order "by_var" {
  symbol = "btcusd"
  side   = "buy"
  amount = 1
  price  = 1
  lifecycle {
    prevent_cancel = var.protect
  }
}
`})
	c := mustLoad(t, dir, Options{})
	type row struct {
		Address, Expansion string
		PreventCancel      bool
		Line               int
	}
	var got []row
	for _, b := range c.OrderBlocks() {
		got = append(got, row{b.Address, b.Expansion, b.PreventCancel, b.Range.Start.Line})
	}
	want := []row{
		{"order.single", "", false, 6},
		{"order.grid", "count", true, 20},
		{"order.ladder", "for_each", true, 31},
		{"order.by_var", "", false, 41},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("OrderBlocks (-want +got):\n%s", diff)
	}
}
