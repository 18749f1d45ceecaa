package gemini_test

import (
	"context"
	"strings"
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

// Case 11 of issue 12: reasons Gemini's own SDK maps, answered by the
// simulator, are classified and explained.
func TestErrorReasonsFromSimulator(t *testing.T) {
	noWait := func(c *gemini.Config) { c.Sleep = func(context.Context, time.Duration) error { return nil } }
	ctx := context.Background()
	order := gemini.NewOrder{ClientOrderID: "of:t:reasons", Symbol: "btcusd", Side: "buy", Type: gemini.TypeLimit,
		Amount: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("60000")}
	for _, tt := range []struct {
		reason, path string
		status       int
		call         func(*gemini.Client) error
		is           func(error) bool
		wantOK       bool   // the client recovers on its own (re-sign, retry)
		wantText     string // in the error
		wantRequests int    // to the path
	}{
		{"NoSuchOrder", "/v1/order/status", 404, func(c *gemini.Client) error {
			_, err := c.OrderStatusByClientID(ctx, "of:t:none")
			return err
		}, gemini.IsNotFound, false, "no such order", 1},
		{"GenericNonceError", "/v1/balances", 400, func(c *gemini.Client) error {
			_, err := c.Balances(ctx)
			return err
		}, gemini.IsNonce, true, "", 2},
		{"UsageLimit", "/v1/balances", 400, func(c *gemini.Client) error {
			_, err := c.Balances(ctx)
			return err
		}, gemini.IsRateLimited, true, "", 2},
		{"UsageLimit", "/v1/order/new", 400, func(c *gemini.Client) error {
			_, err := c.NewOrder(ctx, order)
			return err
		}, gemini.IsRateLimited, false, "rate limiting", 1},
		{"TradingClosed", "/v1/order/new", 400, func(c *gemini.Client) error {
			_, err := c.NewOrder(ctx, order)
			return err
		}, gemini.IsTradingClosed, false, "trading is closed", 1},
		{"MustAcceptTerms", "/v1/balances", 400, func(c *gemini.Client) error {
			_, err := c.Balances(ctx)
			return err
		}, gemini.IsTermsRequired, false, "accept Gemini's updated terms", 1},
		{"AcceptTermsRequired", "/v1/order/new", 400, func(c *gemini.Client) error {
			_, err := c.NewOrder(ctx, order)
			return err
		}, gemini.IsTermsRequired, false, "sign in at https://exchange.gemini.com", 1},
	} {
		t.Run(tt.reason+tt.path, func(t *testing.T) {
			s, c, _ := simClient(t, sim.Options{}, noWait)
			s.SetMarket("btcusd", decimal.RequireFromString("63000"), decimal.RequireFromString("63001"))
			s.SetFault(sim.Fault{Path: tt.path, Kind: sim.FaultStatus, Status: tt.status, Reason: tt.reason, Message: "as Gemini says it", Count: 1})
			err := tt.call(c)
			if n := s.Requests()[tt.path]; n != tt.wantRequests {
				t.Errorf("%d requests to %s, want %d", n, tt.path, tt.wantRequests)
			}
			if tt.wantOK {
				if err != nil {
					t.Fatalf("the client did not recover from %s: %v", tt.reason, err)
				}
				return
			}
			if err == nil || !tt.is(err) {
				t.Fatalf("err = %v, not classified as %s", err, tt.reason)
			}
			if gemini.IsAmbiguous(err) {
				t.Errorf("%s is a refusal, not ambiguous: %v", tt.reason, err)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q does not say %q", err, tt.wantText)
			}
			if tt.path == "/v1/order/new" {
				for _, o := range s.Orders() {
					t.Errorf("an order was placed despite %s: %+v", tt.reason, o)
				}
			}
		})
	}
}

// A time-based nonce is judged on the exchange's clock. With this machine's
// clock two minutes off, the first request is refused for its nonce (it
// did nothing); its answer teaches the client the exchange's clock, and the
// request signed again is accepted, as is every one after it.
func TestTimeNonceOnTheExchangesClock(t *testing.T) {
	for _, off := range []time.Duration{2 * time.Minute, -2 * time.Minute} {
		s, c, _ := simClient(t, sim.Options{Keys: []sim.Key{{Key: sim.LocalKey, Secret: sim.LocalSecret, TimeNonce: true}}},
			func(c *gemini.Config) { c.NonceMode = gemini.NonceTime })
		s.SetClockOffset(off)
		ctx := context.Background()
		if _, err := c.Balances(ctx); err != nil {
			t.Fatalf("offset %s: %v", off, err)
		}
		if n := s.Requests()["/v1/balances"]; n != 2 {
			t.Errorf("offset %s: the first call took %d requests, want 2", off, n)
		}
		for range 3 {
			if _, err := c.Roles(ctx); err != nil {
				t.Fatalf("offset %s: %v", off, err)
			}
		}
		if n := s.Requests()["/v1/roles"]; n != 3 {
			t.Errorf("offset %s: 3 calls took %d requests once the clock was known", off, n)
		}
	}
}
