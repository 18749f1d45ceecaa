package gemini_test

import (
	"context"
	"testing"

	"github.com/shopspring/decimal"

	"orderform/gemini"
	"orderform/gemini/sim"
)

// The classification of the exchange's refusals, checked against what the
// simulator answers (its reasons are Gemini's): each refusal is its own
// kind and no other.
func TestClassifyAgainstSimulator(t *testing.T) {
	ctx := context.Background()
	d := decimal.RequireFromString
	classes := map[string]func(error) bool{
		"unknown symbol":     gemini.IsUnknownSymbol,
		"increment":          gemini.IsIncrementRejected,
		"bad secret":         gemini.IsBadSecret,
		"unknown key":        gemini.IsUnknownKey,
		"account mismatch":   gemini.IsAccountMismatch,
		"address forbidden":  gemini.IsAddressForbidden,
		"insufficient funds": gemini.IsInsufficientFunds,
	}
	s, c, cfg := simClient(t, sim.Options{}, nil)
	order := func(c *gemini.Client, price, amount string) error {
		_, err := c.NewOrder(ctx, gemini.NewOrder{Symbol: "btcusd", Side: "buy", Type: gemini.TypeLimit, Amount: d(amount), Price: d(price)})
		return err
	}
	client := func(key, secret string) *gemini.Client {
		cc := cfg
		cc.APIKey, cc.APISecret = key, secret
		c, err := gemini.New(cc)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	fault := func(reason string) error {
		s.SetFault(sim.Fault{Path: "/v1/roles", Kind: sim.FaultStatus, Status: 400, Reason: reason, Count: 1})
		_, err := c.Roles(ctx)
		return err
	}
	for _, tc := range []struct {
		class string
		err   func() error
	}{
		{"unknown symbol", func() error { _, err := c.SymbolDetails(ctx, "nosuchsym"); return err }},
		{"increment", func() error { return order(c, "1000.001", "0.001") }},
		{"increment", func() error { return order(c, "1000", "0.000000001") }},
		{"bad secret", func() error { _, err := client(sim.LocalKey, "wrong").Roles(ctx); return err }},
		{"unknown key", func() error { _, err := client("account-nobody", "x").Roles(ctx); return err }},
		{"account mismatch", func() error { return fault("MissingAccounts") }},
		{"account mismatch", func() error { return fault("InvalidAccountName") }},
		{"address forbidden", func() error { return fault("ApiKeyIpFilteringFailure") }},
		{"insufficient funds", func() error { return order(c, "1000", "1000000") }},
	} {
		err := tc.err()
		if err == nil {
			t.Errorf("%s: no error", tc.class)
			continue
		}
		for name, is := range classes {
			if got, want := is(err), name == tc.class; got != want {
				t.Errorf("%s: %v: classified as %s = %v, want %v", tc.class, err, name, got, want)
			}
		}
	}
}
