package apply_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"orderform/apply"
	"orderform/plan"
)

// TestMeterCountsRateAndTimeLeft: ten placements, each taking a second on
// the fake's clock; after the fourth, 4/10 done at 1/s with 6s left
// (issue 15, case 5).
func TestMeterCountsRateAndTimeLeft(t *testing.T) {
	f := newFake()
	var actions []plan.Action
	for i := range 10 {
		actions = append(actions, create(fmt.Sprintf("order.grid[%d]", i)))
	}
	p := &plan.Plan{Actions: append(actions, plan.Action{Kind: plan.NoOp, Address: "order.kept"}), Target: plan.Target{Namespace: "test"}}
	m := apply.NewMeter(p, f.now)
	if got := m.Snapshot(); got != (apply.MeterState{Total: 10}) {
		t.Errorf("before the run: %+v", got)
	}
	var states []apply.MeterState
	opts := testOptions(f)
	opts.Hooks = m.Hooks(apply.Hooks{Complete: func(ev apply.Event) {
		if ev.Action == apply.StepPlace {
			states = append(states, m.Snapshot())
		}
	}})
	mustOK(t, apply.Apply(context.Background(), f, p, opts))
	if len(states) != 10 {
		t.Fatalf("%d states, want 10", len(states))
	}
	want := apply.MeterState{Done: 4, Total: 10, Elapsed: 4 * time.Second, Rate: 1, Left: 6 * time.Second}
	if d := cmp.Diff(want, states[3]); d != "" {
		t.Errorf("after the fourth (-want +got):\n%s", d)
	}
	if got := states[9]; got.Done != 10 || got.Left != 0 {
		t.Errorf("at the end: %+v", got)
	}
}

// TestMeterEndsAtTotal: whatever way an action ends (a replace's two
// steps, a failure, a replace left with nothing to place, an interrupt),
// it is counted once, and every action is counted.
func TestMeterEndsAtTotal(t *testing.T) {
	f := newFake()
	b := f.seed(order("order.b"))
	d := f.seed(order("order.d"))
	e := f.seed(order("order.e"))
	f.fill(e.OrderID, "0.006") // fills between the plan and its cancel
	f.onPlace = func(n int, o plan.Order) fault {
		if o.Address == "order.c" {
			return fault{err: errFunds}
		}
		return fault{}
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	f.afterPlace = func(n int, lo plan.LiveOrder) {
		if lo.ClientOrderID == cid("order.f") {
			stop() // order.g is never started
		}
	}
	small := replace("order.e", e)
	small.After.Amount = decimal.RequireFromString("0.005")
	actions := []plan.Action{replace("order.b", b), create("order.c"), cancel("order.d", d), small, create("order.f"), create("order.g")}
	p := &plan.Plan{Actions: actions, Target: plan.Target{Namespace: "test"}}
	m := apply.NewMeter(p, f.now)
	opts := testOptions(f)
	opts.Hooks = m.Hooks(apply.Hooks{})
	rep := apply.Apply(ctx, f, p, opts)
	got := m.Snapshot()
	if got.Done != 6 || got.Total != 6 || got.Failed != 3 {
		t.Errorf("meter %+v; want 6 of 6 done, 3 failed or skipped (c, e, g); report: %s", got, rep.Summary())
	}
}

// TestMeterStampsEvents: the event that ends an action carries done and
// total, so a JSON stream shows the progress too.
func TestMeterStampsEvents(t *testing.T) {
	f := newFake()
	p := &plan.Plan{Actions: []plan.Action{create("order.a"), create("order.b")}, Target: plan.Target{Namespace: "test"}}
	var b strings.Builder
	opts := testOptions(f)
	opts.Hooks = apply.NewMeter(p, f.now).Hooks(apply.JSONHooks(&b))
	mustOK(t, apply.Apply(context.Background(), f, p, opts))
	for _, want := range []string{`"address":"order.a","client_order_id":"of:test:a","kind":"create","action":"place","outcome":"placed","order_id":"1001","done":1,"total":2,"elapsed_ms":1000}`,
		`"address":"order.b",`, `"done":2,"total":2,"elapsed_ms":1000}`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("stream lacks %s:\n%s", want, b.String())
		}
	}
	if strings.Count(b.String(), `"done"`) != 2 {
		t.Errorf("done on other lines than the two that end an action:\n%s", b.String())
	}
}
