package command

// Attacks of the review: scenarios an adversarial user tries against the
// money promises, over HTTP against the simulator.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

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
