package command

import (
	"context"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"orderform/gemini"
	"orderform/gemini/sim"
	"orderform/spec"
)

// Case 9 of issue 12: client order ids are compared byte for byte. Orders
// another program placed with an id that differs from orderform's only by a
// leading or trailing space are someone else's: plan and apply leave them
// alone, whether the id resembles a configured address or one no longer in
// the configuration.
func TestForeignIDsWithSpacesAreLeftAlone(t *testing.T) {
	// The other program has its own API key, as it would: a second client
	// on orderform's key would race it for the key's nonces.
	h := newRelHarness(t, relOptions{sim: sim.Options{LaxClientOrderIDs: true,
		Keys: []sim.Key{{Key: otherKey, Secret: otherSecret}}}})
	h.write(map[string]string{"main.hcl": h.exchangeBlock("exact") + `
order "bid" {
  symbol = "btcusd"
  side   = "buy"
  amount = "0.001"
  price  = 60000
}
`})
	ctx := context.Background()
	bid, gone := spec.ClientOrderID("exact", "order.bid"), spec.ClientOrderID("exact", "order.gone")
	foreign := []string{" " + bid, bid + " ", " " + gone, gone + " ", bid + "\t"}
	other := h.client(otherKey, otherSecret)
	for _, id := range foreign {
		if _, err := other.NewOrder(ctx, gemini.NewOrder{ClientOrderID: id, Symbol: "btcusd", Side: "buy",
			Type: gemini.TypeLimit, Amount: d("0.002"), Price: d("59000")}); err != nil {
			t.Fatalf("placing the foreign order %q: %v", id, err)
		}
	}
	book := func() map[string]string { // client order id -> price, of live orders
		out := map[string]string{}
		for _, o := range h.srv.Orders() {
			if o.Live {
				out[o.ClientOrderID] += o.Price.String() + "x" + o.Original.String() + " "
			}
		}
		return out
	}
	want := map[string]string{}
	for _, id := range foreign {
		want[id] = "59000x0.002 "
	}

	r := h.run(ctx, "plan", h.dir)
	if r.code != 0 {
		t.Fatalf("plan: %s", r)
	}
	if r := h.run(ctx, "apply", "-auto-approve", h.dir); r.code != 0 {
		t.Fatalf("apply: %s", r)
	}
	want[bid] = "60000x0.001 "
	if diff := cmp.Diff(want, book()); diff != "" {
		keys := []string{}
		for k := range book() {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		t.Fatalf("live book after apply (-want +got):\n%s\nids %q\nplan was:\n%s", diff, keys, r.stdout)
	}
	if r := h.run(ctx, "plan", "-detailed-exitcode", h.dir); r.code != 0 {
		t.Errorf("plan after apply is not empty: %s", r)
	}
	if r := h.run(ctx, "destroy", "-auto-approve", h.dir); r.code != 0 {
		t.Fatalf("destroy: %s", r)
	}
	delete(want, bid)
	if diff := cmp.Diff(want, book()); diff != "" {
		t.Errorf("live book after destroy (-want +got):\n%s", diff)
	}
}
