package plan

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/shopspring/decimal"
)

// hold returns the currency and amount that an order of this shape ties up
// on the exchange: a buy holds price × amount of the quote currency plus
// the fee at fee's rate (as Gemini holds it), a sell holds the amount of the
// base currency.
func hold(r SymbolRules, side string, price, amount decimal.Decimal, fee *Fee) (string, decimal.Decimal) {
	if side == "buy" {
		n := price.Mul(amount)
		if fee != nil {
			n = n.Add(n.Mul(fee.Rate))
		}
		return r.Quote, n
	}
	return r.Base, amount
}

type budgetEntry struct {
	line   BudgetLine
	orders []*Order // the placements holding this currency
	holds  []decimal.Decimal

	heldHidden, releasedHidden bool // derived from a sensitive price or amount
	buys                       bool // some placement holding it is a buy (and holds the fee)
}

// holdHidden reports whether what an order holds gives away one of the
// hidden attributes: a buy holds price × amount, a sell its amount.
func holdHidden(side string, hidden []string) bool {
	return slices.Contains(hidden, "amount") || side == "buy" && slices.Contains(hidden, "price")
}

// sensitive names the figures of the line that must not be shown.
func (e *budgetEntry) sensitive() []string {
	var s []string
	if e.releasedHidden {
		s = append(s, "released")
	}
	if e.heldHidden {
		s = append(s, "held")
	}
	if len(s) > 0 {
		s = append(s, "remaining")
	}
	return s
}

// checkBudget works out, per currency, what the plan's placements hold and
// what its cancels release, and reports every currency that falls short.
func (c *computer) checkBudget() {
	lines := map[string]*budgetEntry{}
	entry := func(cur string) *budgetEntry {
		e, ok := lines[cur]
		if !ok {
			e = &budgetEntry{line: BudgetLine{Currency: cur, Available: c.in.Balances[cur].Available}}
			lines[cur] = e
		}
		return e
	}
	for i := range c.plan.Actions {
		a := &c.plan.Actions[i]
		if cancelling(a) {
			if r, ok := c.rules(a.Before.Symbol); ok {
				cur, amt := hold(r, a.Before.Side, a.Before.Price, a.Before.RemainingAmount, c.in.Fee)
				if a.Before.Side == "buy" {
					c.plan.Fee = c.in.Fee // the release includes the fee the buy held
				}
				e := entry(cur)
				e.line.Released = e.line.Released.Add(amt)
				e.releasedHidden = e.releasedHidden || holdHidden(a.Before.Side, a.Hidden())
			}
		}
		if placing(a) {
			if r, ok := c.rules(a.After.Symbol); ok {
				cur, amt := hold(r, a.After.Side, a.After.Price, a.After.Amount, c.in.Fee)
				if a.After.Side == "buy" {
					c.plan.Fee = c.in.Fee
				}
				e := entry(cur)
				e.line.Held = e.line.Held.Add(amt)
				e.orders, e.holds = append(e.orders, a.After), append(e.holds, amt)
				e.buys = e.buys || a.After.Side == "buy"
				e.heldHidden = e.heldHidden || holdHidden(a.After.Side, a.After.Sensitive)
			}
		}
	}
	curs := make([]string, 0, len(lines))
	for cur := range lines {
		curs = append(curs, cur)
	}
	sort.Strings(curs)
	for _, cur := range curs {
		e := lines[cur]
		e.line.Remaining = e.line.Available.Add(e.line.Released).Sub(e.line.Held)
		e.line.Sensitive = e.sensitive()
		c.plan.Budget = append(c.plan.Budget, e.line)
		if e.line.Remaining.IsNegative() && len(e.orders) > 0 {
			c.budgetError(e)
		}
	}
}

// budgetError reports a shortfall: the currency, what is held and
// available, the shortfall and the orders involved, each figure hidden when
// it would give a sensitive price or amount away.
func (c *computer) budgetError(e *budgetEntry) {
	l, cur := e.line, e.line.Currency
	show := func(v decimal.Decimal, hidden bool) string {
		if hidden {
			return sensitiveValue
		}
		return v.String()
	}
	names := make([]string, len(e.orders))
	for i, o := range e.orders {
		h := e.holds[i].String()
		if holdHidden(o.Side, o.Sensitive) {
			h = sensitiveValue
		}
		names[i] = fmt.Sprintf("%s (%s)", o.Address, h)
	}
	fee := ""
	if f := c.plan.Fee; f != nil && e.buys {
		fee = fmt.Sprintf(" Buys hold price × amount plus their fee (%s), as the exchange holds it: an order that fits only without its fee would be refused.", f.Describe())
	}
	c.errorAt(e.orders[0], "Insufficient "+cur, fmt.Sprintf(
		"The new orders would hold %s %s, but only %s %s is available (%s available now + %s released by this plan's cancels): a shortfall of %s %s. Orders holding %s: %s.%s",
		show(l.Held, e.heldHidden), cur, show(l.Available.Add(l.Released), e.releasedHidden), cur, l.Available,
		show(l.Released, e.releasedHidden), show(l.Remaining.Neg(), e.heldHidden || e.releasedHidden), cur, cur, listOf(names), fee))
}

// listOf joins up to ten items and says how many more there are.
func listOf(items []string) string {
	const max = 10
	if len(items) <= max {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:max], ", ") + fmt.Sprintf(" and %d more", len(items)-max)
}

// checkOpenNotional enforces max_open_notional: per quote currency, every
// managed order open after the plan (the live ones it keeps, at price ×
// remaining, and the ones it places, at price × amount) must stay within the
// limit. Only a plan that places orders in a currency can break its limit.
func (c *computer) checkOpenNotional() {
	g := c.in.Guard
	if g == nil || len(g.MaxOpenNotional) == 0 {
		return
	}
	kept, placed := map[string]decimal.Decimal{}, map[string]decimal.Decimal{}
	keptHidden, placedHidden := map[string]bool{}, map[string]bool{}
	notionalHidden := func(hidden []string) bool {
		return slices.Contains(hidden, "price") || slices.Contains(hidden, "amount")
	}
	first := map[string]*Order{}
	var unknown []string
	for _, i := range c.managed {
		if c.cancelled[i] {
			continue
		}
		l := &c.in.Live[i]
		q, ok := c.quoteOf(l.Symbol)
		if !ok {
			unknown = append(unknown, l.Symbol)
			continue
		}
		kept[q] = kept[q].Add(l.Price.Mul(l.RemainingAmount))
		if _, d := c.addressOf(l); d != nil && notionalHidden(d.Sensitive) {
			keptHidden[q] = true
		}
	}
	for i := range c.plan.Actions {
		a := &c.plan.Actions[i]
		if !placing(a) {
			continue
		}
		q, ok := c.quoteOf(a.After.Symbol)
		if !ok {
			continue // reported as an unknown symbol
		}
		placed[q] = placed[q].Add(a.After.Price.Mul(a.After.Amount))
		placedHidden[q] = placedHidden[q] || notionalHidden(a.After.Sensitive)
		if first[q] == nil {
			first[q] = a.After
		}
	}
	if len(unknown) > 0 && len(first) > 0 {
		c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Refused by guard max_open_notional",
			Detail: fmt.Sprintf("The quote currency of live orders on %s is unknown (no symbol rules were read), so the open notional cannot be checked.", strings.Join(unknown, ", "))})
	}
	qs := make([]string, 0, len(first))
	for q := range first {
		qs = append(qs, q)
	}
	sort.Strings(qs)
	for _, q := range qs {
		limit, ok := g.MaxOpenNotional[q]
		if !ok {
			continue
		}
		total := kept[q].Add(placed[q])
		if total.GreaterThan(limit) {
			show := func(v decimal.Decimal, hidden bool) string {
				if hidden {
					return sensitiveValue
				}
				return v.String()
			}
			c.guardError(first[q], "max_open_notional", fmt.Sprintf(
				"After this plan the managed %s orders would total %s %s (%s kept + %s placed), over the guard's max_open_notional of %s %s.",
				q, show(total, keptHidden[q] || placedHidden[q]), q, show(kept[q], keptHidden[q]), show(placed[q], placedHidden[q]), limit, q))
		}
	}
}

// quoteOf returns a symbol's quote currency from its rules.
func (c *computer) quoteOf(symbol string) (string, bool) {
	r, ok := c.rules(symbol)
	return r.Quote, ok && r.Quote != ""
}

// rules returns a symbol's rules; symbols are matched in lower case.
func (c *computer) rules(symbol string) (SymbolRules, bool) {
	r, ok := c.in.Rules[strings.ToLower(symbol)]
	return r, ok
}
