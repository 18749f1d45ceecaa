package cache

import (
	"time"

	"orderform/plan"
)

// Symbol rules change rarely; reading them once per symbol per run would
// spend the public rate limit (120/min) for nothing. They are cached per
// environment for a day, and dropped at once when the exchange rejects an
// order for its increments (DropRules).
const rulesTTL = 24 * time.Hour

const rulesFile = "symbols.json"

// Rules is the symbol rules cache, loaded by Store.Rules.
type Rules struct {
	store   Store
	Fetched map[string]time.Time        `json:"fetched"`
	Rules   map[string]plan.SymbolRules `json:"rules"`
}

// Rules loads the symbol rules cache; empty when there is none or it is
// damaged.
func (d Store) Rules() *Rules {
	c := &Rules{store: d, Fetched: map[string]time.Time{}, Rules: map[string]plan.SymbolRules{}}
	var onDisk Rules
	if read(d.file(rulesFile), &onDisk) && onDisk.Fetched != nil && onDisk.Rules != nil {
		c.Fetched, c.Rules = onDisk.Fetched, onDisk.Rules
	}
	return c
}

// Get returns the cached rules for symbol when they are fresh.
func (c *Rules) Get(symbol string, now time.Time) (plan.SymbolRules, bool) {
	r, ok := c.Rules[symbol]
	if !ok || now.Sub(c.Fetched[symbol]) > rulesTTL || now.Before(c.Fetched[symbol]) {
		return plan.SymbolRules{}, false
	}
	return r, true
}

// Put records r as read at now.
func (c *Rules) Put(r plan.SymbolRules, now time.Time) {
	c.Rules[r.Symbol] = r
	c.Fetched[r.Symbol] = now
}

// Save writes the cache (see the package comment for failures).
func (c *Rules) Save() {
	c.store.save("symbol rules", c.store.file(rulesFile), c, true)
}

// DropRules forgets every cached symbol rule.
func (d Store) DropRules() {
	d.drop("symbol rules", d.file(rulesFile))
}
