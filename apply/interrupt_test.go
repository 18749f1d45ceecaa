package apply_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"orderform/apply"
	"orderform/plan"
)

// TestInterruptMidway interrupts a 50-order apply while the 20th placement
// is in flight, and that placement's answer is lost.
func TestInterruptMidway(t *testing.T) {
	for _, conc := range []int{1, 4} {
		t.Run(fmt.Sprintf("concurrency %d", conc), func(t *testing.T) {
			f := newFake()
			var actions []plan.Action
			for i := range 50 {
				actions = append(actions, create(fmt.Sprintf("order.g[%d]", i)))
			}
			ctx, stop := context.WithCancel(context.Background())
			defer stop()
			f.onPlace = func(n int, o plan.Order) fault {
				if n == 20 {
					return fault{err: errTimeout} // lands; the answer is lost
				}
				return fault{}
			}
			f.afterPlace = func(n int, lo plan.LiveOrder) {
				if n == 20 {
					f.stopped.Store(true)
					stop()
				}
			}
			ev := &events{}
			opts := testOptions(f)
			opts.Concurrency, opts.Hooks = conc, ev.hooks()
			rep := run(ctx, f, actions, opts)

			if !rep.Interrupted || rep.OK() {
				t.Errorf("Interrupted %v, OK %v; want interrupted, not OK", rep.Interrupted, rep.OK())
			}
			// No new request after the interrupt, except the lookups that
			// settle the ambiguous one. With several in flight, a request
			// that had passed the check when the interrupt came may follow.
			var late []string
			f.mu.Lock()
			for _, c := range f.calls {
				if c.afterStop && c.method != "lookup" {
					late = append(late, c.method+" "+c.arg)
				}
			}
			f.mu.Unlock()
			if len(late) > conc-1 {
				t.Errorf("requests after the interrupt: %v", late)
			}
			if f.torn.Load() {
				t.Error("a request in flight was answered under a cancelled context")
			}
			if len(rep.Adopted) != 1 || len(rep.Unknown) != 0 {
				t.Errorf("adopted %d, unknown %d; want the order in flight adopted", len(rep.Adopted), len(rep.Unknown))
			}
			if n := len(rep.Placed) + len(rep.Adopted) + len(rep.Skipped); n != 50 {
				t.Errorf("%d results, want 50", n)
			}
			// The report matches the book.
			var reported []string
			for _, r := range append(slices.Clone(rep.Placed), rep.Adopted...) {
				reported = append(reported, r.OrderID)
			}
			var booked []string
			for _, ids := range f.live() {
				booked = append(booked, ids...)
			}
			slices.Sort(reported)
			slices.Sort(booked)
			if diff := cmp.Diff(booked, reported); diff != "" {
				t.Errorf("report vs book (-book +report):\n%s", diff)
			}
			for _, r := range rep.Skipped {
				if len(f.live()[r.ClientOrderID]) != 0 {
					t.Errorf("%s reported skipped but live", r.Address)
				}
			}
			if ev.overlap.Load() {
				t.Error("hooks were called concurrently")
			}

			// A second apply of what remains converges.
			live := f.live()
			var remaining []plan.Action
			for _, a := range actions {
				if len(live[a.ClientOrderID]) == 0 {
					remaining = append(remaining, a)
				}
			}
			rep2 := run(context.Background(), f, remaining, testOptions(f))
			mustOK(t, rep2)
			live = f.live()
			for _, a := range actions {
				if len(live[a.ClientOrderID]) != 1 {
					t.Errorf("%s: %d live orders after the second apply", a.Address, len(live[a.ClientOrderID]))
				}
			}
		})
	}
}

func TestInterruptBetweenCancelAndPlace(t *testing.T) {
	f := newFake()
	b := f.seed(order("order.b"))
	ctx, stop := context.WithCancel(context.Background())
	f.onCancel = func(n int, id string) fault { stop(); return fault{} }
	rep := run(ctx, f, []plan.Action{replace("order.b", b)}, testOptions(f))
	res := only(t, rep)
	if res.Status != apply.StatusSkipped || !strings.Contains(res.Reason, "old order "+b.OrderID+" was cancelled") {
		t.Errorf("result %+v", res)
	}
	if !rep.Interrupted || rep.Verified {
		t.Errorf("Interrupted %v, Verified %v", rep.Interrupted, rep.Verified)
	}
}

func TestEvents(t *testing.T) {
	f := newFake()
	b := f.seed(order("order.b"))
	f.onPlace = func(n int, o plan.Order) fault {
		if o.Address == "order.c" {
			return fault{err: errFunds}
		}
		return fault{}
	}
	ev := &events{}
	opts := testOptions(f)
	opts.Hooks = ev.hooks()
	run(context.Background(), f, []plan.Action{replace("order.b", b), create("order.c")}, opts)
	want := []string{
		"start cancel order.b",
		"complete cancel cancelled order.b",
		"start place order.b",
		"complete place replaced order.b",
		"start place order.c",
		"errored place failed order.c",
		"start verify",
		"complete verify verified",
	}
	if diff := cmp.Diff(want, ev.list()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestProgressWhileWaiting(t *testing.T) {
	f := newFake()
	got := make(chan apply.Event, 1)
	var once sync.Once
	opts := testOptions(f)
	opts.ProgressInterval = time.Millisecond
	opts.Hooks.Progress = func(ev apply.Event) { once.Do(func() { got <- ev }) }
	f.afterPlace = func(n int, lo plan.LiveOrder) { // the exchange is slow to answer
		select {
		case ev := <-got:
			if ev.Action != apply.StepPlace || ev.Address != "order.a" {
				t.Errorf("progress event %+v", ev)
			}
		case <-time.After(10 * time.Second):
			t.Error("no progress event while waiting")
		}
	}
	mustOK(t, run(context.Background(), f, []plan.Action{create("order.a")}, opts))
}

func TestTextHooks(t *testing.T) {
	f := newFake()
	var b strings.Builder
	opts := testOptions(f)
	opts.Hooks = apply.TextHooks(&b)
	run(context.Background(), f, []plan.Action{create(`order.btc_bid["l1"]`)}, opts)
	want := `order.btc_bid["l1"]: Placing...
order.btc_bid["l1"]: Placed [order_id=1001] (1s)
live orders: Verifying...
live orders: Verified (1s): no duplicates
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
}

func TestJSONHooks(t *testing.T) {
	f := newFake()
	var b strings.Builder
	opts := testOptions(f)
	opts.Hooks = apply.JSONHooks(&b)
	f.onPlace = func(n int, o plan.Order) fault { return fault{err: errFunds} }
	run(context.Background(), f, []plan.Action{create("order.a")}, opts)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	want := `{"type":"errored","address":"order.a","client_order_id":"of:test:a","kind":"create","action":"place","outcome":"failed","message":"InsufficientFunds: Failed to place buy order due to insufficient funds","elapsed_ms":1000,"error":"InsufficientFunds: Failed to place buy order due to insufficient funds"}`
	if len(lines) != 4 || lines[1] != want {
		t.Errorf("lines:\n%s\nwant second:\n%s", b.String(), want)
	}
}
