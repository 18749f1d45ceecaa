package main

import (
	"context"
	"errors"
	"fmt"

	"orderform/apply"
	"orderform/gemini"
	"orderform/plan"
)

// geminiExchange is the gemini client as apply sees it: placements and
// cancels whose ambiguous failures are marked so that apply looks the order
// up before deciding to place again.
type geminiExchange struct {
	c        *gemini.Client
	cacheDir string
}

func (x geminiExchange) Place(ctx context.Context, o plan.Order) (plan.LiveOrder, error) {
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
	got, err := x.c.NewOrder(ctx, req)
	if err != nil {
		var ae *gemini.APIError
		if errors.As(err, &ae) && (ae.Reason == "InvalidPrice" || ae.Reason == "InvalidQuantity" || ae.Reason == "InvalidAmount") {
			// The symbol's increments may have changed: read them afresh next time.
			dropRulesCache(x.cacheDir)
		}
		return plan.LiveOrder{}, markAmbiguous(err)
	}
	return liveFromGemini(got), nil
}

func (x geminiExchange) Cancel(ctx context.Context, orderID string) (plan.LiveOrder, error) {
	got, err := x.c.CancelOrder(ctx, orderID)
	if err != nil {
		return plan.LiveOrder{}, markAmbiguous(err)
	}
	return liveFromGemini(got), nil
}

func (x geminiExchange) Lookup(ctx context.Context, clientOrderID string) ([]plan.LiveOrder, error) {
	got, err := x.c.OrderStatusByClientID(ctx, clientOrderID)
	if gemini.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, markAmbiguous(err)
	}
	out := make([]plan.LiveOrder, 0, len(got))
	for _, o := range got {
		out = append(out, liveFromGemini(o))
	}
	return out, nil
}

func (x geminiExchange) ActiveOrders(ctx context.Context) ([]plan.LiveOrder, error) {
	got, err := x.c.ActiveOrders(ctx)
	if err != nil {
		return nil, markAmbiguous(err)
	}
	out := make([]plan.LiveOrder, 0, len(got))
	for _, o := range got {
		out = append(out, liveFromGemini(o))
	}
	return out, nil
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
