package command

import (
	"context"
	"fmt"
	"sort"

	"github.com/hashicorp/hcl/v2"

	"orderform/internal/exchange"
	"orderform/plan"
	"orderform/spec"
)

// guardTickers lists the symbols whose tickers the checks need and the
// plan has not read: those of orders to be placed, when a guard bounds
// prices by the market or the order is maker-or-cancel (the "would take"
// warning). apply reads the same ones again right before sending
// (plan.NeedsOf).
func guardTickers(in plan.Input, p *plan.Plan) []string {
	var out []string
	for _, sym := range plan.NeedsOf(p).Tickers {
		if _, ok := in.Tickers[sym]; !ok {
			out = append(out, sym)
		}
	}
	return out
}

// needsOf lists what the plan must read before evaluating the orders: the
// rules of every symbol in use, and the tickers of ticker data sources. The
// guards' tickers are read later, for the symbols that get new orders.
func needsOf(cfg *spec.Config) exchange.Needs {
	n := exchange.Needs{Symbols: cfg.Symbols()}
	tick := map[string]bool{}
	for _, d := range cfg.Data {
		if d.Kind == "ticker" && !tick[d.Symbol] {
			tick[d.Symbol] = true
			n.Tickers = append(n.Tickers, d.Symbol)
		}
	}
	sort.Strings(n.Tickers)
	return n
}

// historyWanted returns, by client order id, the symbols of the desired
// orders whose closed orders the plan needs (fill accounting by address,
// plan/fills.go): those with no live order (under their own id or an id
// moved to them), and those whose live order has partly filled or carries
// less than, or other than, the declared amount; with the ids of the
// addresses moved to them. A book of untouched live orders costs no walk.
func historyWanted(desired []plan.Order, moved []plan.Moved, live []plan.LiveOrder) map[string]string {
	byID := map[string][]*plan.LiveOrder{}
	for i := range live {
		byID[live[i].ClientOrderID] = append(byID[live[i].ClientOrderID], &live[i])
	}
	movedFrom := map[string][]string{}
	for _, m := range moved {
		movedFrom[m.ToClientOrderID] = append(movedFrom[m.ToClientOrderID], m.FromClientOrderID)
	}
	want := map[string]string{}
	for _, o := range desired {
		ids := append([]string{o.ClientOrderID}, movedFrom[o.ClientOrderID]...)
		n, needed := 0, false
		for _, id := range ids {
			for _, l := range byID[id] {
				n++
				needed = needed || l.ExecutedAmount.IsPositive() || !l.OriginalAmount.Equal(o.Amount)
			}
		}
		if n > 0 && !needed {
			continue
		}
		for _, id := range ids {
			want[id] = o.Symbol // its orders may have filled under an old address too
		}
	}
	return want
}

func dataFrom(s *exchange.Snapshot) *spec.Data {
	d := &spec.Data{
		Tickers:  map[string]spec.TickerData{},
		Symbols:  map[string]spec.SymbolData{},
		Balances: map[string]spec.BalanceData{},
	}
	for sym, t := range s.Tickers {
		d.Tickers[sym] = spec.TickerData{Bid: t.Bid, Ask: t.Ask, Last: t.Last}
	}
	for sym, r := range s.Rules {
		d.Symbols[sym] = spec.SymbolData{PriceIncrement: r.PriceIncrement, AmountIncrement: r.AmountIncrement, MinAmount: r.MinAmount, Base: r.Base, Quote: r.Quote, Status: r.Status}
	}
	for cur, b := range s.Balances {
		d.Balances[cur] = spec.BalanceData{Amount: b.Amount, Available: b.Available}
	}
	return d
}

// unknownSymbolDiags points at every order and data source that names a
// symbol the exchange does not list, suggesting the closest it lists
// (listed; the common symbols when it could not be read).
func unknownSymbolDiags(cfg *spec.Config, orders []spec.Order, s *exchange.Snapshot, listed []string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	hint := func(sym, otherwise string) string {
		if alt := spec.SuggestSymbol(sym, listed); alt != "" {
			return fmt.Sprintf(" Did you mean %q?", alt)
		}
		return otherwise
	}
	for _, o := range orders {
		if _, bad := s.Unknown[o.Symbol]; bad {
			r := o.Range
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unknown symbol",
				Detail:   fmt.Sprintf("%s: the exchange does not list symbol %q.%s", o.Address, o.Symbol, hint(o.Symbol, ` Symbols are lower case, base then quote, as in "btcusd".`)),
				Subject:  &r,
			})
		}
	}
	for _, d := range cfg.Data {
		if _, bad := s.Unknown[d.Symbol]; bad && d.Symbol != "" {
			r := d.Range
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unknown symbol",
				Detail:   fmt.Sprintf("data.%s.%s: the exchange does not list symbol %q.%s", d.Kind, d.Name, d.Symbol, hint(d.Symbol, ` Symbols are lower case, base then quote, as in "btcusd".`)),
				Subject:  &r,
			})
		}
	}
	return diags
}

// listedSymbols reads the exchange's symbols when the snapshot found one
// it does not list, for a suggestion; nil when there is none or the read
// fails.
func listedSymbols(ctx context.Context, conn *exchange.Conn, s *exchange.Snapshot) []string {
	if len(s.Unknown) == 0 {
		return nil
	}
	syms, err := conn.Client.Symbols(ctx)
	if err != nil {
		return nil
	}
	return syms
}

// addressKnown reports whether a -target or -replace address names an
// order (or, without an index, a group of orders) of the configuration.
func addressKnown(addr string, orders []spec.Order) bool {
	for _, o := range orders {
		if o.Address == addr || (len(o.Address) > len(addr) && o.Address[:len(addr)] == addr && o.Address[len(addr)] == '[') {
			return true
		}
	}
	return false
}

func configFiles(cfg *spec.Config) map[string]*hcl.File {
	if cfg == nil {
		return nil
	}
	return cfg.Files
}
