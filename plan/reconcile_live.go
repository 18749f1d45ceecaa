package plan

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// reconcileLive handles a desired order with one or more live orders: the
// best match is kept or replaced, the others are cancelled as duplicates.
// A live order that carries the rest of a partly filled cycle is not amount
// drift, and a replacement carries what is left (fills.go).
func (c *computer) reconcileLive(d *Order, cs []candidate, forced bool) {
	hist, movedFrom := c.history(d)
	diffs := make([][]change, len(cs))
	before := make([]decimal.Decimal, len(cs))
	for i := range cs {
		if len(hist) > 0 {
			before[i] = filledBefore(hist, cs[i].live, d)
		}
		diffs[i] = diff(cs[i].live, d, before[i])
	}
	best := bestCandidate(d, cs, diffs)
	b := cs[best]
	a := Action{Address: d.Address, Before: c.copyLive(b.live), After: c.copyOrder(d), MovedFrom: b.movedFrom}
	partly := ""
	if b.live.ExecutedAmount.IsPositive() {
		partly = fillOf(b.live, d) + " filled"
	}
	switch {
	case !forced && d.OnFill != "replace" && c.cycleWith(d, hist, cs, best).completed != nil:
		// A cycle completed before the live order was placed (the amount
		// was lowered below what had filled, or the order duplicates one
		// that filled): under on_fill = "done" the address is done, so
		// the live order would buy more than declared; it is cancelled,
		// neither kept nor replaced.
		st := c.cycleWith(d, hist, cs, best)
		a.Kind, a.Why, a.After, a.ClientOrderID, a.Sensitive = Cancel, WhyFilled, nil, b.live.ClientOrderID, d.Sensitive
		a.Reasons = []string{fmt.Sprintf("the orders of this address filled %s, which reaches the declared %s (%s), before this order was placed; on_fill = \"done\", so it is cancelled rather than kept or replaced",
			amountOf(d, filledSum(olderThan(hist, b.live))), amountOf(d, d.Amount), orderNote(st.completed, d, "order"))}
		c.noteMoved(&a, d, nil, st.completed, movedFrom)
		c.noteCancel(b.idx, d)
	case forced || len(diffs[best]) > 0:
		a.Kind, a.ClientOrderID, a.Why = Replace, d.ClientOrderID, WhyChanged
		for _, ch := range diffs[best] {
			a.Changed = append(a.Changed, ch.attr)
			a.Reasons = append(a.Reasons, ch.reason(d))
		}
		if forced {
			a.Why = WhyRequested
			a.Reasons = append(a.Reasons, "replacement requested with -replace")
		}
		if b.movedFrom != "" {
			a.Notes = append(a.Notes, fmt.Sprintf("moved from %s; the new order gets the client_order_id of %s", b.movedFrom, d.Address))
		}
		c.replaceAmount(&a, d, hist, cs, best, movedFrom)
		if partly != "" && a.Fill == nil {
			// Its fills are another symbol's or side's: they do not count.
			a.Notes = append([]string{partly + "; the replacement is placed for the full amount " + amountOf(d, d.Amount)}, a.Notes...)
		}
		c.noteCancel(b.idx, d)
	default:
		a.Kind, a.ClientOrderID = NoOp, b.live.ClientOrderID
		if partly != "" {
			a.Notes = append(a.Notes, partly)
		}
		if b.movedFrom != "" {
			a.Notes = append(a.Notes, fmt.Sprintf("moved from %s; the live order keeps its client_order_id %s, so keep the moved block while it lives", b.movedFrom, b.live.ClientOrderID))
		}
		if !b.live.OriginalAmount.Equal(d.Amount) && before[best].IsPositive() {
			st := scan(olderThan(hist, b.live), d, nil)
			a.Fill = c.fill(d, st)
			a.Notes = append(a.Notes, fmt.Sprintf("it carries the remaining %s of %s: %s filled before it (%s)",
				amountOf(d, b.live.OriginalAmount), amountOf(d, d.Amount), amountOf(d, st.filled), ordersList(st.orders)))
			c.noteMoved(&a, d, st.orders, nil, movedFrom)
		}
	}
	c.add(a)
	c.cancelDuplicates(d, cs, best, a.Kind)
}

// cancelDuplicates cancels the live orders of d other than the best one,
// kept, replaced or cancelled by kind; under prevent_cancel it cancels none
// and says so.
func (c *computer) cancelDuplicates(d *Order, cs []candidate, best int, kind Kind) {
	b := cs[best]
	for i := range cs {
		if i == best {
			continue
		}
		what := "kept"
		if kind == Replace {
			what = "replaced"
		}
		if kind == Cancel {
			what = "cancelled"
		}
		c.add(Action{
			Kind: Cancel, Address: d.Address, ClientOrderID: cs[i].live.ClientOrderID, Before: c.copyLive(cs[i].live),
			Why: WhyDuplicate, MovedFrom: cs[i].movedFrom, Sensitive: d.Sensitive,
			Reasons: []string{fmt.Sprintf("duplicate of order %s, which is %s", b.live.OrderID, what)},
		})
		if d.PreventCancel && !c.in.Destroy {
			c.cancelled[cs[i].idx] = true
			c.errorAt(d, "Order is protected by prevent_cancel",
				fmt.Sprintf("%s has more than one live order: order %s (%s) duplicates order %s (a lost answer or a concurrent run placed it twice). This plan would cancel the duplicate, but the lifecycle block sets prevent_cancel = true, so orderform cancels none of them. "+
					"Cancel the order you do not want on the exchange (or remove prevent_cancel), then plan again.",
					d.Address, cs[i].live.OrderID, cs[i].live.ClientOrderID, b.live.OrderID))
			continue
		}
		c.noteCancel(cs[i].idx, d)
	}
}

// replaceAmount sets the amount a replacement carries: what is left of the
// current cycle once the closed and the live orders' fills are counted, or
// the declared amount under replace_amount = "full". With on_fill = "done"
// and nothing left, the replace becomes a cancel: the address has bought
// (or sold) what it declared.
func (c *computer) replaceAmount(a *Action, d *Order, hist []*LiveOrder, cs []candidate, best int, movedFrom map[string]string) {
	st := c.cycleWith(d, hist, cs, best)
	if !st.filled.IsPositive() {
		return
	}
	amount, left := c.amountAfterFills(d, st.filled)
	a.Fill = c.fill(d, st)
	switch {
	case left:
		a.After.Amount = amount
		a.Notes = append(a.Notes, fillNote(d, a.Fill, amount))
	case d.OnFill != "replace":
		a.Kind, a.Why, a.After, a.Changed, a.Sensitive = Cancel, WhyFilled, nil, nil, d.Sensitive
		a.ClientOrderID = cs[best].live.ClientOrderID
		a.Reasons = []string{fmt.Sprintf("%s of %s has filled (%s) and on_fill = \"done\": nothing is left to place, so the order is cancelled rather than replaced",
			amountOf(d, st.filled), amountOf(d, d.Amount), ordersList(st.orders))}
	default:
		a.Notes = append(a.Notes, fmt.Sprintf("%s of %s has filled in this cycle (%s); the cycle is complete, so the replacement starts the next one with the full %s",
			amountOf(d, st.filled), amountOf(d, d.Amount), ordersList(st.orders), amountOf(d, d.Amount)))
	}
	c.noteMoved(a, d, st.orders, nil, movedFrom)
}
