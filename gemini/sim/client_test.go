package sim_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"orderform/gemini"
	"orderform/gemini/sim"
)

// TestWithClient drives the simulator with the project's own client, the
// way the local environment does: through HTTP, signing and nonces.
func TestWithClient(t *testing.T) {
	ctx := context.Background()
	s, err := sim.New(sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	url, stop, err := sim.Serve(ctx, s, "")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	c, err := gemini.New(gemini.Config{
		BaseURL: url, APIKey: sim.LocalKey, APISecret: sim.LocalSecret, PrivateRate: -1, PublicRate: -1,
		Sleep: func(context.Context, time.Duration) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	dec := decimal.RequireFromString

	det, err := c.SymbolDetails(ctx, "btcusd")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("details: %+v", det)
	if _, err := c.Ticker(ctx, "ethusd"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PriceFeed(ctx); err != nil {
		t.Fatal(err)
	}
	if r, err := c.Roles(ctx); err != nil {
		t.Fatalf("roles: %v %+v", err, r)
	}
	bals, err := c.Balances(ctx)
	if err != nil || len(bals) == 0 {
		t.Fatalf("balances: %v %v", bals, err)
	}

	o, err := c.NewOrder(ctx, gemini.NewOrder{ClientOrderID: "of:t:0000000000000001", Symbol: "btcusd", Side: "buy",
		Type: gemini.TypeLimit, Amount: dec("0.001"), Price: dec("60000.00"), Options: []string{"maker-or-cancel"}})
	if err != nil {
		t.Fatal(err)
	}
	if !o.IsLive || o.OrderID != "9007199254740993" || o.ClientOrderID != "of:t:0000000000000001" {
		t.Errorf("placed: %+v", o)
	}
	active, err := c.ActiveOrders(ctx)
	if err != nil || len(active) != 1 || active[0].OrderID != o.OrderID {
		t.Errorf("active: %+v %v", active, err)
	}
	st, err := c.OrderStatus(ctx, o.OrderID)
	if err != nil || !st.Price.Equal(dec("60000")) {
		t.Errorf("status: %+v %v", st, err)
	}
	byCID, err := c.OrderStatusByClientID(ctx, "of:t:0000000000000001")
	if err != nil || len(byCID) != 1 {
		t.Errorf("status by client id: %+v %v", byCID, err)
	}
	cancelled, err := c.CancelOrder(ctx, o.OrderID)
	if err != nil || !cancelled.IsCancelled {
		t.Errorf("cancel: %+v %v", cancelled, err)
	}
	if _, err := c.OrderStatus(ctx, "9007199254740991"); !gemini.IsNotFound(err) {
		t.Errorf("unknown order: %v", err)
	}
	_, err = c.NewOrder(ctx, gemini.NewOrder{Symbol: "btcusd", Side: "buy", Type: gemini.TypeLimit, Amount: dec("100"), Price: dec("60000.00")})
	if !gemini.IsInsufficientFunds(err) {
		t.Errorf("huge buy: %v", err)
	}
	hist, err := c.OrdersHistory(ctx, gemini.HistoryQuery{Symbol: "btcusd"})
	if err != nil || len(hist) != 1 {
		t.Errorf("history: %+v %v", hist, err)
	}

	// The ambiguous case: the order is placed, the answer lost.
	s.SetFault(sim.Fault{Path: "/v1/order/new", Kind: sim.FaultLoseResponse, Count: 1})
	_, err = c.NewOrder(ctx, gemini.NewOrder{ClientOrderID: "of:t:lost", Symbol: "btcusd", Side: "sell",
		Type: gemini.TypeLimit, Amount: dec("0.001"), Price: dec("70000.00")})
	if err == nil {
		t.Error("a lost response came back as success")
	}
	if got, err := c.OrderStatusByClientID(ctx, "of:t:lost"); err != nil || len(got) != 1 || !got[0].IsLive {
		t.Errorf("the order behind the lost response: %+v %v", got, err)
	}

	// Reads are retried after 429 and 503.
	s.ResetRequests()
	s.SetFault(sim.Fault{Path: "/v1/orders", Kind: sim.FaultStatus, Status: 429, RetryAfter: 1, Count: 1})
	s.SetFault(sim.Fault{Path: "/v1/balances", Kind: sim.FaultStatus, Status: 503, Count: 1})
	if _, err := c.ActiveOrders(ctx); err != nil {
		t.Errorf("active orders after a 429: %v", err)
	}
	if _, err := c.Balances(ctx); err != nil {
		t.Errorf("balances after a 503: %v", err)
	}
	if got := s.Requests(); got["/v1/orders"] != 2 || got["/v1/balances"] != 2 {
		t.Errorf("requests: %v, want each read twice", got)
	}
	var apiErr *gemini.APIError
	s.SetFault(sim.Fault{Path: "/v1/order/new", Kind: sim.FaultStatus, Status: 503, Count: 1})
	_, err = c.NewOrder(ctx, gemini.NewOrder{Symbol: "btcusd", Side: "buy", Type: gemini.TypeLimit, Amount: dec("0.001"), Price: dec("60000.00")})
	if !errors.As(err, &apiErr) || apiErr.Status != 503 {
		t.Errorf("order/new under a 503 fault: %v (never retried blindly)", err)
	}
}

// The simulator pages history the way the client's walk needs, and the
// client's check of the paging direction agrees: more than a page of
// closed orders reads in full, without ErrHistoryTruncated.
func TestWithClientLongHistory(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	clock := time.Unix(1700000000, 0)
	s, err := sim.New(sim.Options{Now: func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(time.Millisecond)
		return clock
	}})
	if err != nil {
		t.Fatal(err)
	}
	url, stop, err := sim.Serve(ctx, s, "")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	c, err := gemini.New(gemini.Config{
		BaseURL: url, APIKey: sim.LocalKey, APISecret: sim.LocalSecret, PrivateRate: -1, PublicRate: -1,
		Sleep: func(context.Context, time.Duration) error { return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	const n = 520
	for i := range n {
		o, err := c.NewOrder(ctx, gemini.NewOrder{Symbol: "btcusd", Side: "buy", Type: gemini.TypeLimit,
			Amount: decimal.RequireFromString("0.001"), Price: decimal.NewFromInt(int64(50000 + i))})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.CancelOrder(ctx, o.OrderID); err != nil {
			t.Fatal(err)
		}
	}
	got, err := c.AllOrdersHistory(ctx, "btcusd", 0)
	if err != nil || len(got) != n {
		t.Fatalf("read %d of %d closed orders, err %v", len(got), n, err)
	}
}
