package plan

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"
	"github.com/shopspring/decimal"
)

// A check points at the attribute it refuses when the order knows the
// attribute's range, and at the order block when it does not.
func TestDiagnosticsPointAtTheAttribute(t *testing.T) {
	attr := func(line int) hcl.Range {
		return hcl.Range{Filename: "main.hcl", Start: hcl.Pos{Line: line, Column: 11, Byte: 100}, End: hcl.Pos{Line: line, Column: 19, Byte: 108}}
	}
	withRanges := func(o *Order) {
		o.Ranges = map[string]hcl.Range{"price": attr(5), "amount": attr(4), "symbol": attr(2)}
	}
	// The guards: those about the price point at the price, those about
	// the order's size (notional) at the amount (issue 15, case 13).
	deviation := &Guard{MaxPriceDeviation: decimal.NewNullDecimal(dec("0.1")), AllowCrossing: true}
	crossing := &Guard{}
	orderNotional := &Guard{MaxOrderNotional: decimal.NewNullDecimal(dec("500")), AllowCrossing: true}
	openNotional := &Guard{MaxOpenNotional: map[string]decimal.Decimal{"USD": dec("500")}, AllowCrossing: true}
	for _, tc := range []struct {
		name  string
		order Order
		want  hcl.Range
		guard *Guard
	}{
		{"guard max_price_deviation", buy("order.a", "0.001", "500", withRanges), attr(5), deviation},
		{"guard allow_crossing", buy("order.a", "0.001", "1100", withRanges), attr(5), crossing},
		{"guard max_order_notional", buy("order.a", "1", "1000", withRanges), attr(4), orderNotional},
		{"guard max_open_notional", buy("order.a", "1", "1000", withRanges), attr(4), openNotional},
		{"price off its increment", buy("order.a", "0.001", "1000.001", withRanges), attr(5), nil},
		{"amount below the minimum", buy("order.a", "0.000001", "1000", withRanges), attr(4), nil},
		{"unknown symbol", buy("order.a", "0.001", "1000", withRanges, func(o *Order) { o.Symbol = "nosuch" }), attr(2), nil},
		{"no attribute ranges", buy("order.a", "0.001", "1000.001"), rng(len("order.a")), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := input([]Order{tc.order})
			in.Guard = tc.guard
			in.Tickers = map[string]Ticker{"btcusd": {Bid: dec("999"), Ask: dec("1001"), Last: dec("1000")}}
			_, diags := Compute(in)
			if !diags.HasErrors() {
				t.Fatal("want an error")
			}
			if diff := cmp.Diff(tc.want, *diags[0].Subject); diff != "" {
				t.Errorf("subject (-want +got):\n%s", diff)
			}
		})
	}
}

// A create after a fill or an outside cancel carries the closed order the
// plan saw as its Prior, through a saved plan too, so that apply never takes
// that order for the one it places.
func TestCreateCarriesItsPriorOrder(t *testing.T) {
	d := buy("order.a", "0.001", "1000", func(o *Order) { o.OnFill = "replace" })
	filled := with(live(d, "77", "0.001"), func(l *LiveOrder) { l.IsLive = false })
	in := input([]Order{d})
	in.History = byID(map[string]LiveOrder{d.ClientOrderID: filled})
	p, diags := Compute(in)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var got *LiveOrder
	for _, a := range p.Actions {
		if a.Kind == Create {
			got = a.Prior
		}
	}
	if got == nil || got.OrderID != "77" {
		t.Fatalf("create's prior = %+v, want order 77", got)
	}
	path := t.TempDir() + "/p.plan"
	if err := Save(path, NewSaved(p, "digest", "fp", t0, 0), testKey); err != nil {
		t.Fatal(err)
	}
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(p.Actions, s.Plan.Actions, cmpopts.EquateEmpty(), cmp.FilterPath(func(p cmp.Path) bool {
		return p.Last().String() == ".Range" || p.Last().String() == ".Ranges"
	}, cmp.Ignore())); diff != "" {
		t.Errorf("actions after a save and load (-want +got):\n%s", diff)
	}
}
