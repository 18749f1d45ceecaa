package sim

import (
	"context"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func markets(s *Server) map[string][2]string {
	out := map[string][2]string{}
	for _, m := range s.Markets() {
		out[m.Symbol] = [2]string{m.Bid.String(), m.Ask.String()}
	}
	return out
}

// The walk is a function of its seed: two exchanges walked the same number
// of steps with one seed end at the same market, another seed elsewhere.
func TestWalkIsSeeded(t *testing.T) {
	walk := func(seed uint64) map[string][2]string {
		s, err := New(Options{Walk: &Walk{Seed: seed}})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.WalkStep(50); err != nil {
			t.Fatal(err)
		}
		return markets(s)
	}
	a, b, c := walk(7), walk(7), walk(8)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("same seed, different markets (-first +second):\n%s", diff)
	}
	if cmp.Equal(a, c) {
		t.Error("seeds 7 and 8 walked to the same markets")
	}
}

// Each step moves bid and ask together by whole price increments, at most
// max_step_bps of the bid (at least one increment); the bid stays positive
// and below the ask.
func TestWalkStepsAreBounded(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WalkStep(1); err == nil {
		t.Error("a step without a walk was taken")
	}
	// dogeusd at 0.15 with a 0.00001 increment: 30 bps is 45 ticks; a
	// large bps on a cheap symbol would reach zero without the reflection.
	for _, bps := range []int64{30, 5000} {
		if err := s.StartWalk(Walk{Seed: 3, MaxStepBps: bps}); err != nil {
			t.Fatal(err)
		}
		before := map[string]MarketView{}
		for _, m := range s.Markets() {
			before[m.Symbol] = m
		}
		for step := range 400 {
			if err := s.WalkStep(1); err != nil {
				t.Fatal(err)
			}
			for _, m := range s.Markets() {
				info, _ := lookupSymbol(m.Symbol)
				prev := before[m.Symbol]
				delta := m.Bid.Sub(prev.Bid).Abs()
				n := prev.Bid.Mul(decimal.New(bps, -4)).Div(info.QuoteIncrement).Floor()
				n = decimal.Max(n, decimal.NewFromInt(1))
				switch {
				case !m.Bid.IsPositive() || !m.Ask.GreaterThan(m.Bid):
					t.Fatalf("bps %d step %d: %s bid %s ask %s", bps, step, m.Symbol, m.Bid, m.Ask)
				case !isMultiple(m.Bid, info.QuoteIncrement) || !isMultiple(m.Ask, info.QuoteIncrement):
					t.Fatalf("bps %d step %d: %s off its increment: %s/%s", bps, step, m.Symbol, m.Bid, m.Ask)
				case delta.GreaterThan(n.Mul(info.QuoteIncrement)):
					t.Fatalf("bps %d step %d: %s moved %s, more than %s ticks", bps, step, m.Symbol, delta, n)
				case !m.Ask.Sub(m.Bid).Equal(prev.Ask.Sub(prev.Bid)):
					t.Fatalf("bps %d step %d: %s spread changed", bps, step, m.Symbol)
				}
				before[m.Symbol] = m
			}
		}
	}
	if st := s.WalkStatus(); st.Steps != 400 || st.Running || len(st.Symbols) != len(Symbols()) {
		t.Errorf("status %+v", st)
	}
}

// Resting orders the walk crosses fill at their own price, as when an
// admin moves the market; over HTTP, the admin API starts, steps and stops
// the walk, and it moves on its own on an interval.
func TestWalkFillsWhatItCrosses(t *testing.T) {
	ctx := context.Background()
	s, c := start(t, Options{})
	a := &AdminClient{URL: c.url}
	buy := c.order(t, map[string]any{"price": "63999.00"}) // a dollar under the bid
	sell := c.order(t, map[string]any{"side": "sell", "price": "64003.00", "amount": "0.01"})
	st, err := a.StartWalk(ctx, Walk{Seed: 1, MaxStepBps: 5, Symbols: []string{"BTCUSD"}})
	if err != nil || st.Running || st.Symbols[0] != "btcusd" {
		t.Fatalf("start: %+v %v", st, err)
	}
	for i := 0; i < 5000; i++ {
		b, _ := s.Order(buy["order_id"].(string))
		sl, _ := s.Order(sell["order_id"].(string))
		if !b.Live && !sl.Live {
			break
		}
		if _, err := a.WalkStep(ctx, 1); err != nil {
			t.Fatal(err)
		}
	}
	for _, o := range []map[string]any{buy, sell} {
		got, _ := s.Order(o["order_id"].(string))
		if got.Live || !got.Executed.Equal(d("0.01")) {
			t.Errorf("order %s not filled by the walk: %+v", o["order_id"], got)
		}
	}
	for _, tr := range s.Trades() {
		if tr.Aggressor {
			t.Errorf("a resting order filled as the aggressor: %+v", tr)
		}
		if !tr.Price.Equal(d("63999.00")) && !tr.Price.Equal(d("64003.00")) {
			t.Errorf("a fill away from its order's price: %+v", tr)
		}
	}
	if len(markets(s)) == 0 {
		t.Fatal("no markets")
	}
	// ethusd was not in the walk.
	for _, m := range s.Markets() {
		if m.Symbol == "ethusd" && !m.Bid.Equal(d("3200.00")) {
			t.Errorf("ethusd moved: %+v", m)
		}
	}
	st, err = a.StartWalk(ctx, Walk{Seed: 2, Interval: 1e6, Symbols: []string{"ethusd"}}) // 1 ms
	if err != nil || !st.Running {
		t.Fatalf("start on an interval: %+v %v", st, err)
	}
	for s.WalkStatus().Steps < 3 {
		runtime.Gosched() // the walk steps on its own
	}
	if st, err := a.StopWalk(ctx); err != nil || st.Running {
		t.Errorf("stop: %+v %v", st, err)
	}
}
