package plan

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"
)

// prevent_cancel covers every instance its block could have produced:
// those no longer declared after count was lowered or for_each keys
// renamed are refused too, named by their address whenever it can be
// recovered from the hash the exchange keeps.
func TestComputePreventCancelRemovedInstances(t *testing.T) {
	grid := Block{Address: "order.g", Expansion: "count", PreventCancel: true, Range: rng(40)}
	open := Block{Address: "order.g", Expansion: "count", Range: rng(40)}
	each := Block{Address: "order.f", Expansion: "for_each", PreventCancel: true, Range: rng(41)}
	eachOpen := Block{Address: "order.f", Expansion: "for_each", Range: rng(41)}
	g := func(i string) Order { return buy("order.g["+i+"]", "0.1", "60000") }
	f := func(k string) Order { return buy(`order.f["`+k+`"]`, "0.1", "60000") }
	in := func(blocks []Block, desired []Order, live ...LiveOrder) Input {
		x := input(desired, live...)
		x.Blocks, x.ClientOrderID = blocks, coid
		return x
	}
	tests := []struct {
		name    string
		in      Input
		want    []string // diagnostic summaries
		detail  []string
		cancels []string // addresses of the cancels, in order
	}{
		{
			name:    "count lowered: the removed instances are refused, by address",
			in:      in([]Block{grid}, []Order{g("0")}, live(g("0"), "1", "0"), live(g("1"), "2", "0"), live(g("7"), "3", "0")),
			want:    []string{"error: Order is protected by prevent_cancel", "error: Order is protected by prevent_cancel"},
			detail:  []string{"cancel order 2 (" + coid("order.g[1]") + ") of order.g[1], which the configuration no longer declares", "order.g[7]", `order "g" sets prevent_cancel = true`},
			cancels: []string{"order.g[1]", "order.g[7]"},
		},
		{
			name:    "count lowered to 0",
			in:      in([]Block{grid}, nil, live(g("0"), "1", "0")),
			want:    []string{"error: Order is protected by prevent_cancel"},
			cancels: []string{"order.g[0]"},
		},
		{
			name:    "count lowered without prevent_cancel: cancelled, named by address",
			in:      in([]Block{open}, []Order{g("0")}, live(g("0"), "1", "0"), live(g("12345"), "2", "0")),
			cancels: []string{"order.g[12345]"},
		},
		{
			name:    "a block that was single before it had count",
			in:      in([]Block{grid}, []Order{g("0")}, live(buy("order.g", "0.1", "60000"), "1", "0")),
			want:    []string{"error: Order is protected by prevent_cancel"},
			cancels: []string{"order.g"},
		},
		{
			name:    "for_each key renamed: an order like the block's is refused, by hash",
			in:      in([]Block{each}, []Order{f("new")}, live(f("new"), "1", "0"), live(f("old"), "2", "0")),
			want:    []string{"error: Order is protected by prevent_cancel"},
			detail:  []string{"cancel order 2 (" + coid(`order.f["old"]`) + ", a btcusd buy order), whose address cannot be told", "instance of order.f whose for_each key was renamed or removed", "add a moved block"},
			cancels: []string{""},
		},
		{
			name: "for_each key renamed with a moved block: kept",
			in: func() Input {
				x := in([]Block{each}, []Order{f("new")}, live(f("old"), "2", "0"))
				x.Moved = []Moved{{From: `order.f["old"]`, To: `order.f["new"]`, FromClientOrderID: coid(`order.f["old"]`), ToClientOrderID: coid(`order.f["new"]`)}}
				return x
			}(),
		},
		{
			name:    "for_each emptied: any unknown order may have been one",
			in:      in([]Block{each}, nil, with(live(f("old"), "2", "0"), func(l *LiveOrder) { l.Symbol, l.Side = "ethusd", "sell" })),
			want:    []string{"error: Order is protected by prevent_cancel"},
			cancels: []string{""},
		},
		{
			name:    "an unknown order unlike any protected instance: cancelled",
			in:      in([]Block{each}, []Order{f("new")}, live(f("new"), "1", "0"), with(live(buy("order.gone", "1", "2000"), "2", "0"), func(l *LiveOrder) { l.Symbol = "ethusd" })),
			cancels: []string{""},
		},
		{
			name:    "for_each without prevent_cancel: cancelled",
			in:      in([]Block{eachOpen}, []Order{f("new")}, live(f("new"), "1", "0"), live(f("old"), "2", "0")),
			cancels: []string{""},
		},
		{
			name: "destroy: refused for removed instances too",
			in: func() Input {
				x := in([]Block{grid}, []Order{g("0")}, live(g("3"), "4", "0"))
				x.Destroy = true
				return x
			}(),
			want:    []string{"error: Order is protected by prevent_cancel"},
			cancels: []string{"order.g[3]"},
		},
		{
			name: "-target selects a removed instance by its recovered address",
			in: func() Input {
				x := in([]Block{open}, []Order{g("0")}, live(g("0"), "1", "0"), live(g("2"), "2", "0"), live(g("3"), "3", "0"))
				x.Targets = []string{"order.g[3]"}
				return x
			}(),
			want:    []string{"warning: Plan limited by -target"},
			cancels: []string{"order.g[3]"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, diags := Compute(tt.in)
			if diff := cmp.Diff(tt.want, diagSummaries(t, diags), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s\n%s", diff, diagText(diags))
			}
			text := diagText(diags)
			for _, d := range tt.detail {
				if !strings.Contains(text, d) {
					t.Errorf("diagnostics do not mention %q:\n%s", d, text)
				}
			}
			for _, d := range diags {
				if d.Severity == hcl.DiagError && (d.Subject == nil || d.Subject.Start.Line < 40) {
					t.Errorf("%q does not point at the block's prevent_cancel: %v", d.Summary, d.Subject)
				}
			}
			var cancels []string
			for _, a := range p.Actions {
				if a.Kind == Cancel {
					cancels = append(cancels, a.Address)
				}
			}
			if diff := cmp.Diff(tt.cancels, cancels, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("cancels (-want +got):\n%s", diff)
			}
		})
	}
}

// BenchmarkComputeUnknownLeftover is the worst case of recovering
// addresses: an order no count index produced, so every index of the count
// block is hashed.
func BenchmarkComputeUnknownLeftover(b *testing.B) {
	in := input([]Order{buy("order.g[0]", "0.1", "60000")}, live(buy(`order.f["old"]`, "0.1", "60000"), "2", "0"))
	in.Blocks = []Block{{Address: "order.g", Expansion: "count"}, {Address: "order.f", Expansion: "for_each"}}
	in.ClientOrderID = coid
	for b.Loop() {
		Compute(in)
	}
}

// TestDestroyOfAProtectedOrder says what destroy can do about it, not
// "change the configuration back" (issue 15, case 13).
func TestDestroyOfAProtectedOrder(t *testing.T) {
	d := buy("order.keep", "1", "100", func(o *Order) { o.PreventCancel = true })
	in := input([]Order{d}, live(d, "7", "0"))
	in.Destroy = true
	p, diags := Compute(in)
	if !p.Errored || len(diags) != 1 {
		t.Fatalf("errored %v, diagnostics %v", p.Errored, diags)
	}
	det := diags[0].Detail
	if !strings.Contains(det, "Destroying cancels every order") || !strings.Contains(det, "-target") || strings.Contains(det, "configuration back") {
		t.Errorf("detail %q", det)
	}
}
