package command

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// Found by the soak: an on_fill = "done" order has filled 0.008 of a
// declared 0.01 (part of one order, then the order was replaced with the
// remaining 0.002 after a reprice), and the user lowers the amount to
// 0.005, below what has filled. Nothing more may be bought: the address
// has filled more than it now declares. Instead the plan splits the
// history into cycles by the new amount, takes the first order as a
// completed cycle and the live remainder as the start of a new one, and
// replaces it with a fresh 0.005: 0.013 bought for a largest declared 0.01.
func TestLoweringTheAmountBelowWhatFilledBuysNoMore(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	e.writeConfig(ethBid("a", "0.01", "3000", ""))
	e.mustRun(exitOK, "apply", "-auto-approve", e.dir)
	if err := e.sim.Fill(e.onlyLive().ID, decimal.RequireFromString("0.008")); err != nil {
		t.Fatal(err)
	}
	e.writeConfig(ethBid("a", "0.01", "2990", "")) // a reprice: the remaining 0.002 is placed
	e.mustRun(exitOK, "apply", "-auto-approve", e.dir)
	e.writeConfig(ethBid("a", "0.005", "2990", ""))
	r := e.mustRun(exitOK, "apply", "-auto-approve", e.dir)
	for _, o := range e.live() {
		if err := e.sim.Fill(o.ID, decimal.Zero); err != nil {
			t.Fatal(err)
		}
	}
	var got decimal.Decimal
	for _, v := range e.filledUnder() {
		got = got.Add(v)
	}
	if got.GreaterThan(decimal.RequireFromString("0.01")) || strings.Contains(r.stdout, "placed for the remaining 0.005") {
		t.Errorf("order.a bought %s, more than the 0.01 it ever declared:\n%s", got, r)
	}
}
