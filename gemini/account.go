package gemini

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"
)

// Balance is one currency of the account.
type Balance struct {
	Currency               string          // upper case, e.g. "USD"
	Type                   string          // "exchange"
	Amount                 decimal.Decimal // total
	Available              decimal.Decimal // tradable now: open orders' holds are taken out
	AvailableForWithdrawal decimal.Decimal
}

// Roles are the roles of the API key.
type Roles struct {
	IsTrader, IsFundManager, IsAuditor, IsAccountAdmin bool
}

// Balances returns the account's balances (POST /v1/balances).
func (c *Client) Balances(ctx context.Context) ([]Balance, error) {
	var w []struct {
		Currency               string      `json:"currency"`
		Type                   string      `json:"type"`
		Amount                 wireDecimal `json:"amount"`
		Available              wireDecimal `json:"available"`
		AvailableForWithdrawal wireDecimal `json:"availableForWithdrawal"`
	}
	req := request{call: "read balances", path: "/v1/balances", private: true, read: true}
	if err := c.do(ctx, req, &w); err != nil {
		return nil, err
	}
	out := make([]Balance, len(w))
	for i, b := range w {
		out[i] = Balance{Currency: b.Currency, Type: b.Type, Amount: b.Amount.Decimal,
			Available: b.Available.Decimal, AvailableForWithdrawal: b.AvailableForWithdrawal.Decimal}
	}
	return out, nil
}

// Roles returns the roles of the API key (POST /v1/roles), so a plan can say
// early that a key cannot trade.
func (c *Client) Roles(ctx context.Context) (Roles, error) {
	var w struct {
		IsTrader       bool `json:"isTrader"`
		IsFundManager  bool `json:"isFundManager"`
		IsAuditor      bool `json:"isAuditor"`
		IsAccountAdmin bool `json:"isAccountAdmin"`
	}
	req := request{call: "read key roles", path: "/v1/roles", private: true, read: true}
	if err := c.do(ctx, req, &w); err != nil {
		return Roles{}, err
	}
	return Roles(w), nil
}

// FeeRates are the account's API fee rates, in basis points of the
// notional.
type FeeRates struct {
	MakerBps, TakerBps decimal.Decimal
}

// FeeRates returns the account's API fee rates (POST /v1/notionalvolume,
// Trader or Auditor). An answer without them is an error.
func (c *Client) FeeRates(ctx context.Context) (FeeRates, error) {
	var w struct {
		Maker *wireDecimal `json:"api_maker_fee_bps"`
		Taker *wireDecimal `json:"api_taker_fee_bps"`
	}
	req := request{call: "read fee rates", path: "/v1/notionalvolume", private: true, read: true}
	if err := c.do(ctx, req, &w); err != nil {
		return FeeRates{}, err
	}
	if w.Maker == nil || w.Taker == nil || w.Maker.IsNegative() || w.Taker.IsNegative() {
		return FeeRates{}, fmt.Errorf("read fee rates: the answer has no api_maker_fee_bps and api_taker_fee_bps")
	}
	return FeeRates{MakerBps: w.Maker.Decimal, TakerBps: w.Taker.Decimal}, nil
}
