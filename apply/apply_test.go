package apply_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"orderform/apply"
	"orderform/plan"
)

func TestCancelsBeforePlacements(t *testing.T) {
	f := newFake()
	a := f.seed(order("order.a"))
	b := f.seed(order("order.b"))
	actions := []plan.Action{create("order.c"), replace("order.b", b), cancel("order.a", a), create("order.d"), {Kind: plan.NoOp, Address: "order.e"}}

	rep := run(context.Background(), f, actions, testOptions(f))
	mustOK(t, rep)

	want := []string{
		"cancel " + b.OrderID, "cancel " + a.OrderID, // cancels in plan order
		"place of:test:c", "place of:test:b", "place of:test:d", // then placements in plan order
		"active ", // the verifying read
	}
	if diff := cmp.Diff(want, f.methods()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	got := map[string][]string{"placed": addresses(rep.Placed), "replaced": addresses(rep.Replaced), "cancelled": addresses(rep.Cancelled)}
	wantRep := map[string][]string{"placed": {"order.c", "order.d"}, "replaced": {"order.b"}, "cancelled": {"order.a"}}
	if diff := cmp.Diff(wantRep, got); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	if rep.Replaced[0].CancelledOrderID != b.OrderID {
		t.Errorf("replaced: CancelledOrderID = %q, want %q", rep.Replaced[0].CancelledOrderID, b.OrderID)
	}
	live := f.live()
	for _, id := range []string{"of:test:b", "of:test:c", "of:test:d"} {
		if len(live[id]) != 1 {
			t.Errorf("%s: %d live orders, want 1", id, len(live[id]))
		}
	}
	if len(live["of:test:a"]) != 0 {
		t.Errorf("order.a still live")
	}
}

func TestCancelsBeforePlacementsConcurrently(t *testing.T) {
	f := newFake()
	var actions []plan.Action
	for i := range 10 {
		addr := fmt.Sprintf("order.r[%d]", i)
		actions = append(actions, replace(addr, f.seed(order(addr))), create(fmt.Sprintf("order.c[%d]", i)))
	}
	opts := testOptions(f)
	opts.Concurrency = 4
	rep := run(context.Background(), f, actions, opts)
	mustOK(t, rep)
	methods := f.methods()
	lastCancel := slices.IndexFunc(methods, func(m string) bool { return strings.HasPrefix(m, "place") }) - 1
	if n := strings.Count(strings.Join(methods[:lastCancel+1], "\n"), "cancel"); n != 10 {
		t.Errorf("%d cancels before the first placement, want 10:\n%s", n, strings.Join(methods, "\n"))
	}
	if len(rep.Replaced) != 10 || len(rep.Placed) != 10 {
		t.Errorf("replaced %d, placed %d; want 10 and 10", len(rep.Replaced), len(rep.Placed))
	}
}

func TestFailedCancelSkipsPlacement(t *testing.T) {
	f := newFake()
	b := f.seed(order("order.b"))
	f.onCancel = func(n int, id string) fault {
		return fault{drop: true, err: fmt.Errorf("InvalidOrderId: cannot cancel")}
	}
	actions := []plan.Action{replace("order.b", b), create("order.c")}
	rep := run(context.Background(), f, actions, testOptions(f))

	if rep.OK() {
		t.Fatal("report OK, want failure")
	}
	if diff := cmp.Diff([]string{"order.b"}, addresses(rep.Failed)); diff != "" {
		t.Errorf("failed (-want +got):\n%s", diff)
	}
	if r := rep.Failed[0].Reason; !strings.Contains(r, "InvalidOrderId") || !strings.Contains(r, "replacement was not placed") {
		t.Errorf("reason = %q", r)
	}
	if n := f.count("place", "of:test:b"); n != 0 {
		t.Errorf("replacement placed %d times after a failed cancel", n)
	}
	if diff := cmp.Diff([]string{"order.c"}, addresses(rep.Placed)); diff != "" {
		t.Errorf("independent create (-want +got):\n%s", diff)
	}
	if live := f.live(); len(live["of:test:b"]) != 1 || live["of:test:b"][0] != b.OrderID {
		t.Errorf("book for order.b = %v, want the old order alone", live["of:test:b"])
	}
}

func TestAmbiguousPlacement(t *testing.T) {
	lookupTimeout := fault{err: fmt.Errorf("order/status: 503: %w", apply.ErrAmbiguous)}
	tests := []struct {
		name      string
		onPlace   func(n int, o plan.Order) fault
		onLookup  func(n int, id string) fault
		onActive  func() fault
		status    apply.Status
		places    int // requests to place
		live      int // live orders with the client id afterwards
		reasonHas string
	}{
		{
			name:    "landed: adopted",
			onPlace: func(n int, o plan.Order) fault { return fault{err: errTimeout} },
			status:  apply.StatusAdopted, places: 1, live: 1,
		},
		{
			name: "did not land: placed again once",
			onPlace: func(n int, o plan.Order) fault {
				if n == 1 {
					return fault{drop: true, err: errTimeout}
				}
				return fault{}
			},
			status: apply.StatusPlaced, places: 2, live: 1,
		},
		{
			name:     "never resolves and did not land: unknown, no second placement",
			onPlace:  func(n int, o plan.Order) fault { return fault{drop: true, err: errTimeout} },
			onLookup: func(n int, id string) fault { return lookupTimeout },
			status:   apply.StatusUnknown, places: 1, live: 0, reasonHas: "could not tell whether it landed",
		},
		{
			name:     "never resolves, landed, verification cannot read: unknown",
			onPlace:  func(n int, o plan.Order) fault { return fault{err: errTimeout} },
			onLookup: func(n int, id string) fault { return lookupTimeout },
			onActive: func() fault { return lookupTimeout },
			status:   apply.StatusUnknown, places: 1, live: 1,
		},
		{
			name:     "lookups fail, landed, the verifying read adopts it",
			onPlace:  func(n int, o plan.Order) fault { return fault{err: errTimeout} },
			onLookup: func(n int, id string) fault { return lookupTimeout },
			status:   apply.StatusAdopted, places: 1, live: 1,
		},
		{
			name:    "never lands: bounded attempts, then failed",
			onPlace: func(n int, o plan.Order) fault { return fault{drop: true, err: errTimeout} },
			status:  apply.StatusFailed, places: 3, live: 0, reasonHas: "3 attempts",
		},
		{
			name:    "landed but cancelled at once: failure with its reason",
			onPlace: func(n int, o plan.Order) fault { return fault{err: errTimeout, cancelReason: "MakerOrCancelWouldTake"} },
			status:  apply.StatusFailed, places: 1, live: 0, reasonHas: "MakerOrCancelWouldTake",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			f.onPlace, f.onLookup, f.onActive = tt.onPlace, tt.onLookup, tt.onActive
			rep := run(context.Background(), f, []plan.Action{create("order.a")}, testOptions(f))
			res := only(t, rep)
			if res.Status != tt.status {
				t.Errorf("status = %s, want %s (reason %q)", res.Status, tt.status, res.Reason)
			}
			if n := f.count("place", "of:test:a"); n != tt.places {
				t.Errorf("placed %d times, want %d", n, tt.places)
			}
			if n := len(f.live()["of:test:a"]); n != tt.live {
				t.Errorf("%d live orders, want %d", n, tt.live)
			}
			if !strings.Contains(res.Reason, tt.reasonHas) {
				t.Errorf("reason %q does not contain %q", res.Reason, tt.reasonHas)
			}
			if res.Status == apply.StatusAdopted && res.OrderID != f.live()["of:test:a"][0] {
				t.Errorf("adopted %s, live is %v", res.OrderID, f.live()["of:test:a"])
			}
		})
	}
}

func TestAmbiguousReplaceIgnoresTheOldOrder(t *testing.T) {
	f := newFake()
	b := f.seed(order("order.b"))
	f.onPlace = func(n int, o plan.Order) fault {
		if n == 1 {
			return fault{drop: true, err: errTimeout}
		}
		return fault{}
	}
	rep := run(context.Background(), f, []plan.Action{replace("order.b", b)}, testOptions(f))
	mustOK(t, rep)
	// The lookup finds the cancelled old order under the same client id; it
	// is not mistaken for the replacement.
	if res := only(t, rep); res.Status != apply.StatusReplaced || res.OrderID == b.OrderID {
		t.Errorf("result %+v, want replaced by a new order", res)
	}
	if n := f.count("place", "of:test:b"); n != 2 {
		t.Errorf("placed %d times, want 2", n)
	}
}

// A filled order of the address, older than the plan's read of the book,
// that the plan did not see (its history walk started later): history, not
// the placement. Judged on the exchange's clock alone (Options.ReadAt).
func TestAmbiguousCreateIgnoresOldHistory(t *testing.T) {
	f := newFake()
	old := f.seed(order("order.a"))
	f.fill(old.OrderID, "")
	f.advance(24 * time.Hour) // a day later, the address is created again (on_fill = "replace")
	f.onPlace = func(n int, o plan.Order) fault {
		if n == 1 {
			return fault{drop: true, err: errTimeout}
		}
		return fault{}
	}
	opts := testOptions(f)
	opts.ReadAt = f.now()
	rep := run(context.Background(), f, []plan.Action{create("order.a")}, opts)
	mustOK(t, rep)
	if res := only(t, rep); res.Status != apply.StatusPlaced || res.OrderID == old.OrderID {
		t.Errorf("result %+v, want a new order placed", res)
	}
}

// Without ReadAt, a closed order the plan did not see may be this run's:
// apply errs towards not placing a second time.
func TestAmbiguousCreateWithoutReadAtDoesNotPlaceAgain(t *testing.T) {
	f := newFake()
	old := f.seed(order("order.a"))
	f.fill(old.OrderID, "")
	f.advance(time.Hour)
	f.onPlace = func(n int, o plan.Order) fault { return fault{drop: true, err: errTimeout} }
	rep := run(context.Background(), f, []plan.Action{create("order.a")}, testOptions(f))
	if n := f.count("place", "of:test:a"); n != 1 {
		t.Errorf("placed %d times, want 1", n)
	}
	if res := only(t, rep); res.Status != apply.StatusAdopted {
		t.Errorf("result %+v, want the unseen fill adopted", res)
	}
}

// Issue 12, case 2, at any clock skew: the placement's answer is lost and it
// fills at once. Its timestamp is compared with the plan's Prior and ReadAt
// (exchange times), never with the local clock, which here is minutes off
// either way: it is adopted, never placed again.
func TestAmbiguousFillWhateverTheLocalClock(t *testing.T) {
	for _, skew := range []time.Duration{-15 * time.Minute, -2 * time.Minute, 0, 2 * time.Minute, 15 * time.Minute} {
		t.Run(skew.String(), func(t *testing.T) {
			f := newFake()
			prior := f.seed(order("order.a"))
			f.fill(prior.OrderID, "")
			prior = *f.find(prior.OrderID)
			f.advance(5 * time.Second)
			readAt := f.now()
			f.onPlace = func(n int, o plan.Order) fault { return fault{err: errTimeout} }
			f.afterPlace = func(n int, lo plan.LiveOrder) { f.fill(lo.OrderID, "") }
			opts := testOptions(f)
			opts.ReadAt = readAt
			opts.Now = func() time.Time { return f.now().Add(skew) }
			a := create("order.a")
			a.Prior = &prior
			rep := run(context.Background(), f, []plan.Action{a}, opts)
			if res := only(t, rep); res.Status != apply.StatusAdopted || res.OrderID == prior.OrderID {
				t.Errorf("result %+v, want the new fill adopted", res)
			}
			if n := f.count("place", "of:test:a"); n != 1 {
				t.Errorf("placed %d times, want 1", n)
			}
		})
	}
}

// A concurrent run placed the address after this run's plan read the book
// and before this run's placement, and its order filled at once. This run's
// placement fails ambiguously and did not land: the lookup finds the other
// run's fill, newer than the read, and nothing is placed again.
func TestAmbiguousCreateSeesAConcurrentFill(t *testing.T) {
	f := newFake()
	readAt := f.now()
	f.advance(2 * time.Second)
	other := f.seed(order("order.a"))
	f.fill(other.OrderID, "")
	f.onPlace = func(n int, o plan.Order) fault { return fault{drop: true, err: errTimeout} }
	opts := testOptions(f)
	opts.ReadAt = readAt
	rep := run(context.Background(), f, []plan.Action{create("order.a")}, opts)
	if n := f.count("place", "of:test:a"); n != 1 {
		t.Errorf("placed %d times, want 1: the other run's fill stands for this address", n)
	}
	if res := only(t, rep); res.OrderID != other.OrderID {
		t.Errorf("result %+v, want order %s", res, other.OrderID)
	}
}

// A replace of the kept one of two duplicates: the newer duplicate had been
// cancelled by an earlier run's verification, before this plan read the
// book. It is history (older than ReadAt), not the replacement.
func TestAmbiguousReplaceIgnoresAnOlderCancelledDuplicate(t *testing.T) {
	f := newFake()
	keep := f.seed(order("order.b"))
	dup := f.seed(order("order.b"))
	f.Cancel(context.Background(), dup.OrderID)
	f.advance(time.Minute)
	readAt := f.now()
	f.onPlace = func(n int, o plan.Order) fault {
		if n == 1 {
			return fault{drop: true, err: errTimeout}
		}
		return fault{}
	}
	opts := testOptions(f)
	opts.ReadAt = readAt
	rep := run(context.Background(), f, []plan.Action{replace("order.b", keep)}, opts)
	mustOK(t, rep)
	if res := only(t, rep); res.Status != apply.StatusReplaced || res.OrderID == dup.OrderID || res.OrderID == keep.OrderID {
		t.Errorf("result %+v, want replaced by a new order", res)
	}
}

// Issue 12, case 4: under time-based nonces a request that failed
// ambiguously may still land until its nonce leaves the exchange's window.
// An empty lookup alone never leads to a second placement.
func TestAmbiguousPlacementWaitsUntilProvablyDead(t *testing.T) {
	const window = 41 * time.Second
	setup := func(f *fakeExchange) {
		start := time.Time{}
		f.landable = func(err error) (time.Duration, bool) {
			if start.IsZero() {
				start = f.now()
			}
			return max(window-f.now().Sub(start), 0), true
		}
	}
	t.Run("dead after the window: placed again once", func(t *testing.T) {
		f := newFake()
		setup(f)
		f.onPlace = func(n int, o plan.Order) fault {
			if n == 1 {
				return fault{drop: true, err: errTimeout}
			}
			return fault{}
		}
		var slept []time.Duration
		opts := testOptions(f)
		opts.Sleep = func(ctx context.Context, d time.Duration) error {
			slept = append(slept, d)
			f.advance(d)
			return ctx.Err()
		}
		rep := run(context.Background(), f, []plan.Action{create("order.a")}, opts)
		mustOK(t, rep)
		if n := f.count("place", "of:test:a"); n != 2 {
			t.Errorf("placed %d times, want 2", n)
		}
		if n := f.count("lookup", "of:test:a"); n != 2 {
			t.Errorf("%d lookups, want 2 (one before the wait, one after)", n)
		}
		var total time.Duration
		for _, d := range slept {
			total += d
		}
		if total < window {
			t.Errorf("waited %s in all, want at least the window %s before placing again", total, window)
		}
	})
	t.Run("lands during the wait: adopted, placed once", func(t *testing.T) {
		f := newFake()
		setup(f)
		var held plan.Order
		f.onPlace = func(n int, o plan.Order) fault { held = o; return fault{drop: true, err: errTimeout} }
		opts := testOptions(f)
		opts.Sleep = func(ctx context.Context, d time.Duration) error {
			if d > 10*time.Second { // the slow request is taken while apply waits
				f.seed(held)
			}
			f.advance(d)
			return ctx.Err()
		}
		rep := run(context.Background(), f, []plan.Action{create("order.a")}, opts)
		if res := only(t, rep); res.Status != apply.StatusAdopted {
			t.Errorf("result %+v, want adopted", res)
		}
		if n := f.count("place", "of:test:a"); n != 1 {
			t.Errorf("placed %d times, want 1", n)
		}
		if n := len(f.live()["of:test:a"]); n != 1 {
			t.Errorf("%d live orders, want 1", n)
		}
	})
	for _, tc := range []struct {
		name     string
		landable func(error) (time.Duration, bool)
		max      time.Duration
		stop     bool
	}{
		{name: "cannot tell", landable: func(error) (time.Duration, bool) { return 0, false }},
		{name: "window longer than the wait allowed", landable: func(error) (time.Duration, bool) { return time.Hour, true }},
		{name: "interrupted while waiting", landable: func(error) (time.Duration, bool) { return time.Minute, true }, stop: true},
		{name: "still landable after the wait", landable: func(error) (time.Duration, bool) { return time.Minute, true }},
	} {
		t.Run(tc.name+": unknown, placed once", func(t *testing.T) {
			f := newFake()
			f.landable = tc.landable
			f.onPlace = func(n int, o plan.Order) fault { return fault{drop: true, err: errTimeout} }
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			opts := testOptions(f)
			opts.Sleep = func(ctx2 context.Context, d time.Duration) error {
				if tc.stop && d >= time.Minute {
					cancel()
				}
				return ctx2.Err()
			}
			rep := run(ctx, f, []plan.Action{create("order.a")}, opts)
			if res := only(t, rep); res.Status != apply.StatusUnknown {
				t.Errorf("result %+v, want unknown", res)
			}
			if n := f.count("place", "of:test:a"); n != 1 {
				t.Errorf("placed %d times, want 1", n)
			}
		})
	}
}

// An on_fill = "replace" refill placed seconds after the last fill: the
// placement's answer is lost and it never landed. The lookup finds only the
// filled order the plan saw (its Prior), which is history, not the new
// order: apply places again rather than reporting the old fill as adopted.
func TestAmbiguousRefillIgnoresThePriorFill(t *testing.T) {
	f := newFake()
	old := f.seed(order("order.a"))
	f.fill(old.OrderID, "")
	prior, _ := f.Lookup(context.Background(), old.ClientOrderID)
	f.advance(5 * time.Second) // well within apply's clock-skew allowance
	f.onPlace = func(n int, o plan.Order) fault {
		if n == 1 {
			return fault{drop: true, err: errTimeout}
		}
		return fault{}
	}
	a := create("order.a")
	a.Prior = &prior[0]
	rep := run(context.Background(), f, []plan.Action{a}, testOptions(f))
	mustOK(t, rep)
	if res := only(t, rep); res.Status != apply.StatusPlaced || res.OrderID == old.OrderID {
		t.Errorf("result %+v, want a new order placed", res)
	}
	if n := f.count("place", "of:test:a"); n != 2 {
		t.Errorf("placed %d times, want 2 (the first never landed)", n)
	}
}

func TestRecentlyFilledSameIDIsNotPlacedAgain(t *testing.T) {
	// The answer is lost and the order fills at once: the lookup finds it
	// filled, and it is adopted rather than placed a second time.
	f := newFake()
	f.onPlace = func(n int, o plan.Order) fault { return fault{err: errTimeout} }
	f.afterPlace = func(n int, lo plan.LiveOrder) { f.fill(lo.OrderID, "") }
	rep := run(context.Background(), f, []plan.Action{create("order.a")}, testOptions(f))
	res := only(t, rep)
	if res.Status != apply.StatusAdopted || !strings.Contains(res.Note, "filled at once") {
		t.Errorf("result %+v, want adopted, filled", res)
	}
	if n := f.count("place", "of:test:a"); n != 1 {
		t.Errorf("placed %d times, want 1", n)
	}
}

func TestCancelledAtOnce(t *testing.T) {
	f := newFake()
	f.onPlace = func(n int, o plan.Order) fault { return fault{cancelReason: "MakerOrCancelWouldTake"} }
	rep := run(context.Background(), f, []plan.Action{create("order.a")}, testOptions(f))
	res := only(t, rep)
	if res.Status != apply.StatusFailed || !strings.Contains(res.Reason, "MakerOrCancelWouldTake") || !strings.Contains(res.Next, "maker-or-cancel") {
		t.Errorf("result %+v, want a failure naming MakerOrCancelWouldTake", res)
	}
	if rep.OK() {
		t.Error("report OK")
	}
}

func TestFailureDoesNotStopOthers(t *testing.T) {
	f := newFake()
	f.onPlace = func(n int, o plan.Order) fault {
		if o.Address == "order.b" {
			return fault{err: errFunds}
		}
		return fault{}
	}
	rep := run(context.Background(), f, []plan.Action{create("order.a"), create("order.b"), create("order.c")}, testOptions(f))
	if diff := cmp.Diff([]string{"order.a", "order.c"}, addresses(rep.Placed)); diff != "" {
		t.Errorf("placed (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"order.b"}, addresses(rep.Failed)); diff != "" {
		t.Errorf("failed (-want +got):\n%s", diff)
	}
	if !strings.Contains(rep.Failed[0].Reason, "InsufficientFunds") {
		t.Errorf("reason = %q", rep.Failed[0].Reason)
	}
	if n := f.count("place", "of:test:b"); n != 1 {
		t.Errorf("a refused order was sent %d times, want 1", n)
	}
}

func TestReplaceOfAnOrderThatFilled(t *testing.T) {
	t.Run("fully: not placed", func(t *testing.T) {
		f := newFake()
		b := f.seed(order("order.b"))
		f.fill(b.OrderID, "")
		rep := run(context.Background(), f, []plan.Action{replace("order.b", b)}, testOptions(f))
		res := only(t, rep)
		if res.Status != apply.StatusSkipped || !strings.Contains(res.Reason, "filled before it could be cancelled") {
			t.Errorf("result %+v", res)
		}
		if n := f.count("place", "of:test:b"); n != 0 {
			t.Errorf("placed %d times after the old order filled", n)
		}
	})
	t.Run("partly: cancelled, then placed", func(t *testing.T) {
		f := newFake()
		b := f.seed(order("order.b"))
		f.fill(b.OrderID, "0.004")
		rep := run(context.Background(), f, []plan.Action{replace("order.b", b)}, testOptions(f))
		mustOK(t, rep)
		res := only(t, rep)
		if res.Status != apply.StatusReplaced || !strings.Contains(res.Note, "had filled 0.004 of 0.01") {
			t.Errorf("result %+v", res)
		}
	})
	// The plan computed the replacement's amount from the fills it saw
	// (plan/fills.go); what filled after it is taken off too, so that the
	// declared amount is never exceeded (issue 12, case 14).
	placedAmount := func(t *testing.T, f *fakeExchange, addr string) string {
		t.Helper()
		lo, _ := f.ActiveOrders(context.Background())
		for _, l := range lo {
			if l.ClientOrderID == cid(addr) {
				return l.OriginalAmount.String()
			}
		}
		return "none"
	}
	t.Run("partly after the plan: the replacement carries the rest", func(t *testing.T) {
		f := newFake()
		b := f.seed(order("order.b"))
		f.fill(b.OrderID, "0.004")
		rep := run(context.Background(), f, []plan.Action{replace("order.b", b)}, testOptions(f))
		mustOK(t, rep)
		if got := placedAmount(t, f, "order.b"); got != "0.006" {
			t.Errorf("the replacement carries %s, want the remaining 0.006: %+v", got, only(t, rep))
		}
	})
	t.Run(`partly after the plan, replace_amount = "full": the full amount`, func(t *testing.T) {
		f := newFake()
		b := f.seed(order("order.b"))
		f.fill(b.OrderID, "0.004")
		a := replace("order.b", b)
		a.After.ReplaceAmount = plan.AmountFull
		mustOK(t, run(context.Background(), f, []plan.Action{a}, testOptions(f)))
		if got := placedAmount(t, f, "order.b"); got != "0.01" {
			t.Errorf("the replacement carries %s, want 0.01", got)
		}
	})
	t.Run("what was left filled after the plan: nothing placed", func(t *testing.T) {
		f := newFake()
		b := f.seed(order("order.b"))
		f.fill(b.OrderID, "0.004")
		a := replace("order.b", *f.find(b.OrderID))                                               // the plan saw 0.004 filled
		a.After.Amount = a.After.Amount.Sub(a.Before.ExecutedAmount).Sub(a.Before.ExecutedAmount) // declared 0.006: 0.002 left
		f.fill(b.OrderID, "0.003")                                                                // then 0.003 more filled
		rep := run(context.Background(), f, []plan.Action{a}, testOptions(f))
		res := only(t, rep)
		if n := f.count("place", "of:test:b"); n != 0 || res.Status != apply.StatusSkipped {
			t.Errorf("placed %d times, want none: %+v", n, res)
		}
	})
	t.Run("partly, of a sensitive amount: the note hides it", func(t *testing.T) {
		f := newFake()
		b := f.seed(order("order.b"))
		f.fill(b.OrderID, "0.004")
		a := replace("order.b", b)
		a.After.Sensitive = []string{"amount"}
		rep := run(context.Background(), f, []plan.Action{a}, testOptions(f))
		mustOK(t, rep)
		res := only(t, rep)
		if res.Status != apply.StatusReplaced || !strings.Contains(res.Note, "had filled part") || strings.Contains(res.Note, "0.004") {
			t.Errorf("result %+v", res)
		}
	})
	t.Run("plain cancel of a filled order", func(t *testing.T) {
		f := newFake()
		a := f.seed(order("order.a"))
		f.fill(a.OrderID, "")
		rep := run(context.Background(), f, []plan.Action{cancel("order.a", a)}, testOptions(f))
		mustOK(t, rep)
		if res := only(t, rep); res.Status != apply.StatusCancelled || !strings.Contains(res.Note, "filled") {
			t.Errorf("result %+v", res)
		}
	})
}

func TestAmbiguousCancel(t *testing.T) {
	tests := []struct {
		name    string
		fault   fault
		cancels int
	}{
		{"took effect", fault{err: errTimeout}, 1},
		{"did not take effect: sent again", fault{drop: true, err: errTimeout}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			a := f.seed(order("order.a"))
			f.onCancel = func(n int, id string) fault {
				if n == 1 {
					return tt.fault
				}
				return fault{}
			}
			rep := run(context.Background(), f, []plan.Action{cancel("order.a", a)}, testOptions(f))
			mustOK(t, rep)
			if n := f.count("cancel", a.OrderID); n != tt.cancels {
				t.Errorf("%d cancels, want %d", n, tt.cancels)
			}
			if len(f.live()) != 0 {
				t.Errorf("book %v, want empty", f.live())
			}
		})
	}
}

// Issue 12, case 5: another run (another machine, or -lock=false) places
// the same address at the same time. Verification keeps the older order,
// cancels the newer, and fails the run naming the concurrent placement.
func TestVerificationDetectsAConcurrentPlacement(t *testing.T) {
	concurrent := func(t *testing.T, rep *apply.Report, other string) {
		t.Helper()
		if rep.OK() || len(rep.Concurrent) != 1 || rep.Concurrent[0].Address != "order.a" || rep.Concurrent[0].OrderID != other {
			t.Errorf("OK %v, concurrent %+v; want not OK, order.a's order %s named", rep.OK(), rep.Concurrent, other)
		}
		var b strings.Builder
		rep.Render(&b, false)
		if !strings.Contains(b.String(), "placed at this address by another run") {
			t.Errorf("render:\n%s", b.String())
		}
	}
	t.Run("the other apply's order is newer", func(t *testing.T) {
		f := newFake()
		var other string
		f.afterPlace = func(n int, lo plan.LiveOrder) { // another apply places the same address just after us
			f.mu.Lock()
			defer f.mu.Unlock()
			f.clock += 1000
			other = f.add(order("order.a")).OrderID
		}
		rep := run(context.Background(), f, []plan.Action{create("order.a")}, testOptions(f))
		concurrent(t, rep, other)
		if len(rep.DuplicatesCancelled) != 1 || rep.DuplicatesCancelled[0].OrderID != other || rep.DuplicatesCancelled[0].Address != "order.a" {
			t.Fatalf("duplicates cancelled %+v, want order %s", rep.DuplicatesCancelled, other)
		}
		if live := f.live()["of:test:a"]; len(live) != 1 || live[0] != rep.Placed[0].OrderID {
			t.Errorf("live %v, want only ours %s", live, rep.Placed[0].OrderID)
		}
	})
	t.Run("ours is newer", func(t *testing.T) {
		f := newFake()
		var other string
		f.onPlace = func(n int, o plan.Order) fault { // called under the fake's lock
			other = f.add(o).OrderID
			f.clock += 1000
			return fault{}
		}
		rep := run(context.Background(), f, []plan.Action{create("order.a")}, testOptions(f))
		concurrent(t, rep, other)
		if len(rep.DuplicatesCancelled) != 1 || rep.DuplicatesCancelled[0].OrderID == other {
			t.Fatalf("duplicates cancelled %+v, want ours, not %s", rep.DuplicatesCancelled, other)
		}
		if live := f.live()["of:test:a"]; len(live) != 1 || live[0] != other {
			t.Errorf("live %v, want only the older %s", live, other)
		}
		if rep.Placed[0].OrderID != other || !strings.Contains(rep.Placed[0].Note, "duplicated") {
			t.Errorf("placed result %+v should point at the order kept", rep.Placed[0])
		}
	})
	t.Run("other namespaces are left alone", func(t *testing.T) {
		f := newFake()
		o := order("order.x")
		o.ClientOrderID = "of:other:x"
		f.seed(o)
		f.seed(o)
		m := order("order.m")
		m.ClientOrderID = "manual"
		f.seed(m)
		f.seed(m)
		rep := run(context.Background(), f, []plan.Action{create("order.a")}, testOptions(f))
		mustOK(t, rep)
		live := f.live()
		if len(rep.DuplicatesCancelled) != 0 || len(live["of:other:x"]) != 2 || len(live["manual"]) != 2 {
			t.Errorf("touched orders of others: %+v; book %v", rep.DuplicatesCancelled, live)
		}
	})
}

// Issue 12, case 8: verification stays inside the plan. Duplicates at an
// address the run did not place at (apply -target elsewhere), or at one
// protected by prevent_cancel, are reported, never cancelled.
func TestVerificationStaysInsideThePlan(t *testing.T) {
	t.Run("an address outside the run", func(t *testing.T) {
		f := newFake()
		b := order("order.b")
		b.ClientOrderID = "of:test:00000000000000bb" // as orderform makes them
		f.seed(b)
		f.seed(b)
		junk := order("order.j")
		junk.ClientOrderID = "of:test:00000000000000jj" // not one of orderform's: not even reported
		f.seed(junk)
		f.seed(junk)
		rep := run(context.Background(), f, []plan.Action{create("order.a")}, testOptions(f))
		mustOK(t, rep)
		if n := len(f.live()[b.ClientOrderID]); n != 2 || len(rep.DuplicatesCancelled) != 0 {
			t.Errorf("order.b has %d live orders, duplicates cancelled %+v: want both left", n, rep.DuplicatesCancelled)
		}
		if len(rep.DuplicatesLeft) != 1 || rep.DuplicatesLeft[0].ClientOrderID != b.ClientOrderID {
			t.Errorf("duplicates left %+v, want order.b reported", rep.DuplicatesLeft)
		}
		var out strings.Builder
		rep.Render(&out, false)
		if !strings.Contains(out.String(), "Warning: "+b.ClientOrderID) || !strings.Contains(out.String(), "did not place an order at this address") {
			t.Errorf("render:\n%s", out.String())
		}
	})
	t.Run("prevent_cancel at an address of the run", func(t *testing.T) {
		f := newFake()
		f.afterPlace = func(n int, lo plan.LiveOrder) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.clock += 1000
			f.add(order("order.a"))
		}
		a := create("order.a")
		a.After.PreventCancel = true
		rep := run(context.Background(), f, []plan.Action{a}, testOptions(f))
		cancels := 0
		for _, m := range f.methods() {
			if strings.HasPrefix(m, "cancel ") {
				cancels++
			}
		}
		if n := len(f.live()["of:test:a"]); n != 2 || len(rep.DuplicatesCancelled) != 0 || cancels != 0 {
			t.Errorf("order.a has %d live orders, duplicates cancelled %+v: prevent_cancel must hold", n, rep.DuplicatesCancelled)
		}
		if len(rep.DuplicatesLeft) != 1 || !strings.Contains(rep.DuplicatesLeft[0].Reason, "prevent_cancel") {
			t.Errorf("duplicates left %+v, want order.a reported for prevent_cancel", rep.DuplicatesLeft)
		}
		if len(rep.Concurrent) != 1 || rep.OK() {
			t.Errorf("concurrent %+v, OK %v: the other order is still a concurrent placement", rep.Concurrent, rep.OK())
		}
	})
}

func TestVerificationFailureIsAWarning(t *testing.T) {
	f := newFake()
	f.onActive = func() fault { return fault{err: errTimeout} }
	rep := run(context.Background(), f, []plan.Action{create("order.a")}, testOptions(f))
	if !rep.OK() || rep.Verified || rep.VerifyErr == nil {
		t.Errorf("OK %v, Verified %v, VerifyErr %v; want OK, not verified, an error", rep.OK(), rep.Verified, rep.VerifyErr)
	}
	var b strings.Builder
	rep.Render(&b, false)
	if !strings.Contains(b.String(), "Warning: could not verify") {
		t.Errorf("render:\n%s", b.String())
	}
}

func TestPlanErrors(t *testing.T) {
	f := newFake()
	a := create("order.a")
	rep := run(context.Background(), f, []plan.Action{a, a, {Kind: plan.Cancel, Address: "order.z"}}, testOptions(f))
	if diff := cmp.Diff([]string{"order.a", "order.z"}, addresses(rep.Failed)); diff != "" {
		t.Errorf("failed (-want +got):\n%s", diff)
	}
	if n := f.count("place", "of:test:a"); n != 1 {
		t.Errorf("placed %d times", n)
	}
}

// only returns the single result of the plan's one action. The cancel half
// of a replace that did not place (counted among the cancelled, see
// TestFailedReplaceCountsItsCancel) is not a result of its own.
func only(t *testing.T, rep *apply.Report) apply.Result {
	t.Helper()
	var all []apply.Result
	for _, l := range [][]apply.Result{rep.Placed, rep.Replaced, rep.Cancelled, rep.Adopted, rep.Failed, rep.Skipped, rep.Unknown} {
		for _, res := range l {
			if res.Kind == plan.Replace && res.Status == apply.StatusCancelled {
				continue
			}
			all = append(all, res)
		}
	}
	if len(all) != 1 {
		t.Fatalf("%d results, want 1: %+v", len(all), all)
	}
	return all[0]
}

func TestPlacementBlockedByALiveDuplicate(t *testing.T) {
	f := newFake()
	keep := f.seed(order("order.a"))
	dup := f.seed(order("order.a"))
	f.onCancel = func(n int, id string) fault {
		if id == dup.OrderID {
			return fault{drop: true, err: errors.New("InvalidOrderId: nope")}
		}
		return fault{}
	}
	actions := []plan.Action{replace("order.a", keep), cancel("order.a", dup)}
	actions[1].Reasons = []string{"duplicate"}
	rep := run(context.Background(), f, actions, testOptions(f))
	if n := f.count("place", "of:test:a"); n != 0 {
		t.Errorf("placed %d times while a duplicate was still live", n)
	}
	if len(rep.Skipped) != 1 || !strings.Contains(rep.Skipped[0].Reason, "placing would make two live orders") {
		t.Errorf("skipped %+v", rep.Skipped)
	}
}

func TestErroredPlanIsRefused(t *testing.T) {
	f := newFake()
	rep := apply.Apply(context.Background(), f, &plan.Plan{Errored: true, Actions: []plan.Action{create("order.a")}}, testOptions(f))
	if rep.OK() || len(f.methods()) != 0 {
		t.Errorf("OK %v, requests %v", rep.OK(), f.methods())
	}
}

func TestRefusedButLandedIsAdoptedByVerification(t *testing.T) {
	// Seen in the wild: a 406 on order/new, yet the order exists.
	f := newFake()
	f.onPlace = func(n int, o plan.Order) fault { return fault{err: errFunds} }
	f.afterPlace = func(n int, lo plan.LiveOrder) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.add(order("order.a"))
	}
	rep := run(context.Background(), f, []plan.Action{create("order.a")}, testOptions(f))
	res := only(t, rep)
	if res.Status != apply.StatusAdopted || !strings.Contains(res.Note, "InsufficientFunds") {
		t.Errorf("result %+v", res)
	}
	if n := f.count("place", "of:test:a"); n != 1 {
		t.Errorf("placed %d times", n)
	}
}
