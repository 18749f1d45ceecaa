package plan

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"
	"github.com/shopspring/decimal"
)

func decimalNull(s string) decimal.NullDecimal { return decimal.NewNullDecimal(dec(s)) }

// act is the part of an Action a reconciliation test looks at.
type act struct {
	Kind      Kind
	Address   string
	Why       string
	OrderID   string // of the live order kept, cancelled or filled
	ClientID  string
	Reasons   []string
	Changed   []string
	Notes     []string
	MovedFrom string
}

func project(p *Plan) []act {
	var as []act
	for _, a := range p.Actions {
		x := act{Kind: a.Kind, Address: a.Address, Why: a.Why, ClientID: a.ClientOrderID, Reasons: a.Reasons,
			Changed: a.Changed, Notes: a.Notes, MovedFrom: a.MovedFrom}
		if a.Before != nil {
			x.OrderID = a.Before.OrderID
		}
		as = append(as, x)
	}
	return as
}

func withTol(t string) func(*Order) { return func(o *Order) { o.RepriceTolerance = dec(t) } }

func TestComputeReconcile(t *testing.T) {
	a := buy("order.a", "1", "64000")
	aTol := buy("order.a", "1", "64000", withTol("0.002"))
	b := buy("order.b", "1", "63000")
	refill := buy("order.a", "1", "64000", func(o *Order) { o.OnFill = "replace" })
	moc := buy("order.a", "1", "64000", func(o *Order) { o.Options = []string{"maker-or-cancel"} })
	stop := sell("order.a", "1", "64000", func(o *Order) { o.Type, o.StopPrice = "stop-limit", dec("64100") })
	filled := with(live(a, "90", "1"), func(l *LiveOrder) { l.IsLive = false })
	cancelled := with(live(a, "91", "0.25"), func(l *LiveOrder) { l.IsLive, l.IsCancelled, l.Reason = false, true, "Requested" })
	moved := Moved{From: "order.old", To: "order.a", FromClientOrderID: coid("order.old"), ToClientOrderID: coid("order.a")}
	oldLive := with(live(a, "80", "0"), func(l *LiveOrder) { l.ClientOrderID = coid("order.old") })

	tests := []struct {
		name    string
		in      Input
		want    []act
		unmgd   int
		foreign int
	}{
		{
			name: "none, never placed: create",
			in:   input([]Order{a}),
			want: []act{{Kind: Create, Address: "order.a", ClientID: coid("order.a")}},
		},
		{
			name: "none, last one cancelled outside orderform: create",
			in: func() Input {
				in := input([]Order{a})
				in.History = byID(map[string]LiveOrder{a.ClientOrderID: cancelled})
				return in
			}(),
			want: []act{{Kind: Create, Address: "order.a", ClientID: coid("order.a"), Why: WhyCancelledOutside,
				Reasons: []string{"the last order 91 was cancelled (Requested) after 0.25 of 1 filled at 64000 or better"},
				Notes:   []string{`0.25 of 1 has filled in this cycle (order 91); the order is placed for the remaining 0.75, so this address never trades more than 1 (lifecycle replace_amount = "remaining")`}}},
		},
		{
			name: `none, last one filled, on_fill = "done": filled note`,
			in: func() Input {
				in := input([]Order{a})
				in.History = byID(map[string]LiveOrder{a.ClientOrderID: filled})
				return in
			}(),
			want: []act{{Kind: Filled, Address: "order.a", ClientID: coid("order.a"), OrderID: "90",
				Notes: []string{`the last order 90 filled (1 of 1 at 64000 or better); on_fill = "done", so it is not placed again (use -replace to place it again)`}}},
		},
		{
			name: `none, last one filled, on_fill = "replace": create again`,
			in: func() Input {
				in := input([]Order{refill})
				in.History = byID(map[string]LiveOrder{a.ClientOrderID: filled})
				return in
			}(),
			want: []act{{Kind: Create, Address: "order.a", ClientID: coid("order.a"), Why: WhyRefill,
				Reasons: []string{`the last order 90 filled (1 of 1 at 64000 or better); on_fill = "replace"`}}},
		},
		{
			name: "one, same: no-op",
			in:   input([]Order{a}, live(a, "100", "0")),
			want: []act{{Kind: NoOp, Address: "order.a", ClientID: coid("order.a"), OrderID: "100"}},
		},
		{
			name: "one, same but amounts written differently: no-op",
			in:   input([]Order{a}, with(live(a, "100", "0"), func(l *LiveOrder) { l.OriginalAmount, l.Price = dec("1.000"), dec("64000.00") })),
			want: []act{{Kind: NoOp, Address: "order.a", ClientID: coid("order.a"), OrderID: "100"}},
		},
		{
			name: "one, partially filled: no-op with progress, not drift",
			in:   input([]Order{a}, live(a, "100", "0.4")),
			want: []act{{Kind: NoOp, Address: "order.a", ClientID: coid("order.a"), OrderID: "100", Notes: []string{"0.4 of 1 filled"}}},
		},
		{
			name: "price exactly at the tolerance above: no-op",
			in:   input([]Order{aTol}, with(live(aTol, "100", "0"), func(l *LiveOrder) { l.Price = dec("64128") })),
			want: []act{{Kind: NoOp, Address: "order.a", ClientID: coid("order.a"), OrderID: "100"}},
		},
		{
			name: "price exactly at the tolerance below: no-op",
			in:   input([]Order{aTol}, with(live(aTol, "100", "0"), func(l *LiveOrder) { l.Price = dec("63872") })),
			want: []act{{Kind: NoOp, Address: "order.a", ClientID: coid("order.a"), OrderID: "100"}},
		},
		{
			name: "price just over the tolerance: replace",
			in:   input([]Order{aTol}, with(live(aTol, "100", "0"), func(l *LiveOrder) { l.Price = dec("64128.01") })),
			want: []act{{Kind: Replace, Address: "order.a", ClientID: coid("order.a"), OrderID: "100", Why: WhyChanged,
				Reasons: []string{"price 64128.01 -> 64000"}, Changed: []string{"price"}}},
		},
		{
			name: "price differs with no tolerance: replace",
			in:   input([]Order{a}, with(live(a, "100", "0"), func(l *LiveOrder) { l.Price = dec("64000.01") })),
			want: []act{{Kind: Replace, Address: "order.a", ClientID: coid("order.a"), OrderID: "100", Why: WhyChanged,
				Reasons: []string{"price 64000.01 -> 64000"}, Changed: []string{"price"}}},
		},
		{
			name: "side, amount, options differ: replace naming each",
			in: input([]Order{moc}, with(live(a, "100", "0.5"), func(l *LiveOrder) {
				l.Side, l.OriginalAmount, l.RemainingAmount = "sell", dec("2"), dec("1.5")
			})),
			want: []act{{Kind: Replace, Address: "order.a", ClientID: coid("order.a"), OrderID: "100", Why: WhyChanged,
				Reasons: []string{"side sell -> buy", "amount 2 -> 1", `options [] -> ["maker-or-cancel"]`},
				Changed: []string{"side", "amount", "options"},
				Notes:   []string{"0.5 of 2 filled; the replacement is placed for the full amount 1"}}},
		},
		{
			name: "symbol, type and stop price differ: replace",
			in:   input([]Order{stop}, with(live(a, "100", "0"), func(l *LiveOrder) { l.Symbol, l.Side = "ethusd", "sell" })),
			want: []act{{Kind: Replace, Address: "order.a", ClientID: coid("order.a"), OrderID: "100", Why: WhyChanged,
				Reasons: []string{"symbol ethusd -> btcusd", "type limit -> stop-limit", "stop_price 0 -> 64100"},
				Changed: []string{"symbol", "type", "stop_price"}}},
		},
		{
			name: "two matching: keep the oldest, cancel the other as a duplicate",
			in: input([]Order{a}, with(live(a, "102", "0"), func(l *LiveOrder) { l.TimestampMS++ }),
				live(a, "101", "0")),
			want: []act{
				{Kind: NoOp, Address: "order.a", ClientID: coid("order.a"), OrderID: "101"},
				{Kind: Cancel, Address: "order.a", ClientID: coid("order.a"), OrderID: "102", Why: WhyDuplicate,
					Reasons: []string{"duplicate of order 101, which is kept"}},
			},
		},
		{
			name: "three, one matching: keep the match whatever its age",
			in: input([]Order{a}, with(live(a, "101", "0"), func(l *LiveOrder) { l.Price = dec("1") }),
				with(live(a, "103", "0"), func(l *LiveOrder) { l.TimestampMS += 9 }),
				with(live(a, "102", "0"), func(l *LiveOrder) { l.TimestampMS += 5 }),
			),
			want: []act{
				{Kind: Cancel, Address: "order.a", ClientID: coid("order.a"), OrderID: "101", Why: WhyDuplicate,
					Reasons: []string{"duplicate of order 102, which is kept"}},
				{Kind: NoOp, Address: "order.a", ClientID: coid("order.a"), OrderID: "102"},
				{Kind: Cancel, Address: "order.a", ClientID: coid("order.a"), OrderID: "103", Why: WhyDuplicate,
					Reasons: []string{"duplicate of order 102, which is kept"}},
			},
		},
		{
			name: "two, none matching: replace the closest, cancel the other",
			in: input([]Order{a}, with(live(a, "101", "0"), func(l *LiveOrder) { l.Price = dec("60000") }),
				with(live(a, "102", "0"), func(l *LiveOrder) { l.Price = dec("63000") })),
			want: []act{
				{Kind: Cancel, Address: "order.a", ClientID: coid("order.a"), OrderID: "101", Why: WhyDuplicate,
					Reasons: []string{"duplicate of order 102, which is replaced"}},
				{Kind: Replace, Address: "order.a", ClientID: coid("order.a"), OrderID: "102", Why: WhyChanged,
					Reasons: []string{"price 63000 -> 64000"}, Changed: []string{"price"}},
			},
		},
		{
			name: "absent from the configuration: cancel; others untouched",
			in: input([]Order{a}, live(a, "100", "0"), live(b, "200", "0"),
				LiveOrder{OrderID: "300", ClientOrderID: "of:other:0123456789abcdef", Symbol: "btcusd", Side: "buy", Price: dec("1"), OriginalAmount: dec("1")},
				LiveOrder{OrderID: "301", ClientOrderID: "of:gridx:0123456789abcdef", Symbol: "btcusd", Side: "buy", Price: dec("1"), OriginalAmount: dec("1")},
				LiveOrder{OrderID: "400", ClientOrderID: "my-bot-7", Symbol: "btcusd", Side: "buy", Price: dec("1"), OriginalAmount: dec("1")},
				LiveOrder{OrderID: "401", Symbol: "btcusd", Side: "sell", Price: dec("1"), OriginalAmount: dec("1")},
			),
			want: []act{
				{Kind: Cancel, ClientID: coid("order.b"), OrderID: "200", Why: WhyNotInConfig, Reasons: []string{"not in configuration"}},
				{Kind: NoOp, Address: "order.a", ClientID: coid("order.a"), OrderID: "100"},
			},
			unmgd: 2, foreign: 2,
		},
		{
			name: "moved: the live order of the old address is kept with its old client id",
			in:   func() Input { in := input([]Order{a}, oldLive); in.Moved = []Moved{moved}; return in }(),
			want: []act{{Kind: NoOp, Address: "order.a", ClientID: coid("order.old"), OrderID: "80", MovedFrom: "order.old",
				Notes: []string{"moved from order.old; the live order keeps its client_order_id " + coid("order.old") + ", so keep the moved block while it lives"}}},
		},
		{
			name: "moved and changed: replaced under the new client id",
			in: func() Input {
				in := input([]Order{a}, with(oldLive, func(l *LiveOrder) { l.Price = dec("1") }))
				in.Moved = []Moved{moved}
				return in
			}(),
			want: []act{{Kind: Replace, Address: "order.a", ClientID: coid("order.a"), OrderID: "80", MovedFrom: "order.old", Why: WhyChanged,
				Reasons: []string{"price 1 -> 64000"}, Changed: []string{"price"},
				Notes: []string{"moved from order.old; the new order gets the client_order_id of order.a"}}},
		},
		{
			name: "moved, both old and new live: keep the new one, cancel the old as a duplicate",
			in: func() Input {
				in := input([]Order{a}, oldLive, live(a, "100", "0"))
				in.Moved = []Moved{moved}
				return in
			}(),
			want: []act{
				{Kind: Cancel, Address: "order.a", ClientID: coid("order.old"), OrderID: "80", MovedFrom: "order.old", Why: WhyDuplicate,
					Reasons: []string{"duplicate of order 100, which is kept"}},
				{Kind: NoOp, Address: "order.a", ClientID: coid("order.a"), OrderID: "100"},
			},
		},
		{
			name: "moved block removed: the old order is cancelled and the new one placed",
			in:   input([]Order{a}, oldLive),
			want: []act{
				{Kind: Cancel, ClientID: coid("order.old"), OrderID: "80", Why: WhyNotInConfig, Reasons: []string{"not in configuration"}},
				{Kind: Create, Address: "order.a", ClientID: coid("order.a")},
			},
		},
		{
			name: "moved, to an address that is gone: cancel, with the old address",
			in:   func() Input { in := input(nil, oldLive); in.Moved = []Moved{moved}; return in }(),
			want: []act{{Kind: Cancel, Address: "order.old", ClientID: coid("order.old"), OrderID: "80", Why: WhyNotInConfig, Reasons: []string{"not in configuration"}}},
		},
		{
			name: "-replace of a matching live order: replace as requested",
			in: func() Input {
				in := input([]Order{a, b}, live(a, "100", "0"), live(b, "200", "0"))
				in.Replace = []string{"order.a"}
				return in
			}(),
			want: []act{
				{Kind: Replace, Address: "order.a", ClientID: coid("order.a"), OrderID: "100", Why: WhyRequested, Reasons: []string{"replacement requested with -replace"}},
				{Kind: NoOp, Address: "order.b", ClientID: coid("order.b"), OrderID: "200"},
			},
		},
		{
			name: "-replace of a filled order: placed again",
			in: func() Input {
				in := input([]Order{a})
				in.History = byID(map[string]LiveOrder{a.ClientOrderID: filled})
				in.Replace = []string{"order.a"}
				return in
			}(),
			want: []act{{Kind: Create, Address: "order.a", ClientID: coid("order.a"), Why: WhyRequested,
				Reasons: []string{"replacement requested with -replace"}, Notes: []string{"the last order 90 filled (1 of 1 at 64000 or better)"}}},
		},
		{
			name: "destroy: every managed order, nothing else",
			in: func() Input {
				in := input([]Order{a}, live(a, "100", "0"), live(b, "200", "0"), LiveOrder{OrderID: "400", ClientOrderID: "manual"})
				in.Destroy = true
				return in
			}(),
			want: []act{
				{Kind: Cancel, ClientID: coid("order.b"), OrderID: "200", Why: WhyDestroy},
				{Kind: Cancel, Address: "order.a", ClientID: coid("order.a"), OrderID: "100", Why: WhyDestroy},
			},
			unmgd: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, diags := Compute(tt.in)
			if diags.HasErrors() {
				t.Fatalf("unexpected errors:\n%s", diagText(diags))
			}
			if diff := cmp.Diff(tt.want, project(p), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("actions (-want +got):\n%s", diff)
			}
			if p.Unmanaged != tt.unmgd || p.Foreign != tt.foreign {
				t.Errorf("left alone = %d unmanaged, %d foreign; want %d, %d", p.Unmanaged, p.Foreign, tt.unmgd, tt.foreign)
			}
		})
	}
}

func TestComputeTarget(t *testing.T) {
	l1 := buy(`order.bid["l1"]`, "1", "64000")
	l2 := buy(`order.bid["l2"]`, "1", "63000")
	ask := sell("order.ask", "1", "70000")
	stray := live(buy("order.gone", "1", "1"), "900", "0")
	liveOrders := []LiveOrder{with(live(l1, "1", "0"), func(l *LiveOrder) { l.Price = dec("1") }), with(live(ask, "3", "0"), func(l *LiveOrder) { l.Price = dec("1") }), stray}

	tests := []struct {
		name    string
		targets []string
		want    []act
		warn    []string
	}{
		{
			name:    "an address without key selects its instances; others and strays are left alone",
			targets: []string{"order.bid"},
			want: []act{
				{Kind: Replace, Address: `order.bid["l1"]`, ClientID: l1.ClientOrderID, OrderID: "1", Why: WhyChanged, Reasons: []string{"price 1 -> 64000"}, Changed: []string{"price"}},
				{Kind: Create, Address: `order.bid["l2"]`, ClientID: l2.ClientOrderID},
			},
		},
		{
			name:    "an exact instance address",
			targets: []string{`order.bid["l2"]`},
			want:    []act{{Kind: Create, Address: `order.bid["l2"]`, ClientID: l2.ClientOrderID}},
		},
		{
			name:    "a prefix of another name does not select it",
			targets: []string{"order.bi"},
			warn:    []string{"warning: Plan limited by -target", "warning: Target matches no order"},
		},
		{
			name: "no target: everything, strays cancelled",
			want: []act{
				{Kind: Cancel, ClientID: stray.ClientOrderID, OrderID: "900", Why: WhyNotInConfig, Reasons: []string{"not in configuration"}},
				{Kind: Replace, Address: "order.ask", ClientID: ask.ClientOrderID, OrderID: "3", Why: WhyChanged, Reasons: []string{"price 1 -> 70000"}, Changed: []string{"price"}},
				{Kind: Replace, Address: `order.bid["l1"]`, ClientID: l1.ClientOrderID, OrderID: "1", Why: WhyChanged, Reasons: []string{"price 1 -> 64000"}, Changed: []string{"price"}},
				{Kind: Create, Address: `order.bid["l2"]`, ClientID: l2.ClientOrderID},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input([]Order{l1, l2, ask}, liveOrders...)
			in.Targets = tt.targets
			p, diags := Compute(in)
			if len(tt.targets) > 0 && len(tt.warn) == 0 {
				tt.warn = []string{"warning: Plan limited by -target"}
			}
			if diff := cmp.Diff(tt.want, project(p), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("actions (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.warn, diagSummaries(t, diags), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("destroy with a target cancels only the targeted known orders", func(t *testing.T) {
		in := input([]Order{l1, l2, ask}, liveOrders...)
		in.Targets, in.Destroy = []string{"order.ask"}, true
		p, _ := Compute(in)
		want := []act{{Kind: Cancel, Address: "order.ask", ClientID: ask.ClientOrderID, OrderID: "3", Why: WhyDestroy}}
		if diff := cmp.Diff(want, project(p), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("actions (-want +got):\n%s", diff)
		}
	})
}

// TestComputeChecks covers every check: each case names the diagnostics it
// expects (severity: summary) and words their details must contain.
func TestComputeChecks(t *testing.T) {
	a := buy("order.a", "1", "64000")
	usd := func(avail string) map[string]Balance {
		return map[string]Balance{"USD": {Currency: "USD", Available: dec(avail)}, "BTC": {Currency: "BTC", Available: dec("0.5")}}
	}
	tick := map[string]Ticker{"btcusd": {Bid: dec("63990"), Ask: dec("64010"), Last: dec("64000")}}
	guard := func(f func(*Guard)) *Guard { g := &Guard{AllowCrossing: true}; f(g); return g }
	rules := func(f func(*SymbolRules)) map[string]SymbolRules {
		r := btcRules["btcusd"]
		f(&r)
		return map[string]SymbolRules{"btcusd": r}
	}

	tests := []struct {
		name   string
		in     Input
		want   []string
		detail []string
	}{
		{
			name: "clean plan",
			in:   input([]Order{a}),
		},
		{
			name:   "price off its increment names the nearest valid values",
			in:     input([]Order{buy("order.a", "1", "64000.123")}),
			want:   []string{"error: Invalid price increment"},
			detail: []string{"price 64000.123", "0.01", "nearest valid values are 64000.12 and 64000.13", "never rounds silently"},
		},
		{
			name:   "amount off its increment",
			in:     input([]Order{buy("order.a", "0.000015", "64000")}),
			want:   []string{"error: Invalid amount increment"},
			detail: []string{"nearest valid values are 0.00001 and 0.00002"},
		},
		{
			name:   "amount below the increment and the minimum",
			in:     input([]Order{buy("order.a", "0.000001", "64000")}),
			want:   []string{"error: Amount below the minimum", "error: Invalid amount increment"},
			detail: []string{"minimum order size 0.00001 BTC", "nearest valid value is 0.00001."},
		},
		{
			name:   "stop price off its increment and on the wrong side",
			in:     input([]Order{buy("order.a", "1", "64000", func(o *Order) { o.Type, o.StopPrice = "stop-limit", dec("64100.001") })}),
			want:   []string{"error: Invalid stop price increment", "error: Stop price on the wrong side"},
			detail: []string{"64100 and 64100.01", "must be below its price"},
		},
		{
			name:   "sell stop below its price",
			in:     input([]Order{sell("order.a", "0.1", "64000", func(o *Order) { o.Type, o.StopPrice = "stop-limit", dec("63000") })}),
			want:   []string{"error: Stop price on the wrong side"},
			detail: []string{"must be above its price (stop_price 63000, price 64000)"},
		},
		{
			name:   "limit price beyond 50% of the stop",
			in:     input([]Order{buy("order.a", "1", "64000", func(o *Order) { o.Type, o.StopPrice = "stop-limit", dec("40000") })}),
			want:   []string{"error: Limit price too far from the stop price"},
			detail: []string{"within 50%"},
		},
		{
			name: "options on a stop-limit order",
			in: input([]Order{sell("order.a", "0.1", "64000", func(o *Order) {
				o.Type, o.StopPrice, o.Options = "stop-limit", dec("64100"), []string{"maker-or-cancel"}
			})}),
			want:   []string{"error: Options on a stop-limit order"},
			detail: []string{"order.a would be refused"},
		},
		{
			name: "sensitive price: no values in the message",
			in:   input([]Order{buy("order.a", "1", "64000.123", func(o *Order) { o.Sensitive = []string{"price"} })}),
			want: []string{"error: Invalid price increment"},
		},
		{
			name: "symbol closed",
			in: func() Input {
				in := input([]Order{a})
				in.Rules = rules(func(r *SymbolRules) { r.Status = "cancel_only" })
				return in
			}(),
			want:   []string{"error: Symbol closed for new orders"},
			detail: []string{`"cancel_only"`},
		},
		{
			name: "post_only without maker-or-cancel",
			in: func() Input {
				in := input([]Order{a})
				in.Rules = rules(func(r *SymbolRules) { r.Status = "post_only" })
				return in
			}(),
			want: []string{"error: Symbol accepts only maker-or-cancel orders"},
		},
		{
			name: "post_only with maker-or-cancel, limit_only: fine",
			in: func() Input {
				in := input([]Order{buy("order.a", "1", "64000", func(o *Order) { o.Options = []string{"maker-or-cancel"} }), buy("order.e", "1", "2000", func(o *Order) { o.Symbol = "ethusd" })})
				in.Rules = map[string]SymbolRules{"btcusd": rules(func(r *SymbolRules) { r.Status = "post_only" })["btcusd"], "ethusd": btcRules["ethusd"]}
				in.Rules["ethusd"] = SymbolRules{Symbol: "ethusd", Base: "ETH", Quote: "USD", PriceIncrement: dec("0.01"), AmountIncrement: dec("0.001"), MinAmount: dec("0.001"), Status: "limit_only"}
				return in
			}(),
		},
		{
			name: "unknown symbol",
			in:   input([]Order{buy("order.a", "1", "64000", func(o *Order) { o.Symbol = "btcusx" })}),
			want: []string{"error: Unknown symbol"},
		},
		{
			name: "budget shortfall names currency, shortfall and orders",
			in: func() Input {
				in := input([]Order{a, buy("order.b", "1", "63000")})
				in.Balances = usd("100000")
				return in
			}(),
			want:   []string{"error: Insufficient USD"},
			detail: []string{"hold 127000 USD", "only 100000 USD", "shortfall of 27000 USD", "order.a (64000), order.b (63000)"},
		},
		{
			name: "a buy holds its fee: exactly enough with the fee fits",
			in: func() Input {
				in := input([]Order{buy("order.f", "0.01", "1000")})
				in.Balances, in.Fee = usd("10.035"), &Fee{Rate: dec("0.0035"), Source: FeeAccount}
				return in
			}(),
		},
		{
			name: "a buy holds its fee: enough only without it is refused, naming the rate",
			in: func() Input {
				in := input([]Order{buy("order.f", "0.01", "1000")})
				in.Balances, in.Fee = usd("10.03"), &Fee{Rate: dec("0.004"), Source: FeeFallback}
				return in
			}(),
			want:   []string{"error: Insufficient USD"},
			detail: []string{"hold 10.04 USD", "only 10.03 USD", "shortfall of 0.01 USD", "plus their fee (0.4%, the exchange's highest API taker rate, because the account's rates could not be read)"},
		},
		{
			name: "a replace releases the fee its buy held, and the new one holds its own",
			in: func() Input {
				f := buy("order.f", "0.01", "1000")
				in := input([]Order{f}, with(live(f, "1", "0"), func(l *LiveOrder) { l.Price = dec("999") }))
				in.Balances, in.Fee = usd("0.01"), &Fee{Rate: dec("0.001"), Source: FeeAccount} // 10.01 - 9.99999 = 0.01001
				return in
			}(),
			want:   []string{"error: Insufficient USD"},
			detail: []string{"hold 10.01 USD", "0.01 available now + 9.99999 released"},
		},
		{
			name: "sell budget is in the base currency",
			in: func() Input {
				in := input([]Order{sell("order.s", "0.6", "70000")})
				in.Balances = usd("0")
				return in
			}(),
			want:   []string{"error: Insufficient BTC"},
			detail: []string{"shortfall of 0.1 BTC"},
		},
		{
			name: "a replace releases what its cancel frees: exactly enough fits",
			in: func() Input {
				in := input([]Order{a}, with(live(a, "1", "0"), func(l *LiveOrder) { l.Price = dec("63900") }))
				in.Balances = usd("100")
				return in
			}(),
		},
		{
			name: "a cancel of a partly filled buy releases only the remaining",
			in: func() Input {
				full := a
				full.ReplaceAmount = AmountFull // the replacement holds the full amount
				in := input([]Order{full}, with(live(a, "1", "0.5"), func(l *LiveOrder) { l.Price = dec("63900") }))
				in.Balances = usd("100")
				return in
			}(),
			want:   []string{"error: Insufficient USD"},
			detail: []string{"(100 available now + 31950 released by this plan's cancels): a shortfall of 31950 USD"},
		},
		{
			name: "cancels of orders no longer configured release too",
			in: func() Input {
				gone := buy("order.gone", "2", "32000")
				in := input([]Order{a}, live(gone, "5", "0"))
				in.Balances = usd("0")
				return in
			}(),
		},
		{
			name: "max_order_notional",
			in: func() Input {
				in := input([]Order{a})
				in.Guard = guard(func(g *Guard) { g.MaxOrderNotional = decimalNull("5000") })
				return in
			}(),
			want:   []string{"error: Refused by guard max_order_notional"},
			detail: []string{"64000 USD", "max_order_notional of 5000 USD"},
		},
		{
			name: "max_open_notional counts kept orders and placements",
			in: func() Input {
				kept := buy("order.k", "0.5", "60000")
				in := input([]Order{a, kept}, live(kept, "7", "0.25"))
				in.Guard = guard(func(g *Guard) { g.MaxOpenNotional = map[string]decimal.Decimal{"USD": dec("78000")} })
				return in
			}(),
			want:   []string{"error: Refused by guard max_open_notional"},
			detail: []string{"total 79000 USD (15000 kept + 64000 placed)", "max_open_notional of 78000 USD"},
		},
		{
			name: "max_open_notional at the limit: fine",
			in: func() Input {
				in := input([]Order{a})
				in.Guard = guard(func(g *Guard) { g.MaxOpenNotional = map[string]decimal.Decimal{"USD": dec("64000")} })
				return in
			}(),
		},
		{
			name: "max_price_deviation exactly at the limit: fine",
			in: func() Input {
				in := input([]Order{buy("order.a", "1", "60800")})
				in.Tickers, in.Guard = tick, guard(func(g *Guard) { g.MaxPriceDeviation = decimalNull("0.05") })
				return in
			}(),
		},
		{
			name: "max_price_deviation just over",
			in: func() Input {
				in := input([]Order{buy("order.a", "1", "60799.99")})
				in.Tickers, in.Guard = tick, guard(func(g *Guard) { g.MaxPriceDeviation = decimalNull("0.05") })
				return in
			}(),
			want:   []string{"error: Refused by guard max_price_deviation"},
			detail: []string{"mid 64000 (bid 63990, ask 64010)", "max_price_deviation of 5%"},
		},
		{
			name: "max_price_deviation without a ticker",
			in: func() Input {
				in := input([]Order{a})
				in.Guard = guard(func(g *Guard) { g.MaxPriceDeviation = decimalNull("0.05") })
				return in
			}(),
			want: []string{"error: Refused by guard max_price_deviation"},
		},
		{
			name: "allow_crossing = false: a buy at the ask",
			in: func() Input {
				in := input([]Order{buy("order.a", "1", "64010"), sell("order.s", "0.1", "63990.01")})
				in.Tickers, in.Guard = tick, &Guard{}
				return in
			}(),
			want:   []string{"error: Refused by guard allow_crossing"},
			detail: []string{"buy at 64010 of order.a would trade at once against the ask 64010"},
		},
		{
			name: "allow_crossing = false: a sell at the bid",
			in: func() Input {
				in := input([]Order{sell("order.s", "0.1", "63990")})
				in.Tickers, in.Guard = tick, &Guard{}
				return in
			}(),
			want:   []string{"error: Refused by guard allow_crossing"},
			detail: []string{"against the bid 63990"},
		},
		{
			name: "allow_crossing = false without a ticker",
			in:   func() Input { in := input([]Order{a}); in.Guard = &Guard{}; return in }(),
			want: []string{"error: Refused by guard allow_crossing"},
		},
		{
			name: "allow_crossing = false: a stop-limit whose stop is not reached rests, whatever its limit",
			in: func() Input {
				in := input([]Order{buy("order.a", "1", "64100", func(o *Order) { o.Type, o.StopPrice = "stop-limit", dec("64050") })})
				in.Tickers, in.Guard = tick, &Guard{}
				return in
			}(),
		},
		{
			name: "allow_crossing = false: a buy stop-limit already triggered by the ask is a crossing limit order",
			in: func() Input {
				in := input([]Order{buy("order.a", "1", "64100", func(o *Order) { o.Type, o.StopPrice = "stop-limit", dec("64000") })})
				in.Tickers, in.Guard = tick, &Guard{}
				return in
			}(),
			want:   []string{"error: Refused by guard allow_crossing"},
			detail: []string{"buy stop-limit at 64100 of order.a would trade at once against the ask 64010 (its stop 64000 is already reached by the ask"},
		},
		{
			name: "allow_crossing = false: a sell stop-limit already triggered by the bid is a crossing limit order",
			in: func() Input {
				in := input([]Order{sell("order.s", "0.1", "63900", func(o *Order) { o.Type, o.StopPrice = "stop-limit", dec("63990") })})
				in.Tickers, in.Guard = tick, &Guard{}
				return in
			}(),
			want:   []string{"error: Refused by guard allow_crossing"},
			detail: []string{"against the bid 63990 (its stop 63990 is already reached by the bid"},
		},
		{
			name: "allow_crossing = false: a triggered stop-limit whose limit does not cross rests",
			in: func() Input {
				in := input([]Order{buy("order.a", "1", "64005", func(o *Order) { o.Type, o.StopPrice = "stop-limit", dec("64000") })})
				in.Tickers, in.Guard = tick, &Guard{}
				return in
			}(),
		},
		{
			name: "allow_crossing = false: a stop-limit without a ticker cannot be checked",
			in: func() Input {
				in := input([]Order{buy("order.a", "1", "64100", func(o *Order) { o.Type, o.StopPrice = "stop-limit", dec("64050") })})
				in.Guard = &Guard{}
				return in
			}(),
			want:   []string{"error: Refused by guard allow_crossing"},
			detail: []string{"cannot be checked"},
		},
		{
			name: "max_price_deviation: a triggered stop-limit is judged by its limit price",
			in: func() Input {
				in := input([]Order{buy("order.a", "1", "70000", func(o *Order) { o.Type, o.StopPrice = "stop-limit", dec("64000") })})
				in.Tickers, in.Guard = tick, guard(func(g *Guard) { g.MaxPriceDeviation = decimalNull("0.05") })
				return in
			}(),
			want:   []string{"error: Refused by guard max_price_deviation"},
			detail: []string{"price 70000 of order.a"},
		},
		{
			name: "crossing maker-or-cancel without a guard: a warning",
			in: func() Input {
				in := input([]Order{buy("order.a", "1", "64010", func(o *Order) { o.Options = []string{"maker-or-cancel"} })})
				in.Tickers = tick
				return in
			}(),
			want: []string{"warning: Maker-or-cancel order would take"},
		},
		{
			name: "prevent_cancel: a replace is refused",
			in: func() Input {
				p := buy("order.a", "1", "64000", func(o *Order) { o.PreventCancel = true })
				return input([]Order{p}, with(live(p, "1", "0"), func(l *LiveOrder) { l.Price = dec("1") }))
			}(),
			want:   []string{"error: Order is protected by prevent_cancel"},
			detail: []string{"cancel order 1"},
		},
		{
			name: "prevent_cancel: a duplicate cancel is refused",
			in: func() Input {
				p := buy("order.a", "1", "64000", func(o *Order) { o.PreventCancel = true })
				return input([]Order{p}, live(p, "1", "0"), live(p, "2", "0"))
			}(),
			want: []string{"error: Order is protected by prevent_cancel"},
		},
		{
			name: "prevent_cancel: destroy is refused",
			in: func() Input {
				p := buy("order.a", "1", "64000", func(o *Order) { o.PreventCancel = true })
				in := input([]Order{p}, live(p, "1", "0"))
				in.Destroy = true
				return in
			}(),
			want: []string{"error: Order is protected by prevent_cancel"},
		},
		{
			name: "prevent_cancel: a kept order is fine",
			in: func() Input {
				p := buy("order.a", "1", "64000", func(o *Order) { o.PreventCancel = true })
				return input([]Order{p}, live(p, "1", "0.5"))
			}(),
		},
		{
			name: "history shows live an order that was not read: plan again",
			in: func() Input {
				in := input([]Order{a})
				in.History = byID(map[string]LiveOrder{a.ClientOrderID: live(a, "5", "0")})
				return in
			}(),
			want: []string{"error: Order changed while planning"},
		},
		{
			name: "moved from an address still configured",
			in: func() Input {
				in := input([]Order{a, buy("order.b", "1", "1")})
				in.Moved = []Moved{{From: "order.b", To: "order.a", FromClientOrderID: coid("order.b"), ToClientOrderID: coid("order.a")}}
				return in
			}(),
			want: []string{"error: Moved from an address still in use"},
		},
		{
			name: "-replace of an unknown address: a warning",
			in:   func() Input { in := input([]Order{a}); in.Replace = []string{"order.x"}; return in }(),
			want: []string{"warning: Replace address matches no order"},
		},
		{
			name: "a client id outside the namespace is never placed",
			in:   input([]Order{buy("order.a", "1", "64000", func(o *Order) { o.ClientOrderID = "of:other:0000000000000000" })}),
			want: []string{"error: Client order id outside the namespace"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, diags := Compute(tt.in)
			if diff := cmp.Diff(tt.want, diagSummaries(t, diags), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s\n%s", diff, diagText(diags))
			}
			text := diagText(diags)
			for _, d := range tt.detail {
				if !strings.Contains(text, d) {
					t.Errorf("diagnostics do not mention %q:\n%s", d, text)
				}
			}
			if p.Errored != diags.HasErrors() {
				t.Errorf("Errored = %v, diagnostics have errors = %v", p.Errored, diags.HasErrors())
			}
			for _, d := range diags {
				if d.Severity == hcl.DiagError && d.Subject == nil && !strings.Contains(d.Summary, "max_open_notional") {
					t.Errorf("%q has no subject", d.Summary)
				}
			}
			if strings.Contains(tt.name, "sensitive") && strings.Contains(text, "64000") {
				t.Errorf("a sensitive value leaked:\n%s", text)
			}
		})
	}
}

func TestComputeDiagnosticPointsAtTheOrder(t *testing.T) {
	a := buy("order.a", "1", "64000.001")
	_, diags := Compute(input([]Order{a}))
	if len(diags) != 1 {
		t.Fatalf("got %d diagnostics, want 1:\n%s", len(diags), diagText(diags))
	}
	if diff := cmp.Diff(a.Range, *diags[0].Subject); diff != "" {
		t.Errorf("subject (-want +got):\n%s", diff)
	}
}

// Every desired order in the plan is checked, not only those it places: a
// live order kept within reprice_tolerance, or a filled one, must not hide
// a configuration the exchange would refuse.
func TestComputeChecksOrdersNotPlaced(t *testing.T) {
	tol := func(o *Order) { o.RepriceTolerance = dec("0.01") }
	tick := map[string]Ticker{"btcusd": {Bid: dec("63990"), Ask: dec("64010"), Last: dec("64000")}}
	kept := func(price string, opts ...func(*Order)) Input {
		d := buy("order.a", "1", price, append([]func(*Order){tol}, opts...)...)
		return input([]Order{d}, with(live(d, "1", "0"), func(l *LiveOrder) { l.Price = dec("64000") }))
	}
	filled := func(price string) Input {
		d := buy("order.a", "1", price)
		in := input([]Order{d})
		in.History = byID(map[string]LiveOrder{d.ClientOrderID: with(live(d, "9", "1"), func(l *LiveOrder) { l.IsLive, l.Price = false, dec("64000") })})
		return in
	}
	tests := []struct {
		name   string
		in     Input
		kind   Kind
		want   []string
		detail []string
	}{
		{
			name:   "kept within tolerance: a price off its step",
			in:     kept("64000.123"),
			kind:   NoOp,
			want:   []string{"error: Invalid price increment"},
			detail: []string{"price 64000.123 of order.a", "kept for now (its price is within reprice_tolerance)"},
		},
		{
			name: "kept within tolerance: amount off its step and below the minimum",
			in: func() Input {
				d := buy("order.a", "0.000001", "64100", tol)
				return input([]Order{d}, with(live(d, "1", "0"), func(l *LiveOrder) { l.Price = dec("64000") }))
			}(),
			kind: NoOp,
			want: []string{"error: Amount below the minimum", "error: Invalid amount increment"},
		},
		{
			name: "kept stop-limit: stop on the wrong side",
			in: kept("64100", func(o *Order) {
				o.Side, o.Type, o.StopPrice = "sell", "stop-limit", dec("64050")
			}),
			kind: NoOp,
			want: []string{"error: Stop price on the wrong side"},
		},
		{
			name: "kept: max_order_notional holds",
			in: func() Input {
				in := kept("64100")
				in.Guard = &Guard{AllowCrossing: true, MaxOrderNotional: decimalNull("5000")}
				return in
			}(),
			kind: NoOp,
			want: []string{"error: Refused by guard max_order_notional"},
		},
		{
			name: "kept: the market guards and the symbol's status are for placements",
			in: func() Input {
				in := kept("64500")
				in.Tickers = tick
				in.Guard = &Guard{MaxPriceDeviation: decimalNull("0.001")} // allow_crossing = false too
				r := btcRules["btcusd"]
				r.Status = "cancel_only"
				in.Rules = map[string]SymbolRules{"btcusd": r}
				return in
			}(),
			kind: NoOp,
		},
		{
			name:   "filled: a price off its step",
			in:     filled("64000.001"),
			kind:   Filled,
			want:   []string{"error: Invalid price increment"},
			detail: []string{"It has filled and is not placed again"},
		},
		{
			name: "filled and valid: fine",
			in:   filled("64000.01"),
			kind: Filled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, diags := Compute(tt.in)
			if len(p.Actions) != 1 || p.Actions[0].Kind != tt.kind {
				t.Fatalf("actions %+v, want one %s", p.Actions, tt.kind)
			}
			if diff := cmp.Diff(tt.want, diagSummaries(t, diags), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s\n%s", diff, diagText(diags))
			}
			text := diagText(diags)
			for _, d := range tt.detail {
				if !strings.Contains(text, d) {
					t.Errorf("diagnostics do not mention %q:\n%s", d, text)
				}
			}
			for _, d := range diags {
				if d.Subject == nil {
					t.Errorf("%q has no subject", d.Summary)
				}
			}
		})
	}
}

func TestIsManaged(t *testing.T) {
	for id, want := range map[string]bool{
		"of:ns:0123456789abcdef":   true,
		" of:ns:0123456789abcdef":  false,
		"of:ns:0123456789abcdef ":  false,
		"of:ns:0123456789ABCDEF":   false,
		"of:ns:0123456789abcde":    false,
		"of:ns:0123456789abcdef0":  false,
		"of:ns:0123456789abcdeg":   false,
		"of:nsx:0123456789abcdef":  false,
		"of:ns:0123456789abcdef\n": false,
		"":                         false,
	} {
		if got := IsManaged("ns", id); got != want {
			t.Errorf("IsManaged(ns, %q) = %t, want %t", id, got, want)
		}
	}
}

// TestComputeReplaceOutsideTargets: -replace of an order that -target
// leaves out is an error naming it, not a silent "No changes" (issue 15,
// case 12).
func TestComputeReplaceOutsideTargets(t *testing.T) {
	a, b := buy("order.a", "1", "100"), buy(`order.b["x"]`, "1", "100")
	for _, tc := range []struct {
		name             string
		targets, replace []string
		wantErr          bool
	}{
		{"outside", []string{"order.a"}, []string{`order.b["x"]`}, true},
		{"a block outside", []string{"order.a"}, []string{"order.b"}, true},
		{"inside", []string{"order.a"}, []string{"order.a"}, false},
		{"inside a targeted block", []string{"order.b"}, []string{`order.b["x"]`}, false},
		{"no target", nil, []string{`order.b["x"]`}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := input([]Order{a, b}, live(a, "1", "0"), live(b, "2", "0"))
			in.Targets, in.Replace = tc.targets, tc.replace
			p, diags := Compute(in)
			var errs []*hcl.Diagnostic
			for _, d := range diags {
				if d.Severity == hcl.DiagError {
					errs = append(errs, d)
				}
			}
			if !tc.wantErr {
				if len(errs) != 0 || p.Errored {
					t.Errorf("errors %v", errs)
				}
				return
			}
			if len(errs) != 1 || !p.Errored || !strings.Contains(errs[0].Detail, "-replace="+tc.replace[0]) || !strings.Contains(errs[0].Detail, "-target") {
				t.Errorf("errors %v, want one naming -replace=%s and -target", errs, tc.replace[0])
			}
		})
	}
}
