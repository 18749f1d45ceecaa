package command

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/shopspring/decimal"
)

// An order fills in part between the plan's read of the book and apply's
// cancel of it (the market moves while apply runs, or while it waits at its
// prompt). The cancel's answer says so (executed 0.004): the replacement
// carries 0.006, not what the plan computed from the older read (the full
// 0.01), so the address never buys more than its 0.01. (The soak's fillrace
// does this at random.)
func TestAFillBetweenPlanAndCancelIsCountedInTheReplacement(t *testing.T) {
	var once sync.Once
	var h *relHarness
	h = newRelHarness(t, relOptions{wrap: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v1/order/cancel" {
				once.Do(func() {
					for _, o := range h.srv.Orders() {
						if o.Live && strings.HasPrefix(o.ClientOrderID, "of:race:") {
							if err := h.srv.Fill(o.ID, decimal.RequireFromString("0.004")); err != nil {
								t.Error(err)
							}
						}
					}
				})
			}
			next.ServeHTTP(w, r)
		})
	}})
	ctx := context.Background()
	config := func(price string) {
		h.write(map[string]string{"main.hcl": h.exchangeBlock("race") + ethBid("a", "0.01", price, "")})
	}
	config("3000")
	if r := h.run(ctx, "apply", "-auto-approve", h.dir); r.code != 0 {
		t.Fatal(r)
	}
	config("2990") // a reprice: cancel, then place
	r := h.run(ctx, "apply", "-auto-approve", h.dir)
	var filled, live decimal.Decimal
	for _, o := range h.srv.Orders() {
		filled = filled.Add(o.Executed)
		if o.Live {
			live = live.Add(o.Remaining)
		}
	}
	if total := filled.Add(live); total.GreaterThan(decimal.RequireFromString("0.01")) {
		t.Errorf("filled %s and %s live: order.a may buy %s for a declared 0.01:\n%s", filled, live, total, r)
	}
}
