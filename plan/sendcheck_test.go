package plan

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestRecheck: the checks Compute ran at plan time run again on the
// placements against the market read right before sending, under the guard
// the plan carries.
func TestRecheck(t *testing.T) {
	then := map[string]Ticker{"btcusd": {Bid: dec("63990"), Ask: dec("64010")}}
	fallen := map[string]Ticker{"btcusd": {Bid: dec("58990"), Ask: dec("59010")}}
	bid := buy("order.bid", "0.1", "63000")
	mc := buy("order.mc", "0.1", "62000", func(o *Order) { o.Options = []string{"maker-or-cancel"} })
	stop := buy("order.stop", "0.1", "64200", func(o *Order) { o.Type, o.StopPrice = "stop-limit", dec("64100") })
	kept := buy("order.kept", "0.1", "50000")
	in := input([]Order{bid, mc, stop, kept}, live(kept, "7", "0"),
		with(live(bid, "8", "0"), func(l *LiveOrder) { l.Price = dec("62900") }))
	in.Tickers = then
	in.Guard = &Guard{MaxPriceDeviation: decimalNull("0.05")}
	p, diags := Compute(in)
	if diags.HasErrors() {
		t.Fatal(diagText(diags))
	}
	if p.Guard != in.Guard {
		t.Fatal("the plan does not carry its guard")
	}

	if got := NeedsOf(p); !cmp.Equal(got, MarketNeeds{Rules: []string{"btcusd"}, Tickers: []string{"btcusd"}}) {
		t.Errorf("NeedsOf = %+v", got)
	}
	if f := Recheck(p, Market{Rules: btcRules, Tickers: then}); len(f) != 0 {
		t.Errorf("the market has not moved, but Recheck found %+v", f)
	}

	// The market falls 8%: the bid (a replace) and the maker-or-cancel
	// order leave the band and cross; the stop is not reached any more; the
	// kept order is not placed, so not checked.
	in.Guard.AllowCrossing = false
	got := map[string][]string{}
	for _, f := range Recheck(p, Market{Rules: btcRules, Tickers: fallen}) {
		if !f.Error {
			t.Errorf("%s: a warning where the guard refuses: %s", f.Address, f.Summary)
		}
		if p.Actions[f.Action].After.Address != f.Address {
			t.Errorf("finding for %s points at action %d (%s)", f.Address, f.Action, p.Actions[f.Action].Address)
		}
		got[f.Address] = append(got[f.Address], f.Summary)
	}
	want := map[string][]string{
		"order.bid":  {"Refused by guard max_price_deviation", "Refused by guard allow_crossing"},
		"order.mc":   {"Refused by guard max_price_deviation", "Refused by guard allow_crossing"},
		"order.stop": {"Refused by guard max_price_deviation"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings after the market fell (-want +got):\n%s", diff)
	}

	// A symbol closed since the plan refuses its placements without any guard.
	p.Guard = nil
	closed := btcRules["btcusd"]
	closed.Status = "cancel_only"
	for _, f := range Recheck(p, Market{Rules: map[string]SymbolRules{"btcusd": closed}, Tickers: then}) {
		if !f.Error || f.Summary != "Symbol closed for new orders" {
			t.Errorf("%s: %+v, want the symbol closed", f.Address, f)
		}
	}
}

// TestRecheckMakerOrCancelWarning: the "would take" warning comes from the
// market read at send time, whatever data sources the configuration has;
// without a guard, only maker-or-cancel placements need a ticker.
func TestRecheckMakerOrCancelWarning(t *testing.T) {
	mc := buy("order.mc", "0.1", "63000", func(o *Order) { o.Options = []string{"maker-or-cancel"} })
	plain := sell("order.plain", "0.1", "70000", func(o *Order) { o.Symbol = "ethusd" })
	p, diags := Compute(input([]Order{mc, plain}))
	if len(diags) != 0 {
		t.Fatalf("no ticker was read, so no warning at plan time: %s", diagText(diags))
	}
	if got := NeedsOf(p); !cmp.Equal(got, MarketNeeds{Rules: []string{"btcusd", "ethusd"}, Tickers: []string{"btcusd"}}) {
		t.Errorf("NeedsOf = %+v", got)
	}
	f := Recheck(p, Market{Rules: btcRules, Tickers: map[string]Ticker{"btcusd": {Bid: dec("62990"), Ask: dec("63000")}}})
	if len(f) != 1 || f[0].Error || f[0].Address != "order.mc" || f[0].Summary != "Maker-or-cancel order would take" ||
		!strings.Contains(f[0].Detail, "ask 63000") {
		t.Fatalf("findings = %+v, want one warning for order.mc naming the ask", f)
	}
}
