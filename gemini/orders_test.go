package gemini

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// Order ids above 2^53 survive both ways: sent as a number literal made from
// the digits, read back from a string or a number.
func TestOrderIDRoundTrip(t *testing.T) {
	for _, id := range []string{"9007199254740993", "1234567890123456789", "18446744073709551615"} {
		for _, quoted := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s quoted=%t", id, quoted), func(t *testing.T) {
				f := newFake(t, func(w http.ResponseWriter, r *http.Request, p map[string]any) {
					got, _ := p["order_id"].(json.Number)
					if string(got) != id {
						t.Errorf("payload order_id = %v, want the number %s", p["order_id"], id)
					}
					idJSON := id
					if quoted {
						idJSON = `"` + id + `"`
					}
					replyJSON(w, 200, fmt.Sprintf(`{"order_id":%s,"id":%s,"symbol":"btcusd","is_live":false,"is_cancelled":true,"reason":"Requested","price":"1.5","original_amount":"2","executed_amount":"0","remaining_amount":"2"}`, idJSON, idJSON))
				})
				c, _ := testClient(t, f, nil)
				o, err := c.CancelOrder(context.Background(), id)
				if err != nil {
					t.Fatal(err)
				}
				if o.OrderID != id {
					t.Errorf("OrderID = %s, want %s", o.OrderID, id)
				}
				if !strings.Contains(f.rawPayload[0], `"order_id":`+id+`}`) {
					t.Errorf("payload %s does not carry the id as a number", f.rawPayload[0])
				}
			})
		}
	}
	c, _ := testClient(t, newFake(t, nil), nil)
	for _, bad := range []string{"", "12a", "1e10", "-1", "1 ", `1,"x":2`} {
		if _, err := c.CancelOrder(context.Background(), bad); err == nil {
			t.Errorf("CancelOrder(%q) succeeded", bad)
		}
	}
	if len(c.Stats()) != 0 {
		t.Errorf("bad ids were sent: %v", c.Stats())
	}
}

func TestOrderDecoding(t *testing.T) {
	var w wireOrder
	if err := json.Unmarshal([]byte(orderJSON), &w); err != nil {
		t.Fatal(err)
	}
	d := decimal.RequireFromString
	want := Order{
		OrderID: "106817811", ClientOrderID: "20190110-4738721", Symbol: "btcusd", Exchange: "gemini",
		Side: "buy", Type: "exchange limit", Price: d("3633.00"), OriginalAmount: d("5"),
		ExecutedAmount: d("3.7567928949"), RemainingAmount: d("1.2432071051"),
		AvgExecutionPrice: d("3632.8508430064554"), Options: []string{}, IsLive: true, TimestampMS: 1547220404836,
	}
	if diff := cmp.Diff(want, w.order()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	// id only, timestamp in seconds only, stop price, numbers for decimals.
	var w2 wireOrder
	body := `{"id":12345678901234567890,"timestamp":"1547220404","type":"exchange stop limit","stop_price":"10000","price":10500.5,"original_amount":"0.1"}`
	if err := json.Unmarshal([]byte(body), &w2); err != nil {
		t.Fatal(err)
	}
	o := w2.order()
	// remaining_amount is absent, as in Gemini's stop-limit example: it is
	// what is left of the original amount, not zero.
	if o.OrderID != "12345678901234567890" || o.TimestampMS != 1547220404000 || !o.StopPrice.Equal(d("10000")) ||
		o.Price.String() != "10500.5" || !o.RemainingAmount.Equal(d("0.1")) {
		t.Errorf("order = %+v", o)
	}
}

// tick_size arrives as a JSON number, possibly 1e-08; it parses exactly.
func TestSymbolDetails(t *testing.T) {
	tests := []struct {
		tick, quote, min string
		wantTick         string
		wantQuote        string
	}{
		{`1e-08`, `0.01`, `"0.00001"`, "0.00000001", "0.01"},
		{`1E-8`, `0.01`, `"0.00001"`, "0.00000001", "0.01"},
		{`0.00000001`, `1e-2`, `"0.00001"`, "0.00000001", "0.01"},
		{`"0.000001"`, `"0.05"`, `0.001`, "0.000001", "0.05"},
	}
	for _, tt := range tests {
		t.Run(tt.tick, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
				if r.URL.Path != "/v1/symbols/details/btcusd" {
					t.Errorf("path %s", r.URL.Path)
				}
				replyJSON(w, 200, `{"symbol":"BTCUSD","base_currency":"BTC","quote_currency":"USD","tick_size":`+tt.tick+
					`,"quote_increment":`+tt.quote+`,"min_order_size":`+tt.min+`,"status":"open","wrap_enabled":false,"product_type":"spot"}`)
			})
			c, _ := testClient(t, f, nil)
			got, err := c.SymbolDetails(context.Background(), "btcusd")
			if err != nil {
				t.Fatal(err)
			}
			if !got.AmountIncrement.Equal(decimal.New(1, 0).Shift(-8)) && tt.wantTick == "0.00000001" {
				t.Errorf("AmountIncrement = %s, want exactly 1e-8", got.AmountIncrement)
			}
			if got.AmountIncrement.String() != tt.wantTick || got.PriceIncrement.String() != tt.wantQuote {
				t.Errorf("increments = %s, %s; want %s, %s", got.AmountIncrement, got.PriceIncrement, tt.wantTick, tt.wantQuote)
			}
			if got.Symbol != "BTCUSD" || got.BaseCurrency != "BTC" || got.QuoteCurrency != "USD" ||
				got.Status != "open" || got.ProductType != "spot" || got.MinOrderSize.IsZero() {
				t.Errorf("details = %+v", got)
			}
		})
	}
}

func TestPublicReads(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
		switch r.URL.Path {
		case "/v1/symbols":
			replyJSON(w, 200, `["btcusd","ethusd"]`)
		case "/v1/pricefeed":
			replyJSON(w, 200, `[{"pair":"BTCUSD","price":"64000.12","percentChange24h":"-0.0123"},{"pair":"ETHUSD","price":"3000","percentChange24h":"0.5"}]`)
		default:
			geminiError(w, 404, "EndpointNotFound", "API entry point not found")
		}
	})
	c, _ := testClient(t, f, nil)
	ctx := context.Background()
	syms, err := c.Symbols(ctx)
	if err != nil || !cmp.Equal(syms, []string{"btcusd", "ethusd"}) {
		t.Errorf("Symbols = %v, %v", syms, err)
	}
	feed, err := c.PriceFeed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(feed) != 2 || feed[0].Pair != "BTCUSD" || feed[0].Price.String() != "64000.12" || feed[0].PercentChange24h.String() != "-0.0123" {
		t.Errorf("PriceFeed = %+v", feed)
	}
	if _, err := c.Ticker(ctx, "../v1/orders"); err == nil {
		t.Error("a symbol with a path in it was accepted")
	}
	_, err = c.Ticker(ctx, "nosuch")
	if err == nil || IsNotFound(err) {
		t.Errorf("unknown endpoint: err = %v, IsNotFound = %t; an endpoint is not an order", err, IsNotFound(err))
	}
}

func TestBalancesAndRoles(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ map[string]any) {
		switch r.URL.Path {
		case "/v1/balances":
			replyJSON(w, 200, `[{"type":"exchange","currency":"BTC","amount":"5.0","available":"4.5","availableForWithdrawal":"4.5","_timestamp":"2024-03-16T00:00:00.000000Z"},
				{"type":"exchange","currency":"USD","amount":15000.00,"available":"5000.00","availableForWithdrawal":"5000.00"}]`)
		case "/v1/roles":
			replyJSON(w, 200, `{"isAuditor":false,"isFundManager":true,"isTrader":true,"isAccountAdmin":true,"counterparty_id":"X"}`)
		}
	})
	c, _ := testClient(t, f, nil)
	bs, err := c.Balances(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	d := decimal.RequireFromString
	want := []Balance{
		{Currency: "BTC", Type: "exchange", Amount: d("5.0"), Available: d("4.5"), AvailableForWithdrawal: d("4.5")},
		{Currency: "USD", Type: "exchange", Amount: d("15000.00"), Available: d("5000.00"), AvailableForWithdrawal: d("5000.00")},
	}
	if diff := cmp.Diff(want, bs); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	roles, err := c.Roles(context.Background())
	if err != nil || roles != (Roles{IsTrader: true, IsFundManager: true, IsAccountAdmin: true}) {
		t.Errorf("Roles = %+v, %v", roles, err)
	}
}

// A client order id lookup reads one object or an array; none is IsNotFound.
func TestOrderStatusByClientID(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		wantIDs   []string
		wantNotFd bool
	}{
		{"object", 200, orderJSON, []string{"106817811"}, false},
		{"array", 200, `[` + orderJSON + `,{"order_id":"9007199254740993","client_order_id":"20190110-4738721"}]`, []string{"106817811", "9007199254740993"}, false},
		{"empty array", 200, `[]`, nil, true},
		// A lax exchange that matched ids loosely: only the exact one is ours.
		{"loose match", 200, `[{"order_id":"1","client_order_id":" 20190110-4738721"},{"order_id":"2","client_order_id":"20190110-4738721 "},` +
			`{"order_id":"3","client_order_id":"20190110-4738721"},{"order_id":"4"}]`, []string{"3", "4"}, false},
		{"only a loose match", 200, `[{"order_id":"1","client_order_id":" 20190110-4738721"}]`, nil, true},
		{"404", 404, `{"result":"error","reason":"OrderNotFound","message":"Order not found"}`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, _ map[string]any) { replyJSON(w, tt.status, tt.body) })
			c, _ := testClient(t, f, nil)
			got, err := c.OrderStatusByClientID(context.Background(), "20190110-4738721")
			if IsNotFound(err) != tt.wantNotFd {
				t.Fatalf("err = %v, want IsNotFound %t", err, tt.wantNotFd)
			}
			if tt.wantNotFd {
				var ae *APIError
				if !errors.As(err, &ae) {
					t.Errorf("not found is %T, want *APIError", err)
				}
				return
			}
			var ids []string
			for _, o := range got {
				ids = append(ids, o.OrderID)
			}
			if diff := cmp.Diff(tt.wantIDs, ids); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
}

// historyServer serves closed orders the way Gemini documents: orders with
// timestamp at or after the request's, the oldest limit of them, newest first.
func historyServer(t *testing.T, stamps []int64) *fake {
	return newFake(t, func(w http.ResponseWriter, r *http.Request, p map[string]any) {
		since, _ := p["timestamp"].(json.Number).Int64()
		limit, _ := p["limit_orders"].(json.Number).Int64()
		var page []int
		for i, ts := range stamps {
			if ts >= since {
				page = append(page, i)
			}
		}
		if int64(len(page)) > limit {
			page = page[:limit]
		}
		sort.Sort(sort.Reverse(sort.IntSlice(page)))
		var b strings.Builder
		b.WriteString("[")
		for k, i := range page {
			if k > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"order_id":"%d","symbol":"btcusd","timestampms":%d,"timestamp":"%d","is_live":false,"trades":[]}`, 1e18+int64(i), stamps[i], stamps[i]/1000)
		}
		b.WriteString("]")
		replyJSON(w, 200, b.String())
	})
}

func TestAllOrdersHistory(t *testing.T) {
	var stamps []int64
	for i := range 1200 {
		stamps = append(stamps, 1700000000000+int64(i/3)) // three orders per millisecond
	}
	f := historyServer(t, stamps)
	c, _ := testClient(t, f, nil)
	got, err := c.AllOrdersHistory(context.Background(), "btcusd", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(stamps) {
		t.Fatalf("read %d orders, want %d", len(got), len(stamps))
	}
	seen := map[string]bool{}
	for i, o := range got {
		if seen[o.OrderID] {
			t.Errorf("order %s twice", o.OrderID)
		}
		seen[o.OrderID] = true
		if i > 0 && o.TimestampMS > got[i-1].TimestampMS {
			t.Errorf("not newest first at %d", i)
		}
	}
	if n := c.Stats()["/v1/orders/history"]; n != 6 {
		t.Errorf("%d requests for 1200 orders, want 3 pages, the one-order check of the paging direction, "+
			"the page of the newest millisecond that brings nothing new and the empty page after it", n)
	}
	if f.payloads[0]["timestamp"] != json.Number("0") || f.payloads[0]["symbol"] != "btcusd" {
		t.Errorf("first page payload %v", f.payloads[0])
	}
}

func TestAllOrdersHistoryIsBounded(t *testing.T) {
	var stamps []int64
	for i := range maxHistoryLimit*maxHistoryPages + 10 {
		stamps = append(stamps, 1700000000000+int64(i))
	}
	c, _ := testClient(t, historyServer(t, stamps), nil)
	got, err := c.AllOrdersHistory(context.Background(), "btcusd", 0)
	if !errors.Is(err, ErrHistoryTruncated) {
		t.Fatalf("err = %v, want ErrHistoryTruncated", err)
	}
	if n := c.Stats()["/v1/orders/history"]; n != maxHistoryPages+1 {
		t.Errorf("read %d pages, want %d and the paging-direction check", n, maxHistoryPages)
	}
	if len(got) < maxHistoryLimit*(maxHistoryPages-1) {
		t.Errorf("returned %d orders with the truncation error", len(got))
	}
}

// Orders that cannot be right are refused before any request.
func TestNewOrderRefusedLocally(t *testing.T) {
	d := decimal.RequireFromString
	good := NewOrder{Symbol: "btcusd", Side: "buy", Type: TypeLimit, Amount: d("1"), Price: d("1")}
	tests := map[string]func(*NewOrder){
		"no symbol":             func(o *NewOrder) { o.Symbol = "" },
		"side":                  func(o *NewOrder) { o.Side = "long" },
		"type":                  func(o *NewOrder) { o.Type = "limit" },
		"zero amount":           func(o *NewOrder) { o.Amount = decimal.Zero },
		"negative price":        func(o *NewOrder) { o.Price = d("-1") },
		"stop price on a limit": func(o *NewOrder) { o.StopPrice = d("2") },
		"stop limit, no stop":   func(o *NewOrder) { o.Type = TypeStopLimit },
	}
	c, _ := testClient(t, newFake(t, nil), nil)
	for name, edit := range tests {
		o := good
		edit(&o)
		if _, err := c.NewOrder(context.Background(), o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if len(c.Stats()) != 0 {
		t.Errorf("sent %v", c.Stats())
	}
	if _, err := c.OrdersHistory(context.Background(), HistoryQuery{Limit: 501}); err == nil {
		t.Error("history limit 501 accepted")
	}
}

// newestFirstHistoryServer is the other reading of Gemini's history
// endpoint (reference §3.12, AMBIGUOUS): with a timestamp it answers the
// newest limit orders at or after it, not the oldest.
func newestFirstHistoryServer(t *testing.T, stamps []int64) *fake {
	return newFake(t, func(w http.ResponseWriter, r *http.Request, p map[string]any) {
		since, _ := p["timestamp"].(json.Number).Int64()
		limit, _ := p["limit_orders"].(json.Number).Int64()
		var page []int
		for i, ts := range stamps {
			if ts >= since {
				page = append(page, i)
			}
		}
		if int64(len(page)) > limit {
			page = page[int64(len(page))-limit:]
		}
		sort.Sort(sort.Reverse(sort.IntSlice(page)))
		var b strings.Builder
		b.WriteString("[")
		for k, i := range page {
			if k > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"order_id":"%d","symbol":"btcusd","timestampms":%d,"timestamp":"%d","is_live":false,"trades":[]}`, 1e18+int64(i), stamps[i], stamps[i]/1000)
		}
		b.WriteString("]")
		replyJSON(w, 200, b.String())
	})
}

// A Gemini that answers the newest orders after a timestamp cannot be
// walked forward: the history must not come back short without an error,
// or a plan would take a filled order for one never placed.
func TestAllOrdersHistoryNewestFirstIsNotSilentlyShort(t *testing.T) {
	var stamps []int64
	for i := range 1200 {
		stamps = append(stamps, 1700000000000+int64(i))
	}
	c, _ := testClient(t, newestFirstHistoryServer(t, stamps), nil)
	got, err := c.AllOrdersHistory(context.Background(), "btcusd", 0)
	if !errors.Is(err, ErrHistoryTruncated) {
		t.Fatalf("read %d of %d orders with err = %v, want ErrHistoryTruncated", len(got), len(stamps), err)
	}
	// Fewer than a page still reads in full, whichever way Gemini pages.
	c, _ = testClient(t, newestFirstHistoryServer(t, stamps[:499]), nil)
	if got, err := c.AllOrdersHistory(context.Background(), "btcusd", 0); err != nil || len(got) != 499 {
		t.Errorf("read %d orders, err %v; want 499", len(got), err)
	}
}

// Exactly one full page, paged oldest first, is complete; more than a page
// in one millisecond cannot be walked past and says so.
func TestAllOrdersHistoryEdges(t *testing.T) {
	var stamps []int64
	for i := range maxHistoryLimit {
		stamps = append(stamps, 1700000000000+int64(i))
	}
	c, _ := testClient(t, historyServer(t, stamps), nil)
	if got, err := c.AllOrdersHistory(context.Background(), "btcusd", 0); err != nil || len(got) != maxHistoryLimit {
		t.Errorf("read %d orders, err %v; want %d", len(got), err, maxHistoryLimit)
	}
	same := make([]int64, maxHistoryLimit+10)
	for i := range same {
		same[i] = 1700000000000
	}
	c, _ = testClient(t, historyServer(t, same), nil)
	if _, err := c.AllOrdersHistory(context.Background(), "btcusd", 0); !errors.Is(err, ErrHistoryTruncated) {
		t.Errorf("err = %v, want ErrHistoryTruncated", err)
	}
}

// remaining_amount, when Gemini sends a value, is taken as sent; absent or
// null, it is what is left of the original amount.
func TestRemainingAmount(t *testing.T) {
	for body, want := range map[string]string{
		`{"original_amount":"0.5","executed_amount":"0.2","remaining_amount":"0"}`:  "0",
		`{"original_amount":"0.5","executed_amount":"0.2"}`:                         "0.3",
		`{"original_amount":"0.5","executed_amount":"0.2","remaining_amount":null}`: "0.3",
		`{"original_amount":"0.5","executed_amount":"0.5"}`:                         "0",
	} {
		var w wireOrder
		if err := json.Unmarshal([]byte(body), &w); err != nil {
			t.Fatal(err)
		}
		if got := w.order().RemainingAmount; !got.Equal(decimal.RequireFromString(want)) {
			t.Errorf("%s: RemainingAmount = %s, want %s", body, got, want)
		}
	}
}

// Client order ids are read byte for byte: spaces around them are part of
// the id, and someone else's " of:ns:…" is not orderform's "of:ns:…".
func TestClientOrderIDKeepsItsBytes(t *testing.T) {
	for _, id := range []string{" of:ns:0123456789abcdef", "of:ns:0123456789abcdef ", "\tx\n", "of:ns:0123456789abcdef"} {
		raw, _ := json.Marshal(map[string]any{"order_id": "5", "client_order_id": id})
		var w wireOrder
		if err := json.Unmarshal(raw, &w); err != nil {
			t.Fatal(err)
		}
		if got := w.order().ClientOrderID; got != id {
			t.Errorf("client_order_id %q read as %q", id, got)
		}
	}
	var w wireOrder
	if err := json.Unmarshal([]byte(`{"order_id": 9007199254740993 , "client_order_id": null}`), &w); err != nil || w.order().OrderID != "9007199254740993" || w.order().ClientOrderID != "" {
		t.Errorf("numeric id / null client id: %+v, %v", w.order(), err)
	}
}

// cappedHistoryServer is historyServer answering at most cap orders a page,
// whatever limit_orders asks: Gemini could cap pages below 500 without
// saying so.
func cappedHistoryServer(t *testing.T, stamps []int64, cap int) *fake {
	inner := historyServer(t, stamps)
	return newFake(t, func(w http.ResponseWriter, r *http.Request, p map[string]any) {
		if l, _ := p["limit_orders"].(json.Number).Int64(); l > int64(cap) {
			p["limit_orders"] = json.Number(fmt.Sprint(cap))
		}
		inner.handle(w, r, p)
	})
}

// Case 10 of issue 12: the walk ends on an empty page, not at the first
// page shorter than the 500 it asked for.
func TestAllOrdersHistoryCappedPages(t *testing.T) {
	for _, tt := range []struct {
		name      string
		n, perMS  int // orders, orders per millisecond
		cap       int
		wantPages int
		wantErr   bool
	}{
		{"cap 7, 40 orders", 40, 1, 7, 9, false},         // 7 pages (7 new, then 6 new and the one seen), nothing new, empty
		{"cap 7, 3 per ms", 40, 3, 7, 9, false},          // pages overlap by the newest millisecond's orders
		{"cap 100, 1 order", 1, 1, 100, 3, false},        // the order, nothing new, empty
		{"no orders", 0, 1, 7, 1, false},                 // the empty page at once
		{"cap 60, 70 in one ms", 70, 70, 60, 2, true},    // the millisecond overflows a page: cannot be walked past
		{"cap 60, 130 orders", 130, 65, 60, 2, true},     // the same after a first millisecond that fits
		{"cap 499, 1200 orders", 1200, 2, 499, 5, false}, // just below the documented 500: 3 pages, nothing new, empty
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stamps []int64
			for i := range tt.n {
				stamps = append(stamps, 1700000000000+int64(i/tt.perMS))
			}
			c, _ := testClient(t, cappedHistoryServer(t, stamps, tt.cap), nil)
			got, err := c.AllOrdersHistory(context.Background(), "btcusd", 0)
			if tt.wantErr {
				if !errors.Is(err, ErrHistoryTruncated) {
					t.Fatalf("read %d of %d with err %v, want ErrHistoryTruncated", len(got), tt.n, err)
				}
				return
			}
			if err != nil || len(got) != tt.n {
				t.Fatalf("read %d of %d orders, err %v", len(got), tt.n, err)
			}
			if n := c.Stats()["/v1/orders/history"]; n != tt.wantPages {
				t.Errorf("%d requests, want %d", n, tt.wantPages)
			}
		})
	}
}
