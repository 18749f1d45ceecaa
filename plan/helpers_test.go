package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/shopspring/decimal"
)

const ns = "grid"

// coid is the client order id of docs/safety.md, "Ownership and namespaces".
func coid(addr string) string {
	h := sha256.Sum256([]byte(ns + "\x00" + addr))
	return ManagedPrefix(ns) + hex.EncodeToString(h[:])[:16]
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func rng(line int) hcl.Range {
	return hcl.Range{Filename: "main.hcl", Start: hcl.Pos{Line: line, Column: 1, Byte: 0}, End: hcl.Pos{Line: line, Column: 6, Byte: 5}}
}

// buy is a desired limit buy on btcusd; opts tweak it.
func buy(addr, amount, price string, opts ...func(*Order)) Order {
	o := Order{Address: addr, ClientOrderID: coid(addr), Symbol: "btcusd", Side: "buy", Type: "limit",
		Amount: dec(amount), Price: dec(price), OnFill: "done", Range: rng(len(addr))}
	for _, f := range opts {
		f(&o)
	}
	return o
}

func sell(addr, amount, price string, opts ...func(*Order)) Order {
	return buy(addr, amount, price, append([]func(*Order){func(o *Order) { o.Side = "sell" }}, opts...)...)
}

// live is the live order that placing o would give, with id and fill.
func live(o Order, id, executed string) LiveOrder {
	ex := dec(executed)
	return LiveOrder{OrderID: id, ClientOrderID: o.ClientOrderID, Symbol: o.Symbol, Side: o.Side, Type: orderType(o.Type),
		Price: o.Price, StopPrice: o.StopPrice, OriginalAmount: o.Amount, ExecutedAmount: ex, RemainingAmount: o.Amount.Sub(ex),
		Options: o.Options, IsLive: true, TimestampMS: 1700000000000}
}

func with(l LiveOrder, f func(*LiveOrder)) LiveOrder { f(&l); return l }

var btcRules = map[string]SymbolRules{
	"btcusd": {Symbol: "btcusd", Base: "BTC", Quote: "USD", PriceIncrement: dec("0.01"), AmountIncrement: dec("0.00001"), MinAmount: dec("0.00001"), Status: "open"},
	"ethusd": {Symbol: "ethusd", Base: "ETH", Quote: "USD", PriceIncrement: dec("0.01"), AmountIncrement: dec("0.000001"), MinAmount: dec("0.001"), Status: "open"},
}

var richBalances = map[string]Balance{
	"USD": {Currency: "USD", Amount: dec("1000000"), Available: dec("1000000")},
	"BTC": {Currency: "BTC", Amount: dec("100"), Available: dec("100")},
	"ETH": {Currency: "ETH", Amount: dec("1000"), Available: dec("1000")},
}

var target = Target{Environment: "local", BaseURL: "http://127.0.0.1:8399", Namespace: ns}

// input returns an Input with rich balances and btc/eth rules.
func input(desired []Order, liveOrders ...LiveOrder) Input {
	return Input{Target: target, Desired: desired, Live: liveOrders, Rules: btcRules, Balances: richBalances}
}

func diagSummaries(t *testing.T, diags hcl.Diagnostics) []string {
	t.Helper()
	var s []string
	for _, d := range diags {
		sev := "error"
		if d.Severity == hcl.DiagWarning {
			sev = "warning"
		}
		s = append(s, sev+": "+d.Summary)
	}
	return s
}

func diagText(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Summary + ": " + d.Detail + "\n")
	}
	return b.String()
}

// byID turns one closed order per client order id into a History.
func byID(m map[string]LiveOrder) map[string][]LiveOrder {
	out := make(map[string][]LiveOrder, len(m))
	for id, o := range m {
		out[id] = append(out[id], o)
	}
	return out
}
