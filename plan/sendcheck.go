package plan

import (
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// The market moves between a plan and its apply: a saved plan may wait for
// minutes, an interactive apply for as long as its prompt. So apply runs
// the checks that depend on the market once more, right before it sends
// anything, with the same functions Compute uses (docs/safety.md, "What is checked when").

// Market is what the send-time check reads: the rules and tickers of the
// symbols it needs, lower case.
type Market struct {
	Rules   map[string]SymbolRules
	Tickers map[string]Ticker
}

// MarketNeeds says what the send-time check of a plan reads.
type MarketNeeds struct {
	// Rules lists the symbols the plan places orders on (their rules come
	// from the cache, as for a plan).
	Rules []string
	// Tickers lists those of them whose checks compare a price with the
	// market: every symbol placed on when the guard bounds prices by the
	// market (max_price_deviation, allow_crossing = false), and otherwise
	// those of maker-or-cancel placements (the "would take" warning).
	Tickers []string
}

// NeedsMarket reports whether the checks of d compare its price with the
// market under guard g.
func NeedsMarket(g *Guard, d *Order) bool {
	if g != nil && (g.MaxPriceDeviation.Valid || !g.AllowCrossing) {
		return true
	}
	return slices.Contains(d.Options, "maker-or-cancel")
}

// NeedsOf returns what the send-time check of p reads; both lists are
// sorted and empty when p places nothing.
func NeedsOf(p *Plan) MarketNeeds {
	rules, tickers := map[string]bool{}, map[string]bool{}
	for i := range p.Actions {
		a := &p.Actions[i]
		if !placing(a) || a.After == nil {
			continue
		}
		sym := strings.ToLower(a.After.Symbol)
		rules[sym] = true
		if NeedsMarket(p.Guard, a.After) {
			tickers[sym] = true
		}
	}
	return MarketNeeds{Rules: sortedKeys(rules), Tickers: sortedKeys(tickers)}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Finding is one problem the send-time check found with a placement.
type Finding struct {
	Action  int    // the index of the action in the plan's Actions
	Address string // the order's address
	// Error is true when the placement must not be sent; a warning (the
	// order is sent) otherwise.
	Error           bool
	Summary, Detail string
}

// Recheck runs the checks that Compute runs on each order it places (symbol
// rules, the guards that bound one order, the crossing check, the
// maker-or-cancel warning) again on every placement of p, against the
// market m as read right before sending, under the guard the plan was made
// with. It returns what they find, in action order. The checks over the
// whole plan (budget, max_open_notional) depend on balances and live
// orders, not on the market, and are not run again. It does no I/O.
func Recheck(p *Plan, m Market) []Finding {
	c := &computer{
		in:     &Input{Target: p.Target, Rules: m.Rules, Tickers: m.Tickers, Guard: p.Guard},
		plan:   p,
		prefix: ManagedPrefix(p.Target.Namespace),
	}
	var out []Finding
	for i := range p.Actions {
		a := &p.Actions[i]
		if !placing(a) || a.After == nil {
			continue
		}
		n := len(c.diags)
		c.checkPlacement(a.After)
		for _, d := range c.diags[n:] {
			out = append(out, Finding{Action: i, Address: a.After.Address, Error: d.Severity == hcl.DiagError, Summary: d.Summary, Detail: d.Detail})
		}
	}
	return out
}
