package plan

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// closed is o as the history shows it once closed: filled executed of its
// original amount, cancelled or not, placed at ts.
func closed(o Order, id, original, executed string, cancelled bool, ts int64) LiveOrder {
	l := live(o, id, executed)
	l.OriginalAmount, l.RemainingAmount = dec(original), dec(original).Sub(dec(executed))
	l.IsLive, l.IsCancelled, l.TimestampMS = false, cancelled, ts
	if cancelled {
		l.Reason = "Requested"
	}
	return l
}

// liveAt is o live for original (executed filled), placed at ts.
func liveAt(o Order, id, original, executed string, ts int64) LiveOrder {
	l := live(o, id, executed)
	l.OriginalAmount, l.RemainingAmount, l.TimestampMS = dec(original), dec(original).Sub(dec(executed)), ts
	return l
}

// fillAct is what a fill-accounting test looks at.
type fillAct struct {
	Kind      Kind
	Why       string
	OrderID   string // of Before
	Amount    string // of After, when placing
	Filled    string // Fill.Filled, when set
	Rule      string
	MovedFrom string
}

func projectFills(p *Plan) []fillAct {
	var out []fillAct
	for _, a := range p.Actions {
		x := fillAct{Kind: a.Kind, Why: a.Why, MovedFrom: a.MovedFrom}
		if a.Before != nil {
			x.OrderID = a.Before.OrderID
		}
		if a.After != nil && placing(&a) {
			x.Amount = a.After.Amount.String()
		}
		if a.Fill != nil {
			x.Filled, x.Rule = a.Fill.Filled.String(), a.Fill.Rule
		}
		out = append(out, x)
	}
	return out
}

// Every order ever placed under an address counts (docs/safety.md, "Ownership
// and namespaces"): duplicates, orders of the address it was moved from, partial
// fills before a reprice. A fill is never mistaken for "never placed", and the
// declared amount is never exceeded (issue 12, cases 3, 7 and 14).
func TestFillAccountingByAddress(t *testing.T) {
	a := buy("order.a", "1", "64000")
	refill := buy("order.a", "1", "64000", func(o *Order) { o.OnFill = "replace" })
	full := buy("order.a", "1", "64000", func(o *Order) { o.ReplaceAmount = AmountFull })
	lower := buy("order.a", "0.5", "64000")
	repriced := func(l LiveOrder) LiveOrder { l.Price = dec("63900"); return l }
	old := buy("order.old", "1", "64000")
	moved := Moved{From: "order.old", To: "order.a", FromClientOrderID: coid("order.old"), ToClientOrderID: coid("order.a"), Range: rng(40)}
	eth := func(o Order) Order { o.Symbol = "ethusd"; return o } // ethusd's minimum amount is 0.001

	hist := func(ls ...LiveOrder) map[string][]LiveOrder {
		m := map[string][]LiveOrder{}
		for _, l := range ls {
			m[l.ClientOrderID] = append(m[l.ClientOrderID], l)
		}
		return m
	}
	tests := []struct {
		name     string
		desired  Order
		live     []LiveOrder
		history  map[string][]LiveOrder
		moved    []Moved
		others   []LiveOrder
		want     []fillAct
		warnings []string
	}{
		{
			// Case 3: verification kept 10 and cancelled its duplicate 11;
			// then 10 filled. The newest order (11) is a cancel, but the
			// address has filled: done.
			name:    "a duplicate cancelled, then the kept order filled: done",
			desired: a,
			history: hist(closed(a, "10", "1", "1", false, 1000), closed(a, "11", "1", "0", true, 1001)),
			want:    []fillAct{{Kind: Filled, OrderID: "10"}},
		},
		{
			name:    `the same with on_fill = "replace": placed again, in full`,
			desired: refill,
			history: hist(closed(a, "10", "1", "1", false, 1000), closed(a, "11", "1", "0", true, 1001)),
			want:    []fillAct{{Kind: Create, Why: WhyRefill, OrderID: "", Amount: "1"}},
		},
		{
			name:    "duplicates that each filled part, then cancelled: the rest is placed",
			desired: a,
			history: hist(closed(a, "10", "1", "0.6", true, 1000), closed(a, "11", "1", "0.3", true, 1001)),
			want:    []fillAct{{Kind: Create, Why: WhyCancelledOutside, Amount: "0.1", Filled: "0.9", Rule: AmountRemaining}},
		},
		{
			name:    "duplicates whose fills reach the declared amount: done",
			desired: a,
			history: hist(closed(a, "10", "1", "0.6", true, 1000), closed(a, "11", "1", "0.4", true, 1001)),
			want:    []fillAct{{Kind: Filled, OrderID: "11"}},
		},
		{
			// Case 14: 0.6 of 1 filled, then the price moved.
			name:    "a reprice after a partial fill places the remaining amount",
			desired: a,
			live:    []LiveOrder{repriced(liveAt(a, "20", "1", "0.6", 1000))},
			want:    []fillAct{{Kind: Replace, Why: WhyChanged, OrderID: "20", Amount: "0.4", Filled: "0.6", Rule: AmountRemaining}},
		},
		{
			name:    `replace_amount = "full" places the declared amount`,
			desired: full,
			live:    []LiveOrder{repriced(liveAt(a, "20", "1", "0.6", 1000))},
			want:    []fillAct{{Kind: Replace, Why: WhyChanged, OrderID: "20", Amount: "1", Filled: "0.6", Rule: AmountFull}},
		},
		{
			name:    "the remaining order is what the configuration asks for, not amount drift",
			desired: a,
			live:    []LiveOrder{liveAt(a, "21", "0.4", "0", 1001)},
			history: hist(closed(a, "20", "1", "0.6", true, 1000)),
			want:    []fillAct{{Kind: NoOp, OrderID: "21", Filled: "0.6", Rule: AmountRemaining}},
		},
		{
			name:    "a second reprice counts every fill of the cycle",
			desired: a,
			live:    []LiveOrder{repriced(liveAt(a, "21", "0.4", "0.1", 1001))},
			history: hist(closed(a, "20", "1", "0.6", true, 1000)),
			want:    []fillAct{{Kind: Replace, Why: WhyChanged, OrderID: "21", Amount: "0.3", Filled: "0.7", Rule: AmountRemaining}},
		},
		{
			name:    "the remaining order filled: done",
			desired: a,
			history: hist(closed(a, "20", "1", "0.6", true, 1000), closed(a, "21", "0.4", "0.4", false, 1001)),
			want:    []fillAct{{Kind: Filled, OrderID: "21"}},
		},
		{
			name:    `the remaining order filled, on_fill = "replace": the next cycle, in full`,
			desired: refill,
			history: hist(closed(a, "20", "1", "0.6", true, 1000), closed(a, "21", "0.4", "0.4", false, 1001)),
			want:    []fillAct{{Kind: Create, Why: WhyRefill, Amount: "1"}},
		},
		{
			name:    `on_fill = "replace": a partial fill in the new cycle counts, not the old cycle's`,
			desired: refill,
			live:    []LiveOrder{repriced(liveAt(a, "22", "1", "0.2", 1002))},
			history: hist(closed(a, "20", "1", "0.6", true, 1000), closed(a, "21", "0.4", "0.4", false, 1001)),
			want:    []fillAct{{Kind: Replace, Why: WhyChanged, OrderID: "22", Amount: "0.8", Filled: "0.2", Rule: AmountRemaining}},
		},
		{
			// 20 filled 0.2 more between the book's read and the history's:
			// counted once, as the history has it.
			name:    "an order in the book and, closed since, in the history: counted once",
			desired: a,
			live:    []LiveOrder{repriced(liveAt(a, "20", "1", "0.6", 1000))},
			history: hist(closed(a, "20", "1", "0.8", true, 1000)),
			want:    []fillAct{{Kind: Replace, Why: WhyChanged, OrderID: "20", Amount: "0.2", Filled: "0.8", Rule: AmountRemaining}},
		},
		{
			name:    "an amount lowered below what filled: cancelled, nothing placed",
			desired: lower,
			live:    []LiveOrder{liveAt(a, "20", "1", "0.6", 1000)},
			want:    []fillAct{{Kind: Cancel, Why: WhyFilled, OrderID: "20", Filled: "0.6", Rule: AmountRemaining}},
		},
		{
			name:    "what is left is below the minimum: done",
			desired: eth(a),
			history: hist(closed(eth(a), "30", "1", "0.9995", true, 1000)),
			want:    []fillAct{{Kind: Filled, OrderID: "30", Filled: "0.9995", Rule: AmountRemaining}},
		},
		{
			// Case 7: the order filled under its old address.
			name:     "a fill under the moved-from address: done, and the moved block must stay",
			desired:  a,
			history:  hist(closed(old, "40", "1", "1", false, 1000)),
			moved:    []Moved{moved},
			want:     []fillAct{{Kind: Filled, OrderID: "40", MovedFrom: "order.old"}},
			warnings: []string{"Keep this moved block"},
		},
		{
			name:     "a partial fill under the moved-from address counts toward the rest",
			desired:  a,
			live:     []LiveOrder{liveAt(a, "41", "0.4", "0", 1001)},
			history:  hist(closed(old, "40", "1", "0.6", true, 1000)),
			moved:    []Moved{moved},
			want:     []fillAct{{Kind: NoOp, OrderID: "41", Filled: "0.6", Rule: AmountRemaining, MovedFrom: "order.old"}},
			warnings: []string{"Keep this moved block"},
		},
		{
			name:    "without the block, the old address's fill is not this order's",
			desired: a,
			history: hist(closed(old, "40", "1", "1", false, 1000)),
			want:    []fillAct{{Kind: Create, Amount: "1"}},
		},
		{
			// The history read for order.a's symbol holds a fill of the
			// same symbol, side and amount under an id nothing claims: the
			// plan cannot know, but says what it looks like.
			name:     "a fill under an address no longer declared, like this one's: placed, with a warning",
			desired:  a,
			others:   []LiveOrder{closed(old, "40", "1", "1", false, 1000)},
			want:     []fillAct{{Kind: Create, Amount: "1"}},
			warnings: []string{"A renamed order that already filled?"},
		},
		{
			name:    "a fill of another amount under an unclaimed address: no warning",
			desired: a,
			others:  []LiveOrder{closed(buy("order.old", "2", "64000"), "40", "2", "2", false, 1000)},
			want:    []fillAct{{Kind: Create, Amount: "1"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input([]Order{tt.desired}, tt.live...)
			in.History, in.Moved, in.OtherFills = tt.history, tt.moved, tt.others
			p, diags := Compute(in)
			if diags.HasErrors() {
				t.Fatalf("unexpected errors:\n%s", diagText(diags))
			}
			if diff := cmp.Diff(tt.want, projectFills(p), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("actions (-want +got):\n%s\nnotes: %q", diff, p.Actions[0].Notes)
			}
			var warnings []string
			for _, d := range diags {
				warnings = append(warnings, d.Summary)
				if d.Summary == "Keep this moved block" && (d.Subject == nil || d.Subject.Start.Line != 40) {
					t.Errorf("the warning points at %v, not the moved block", d.Subject)
				}
			}
			if diff := cmp.Diff(tt.warnings, warnings, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
			for _, a := range p.Actions {
				if a.MovedFrom != "" && a.Kind != NoOp && !strings.Contains(strings.Join(a.Notes, "\n"), "keep the block") {
					t.Errorf("%s: no note that the moved block must stay: %q", a.Address, a.Notes)
				}
			}
		})
	}
}
