package command

import (
	"regexp"
	"strings"
	"testing"

	"orderform/gemini/sim"
)

// Honest numbers (issue 13, case 7): a fill is reported at the price it
// traded at (avg_execution_price), not the limit; the cancel half of a
// replace whose placement failed is counted and shown, in the human
// summary and in apply -json.

// A buy limited at 3300 against an ask of 3200.5 trades at once at 3200.5:
// apply's note and the next plan's note give 3200.5, and name the limit.
func TestFillNotesGiveTheTradedPrice(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	e.configure([]bid{{name: "taker", price: "3300"}})
	r := e.mustRun(exitOK, "apply", "-auto-approve", e.dir)
	if !regexp.MustCompile(`order \d+ filled at once at 3200\.5 \(limit 3300\)`).MatchString(r.stdout) {
		t.Errorf("apply's note does not give the traded price:\n%s", r)
	}
	r = e.mustRun(exitOK, "plan", e.dir)
	if !regexp.MustCompile(`filled \(0\.01 of 0\.01 at 3200\.5, limit 3300\)`).MatchString(r.stdout) {
		t.Errorf("plan's note does not give the traded price:\n%s", r)
	}
	if strings.Contains(r.stdout, "at 3300)") {
		t.Errorf("plan gives the limit as the fill's price:\n%s", r)
	}
	r = e.mustRun(exitOK, "plan", "-json", e.dir)
	if !strings.Contains(r.stdout, `at 3200.5, limit 3300`) {
		t.Errorf("plan -json's note does not give the traded price:\n%s", r)
	}
}

// A replace whose placement the exchange refuses after the cancel went
// through: the report counts the cancel ("1 cancelled", not "0") and says
// the old order is gone, in text and in -json.
func TestFailedReplaceCountsItsCancel(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	e.configure([]bid{{name: "l1", price: "1000"}})
	e.mustRun(exitOK, "apply", "-auto-approve", e.dir)
	old := e.liveIDs()
	if len(old) != 1 {
		t.Fatalf("live orders %v, want 1", old)
	}
	refuse := sim.Fault{Path: "/v1/order/new", Kind: sim.FaultStatus, Status: 406, Reason: "InsufficientFunds", Message: "insufficient funds", Count: 1}

	e.configure([]bid{{name: "l1", price: "1001"}})
	e.sim.SetFault(refuse)
	r := e.mustRun(exitError, "apply", "-auto-approve", e.dir)
	if !strings.Contains(r.stdout, "Apply failed! Resources: 0 placed, 0 replaced, 1 cancelled, 1 failed.") {
		t.Errorf("the summary does not count the cancel:\n%s", r)
	}
	if !strings.Contains(r.stdout, "Note: order.l1: the old order "+old[0]+" was cancelled, but its replacement was not placed") {
		t.Errorf("no note on the cancelled order:\n%s", r)
	}
	if ids := e.liveIDs(); len(ids) != 0 {
		t.Fatalf("live orders %v after the failed replace, want none", ids)
	}

	// The same in -json: the summary line's changes and message, and the
	// report's cancelled list.
	e.configure([]bid{{name: "l1", price: "1000"}})
	e.mustRun(exitOK, "apply", "-auto-approve", e.dir)
	old = e.liveIDs()
	e.configure([]bid{{name: "l1", price: "1001"}})
	e.sim.SetFault(refuse)
	r, ev := e.applyJSON(exitError)
	if ev.summary["changes"] != float64(1) || ev.summary["message"] != "0 placed, 0 replaced, 1 cancelled, 1 failed" {
		t.Errorf("summary line %v, want 1 change: 0 placed, 0 replaced, 1 cancelled, 1 failed\n%s", ev.summary, r)
	}
	cancelled := false
	for _, x := range ev.events {
		if x.Action == "cancel" && x.Outcome == "cancelled" && x.OrderID == old[0] {
			cancelled = true
		}
	}
	if !cancelled {
		t.Errorf("no cancel event for %s:\n%s", old[0], r.stdout)
	}
	if !strings.Contains(r.stderr, "1 cancelled, 1 failed") {
		t.Errorf("the human report on stderr does not count the cancel:\n%s", r)
	}
}
