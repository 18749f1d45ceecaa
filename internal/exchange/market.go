package exchange

import (
	"context"
	"fmt"
	"sync"
	"time"

	"orderform/plan"
)

// ReadMarket reads what apply's send-time check needs (plan.NeedsOf): the
// rules of the symbols placed on, from the on-disk cache when fresh, and one
// pubticker per symbol whose checks compare prices with the market. It is
// the only read between the prompt (or loading a saved plan) and the first
// request that changes the book.
func ReadMarket(ctx context.Context, conn *Conn, needs plan.MarketNeeds) (plan.Market, error) {
	snap := &Snapshot{Rules: map[string]plan.SymbolRules{}, Tickers: map[string]plan.Ticker{}, Unknown: map[string]error{}}
	var mu sync.Mutex
	if err := readRules(ctx, conn, needs.Rules, snap, &mu, time.Now()); err != nil {
		return plan.Market{}, err
	}
	for _, sym := range needs.Rules {
		if err, ok := snap.Unknown[sym]; ok {
			return plan.Market{}, fmt.Errorf("read the rules of symbol %s: %w", sym, err)
		}
	}
	if err := ReadTickers(ctx, conn, needs.Tickers, snap, &mu); err != nil {
		return plan.Market{}, err
	}
	for sym, err := range snap.Unknown {
		return plan.Market{}, fmt.Errorf("read the ticker of %s: %w", sym, err)
	}
	return plan.Market{Rules: snap.Rules, Tickers: snap.Tickers}, nil
}
