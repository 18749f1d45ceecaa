package exchange

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"orderform/apply"
	"orderform/gemini"
	"orderform/internal/exchange/cache"
	"orderform/plan"
)

// Adapter is the gemini client as apply sees it: placements and
// cancels whose ambiguous failures are marked so that apply looks the order
// up before deciding to place again, and can tell when such a placement can
// no longer land.
type Adapter struct {
	Client   *gemini.Client
	CacheDir string // dropped when an order is refused for its increments
	// Debug is where a cache that cannot be dropped is reported
	// (ORDERFORM_LOG=debug); nil = nowhere.
	Debug io.Writer
	// TimeNonce says the key uses time-based nonces (the target's nonce
	// mode); otherwise they increase strictly.
	TimeNonce bool
	// Now is the client's local clock (default time.Now).
	Now func() time.Time
}

// Time-based nonces (gemini.TimeNonceLead, gemini.TimeNonceWindow): a
// nonce is a time in whole seconds (the exchange's clock as the client
// estimates it), run ahead by at most the lead when requests come faster
// than one a second, and Gemini takes it while it is within the window of
// its own clock.
const (
	timeNonceLead   = gemini.TimeNonceLead
	timeNonceWindow = gemini.TimeNonceWindow
	// nonceClockMargin covers how much higher the client's estimate of the
	// exchange's clock may have been when it signed than the bounds it
	// knows when the request has failed (the bounds narrow as answers come).
	nonceClockMargin = 2 * time.Second
)

func (x Adapter) clock() time.Time {
	if x.Now != nil {
		return x.Now()
	}
	return time.Now()
}

// placeError is a failure of Place, with an upper bound of the nonce its
// request was signed with, as a time, for Landable.
type placeError struct {
	err         error
	nonceAtMost time.Time
}

func (e *placeError) Error() string { return e.err.Error() }
func (e *placeError) Unwrap() error { return e.err }

// nonceAtMost bounds, right after a request was signed and sent, the
// time-based nonce it carried, whichever clock the client signs on: the
// local one, or its estimate of the exchange's (at most the local clock
// plus the highest offset the answers allow, plus a margin).
func (x Adapter) nonceAtMost() time.Time {
	now := x.clock()
	bound := now
	if ex := x.Client.ExchangeNow(); ex.After(bound) {
		bound = ex
	}
	if _, hi, known := x.Client.ClockBounds(); known && now.Add(hi).After(bound) {
		bound = now.Add(hi)
	}
	return bound.Add(timeNonceLead + nonceClockMargin)
}

// Landable: under increasing nonces the lookup apply made after the
// placement carried a higher nonce, and the exchange took it, so it refuses
// the placement should it arrive now. Under time-based nonces the placement
// is refused once the exchange's clock is past its nonce's window: on the
// local clock, once now + the lowest offset the exchange's answers allow is
// past the nonce's bound + the window (+1 s, as nonces are whole seconds).
func (x Adapter) Landable(err error) (time.Duration, bool) {
	var pe *placeError
	if !errors.As(err, &pe) {
		return 0, false
	}
	if !x.TimeNonce {
		return 0, true
	}
	lo, _, known := x.Client.ClockBounds()
	if !known {
		return 0, false
	}
	dead := pe.nonceAtMost.Add(timeNonceWindow + time.Second)
	return max(dead.Sub(x.clock().Add(lo)), 0), true
}

func (x Adapter) Place(ctx context.Context, o plan.Order) (plan.LiveOrder, error) {
	req := gemini.NewOrder{
		ClientOrderID: o.ClientOrderID,
		Symbol:        o.Symbol,
		Side:          o.Side,
		Type:          orderTypeToWire(o.Type),
		Amount:        o.Amount,
		Price:         o.Price,
		Options:       o.Options,
	}
	if o.Type == "stop-limit" {
		req.StopPrice = o.StopPrice
	}
	got, err := x.Client.NewOrder(ctx, req)
	if err != nil {
		if gemini.IsIncrementRejected(err) {
			// The symbol's increments may have changed: read them afresh next time.
			cache.Open(x.CacheDir, x.Debug).DropRules()
		}
		if gemini.IsInsufficientFunds(err) {
			// The account's fee tier may have changed: read its rates
			// afresh next time.
			cache.Open(x.CacheDir, x.Debug).DropFeeRate()
		}
		return plan.LiveOrder{}, &placeError{err: markAmbiguous(withheld(err, o)), nonceAtMost: x.nonceAtMost()}
	}
	return LiveFromGemini(got), nil
}

func (x Adapter) Cancel(ctx context.Context, orderID string) (plan.LiveOrder, error) {
	got, err := x.Client.CancelOrder(ctx, orderID)
	if err != nil {
		return plan.LiveOrder{}, markAmbiguous(err)
	}
	return LiveFromGemini(got), nil
}

func (x Adapter) Lookup(ctx context.Context, clientOrderID string) ([]plan.LiveOrder, error) {
	got, err := x.Client.OrderStatusByClientID(ctx, clientOrderID)
	if gemini.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, markAmbiguous(err)
	}
	return LiveFromGeminiAll(got), nil
}

func (x Adapter) ActiveOrders(ctx context.Context) ([]plan.LiveOrder, error) {
	got, err := x.Client.ActiveOrders(ctx)
	if err != nil {
		return nil, markAmbiguous(err)
	}
	return LiveFromGeminiAll(got), nil
}

// markAmbiguous marks the errors after which apply must look an order up
// (ambiguous) or may simply send the request again (rate limited: Gemini
// refused it and did nothing).
func markAmbiguous(err error) error {
	switch {
	case gemini.IsAmbiguous(err):
		return fmt.Errorf("%w: %w", apply.ErrAmbiguous, err)
	case gemini.IsRateLimited(err):
		return fmt.Errorf("%w: %w", apply.ErrRateLimited, err)
	}
	return err
}

// withheld drops the exchange's message from an error about o when o's
// price or amount is sensitive: Gemini's messages repeat them ("Failed to
// place buy order on symbol 'BTCUSD' for price 64000 ..."). The reason code
// and status, which say what went wrong, stay.
func withheld(err error, o plan.Order) error {
	var ae *gemini.APIError
	if !errors.As(err, &ae) || ae.Message == "" {
		return err
	}
	for _, attr := range []string{"price", "amount", "stop_price"} {
		if slices.Contains(o.Sensitive, attr) {
			cp := *ae
			cp.Message = ""
			return &cp
		}
	}
	return err
}

// NewAdapter is conn as apply sees it.
func NewAdapter(conn *Conn) Adapter {
	return Adapter{Client: conn.Client, CacheDir: conn.CacheDir, Debug: conn.Debug, TimeNonce: conn.Target.Nonce == "time"}
}
