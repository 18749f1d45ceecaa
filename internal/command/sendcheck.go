package command

import (
	"context"
	"fmt"
	"sync"
	"time"

	"orderform/plan"
)

// readMarket reads what apply's send-time check needs (plan.NeedsOf): the
// rules of the symbols placed on, from the on-disk cache when fresh, and one
// pubticker per symbol whose checks compare prices with the market. It is
// the only read between the prompt (or loading a saved plan) and the first
// request that changes the book.
func readMarket(ctx context.Context, conn *connection, needs plan.MarketNeeds) (plan.Market, error) {
	snap := &snapshot{rules: map[string]plan.SymbolRules{}, tickers: map[string]plan.Ticker{}, unknown: map[string]error{}}
	now := time.Now()
	cache := loadRulesCache(conn.cacheDir)
	fetched := false
	for _, sym := range needs.Rules {
		if r, ok := cache.get(sym, now); ok {
			snap.rules[sym] = r
			continue
		}
		d, err := conn.client.SymbolDetails(ctx, sym)
		if err != nil {
			return plan.Market{}, fmt.Errorf("read the rules of symbol %s: %w", sym, err)
		}
		r := rulesFromGemini(sym, d)
		snap.rules[sym] = r
		cache.put(r, now)
		fetched = true
	}
	if fetched {
		_ = cache.save() // only a cache
	}
	var mu sync.Mutex
	if err := readTickers(ctx, conn, needs.Tickers, snap, &mu); err != nil {
		return plan.Market{}, err
	}
	for sym, err := range snap.unknown {
		return plan.Market{}, fmt.Errorf("read the ticker of %s: %w", sym, err)
	}
	return plan.Market{Rules: snap.rules, Tickers: snap.tickers}, nil
}
