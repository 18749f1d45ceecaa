package gemini_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"orderform/gemini"
	"orderform/gemini/sim"
)

// simClient serves a fresh simulator with opts on loopback and returns it
// with a client of its local key; edit may change the client's config.
func simClient(t *testing.T, opts sim.Options, edit func(*gemini.Config)) (*sim.Server, *gemini.Client, gemini.Config) {
	t.Helper()
	s, err := sim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	url, stop, err := sim.Serve(t.Context(), s, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop() })
	cfg := gemini.Config{BaseURL: url, APIKey: sim.LocalKey, APISecret: sim.LocalSecret, PrivateRate: -1, PublicRate: -1}
	if edit != nil {
		edit(&cfg)
	}
	c, err := gemini.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, c, cfg
}

// The client learns the exchange's clock from the simulator's answers: the
// Date header first, then the millisecond timestampms of a placed order.
func TestClockLearnedFromSimulator(t *testing.T) {
	const ahead = 3 * time.Minute
	simNow := func() time.Time { return time.Now().Add(ahead) }
	s, c, _ := simClient(t, sim.Options{Now: simNow}, nil)
	ctx := context.Background()
	if _, known := c.ClockOffset(); known {
		t.Fatal("offset known before any answer")
	}
	if _, err := c.Balances(ctx); err != nil {
		t.Fatal(err)
	}
	d, known := c.ClockOffset()
	if !known || d < ahead-2*time.Second || d > ahead+2*time.Second {
		t.Fatalf("after one answer: offset %s, %t; want about %s", d, known, ahead)
	}
	lo, hi, _ := c.ClockBounds()
	if lo > ahead || hi < ahead-100*time.Millisecond {
		t.Fatalf("bounds [%s, %s] do not contain the offset %s", lo, hi, ahead)
	}
	s.SetMarket("btcusd", decimal.RequireFromString("63000"), decimal.RequireFromString("63001"))
	if _, err := c.NewOrder(ctx, gemini.NewOrder{ClientOrderID: "of:t:clock", Symbol: "btcusd", Side: "buy",
		Type: gemini.TypeLimit, Amount: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("60000")}); err != nil {
		t.Fatal(err)
	}
	lo2, hi2, _ := c.ClockBounds()
	if hi2-lo2 >= hi-lo || hi2-lo2 > time.Second {
		t.Errorf("a placed order's timestampms did not narrow the bounds: [%s, %s] then [%s, %s]", lo, hi, lo2, hi2)
	}
	if got, want := c.ExchangeNow(), simNow(); got.Sub(want).Abs() > time.Second {
		t.Errorf("ExchangeNow = %s, the simulator's clock %s", got, want)
	}
	if d, skewed := c.ClockSkewed(); !skewed {
		t.Errorf("ClockSkewed = %s, false; want a skew of %s reported", d, ahead)
	}
}

// A simulator on this machine's clock shows no skew.
func TestClockNoSkew(t *testing.T) {
	_, c, _ := simClient(t, sim.Options{}, nil)
	if _, err := c.Balances(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d, skewed := c.ClockSkewed(); skewed || d.Abs() > 2*time.Second {
		t.Errorf("ClockSkewed = %s, %t against a simulator on the same clock", d, skewed)
	}
}
