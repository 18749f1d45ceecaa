package command

// The soak: many rounds against one simulator of random configuration edits,
// market moves, orders placed beside ours and faults, with the invariants
// of DESIGN.md §4 and §6 checked after every round.
//
//	go test -run Soak -v                       # the CI version (short)
//	go test -run Soak -v -soak.rounds=500 -soak.time=30m
//	go test -run Soak -v -soak.seed=N          # replay a failure

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"orderform/gemini"
	"orderform/gemini/sim"
	"orderform/spec"
)

var (
	soakSeed   = flag.Uint64("soak.seed", 0, "soak: random seed (0 = from the clock)")
	soakRounds = flag.Int("soak.rounds", 30, "soak: rounds to run")
	soakTime   = flag.Duration("soak.time", 50*time.Second, "soak: start no new round after this long")
	soakShards = flag.Int("soak.shards", 3, "soak: books soaked at once, each with its own seed (seed, seed+1, …) and a share of the rounds")
)

const (
	soakNS          = "soak"
	soakOtherKey    = "account-soak-other"
	soakOtherSecret = "soak-other-secret"
	soakMaxOrders   = 8
	soakMaxBeside   = 6
	soakMaxKeep     = 3 // instances of the protected grid, order.keep
)

// soakMarket is what the soak knows of a symbol.
type soakMarket struct {
	symbol, base, quote string
	priceStep, amtStep  decimal.Decimal
	minAmt, maxAmt      decimal.Decimal
	bid, ask            decimal.Decimal // the resting market; spikes return to it
}

func soakMarkets() []*soakMarket {
	return []*soakMarket{
		{"btcusd", "BTC", "USD", soakDec("0.01"), soakDec("0.00000001"), soakDec("0.0005"), soakDec("0.01"), soakDec("64000.00"), soakDec("64001.00")},
		{"ethusd", "ETH", "USD", soakDec("0.01"), soakDec("0.000001"), soakDec("0.01"), soakDec("0.5"), soakDec("3200.00"), soakDec("3200.50")},
		{"ethbtc", "ETH", "BTC", soakDec("0.00001"), soakDec("0.000001"), soakDec("0.01"), soakDec("0.5"), soakDec("0.05000"), soakDec("0.05001")},
	}
}

func soakDec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// soakOrder is one order block of the configuration.
type soakOrder struct {
	name, symbol, side string
	amount, price      decimal.Decimal
	onFill             string
	// resized: its amount or on_fill changed since it was added, which
	// starts its accounting afresh (checkNoOverfill leaves it alone).
	resized bool
}

// soakMove is a moved block, dropped after ttl rounds.
type soakMove struct {
	from, to string
	ttl      int
}

type soakStats struct {
	rounds, applies, interrupts     int
	faults, edits, moves            map[string]int
	besidePlaced, besideCancelled   int
	ourCancelledOutside             int
	failedApplies, violationsRounds int
	violations                      []string
}

type soak struct {
	t      *testing.T
	rng    *rand.Rand
	h      *relHarness
	other  *gemini.Client
	mk     []*soakMarket
	orders []*soakOrder
	moved  []soakMove
	next   int
	keep   int // count of order.keep, a grid with prevent_cancel; it only grows
	// ledger: every currency's balance must equal initial + funding + trades.
	initial map[string]decimal.Decimal
	funded  map[string]decimal.Decimal
	stats   soakStats
}

// TestSoak soaks -soak.shards books at once, each on its own simulator and
// seed, sharing -soak.rounds: the waits of one (faults, retries, lookups)
// overlap the others'.
func TestSoak(t *testing.T) {
	t.Parallel()
	seed := *soakSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	rounds := *soakRounds
	if testing.Short() && rounds > 10 {
		rounds = 10
	}
	shards := max(1, min(*soakShards, rounds))
	for i := range shards {
		n := rounds / shards
		if i < rounds%shards {
			n++
		}
		t.Run(fmt.Sprintf("seed=%d", seed+uint64(i)), func(t *testing.T) {
			t.Parallel()
			soakBook(t, seed+uint64(i), n)
		})
	}
}

// soakBook runs up to rounds rounds on one book from seed.
func soakBook(t *testing.T, seed uint64, rounds int) {
	t.Logf("soak: seed %d (replay with -soak.seed=%d -soak.shards=1), up to %d rounds or %s", seed, seed, rounds, *soakTime)
	defer func() {
		if t.Failed() {
			t.Logf("soak FAILED: replay with: go test -run TestSoak -v -soak.seed=%d -soak.shards=1 -soak.rounds=%d", seed, rounds)
		}
	}()

	// The exchange's clock is off from this machine's by a skew the seed
	// picks: history cursors and "did it land" must follow the exchange's
	// clock (issue 12, case 1), whichever way it is off.
	skew := []time.Duration{0, 15 * time.Minute, -15 * time.Minute, 90 * time.Second}[seed%4]
	t.Logf("soak: the exchange's clock is %s off this machine's", skew)
	h := newRelHarness(t, relOptions{
		key: "account-soak", secret: "soak-secret",
		sim: sim.Options{Keys: []sim.Key{{Key: soakOtherKey, Secret: soakOtherSecret}},
			Now: func() time.Time { return time.Now().Add(skew) }},
	})
	// Let history walks start right at the last read (no safety margin), so
	// that the soak exercises the cursor rules: nothing here places orders
	// concurrently with a plan.
	h.noHistoryMargin = true
	s := &soak{
		t: t, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), h: h,
		other: h.client(soakOtherKey, soakOtherSecret), mk: soakMarkets(),
		initial: map[string]decimal.Decimal{}, funded: map[string]decimal.Decimal{},
		stats: soakStats{faults: map[string]int{}, edits: map[string]int{}, moves: map[string]int{}},
	}
	for cur, b := range h.srv.Balances() {
		s.initial[cur] = b.Amount
	}
	for _, m := range s.mk {
		if err := h.srv.SetMarket(m.symbol, m.bid, m.ask); err != nil {
			t.Fatal(err)
		}
	}

	start := time.Now()
	for r := 1; r <= rounds && time.Since(start) < *soakTime; r++ {
		before := len(s.stats.violations)
		s.round(r)
		s.stats.rounds++
		if len(s.stats.violations) > before {
			s.stats.violationsRounds++
			for _, v := range s.stats.violations[before:] {
				t.Errorf("round %d (seed %d): %s", r, seed, v)
			}
			break // later rounds would only report the same damage
		}
	}
	st := s.stats
	t.Logf("soak: %d rounds in %s, %d applies (%d failed as faults meant them to, %d interrupted), %d violations",
		st.rounds, time.Since(start).Round(time.Millisecond), st.applies, st.failedApplies, st.interrupts, len(st.violations))
	t.Logf("soak: faults that struck a request: %s; interrupts: %d", soakCounts(st.faults), st.interrupts)
	t.Logf("soak: edits: %s; market: %s", soakCounts(st.edits), soakCounts(st.moves))
	t.Logf("soak: beside ours: %d placed, %d cancelled; %d of ours cancelled outside orderform",
		st.besidePlaced, st.besideCancelled, st.ourCancelledOutside)
}

func soakCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	total := 0
	for k, n := range m {
		keys = append(keys, k)
		total += n
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
	}
	return fmt.Sprintf("%d (%s)", total, strings.Join(parts, ", "))
}

// round is one round: edit, move the market, act beside orderform, apply
// under faults, check; then apply cleanly, plan, check again.
func (s *soak) round(r int) {
	ctx := context.Background()
	existed := map[string]bool{}
	for _, o := range s.h.srv.Orders() {
		existed[o.ID] = true
	}
	s.edit()
	s.writeConfig()
	s.moveMarket()
	s.beside(ctx)
	s.topUp()

	if s.rng.IntN(3) == 0 {
		// The drift fills orders beside ours too, so those are not held
		// to being untouched here.
		s.savedPlanAcrossAMove(ctx)
		s.check("after a saved plan applied across a market move", nil)
		if len(s.stats.violations) > 0 {
			return
		}
	}
	if s.rng.IntN(4) == 0 {
		s.tightBudget(ctx)
		if len(s.stats.violations) > 0 {
			return
		}
	}
	untouched := s.besideSnapshot()
	s.faultyApply(r)
	s.check("after the faulty apply", untouched)
	s.checkNoRebuy("after the faulty apply", existed)
	s.checkNoOverfill("after the faulty apply")
	if len(s.stats.violations) > 0 {
		return
	}

	s.h.srv.ClearFaults()
	res := s.h.run(ctx, "apply", "-auto-approve", "-no-color", s.h.dir)
	if res.code != 0 {
		s.violate("clean apply did not succeed:\n%s", res)
		return
	}
	res = s.h.run(ctx, "plan", "-detailed-exitcode", "-no-color", s.h.dir)
	if res.code != 0 {
		s.violate("plan after a clean apply shows changes or failed (want exit 0):\n%s", res)
		return
	}
	s.check("after the clean apply", untouched)
	s.checkNoRebuy("after the clean apply", existed)
	s.checkNoOverfill("after the clean apply")
	if s.rng.IntN(3) == 0 {
		s.shrinkKeep()
	}
}

// shrinkKeep lowers the protected grid's count by one for a plan and an
// apply: both must fail, naming the removed instance, and leave its live
// order on the book. Then the configuration is restored.
func (s *soak) shrinkKeep() {
	if s.keep < 2 {
		return
	}
	ctx := context.Background()
	addr := fmt.Sprintf("order.keep[%d]", s.keep-1)
	cid := spec.ClientOrderID(soakNS, addr)
	var live string
	for _, o := range s.h.srv.Orders() {
		if o.Live && o.ClientOrderID == cid {
			live = o.ID
		}
	}
	if live == "" {
		return // it filled (on_fill = "done"): nothing to protect
	}
	s.stats.edits["shrink-protected"]++
	s.keep--
	s.writeConfig()
	s.keep++
	defer s.writeConfig()
	want := regexp.MustCompile(`Order is protected by prevent_cancel(?s:.*)order ` + live + ` \(` + cid + `\) of ` + regexp.QuoteMeta(addr))
	for _, args := range [][]string{{"plan", "-no-color", s.h.dir}, {"apply", "-auto-approve", "-no-color", s.h.dir}} {
		res := s.h.run(ctx, args...)
		if res.code != exitError || !want.MatchString(res.stderr) {
			s.violate("%s with count lowered under prevent_cancel: want exit 1 naming %s (order %s):\n%s", args[0], addr, live, res)
		}
	}
	for _, o := range s.h.srv.Orders() {
		if o.ID == live && !o.Live && o.Cancelled {
			s.violate("%s (order %s) was cancelled although its block sets prevent_cancel", addr, live)
		}
	}
}

// checkNoRebuy: an address whose last order filled in full, with
// on_fill = "done", is never placed again (that would buy or sell twice).
// existed holds the order ids from before this round; client order ids are
// never reused across addresses, so an order is checked against the earlier
// orders of its own id.
func (s *soak) checkNoRebuy(when string, existed map[string]bool) {
	done := map[string]bool{}
	for _, o := range s.orders {
		if o.onFill == "done" {
			done[spec.ClientOrderID(soakNS, "order."+o.name)] = true
		}
	}
	byCID := map[string][]sim.OrderView{}
	for _, o := range s.h.srv.Orders() {
		if done[o.ClientOrderID] {
			byCID[o.ClientOrderID] = append(byCID[o.ClientOrderID], o)
		}
	}
	for cid, list := range byCID {
		sort.Slice(list, func(i, j int) bool {
			a, b := list[i].ID, list[j].ID
			return len(a) < len(b) || len(a) == len(b) && a < b
		})
		for j := 1; j < len(list); j++ {
			prev, o := list[j-1], list[j]
			if existed[o.ID] || prev.Live || prev.Cancelled || !prev.Executed.Equal(prev.Original) {
				continue
			}
			s.violate("%s: %s (on_fill = \"done\") was placed again as order %s after order %s filled in full", when, cid, o.ID, prev.ID)
		}
	}
}

// checkNoOverfill: an address with on_fill = "done" never trades more than
// it declares, whatever partial fills, reprices, duplicates and faults
// came between (issue 12, cases 3 and 14): the orders under its client
// order id together fill at most its amount. Orders whose amount or
// on_fill was edited are left out (the declared amount changed), and a
// renamed order is held to its new id's orders only.
func (s *soak) checkNoOverfill(when string) {
	want := map[string]*soakOrder{}
	for _, o := range s.orders {
		if o.onFill == "done" && !o.resized {
			want[spec.ClientOrderID(soakNS, "order."+o.name)] = o
		}
	}
	filled := map[string]decimal.Decimal{}
	for _, o := range s.h.srv.Orders() {
		if _, ok := want[o.ClientOrderID]; ok {
			filled[o.ClientOrderID] = filled[o.ClientOrderID].Add(o.Executed)
		}
	}
	for cid, f := range filled {
		if o := want[cid]; f.GreaterThan(o.amount) {
			s.violate("%s: order.%s (%s, on_fill = \"done\") declares %s but its orders filled %s", when, o.name, cid, o.amount, f)
		}
	}
}

func (s *soak) violate(format string, args ...any) {
	s.stats.violations = append(s.stats.violations, fmt.Sprintf(format, args...))
}

// --- configuration -------------------------------------------------------

func (s *soak) market(symbol string) *soakMarket {
	for _, m := range s.mk {
		if m.symbol == symbol {
			return m
		}
	}
	panic("unknown symbol " + symbol)
}

// price returns a price 2–10% away from the resting market on the side
// that rests: never crossing, so a placement rests rather than trades.
func (s *soak) price(m *soakMarket, side string) decimal.Decimal {
	off := decimal.NewFromInt(int64(200 + s.rng.IntN(800))).Div(decimal.NewFromInt(10000))
	if side == "buy" {
		return soakFloor(m.bid.Mul(decimal.NewFromInt(1).Sub(off)), m.priceStep)
	}
	return soakFloor(m.ask.Mul(decimal.NewFromInt(1).Add(off)), m.priceStep).Add(m.priceStep)
}

func (s *soak) amount(m *soakMarket) decimal.Decimal {
	span := m.maxAmt.Sub(m.minAmt)
	f := decimal.NewFromInt(int64(s.rng.IntN(1001))).Div(decimal.NewFromInt(1000))
	return soakFloor(m.minAmt.Add(span.Mul(f)), m.amtStep)
}

func soakFloor(x, step decimal.Decimal) decimal.Decimal {
	return x.Div(step).Floor().Mul(step)
}

func (s *soak) newName() string {
	s.next++
	return fmt.Sprintf("o%d", s.next)
}

// edit makes one to three random changes to the configuration.
func (s *soak) edit() {
	for i := range s.moved {
		s.moved[i].ttl--
	}
	kept := s.moved[:0]
	for _, mv := range s.moved {
		if mv.ttl > 0 {
			kept = append(kept, mv)
		} else {
			s.stats.edits["drop-moved"]++
		}
	}
	s.moved = kept

	if s.keep == 0 || s.keep < soakMaxKeep && s.rng.IntN(4) == 0 {
		s.keep++
		s.stats.edits["grow-protected"]++
	}
	for n := 1 + s.rng.IntN(3); n > 0; n-- {
		k := s.rng.IntN(10)
		switch {
		case len(s.orders) == 0 || (k < 3 && len(s.orders) < soakMaxOrders):
			m := s.mk[s.rng.IntN(len(s.mk))]
			side := []string{"buy", "sell"}[s.rng.IntN(2)]
			o := &soakOrder{name: s.newName(), symbol: m.symbol, side: side, amount: s.amount(m), price: s.price(m, side), onFill: "done"}
			if s.rng.IntN(2) == 0 {
				o.onFill = "replace"
			}
			s.orders = append(s.orders, o)
			s.stats.edits["add"]++
		case k < 4:
			i := s.rng.IntN(len(s.orders))
			s.dropMovesTo(s.orders[i].name)
			s.orders = append(s.orders[:i], s.orders[i+1:]...)
			s.stats.edits["remove"]++
		case k < 6:
			o := s.orders[s.rng.IntN(len(s.orders))]
			o.price = s.price(s.market(o.symbol), o.side)
			s.stats.edits["reprice"]++
		case k < 7:
			o := s.orders[s.rng.IntN(len(s.orders))]
			o.amount = s.amount(s.market(o.symbol))
			o.resized = true
			s.stats.edits["resize"]++
		case k < 9:
			o := s.orders[s.rng.IntN(len(s.orders))]
			old := o.name
			o.name = s.newName()
			if s.rng.IntN(3) > 0 {
				s.moved = append(s.moved, soakMove{from: old, to: o.name, ttl: 1 + s.rng.IntN(4)})
				s.stats.edits["rename-moved"]++
			} else {
				s.dropMovesTo(old)
				s.stats.edits["rename"]++
			}
		default:
			o := s.orders[s.rng.IntN(len(s.orders))]
			if o.onFill == "done" {
				o.onFill = "replace"
			} else {
				o.onFill = "done"
			}
			o.resized = true
			s.stats.edits["on-fill"]++
		}
	}
}

// dropMovesTo removes the moved blocks that lead to name: its live order
// then belongs to no address and is cancelled.
func (s *soak) dropMovesTo(name string) {
	kept := s.moved[:0]
	for _, mv := range s.moved {
		if mv.to != name {
			kept = append(kept, mv)
		}
	}
	s.moved = kept
}

func (s *soak) writeConfig() {
	var b strings.Builder
	b.WriteString(s.h.exchangeBlock(soakNS))
	// Prices rest 2–10% from the resting market, so this guard refuses
	// nothing at plan time; it is there for savedPlanAcrossAMove.
	b.WriteString("\nguard {\n  allow_crossing = false\n}\n")
	for _, o := range s.orders {
		fmt.Fprintf(&b, "\norder %q {\n  symbol = %q\n  side   = %q\n  amount = %q\n  price  = %q\n  lifecycle {\n    on_fill = %q\n  }\n}\n",
			o.name, o.symbol, o.side, o.amount.String(), o.price.String(), o.onFill)
	}
	for _, mv := range s.moved {
		fmt.Fprintf(&b, "\nmoved {\n  from = order.%s\n  to   = order.%s\n}\n", mv.from, mv.to)
	}
	if s.keep > 0 {
		m := s.mk[0]
		price := soakFloor(m.bid.Div(decimal.NewFromInt(2)), m.priceStep)
		fmt.Fprintf(&b, "\norder \"keep\" {\n  count  = %d\n  symbol = %q\n  side   = \"buy\"\n  amount = %q\n  price  = %q\n  lifecycle {\n    prevent_cancel = true\n  }\n}\n",
			s.keep, m.symbol, m.minAmt.String(), price.String())
	}
	s.h.write(map[string]string{"main.hcl": b.String()})
}

// --- the market and the account beside orderform --------------------------

// moveMarket spikes a market through resting orders and back (they fill in
// full), and fills some live orders in part.
func (s *soak) moveMarket() {
	srv := s.h.srv
	for n := s.rng.IntN(3); n > 0; n-- {
		m := s.mk[s.rng.IntN(len(s.mk))]
		f := decimal.NewFromInt(int64(300 + s.rng.IntN(900))).Div(decimal.NewFromInt(10000))
		var bid, ask decimal.Decimal
		if s.rng.IntN(2) == 0 {
			bid = soakFloor(m.bid.Mul(decimal.NewFromInt(1).Sub(f)), m.priceStep)
			ask = bid.Add(m.ask.Sub(m.bid))
			s.stats.moves["spike-down"]++
		} else {
			ask = soakFloor(m.ask.Mul(decimal.NewFromInt(1).Add(f)), m.priceStep)
			bid = ask.Sub(m.ask.Sub(m.bid))
			s.stats.moves["spike-up"]++
		}
		if err := srv.SetMarket(m.symbol, bid, ask); err != nil {
			s.t.Fatalf("spike %s: %v", m.symbol, err)
		}
		if err := srv.SetMarket(m.symbol, m.bid, m.ask); err != nil {
			s.t.Fatalf("restore %s: %v", m.symbol, err)
		}
	}
	var live []sim.OrderView
	for _, o := range srv.Orders() {
		if o.Live {
			live = append(live, o)
		}
	}
	for n := s.rng.IntN(3); n > 0 && len(live) > 0; n-- {
		o := live[s.rng.IntN(len(live))]
		cur, err := srv.Order(o.ID)
		if err != nil || !cur.Live {
			continue
		}
		part := soakFloor(cur.Remaining.Mul(decimal.NewFromInt(int64(1+s.rng.IntN(8)))).Div(decimal.NewFromInt(10)), s.market(o.Symbol).amtStep)
		if part.IsZero() || !part.LessThan(cur.Remaining) {
			continue
		}
		if err := srv.Fill(o.ID, part); err != nil {
			s.t.Fatalf("fill %s %s: %v", o.ID, part, err)
		}
		s.stats.moves["partial-fill"]++
	}
}

// beside places and cancels orders of the same account that orderform does
// not own (no client order id, someone else's, another namespace's), and
// now and then cancels one of ours as a person would on the website.
func (s *soak) beside(ctx context.Context) {
	var besideLive, oursLive []sim.OrderView
	for _, o := range s.h.srv.Orders() {
		if !o.Live {
			continue
		}
		if strings.HasPrefix(o.ClientOrderID, spec.ClientOrderIDPrefix(soakNS)) {
			oursLive = append(oursLive, o)
		} else {
			besideLive = append(besideLive, o)
		}
	}
	if len(besideLive) > 0 && (len(besideLive) >= soakMaxBeside || s.rng.IntN(4) == 0) {
		o := besideLive[s.rng.IntN(len(besideLive))]
		if _, err := s.other.CancelOrder(ctx, o.ID); err != nil {
			s.t.Fatalf("cancel beside order %s: %v", o.ID, err)
		}
		s.stats.besideCancelled++
	}
	if len(oursLive) > 0 && s.rng.IntN(8) == 0 {
		o := oursLive[s.rng.IntN(len(oursLive))]
		if _, err := s.other.CancelOrder(ctx, o.ID); err != nil {
			s.t.Fatalf("cancel our order %s outside orderform: %v", o.ID, err)
		}
		s.stats.ourCancelledOutside++
	}
	if len(besideLive) < soakMaxBeside && s.rng.IntN(2) == 0 {
		m := s.mk[s.rng.IntN(len(s.mk))]
		side := []string{"buy", "sell"}[s.rng.IntN(2)]
		var cid string
		switch s.rng.IntN(4) {
		case 0: // none
		case 1:
			cid = fmt.Sprintf("manual-%d", s.rng.IntN(1000))
		case 2: // another namespace
			cid = spec.ClientOrderID("other", fmt.Sprintf("order.o%d", s.rng.IntN(20)))
		case 3: // a look-alike prefix that is not ours
			cid = fmt.Sprintf("of:soakx:%016x", s.rng.Uint64())
		}
		_, err := s.other.NewOrder(ctx, gemini.NewOrder{
			ClientOrderID: cid, Symbol: m.symbol, Side: side, Type: gemini.TypeLimit,
			Amount: s.amount(m), Price: s.price(m, side),
		})
		if err != nil {
			s.t.Fatalf("place an order beside ours: %v", err)
		}
		s.stats.besidePlaced++
	}
}

// topUp funds a currency that runs low, and writes the funding in the
// ledger.
func (s *soak) topUp() {
	for cur, b := range s.h.srv.Balances() {
		init, ok := s.initial[cur]
		if !ok || !b.Available.LessThan(init.Div(decimal.NewFromInt(2))) {
			continue
		}
		if err := s.h.srv.Fund(cur, init); err != nil {
			s.t.Fatalf("fund %s: %v", cur, err)
		}
		s.funded[cur] = s.funded[cur].Add(init)
	}
}

// tightBudget leaves every currency the plan's placements hold exactly
// what they need, their fees included (issue 13, case 6): one unit of the
// amount step less and the plan refuses it before sending anything; exactly
// that and the apply places everything, never refused by the exchange for
// funds. The funds taken away are given back.
func (s *soak) tightBudget(ctx context.Context) {
	res := s.h.run(ctx, "plan", "-json", s.h.dir)
	var doc struct {
		Budget []struct {
			Currency                  string
			Available, Released, Held *string
		}
		Summary struct {
			HasChanges bool `json:"has_changes"`
		}
	}
	if res.code != 0 || json.Unmarshal([]byte(res.stdout), &doc) != nil || !doc.Summary.HasChanges {
		return // a refused plan is the other checks' business
	}
	taken := map[string]decimal.Decimal{}
	defer func() {
		for cur, amt := range taken {
			if err := s.h.srv.Fund(cur, amt); err != nil {
				s.t.Fatalf("fund %s: %v", cur, err)
			}
			s.funded[cur] = s.funded[cur].Add(amt)
		}
	}()
	take := func(cur string, amt decimal.Decimal) {
		if err := s.h.srv.Fund(cur, amt.Neg()); err != nil {
			s.t.Fatalf("take %s %s: %v", amt, cur, err)
		}
		taken[cur] = taken[cur].Add(amt)
		s.funded[cur] = s.funded[cur].Sub(amt)
	}
	tight := ""
	for _, b := range doc.Budget {
		if b.Available == nil || b.Released == nil || b.Held == nil {
			continue
		}
		avail, rel, held := soakDec(*b.Available), soakDec(*b.Released), soakDec(*b.Held)
		need := held.Sub(rel)
		if !need.IsPositive() || avail.LessThan(need) {
			continue
		}
		take(b.Currency, avail.Sub(need))
		tight = b.Currency
	}
	if tight == "" {
		return
	}
	s.stats.edits["tight budget"]++
	unit := soakDec("0.00000001")
	take(tight, unit)
	s.h.srv.ResetRequests()
	res = s.h.run(ctx, "plan", "-no-color", s.h.dir)
	if res.code != 1 || !strings.Contains(res.stderr, "Insufficient "+tight) {
		s.violate("a plan short of %s %s (with the fee) was not refused:\n%s", unit, tight, res)
		return
	}
	if err := s.h.srv.Fund(tight, unit); err != nil {
		s.t.Fatalf("fund %s: %v", tight, err)
	}
	taken[tight] = taken[tight].Sub(unit)
	s.funded[tight] = s.funded[tight].Add(unit)
	res = s.h.run(ctx, "apply", "-auto-approve", "-no-color", s.h.dir)
	if res.code != 0 || strings.Contains(res.stdout+res.stderr, "InsufficientFunds") || strings.Contains(res.stdout+res.stderr, "insufficient funds") {
		s.violate("an apply whose buys fit exactly with their fees failed:\n%s", res)
	}
}

// savedPlanAcrossAMove saves a plan, moves one market 3–12% for good (the
// planned prices may now cross it), applies the saved plan, and restores
// the market. Under allow_crossing = false, none of the orders it placed
// may have traded at once as a taker: apply checks again before sending.
func (s *soak) savedPlanAcrossAMove(ctx context.Context) {
	srv := s.h.srv
	before := map[string]bool{}
	for _, o := range srv.Orders() {
		before[o.ID] = true
	}
	p := s.h.dir + ".plan"
	if res := s.h.run(ctx, "plan", "-out="+p, "-no-color", s.h.dir); res.code != 0 {
		s.violate("plan -out before a market move failed:\n%s", res)
		return
	}
	m := s.mk[s.rng.IntN(len(s.mk))]
	f := decimal.NewFromInt(int64(300 + s.rng.IntN(900))).Div(decimal.NewFromInt(10000))
	dir := "drift-up"
	if s.rng.IntN(2) == 0 {
		dir, f = "drift-down", f.Neg()
	}
	s.stats.moves[dir]++
	bid := soakFloor(m.bid.Mul(decimal.NewFromInt(1).Add(f)), m.priceStep)
	if err := srv.SetMarket(m.symbol, bid, bid.Add(m.ask.Sub(m.bid))); err != nil {
		s.t.Fatalf("drift %s: %v", m.symbol, err)
	}
	res := s.h.run(ctx, "apply", "-no-color", p)
	if err := srv.SetMarket(m.symbol, m.bid, m.ask); err != nil {
		s.t.Fatalf("restore %s: %v", m.symbol, err)
	}
	s.stats.applies++
	if res.code != 0 {
		s.stats.failedApplies++
	}
	if res.code > 1 || strings.Contains(res.stderr, "panic") {
		s.violate("saved apply across a market move exited %d:\n%s", res.code, res)
	}
	if strings.Contains(res.stdout, "checked again right before sending") {
		s.stats.moves["refused-at-send"]++
	}
	ours := map[string]bool{}
	for _, o := range srv.Orders() {
		if !before[o.ID] && strings.HasPrefix(o.ClientOrderID, spec.ClientOrderIDPrefix(soakNS)) {
			ours[o.ID] = true
		}
	}
	for _, tr := range srv.Trades() {
		if ours[tr.OrderID] && tr.Aggressor {
			s.violate("order %s, placed from a saved plan after %s moved to bid %s, traded at once as a taker although the guard sets allow_crossing = false:\n%s", tr.OrderID, m.symbol, bid, res)
		}
	}
}

// --- faults and the faulty apply ----------------------------------------

var soakFaultPaths = []string{"/v1/order/new", "/v1/order/new", "/v1/order/cancel", "/v1/order/status", "/v1/orders"}

// faultyApply switches on zero to three random faults, applies, and may
// interrupt the apply halfway.
func (s *soak) faultyApply(r int) {
	srv := s.h.srv
	latency := false
	for n := s.rng.IntN(4); n > 0; n-- {
		path := soakFaultPaths[s.rng.IntN(len(soakFaultPaths))]
		f := sim.Fault{Path: path, Count: 1 + s.rng.IntN(2)}
		switch k := s.rng.IntN(6); k {
		case 0:
			f.Kind = sim.FaultLoseResponse
		case 1:
			f.Kind, f.Status = sim.FaultStatus, []int{500, 502, 503}[s.rng.IntN(3)]
		case 2:
			f.Kind, f.Status, f.RetryAfter = sim.FaultStatus, 429, s.rng.IntN(2)
		case 3:
			f.Kind, f.Path, f.Count = sim.FaultLatency, "", 2+s.rng.IntN(6)
			f.Latency = time.Duration(10+s.rng.IntN(120)) * time.Millisecond
			latency = true
		case 4:
			f.Kind = sim.FaultDrop
		case 5:
			f.Kind = sim.FaultLoseResponse
			f.Latency = time.Duration(s.rng.IntN(80)) * time.Millisecond
		}
		if f.Path == "/v1/orders" && f.Kind == sim.FaultLoseResponse {
			f.Kind = sim.FaultDrop // a read has nothing to lose
		}
		s.stats.faults[faultName(f)] += f.Count
		srv.SetFault(f)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	interrupted := false
	if s.rng.IntN(5) == 0 {
		if !latency {
			f := sim.Fault{Kind: sim.FaultLatency, Count: 6, Latency: 40 * time.Millisecond}
			s.stats.faults[faultName(f)] += f.Count
			srv.SetFault(f)
		}
		d := time.Duration(s.rng.IntN(250)) * time.Millisecond
		t := time.AfterFunc(d, cancel)
		defer t.Stop()
		interrupted = true
	}
	res := s.h.run(ctx, "apply", "-auto-approve", "-no-color", s.h.dir)
	for _, f := range srv.Faults() { // those that struck no request
		s.stats.faults[faultName(f)] -= f.Count
		if s.stats.faults[faultName(f)] == 0 {
			delete(s.stats.faults, faultName(f))
		}
	}
	s.stats.applies++
	if interrupted {
		s.stats.interrupts++
	}
	if res.code != 0 {
		s.stats.failedApplies++
		if res.code != 1 {
			s.violate("faulty apply exited %d, want 0 or 1:\n%s", res.code, res)
		}
	}
	if strings.Contains(res.stderr, "panic") {
		s.violate("faulty apply panicked:\n%s", res)
	}
}

func faultName(f sim.Fault) string {
	name := f.Kind.String()
	if f.Kind == sim.FaultStatus {
		name = fmt.Sprintf("status-%d", f.Status)
	}
	if f.Path != "" {
		name += " " + f.Path
	}
	return name
}

// --- invariants ---------------------------------------------------------

// besideSnapshot records every order orderform does not own.
func (s *soak) besideSnapshot() map[string]sim.OrderView {
	m := map[string]sim.OrderView{}
	for _, o := range s.h.srv.Orders() {
		if !strings.HasPrefix(o.ClientOrderID, spec.ClientOrderIDPrefix(soakNS)) {
			m[o.ID] = o
		}
	}
	return m
}

// check holds the book to the invariants.
func (s *soak) check(when string, untouched map[string]sim.OrderView) {
	orders := s.h.srv.Orders()

	// No address has two live orders. A live order belongs to its own
	// address, or to the end of the chain of moved blocks leading from it.
	next := map[string]string{}
	for _, mv := range s.moved {
		next["order."+mv.from] = "order." + mv.to
	}
	byCID := map[string]string{}
	for i := 1; i <= s.next; i++ {
		a := fmt.Sprintf("order.o%d", i)
		byCID[spec.ClientOrderID(soakNS, a)] = a
	}
	for i := 0; i < soakMaxKeep; i++ {
		a := fmt.Sprintf("order.keep[%d]", i)
		byCID[spec.ClientOrderID(soakNS, a)] = a
	}
	liveAt := map[string][]string{}
	for _, o := range orders {
		if !o.Live || !strings.HasPrefix(o.ClientOrderID, spec.ClientOrderIDPrefix(soakNS)) {
			continue
		}
		a, ok := byCID[o.ClientOrderID]
		if !ok {
			s.violate("%s: live order %s has client order id %s of no address orderform ever had", when, o.ID, o.ClientOrderID)
			continue
		}
		for seen := 0; next[a] != "" && seen < len(next); seen++ {
			a = next[a]
		}
		liveAt[a] = append(liveAt[a], o.ID)
	}
	for a, ids := range liveAt {
		if len(ids) > 1 {
			s.violate("%s: %s has %d live orders: %v", when, a, len(ids), ids)
		}
	}

	// No order orderform does not own was touched.
	now := map[string]sim.OrderView{}
	for _, o := range orders {
		now[o.ID] = o
	}
	for id, was := range untouched {
		is, ok := now[id]
		switch {
		case !ok:
			s.violate("%s: order %s (client id %q) beside ours vanished", when, id, was.ClientOrderID)
		case is.Live != was.Live || is.Cancelled != was.Cancelled || !is.Executed.Equal(was.Executed) ||
			!is.Price.Equal(was.Price) || !is.Original.Equal(was.Original):
			s.violate("%s: order %s (client id %q) beside ours was touched: live %v→%v cancelled %v→%v executed %s→%s",
				when, id, was.ClientOrderID, was.Live, is.Live, was.Cancelled, is.Cancelled, was.Executed, is.Executed)
		}
	}

	// The books balance: each currency is its initial amount plus funding
	// plus trades less fees; available is the amount less the holds of live
	// orders, never negative; closed orders hold nothing.
	want := map[string]decimal.Decimal{}
	for cur, a := range s.initial {
		want[cur] = a.Add(s.funded[cur])
	}
	for _, tr := range s.h.srv.Trades() {
		m := s.market(tr.Symbol)
		notional := tr.Price.Mul(tr.Amount)
		if tr.Side == "buy" {
			want[m.base] = want[m.base].Add(tr.Amount)
			want[m.quote] = want[m.quote].Sub(notional)
		} else {
			want[m.base] = want[m.base].Sub(tr.Amount)
			want[m.quote] = want[m.quote].Add(notional)
		}
		want[strings.ToUpper(tr.FeeCurrency)] = want[strings.ToUpper(tr.FeeCurrency)].Sub(tr.Fee)
	}
	holds := map[string]decimal.Decimal{}
	for _, o := range orders {
		if o.Live {
			holds[o.HoldCurrency] = holds[o.HoldCurrency].Add(o.Hold)
		} else if !o.Hold.IsZero() {
			s.violate("%s: closed order %s still holds %s %s", when, o.ID, o.Hold, o.HoldCurrency)
		}
	}
	bals := s.h.srv.Balances()
	for cur, w := range want {
		b := bals[cur]
		if !b.Amount.Equal(w) {
			s.violate("%s: %s balance is %s, the ledger says %s", when, cur, b.Amount, w)
		}
		if !b.Available.Equal(b.Amount.Sub(holds[cur])) {
			s.violate("%s: %s available is %s, amount %s less holds %s is %s", when, cur, b.Available, b.Amount, holds[cur], b.Amount.Sub(holds[cur]))
		}
		if b.Available.IsNegative() {
			s.violate("%s: %s available is negative: %s", when, cur, b.Available)
		}
	}
	for cur := range bals {
		if _, ok := want[cur]; !ok {
			s.violate("%s: currency %s appeared from nowhere", when, cur)
		}
	}
}
