package apply_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"orderform/apply"
	"orderform/plan"
)

// fault is what the fake does with one request instead of the usual.
type fault struct {
	drop         bool   // the request has no effect
	err          error  // returned instead of the answer
	cancelReason string // Place: the order lands cancelled at once with this reason
}

var (
	errTimeout  = fmt.Errorf("POST /v1/order/new: context deadline exceeded: %w", apply.ErrAmbiguous)
	errNotFound = errors.New("OrderNotFound: Order not found")
	errFunds    = errors.New("InsufficientFunds: Failed to place buy order due to insufficient funds")
)

// call is one request the fake received.
type call struct {
	method, arg string
	afterStop   bool // the test had cancelled the context when it arrived
}

// fakeExchange is an in-memory book. Faults are injected per request.
type fakeExchange struct {
	mu     sync.Mutex
	orders []*plan.LiveOrder // every order ever, oldest first
	nextID int
	clock  int64 // ms; advances by one second on every request
	calls  []call

	stopped atomic.Bool // set by the test's interrupt
	torn    atomic.Bool // a request's context was done when it was answered

	onPlace  func(n int, o plan.Order) fault
	onCancel func(n int, id string) fault
	onLookup func(n int, id string) fault
	onActive func() fault
	// afterPlace runs (unlocked) after a Place has been decided, before it
	// answers: a test interrupts here, or lets "another apply" place too.
	afterPlace func(n int, lo plan.LiveOrder)
	// landable answers Landable; default: dead at once (increasing nonces).
	landable func(err error) (time.Duration, bool)
}

func newFake() *fakeExchange {
	return &fakeExchange{nextID: 1000, clock: 1_700_000_000_000}
}

func (f *fakeExchange) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return time.UnixMilli(f.clock)
}

// advance moves the clock.
func (f *fakeExchange) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clock += d.Milliseconds()
}

func (f *fakeExchange) record(method, arg string) int {
	f.clock += 1000
	f.calls = append(f.calls, call{method, arg, f.stopped.Load()})
	n := 0
	for _, c := range f.calls {
		if c.method == method {
			n++
		}
	}
	return n
}

// add puts an order on the book as if placed now.
func (f *fakeExchange) add(o plan.Order) *plan.LiveOrder {
	f.nextID++
	lo := &plan.LiveOrder{
		OrderID: strconv.Itoa(f.nextID), ClientOrderID: o.ClientOrderID, Symbol: o.Symbol, Side: o.Side, Type: o.Type,
		Price: o.Price, StopPrice: o.StopPrice, OriginalAmount: o.Amount, RemainingAmount: o.Amount,
		Options: o.Options, IsLive: true, TimestampMS: f.clock,
	}
	f.orders = append(f.orders, lo)
	return lo
}

// seed puts a live order on the book before the run.
func (f *fakeExchange) seed(o plan.Order) plan.LiveOrder {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clock += 1000
	return *f.add(o)
}

// fill fills an order by amount (all of it when amount is zero).
func (f *fakeExchange) fill(orderID string, amount string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	lo := f.find(orderID)
	a := lo.RemainingAmount
	if amount != "" {
		a = decimal.RequireFromString(amount)
	}
	lo.ExecutedAmount = lo.ExecutedAmount.Add(a)
	lo.RemainingAmount = lo.RemainingAmount.Sub(a)
	lo.IsLive = lo.RemainingAmount.IsPositive()
}

func (f *fakeExchange) find(orderID string) *plan.LiveOrder {
	for _, lo := range f.orders {
		if lo.OrderID == orderID {
			return lo
		}
	}
	return nil
}

func (f *fakeExchange) Place(ctx context.Context, o plan.Order) (plan.LiveOrder, error) {
	f.mu.Lock()
	n := f.record("place", o.ClientOrderID)
	var ft fault
	if f.onPlace != nil {
		ft = f.onPlace(n, o)
	}
	var lo plan.LiveOrder
	if !ft.drop && (ft.err == nil || errors.Is(ft.err, apply.ErrAmbiguous)) {
		p := f.add(o)
		if ft.cancelReason != "" {
			p.IsLive, p.IsCancelled, p.Reason = false, true, ft.cancelReason
		}
		lo = *p
	}
	after := f.afterPlace
	f.mu.Unlock()
	if after != nil {
		after(n, lo)
	}
	if ctx.Err() != nil {
		f.torn.Store(true)
	}
	if ft.err != nil {
		return plan.LiveOrder{}, ft.err
	}
	return lo, nil
}

func (f *fakeExchange) Cancel(ctx context.Context, orderID string) (plan.LiveOrder, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.record("cancel", orderID)
	var ft fault
	if f.onCancel != nil {
		ft = f.onCancel(n, orderID)
	}
	lo := f.find(orderID)
	if lo == nil {
		return plan.LiveOrder{}, errNotFound
	}
	if !ft.drop && lo.IsLive {
		lo.IsLive, lo.IsCancelled, lo.Reason = false, true, "Requested"
	}
	if ft.err != nil {
		return plan.LiveOrder{}, ft.err
	}
	return *lo, nil
}

func (f *fakeExchange) Lookup(ctx context.Context, clientOrderID string) ([]plan.LiveOrder, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.record("lookup", clientOrderID)
	if ctx.Err() != nil {
		f.torn.Store(true)
	}
	if f.onLookup != nil {
		if ft := f.onLookup(n, clientOrderID); ft.err != nil {
			return nil, ft.err
		}
	}
	var out []plan.LiveOrder
	for _, lo := range f.orders {
		if lo.ClientOrderID == clientOrderID {
			out = append(out, *lo)
		}
	}
	return out, nil
}

func (f *fakeExchange) Landable(err error) (time.Duration, bool) {
	if f.landable != nil {
		return f.landable(err)
	}
	return 0, true
}

func (f *fakeExchange) ActiveOrders(ctx context.Context) ([]plan.LiveOrder, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("active", "")
	if f.onActive != nil {
		if ft := f.onActive(); ft.err != nil {
			return nil, ft.err
		}
	}
	return f.liveLocked(), nil
}

func (f *fakeExchange) liveLocked() []plan.LiveOrder {
	var out []plan.LiveOrder
	for _, lo := range f.orders {
		if lo.IsLive {
			out = append(out, *lo)
		}
	}
	return out
}

// live returns the live orders per client order id.
func (f *fakeExchange) live() map[string][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := map[string][]string{}
	for _, lo := range f.liveLocked() {
		m[lo.ClientOrderID] = append(m[lo.ClientOrderID], lo.OrderID)
	}
	return m
}

// methods lists the requests received as "method arg".
func (f *fakeExchange) methods() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, c := range f.calls {
		out = append(out, c.method+" "+c.arg)
	}
	return out
}

func (f *fakeExchange) count(method, arg string) int {
	n := 0
	for _, m := range f.methods() {
		if m == method+" "+arg {
			n++
		}
	}
	return n
}

// --- plan helpers ---

func cid(addr string) string {
	r := strings.NewReplacer(`order.`, "", `[`, "-", `]`, "", `"`, "")
	return "of:test:" + r.Replace(addr)
}

func order(addr string) plan.Order {
	return plan.Order{
		Address: addr, ClientOrderID: cid(addr), Symbol: "btcusd", Side: "buy", Type: "limit",
		Amount: decimal.RequireFromString("0.01"), Price: decimal.RequireFromString("60000"),
	}
}

func create(addr string) plan.Action {
	o := order(addr)
	return plan.Action{Kind: plan.Create, Address: addr, ClientOrderID: o.ClientOrderID, After: &o}
}

func cancel(addr string, before plan.LiveOrder) plan.Action {
	return plan.Action{Kind: plan.Cancel, Address: addr, ClientOrderID: before.ClientOrderID, Before: &before, Reasons: []string{"not in configuration"}}
}

func replace(addr string, before plan.LiveOrder) plan.Action {
	o := order(addr)
	o.Price = decimal.RequireFromString("61000")
	return plan.Action{Kind: plan.Replace, Address: addr, ClientOrderID: o.ClientOrderID, Before: &before, After: &o,
		Reasons: []string{"price 60000 -> 61000"}, Changed: []string{"price"}}
}

// events records hook calls as "hook action outcome address".
type events struct {
	mu      sync.Mutex
	lines   []string
	busy    atomic.Int32 // hooks running at once; must stay ≤ 1
	overlap atomic.Bool
}

func (e *events) hooks() apply.Hooks {
	rec := func(kind string) func(apply.Event) {
		return func(ev apply.Event) {
			if e.busy.Add(1) > 1 {
				e.overlap.Store(true)
			}
			defer e.busy.Add(-1)
			e.mu.Lock()
			defer e.mu.Unlock()
			e.lines = append(e.lines, strings.Join(strings.Fields(fmt.Sprintf("%s %s %s %s", kind, ev.Action, ev.Outcome, ev.Address)), " "))
		}
	}
	return apply.Hooks{Start: rec("start"), Progress: rec("progress"), Complete: rec("complete"), Errored: rec("errored")}
}

func (e *events) list() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.lines)
}

// options for tests: no real sleeping, the fake's clock, one request at a
// time unless a test says otherwise.
func testOptions(f *fakeExchange) apply.Options {
	return apply.Options{
		Namespace:   "test",
		Sleep:       func(ctx context.Context, d time.Duration) error { return ctx.Err() },
		Now:         f.now,
		Concurrency: 1,
	}
}

// run applies a plan made of actions.
func run(ctx context.Context, ex apply.Exchange, actions []plan.Action, opts apply.Options) *apply.Report {
	return apply.Apply(ctx, ex, &plan.Plan{Actions: actions, Target: plan.Target{Namespace: "test"}}, opts)
}

// addresses lists the addresses of results.
func addresses(rs []apply.Result) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Address)
	}
	return out
}

func mustOK(t *testing.T, rep *apply.Report) {
	t.Helper()
	if !rep.OK() {
		var b strings.Builder
		rep.Render(&b, false)
		t.Fatalf("report not OK:\n%s", b.String())
	}
}
