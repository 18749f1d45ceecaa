package command

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
	"orderform/internal/exchange"
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
// the earlier fill (the plan's Prior), which is history; a replace's
// lookup sees the order it cancelled, which the plan saw. A saved plan
// applied later behaves the same.
func TestApplyLostFillUnderClockSkew(t *testing.T) {
	t.Parallel()
	for _, onFill := range []string{"done", "replace", "reprice", "saved"} {
		for _, skew := range []time.Duration{-15 * time.Minute, -2 * time.Minute, 2 * time.Minute, 15 * time.Minute} {
			t.Run(fmt.Sprintf("%s/exchange%+v", onFill, skew), func(t *testing.T) {
				t.Parallel()
				e := newE2E(t, e2eOptions{sim: sim.Options{Now: func() time.Time { return time.Now().Add(skew) }}})
				want := 1
				switch onFill {
				case "replace":
					e.configureFilling(onFill)
					e.applyJSON(exitOK) // the first fill: history for the refill
					want = 2
				case "reprice": // a resting bid, then moved above the market
					e.configure([]bid{{name: "taker", price: "1000"}})
					e.applyJSON(exitOK)
					e.configure([]bid{{name: "taker", price: "3300"}})
				default:
					e.configureFilling("done")
				}
				e.sim.SetFault(sim.Fault{Path: "/v1/order/new", Kind: sim.FaultLoseResponse, Count: 1})
				var ev applyEvents
				if onFill == "saved" {
					file := filepath.Join(t.TempDir(), "p.plan")
					e.mustRun(exitChanges, "plan", "-detailed-exitcode", "-out="+file, e.dir)
					ev = parseEvents(t, e.mustRun(exitOK, "apply", "-json", file))
				} else {
					_, ev = e.applyJSON(exitOK)
				}
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
		skew      time.Duration // the exchange's clock ahead of this machine's
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
		{name: "time nonces, exchange 20s ahead, lands after the window", skew: 20 * time.Second, timeNonce: true, want: apply.StatusPlaced, places: 2},
		{name: "time nonces, exchange 20s behind, lands after the window", skew: -20 * time.Second, timeNonce: true, want: apply.StatusPlaced, places: 2},
		{name: "time nonces, exchange 20s ahead, lands within the window", skew: 20 * time.Second, timeNonce: true, landsDuringWait: true, want: apply.StatusAdopted, places: 1},
		{name: "increasing nonces, exchange 5m behind", skew: -5 * time.Minute, want: apply.StatusPlaced, places: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clk := &fakeClock{t: time.Now()}
			const key, secret = "account-slow", "slow-secret"
			s, err := sim.New(sim.Options{Now: clk.now, ClockOffset: tc.skew, Keys: []sim.Key{{Key: key, Secret: secret, TimeNonce: tc.timeNonce}}})
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
			ex := exchange.Adapter{Client: c, TimeNonce: tc.timeNonce, Now: clk.now}
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

// lockTarget is the target of e's configuration, as apply locks it.
func (e *e2e) lockTarget() plan.Target {
	return plan.Target{Environment: "local", BaseURL: e.url, Namespace: e.ns}
}

// holdLock takes the lock of e's target as another run would.
func (e *e2e) holdLock(operation string) *runLock {
	e.t.Helper()
	env := &cliEnv{getenv: func(k string) string { return e.env[k] }}
	l, err := acquireLock(context.Background(), env, e.lockTarget(), operation, e.dir, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return l
}

// TestApplyLock (issue 12, case 5): apply and destroy hold a lock per
// exchange, account and namespace. While another run holds it, apply and
// destroy fail at once naming the holder and send nothing; -lock-timeout
// waits for it; -lock=false goes ahead; the lock does not outlive its run.
func TestApplyLock(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	want := bids(2)
	e.configure(want)
	host, _ := os.Hostname()

	l := e.holdLock("destroy")
	for _, args := range [][]string{
		{"apply", "-auto-approve", e.dir},
		{"apply", "-auto-approve", "-json", e.dir},
		{"destroy", "-auto-approve", e.dir},
	} {
		r := e.mustRun(exitError, args...)
		holder := fmt.Sprintf("is held by orderform destroy, pid %d on host %s, since ", os.Getpid(), host)
		if !strings.Contains(r.stderr, holder) || !strings.Contains(r.stderr, "-lock-timeout") {
			t.Errorf("want the holder named (%q) and -lock-timeout suggested\n%s", holder, r)
		}
	}
	if n := e.requests("/v1/order/new") + e.requests("/v1/orders"); n != 0 {
		t.Errorf("%d requests for orders while the lock was held elsewhere, want none", n)
	}

	// A saved plan is refused as well.
	planFile := filepath.Join(t.TempDir(), "p.plan")
	e.mustRun(exitChanges, "plan", "-detailed-exitcode", "-out="+planFile, e.dir)
	if r := e.mustRun(exitError, "apply", planFile); !strings.Contains(r.stderr, "is held by orderform destroy") {
		t.Errorf("saved plan applied under another run's lock:\n%s", r)
	}

	// -lock-timeout waits for the holder to finish.
	go func(l *runLock) {
		time.Sleep(200 * time.Millisecond)
		l.release()
	}(l)
	e.mustRun(exitOK, "apply", "-auto-approve", "-lock-timeout=20s", e.dir)
	e.checkBook(want)

	// Released: the next run takes it at once, and -lock=false ignores a holder.
	e.mustRun(exitOK, "destroy", "-auto-approve", e.dir)
	l2 := e.holdLock("apply")
	defer l2.release()
	e.mustRun(exitOK, "apply", "-auto-approve", "-lock=false", e.dir)
	e.checkBook(want)
}

// TestApplyLockScope: the lock belongs to the exchange, account and
// namespace, not to the key: two keys of one account share it, another
// namespace has its own, and the local exchange keeps it beside its book.
func TestApplyLockScope(t *testing.T) {
	t.Parallel()
	env := &cliEnv{getenv: func(k string) string { return map[string]string{"ORDERFORM_CACHE_DIR": "/cache"}[k] }}
	base := plan.Target{Environment: "production", BaseURL: "https://api.gemini.com", Namespace: "prod", KeyID: "sha256:aaaaaaaaaaaa"}
	path := func(t2 plan.Target) string {
		p, err := lockPath(env, t2)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	otherKey := base
	otherKey.KeyID = "sha256:bbbbbbbbbbbb"
	slash := base
	slash.BaseURL += "/"
	if path(base) != path(otherKey) || path(base) != path(slash) {
		t.Errorf("one account and namespace, two locks: %s, %s, %s", path(base), path(otherKey), path(slash))
	}
	for _, change := range []func(*plan.Target){
		func(t *plan.Target) { t.Namespace = "other" },
		func(t *plan.Target) { t.Account = "sub" },
		func(t *plan.Target) { t.Environment, t.BaseURL = "sandbox", "https://api.sandbox.gemini.com" },
	} {
		o := base
		change(&o)
		if path(o) == path(base) {
			t.Errorf("%+v shares the lock of %+v", o, base)
		}
	}
	if p := path(base); !strings.HasPrefix(p, filepath.Join("/cache", "locks")+string(filepath.Separator)) {
		t.Errorf("lock %s, want it under the cache directory's locks/", p)
	}
	local := plan.Target{Environment: "local", BaseURL: "local:/cfg/.orderform/local.json", Namespace: "default"}
	if p := path(local); p != "/cfg/.orderform/apply-default.lock" {
		t.Errorf("local lock %s, want it beside the book", p)
	}
}

// otherMachine places orders as another orderform on another machine would:
// through its own key of the same account.
func otherMachine(t *testing.T, url string) *gemini.Client {
	t.Helper()
	c, err := gemini.New(gemini.Config{BaseURL: url, APIKey: "account-second", APISecret: "second-secret", PrivateRate: -1, PublicRate: -1, MaxReadRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var twoKeys = []sim.Key{{Key: sim.LocalKey, Secret: sim.LocalSecret}, {Key: "account-second", Secret: "second-secret"}}

// TestApplyDetectsAConcurrentPlacement (issue 12, case 5): another machine
// places the same address right after this run's placement (no lock can
// span machines). The verifying read finds two live orders where this run
// placed one: it cancels the newer, names the other run's order and exits 1.
func TestApplyDetectsAConcurrentPlacement(t *testing.T) {
	t.Parallel()
	var other *gemini.Client
	var once sync.Once
	var theirs string
	e := newE2E(t, e2eOptions{sim: sim.Options{Keys: twoKeys}, wrap: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r)
			if r.URL.Path != "/v1/order/new" || r.Header.Get("X-GEMINI-APIKEY") != sim.LocalKey {
				return
			}
			once.Do(func() { // the other machine places the first address too
				for _, o := range next.(*sim.Server).Orders() {
					if o.Live && strings.HasPrefix(o.ClientOrderID, "of:e2e:") {
						got, err := other.NewOrder(context.Background(), gemini.NewOrder{ClientOrderID: o.ClientOrderID, Symbol: o.Symbol,
							Side: o.Side, Type: gemini.TypeLimit, Amount: o.Original, Price: o.Price})
						if err != nil {
							t.Error(err)
						}
						theirs = got.OrderID
						return
					}
				}
			})
		})
	}})
	other = otherMachine(t, e.url)
	want := bids(2)
	e.configure(want)
	r, ev := e.applyJSON(exitError)
	if got := ev.withMessage("errored", "placed at this address by another run"); len(got) != 1 || got[0].Address != "order.l00" || got[0].OrderID != theirs {
		t.Errorf("want order.l00's concurrent placement %s reported: %+v\n%s", theirs, got, r)
	}
	if !strings.Contains(r.stderr, "Placed by another run at the same time") {
		t.Errorf("report:\n%s", r.stderr)
	}
	e.checkBook(want) // the newer (theirs) was cancelled
	e.checkConverged()
}

// TestApplyVerificationStaysInsideThePlan (issue 12, case 8): `apply
// -target order.a` finds a duplicate of order.b, whose prevent_cancel is
// true. It reports it and leaves it alone: only the addresses a run
// placed at are its to clean up, and never through prevent_cancel.
func TestApplyVerificationStaysInsideThePlan(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{sim: sim.Options{Keys: twoKeys}})
	write := func(priceA string) {
		text := fmt.Sprintf("exchange {\n  environment = \"local\"\n  url         = %q\n  namespace   = %q\n}\n\n"+
			"order \"a\" {\n  symbol = \"ethusd\"\n  side   = \"buy\"\n  amount = \"0.01\"\n  price  = %s\n}\n\n"+
			"order \"b\" {\n  symbol = \"ethusd\"\n  side   = \"buy\"\n  amount = \"0.01\"\n  price  = 900\n  lifecycle {\n    prevent_cancel = true\n  }\n}\n", e.url, e.ns, priceA)
		if err := os.WriteFile(filepath.Join(e.dir, "main.hcl"), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("1000")
	e.applyJSON(exitOK)
	var b sim.OrderView
	for _, o := range e.live() {
		if o.Price.Equal(d("900")) {
			b = o
		}
	}
	dup, err := otherMachine(t, e.url).NewOrder(context.Background(), gemini.NewOrder{ClientOrderID: b.ClientOrderID, Symbol: b.Symbol,
		Side: b.Side, Type: gemini.TypeLimit, Amount: b.Original, Price: b.Price})
	if err != nil {
		t.Fatal(err)
	}
	write("990")
	r := e.mustRun(exitOK, "apply", "-auto-approve", "-json", "-target", "order.a", e.dir)
	ev := parseEvents(t, r)
	live := 0
	for _, o := range e.live() {
		if o.ClientOrderID == b.ClientOrderID {
			live++
		}
	}
	if live != 2 || ev.count("complete", "duplicate-cancelled") != 0 {
		t.Errorf("order.b has %d live orders (want both, %s and %s): verification cancelled outside the plan\n%s", live, b.ID, dup.OrderID, r)
	}
	var warned []applyEvent
	for _, a := range ev.events {
		if a.Type == "warning" && a.Outcome == "duplicate-left" {
			warned = append(warned, a)
		}
	}
	if len(warned) != 1 || warned[0].ClientOrderID != b.ClientOrderID {
		t.Errorf("want one warning about order.b's duplicates: %+v\n%s", warned, r)
	}
}
