package spec

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

const dataConfig = `
data "ticker" "btc" { symbol = "BTCUSD" }
data "symbol" "btc" { symbol = "btcusd" }
data "balance" "usd" { currency = "usd" }
data "ticker" "sol" { symbol = "solusd" }

locals {
  budget = data.balance.usd.available / 2
}

order "bid" {
  symbol = "btcusd"
  side   = "buy"
  amount = floor_to(local.budget / data.ticker.btc.ask, data.symbol.btc.amount_increment)
  price  = floor_to(data.ticker.btc.mid, data.symbol.btc.price_increment)
  lifecycle {
    on_fill = data.symbol.btc.status == "open" ? "replace" : "done"
  }
}

order "eth" {
  symbol = "ethusd"
  side   = "sell"
  amount = 1
  price  = 3000
}
`

// TestDataSources: without the exchange, attributes that depend on data
// sources are unknown and flagged; with it, they are computed exactly.
func TestDataSources(t *testing.T) {
	c := mustLoad(t, writeDir(t, map[string]string{"main.hcl": dataConfig}), Options{})
	if diff := cmp.Diff([]string{"btcusd", "ethusd", "solusd"}, c.Symbols()); diff != "" {
		t.Errorf("Symbols (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"USD"}, c.Currencies()); diff != "" {
		t.Errorf("Currencies (-want +got):\n%s", diff)
	}
	static, diags := c.Orders(nil)
	if len(diags) != 0 || len(static) != 2 {
		t.Fatalf("Orders(nil) = %d orders, %v", len(static), diags)
	}
	if diff := cmp.Diff([]string{"amount", "price", "on_fill"}, static[0].Unknown); diff != "" {
		t.Errorf("Unknown (-want +got):\n%s", diff)
	}
	if static[1].Unknown != nil {
		t.Errorf("eth: Unknown = %v", static[1].Unknown)
	}

	d := decimal.RequireFromString
	data := &Data{
		Tickers: map[string]TickerData{
			"btcusd": {Bid: d("64000.17"), Ask: d("64001.5"), Last: d("64000")},
			"solusd": {Bid: d("150"), Ask: d("150.1"), Last: d("150")},
		},
		Symbols:  map[string]SymbolData{"btcusd": {PriceIncrement: d("0.01"), AmountIncrement: d("0.00000001"), MinAmount: d("0.00001"), Base: "BTC", Quote: "USD", Status: "open"}},
		Balances: map[string]BalanceData{"USD": {Amount: d("10000"), Available: d("8000.5")}},
	}
	orders, diags := c.Orders(data)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	o := orders[0]
	// 4000.25 / 64001.5 = 0.062502441...; mid = 64000.835
	if o.Amount.String() != "0.06250244" || o.Price.String() != "64000.83" || o.OnFill != "replace" || o.Unknown != nil {
		t.Errorf("bid = %s @ %s on_fill=%s unknown=%v", o.Amount, o.Price, o.OnFill, o.Unknown)
	}

	delete(data.Tickers, "solusd")
	_, diags = c.Orders(data)
	if len(diags) != 1 || diags[0].Summary != "No ticker for data source" || diags[0].Subject.Start.Line != 5 {
		t.Errorf("missing ticker: %v", diags)
	}
}
