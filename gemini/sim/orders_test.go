package sim

import (
	"encoding/json"
	"math/big"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func TestPublicShapes(t *testing.T) {
	_, c := start(t, Options{})

	r := c.get(t, "/v1/symbols")
	var syms []string
	if err := json.Unmarshal(r.body, &syms); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"btcusd", "ethusd", "solusd", "ethbtc", "dogeusd", "xrpusd", "ltcusd", "linkusd"} {
		if !contains(syms, want) {
			t.Errorf("/v1/symbols lacks %s: %v", want, syms)
		}
	}

	r = c.get(t, "/v1/symbols/details/BTCUSD")
	got := r.object()
	want := map[string]any{
		"symbol": "BTCUSD", "base_currency": "BTC", "quote_currency": "USD",
		"tick_size": json.Number("0.00000001"), "quote_increment": json.Number("0.01"), "min_order_size": "0.00001",
		"status": "open", "wrap_enabled": false, "product_type": "spot", "contract_type": "vanilla",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("symbol details (-want +got):\n%s", diff)
	}

	r = c.get(t, "/v1/pubticker/ethusd")
	got = r.object()
	vol, _ := got["volume"].(map[string]any)
	if got["bid"] != "3200" || got["ask"] != "3200.5" || vol == nil || vol["ETH"] == nil || vol["USD"] == nil || vol["timestamp"] == nil {
		t.Errorf("pubticker: %s", r.body)
	}

	r = c.get(t, "/v1/pricefeed")
	feed := r.array()
	if len(feed) != len(builtinSymbols) || feed[0]["pair"] != strings.ToUpper(feed[0]["pair"].(string)) || feed[0]["price"] == nil {
		t.Errorf("pricefeed: %s", r.body)
	}
	if r := c.get(t, "/v2/ticker/btcusd"); r.status != 200 || r.object()["symbol"] != "BTCUSD" {
		t.Errorf("v2 ticker: %d %s", r.status, r.body)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// orderKeys are the fields of Gemini's order object that are always there.
var orderKeys = []string{
	"avg_execution_price", "exchange", "executed_amount", "id", "is_cancelled", "is_hidden", "is_live",
	"options", "order_id", "original_amount", "price", "remaining_amount", "side", "symbol", "timestamp",
	"timestampms", "type", "was_forced",
}

func keysOf(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func TestOrderLifecycle(t *testing.T) {
	s, c := start(t, Options{})
	plain := c.order(t, nil)
	if diff := cmp.Diff(orderKeys, keysOf(plain)); diff != "" {
		t.Errorf("order without client id: keys (-want +got):\n%s", diff)
	}
	o := c.order(t, map[string]any{"client_order_id": "of:grid:0123456789abcdef"})
	id, _ := o["order_id"].(string)
	n, ok := new(big.Int).SetString(id, 10)
	if !ok || o["id"] != id || n.Cmp(new(big.Int).Lsh(big.NewInt(1), 53)) <= 0 || n.Bit(0) != 1 {
		t.Errorf("order id %v: want an odd decimal string above 2^53, same as id", o["order_id"])
	}
	if f, _ := new(big.Float).SetInt(n).Float64(); big.NewFloat(f).Cmp(new(big.Float).SetInt(n)) == 0 {
		t.Errorf("order id %s survives float64; ids should catch float parsing", id)
	}
	want := map[string]any{
		"order_id": id, "id": id, "symbol": "btcusd", "exchange": "gemini", "avg_execution_price": "0.00",
		"side": "buy", "type": "exchange limit", "is_live": true, "is_cancelled": false, "is_hidden": false,
		"was_forced": false, "executed_amount": "0", "remaining_amount": "0.01", "original_amount": "0.01",
		"client_order_id": "of:grid:0123456789abcdef", "options": []any{}, "price": "60000",
	}
	ignoreTime := func(m map[string]any) map[string]any {
		if _, ok := m["timestamp"].(string); !ok {
			t.Errorf("timestamp %v is not a string", m["timestamp"])
		}
		if _, ok := m["timestampms"].(json.Number); !ok {
			t.Errorf("timestampms %v is not a number", m["timestampms"])
		}
		delete(m, "timestamp")
		delete(m, "timestampms")
		return m
	}
	if diff := cmp.Diff(want, ignoreTime(o)); diff != "" {
		t.Errorf("new order (-want +got):\n%s", diff)
	}

	active := c.post(t, "/v1/orders", nil).array()
	if len(active) != 2 || active[1]["order_id"] != id {
		t.Errorf("active orders: %v", active)
	}
	byID := c.post(t, "/v1/order/status", map[string]any{"order_id": id}).object()
	if diff := cmp.Diff(want, ignoreTime(byID)); diff != "" {
		t.Errorf("status by id (-want +got):\n%s", diff)
	}
	byNumber := c.post(t, "/v1/order/status", map[string]any{"order_id": json.Number(id)}).object()
	if byNumber["order_id"] != id {
		t.Errorf("status by numeric id %s: %v", id, byNumber)
	}
	byCID := c.post(t, "/v1/order/status", map[string]any{"client_order_id": "of:grid:0123456789abcdef"}).array()
	if len(byCID) != 1 || byCID[0]["order_id"] != id {
		t.Errorf("status by client id: %v", byCID)
	}

	usd := s.Balances()["USD"]
	if want := d("100000").Sub(d("1204.2")); !usd.Available.Equal(want) || !usd.Amount.Equal(d("100000")) {
		t.Errorf("USD after two 0.01 buys at 60000: %+v, want available %s (holds include the 35 bps fee)", usd, want)
	}

	cancelled := c.post(t, "/v1/order/cancel", map[string]any{"order_id": id}).object()
	if cancelled["is_cancelled"] != true || cancelled["is_live"] != false || cancelled["reason"] != "Requested" {
		t.Errorf("cancel: %v", cancelled)
	}
	again := c.post(t, "/v1/order/cancel", map[string]any{"order_id": id})
	if again.status != 200 || again.object()["is_cancelled"] != true {
		t.Errorf("second cancel: %d %s", again.status, again.body)
	}
	if usd := s.Balances()["USD"]; !usd.Available.Equal(d("99397.9")) {
		t.Errorf("USD after cancel: %+v", usd)
	}
	// A second order with the same client id: status by client id lists both, newest first.
	o2 := c.order(t, map[string]any{"client_order_id": "of:grid:0123456789abcdef"})
	both := c.post(t, "/v1/order/status", map[string]any{"client_order_id": "of:grid:0123456789abcdef"}).array()
	if len(both) != 2 || both[0]["order_id"] != o2["order_id"] || both[1]["order_id"] != id {
		t.Errorf("status by shared client id: %v", both)
	}
	hist := c.post(t, "/v1/orders/history", nil).array()
	if len(hist) != 1 || hist[0]["order_id"] != id || hist[0]["trades"] == nil {
		t.Errorf("history: %v", hist)
	}
	cancelledAll := c.post(t, "/v1/order/cancel/session", nil).object()
	if d := cancelledAll["details"].(map[string]any); len(d["cancelledOrders"].([]any)) != 2 {
		t.Errorf("cancel/session: %v", cancelledAll)
	}
	if len(c.post(t, "/v1/orders", nil).array()) != 0 {
		t.Error("orders live after cancel/session")
	}
}

func mustDec(t *testing.T, m map[string]any, field, want string) {
	t.Helper()
	if got := dec(t, m[field]); !got.Equal(d(want)) {
		t.Errorf("%s = %s, want %s (order %v)", field, got, want, m)
	}
}

func TestMatching(t *testing.T) {
	s, c := start(t, Options{}) // btcusd 64000 / 64001, maker 10 bps, taker 35 bps
	bal := func(cur string) BalanceView { return s.Balances()[cur] }

	// A buy that crosses trades at once at the ask, as a taker.
	o := c.order(t, map[string]any{"price": "65000.00"})
	if o["is_live"] != false || o["is_cancelled"] != false {
		t.Errorf("crossing buy: %v", o)
	}
	mustDec(t, o, "executed_amount", "0.01")
	mustDec(t, o, "remaining_amount", "0")
	mustDec(t, o, "avg_execution_price", "64001")
	// 0.01 × 64001 = 640.01, fee 35 bps = 2.2400350
	if got := bal("USD"); !got.Amount.Equal(d("100000").Sub(d("642.250035"))) || !got.Available.Equal(got.Amount) {
		t.Errorf("USD after taker buy: %+v", got)
	}
	if got := bal("BTC"); !got.Amount.Equal(d("2.01")) {
		t.Errorf("BTC after taker buy: %+v", got)
	}

	// Execution options.
	for _, tc := range []struct {
		opt, price, reason string
	}{
		{"maker-or-cancel", "64001.00", "MakerOrCancelWouldTake"},
		{"immediate-or-cancel", "63000.00", "ImmediateOrCancelWouldPost"},
		{"fill-or-kill", "63000.00", "FillOrKillWouldNotFill"},
	} {
		before := s.Balances()
		o := c.order(t, map[string]any{"price": tc.price, "options": []string{tc.opt}})
		if o["is_cancelled"] != true || o["is_live"] != false || o["reason"] != tc.reason {
			t.Errorf("%s at %s: %v, want cancelled %s", tc.opt, tc.price, o, tc.reason)
		}
		if diff := cmp.Diff(before, s.Balances()); diff != "" {
			t.Errorf("%s moved balances:\n%s", tc.opt, diff)
		}
	}
	ioc := c.order(t, map[string]any{"price": "64001.00", "options": []string{"immediate-or-cancel"}})
	mustDec(t, ioc, "executed_amount", "0.01")
	if opts := ioc["options"].([]any); len(opts) != 1 || opts[0] != "immediate-or-cancel" {
		t.Errorf("options not echoed: %v", ioc)
	}
	moc := c.order(t, map[string]any{"price": "63999.00", "options": []string{"maker-or-cancel"}})
	if moc["is_live"] != true {
		t.Errorf("maker-or-cancel below the ask should rest: %v", moc)
	}

	// A resting sell fills in full, at its price, when the market crosses it.
	sell := c.order(t, map[string]any{"side": "sell", "price": "66000.00", "amount": "0.5"})
	if got := bal("BTC"); !got.Available.Equal(got.Amount.Sub(d("0.5"))) {
		t.Errorf("sell hold: %+v", got)
	}
	usdBefore := bal("USD").Amount
	if err := s.SetMarket("btcusd", d("66000.00"), d("66001.00")); err != nil {
		t.Fatal(err)
	}
	st := c.post(t, "/v1/order/status", map[string]any{"order_id": sell["order_id"], "include_trades": true}).object()
	mustDec(t, st, "executed_amount", "0.5")
	mustDec(t, st, "avg_execution_price", "66000")
	trades := st["trades"].([]any)
	if len(trades) != 1 || trades[0].(map[string]any)["aggressor"] != false || trades[0].(map[string]any)["type"] != "Sell" {
		t.Errorf("trades of the filled sell: %v", trades)
	}
	// 0.5 × 66000 = 33000, maker fee 10 bps = 33
	if got := bal("USD").Amount.Sub(usdBefore); !got.Equal(d("32967")) {
		t.Errorf("USD from the maker sell: %s, want 32967", got)
	}
	// The resting maker-or-cancel buy at 63999 was not crossed by a rising market.
	if o, _ := s.Order(moc["order_id"].(string)); !o.Live {
		t.Errorf("buy at 63999 filled by a rising market: %+v", o)
	}

	// Partial fills through the admin API.
	buy := c.order(t, map[string]any{"price": "60000.00", "amount": "0.02"})
	id := buy["order_id"].(string)
	if err := s.Fill(id, d("0.005")); err != nil {
		t.Fatal(err)
	}
	ov, _ := s.Order(id)
	if !ov.Live || !ov.Executed.Equal(d("0.005")) || !ov.Remaining.Equal(d("0.015")) || !ov.Hold.Equal(d("0.015").Mul(d("60000")).Mul(d("1.0035"))) {
		t.Errorf("after a partial fill: %+v", ov)
	}
	if err := s.Fill(id, d("0.1")); err == nil {
		t.Error("filling more than remains succeeded")
	}
	if err := s.Fill(id, decimal.Zero); err != nil {
		t.Fatal(err)
	}
	if ov, _ := s.Order(id); ov.Live || !ov.Executed.Equal(d("0.02")) || !ov.Hold.IsZero() {
		t.Errorf("after filling the rest: %+v", ov)
	}
	if err := s.Fill(id, decimal.Zero); err == nil {
		t.Error("filling a filled order succeeded")
	}
	if r := c.post(t, "/v1/order/cancel", map[string]any{"order_id": id}); r.status != 200 || r.object()["is_cancelled"] != false {
		t.Errorf("cancel of a filled order: %d %s, want its status", r.status, r.body)
	}

	// Self-cross: a buy that would meet the account's own resting sell.
	c.order(t, map[string]any{"side": "sell", "price": "66000.50", "amount": "0.01"})
	x := c.order(t, map[string]any{"price": "66000.50"})
	if x["reason"] != "SelfCrossPrevented" || x["is_cancelled"] != true {
		t.Errorf("self-crossing buy: %v", x)
	}
}

func TestStopLimit(t *testing.T) {
	s, c := start(t, Options{})
	sell := c.order(t, map[string]any{"type": "exchange stop limit", "side": "sell", "amount": "0.1", "price": "59000.00", "stop_price": "59500.00"})
	if sell["is_live"] != true || sell["stop_price"] != "59500" {
		t.Fatalf("stop sell: %v", sell)
	}
	buy := c.order(t, map[string]any{"type": "exchange stop limit", "side": "buy", "amount": "0.1", "price": "66500.00", "stop_price": "66000.00"})
	id := sell["order_id"].(string)
	if err := s.Fill(id, decimal.Zero); err == nil {
		t.Error("filled a stop order whose stop was not reached")
	}
	// Not reached: bid 59600 > stop 59500.
	s.SetMarket("btcusd", d("59600.00"), d("59601.00"))
	if o, _ := s.Order(id); o.Triggered || !o.Executed.IsZero() {
		t.Errorf("stop triggered early: %+v", o)
	}
	// Reached: bid 59400 <= 59500; the limit 59000 crosses the bid, so it trades at 59400.
	s.SetMarket("btcusd", d("59400.00"), d("59401.00"))
	if o, _ := s.Order(id); !o.Triggered || o.Live || !o.AvgPrice.Equal(d("59400")) {
		t.Errorf("stop sell after the market fell through it: %+v", o)
	}
	s.SetMarket("btcusd", d("66100.00"), d("66101.00"))
	if o, _ := s.Order(buy["order_id"].(string)); !o.Triggered || o.Live || !o.AvgPrice.Equal(d("66101")) {
		t.Errorf("stop buy after the market rose through it: %+v", o)
	}
	// A stop already reached when placed triggers at once and rests if its limit does not cross.
	o := c.order(t, map[string]any{"type": "exchange stop limit", "side": "buy", "amount": "0.1", "price": "66050.00", "stop_price": "66000.00"})
	if ov, _ := s.Order(o["order_id"].(string)); !ov.Triggered || !ov.Live {
		t.Errorf("stop placed beyond the market: %+v", ov)
	}
}

func TestHistoryAndTrades(t *testing.T) {
	now := fixedNow
	s, c := start(t, Options{Now: func() time.Time { return now }})
	var ids []string
	for i := 0; i < 5; i++ {
		now = now.Add(time.Second)
		o := c.order(t, map[string]any{"price": "65000.00", "amount": "0.001"}) // fills at once
		ids = append(ids, o["order_id"].(string))
	}
	_ = s
	page := func(fields map[string]any) []string {
		var out []string
		for _, o := range c.post(t, "/v1/orders/history", fields).array() {
			out = append(out, o["order_id"].(string))
		}
		return out
	}
	if diff := cmp.Diff([]string{ids[4], ids[3]}, page(map[string]any{"limit_orders": 2})); diff != "" {
		t.Errorf("newest page (-want +got):\n%s", diff)
	}
	// Forward paging from a timestamp: the oldest two at or after it, newest first.
	since := fixedNow.Add(2 * time.Second).Unix() // seconds
	if diff := cmp.Diff([]string{ids[2], ids[1]}, page(map[string]any{"limit_orders": 2, "timestamp": since})); diff != "" {
		t.Errorf("page from %d (-want +got):\n%s", since, diff)
	}
	sinceMs := fixedNow.Add(4 * time.Second).UnixMilli()
	if diff := cmp.Diff([]string{ids[4], ids[3]}, page(map[string]any{"timestamp": sinceMs})); diff != "" {
		t.Errorf("page from ms %d (-want +got):\n%s", sinceMs, diff)
	}
	if got := page(map[string]any{"symbol": "ethusd"}); len(got) != 0 {
		t.Errorf("ethusd history: %v", got)
	}
	trades := c.post(t, "/v1/mytrades", map[string]any{"symbol": "btcusd", "limit_trades": 3}).array()
	if len(trades) != 3 || trades[0]["order_id"] != ids[4] || trades[0]["aggressor"] != true || trades[0]["fee_currency"] != "USD" {
		t.Errorf("mytrades: %v", trades)
	}
}
