package command

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// Found by the soak: an order filled, then was renamed twice (a to b, b to
// c). The plan warns that the block a→b must stay, but not b→c, although
// the chain needs both: a user who heeds the warnings removes b→c, and the
// next apply places order.c again in full (here a second buy of 0.01).
func TestAChainOfMovedBlocksThatCarriesAFillIsFlaggedWhole(t *testing.T) {
	t.Skip("known bug (found by the soak, reported): the plan flags only the first block of a chain of moved blocks")
	e := newE2E(t, e2eOptions{})
	e.writeConfig(ethBid("a", "0.01", "3000", ""))
	e.mustRun(exitOK, "apply", "-auto-approve", e.dir)
	if err := e.sim.Fill(e.onlyLive().ID, decimal.Zero); err != nil {
		t.Fatal(err)
	}
	chain := "\nmoved {\n  from = order.a\n  to   = order.b\n}\n\nmoved {\n  from = order.b\n  to   = order.c\n}\n"
	e.writeConfig(ethBid("c", "0.01", "3000", "") + chain)
	r := e.mustRun(exitOK, "plan", "-detailed-exitcode", e.dir)
	// Each block of the chain must be named as one to keep.
	if !strings.Contains(r.stderr, "Keep this moved block") || !strings.Contains(r.stderr, "order.b") {
		t.Errorf("the plan does not say that the moved block from order.b must stay too:\n%s", r)
	}
	e.writeConfig(ethBid("c", "0.01", "3000", "") + "\nmoved {\n  from = order.a\n  to   = order.b\n}\n")
	r = e.run(t.Context(), "apply", "-auto-approve", e.dir)
	if len(e.live()) != 0 {
		t.Errorf("with the unflagged link b→c removed, the filled order was placed again:\n%s", r)
	}
}
