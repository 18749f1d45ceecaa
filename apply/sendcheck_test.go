package apply_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"orderform/apply"
	"orderform/plan"
)

var btcRules = map[string]plan.SymbolRules{"btcusd": {Symbol: "btcusd", Base: "BTC", Quote: "USD",
	PriceIncrement: decimal.RequireFromString("0.01"), AmountIncrement: decimal.RequireFromString("0.00001"),
	MinAmount: decimal.RequireFromString("0.00001"), Status: "open"}}

// managed gives the placement of a a client order id of namespace "test"
// as the checks require it: of:test: and 16 hex digits.
func managed(a plan.Action) plan.Action {
	o := *a.After
	h := sha256.Sum256([]byte(a.Address))
	o.ClientOrderID = "of:test:" + hex.EncodeToString(h[:8])
	a.After, a.ClientOrderID = &o, o.ClientOrderID
	return a
}

// market returns an Options.Market that answers with bid/ask for btcusd
// (or err) and records what it was asked for.
func market(bid, ask string, err error, asked *[]plan.MarketNeeds) func(context.Context, plan.MarketNeeds) (plan.Market, error) {
	return func(_ context.Context, n plan.MarketNeeds) (plan.Market, error) {
		*asked = append(*asked, n)
		if err != nil {
			return plan.Market{}, err
		}
		return plan.Market{Rules: btcRules, Tickers: map[string]plan.Ticker{"btcusd": {
			Bid: decimal.RequireFromString(bid), Ask: decimal.RequireFromString(ask)}}}, nil
	}
}

// TestSendTimeCheckRefusesWhatTheMarketNowRefuses: the market rose since the
// plan, so the replace's new price would cross the ask under allow_crossing
// = false. Neither half of the replace is sent; the create that still rests
// and the plain cancel go ahead; the run fails, naming the guard and the
// market as read.
func TestSendTimeCheckRefusesWhatTheMarketNowRefuses(t *testing.T) {
	f := newFake()
	a := f.seed(order("order.a"))
	b := f.seed(order("order.b"))
	p := &plan.Plan{Target: plan.Target{Namespace: "test"}, Guard: &plan.Guard{},
		Actions: []plan.Action{managed(create("order.c")), managed(replace("order.b", b)), cancel("order.a", a)}}
	var asked []plan.MarketNeeds
	var ev events
	opts := testOptions(f)
	opts.Hooks = ev.hooks()
	opts.Market = market("60900", "60950", nil, &asked)

	rep := apply.Apply(context.Background(), f, p, opts)

	if diff := cmp.Diff([]plan.MarketNeeds{{Rules: []string{"btcusd"}, Tickers: []string{"btcusd"}}}, asked); diff != "" {
		t.Errorf("market reads (-want +got):\n%s", diff)
	}
	want := []string{"cancel " + a.OrderID, "place " + p.Actions[0].ClientOrderID, "active "}
	if diff := cmp.Diff(want, f.methods()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if rep.OK() {
		t.Fatal("the report is OK although a placement was refused")
	}
	res := only(t, &apply.Report{Failed: rep.Failed})
	for _, s := range []string{"order.b", "allow_crossing", "ask 60950", "Market now: btcusd bid 60900, ask 60950", "old order " + b.OrderID + " was left as it was"} {
		if !strings.Contains(res.Address+" "+res.Reason, s) {
			t.Errorf("the failure does not say %q: %s: %s", s, res.Address, res.Reason)
		}
	}
	if res.CancelledOrderID != "" {
		t.Errorf("the refused replace reports cancelling %s", res.CancelledOrderID)
	}
	if got := []int{len(rep.Placed), len(rep.Cancelled), len(rep.Replaced)}; !cmp.Equal(got, []int{1, 1, 0}) {
		t.Errorf("placed, cancelled, replaced = %v, want [1 1 0]", got)
	}
	lines := ev.list()
	if len(lines) < 3 || lines[0] != "start check" || lines[1] != "complete check checked" || lines[2] != "errored place failed order.b" {
		t.Errorf("events start with %q, want the check, then the refusal", lines)
	}
}

// TestSendTimeCheckWithoutAMarket: when the market cannot be read, nothing
// is placed (the checks cannot run) and no replace's cancel is sent; plain
// cancels go ahead.
func TestSendTimeCheckWithoutAMarket(t *testing.T) {
	f := newFake()
	a := f.seed(order("order.a"))
	b := f.seed(order("order.b"))
	p := &plan.Plan{Target: plan.Target{Namespace: "test"},
		Actions: []plan.Action{create("order.c"), replace("order.b", b), cancel("order.a", a)}}
	var asked []plan.MarketNeeds
	opts := testOptions(f)
	opts.Market = market("", "", errors.New("GET /v1/pubticker/btcusd: 503 Service Unavailable"), &asked)

	rep := apply.Apply(context.Background(), f, p, opts)

	if diff := cmp.Diff([]string{"cancel " + a.OrderID, "active "}, f.methods()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"order.c", "order.b"}, addresses(rep.Failed)); diff != "" {
		t.Errorf("failed (-want +got):\n%s", diff)
	}
	for _, r := range rep.Failed {
		if !strings.Contains(r.Reason, "could not be read") || !strings.Contains(r.Reason, "503") {
			t.Errorf("%s: %s", r.Address, r.Reason)
		}
	}
}

// TestSendTimeCheckWarns: a maker-or-cancel order that would take is sent
// (the exchange decides) with the warning as a note and a Warning event.
func TestSendTimeCheckWarns(t *testing.T) {
	f := newFake()
	c := managed(create("order.c"))
	c.After.Options = []string{"maker-or-cancel"}
	var asked []plan.MarketNeeds
	var warnings []string
	opts := testOptions(f)
	opts.Hooks.Warning = func(ev apply.Event) { warnings = append(warnings, ev.Address+": "+ev.Message) }
	opts.Market = market("59000", "60000", nil, &asked)

	rep := apply.Apply(context.Background(), f, &plan.Plan{Target: plan.Target{Namespace: "test"}, Actions: []plan.Action{c}}, opts)
	mustOK(t, rep)
	if len(warnings) != 1 || !strings.Contains(warnings[0], "order.c: Maker-or-cancel order would take") {
		t.Errorf("warnings = %q", warnings)
	}
	if !strings.Contains(rep.Placed[0].Note, "would take") {
		t.Errorf("note = %q", rep.Placed[0].Note)
	}
}

// TestSendTimeCheckNotForCancels: a plan that places nothing reads no
// market.
func TestSendTimeCheckNotForCancels(t *testing.T) {
	f := newFake()
	a := f.seed(order("order.a"))
	var asked []plan.MarketNeeds
	opts := testOptions(f)
	opts.Market = market("1", "2", nil, &asked)
	mustOK(t, run(context.Background(), f, []plan.Action{cancel("order.a", a)}, opts))
	if len(asked) != 0 {
		t.Errorf("read the market for a plan without placements: %+v", asked)
	}
}

// TestSendTimeCheckInterrupted: a Ctrl-C during the market read sends
// nothing and reports the actions as interrupted, not refused.
func TestSendTimeCheckInterrupted(t *testing.T) {
	f := newFake()
	b := f.seed(order("order.b"))
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	opts := testOptions(f)
	opts.Market = func(ctx context.Context, _ plan.MarketNeeds) (plan.Market, error) {
		stop()
		return plan.Market{}, ctx.Err()
	}
	rep := run(ctx, f, []plan.Action{managed(create("order.c")), managed(replace("order.b", b))}, opts)
	if !rep.Interrupted || len(rep.Failed) != 0 || len(rep.Skipped) != 2 {
		t.Errorf("interrupted %v, failed %v, skipped %v; want interrupted with both skipped", rep.Interrupted, addresses(rep.Failed), addresses(rep.Skipped))
	}
	if m := f.methods(); len(m) != 0 {
		t.Errorf("requests after the interrupt: %v", m)
	}
}
