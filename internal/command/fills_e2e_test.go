package command

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"orderform/gemini"
	"orderform/gemini/sim"
)

// ethBid is an order block for a limit buy on ethusd.
func ethBid(name, amount, price, lifecycle string) string {
	s := fmt.Sprintf("order %q {\n  symbol = \"ethusd\"\n  side   = \"buy\"\n  amount = %q\n  price  = %s\n", name, amount, price)
	if lifecycle != "" {
		s += "  lifecycle {\n    " + lifecycle + "\n  }\n"
	}
	return s + "}\n"
}

// filledUnder returns, for each client order id of the namespace, the
// amount its orders (live and closed) have filled in the simulator.
func (e *e2e) filledUnder() map[string]decimal.Decimal {
	out := map[string]decimal.Decimal{}
	for _, o := range e.sim.Orders() {
		if strings.HasPrefix(o.ClientOrderID, "of:"+e.ns+":") {
			out[o.ClientOrderID] = out[o.ClientOrderID].Add(o.Executed)
		}
	}
	return out
}

// onlyLive returns the one live order of the namespace.
func (e *e2e) onlyLive() sim.OrderView {
	e.t.Helper()
	l := e.live()
	if len(l) != 1 {
		e.t.Fatalf("want one live order, got %+v", l)
	}
	return l[0]
}

// Case 3 of issue 12: a duplicate is cancelled (the older order is kept),
// then the kept order fills. The newest order of the address is the
// cancelled duplicate, but the address has filled: with on_fill = "done"
// it is never placed again.
func TestAFilledAddressStaysFilledWhenItsDuplicateWasCancelled(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	e.writeConfig(ethBid("a", "0.01", "3000", ""))
	e.mustRun(exitOK, "apply", "-auto-approve", e.dir)
	kept := e.onlyLive()

	// A second order under the same client order id (a lost answer placed
	// again, another process): newer than the first.
	c := e.otherClient()
	if _, err := c.NewOrder(context.Background(), gemini.NewOrder{ClientOrderID: kept.ClientOrderID, Symbol: "ethusd", Side: "buy",
		Type: gemini.TypeLimit, Amount: d("0.01"), Price: d("3000")}); err != nil {
		t.Fatal(err)
	}
	r := e.mustRun(exitOK, "apply", "-auto-approve", e.dir)
	if !strings.Contains(r.stdout, "duplicate") || e.onlyLive().ID != kept.ID {
		t.Fatalf("the duplicate was not cancelled, the older order kept:\n%s", r)
	}
	if err := e.sim.Fill(kept.ID, decimal.Zero); err != nil {
		t.Fatal(err)
	}

	r = e.mustRun(exitOK, "plan", "-detailed-exitcode", e.dir)
	if !strings.Contains(r.stdout, "order "+kept.ID+" filled") || !strings.Contains(r.stdout, "No changes.") {
		t.Errorf("the plan does not see that order.a filled:\n%s", r)
	}
	e.mustRun(exitOK, "apply", "-auto-approve", e.dir)
	if got := e.filledUnder()[kept.ClientOrderID]; !got.Equal(d("0.01")) || len(e.live()) != 0 {
		t.Errorf("order.a filled %s (declared 0.01), live %+v", got, e.live())
	}
}

// Case 14 of issue 12: an order for 0.01 fills 0.006 and is repriced. The
// replacement carries the remaining 0.004 (the plan says so, in text and
// JSON), the next plan is content with it, and when it fills the address
// has bought exactly the declared 0.01.
func TestARepriceAfterAPartialFillPlacesTheRemainingAmount(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	e.writeConfig(ethBid("a", "0.01", "3000", ""))
	e.mustRun(exitOK, "apply", "-auto-approve", e.dir)
	first := e.onlyLive()
	if err := e.sim.Fill(first.ID, d("0.006")); err != nil {
		t.Fatal(err)
	}

	e.writeConfig(ethBid("a", "0.01", "3010", ""))
	r := e.mustRun(exitChanges, "plan", "-detailed-exitcode", e.dir)
	if !strings.Contains(r.stdout, "amount   = 0.01 -> 0.004") || !strings.Contains(r.stdout, `placed for the remaining 0.004`) {
		t.Errorf("the plan does not show the remaining amount:\n%s", r)
	}
	r = e.mustRun(exitOK, "plan", "-json", e.dir)
	var doc struct {
		Changes []struct {
			Action string `json:"action"`
			After  struct {
				Amount string `json:"amount"`
			} `json:"after"`
			Fill *struct {
				Declared string `json:"declared_amount"`
				Filled   string `json:"filled_amount"`
				Rule     string `json:"replace_amount"`
			} `json:"fill"`
		} `json:"changes"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Changes) != 1 || doc.Changes[0].After.Amount != "0.004" || doc.Changes[0].Fill == nil ||
		doc.Changes[0].Fill.Declared != "0.01" || doc.Changes[0].Fill.Filled != "0.006" || doc.Changes[0].Fill.Rule != "remaining" {
		t.Errorf("plan -json: %+v\n%s", doc, r.stdout)
	}

	e.mustRun(exitOK, "apply", "-auto-approve", e.dir)
	second := e.onlyLive()
	if !second.Original.Equal(d("0.004")) {
		t.Fatalf("the replacement is for %s, want the remaining 0.004", second.Original)
	}
	// The remaining order is what the configuration asks for: no drift.
	e.checkConverged()

	if err := e.sim.Fill(second.ID, decimal.Zero); err != nil {
		t.Fatal(err)
	}
	r = e.mustRun(exitOK, "plan", "-detailed-exitcode", e.dir)
	if !strings.Contains(r.stdout, "No changes.") {
		t.Errorf("after the rest filled:\n%s", r)
	}
	e.mustRun(exitOK, "apply", "-auto-approve", e.dir)
	if got := e.filledUnder()[first.ClientOrderID]; !got.Equal(d("0.01")) {
		t.Errorf("order.a bought %s, declared 0.01", got)
	}
}

// Case 7 of issue 12: an order filled, then was renamed with a moved
// block. The block is what links the fill to the new address: the plan
// says the order is filled, and warns (at the block) that it must stay.
func TestAMovedBlockThatCarriesAFillIsFlagged(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	e.writeConfig(ethBid("a", "0.01", "3000", ""))
	e.mustRun(exitOK, "apply", "-auto-approve", e.dir)
	if err := e.sim.Fill(e.onlyLive().ID, decimal.Zero); err != nil {
		t.Fatal(err)
	}
	e.writeConfig(ethBid("b", "0.01", "3000", "") + "\nmoved {\n  from = order.a\n  to   = order.b\n}\n")
	r := e.mustRun(exitOK, "plan", "-detailed-exitcode", e.dir)
	if !strings.Contains(r.stdout, "No changes.") || !strings.Contains(r.stdout, "order.b: ") {
		t.Errorf("the renamed order's fill is not seen:\n%s", r)
	}
	if !strings.Contains(r.stderr, "Keep this moved block") || !strings.Contains(r.stderr, "main.hcl:") || !strings.Contains(r.stdout, "keep the block") {
		t.Errorf("the plan does not say that the moved block must stay:\n%s", r)
	}
	e.mustRun(exitOK, "apply", "-auto-approve", e.dir)
	if len(e.live()) != 0 {
		t.Errorf("the renamed, filled order was placed again: %+v", e.live())
	}

	// Without the block nothing links order.a's fill to order.b, but the
	// plan says what it looks like before anything is placed.
	e.writeConfig(ethBid("b", "0.01", "3000", ""))
	r = e.mustRun(exitChanges, "plan", "-detailed-exitcode", e.dir)
	if !strings.Contains(r.stderr, "A renamed order that already filled?") || !strings.Contains(r.stdout, "restore its moved block") {
		t.Errorf("the plan places order.b without a word about order.a's fill:\n%s", r)
	}
}
