package apply_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"orderform/plan"
)

// A replace whose placement fails after its cancel went through counts the
// cancel: in the summary, in Changes and in the report's JSON lists.
func TestFailedReplaceCountsItsCancel(t *testing.T) {
	f := newFake()
	b := f.seed(order("order.b"))
	f.onPlace = func(n int, o plan.Order) fault { return fault{err: errFunds} }
	rep := run(context.Background(), f, []plan.Action{replace("order.b", b)}, testOptions(f))
	if got, want := rep.Summary(), "0 placed, 0 replaced, 1 cancelled, 1 failed"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	if rep.Changes() != 1 || rep.OK() {
		t.Errorf("changes %d, ok %v; want 1 change and not ok", rep.Changes(), rep.OK())
	}
	if len(rep.Cancelled) != 1 || rep.Cancelled[0].OrderID != b.OrderID || rep.Cancelled[0].Kind != plan.Replace {
		t.Fatalf("cancelled %+v, want the old order %s of the replace", rep.Cancelled, b.OrderID)
	}
	raw, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Summary   string `json:"summary"`
		Cancelled []struct {
			OrderID string `json:"order_id"`
			Note    string `json:"note"`
		} `json:"cancelled"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Cancelled) != 1 || doc.Cancelled[0].OrderID != b.OrderID || !strings.Contains(doc.Cancelled[0].Note, "replacement was not placed") {
		t.Errorf("JSON cancelled %+v", doc.Cancelled)
	}
	var w strings.Builder
	rep.Render(&w, false)
	if !strings.Contains(w.String(), "Note: order.b: the old order "+b.OrderID+" was cancelled, but its replacement was not placed (see below).") {
		t.Errorf("render:\n%s", w.String())
	}

	// A replace that placed is one replaced, not a cancel besides.
	g := newFake()
	c := g.seed(order("order.c"))
	rep = run(context.Background(), g, []plan.Action{replace("order.c", c)}, testOptions(g))
	if got, want := rep.Summary(), "0 placed, 1 replaced, 0 cancelled"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
}
