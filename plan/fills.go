package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/shopspring/decimal"
)

// Fill accounting by address (docs/safety.md, "Fills: an address's history is
// all its orders"). An address's history is all its orders: every order ever
// placed under its client order id, and under the ids of addresses moved to it,
// duplicates included. What they filled decides what the address may still buy
// or sell:
//
//   - The orders, oldest first, form cycles. A cycle ends with an order that
//     filled completely, or once the fills since the last cycle reach the
//     declared amount. on_fill = "done" is one cycle; "replace" starts the
//     next.
//   - An order placed while part of the current cycle has filled carries the
//     rest (declared less what filled) under replace_amount = "remaining",
//     the default, so that the declared amount is never exceeded; "full"
//     asks for the declared amount.
//   - So a live order whose original amount is the declared amount less
//     what filled before it in its cycle is what the configuration asks
//     for, not amount drift.

// Fill is how an address's fills in its current cycle shaped an action.
type Fill struct {
	Declared decimal.Decimal // the configuration's amount
	// Filled is what the address's orders, closed and live, have filled in
	// the current cycle.
	Filled decimal.Decimal
	// Rule is the order's replace_amount: "remaining" or "full".
	Rule string
	// Orders lists the order ids whose fills count, oldest first.
	Orders []string
}

// The values of Order.ReplaceAmount.
const (
	AmountRemaining = "remaining"
	AmountFull      = "full"
)

func replaceRule(d *Order) string {
	if d.ReplaceAmount == AmountFull {
		return AmountFull
	}
	return AmountRemaining
}

// placedBefore orders by when the exchange took the orders: timestamp, then
// order id (Gemini's ids grow).
func placedBefore(a, b *LiveOrder) bool {
	if a.TimestampMS != b.TimestampMS {
		return a.TimestampMS < b.TimestampMS
	}
	return orderIDLess(a.OrderID, b.OrderID)
}

// sortByPlacement sorts orders oldest first, as the exchange took them.
func sortByPlacement(orders []*LiveOrder) {
	slices.SortFunc(orders, func(a, b *LiveOrder) int {
		switch {
		case placedBefore(a, b):
			return -1
		case placedBefore(b, a):
			return 1
		}
		return 0
	})
}

// Newest returns the order of orders the exchange took last, or nil.
func Newest(orders []LiveOrder) *LiveOrder {
	var n *LiveOrder
	for i := range orders {
		if n == nil || placedBefore(n, &orders[i]) {
			n = &orders[i]
		}
	}
	return n
}

// filledCompletely reports a closed order that filled: not cancelled, with
// something executed.
func filledCompletely(o *LiveOrder) bool {
	return !o.IsLive && !o.IsCancelled && o.ExecutedAmount.IsPositive()
}

// cycle is the state of an address's cycles after a scan of its orders.
type cycle struct {
	filled    decimal.Decimal // in the current cycle
	orders    []string        // whose fills count in the current cycle
	completed *LiveOrder      // the order that ended the last completed cycle, if any
}

// scan walks orders (sorted oldest first) and returns the state of d's
// cycles. Only orders of d's symbol and side count: what a sell filled is
// not part of a buy. Only an order older than keepFrom may end a cycle (nil:
// any): an order placed while a live order stands belongs to that order's
// cycle.
func scan(orders []*LiveOrder, d *Order, keepFrom *LiveOrder) cycle {
	var c cycle
	declared := d.Amount
	for _, o := range orders {
		if !o.ExecutedAmount.IsPositive() || !strings.EqualFold(o.Symbol, d.Symbol) || o.Side != d.Side {
			continue
		}
		c.filled = c.filled.Add(o.ExecutedAmount)
		c.orders = append(c.orders, o.OrderID)
		mayEnd := keepFrom == nil || placedBefore(o, keepFrom)
		if mayEnd && (filledCompletely(o) || c.filled.GreaterThanOrEqual(declared)) {
			c.completed, c.filled, c.orders = o, decimal.Zero, nil
		}
	}
	return c
}

// history returns d's closed orders, its own and those of addresses moved
// to it, oldest first, and the addresses moved to it whose orders are among
// them.
func (c *computer) history(d *Order) ([]*LiveOrder, map[string]string) {
	var out []*LiveOrder
	var from map[string]string // order id -> moved-from address
	add := func(coid, movedFrom string) {
		hs := c.in.History[coid]
		for i := range hs {
			out = append(out, &hs[i])
			if movedFrom != "" {
				if from == nil {
					from = map[string]string{}
				}
				from[hs[i].OrderID] = movedFrom
			}
		}
	}
	add(d.ClientOrderID, "")
	for _, m := range c.movedTo[d.ClientOrderID] {
		add(m.FromClientOrderID, m.From)
	}
	sortByPlacement(out)
	return out, from
}

// filledBefore returns what the address filled in the cycle of l, before
// l was placed: the closed orders older than l, since the last cycle ended.
func filledBefore(hist []*LiveOrder, l *LiveOrder, d *Order) decimal.Decimal {
	return scan(olderThan(hist, l), d, nil).filled
}

func olderThan(hist []*LiveOrder, l *LiveOrder) []*LiveOrder {
	var out []*LiveOrder
	for _, h := range hist {
		if placedBefore(h, l) {
			out = append(out, h)
		}
	}
	return out
}

// amountAfterFills returns what an order placed now carries, given what the
// current cycle has filled; ok is false when nothing is left to place (the
// cycle's fills reach the declared amount, or what is left is below the
// symbol's minimum).
func (c *computer) amountAfterFills(d *Order, filled decimal.Decimal) (amount decimal.Decimal, ok bool) {
	if replaceRule(d) == AmountFull || !filled.IsPositive() {
		return d.Amount, true
	}
	left := d.Amount.Sub(filled)
	if !left.IsPositive() {
		return decimal.Zero, false
	}
	if r, known := c.in.Rules[strings.ToLower(d.Symbol)]; known && left.LessThan(r.MinAmount) {
		return left, false
	}
	return left, true
}

// fillNote says how the fills shaped the amount placed.
func fillNote(d *Order, f *Fill, amount decimal.Decimal) string {
	done := fmt.Sprintf("%s of %s has filled in this cycle (%s)", amountOf(d, f.Filled), amountOf(d, f.Declared), ordersList(f.Orders))
	if f.Rule == AmountFull {
		return fmt.Sprintf("%s; the order is placed for the full %s (lifecycle replace_amount = \"full\")", done, amountOf(d, amount))
	}
	return fmt.Sprintf("%s; the order is placed for the remaining %s, so this address never trades more than %s (lifecycle replace_amount = \"remaining\")",
		done, amountOf(d, amount), amountOf(d, f.Declared))
}

func ordersList(ids []string) string {
	if len(ids) == 1 {
		return "order " + ids[0]
	}
	return "orders " + strings.Join(ids, ", ")
}

// noteOtherFills flags a create of an address that has no orders of its own
// when an order of the namespace under an address the configuration no
// longer claims filled the same symbol, side and amount: most likely this
// address renamed without its moved block (or with the block removed),
// whose placement would buy (or sell) again. Only a moved block can tell;
// the plan warns and names the order.
func (c *computer) noteOtherFills(a *Action, d *Order) {
	var ids []string
	var first *LiveOrder
	// Closed orders read with the history, and the namespace's live orders
	// that no address claims (cancelled by this plan as not in the
	// configuration): a live order that filled part of its amount under an
	// old address has bought that part too.
	others := make([]*LiveOrder, 0, len(c.in.OtherFills))
	for i := range c.in.OtherFills {
		others = append(others, &c.in.OtherFills[i])
	}
	for _, i := range c.managed {
		others = append(others, &c.in.Live[i])
	}
	for _, o := range others {
		if _, claimed := c.desired[o.ClientOrderID]; claimed {
			continue
		}
		if m, claimed := c.movedFrom[o.ClientOrderID]; claimed && c.desired[m.ToClientOrderID] != nil {
			continue // its fills count for the address it is moved to
		}
		if !o.ExecutedAmount.IsPositive() || !strings.EqualFold(o.Symbol, d.Symbol) || o.Side != d.Side || !o.OriginalAmount.Equal(d.Amount) {
			continue
		}
		if first == nil {
			first = o
		}
		ids = append(ids, o.OrderID)
	}
	if first == nil {
		return
	}
	a.Notes = append(a.Notes, fmt.Sprintf("order %s of this namespace, under client_order_id %s, which no address of the configuration has, filled a %s of the same symbol and amount: if %s is that order renamed, restore its moved block",
		first.OrderID, first.ClientOrderID, d.Side, d.Address))
	r := d.Range
	c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "A renamed order that already filled?",
		Detail: fmt.Sprintf("%s has no orders of its own, so it would be placed. But %s under client_order_id %s (an address this configuration no longer declares) filled a %s of %s %s (%s filled). "+
			"If %s is that order renamed, put back the moved block from its old address to %s: only a moved block links the fill to the new address, and without it %s is %s again.",
			d.Address, ordersList(ids), first.ClientOrderID, d.Side, amountOf(d, d.Amount), d.Symbol, fillOf(first, d),
			d.Address, d.Address, d.Address, map[string]string{"buy": "bought", "sell": "sold"}[d.Side]),
		Subject: &r})
}
