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
	if n := strings.Count(r.stderr, "Keep this moved block"); n != 2 || !strings.Contains(r.stderr, "a chain of moved blocks") {
		t.Errorf("the plan does not say that both blocks of the chain must stay (%d flagged):\n%s", n, r)
	}
	// The user removes the link b→c anyway: the plan that would place
	// order.c again says that a renamed order already filled.
	e.writeConfig(ethBid("c", "0.01", "3000", "") + "\nmoved {\n  from = order.a\n  to   = order.b\n}\n")
	r = e.run(t.Context(), "plan", e.dir)
	if !strings.Contains(r.stderr, "A renamed order that already filled?") {
		t.Errorf("with the link b→c removed, order.c would be placed again without a warning:\n%s", r)
	}
}
