package sim

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
)

// TestBooksBalance drives random sequences of orders, cancels, market moves,
// fills and funding over HTTP and checks after every step that no currency
// is created or destroyed except through trades and fees, that holds match
// the live orders, and that 0 <= available <= amount.
func TestBooksBalance(t *testing.T) {
	steps := 250
	if testing.Short() {
		steps = 60
	}
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			opts := Options{}
			if seed%2 == 0 { // also with unequal, larger fees
				opts.MakerFeeBps, opts.TakerFeeBps = 25, 60
			}
			s, c := start(t, opts)
			runBooks(t, s, c, rand.New(rand.NewPCG(seed, 99)), steps)
		})
	}
}

func runBooks(t *testing.T, s *Server, c *client, rng *rand.Rand, steps int) {
	funded := map[string]decimal.Decimal{}
	for cur, amt := range demoBalances {
		funded[cur] = d(amt)
	}
	syms := []string{"btcusd", "ethusd", "ethbtc", "dogeusd"}
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	// step returns a random multiple of inc between lo and hi.
	step := func(lo, hi, inc decimal.Decimal) decimal.Decimal {
		n := hi.Sub(lo).Div(inc).IntPart()
		if n <= 0 {
			return lo
		}
		return lo.Add(inc.Mul(decimal.NewFromInt(rng.Int64N(n + 1)))).Div(inc).Floor().Mul(inc)
	}
	market := func(sym string) MarketView {
		for _, m := range s.Markets() {
			if m.Symbol == sym {
				return m
			}
		}
		t.Fatalf("no market %s", sym)
		return MarketView{}
	}
	for i := 0; i < steps; i++ {
		var what string
		switch op := rng.IntN(10); {
		case op < 5: // place
			info, _ := lookupSymbol(pick(syms))
			m := market(info.Symbol)
			mid := m.Bid.Add(m.Ask).Div(decimal.NewFromInt(2))
			price := step(mid.Mul(d("0.96")), mid.Mul(d("1.04")), info.QuoteIncrement)
			if !price.IsPositive() {
				price = info.QuoteIncrement
			}
			amount := step(info.MinOrderSize, info.MinOrderSize.Mul(decimal.NewFromInt(400)), info.TickSize)
			side := pick([]string{"buy", "sell"})
			f := map[string]any{"symbol": info.Symbol, "side": side, "type": "exchange limit", "amount": amount.String(), "price": price.String()}
			if rng.IntN(4) == 0 {
				// A stop-limit: the stop on the far side of the limit, within the ratio.
				stop := price.Mul(d("0.99")).Div(info.QuoteIncrement).Floor().Mul(info.QuoteIncrement)
				if side == "sell" {
					stop = price.Mul(d("1.01")).Div(info.QuoteIncrement).Ceil().Mul(info.QuoteIncrement)
				}
				f["type"], f["stop_price"] = "exchange stop limit", stop.String()
			} else if opt := pick([]string{"", "", "maker-or-cancel", "immediate-or-cancel", "fill-or-kill"}); opt != "" {
				f["options"] = []string{opt}
			}
			r := c.post(t, "/v1/order/new", f)
			what = fmt.Sprintf("place %v: %d %s", f, r.status, r.reason())
			if r.status != 200 && r.reason() != ReasonInsufficientFunds {
				t.Fatalf("step %d: %s: %s", i, what, r.body)
			}
		case op < 7: // cancel
			orders := s.Orders()
			if len(orders) == 0 {
				continue
			}
			id := orders[rng.IntN(len(orders))].ID
			r := c.post(t, "/v1/order/cancel", map[string]any{"order_id": id})
			what = "cancel " + id
			if r.status != 200 {
				t.Fatalf("step %d: %s: %d %s", i, what, r.status, r.body)
			}
		case op < 9: // move a market
			info, _ := lookupSymbol(pick(syms))
			m := market(info.Symbol)
			bid := step(m.Bid.Mul(d("0.97")), m.Bid.Mul(d("1.03")), info.QuoteIncrement)
			if !bid.IsPositive() {
				bid = info.QuoteIncrement
			}
			ask := bid.Add(info.QuoteIncrement.Mul(decimal.NewFromInt(1 + rng.Int64N(50))))
			what = fmt.Sprintf("market %s %s/%s", info.Symbol, bid, ask)
			if err := s.SetMarket(info.Symbol, bid, ask); err != nil {
				t.Fatalf("step %d: %s: %v", i, what, err)
			}
		default: // fill part of a resting order, or fund
			var live []OrderView
			for _, o := range s.Orders() {
				if o.Live && (o.StopPrice.IsZero() || o.Triggered) {
					live = append(live, o)
				}
			}
			if len(live) > 0 && rng.IntN(2) == 0 {
				o := live[rng.IntN(len(live))]
				info, _ := lookupSymbol(o.Symbol)
				amt := step(decimal.Zero, o.Remaining, info.TickSize)
				what = fmt.Sprintf("fill %s %s of %s", o.ID, amt, o.Remaining)
				if err := s.Fill(o.ID, amt); err != nil {
					t.Fatalf("step %d: %s: %v", i, what, err)
				}
			} else {
				cur := pick([]string{"USD", "BTC", "ETH", "DOGE"})
				amt := decimal.NewFromInt(rng.Int64N(2000) - 1000).Shift(-1)
				what = fmt.Sprintf("fund %s %s", cur, amt)
				if err := s.Fund(cur, amt); err == nil {
					funded[cur] = funded[cur].Add(amt)
				} else if amt.IsPositive() {
					t.Fatalf("step %d: %s: %v", i, what, err)
				}
			}
		}
		checkBooks(t, s, funded, fmt.Sprintf("step %d (%s)", i, what))
		if t.Failed() {
			return
		}
	}
	stats := map[string]int{"trades": len(s.Trades())}
	for _, o := range s.Orders() {
		switch {
		case o.Live:
			stats["live"]++
		case o.Cancelled:
			stats["cancelled "+o.Reason]++
		default:
			stats["filled"]++
		}
		if o.Triggered {
			stats["stops triggered"]++
		}
	}
	t.Logf("after %d steps: %v", steps, stats)
}

// checkBooks recomputes every balance from what was funded and the trades,
// and every hold from the live orders, and compares.
func checkBooks(t *testing.T, s *Server, funded map[string]decimal.Decimal, when string) {
	t.Helper()
	want := map[string]decimal.Decimal{}
	for c, a := range funded {
		want[c] = a
	}
	for _, tr := range s.Trades() {
		info, _ := lookupSymbol(tr.Symbol)
		notional := tr.Price.Mul(tr.Amount)
		rate := s.makerFee
		if tr.Aggressor {
			rate = s.takerFee
		}
		if !tr.Fee.Equal(notional.Mul(rate)) || tr.FeeCurrency != info.Quote {
			t.Errorf("%s: trade %d fee %s %s, want %s %s", when, tr.ID, tr.Fee, tr.FeeCurrency, notional.Mul(rate), info.Quote)
		}
		if tr.Side == "buy" {
			want[info.Base] = want[info.Base].Add(tr.Amount)
			want[info.Quote] = want[info.Quote].Sub(notional).Sub(tr.Fee)
		} else {
			want[info.Base] = want[info.Base].Sub(tr.Amount)
			want[info.Quote] = want[info.Quote].Add(notional).Sub(tr.Fee)
		}
	}
	held := map[string]decimal.Decimal{}
	for _, o := range s.Orders() {
		if !o.Executed.Add(o.Remaining).Equal(o.Original) || o.Executed.IsNegative() || o.Remaining.IsNegative() {
			t.Errorf("%s: order %s amounts %s + %s != %s", when, o.ID, o.Executed, o.Remaining, o.Original)
		}
		if o.Live && o.Cancelled || !o.Live && !o.Hold.IsZero() || o.Live && !o.Remaining.IsPositive() {
			t.Errorf("%s: order %s inconsistent: %+v", when, o.ID, o)
		}
		if !o.Live {
			continue
		}
		hold := o.Remaining
		if o.Side == "buy" {
			hold = o.Price.Mul(o.Remaining).Mul(decimal.NewFromInt(1).Add(s.maxFee))
		}
		if !o.Hold.Equal(hold) {
			t.Errorf("%s: order %s holds %s, want %s", when, o.ID, o.Hold, hold)
		}
		held[o.HoldCurrency] = held[o.HoldCurrency].Add(hold)
	}
	for cur, b := range s.Balances() {
		if !b.Amount.Equal(want[cur]) {
			t.Errorf("%s: %s amount %s, want %s from funding and trades", when, cur, b.Amount, want[cur])
		}
		if b.Available.IsNegative() || b.Available.GreaterThan(b.Amount) {
			t.Errorf("%s: %s available %s outside [0, %s]", when, cur, b.Available, b.Amount)
		}
		if got := b.Amount.Sub(b.Available); !got.Equal(held[cur]) {
			t.Errorf("%s: %s holds %s, live orders hold %s", when, cur, got, held[cur])
		}
	}
}
