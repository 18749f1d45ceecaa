package main

// Issue 12: exactly once under real conditions (the exchange's clock, lost
// and late requests, concurrent runs), each case against the simulator over
// HTTP, driven through run() as the binary would be.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"orderform/apply"
	"orderform/gemini"
	"orderform/gemini/sim"
	"orderform/plan"
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

// fakeClock is one clock for the simulator, the client and apply, so that a
// test can let the nonce window pass without waiting for it.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	c.advance(max(d, 0))
	return ctx.Err()
}

// TestApplySlowPlacement (issue 12, case 4): the exchange takes an
// order/new only after the client has given up on it (a slow commit), and
// the lookup half a second later finds nothing. Apply places again only
// once that first request is provably dead:
//   - increasing nonces: the lookup, signed later, was accepted, so the
//     exchange refuses the first request when it comes to it;
//   - time-based nonces: only once the nonce window has passed on the
//     exchange's clock. Until then apply waits; a request that lands
//     meanwhile is adopted, one that does not is refused for its stale
//     nonce.
//
// In every case the book ends with one live order for the address.
func TestApplySlowPlacement(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		timeNonce bool
		// landsDuringWait: the held request is processed while apply waits
		// for the nonce window (before the clock passes it); otherwise it
		// is processed after apply has finished.
		landsDuringWait bool
		want            apply.Status
		places          int
	}{
		{name: "increasing nonces", want: apply.StatusPlaced, places: 2},
		{name: "time nonces, lands after the window", timeNonce: true, want: apply.StatusPlaced, places: 2},
		{name: "time nonces, lands within the window", timeNonce: true, landsDuringWait: true, want: apply.StatusAdopted, places: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clk := &fakeClock{t: time.Now()}
			const key, secret = "account-slow", "slow-secret"
			s, err := sim.New(sim.Options{Now: clk.now, Keys: []sim.Key{{Key: key, Secret: secret, TimeNonce: tc.timeNonce}}})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(s)
			defer srv.Close()
			mode := gemini.NonceIncreasing
			if tc.timeNonce {
				mode = gemini.NonceTime
			}
			c, err := gemini.New(gemini.Config{
				BaseURL: srv.URL, APIKey: key, APISecret: secret, NonceMode: mode,
				Now: clk.now, Sleep: clk.sleep, PrivateRate: -1, PublicRate: -1,
				// The client gives up on the held order/new at once.
				HTTPClient: &http.Client{Timeout: 300 * time.Millisecond},
			})
			if err != nil {
				t.Fatal(err)
			}
			ex := geminiExchange{c: c, timeNonce: tc.timeNonce, now: clk.now}
			o := plan.Order{Address: "order.slow", ClientOrderID: "of:e2e:00000000000000a1", Symbol: "ethusd", Side: "buy",
				Type: "limit", Amount: d("0.01"), Price: d("1000")}
			p := &plan.Plan{Target: plan.Target{Namespace: "e2e"},
				Actions: []plan.Action{{Kind: plan.Create, Address: o.Address, ClientOrderID: o.ClientOrderID, After: &o}}}
			if _, err := c.ActiveOrders(context.Background()); err != nil { // the plan's read
				t.Fatal(err)
			}
			readAt := exchangeTimeAtLeast(c, clk.now())
			s.SetFault(sim.Fault{Path: "/v1/order/new", Kind: sim.FaultSlowCommit, Count: 1})
			released := make(chan int, 1)
			rep := apply.Apply(context.Background(), ex, p, apply.Options{
				ReadAt: readAt,
				Sleep: func(ctx context.Context, d time.Duration) error {
					if tc.landsDuringWait && d > 10*time.Second && len(released) == 0 {
						released <- s.Release()
					}
					return clk.sleep(ctx, d)
				},
				Now: clk.now,
			})
			if len(released) == 0 {
				released <- s.Release()
			}
			if n := <-released; n != 1 {
				t.Errorf("%d requests were held, want the first order/new", n)
			}
			var all []apply.Result
			for _, l := range [][]apply.Result{rep.Placed, rep.Adopted, rep.Failed, rep.Unknown, rep.Skipped} {
				all = append(all, l...)
			}
			if len(all) != 1 || all[0].Status != tc.want {
				t.Errorf("results %+v, want one %s", all, tc.want)
			}
			if n := s.Requests()["/v1/order/new"]; n != tc.places {
				t.Errorf("%d order/new requests, want %d", n, tc.places)
			}
			live := 0
			for _, v := range s.Orders() {
				if v.Live && v.ClientOrderID == o.ClientOrderID {
					live++
				}
			}
			if live != 1 {
				t.Errorf("%d live orders at %s, want exactly 1", live, o.Address)
			}
		})
	}
}
