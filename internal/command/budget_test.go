package command

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"orderform/gemini/sim"
)

// The call budget (docs/performance.md, "The call budget"): these tests drive the
// command line against a simulator on loopback and count the requests it
// received, per Gemini path.

// Gemini paths, public and private.
const (
	pathOrders   = "/v1/orders"
	pathBalances = "/v1/balances"
	pathRoles    = "/v1/roles"
	pathNew      = "/v1/order/new"
	pathHistory  = "/v1/orders/history"
	pathFees     = "/v1/notionalvolume"
	pathDetails  = "/v1/symbols/details/"
	pathTicker   = "/v1/pubticker/"
)

// gridSymbol is a simulator symbol with an amount and a starting price for
// resting buys well below its market.
type gridSymbol struct{ symbol, amount, price, step string }

var gridSymbols = []gridSymbol{
	{"btcusd", "0.00001", "50000.00", "0.01"},
	{"ethusd", "0.001", "2500.00", "0.01"},
	{"ethbtc", "0.001", "0.04000", "0.00001"},
	{"solusd", "0.001", "120.000", "0.001"},
	{"dogeusd", "0.1", "0.12000", "0.00001"},
	{"xrpusd", "0.1", "0.50000", "0.00001"},
	{"ltcusd", "0.01", "60.00", "0.01"},
	{"linkusd", "0.1", "12.00000", "0.00001"},
}

// writeGrid writes a configuration of n resting buys spread over the first
// nsym simulator symbols: for_each over a generated map. With guard, a
// guard block that refuses crossing orders, so the plan reads the ticker of
// every symbol in use.
func (b *simBench) writeGrid(tb testing.TB, n, nsym int, guard bool) {
	tb.Helper()
	if nsym > len(gridSymbols) {
		tb.Fatalf("the simulator lists %d symbols, not %d", len(gridSymbols), nsym)
	}
	var w strings.Builder
	fmt.Fprintf(&w, "exchange {\n  environment = \"local\"\n  url = %q\n  namespace = \"perf\"\n}\n\n", b.url)
	w.WriteString("locals {\n  grid = {\n")
	for i := range n {
		g := gridSymbols[i%nsym]
		price := decimal.RequireFromString(g.price).Sub(decimal.RequireFromString(g.step).Mul(decimal.NewFromInt(int64(i / nsym))))
		fmt.Fprintf(&w, "    o%05d = { symbol = %q, price = %q, amount = %q }\n", i, g.symbol, price.String(), g.amount)
	}
	w.WriteString("  }\n}\n\n")
	w.WriteString(`order "grid" {
  for_each = local.grid
  symbol   = each.value.symbol
  side     = "buy"
  amount   = each.value.amount
  price    = each.value.price
}
`)
	if guard {
		w.WriteString("\nguard {\n  allow_crossing = false\n}\n")
	}
	if err := os.WriteFile(filepath.Join(b.dir, "main.hcl"), []byte(w.String()), 0o600); err != nil {
		tb.Fatal(err)
	}
}

// fast lifts the client's pacing so that setting up a book is quick.
var fast = []string{"ORDERFORM_RATE_PRIVATE=100000", "ORDERFORM_RATE_PUBLIC=100000"}

// seed applies the configuration so that its orders are live, then resets
// the simulator's request counts.
func (b *simBench) seed(tb testing.TB) {
	tb.Helper()
	b.mustRun(tb, exitOK, []string{"apply", "-auto-approve", "-no-color", b.dir}, fast...)
	b.s.ResetRequests()
}

// calls sums the simulator's request counts into private calls by path and
// public calls by path prefix (one entry per kind of public call).
type calls struct {
	private map[string]int
	public  map[string]int // by path with the symbol cut off
}

func (b *simBench) calls() calls {
	c := calls{private: map[string]int{}, public: map[string]int{}}
	for path, n := range b.s.Requests() {
		switch {
		case strings.HasPrefix(path, pathDetails):
			c.public[pathDetails] += n
		case strings.HasPrefix(path, pathTicker):
			c.public[pathTicker] += n
		case strings.HasPrefix(path, "/v1/symbols"), strings.HasPrefix(path, "/v1/pricefeed"), strings.HasPrefix(path, "/v2/"):
			c.public[path] += n
		default:
			c.private[path] += n
		}
	}
	return c
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// A no-change plan costs the same number of calls however many orders are
// live: with the roles and rules caches warm, /v1/orders and /v1/balances,
// and nothing public unless a guard needs the tickers.
func TestBudgetNoChangePlan(t *testing.T) {
	t.Parallel()
	const nsym = 8 // every symbol the simulator lists
	for _, n := range []int{8, 80, 400} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			b := newSimBench(t, sim.Options{})
			b.writeGrid(t, n, nsym, true)
			b.seed(t) // warms both caches

			b.mustRun(t, exitOK, []string{"plan", "-detailed-exitcode", b.dir}, fast...)
			got := b.calls()
			want := calls{
				private: map[string]int{pathOrders: 1, pathBalances: 1},
				public:  map[string]int{}, // the crossing guard reads tickers only where orders are placed
			}
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(calls{})); diff != "" {
				t.Errorf("calls of a no-change plan of %d live orders (-want +got):\n%s", n, diff)
			}
		})
	}
}

// Issue 5: a plan over 1,000 live orders makes at most 2 private calls plus
// 2 public per symbol, on the first plan of a fresh cache too (rules and
// ticker per symbol; the roles check is the one extra private call, once a
// day).
func TestBudgetPlan1000Live(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("places 1,000 orders")
	}
	const n, nsym = 1000, 8
	b := newSimBench(t, sim.Options{})
	b.writeGrid(t, n, nsym, true)
	b.seed(t)

	os.RemoveAll(b.cache) // a machine that never planned against this exchange
	b.mustRun(t, exitOK, []string{"plan", "-detailed-exitcode", b.dir}, fast...)
	cold := b.calls()
	if p := sum(cold.private); p > 3 {
		t.Errorf("cold plan of %d live orders: %d private calls %v, want at most 3 (roles, orders, balances)", n, p, cold.private)
	}
	if p := sum(cold.public); p > 2*nsym {
		t.Errorf("cold plan of %d live orders on %d symbols: %d public calls %v, want at most %d", n, nsym, p, cold.public, 2*nsym)
	}

	b.s.ResetRequests()
	b.mustRun(t, exitOK, []string{"plan", "-detailed-exitcode", b.dir}, fast...)
	warm := b.calls()
	if p := sum(warm.private); p > 2 {
		t.Errorf("warm plan of %d live orders: %d private calls %v, want at most 2", n, p, warm.private)
	}
	if p := sum(warm.public); p > 2*nsym {
		t.Errorf("warm plan of %d live orders on %d symbols: %d public calls %v, want at most %d", n, nsym, p, warm.public, 2*nsym)
	}
}

// A first plan of N new orders reads the history once per symbol (nothing
// was ever placed, so one page each), never once per order, and, since it
// places buys, the account's fee rates once.
func TestBudgetFirstPlan(t *testing.T) {
	t.Parallel()
	const nsym = 8
	for _, n := range []int{8, 200} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			b := newSimBench(t, sim.Options{})
			b.writeGrid(t, n, nsym, false)
			b.mustRun(t, exitChanges, []string{"plan", "-detailed-exitcode", b.dir}, fast...)
			got := b.calls()
			want := calls{
				private: map[string]int{pathRoles: 1, pathOrders: 1, pathBalances: 1, pathHistory: nsym, pathFees: 1},
				public:  map[string]int{pathDetails: nsym},
			}
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(calls{})); diff != "" {
				t.Errorf("calls of a first plan of %d new orders (-want +got):\n%s", n, diff)
			}
		})
	}
}

// Apply of N placements costs the plan's reads, N order/new and one
// verifying read of the active orders: no lookups when nothing was
// ambiguous.
func TestBudgetApply(t *testing.T) {
	t.Parallel()
	const nsym = 8
	for _, n := range []int{8, 200} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			b := newSimBench(t, sim.Options{})
			b.writeGrid(t, n, nsym, false)
			b.mustRun(t, exitOK, []string{"plan", b.dir}, fast...) // warm the caches
			b.s.ResetRequests()

			b.mustRun(t, exitOK, []string{"apply", "-auto-approve", b.dir}, fast...)
			got := b.calls()
			want := calls{
				private: map[string]int{pathOrders: 2, pathBalances: 1, pathHistory: nsym, pathNew: n},
				public:  map[string]int{},
			}
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(calls{})); diff != "" {
				t.Errorf("calls of an apply of %d placements (-want +got):\n%s", n, diff)
			}
			if live := len(b.s.Orders()); live != n {
				t.Errorf("%d orders on the book, want %d", live, n)
			}
		})
	}
}

// At the default pace of the real environments (5/s private, 1/s public,
// bursts of five), a plan that reads a ticker for each of 8 symbols (every
// order is replaced, and the crossing guard checks each new price) stays
// inside Gemini's public limit (120/min, five queued) without a single 429.
func TestBudgetNo429AtDefaultPace(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("paced: takes seconds")
	}
	const n, nsym = 8, 8
	// Private calls are not what is tested: lift their limit so that the
	// setup is quick.
	s := newSim(t, sim.Options{RateLimit: true, PrivatePerMinute: 1 << 30})
	arr := &arrivals{}
	srv := httptest.NewServer(arr.wrap(s))
	t.Cleanup(srv.Close)
	b := newBench(t, s, srv.URL)
	b.writeGrid(t, n, nsym, false) // no tickers: a quicker setup
	b.mustRun(t, exitOK, []string{"apply", "-auto-approve", b.dir}, "ORDERFORM_RATE_PRIVATE=100000", "ORDERFORM_RATE_PUBLIC=2")
	b.writeGrid(t, n, nsym, true)
	time.Sleep(time.Second) // let the simulator's buckets fill
	arr.reset()
	b.s.ResetRequests()

	// -replace makes every order a placement, so the crossing guard needs
	// the ticker of every symbol.
	b.mustRun(t, exitOK, []string{"plan", "-replace=order.grid", b.dir}, "ORDERFORM_RATE_PRIVATE=5", "ORDERFORM_RATE_PUBLIC=1")
	if got := b.calls(); got.public[pathTicker] != nsym {
		t.Errorf("%d ticker reads, want %d", got.public[pathTicker], nsym)
	}
	arr.mu.Lock()
	defer arr.mu.Unlock()
	if arr.n429 != 0 {
		t.Errorf("%d answers 429", arr.n429)
	}
}

// The crossing guard reads the ticker of a symbol only when the plan places
// an order on it: re-placing one order reads one ticker.
func TestBudgetGuardTickersOnlyForPlacements(t *testing.T) {
	t.Parallel()
	const n, nsym = 16, 8
	b := newSimBench(t, sim.Options{})
	b.writeGrid(t, n, nsym, true)
	b.seed(t)

	b.mustRun(t, exitOK, []string{"plan", `-replace=order.grid["o00000"]`, b.dir}, fast...)
	got := b.calls()
	want := calls{
		private: map[string]int{pathOrders: 1, pathBalances: 1},
		public:  map[string]int{pathTicker: 1},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(calls{})); diff != "" {
		t.Errorf("calls of a plan replacing one order (-want +got):\n%s", diff)
	}
}
