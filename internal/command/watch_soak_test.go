package command

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"orderform/gemini/sim"
	"orderform/plan"
)

var (
	watchSoakCycles = flag.Int("watchsoak.cycles", 60, "watch soak: cycles to run (2000 or more for the full soak)")
	watchSoakSeed   = flag.Uint64("watchsoak.seed", 0, "watch soak: random seed (0 = from the clock)")
)

// The watch soak's limits, in its watch block.
const (
	wsPlacePerMinute  = 12
	wsCancelPerMinute = 12
	wsPlacePerDay     = 1500
	wsNotionalPerDay  = 30000 // USD: reached after about 940 placements, late in the full soak
	wsInterval        = 3 * time.Second
)

// TestWatchSoak runs `orderform watch` for many cycles against a market on
// a random walk, with the simulator's faults on at random (lost answers,
// 5xx, 429, dropped connections, latency) and fills now and then, and
// holds the book to its invariants after every cycle: never two live
// orders at an address, nothing outside the namespace touched, and each
// churn limit kept in every window (counted on the exchange: the orders
// it created and cancelled). -watchsoak.cycles=2000 is the full soak; the
// default is a short one for CI.
func TestWatchSoak(t *testing.T) {
	seed := *watchSoakSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("watch soak seed %d (-watchsoak.seed=%d repeats it)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	e := newE2E(t, e2eOptions{sim: sim.Options{Walk: &sim.Walk{Seed: seed, MaxStepBps: 25, Symbols: []string{"ethusd"}}}})
	e.write(e.exchangeBlock() + fmt.Sprintf(`
data "ticker" "eth" { symbol = "ethusd" }
data "symbol" "eth" { symbol = "ethusd" }

order "ladder" {
  for_each = { l1 = 0.998, l2 = 0.996, l3 = 0.994, l4 = 0.992 }
  symbol   = "ethusd"
  side     = "buy"
  amount   = "0.01"
  price    = floor_to(data.ticker.eth.bid * each.value, data.symbol.eth.price_increment)
  lifecycle {
    reprice_tolerance = 0.002
    on_fill           = "replace"
  }
}

order "ask" {
  symbol = "ethusd"
  side   = "sell"
  amount = "0.01"
  price  = ceil_to(data.ticker.eth.ask * 1.004, data.symbol.eth.price_increment)
  lifecycle {
    reprice_tolerance = 0.003
  }
}

watch {
  max_placements_per_minute = %d
  max_cancels_per_minute    = %d
  max_placements_per_day    = %d
  max_notional_per_day      = { USD = %d }
  max_consecutive_failures  = 1000
}
`, wsPlacePerMinute, wsCancelPerMinute, wsPlacePerDay, wsNotionalPerDay))
	// An order beside ours, which watch must never touch.
	beside := placeBeside(t, e)

	h := startWatch(t, e, "-interval", wsInterval.String(), "-probe", "0s")
	type counted struct {
		at              time.Time
		placed, cancels int
		notional        decimal.Decimal
	}
	var history []counted
	seen := map[string]bool{}    // order ids of the namespace seen
	wasLive := map[string]bool{} // ... and live at the last look
	account := func() counted {
		c := counted{at: h.clock.Now()}
		for _, o := range e.sim.Orders() {
			if !strings.HasPrefix(o.ClientOrderID, plan.ManagedPrefix(e.ns)) {
				continue
			}
			if !seen[o.ID] {
				seen[o.ID] = true
				c.placed++
				c.notional = c.notional.Add(o.Price.Mul(o.Original))
			}
			if wasLive[o.ID] && !o.Live && o.Cancelled {
				c.cancels++
			}
			wasLive[o.ID] = o.Live
		}
		return c
	}
	violations := 0
	violate := func(format string, args ...any) {
		violations++
		if violations <= 20 {
			t.Errorf(format, args...)
		}
	}
	check := func(cycle int) {
		history = append(history, account())
		now := h.clock.Now()
		var pm, cm, pd int
		nd := decimal.Zero
		for _, c := range history {
			if c.at.After(now.Add(-time.Minute)) {
				pm += c.placed
				cm += c.cancels
			}
			if c.at.After(now.Add(-24 * time.Hour)) {
				pd += c.placed
				nd = nd.Add(c.notional)
			}
		}
		if nd.GreaterThan(decimal.NewFromInt(wsNotionalPerDay)) {
			violate("cycle %d: %s USD placed in the last day, limit %d", cycle, nd, wsNotionalPerDay)
		}
		switch {
		case pm > wsPlacePerMinute:
			violate("cycle %d: %d placements in the last minute, limit %d", cycle, pm, wsPlacePerMinute)
		case cm > wsCancelPerMinute:
			violate("cycle %d: %d cancels in the last minute, limit %d", cycle, cm, wsCancelPerMinute)
		case pd > wsPlacePerDay:
			violate("cycle %d: %d placements in the last day, limit %d", cycle, pd, wsPlacePerDay)
		}
		live := map[string]string{}
		for _, o := range e.sim.Orders() {
			if !o.Live || !strings.HasPrefix(o.ClientOrderID, plan.ManagedPrefix(e.ns)) {
				continue
			}
			if prev, dup := live[o.ClientOrderID]; dup {
				violate("cycle %d: two live orders under %s: %s and %s", cycle, o.ClientOrderID, prev, o.ID)
			}
			live[o.ClientOrderID] = o.ID
		}
		if o, err := e.sim.Order(beside.ID); err != nil || !o.Live || !o.Executed.IsZero() {
			violate("cycle %d: the order beside ours was touched: %+v %v", cycle, o, err)
		}
	}
	check(0)
	faults := map[string]int{}
	for cycle := 1; cycle < *watchSoakCycles; cycle++ {
		if err := e.sim.WalkStep(1 + rng.IntN(3)); err != nil {
			t.Fatal(err)
		}
		if rng.IntN(4) == 0 {
			f := randomFault(rng)
			faults[faultName(f)]++
			e.sim.SetFault(f)
		}
		if rng.IntN(10) == 0 { // someone trades against one of ours
			if live := e.live(); len(live) > 0 {
				o := live[rng.IntN(len(live))]
				e.sim.Fill(o.ID, d("0"))
			}
		}
		h.nextCycle()
		e.sim.ClearFaults()
		check(cycle)
		if violations > 20 {
			break
		}
	}
	r := h.stop()
	if r.code != 0 {
		violate("watch exited %d:\n%s", r.code, r)
	}
	outcomes := map[string]int{}
	for _, c := range h.cycles() {
		outcomes[c["outcome"].(string)]++
		if c["overrun"] != nil {
			violate("cycle %v sent past its allowance: %v", c["cycle"], c["overrun"])
		}
	}
	placed, cancelled := 0, 0
	for _, c := range history {
		placed += c.placed
		cancelled += c.cancels
	}
	t.Logf("%d cycles (%v), %d placed, %d cancelled, %d limit events, faults %v, %d violations",
		len(h.cycles()), outcomes, placed, cancelled, len(h.eventsOf("limit")), faults, violations)
	if n := len(h.cycles()); n < *watchSoakCycles {
		t.Errorf("%d cycles, want %d", n, *watchSoakCycles)
	}
}

var watchSoakFaultPaths = []string{"/v1/order/new", "/v1/order/new", "/v1/order/cancel", "/v1/order/status", "/v1/orders", "/v1/balances"}

func randomFault(rng *rand.Rand) sim.Fault {
	f := sim.Fault{Path: watchSoakFaultPaths[rng.IntN(len(watchSoakFaultPaths))], Count: 1}
	switch rng.IntN(5) {
	case 0:
		f.Kind = sim.FaultLoseResponse
	case 1:
		f.Kind, f.Status = sim.FaultStatus, []int{500, 502, 503}[rng.IntN(3)]
	case 2:
		f.Kind, f.Status = sim.FaultStatus, 429
	case 3:
		f.Kind = sim.FaultDrop
	case 4:
		f.Kind, f.Latency = sim.FaultLatency, time.Duration(1+rng.IntN(20))*time.Millisecond
	}
	if f.Kind == sim.FaultLoseResponse && !strings.HasPrefix(f.Path, "/v1/order/") {
		f.Kind = sim.FaultDrop // a read has nothing to lose
	}
	return f
}

// placeBeside places an order by hand, outside any namespace.
func placeBeside(t *testing.T, e *e2e) sim.OrderView {
	t.Helper()
	r := e.run(context.Background(), "sim", "order", "-url", e.url, "ethusd", "buy", "0.01", "1000")
	if r.code != 0 {
		t.Fatalf("%s", r)
	}
	for _, o := range e.sim.Orders() {
		if o.Live && !strings.HasPrefix(o.ClientOrderID, "of:") {
			return o
		}
	}
	t.Fatal("the order beside was not placed")
	return sim.OrderView{}
}
