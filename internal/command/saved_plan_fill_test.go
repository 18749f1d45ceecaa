package command

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// TestSavedPlanNotReappliedAfterFill: a saved plan that places an order is
// applied; the order fills at once (nothing of the namespace is live any
// more, so the live fingerprint is what it was when the plan was made).
// Applying the same file again must be refused, not buy a second time.
func TestSavedPlanNotReappliedAfterFill(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	e.configure([]bid{{name: "l00", price: "1000"}})
	p := filepath.Join(t.TempDir(), "p.json")
	e.mustRun(exitOK, "plan", "-out="+p, e.dir)
	e.mustRun(exitOK, "apply", p)
	live := e.live()
	if len(live) != 1 {
		t.Fatalf("want 1 live order, got %+v", live)
	}
	if err := e.sim.Fill(live[0].ID, decimal.Zero); err != nil {
		t.Fatal(err)
	}
	r := e.run(context.Background(), "apply", p)
	if r.code == exitOK || !strings.Contains(r.stderr, "stale") {
		t.Errorf("a saved plan applied twice, after its order filled: want it refused as stale\n%s", r)
	}
	if n := e.requests("/v1/order/new"); n != 1 {
		t.Errorf("%d order/new requests, want 1: the filled order was bought again", n)
	}
}
