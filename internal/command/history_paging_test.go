package command

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"orderform/gemini/sim"
)

// Case 10 of issue 12: an exchange that caps history pages below the 500
// asked for does not hide old fills. Eight on_fill = "done" orders fill;
// with pages of three, a walk that stopped at its first short page would
// take five of them for never placed and buy again.
func TestHistoryCappedPagesHideNoFill(t *testing.T) {
	// A clock that ticks a millisecond each time it is read, so that no
	// two orders share a millisecond (more of those than a page holds
	// cannot be walked past, and is an error of its own).
	var tick atomic.Int64
	start := time.Now()
	now := func() time.Time { return start.Add(time.Duration(tick.Add(1)) * time.Millisecond) }
	h := newRelHarness(t, relOptions{sim: sim.Options{HistoryPageCap: 3, Now: now}})
	var cfg strings.Builder
	cfg.WriteString(h.exchangeBlock("capped"))
	for i := range 8 {
		fmt.Fprintf(&cfg, "\norder \"b%d\" {\n  symbol = \"btcusd\"\n  side   = \"buy\"\n  amount = \"0.001\"\n  price  = %d\n  lifecycle {\n    on_fill = \"done\"\n  }\n}\n", i, 60000-i)
	}
	h.write(map[string]string{"main.hcl": cfg.String()})
	ctx := context.Background()
	if r := h.run(ctx, "apply", "-auto-approve", h.dir); r.code != 0 {
		t.Fatalf("apply: %s", r)
	}
	filled := 0
	for _, o := range h.srv.Orders() {
		if o.Live {
			if err := h.srv.Fill(o.ID, decimal.Zero); err != nil {
				t.Fatal(err)
			}
			filled++
		}
	}
	if filled != 8 {
		t.Fatalf("filled %d orders, want 8", filled)
	}
	h.srv.ResetRequests()
	r := h.run(ctx, "plan", "-detailed-exitcode", h.dir)
	if r.code != 0 {
		t.Fatalf("plan after every order filled wants changes (a filled on_fill = \"done\" order placed again?): %s", r)
	}
	if n := h.srv.Requests()["/v1/orders/history"]; n < 4 {
		t.Errorf("%d history pages read for 8 orders in pages of 3: the walk ended early", n)
	}
	if r := h.run(ctx, "apply", "-auto-approve", h.dir); r.code != 0 {
		t.Fatalf("apply: %s", r)
	}
	for _, o := range h.srv.Orders() {
		if o.Live {
			t.Errorf("order %s (%s) placed again after its address filled", o.ID, o.ClientOrderID)
		}
	}
}
