package gemini

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"
)

// Ticker is the best bid, best ask and last trade price of a symbol.
type Ticker struct {
	Bid, Ask, Last decimal.Decimal
}

// PriceFeedEntry is the last price of one pair, from the price feed.
type PriceFeedEntry struct {
	Pair             string // upper case, e.g. "BTCUSD"
	Price            decimal.Decimal
	PercentChange24h decimal.Decimal
}

// SymbolDetails are the trading rules of a symbol. Gemini's names are
// confusing; the fields here say what they mean.
type SymbolDetails struct {
	Symbol, BaseCurrency, QuoteCurrency string
	Status                              string          // "open", "closed", "cancel_only", "post_only", "limit_only"
	ProductType                         string          // "spot", "swap"
	AmountIncrement                     decimal.Decimal // wire "tick_size": step of the amount, in the base currency
	PriceIncrement                      decimal.Decimal // wire "quote_increment": step of the price, in the quote currency
	MinOrderSize                        decimal.Decimal // wire "min_order_size": least amount, in the base currency
}

// Ticker returns the bid, ask and last price of symbol (GET /v1/pubticker/:symbol).
func (c *Client) Ticker(ctx context.Context, symbol string) (Ticker, error) {
	if err := checkSymbol(symbol); err != nil {
		return Ticker{}, fmt.Errorf("read ticker: %w", err)
	}
	var w struct {
		Bid  wireDecimal `json:"bid"`
		Ask  wireDecimal `json:"ask"`
		Last wireDecimal `json:"last"`
	}
	err := c.do(ctx, request{call: "read ticker " + symbol, path: "/v1/pubticker/" + symbol, read: true}, &w)
	return Ticker{Bid: w.Bid.Decimal, Ask: w.Ask.Decimal, Last: w.Last.Decimal}, err
}

// PriceFeed returns the last price of every pair in one call (GET /v1/pricefeed).
func (c *Client) PriceFeed(ctx context.Context) ([]PriceFeedEntry, error) {
	var w []struct {
		Pair             string      `json:"pair"`
		Price            wireDecimal `json:"price"`
		PercentChange24h wireDecimal `json:"percentChange24h"`
	}
	if err := c.do(ctx, request{call: "read price feed", path: "/v1/pricefeed", read: true}, &w); err != nil {
		return nil, err
	}
	out := make([]PriceFeedEntry, len(w))
	for i, e := range w {
		out[i] = PriceFeedEntry{Pair: e.Pair, Price: e.Price.Decimal, PercentChange24h: e.PercentChange24h.Decimal}
	}
	return out, nil
}

// Symbols returns every symbol Gemini trades, in lower case (GET /v1/symbols).
func (c *Client) Symbols(ctx context.Context) ([]string, error) {
	var out []string
	if err := c.do(ctx, request{call: "read symbols", path: "/v1/symbols", read: true}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// SymbolDetails returns the trading rules of symbol (GET /v1/symbols/details/:symbol).
func (c *Client) SymbolDetails(ctx context.Context, symbol string) (SymbolDetails, error) {
	if err := checkSymbol(symbol); err != nil {
		return SymbolDetails{}, fmt.Errorf("read symbol details: %w", err)
	}
	var w struct {
		Symbol         string      `json:"symbol"`
		BaseCurrency   string      `json:"base_currency"`
		QuoteCurrency  string      `json:"quote_currency"`
		Status         string      `json:"status"`
		ProductType    string      `json:"product_type"`
		TickSize       wireDecimal `json:"tick_size"`
		QuoteIncrement wireDecimal `json:"quote_increment"`
		MinOrderSize   wireDecimal `json:"min_order_size"`
	}
	req := request{call: "read symbol details " + symbol, path: "/v1/symbols/details/" + symbol, read: true}
	if err := c.do(ctx, req, &w); err != nil {
		return SymbolDetails{}, err
	}
	return SymbolDetails{
		Symbol: w.Symbol, BaseCurrency: w.BaseCurrency, QuoteCurrency: w.QuoteCurrency,
		Status: w.Status, ProductType: w.ProductType,
		AmountIncrement: w.TickSize.Decimal, PriceIncrement: w.QuoteIncrement.Decimal,
		MinOrderSize: w.MinOrderSize.Decimal,
	}, nil
}

// checkSymbol keeps a symbol from changing the path it is put in.
func checkSymbol(symbol string) error {
	if symbol == "" || len(symbol) > 32 {
		return fmt.Errorf("invalid symbol %q", symbol)
	}
	for _, r := range symbol {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return fmt.Errorf("invalid symbol %q: letters and digits only", symbol)
		}
	}
	return nil
}
