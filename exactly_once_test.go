package main

// Issue 12: exactly once under real conditions (the exchange's clock, lost
// and late requests, concurrent runs), each case against the simulator over
// HTTP, driven through run() as the binary would be.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"orderform/gemini/sim"
)

// configureFilling writes one buy above the market (ethusd asks 3200.5 in a
// fresh simulator): it fills at once when placed.
func (e *e2e) configureFilling(onFill string) {
	e.t.Helper()
	text := fmt.Sprintf("exchange {\n  environment = \"local\"\n  url         = %q\n  namespace   = %q\n}\n\n"+
		"order \"taker\" {\n  symbol = \"ethusd\"\n  side   = \"buy\"\n  amount = \"0.01\"\n  price  = 3300\n  lifecycle {\n    on_fill = %q\n  }\n}\n", e.url, e.ns, onFill)
	if err := os.WriteFile(filepath.Join(e.dir, "main.hcl"), []byte(text), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

// fills returns how many orders of the namespace filled (in any part).
func (e *e2e) fills() int {
	n := 0
	for _, o := range e.sim.Orders() {
		if strings.HasPrefix(o.ClientOrderID, "of:"+e.ns+":") && o.Executed.IsPositive() {
			n++
		}
	}
	return n
}

// TestApplyLostFillUnderClockSkew (issue 12, case 2): the exchange's clock
// is minutes off this machine's, the answer to order/new is lost, and the
// order fills at once. The lookup finds it filled; apply adopts it, judging
// "did it land in this run" on exchange timestamps alone, and never places
// it a second time. With on_fill = "replace" the refill's lookup also sees
// the earlier fill (the plan's Prior), which is history.
func TestApplyLostFillUnderClockSkew(t *testing.T) {
	t.Parallel()
	for _, onFill := range []string{"done", "replace"} {
		for _, skew := range []time.Duration{-15 * time.Minute, -2 * time.Minute, 2 * time.Minute, 15 * time.Minute} {
			t.Run(fmt.Sprintf("%s/exchange%+v", onFill, skew), func(t *testing.T) {
				t.Parallel()
				e := newE2E(t, e2eOptions{sim: sim.Options{Now: func() time.Time { return time.Now().Add(skew) }}})
				e.configureFilling(onFill)
				want := 1
				if onFill == "replace" {
					e.applyJSON(exitOK) // the first fill: history for the refill
					want = 2
				}
				e.sim.SetFault(sim.Fault{Path: "/v1/order/new", Kind: sim.FaultLoseResponse, Count: 1})
				_, ev := e.applyJSON(exitOK)
				if n := ev.count("complete", "adopted"); n != 1 {
					t.Errorf("%d adopted, want 1: %+v", n, ev.events)
				}
				if n := e.fills(); n != want {
					t.Fatalf("%d orders filled, want %d: the lost order was placed again", n, want)
				}
			})
		}
	}
}
