package command

// Attacks of the review: scenarios an adversarial user tries against the
// money promises, over HTTP against the simulator.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/shopspring/decimal"

	"orderform/gemini"
	"orderform/gemini/sim"
)

// TestApplyDetectsAConcurrentPlacementThatFilled: two runs without a
// shared lock (two machines, or -lock=false) plan the same taker order
// before either places it; both placements fill at once. Neither
// verifying read finds a live order, yet the address bought twice: the run
// that places second must say so and exit 1, whichever placement the
// exchange took first.
func TestApplyDetectsAConcurrentPlacementThatFilled(t *testing.T) {
	t.Parallel()
	for _, theirsFirst := range []bool{true, false} {
		name := "theirs after ours"
		if theirsFirst {
			name = "theirs before ours"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var other *gemini.Client
			var once sync.Once
			var theirs string
			e := newE2E(t, e2eOptions{sim: sim.Options{Keys: twoKeys}, wrap: func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					ours := r.URL.Path == "/v1/order/new" && r.Header.Get("X-GEMINI-APIKEY") == sim.LocalKey
					place := func() {
						once.Do(func() { // the other run, which planned at the same time, places too
							raw, _ := base64.StdEncoding.DecodeString(r.Header.Get("X-GEMINI-PAYLOAD"))
							var p struct {
								ClientOrderID string `json:"client_order_id"`
							}
							if err := json.Unmarshal(raw, &p); err != nil {
								t.Error(err)
							}
							got, err := other.NewOrder(context.Background(), gemini.NewOrder{ClientOrderID: p.ClientOrderID, Symbol: "ethusd",
								Side: "buy", Type: gemini.TypeLimit, Amount: d("0.01"), Price: d("3300")})
							if err != nil {
								t.Error(err)
							}
							theirs = got.OrderID
						})
					}
					if ours && theirsFirst {
						place()
					}
					next.ServeHTTP(w, r)
					if ours && !theirsFirst {
						place()
					}
				})
			}})
			other = otherMachine(t, e.url)
			e.configureFilling("done")
			r, ev := e.applyJSON(exitError)
			if !strings.Contains(r.stderr, "traded more than it declares") {
				t.Errorf("the report should say the address traded twice:\n%s", r)
			}
			if n := e.fills(); n != 2 {
				t.Fatalf("%d orders filled, want 2 (the scenario)", n)
			}
			got := ev.withMessage("errored", "placed at this address by another run")
			if len(got) != 1 || got[0].Address != "order.taker" || !strings.Contains(got[0].OrderID, theirs) {
				t.Errorf("want order.taker's concurrent placement %s reported: %+v\n%s", theirs, got, r)
			}
		})
	}
}

// TestPartialFillsAndRepricesAcrossCycles: an order with on_fill =
// "replace" fills a part, is repriced, fills another part, is repriced
// again, fills the rest; the next cycle starts with the declared amount.
// Over three cycles the address never buys more than the declared amount
// per cycle, and every step's placement carries exactly what is left.
func TestPartialFillsAndRepricesAcrossCycles(t *testing.T) {
	t.Parallel()
	for _, full := range []bool{false, true} {
		name := "remaining"
		if full {
			name = "full"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newE2E(t, e2eOptions{})
			price := 3000
			lifecycle := `on_fill = "replace"`
			if full {
				lifecycle += "\n    replace_amount = \"full\""
			}
			write := func() {
				price--
				e.writeConfig(ethBid("a", "0.01", fmt.Sprint(price), lifecycle))
			}
			total := func() decimal.Decimal {
				var s decimal.Decimal
				for _, v := range e.filledUnder() {
					s = s.Add(v)
				}
				return s
			}
			for cycle := 1; cycle <= 3; cycle++ {
				left := d("0.01")
				for step, part := range []string{"0.003", "0.003", ""} {
					write()
					e.mustRun(exitOK, "apply", "-auto-approve", e.dir)
					o := e.onlyLive()
					want := left
					if full {
						want = d("0.01")
					}
					if !o.Original.Equal(want) {
						t.Fatalf("cycle %d step %d: placed %s, want %s", cycle, step, o.Original, want)
					}
					amt := decimal.Zero // the rest
					if part != "" {
						amt = d(part)
					}
					if err := e.sim.Fill(o.ID, amt); err != nil {
						t.Fatal(err)
					}
					if amt.IsZero() {
						left = decimal.Zero
					} else {
						left = left.Sub(amt)
					}
					if full {
						continue
					}
					done := d("0.01").Mul(decimal.NewFromInt(int64(cycle - 1)))
					if got := total(); got.GreaterThan(done.Add(d("0.01"))) {
						t.Fatalf("cycle %d step %d: bought %s in all, more than %s cycles of 0.01", cycle, step, got, done.Add(d("0.01")))
					}
				}
				if !full {
					if got, want := total(), d("0.01").Mul(decimal.NewFromInt(int64(cycle))); !got.Equal(want) {
						t.Fatalf("after cycle %d: bought %s, want %s", cycle, got, want)
					}
				}
			}
		})
	}
}

// TestRemovingAMovedBlockOfAPartlyFilledLiveOrderWarns: order.a filled
// part of its amount and is renamed to order.b with a moved block; the
// live order keeps a's client order id. Removing the block then makes the
// plan cancel that order as "not in the configuration" and place order.b
// for the full amount: the address would buy the filled part again. The
// plan must say so (the same warning as for a closed order that filled),
// not place silently.
func TestRemovingAMovedBlockOfAPartlyFilledLiveOrderWarns(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	e.writeConfig(ethBid("a", "0.01", "3000", ""))
	e.mustRun(exitOK, "apply", "-auto-approve", e.dir)
	first := e.onlyLive()
	if err := e.sim.Fill(first.ID, d("0.006")); err != nil {
		t.Fatal(err)
	}
	e.writeConfig(ethBid("b", "0.01", "3000", "") + "\nmoved {\n  from = order.a\n  to   = order.b\n}\n")
	e.mustRun(exitOK, "apply", "-auto-approve", e.dir)
	e.writeConfig(ethBid("b", "0.01", "3000", ""))
	r := e.mustRun(exitOK, "plan", e.dir)
	if !strings.Contains(r.stderr, "A renamed order that already filled?") || !strings.Contains(r.stderr, first.ID) {
		t.Errorf("the plan places order.b again without a word about order %s, which filled 0.006 under order.a's id:\n%s", first.ID, r)
	}
}
