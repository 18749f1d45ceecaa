package exchange

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"orderform/internal/atomicfile"
	"orderform/plan"
)

// Symbol rules change rarely; reading them once per symbol per run would
// spend the public rate limit (120/min) for nothing. They are cached on disk
// per environment for a day, and dropped at once when the exchange rejects
// an order for its increments.
const rulesTTL = 24 * time.Hour

type rulesCache struct {
	path    string
	Fetched map[string]time.Time        `json:"fetched"`
	Rules   map[string]plan.SymbolRules `json:"rules"`
}

func loadRulesCache(dir string) *rulesCache {
	c := &rulesCache{Fetched: map[string]time.Time{}, Rules: map[string]plan.SymbolRules{}}
	if dir == "" {
		return c
	}
	c.path = filepath.Join(dir, "symbols.json")
	b, err := os.ReadFile(c.path)
	if err != nil {
		return c
	}
	var onDisk rulesCache
	if json.Unmarshal(b, &onDisk) != nil {
		return c // a damaged cache is only a cache: read the exchange again
	}
	if onDisk.Fetched != nil && onDisk.Rules != nil {
		c.Fetched, c.Rules = onDisk.Fetched, onDisk.Rules
	}
	return c
}

// get returns the cached rules for symbol when they are fresh.
func (c *rulesCache) get(symbol string, now time.Time) (plan.SymbolRules, bool) {
	r, ok := c.Rules[symbol]
	if !ok || now.Sub(c.Fetched[symbol]) > rulesTTL || now.Before(c.Fetched[symbol]) {
		return plan.SymbolRules{}, false
	}
	return r, true
}

func (c *rulesCache) put(r plan.SymbolRules, now time.Time) {
	c.Rules[r.Symbol] = r
	c.Fetched[r.Symbol] = now
}

func (c *rulesCache) save() error {
	if c.path == "" {
		return nil
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(c.path, b)
}

// dropRulesCache forgets every cached symbol rule of an environment.
func dropRulesCache(dir string) {
	if dir != "" {
		os.Remove(filepath.Join(dir, "symbols.json"))
	}
}
