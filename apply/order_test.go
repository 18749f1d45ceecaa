package apply_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"orderform/plan"
)

// TestReportSortsCountByNumber: what verification finds is listed by
// address as the plan is, order.grid[2] before order.grid[10] (issue 15,
// case 3), not by client order id.
func TestReportSortsCountByNumber(t *testing.T) {
	f := newFake()
	var actions []plan.Action
	for _, addr := range []string{"order.grid[2]", "order.grid[10]"} {
		o := order(addr)
		f.seed(o)
		f.seed(o)
		actions = append(actions, plan.Action{Kind: plan.NoOp, Address: addr, ClientOrderID: o.ClientOrderID})
	}
	actions = append(actions, create("order.z"))
	rep := run(context.Background(), f, actions, testOptions(f))
	mustOK(t, rep)
	if d := cmp.Diff([]string{"order.grid[2]", "order.grid[10]"}, addresses(rep.DuplicatesLeft)); d != "" {
		t.Errorf("duplicates left (-want +got):\n%s", d)
	}
}
