package command

// End-to-end proof of issue 6 ("apply and destroy: carry out a plan safely,
// exactly once") against the simulator's fault switches. Each test drives
// run() as the binary would, against a simulator served on loopback that
// the configuration's exchange block names (environment "local" with url),
// and ends by checking the book: exactly one live order per address, at
// the configured prices; a report (the JSON events of `apply -json`) that
// accounts for every live order; and a second apply that changes nothing.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"orderform/gemini"
	"orderform/gemini/sim"
)

// TestApplyE2EBasics: from empty, re-apply, replace, cancel and destroy,
// each checked against the book.
func TestApplyE2EBasics(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	want := bids(3)
	e.configure(want)

	_, ev := e.applyJSON(exitOK)
	checkSummary(t, ev, true, 3)
	e.checkMatchesBook(nil, ev)
	first := e.checkBook(want)
	e.checkConverged()

	// Replace one, cancel another (removed from the configuration).
	before := e.liveIDs()
	want = []bid{{name: "l00", price: "1000"}, {name: "l01", price: "950"}}
	e.configure(want)
	_, ev = e.applyJSON(exitOK)
	checkSummary(t, ev, true, 2)
	l02 := first["998"]
	if got := ev.outcomes(); len(got) != 2 || got["order.l01"] != "replaced" || got[l02.ClientOrderID] != "cancelled" {
		t.Errorf("outcomes = %v, want order.l01 replaced, %s (was order.l02) cancelled", got, l02.ClientOrderID)
	}
	e.checkMatchesBook(before, ev)
	now := e.checkBook(want)
	if now["1000"].ID != first["1000"].ID {
		t.Errorf("the unchanged order was touched: %s, then %s", first["1000"].ID, now["1000"].ID)
	}
	e.checkConverged()

	// Destroy cancels the namespace and nothing else.
	other := newE2EConfig(t, e, "other")
	other.configure(bids(1))
	other.mustRun(exitOK, "apply", "-auto-approve", other.dir)
	r := e.mustRun(exitOK, "destroy", "-auto-approve", e.dir)
	if !strings.Contains(r.stdout, "Destroy complete! Resources: 0 placed, 0 replaced, 2 cancelled.") {
		t.Errorf("destroy report:\n%s", r)
	}
	if ids := e.liveIDs(); len(ids) != 0 {
		t.Errorf("after destroy, live orders of the namespace: %v", ids)
	}
	if ids := other.liveIDs(); len(ids) != 1 {
		t.Errorf("destroy touched another namespace: its live orders are %v, want one", ids)
	}
	r = e.mustRun(exitOK, "destroy", "-auto-approve", e.dir)
	if !strings.Contains(r.stdout, "No changes.") {
		t.Errorf("second destroy:\n%s", r)
	}
}

// newE2EConfig is a second configuration, in namespace ns, on the same
// simulator as e.
func newE2EConfig(t *testing.T, e *e2e, ns string) *e2e {
	o := *e
	o.ns, o.dir = ns, t.TempDir()
	return &o
}

// TestApplyLostResponse: order/new commits, then the connection closes
// without an answer. Apply looks the client order id up, adopts the order,
// and never places it again: exactly one live order results.
func TestApplyLostResponse(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	want := bids(3)
	e.configure(want)
	e.sim.SetFault(sim.Fault{Path: "/v1/order/new", Kind: sim.FaultLoseResponse, Count: 1})

	_, ev := e.applyJSON(exitOK)
	checkSummary(t, ev, true, 3)
	if n := ev.count("complete", "adopted"); n != 1 {
		t.Errorf("%d adopted, want 1: %+v", n, ev.events)
	}
	if n := e.requests("/v1/order/new"); n != 3 {
		t.Errorf("%d order/new requests, want 3 (the lost one is adopted, not placed again)", n)
	}
	e.checkMatchesBook(nil, ev)
	e.checkBook(want)
	e.checkConverged()
}

// TestApplyLostResponseOnCancel: a replace whose cancel commits but loses
// its answer; apply looks the old order up, sees it cancelled, and places
// the replacement once.
func TestApplyLostResponseOnCancel(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	e.configure(bids(2))
	e.applyJSON(exitOK)

	before := e.liveIDs()
	want := []bid{{name: "l00", price: "900"}, {name: "l01", price: "899"}}
	e.configure(want)
	e.sim.SetFault(sim.Fault{Path: "/v1/order/cancel", Kind: sim.FaultLoseResponse, Count: 1})
	_, ev := e.applyJSON(exitOK)
	checkSummary(t, ev, true, 2)
	e.checkMatchesBook(before, ev)
	e.checkBook(want)
	e.checkConverged()
}

// TestApplyServerErrors: 5xx answers on order/new and order/cancel have no
// effect on the simulator, but are ambiguous to the client; apply looks
// the order up and then places (or cancels) once more.
func TestApplyServerErrors(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"/v1/order/new", "/v1/order/cancel"} {
		for _, status := range []int{500, 502, 503} {
			t.Run(fmt.Sprintf("%s/%d", strings.TrimPrefix(path, "/v1/"), status), func(t *testing.T) {
				t.Parallel()
				checkTransientFault(t, path, sim.Fault{Path: path, Kind: sim.FaultStatus, Status: status, Count: 2})
			})
		}
	}
}

// checkTransientFault applies two bids from empty, then replaces them,
// with fault switched on for the first requests to path, and expects the
// apply to succeed and the book to be right.
func checkTransientFault(t *testing.T, path string, fault sim.Fault) {
	t.Helper()
	e := newE2E(t, e2eOptions{})
	e.configure(bids(2))
	if path == "/v1/order/new" {
		e.sim.SetFault(fault)
	}
	_, ev := e.applyJSON(exitOK)
	checkSummary(t, ev, true, 2)
	e.checkMatchesBook(nil, ev)
	e.checkBook(bids(2))

	before := e.liveIDs()
	want := []bid{{name: "l00", price: "900"}, {name: "l01", price: "899"}}
	e.configure(want)
	e.sim.ClearFaults()
	e.sim.SetFault(fault)
	_, ev = e.applyJSON(exitOK)
	checkSummary(t, ev, true, 2)
	if got := ev.outcomes(); got["order.l00"] != "replaced" || got["order.l01"] != "replaced" {
		t.Errorf("outcomes = %v, want both replaced", got)
	}
	e.checkMatchesBook(before, ev)
	e.checkBook(want)
	e.sim.ClearFaults()
	e.checkConverged()
}

// TestApplyTimeouts: requests to order/new and order/cancel that get no
// answer before the client's timeout. The simulator drops them unserved
// (latency, then the client hangs up), so lookups find nothing and apply
// sends them once more. The client's timeout is 30 s; the test shortens
// the wait for response headers on the default transport, which the
// client uses, and so does not run in parallel.
func TestApplyTimeouts(t *testing.T) {
	tr := http.DefaultTransport.(*http.Transport)
	old := tr.ResponseHeaderTimeout
	tr.ResponseHeaderTimeout = 300 * time.Millisecond
	t.Cleanup(func() { tr.ResponseHeaderTimeout = old })
	for _, path := range []string{"/v1/order/new", "/v1/order/cancel"} {
		t.Run(strings.TrimPrefix(path, "/v1/"), func(t *testing.T) {
			checkTransientFault(t, path, sim.Fault{Path: path, Kind: sim.FaultLatency, Latency: 3 * time.Second, Count: 1})
		})
	}
}

// TestApplyRateLimited: bursts of 429 answers with Retry-After. Reads are
// retried by the client; order/new and order/cancel, which Gemini refused
// without doing anything, are sent again by apply after a wait, without a
// lookup. The apply succeeds and nothing is placed twice.
func TestApplyRateLimited(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	want := bids(3)
	e.configure(want)
	e.sim.SetFault(sim.Fault{Path: "/v1/orders", Kind: sim.FaultStatus, Status: 429, RetryAfter: 1, Count: 1})
	e.sim.SetFault(sim.Fault{Path: "/v1/order/new", Kind: sim.FaultStatus, Status: 429, RetryAfter: 1, Count: 2})
	_, ev := e.applyJSON(exitOK)
	checkSummary(t, ev, true, 3)
	if n := e.requests("/v1/order/new"); n != 5 {
		t.Errorf("%d order/new requests, want 5 (3 orders, 2 refused)", n)
	}
	if n := e.requests("/v1/order/status"); n != 0 {
		t.Errorf("%d lookups, want none: a 429 is not ambiguous", n)
	}
	e.checkMatchesBook(nil, ev)
	e.checkBook(want)

	before := e.liveIDs()
	want = []bid{{name: "l00", price: "900"}, {name: "l01", price: "899"}}
	e.configure(want)
	e.sim.SetFault(sim.Fault{Path: "/v1/order/cancel", Kind: sim.FaultStatus, Status: 429, RetryAfter: 1, Count: 2})
	_, ev = e.applyJSON(exitOK)
	checkSummary(t, ev, true, 3)
	e.checkMatchesBook(before, ev)
	e.checkBook(want)
	e.checkConverged()
}

// TestApplyInvalidNonce: another client of the same key moves the key's
// nonce past the one an order/new was signed with, while it is on its way.
// Just past: the client signs again and the order is placed once. Far past:
// the placement fails with InvalidNonce, nothing is placed twice, and once
// the clock passes the other client's nonce a second apply converges.
func TestApplyInvalidNonce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		ahead time.Duration
		code  int
	}{
		{"recovers", 0, exitOK},
		{"fails", 800 * time.Millisecond, exitError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newE2E(t, e2eOptions{})
			want := bids(1)
			e.configure(want)
			// Hold the order/new in the simulator, before its nonce is
			// checked, while another client's request goes through.
			e.sim.SetFault(sim.Fault{Path: "/v1/order/new", Kind: sim.FaultLatency, Latency: 200 * time.Millisecond, Count: 1})
			var nonce atomic.Int64
			done := make(chan struct{})
			go func() {
				defer close(done)
				for e.requests("/v1/order/new") == 0 {
					time.Sleep(time.Millisecond)
				}
				// Our client's nonces run a little ahead of the clock when it
				// sends several requests a millisecond: step past them.
				n := time.Now().Add(tc.ahead).UnixMilli()
				for i := 0; i < 10000 && !advanceNonce(t, e.url, sim.LocalKey, sim.LocalSecret, n); i++ {
					n++
				}
				nonce.Store(n)
			}()
			_, ev := e.applyJSON(tc.code)
			<-done
			e.checkMatchesBook(nil, ev)
			if tc.code == exitOK {
				checkSummary(t, ev, true, 1)
				e.checkBook(want)
				e.checkConverged()
				return
			}
			checkSummary(t, ev, false, 0)
			if got := ev.withMessage("errored", "InvalidNonce"); len(got) == 0 || got[0].Address != "order.l00" || got[0].Outcome != "failed" {
				t.Errorf("want order.l00 failed, naming InvalidNonce: %+v", ev.events)
			}
			e.checkBook(nil)
			time.Sleep(time.Until(time.UnixMilli(nonce.Load() + 1)))
			_, ev = e.applyJSON(exitOK)
			e.checkMatchesBook(nil, ev)
			e.checkBook(want)
			e.checkConverged()
		})
	}
}

// advanceNonce sends one signed heartbeat with nonce n, as another client
// of the key would, and reports whether the exchange took it.
func advanceNonce(t *testing.T, url, key, secret string, n int64) bool {
	payload, _ := json.Marshal(map[string]any{"request": "/v1/heartbeat", "nonce": fmt.Sprint(n)})
	enc, sig := gemini.Sign(secret, payload)
	req, _ := http.NewRequest(http.MethodPost, url+"/v1/heartbeat", nil)
	req.Header.Set("X-GEMINI-APIKEY", key)
	req.Header.Set("X-GEMINI-PAYLOAD", enc)
	req.Header.Set("X-GEMINI-SIGNATURE", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("advance the nonce: %v", err)
		return true
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// TestApplyMakerOrCancelRejected: the market moves between the plan and
// its apply so that a maker-or-cancel bid would take. The exchange answers
// 200 with is_cancelled; apply reports the failure with its reason and
// exits 1, the other order is placed, and once the market is back a second
// apply places the missing one.
func TestApplyMakerOrCancelRejected(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	want := []bid{{name: "near", price: "3100", options: []string{"maker-or-cancel"}}, {name: "far", price: "1000"}}
	e.configure(want)
	plan := e.dir + "/p.json"
	e.mustRun(exitOK, "plan", "-out="+plan, e.dir)
	if err := e.sim.SetMarket("ethusd", d("3050"), d("3050.5")); err != nil {
		t.Fatal(err)
	}
	r := e.mustRun(exitError, "apply", "-json", plan)
	ev := parseEvents(t, r)
	checkSummary(t, ev, false, 1)
	if got := ev.outcomes(); got["order.near"] != "failed" || got["order.far"] != "placed" {
		t.Errorf("outcomes = %v, want near failed, far placed", got)
	}
	if got := ev.withMessage("errored", "MakerOrCancelWouldTake"); len(got) != 1 {
		t.Errorf("want one errored event naming MakerOrCancelWouldTake: %+v", ev.events)
	}
	if !strings.Contains(r.stderr, "Apply failed!") || !strings.Contains(r.stderr, "order.near: order") {
		t.Errorf("report:\n%s", r)
	}
	e.checkMatchesBook(nil, ev)
	e.checkBook(want[1:])

	if err := e.sim.SetMarket("ethusd", d("3200"), d("3200.5")); err != nil {
		t.Fatal(err)
	}
	_, ev = e.applyJSON(exitOK)
	checkSummary(t, ev, true, 1)
	e.checkMatchesBook(e.liveIDsExcept(ev), ev)
	e.checkBook(want)
	e.checkConverged()
}

// liveIDsExcept returns the live order ids that the events did not place:
// the book before an apply that only placed.
func (e *e2e) liveIDsExcept(ev applyEvents) []string {
	placed := map[string]bool{}
	for _, a := range ev.events {
		if a.Action == "place" && a.Type == "complete" {
			placed[a.OrderID] = true
		}
	}
	var out []string
	for _, id := range e.liveIDs() {
		if !placed[id] {
			out = append(out, id)
		}
	}
	return out
}

// TestApplyInsufficientFunds: funds are withdrawn between the plan and its
// apply, leaving enough for one of two orders. One is placed, the other
// fails with InsufficientFunds; once funded again, a second apply places
// it.
func TestApplyInsufficientFunds(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{sim: sim.Options{MakerFeeBps: -1, TakerFeeBps: -1}})
	want := []bid{{name: "a", price: "1000"}, {name: "b", price: "999"}}
	e.configure(want)
	plan := e.dir + "/p.json"
	e.mustRun(exitOK, "plan", "-out="+plan, e.dir)
	avail := e.sim.Balances()["USD"].Available
	take := avail.Sub(d("15")) // 10 for one order, not 19.99 for both
	if err := e.sim.Fund("USD", take.Neg()); err != nil {
		t.Fatal(err)
	}
	r := e.mustRun(exitError, "apply", "-json", plan)
	ev := parseEvents(t, r)
	checkSummary(t, ev, false, 1)
	if got := ev.withMessage("errored", "InsufficientFunds"); len(got) != 1 {
		t.Errorf("want one errored event naming InsufficientFunds: %+v", ev.events)
	}
	e.checkMatchesBook(nil, ev)
	if n := len(e.live()); n != 1 {
		t.Errorf("%d live orders, want 1", n)
	}

	if err := e.sim.Fund("USD", take); err != nil {
		t.Fatal(err)
	}
	before := e.liveIDs()
	_, ev = e.applyJSON(exitOK)
	checkSummary(t, ev, true, 1)
	e.checkMatchesBook(before, ev)
	e.checkBook(want)
	e.checkConverged()
}

// TestApplyInterrupt: the context of a 50-order apply is cancelled (the
// first Ctrl-C) as the tenth placement is answered. Apply starts no new
// request after the ones already under way, reports what it placed and
// what it skipped, exits 1, and a second apply places the rest.
func TestApplyInterrupt(t *testing.T) {
	t.Parallel()
	const n, stopAt = 50, 10
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var placed, afterStop atomic.Int64
	wrap := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/v1/order/new" && ctx.Err() != nil {
				afterStop.Add(1)
			}
			next.ServeHTTP(w, r)
			if r.URL.Path == "/v1/order/new" && placed.Add(1) == stopAt {
				cancel()
			}
		})
	}
	e := newE2E(t, e2eOptions{wrap: wrap})
	want := bids(n)
	e.configure(want)

	r := e.run(ctx, "apply", "-auto-approve", "-json", e.dir)
	if r.code != exitError {
		t.Fatalf("want exit 1\n%s", r)
	}
	sent := e.requests("/v1/order/new")
	ev := parseEvents(t, r)
	if ev.summary["interrupted"] != true {
		t.Errorf("summary does not say interrupted: %v", ev.summary)
	}
	if !strings.Contains(r.stderr, "Apply interrupted!") {
		t.Errorf("report:\n%s", r)
	}
	// The client sends one private request at a time, but apply runs
	// Options.Concurrency (4) steps at once: steps past their check of ctx
	// and waiting for the client's turn still go out.
	if got := afterStop.Load(); got > 3 {
		t.Errorf("%d order/new requests after the interrupt, want at most 3 (already under way)", got)
	}
	placedN, skipped := ev.count("complete", "placed"), ev.count("errored", "skipped")
	if placedN != sent || placedN+skipped != n {
		t.Errorf("placed %d, skipped %d, order/new requests %d: want placed = requests and placed+skipped = %d", placedN, skipped, sent, n)
	}
	e.checkMatchesBook(nil, ev)
	time.Sleep(50 * time.Millisecond)
	if got := e.requests("/v1/order/new"); got != sent {
		t.Errorf("order/new requests went on after apply returned: %d, then %d", sent, got)
	}

	before := e.liveIDs()
	_, ev = e.applyJSON(exitOK)
	checkSummary(t, ev, true, n-len(before))
	e.checkMatchesBook(before, ev)
	e.checkBook(want)
	e.checkConverged()
}

// TestApplyConcurrent: two applies of one configuration started at once
// against one simulator end with exactly one live order per address. With
// one key, or two keys of the account, on one machine the lock serialises
// them: one places, the other waits (-lock-timeout), plans after it and
// finds nothing to do. Without the lock (-lock=false, as on two machines)
// they race: each ends with exit 0, or exit 1 naming the other's placement,
// and the book is right.
func TestApplyConcurrent(t *testing.T) {
	t.Parallel()
	simKeys := []sim.Key{{Key: sim.LocalKey, Secret: sim.LocalSecret}, {Key: "account-second", Secret: "second-secret"}}
	for _, tc := range []struct {
		name string
		envs [2]map[string]string
		lock bool
	}{
		{"one key", [2]map[string]string{nil, nil}, true},
		{"two keys", [2]map[string]string{nil, {"GEMINI_API_KEY": simKeys[1].Key, "GEMINI_API_SECRET": simKeys[1].Secret}}, true},
		{"two keys without the lock", [2]map[string]string{nil, {"GEMINI_API_KEY": simKeys[1].Key, "GEMINI_API_SECRET": simKeys[1].Secret}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			flag := "-lock-timeout=30s"
			if !tc.lock {
				flag = "-lock=false"
			}
			for round := range 3 {
				e := newE2E(t, e2eOptions{sim: sim.Options{Keys: simKeys}})
				want := bids(5)
				e.configure(want)
				var wg sync.WaitGroup
				var res [2]cliResult
				start := make(chan struct{})
				for i := range 2 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						res[i] = e.runEnv(context.Background(), tc.envs[i], "apply", "-auto-approve", "-json", flag, e.dir)
					}()
				}
				close(start)
				wg.Wait()
				placed := 0
				for i, r := range res {
					ev := parseEvents(t, r)
					placed += ev.count("complete", "placed")
					switch {
					case r.code == exitOK:
					case !tc.lock && r.code == exitError && len(ev.withMessage("errored", "placed at this address by another run")) > 0:
					default:
						t.Errorf("round %d, apply %d: exit %d\n%s", round, i, r.code, r)
					}
				}
				if tc.lock && placed != len(want) {
					t.Errorf("round %d: %d placed by the two runs, want %d: the lock let both plan from the same book", round, placed, len(want))
				}
				e.checkBook(want)
				e.checkConverged()
			}
		})
	}
}
