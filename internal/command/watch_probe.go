package command

import (
	"context"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"orderform/apply"
	"orderform/internal/exchange"
	"orderform/internal/watch"
	"orderform/plan"
	"orderform/spec"
)

// probeBaseline is what the last cycle left: the namespace's live order ids
// and, per symbol whose prices depend on the market, the ticker it planned
// from and the tightest reprice_tolerance.
type probeBaseline struct {
	cfg       *spec.Config
	live      map[string]bool // order ids
	tickers   map[string]plan.Ticker
	tolerance decimal.Decimal
	market    bool // some order's price depends on a data source
}

// setBaseline remembers what the probe compares with: the namespace's
// orders live after the cycle and the tickers it planned from.
func (wr *watchRun) setBaseline(r *planRun, rp *apply.Report) {
	b := &probeBaseline{cfg: r.cfg, live: map[string]bool{}, tickers: r.tickers}
	ns := r.plan.Target.Namespace
	for _, o := range r.live {
		if plan.IsManaged(ns, o.ClientOrderID) {
			b.live[o.OrderID] = true
		}
	}
	if rp != nil {
		for _, list := range [][]apply.Result{rp.Cancelled, rp.Replaced, rp.DuplicatesCancelled} {
			for _, res := range list {
				delete(b.live, res.OrderID)
				delete(b.live, res.CancelledOrderID)
			}
		}
		for _, list := range [][]apply.Result{rp.Placed, rp.Replaced, rp.Adopted} {
			for _, res := range list {
				if res.OrderID != "" && (res.Order == nil || res.Order.IsLive) {
					b.live[res.OrderID] = true
				}
			}
		}
	}
	first := true
	if orders, _ := r.cfg.Orders(nil); len(orders) > 0 {
		for _, o := range orders {
			if !dependsOnData(o) {
				continue
			}
			b.market = true
			if first || o.RepriceTolerance.LessThan(b.tolerance) {
				b.tolerance, first = o.RepriceTolerance, false
			}
		}
	}
	wr.mu.Lock()
	wr.baseline = b
	wr.mu.Unlock()
}

func dependsOnData(o spec.Order) bool {
	for _, u := range o.Unknown {
		if u == "price" || u == "stop_price" {
			return true
		}
	}
	return false
}

// probe looks at the namespace's active orders (one private request) and
// the tickers the last cycle planned from (one public request each): an
// order gone from the book (filled, or cancelled by hand) or a bid or ask
// moved by more than the tightest reprice_tolerance asks for a cycle now.
func (wr *watchRun) probe(ctx context.Context) (string, watch.Calls, error) {
	wr.mu.Lock()
	b := wr.baseline
	wr.mu.Unlock()
	if b == nil {
		return "", watch.Calls{}, nil
	}
	e := wr.env(ctx)
	conn, err := exchange.Connect(ctx, e.settings(), b.cfg)
	if err != nil {
		return "", watch.Calls{}, err
	}
	defer conn.Close()
	calls := func() watch.Calls { return callsOf(conn.Client.Stats()) }
	live, err := conn.Client.ActiveOrders(ctx)
	if err != nil {
		return "", calls(), err
	}
	now := map[string]bool{}
	for _, o := range live {
		now[o.OrderID] = true
	}
	for id := range b.live {
		if !now[id] {
			return "fill", calls(), nil
		}
	}
	if !b.market {
		return "", calls(), nil
	}
	syms := make([]string, 0, len(b.tickers))
	for s := range b.tickers {
		syms = append(syms, s)
	}
	sort.Strings(syms)
	for _, s := range syms {
		t, err := conn.Client.Ticker(ctx, s)
		if err != nil {
			return "", calls(), err
		}
		was := b.tickers[s]
		if moved(was.Bid, t.Bid, b.tolerance) || moved(was.Ask, t.Ask, b.tolerance) {
			return "market", calls(), nil
		}
	}
	return "", calls(), nil
}

// moved reports whether now is further from was than tolerance (a
// fraction of was); with no tolerance, any change.
func moved(was, now, tolerance decimal.Decimal) bool {
	if !was.IsPositive() {
		return false
	}
	return now.Sub(was).Abs().Div(was).GreaterThan(tolerance)
}

// callsOf sums a client's requests into private and public.
func callsOf(stats map[string]int) watch.Calls {
	var c watch.Calls
	for path, n := range stats {
		if isPrivatePath(path) {
			c.Private += n
		} else {
			c.Public += n
		}
	}
	return c
}

func isPrivatePath(path string) bool {
	for _, p := range []string{"/v1/order", "/v1/balances", "/v1/mytrades", "/v1/roles", "/v1/notionalvolume", "/v1/heartbeat", "/v1/account"} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}
