package apply_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"orderform/apply"
	"orderform/plan"
)

func TestRenderComplete(t *testing.T) {
	r := func(addr string) apply.Result { return apply.Result{Address: addr} }
	rep := &apply.Report{
		Placed:    []apply.Result{r("order.a"), r("order.b")},
		Replaced:  []apply.Result{r("order.c")},
		Cancelled: []apply.Result{r("order.d"), r("order.e"), {Address: "order.f", Note: "order 17 filled before it could be cancelled"}},
		Verified:  true,
	}
	want := "Note: order.f: order 17 filled before it could be cancelled.\n" +
		"Apply complete! Resources: 2 placed, 1 replaced, 3 cancelled.\n"
	var b strings.Builder
	rep.Render(&b, false)
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("render (-want +got):\n%s", diff)
	}
}

// TestRenderFailed renders the report of a real run, so the reasons are the
// ones apply writes.
func TestRenderFailed(t *testing.T) {
	f := newFake()
	b := f.seed(order("order.b"))
	f.onPlace = func(n int, o plan.Order) fault {
		switch o.Address {
		case "order.c":
			return fault{err: errFunds}
		case "order.d":
			return fault{cancelReason: "MakerOrCancelWouldTake"}
		case "order.e":
			return fault{drop: true, err: errTimeout}
		}
		return fault{}
	}
	f.onLookup = func(n int, id string) fault {
		if id == "of:test:e" {
			return fault{err: errTimeout}
		}
		return fault{}
	}
	f.onCancel = func(n int, id string) fault { return fault{drop: true, err: errors.New("InvalidOrderId: nope")} }
	actions := []plan.Action{create("order.a"), replace("order.b", b), create("order.c"), create("order.d"), create("order.e")}
	rep := run(context.Background(), f, actions, testOptions(f))
	var out strings.Builder
	rep.Render(&out, false)
	want := `Apply failed! Resources: 1 placed, 0 replaced, 0 cancelled, 3 failed, 1 unknown.

Failed:
  order.b: cancel order 1001: InvalidOrderId: nope; the replacement was not placed
      order 1001 is still live; run ` + "`orderform apply`" + ` again, or cancel it on the exchange
  order.c: InsufficientFunds: Failed to place buy order due to insufficient funds
      fix the cause and run ` + "`orderform apply`" + ` again
  order.d: order 1003 was accepted but cancelled at once by the exchange: MakerOrCancelWouldTake
      the price would have traded at once, which maker-or-cancel forbids; move the price away from the market and run ` + "`orderform apply`" + ` again

Unknown:
  order.e: POST /v1/order/new: context deadline exceeded: outcome unknown; could not tell whether it landed: look up of:test:e: POST /v1/order/new: context deadline exceeded: outcome unknown (5 attempts)
      run ` + "`orderform plan`" + `: it reads the book and shows whether the order exists; it was not placed again

Run ` + "`orderform plan`" + ` before anything else: it reads the book and shows whether the unknown orders exist. Applying again will not place an order that exists.
`
	if diff := cmp.Diff(want, out.String()); diff != "" {
		t.Errorf("render (-want +got):\n%s", diff)
	}

	var colored strings.Builder
	rep.Render(&colored, true)
	if !strings.Contains(colored.String(), "\x1b[") {
		t.Error("no color with color on")
	}
}

func TestRenderInterrupted(t *testing.T) {
	rep := &apply.Report{
		Placed:      []apply.Result{{Address: "order.a"}},
		Skipped:     []apply.Result{{Address: "order.b", Reason: "interrupted before it started", Next: "run `orderform apply` again to carry it out"}},
		Interrupted: true,
	}
	var b strings.Builder
	rep.Render(&b, false)
	if !strings.HasPrefix(b.String(), "Apply interrupted! Resources: 1 placed, 0 replaced, 0 cancelled, 1 skipped.\n") {
		t.Errorf("render:\n%s", b.String())
	}
}

func TestReportJSON(t *testing.T) {
	rep := &apply.Report{
		Placed:    []apply.Result{{Address: "order.a", ClientOrderID: "of:test:a", Kind: plan.Create, Status: apply.StatusPlaced, OrderID: "1001"}},
		VerifyErr: errors.New("read active orders: timeout"),
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"ok":true,"summary":"1 placed, 0 replaced, 0 cancelled","placed":[{"address":"order.a","client_order_id":"of:test:a","kind":"create","status":"placed","order_id":"1001"}],"replaced":[],"cancelled":[],"adopted":[],"failed":[],"skipped":[],"unknown":[],"duplicates_cancelled":[],"concurrent":[],"duplicates_left":[],"interrupted":false,"verified":false,"verify_error":"read active orders: timeout"}`
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("json (-want +got):\n%s", diff)
	}
}

// TestRenderInterruptedGroupsHints: a Ctrl-C that skips 30 placements says
// the reason and the hint once, lists the addresses compactly, and closes
// with what an interrupt calls for, not "Fix what failed" (issue 15, case 6).
func TestRenderInterruptedGroupsHints(t *testing.T) {
	for _, destroy := range []bool{false, true} {
		f := newFake()
		var actions []plan.Action
		for i := range 30 {
			addr := fmt.Sprintf("order.grid[%d]", i)
			if destroy {
				actions = append(actions, cancel(addr, f.seed(order(addr))))
			} else {
				actions = append(actions, create(addr))
			}
		}
		ctx, stop := context.WithCancel(context.Background())
		stop()
		p := &plan.Plan{Actions: actions, Target: plan.Target{Namespace: "test"}, Destroy: destroy}
		rep := apply.Apply(ctx, f, p, testOptions(f))
		verb, cmd, res := "Apply", "apply", "0 placed, 0 replaced, 0 cancelled, 30 skipped"
		if destroy {
			rep.Verb, verb, cmd = "Destroy", "Destroy", "destroy"
		}
		var out strings.Builder
		rep.Render(&out, false)
		want := verb + ` interrupted! Resources: ` + res + `.

Skipped:
  30 orders: interrupted before it started
      order.grid[0], order.grid[1], order.grid[2], order.grid[3], order.grid[4], order.grid[5],
      order.grid[6], order.grid[7], order.grid[8], order.grid[9], order.grid[10], order.grid[11],
      order.grid[12], order.grid[13], order.grid[14], order.grid[15], order.grid[16],
      order.grid[17], order.grid[18], order.grid[19], order.grid[20], order.grid[21],
      order.grid[22], order.grid[23], order.grid[24], order.grid[25], order.grid[26],
      order.grid[27], order.grid[28], order.grid[29]
      run ` + "`orderform " + cmd + "`" + ` again to carry it out

Interrupted: nothing was done twice. Run ` + "`orderform " + cmd + "`" + ` again to carry out what remains; it does only that.
`
		if diff := cmp.Diff(want, out.String()); diff != "" {
			t.Errorf("destroy %v: render (-want +got):\n%s", destroy, diff)
		}
	}
}
