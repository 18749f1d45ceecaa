package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/shopspring/decimal"
)

// check runs every check that needs the whole plan: symbol rules and guards
// for each placement, the rules that are the order's own for every other
// desired order in the plan, then the budget and the open-notional guard.
func (c *computer) check() {
	for i := range c.plan.Actions {
		a := &c.plan.Actions[i]
		switch {
		case placing(a):
			c.checkPlacement(a.After)
		case a.After != nil: // kept (no-op) or filled
			c.checkKept(a)
		}
	}
	c.checkBudget()
	c.checkOpenNotional()
}

// placing reports whether the action places a new order.
func placing(a *Action) bool { return a.Kind == Create || a.Kind == Replace }

// cancelling reports whether the action cancels a live order.
func cancelling(a *Action) bool { return a.Kind == Cancel || a.Kind == Replace }

func (c *computer) checkPlacement(d *Order) {
	if !IsManaged(c.in.Target.Namespace, d.ClientOrderID) {
		c.errorAt(d, "Client order id outside the namespace",
			fmt.Sprintf("%s would be placed with client_order_id %q, which is not %q and 16 hex digits; orderform only places orders it can recognise.", d.Address, d.ClientOrderID, c.prefix))
	}
	r, ok := c.rulesFor(d)
	if !ok {
		return
	}
	c.checkStatus(d, r)
	c.checkOrderRules(d, r)
	c.checkGuards(d, r)
}

// checkKept checks a desired order that the plan does not place: one kept
// within its reprice_tolerance, or one that filled. What is the order's own
// (increments, minimum, stop price, options, max_order_notional) must hold
// on every plan, or a configuration error would hide until the market moves
// the order out of its tolerance. What depends on the market now (the
// price band, crossing) or on the symbol's status is left to the plan that
// places it: nothing is sent for it now, and a resting order is not refused
// for where the market went.
func (c *computer) checkKept(a *Action) {
	d := a.After
	r, ok := c.rulesFor(d)
	if !ok {
		return
	}
	n := len(c.diags)
	c.checkOrderRules(d, r)
	c.checkOrderNotional(d, r)
	why := "The live order is kept for now (its price is within reprice_tolerance), but"
	if a.Kind == Filled {
		why = "It has filled and is not placed again, but"
	}
	for _, diag := range c.diags[n:] {
		diag.Detail += " " + why + " the order as configured could not be placed."
	}
}

// rulesFor returns the rules of d's symbol, reporting an unknown symbol.
func (c *computer) rulesFor(d *Order) (SymbolRules, bool) {
	r, ok := c.rules(d.Symbol)
	if !ok {
		c.errorAtAttr(d, "symbol", "Unknown symbol", fmt.Sprintf("There are no exchange rules for symbol %q of %s; check the symbol's spelling.", d.Symbol, d.Address))
	}
	return r, ok
}

// checkOrderRules checks the symbol's rules that depend on the order alone.
func (c *computer) checkOrderRules(d *Order, r SymbolRules) {
	if d.Amount.LessThan(r.MinAmount) || !d.Amount.IsPositive() {
		c.errorAtAttr(d, "amount", "Amount below the minimum", fmt.Sprintf("The amount %s of %s is below %s's minimum order size %s %s.",
			c.show(d, "amount", d.Amount), d.Address, d.Symbol, r.MinAmount, r.Base))
	}
	c.checkIncrement(d, "amount", d.Amount, r.AmountIncrement)
	c.checkIncrement(d, "price", d.Price, r.PriceIncrement)
	if orderType(d.Type) == "stop-limit" {
		c.checkIncrement(d, "stop_price", d.StopPrice, r.PriceIncrement)
		c.checkStop(d)
		if len(d.Options) > 0 {
			c.errorAtAttr(d, "options", "Options on a stop-limit order",
				fmt.Sprintf("The exchange takes no options on stop-limit orders, so %s would be refused.", d.Address))
		}
	}
}

func (c *computer) show(d *Order, attr string, v decimal.Decimal) string {
	if isSensitive(d, attr) {
		return "(sensitive value)"
	}
	return v.String()
}

func (c *computer) checkStatus(d *Order, r SymbolRules) {
	switch r.Status {
	case "open", "limit_only", "":
	case "post_only":
		if !slices.Contains(d.Options, "maker-or-cancel") {
			c.errorAtAttr(d, "options", "Symbol accepts only maker-or-cancel orders",
				fmt.Sprintf("%s is in post_only mode, so %s can only be placed with options = [\"maker-or-cancel\"].", d.Symbol, d.Address))
		}
	default:
		c.errorAtAttr(d, "symbol", "Symbol closed for new orders",
			fmt.Sprintf("%s's status is %q, so %s cannot be placed now.", d.Symbol, r.Status, d.Address))
	}
}

// checkIncrement refuses a value that is not a multiple of its increment,
// naming the nearest valid values below and above. Nothing is rounded.
func (c *computer) checkIncrement(d *Order, attr string, v, inc decimal.Decimal) {
	if !inc.IsPositive() {
		return
	}
	if inc.CoefficientInt64() == 1 && v.Exponent() >= inc.Exponent() {
		return // inc is a power of ten and v has no finer digits
	}
	q, rem := v.QuoRem(inc, 0)
	if rem.IsZero() {
		return
	}
	what := map[string]string{"amount": "amount increment", "price": "price increment", "stop_price": "price increment"}[attr]
	detail := fmt.Sprintf("The %s of %s is not a multiple of %s's %s %s.", attr, d.Address, d.Symbol, what, inc)
	if !isSensitive(d, attr) {
		below := q.Mul(inc)
		if v.IsNegative() {
			below = below.Sub(inc)
		}
		above := below.Add(inc)
		detail = fmt.Sprintf("The %s %s of %s is not a multiple of %s's %s %s. ", attr, v, d.Address, d.Symbol, what, inc)
		if below.IsPositive() {
			detail += fmt.Sprintf("The nearest valid values are %s and %s.", below, above)
		} else {
			detail += fmt.Sprintf("The nearest valid value is %s.", above)
		}
	}
	detail += " orderform never rounds silently: use floor_to, ceil_to or round_to."
	c.errorAtAttr(d, attr, fmt.Sprintf("Invalid %s increment", strings.ReplaceAll(attr, "_", " ")), detail)
}

// checkStop requires a buy's stop below its limit price and a sell's above,
// and the limit within 50% of the stop, as the exchange does.
func (c *computer) checkStop(d *Order) {
	stop, price := d.StopPrice, d.Price
	if !stop.IsPositive() {
		c.errorAtAttr(d, "stop_price", "Missing stop price", fmt.Sprintf("%s is a stop-limit order and needs a positive stop_price.", d.Address))
		return
	}
	hidden := isSensitive(d, "price") || isSensitive(d, "stop_price")
	vals := ""
	if !hidden {
		vals = fmt.Sprintf(" (stop_price %s, price %s)", stop, price)
	}
	switch {
	case d.Side == "buy" && !stop.LessThan(price):
		c.errorAtAttr(d, "stop_price", "Stop price on the wrong side", fmt.Sprintf("A buy stop-limit order triggers as the price rises, so the stop_price of %s must be below its price%s.", d.Address, vals))
	case d.Side == "sell" && !stop.GreaterThan(price):
		c.errorAtAttr(d, "stop_price", "Stop price on the wrong side", fmt.Sprintf("A sell stop-limit order triggers as the price falls, so the stop_price of %s must be above its price%s.", d.Address, vals))
	case price.Sub(stop).Abs().GreaterThan(stop.Div(decimal.NewFromInt(2))):
		c.errorAtAttr(d, "price", "Limit price too far from the stop price", fmt.Sprintf("The exchange requires the price of %s to be within 50%% of its stop_price%s.", d.Address, vals))
	}
}

// checkGuards applies the per-order limits of the guard block, and warns of
// a maker-or-cancel order that the exchange would cancel at once.
func (c *computer) checkGuards(d *Order, r SymbolRules) {
	g := c.in.Guard
	t, haveTicker := c.in.Tickers[strings.ToLower(d.Symbol)]
	c.checkOrderNotional(d, r)
	if g != nil && g.MaxPriceDeviation.Valid {
		mid, ok := midOf(t)
		switch {
		case !haveTicker || !ok:
			c.guardError(d, "max_price_deviation", fmt.Sprintf("The guard's max_price_deviation needs the bid and ask of %s, which were not read; %s cannot be checked.", d.Symbol, d.Address))
		case d.Price.Sub(mid).Abs().GreaterThan(g.MaxPriceDeviation.Decimal.Mul(mid)):
			dev := d.Price.Sub(mid).Abs().Div(mid)
			c.guardError(d, "max_price_deviation", fmt.Sprintf("The price %s of %s is %s from %s's mid %s (bid %s, ask %s), more than the guard's max_price_deviation of %s.",
				c.show(d, "price", d.Price), d.Address, c.showPercent(d, dev), d.Symbol, mid, t.Bid, t.Ask, percent(g.MaxPriceDeviation.Decimal)))
		}
	}
	crosses, against, known := c.crossing(d, t, haveTicker)
	what := d.Side
	if orderType(d.Type) == "stop-limit" {
		what = d.Side + " stop-limit"
	}
	switch {
	case g != nil && !g.AllowCrossing && !known:
		c.guardError(d, "allow_crossing", fmt.Sprintf("The guard refuses orders that would trade at once, which needs the bid and ask of %s; they were not read, so %s cannot be checked.", d.Symbol, d.Address))
	case g != nil && !g.AllowCrossing && crosses:
		c.guardError(d, "allow_crossing", fmt.Sprintf("The %s at %s of %s would trade at once against the %s; the guard sets allow_crossing = false.", what, c.show(d, "price", d.Price), d.Address, against))
	case crosses && slices.Contains(d.Options, "maker-or-cancel"):
		rg := d.Range
		c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Maker-or-cancel order would take",
			Detail:  fmt.Sprintf("The %s at %s of %s is at or through the %s, so the exchange will cancel it instead of resting it.", what, c.show(d, "price", d.Price), d.Address, against),
			Subject: &rg})
	}
}

// checkOrderNotional applies max_order_notional, a limit on the order alone.
func (c *computer) checkOrderNotional(d *Order, r SymbolRules) {
	g := c.in.Guard
	if g == nil || !g.MaxOrderNotional.Valid {
		return
	}
	if n := d.Price.Mul(d.Amount); n.GreaterThan(g.MaxOrderNotional.Decimal) {
		c.guardError(d, "max_order_notional", fmt.Sprintf("%s would hold %s %s (price × amount), over the guard's max_order_notional of %s %s.",
			d.Address, c.showNotional(d, n), r.Quote, g.MaxOrderNotional.Decimal, r.Quote))
	}
}

// crossing reports whether d would trade at once against the market t, and
// the side of the market it meets ("ask 64001"). A stop-limit order whose
// stop the market has already reached (the ask at or above a buy's stop,
// the bid at or below a sell's, as the exchange triggers them) becomes its
// limit order the moment it is placed, so it is judged as one; one whose
// stop is not reached rests and cannot cross. known is false when the
// market needed to tell was not read.
func (c *computer) crossing(d *Order, t Ticker, haveTicker bool) (crosses bool, against string, known bool) {
	if !haveTicker {
		return false, "", false
	}
	triggered := ""
	if orderType(d.Type) == "stop-limit" {
		stop := c.show(d, "stop_price", d.StopPrice)
		switch {
		case d.Side == "buy" && t.Ask.IsPositive() && t.Ask.GreaterThanOrEqual(d.StopPrice):
			triggered = fmt.Sprintf(" (its stop %s is already reached by the ask, so it becomes a limit order as it is placed)", stop)
		case d.Side == "sell" && t.Bid.IsPositive() && t.Bid.LessThanOrEqual(d.StopPrice):
			triggered = fmt.Sprintf(" (its stop %s is already reached by the bid, so it becomes a limit order as it is placed)", stop)
		default:
			return false, "", true
		}
	}
	switch {
	case d.Side == "buy" && t.Ask.IsPositive() && d.Price.GreaterThanOrEqual(t.Ask):
		return true, "ask " + t.Ask.String() + triggered, true
	case d.Side == "sell" && t.Bid.IsPositive() && d.Price.LessThanOrEqual(t.Bid):
		return true, "bid " + t.Bid.String() + triggered, true
	}
	return false, "", true
}

func (c *computer) showNotional(d *Order, n decimal.Decimal) string {
	if isSensitive(d, "price") || isSensitive(d, "amount") {
		return "(sensitive value)"
	}
	return n.String()
}

func (c *computer) showPercent(d *Order, f decimal.Decimal) string {
	if isSensitive(d, "price") {
		return "(sensitive value)"
	}
	return percent(f)
}

// guardError reports a guard's refusal of d, pointing at what the guard is
// about: the price for max_price_deviation and allow_crossing, the amount
// (the order's size) for max_order_notional and max_open_notional.
func (c *computer) guardError(d *Order, guard, detail string) {
	attr := "price"
	if guard == "max_order_notional" || guard == "max_open_notional" {
		attr = "amount"
	}
	c.errorAtAttr(d, attr, "Refused by guard "+guard, detail)
}

// midOf returns (bid+ask)/2, or false when either side is missing.
func midOf(t Ticker) (decimal.Decimal, bool) {
	if !t.Bid.IsPositive() || !t.Ask.IsPositive() {
		return decimal.Decimal{}, false
	}
	return t.Bid.Add(t.Ask).Div(decimal.NewFromInt(2)), true
}

// percent renders a fraction as a percentage with at most two decimals.
func percent(f decimal.Decimal) string {
	return f.Mul(decimal.NewFromInt(100)).Round(2).String() + "%"
}
