package apply_test

import (
	"context"
	"errors"
	"testing"

	"orderform/plan"
)

// TestPlacementBlockedByALiveMovedDuplicate: order.b has two live orders, one
// under its own client id and one under the id of order.a, which a moved
// block leads to it. The plan replaces the first and cancels the second as
// a duplicate. When that cancel fails, the replacement must not be placed:
// the address would have two live orders (under two client ids, so the
// verifying read would not see them either).
func TestPlacementBlockedByALiveMovedDuplicate(t *testing.T) {
	f := newFake()
	keep := f.seed(order("order.b"))
	moved := f.seed(order("order.a")) // the old address's client id
	f.onCancel = func(n int, id string) fault {
		if id == moved.OrderID {
			return fault{drop: true, err: errors.New("InvalidOrderId: nope")}
		}
		return fault{}
	}
	dup := cancel("order.b", moved)
	dup.Why, dup.MovedFrom, dup.Reasons = plan.WhyDuplicate, "order.a", []string{"duplicate"}
	rep := run(context.Background(), f, []plan.Action{replace("order.b", keep), dup}, testOptions(f))
	if n := f.count("place", "of:test:b"); n != 0 {
		t.Errorf("placed %d times while a duplicate of the address (moved from order.a) was still live: live %v", n, f.live())
	}
	if rep.OK() {
		t.Error("report OK")
	}
}
