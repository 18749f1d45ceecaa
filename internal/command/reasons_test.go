package command

import (
	"context"
	"strings"
	"testing"

	"orderform/gemini/sim"
)

// Case 11 of issue 12: a refusal that needs the trader's action on Gemini's
// web site says so (UsageLimit and the others are classified in package
// gemini's TestErrorReasonsFromSimulator).
func TestReasonsNeedingTheTrader(t *testing.T) {
	h := newRelHarness(t, relOptions{})
	h.write(map[string]string{"main.hcl": h.exchangeBlock("reasons") + `
order "bid" {
  symbol = "btcusd"
  side   = "buy"
  amount = "0.001"
  price  = 60000
}
`})
	ctx := context.Background()
	for _, tt := range []struct {
		reason string
		want   string
	}{
		{"MustAcceptTerms", "Sign in to Gemini's web site with this account, accept the terms, then plan again."},
		{"AcceptTermsRequired", "accepts Gemini's updated terms"},
	} {
		h.srv.ClearFaults()
		h.srv.SetFault(sim.Fault{Path: "/v1/orders", Kind: sim.FaultStatus, Reason: tt.reason})
		r := h.run(ctx, "plan", h.dir)
		if r.code != 1 || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("plan against %s: want exit 1 and %q:\n%s", tt.reason, tt.want, r)
		}
	}
	h.srv.ClearFaults()
	h.srv.SetFault(sim.Fault{Path: "/v1/roles", Kind: sim.FaultStatus, Reason: "MustAcceptTerms"})
	r := h.run(ctx, "doctor", h.dir)
	if r.code != 1 || !strings.Contains(r.stdout+r.stderr, "has not accepted Gemini's updated terms") {
		t.Errorf("doctor against MustAcceptTerms:\n%s", r)
	}
}
