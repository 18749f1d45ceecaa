package exchange

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"orderform/internal/exchange/cache"
	"orderform/plan"
)

// Gemini holds a buy's fee with the order: price × amount × (1 + rate) of
// the quote currency. The budget holds the same, at the account's rates
// (POST /v1/notionalvolume), read once a day per exchange and key like the
// symbol rules; when they cannot be read, at the highest API taker rate of
// Gemini's fee schedule, and the plan says which.

// highestTakerFeeBps is the highest API taker rate of Gemini's fee
// schedule (its lowest volume tier), in basis points: the rate a budget
// assumes when the account's own cannot be read. Erring high only refuses
// an order that would have fitted.
const highestTakerFeeBps = 40

// CachedFeeRate returns the account's fee rate from the cache when it is
// fresh; nil otherwise. It sends nothing.
func CachedFeeRate(dir string, now time.Time) *plan.Fee {
	rate, ok := cache.Open(dir, nil).FeeRate(now)
	if !ok {
		return nil
	}
	return &plan.Fee{Rate: rate, Source: plan.FeeAccount}
}

// ReadFeeRate returns the rate a buy holds its fee at: the account's (from
// the cache, else the exchange, then cached), or, when the exchange does
// not tell, the highest taker rate. It never fails: a plan is not refused
// because the rates are unreadable, it holds more.
func ReadFeeRate(ctx context.Context, conn *Conn, now time.Time) *plan.Fee {
	if f := CachedFeeRate(conn.CacheDir, now); f != nil {
		return f
	}
	r, err := conn.Client.FeeRates(ctx)
	if err != nil {
		if conn.Debug != nil {
			fmt.Fprintf(conn.Debug, "fees: %v; holding buys to the highest taker rate, %d bps\n", err, highestTakerFeeBps)
		}
		return &plan.Fee{Rate: decimal.New(highestTakerFeeBps, -4), Source: plan.FeeFallback}
	}
	// Gemini holds a buy's fee at the larger of the two rates: the order
	// may fill as maker or as taker.
	rate := decimal.Max(r.MakerBps, r.TakerBps).Shift(-4)
	cache.Open(conn.CacheDir, conn.Debug).SaveFeeRate(rate, now)
	return &plan.Fee{Rate: rate, Source: plan.FeeAccount}
}
