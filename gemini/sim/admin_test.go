package sim

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestAdminHTTP(t *testing.T) {
	ctx := context.Background()
	s, c := start(t, Options{})
	a := &AdminClient{URL: c.url}
	o := c.order(t, map[string]any{"amount": "0.02"})
	id := o["order_id"].(string)

	ov, err := a.Fill(ctx, id, d("0.005"))
	if err != nil || !ov.Executed.Equal(d("0.005")) || !ov.Live {
		t.Fatalf("fill: %+v %v", ov, err)
	}
	m, err := a.SetMarket(ctx, "BTCUSD", d("59000.00"), d("59999.99"))
	if err != nil || m.Symbol != "btcusd" || !m.Ask.Equal(d("59999.99")) {
		t.Fatalf("price: %+v %v", m, err)
	}
	if got, _ := s.Order(id); got.Live || !got.Executed.Equal(d("0.02")) {
		t.Errorf("order after the market crossed it: %+v", got)
	}
	b, err := a.Fund(ctx, "eth", d("5.5"))
	if err != nil || b.Currency != "ETH" || !b.Amount.Equal(d("25.5")) {
		t.Errorf("fund: %+v %v", b, err)
	}
	orders, err := a.Orders(ctx)
	if err != nil || len(orders) != 1 || orders[0].ID != id {
		t.Errorf("orders: %+v %v", orders, err)
	}
	bals, err := a.Balances(ctx)
	if err != nil || len(bals) != len(s.Balances()) {
		t.Errorf("balances: %+v %v", bals, err)
	}
	if ms, err := a.Markets(ctx); err != nil || len(ms) != len(builtinSymbols) {
		t.Errorf("markets: %v %v", ms, err)
	}
	if err := a.SetFault(ctx, Fault{Path: "/v1/symbols", Kind: FaultStatus, Status: 502, RetryAfter: 2}); err != nil {
		t.Fatal(err)
	}
	if got := s.Faults(); len(got) != 1 || got[0].Status != 502 || got[0].Kind != FaultStatus {
		t.Errorf("faults: %+v", got)
	}
	checkEnvelope(t, c.get(t, "/v1/symbols"), 502, ReasonSystem)
	if err := a.ClearFaults(ctx); err != nil || len(s.Faults()) != 0 {
		t.Errorf("clear: %v %v", err, s.Faults())
	}

	for _, tc := range []struct {
		name   string
		err    error
		status int
		reason string
	}{
		{"unknown symbol", second(a.SetMarket(ctx, "nosuch", d("1"), d("2"))), 400, ReasonInvalidSymbol},
		{"crossed market", second(a.SetMarket(ctx, "btcusd", d("2"), d("1"))), 400, ReasonAdmin},
		{"unknown currency", second(a.Fund(ctx, "XYZ", d("1"))), 400, ReasonAdmin},
		{"overdraw", second(a.Fund(ctx, "USD", d("-1000000"))), 406, ReasonInsufficientFunds},
		{"unknown order", second(a.Fill(ctx, "9007199254740991", d("1"))), 404, ReasonOrderNotFound},
		{"order id not a number", second(a.Fill(ctx, "abc", d("1"))), 400, ReasonInvalidOrderID},
		{"filled order", second(a.Fill(ctx, id, d("0"))), 400, ReasonAdmin},
		{"unknown fault kind", a.do(ctx, http.MethodPost, "/admin/fault", map[string]any{"kind": "gremlins"}, nil), 400, ReasonAdmin},
		{"unknown field", a.do(ctx, http.MethodPost, "/admin/fund", map[string]any{"currency": "USD", "amount": "1", "x": 1}, nil), 400, ReasonAdmin},
		{"unknown admin path", a.do(ctx, http.MethodGet, "/admin/nothing", nil, nil), 404, ReasonEndpointNotFound},
	} {
		var e *Error
		if !errors.As(tc.err, &e) || e.Status != tc.status || e.Reason != tc.reason || e.Message == "" {
			t.Errorf("%s: %v, want HTTP %d %s", tc.name, tc.err, tc.status, tc.reason)
		}
	}
	// Admin requests are not counted with Gemini's.
	for p := range s.Requests() {
		if strings.HasPrefix(p, "/admin") {
			t.Errorf("admin path %s counted", p)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestOptionsValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		keys []Key
	}{
		{"empty secret", []Key{{Key: "account-a"}}},
		{"duplicate", []Key{{Key: "account-a", Secret: "x"}, {Key: "account-a", Secret: "y"}}},
		{"unknown role", []Key{{Key: "account-a", Secret: "x", Roles: []string{"admin"}}}},
		{"auditor and trader", []Key{{Key: "account-a", Secret: "x", Roles: []string{"auditor", "trader"}}}},
	} {
		if _, err := New(Options{Keys: tc.keys}); err == nil {
			t.Errorf("%s: New accepted %+v", tc.name, tc.keys)
		}
	}
	if !IsLoopback("127.0.0.1:8399") || !IsLoopback("[::1]:1") || !IsLoopback("localhost:80") || IsLoopback(":8399") || IsLoopback("0.0.0.0:1") || IsLoopback("10.0.0.1:1") {
		t.Error("IsLoopback")
	}
}
