package command

// The soak: many rounds against one simulator of random configuration edits,
// market moves, orders placed beside ours and faults, with the invariants
// of docs/safety.md checked after every round.
//
//	go test ./internal/command -run Soak -v     # the CI version (short)
//	go test -race ./internal/command -run Soak -v -soak.rounds=400 -soak.time=60m
//	go test ./internal/command -run Soak -v -soak.seed=N -soak.shards=1   # replay a failure
//	go test ./internal/command -run Soak -v -soak.features=all,-concurrent
//
// Adversarial features (-soak.features, see soakFeatures) add the conditions
// of issue 12: the exchange's clock minutes away from ours, time-based
// nonces, requests the exchange takes after the client gave up, two applies
// at once, duplicates that later fill, fills under moved-from addresses and
// reprices after partial fills. The fill invariant (fillcap) holds every
// address to its declared amount.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"orderform/gemini"
	"orderform/gemini/sim"
	"orderform/internal/exchange"
	"orderform/plan"
	"orderform/spec"
)

// soakFeatures are the adversarial features; those in soakDefaultFeatures
// are on unless -soak.features says otherwise.
var soakFeatures = map[string]string{
	"skew":        "the exchange's clock minutes behind ours, then seconds either way, then minutes ahead",
	"timekey":     "rounds with a time-based nonce key while the exchange's clock is seconds off",
	"timekeyskew": "rounds with a time-based nonce key while it is minutes off too (the first request of a run is refused for its nonce and signed again)",
	"slowcommit":  "an order/new the exchange takes after the client gave up on it, under both nonce regimes",
	"concurrent":  "two applies at once: on one machine (one key, one directory), and on two (two keys, two directories)",
	"dupfill":     "a copy of one of our live orders placed beside us under our client order id; the kept one filled next round",
	"movedfill":   "fills of orders still under a moved-from address; a moved block is dropped only when the plan does not say to keep it",
	"partial":     "reprices right after partial fills",
	"fillcap":     "invariant: per address and cycle, what filled never exceeds the declared amount",
	"shrink":      "resizes below what the address has filled; off: such a resize is skipped",
	"fillrace":    "an order fills in part between the plan's read and apply's cancel of it (the cancel half of a replace)",
	"movedchain":  "a link in a chain of moved blocks (b→c after a→b) is dropped on the plan's word alone; off: it stays while the link before it does",
}

const soakDefaultFeatures = "skew,timekey,timekeyskew,slowcommit,concurrent,dupfill,movedfill,partial,fillcap,fillrace,shrink,movedchain"

var (
	soakSeed     = flag.Uint64("soak.seed", 0, "soak: random seed (0 = from the clock)")
	soakRounds   = flag.Int("soak.rounds", 30, "soak: rounds to run")
	soakTime     = flag.Duration("soak.time", 50*time.Second, "soak: start no new round after this long")
	soakShards   = flag.Int("soak.shards", 3, "soak: books soaked at once, each with its own seed (seed, seed+1, …) and a share of the rounds")
	soakLog      = flag.String("soak.log", "", "soak: write every run's output, round by round, to this file")
	soakFeatFlag = flag.String("soak.features", soakDefaultFeatures, "soak: adversarial features, comma-separated: all, a name, or -name to leave one out")
)

const (
	soakNS          = "soak"
	soakKey         = "account-soak"
	soakSecret      = "soak-secret"
	soakTimeKey     = "account-soak-time" // the same account, a time-based nonce
	soakTimeSecret  = "soak-time-secret"
	soakKeyB        = "account-soak-b" // the second machine's key, same account
	soakSecretB     = "soak-b-secret"
	soakOtherKey    = "account-soak-other"
	soakOtherSecret = "soak-other-secret"
	soakMaxOrders   = 8
	soakMaxBeside   = 6
	soakMaxKeep     = 3 // instances of the protected grid, order.keep
	// soakRunTimeout bounds one run: a time-based nonce's window (41 s)
	// may be waited out inside it.
	soakRunTimeout = 3 * time.Minute
	// soakTimeKeySkew is the largest clock offset under which a time-based
	// nonce key still works (Gemini's ±30 s less the client's 10 s lead).
	soakTimeKeySkew = 15 * time.Second
)

func parseSoakFeatures(s string) (map[string]bool, error) {
	on := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		off := strings.HasPrefix(f, "-")
		f = strings.TrimPrefix(f, "-")
		switch {
		case f == "":
		case f == "all":
			for k := range soakFeatures {
				on[k] = !off
			}
		case f == "default":
			for _, k := range strings.Split(soakDefaultFeatures, ",") {
				on[k] = !off
			}
		case soakFeatures[f] != "":
			on[f] = !off
		default:
			return nil, fmt.Errorf("unknown soak feature %q", f)
		}
	}
	for k, v := range on {
		if !v {
			delete(on, k)
		}
	}
	return on, nil
}

// soakMarket is what the soak knows of a symbol.
type soakMarket struct {
	symbol, base, quote string
	priceStep, amtStep  decimal.Decimal
	minAmt, maxAmt      decimal.Decimal // what the soak declares
	bid, ask            decimal.Decimal // the resting market; spikes return to it
	exMin               decimal.Decimal // the exchange's minimum order size
}

func soakMarkets() []*soakMarket {
	return []*soakMarket{
		{"btcusd", "BTC", "USD", soakDec("0.01"), soakDec("0.00000001"), soakDec("0.0005"), soakDec("0.01"), soakDec("64000.00"), soakDec("64001.00"), soakDec("0.00001")},
		{"ethusd", "ETH", "USD", soakDec("0.01"), soakDec("0.000001"), soakDec("0.01"), soakDec("0.5"), soakDec("3200.00"), soakDec("3200.50"), soakDec("0.001")},
		{"ethbtc", "ETH", "BTC", soakDec("0.00001"), soakDec("0.000001"), soakDec("0.01"), soakDec("0.5"), soakDec("0.05000"), soakDec("0.05001"), soakDec("0.001")},
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
	// era lists the client order ids whose orders count for this order:
	// its own and those it was moved from. A rename without a moved block
	// starts a new era (the user declared a new order).
	era []string
}

// soakMove is a moved block, dropped after ttl rounds unless the plan says
// to keep it.
type soakMove struct {
	from, to string
	ttl      int
}

// soakTag is what the configuration declared for an order's address when
// the soak first saw the order.
type soakTag struct {
	declared decimal.Decimal
	onFill   string
}

type soakStats struct {
	rounds, applies, interrupts     int
	faults, edits, moves            map[string]int
	besidePlaced, besideCancelled   int
	ourCancelledOutside             int
	failedApplies, violationsRounds int
	violations                      []string

	skewMin, skewMax               time.Duration
	skewRounds                     map[string]int // behind, near, ahead
	keyRounds                      map[string]int // increasing, time
	slow                           map[string]int // regime/landing
	concurrent                     map[string]int
	dupPlaced, dupFilled           int
	movedFills, movedKept          int
	cyclesChecked, maxFilledPct    int
	dupsAfterConcurrent            int
	partialReprices                int
	slowLanded, slowRefused        int
	concurrentFailed, lockRefusals int
	concurrentDetected             int
	dupsCancelledByHand            int
}

type soak struct {
	t      *testing.T
	rng    *rand.Rand
	h      *relHarness
	wire   *soakWire
	feat   map[string]bool
	rounds int
	// timeBudget is how many rounds may use the time-based nonce key.
	timeBudget int
	other      *gemini.Client
	mk         []*soakMarket
	orders     []*soakOrder
	moved      []soakMove
	next       int
	keep       int               // count of order.keep, a grid with prevent_cancel; it only grows
	timeKey    bool              // this round uses the time-based nonce key
	envB       map[string]string // the second machine
	dirB       string
	config     string                     // the configuration's text
	owner      map[string]*soakOrder      // client order id -> the order that had it last
	tags       map[string]soakTag         // order id -> what was declared when first seen
	dupCIDs    []string                   // duplicated last round: fill the kept one
	partials   map[*soakOrder]bool        // filled in part this round
	initial    map[string]decimal.Decimal // ledger: balance = initial + funding + trades
	funded     map[string]decimal.Decimal
	stats      soakStats
	logMu      sync.Mutex
	runLog     []string // this round's runs, shown when it fails
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
	feat, err := parseSoakFeatures(*soakFeatFlag)
	if err != nil {
		t.Fatal(err)
	}
	shards := max(1, min(*soakShards, rounds))
	for i := range shards {
		n := rounds / shards
		if i < rounds%shards {
			n++
		}
		f := feat
		timed := feat["timekey"] || feat["timekeyskew"]
		budget := soakTimeKeyBudget(rounds) // the whole soak's, all in the first book
		if i > 0 && timed {
			// A time-based nonce paces its rounds to a request a second:
			// the first book has them, as many as one soak of all the
			// rounds would, and the others none, so that they overlap.
			f = maps.Clone(feat)
			delete(f, "timekey")
			delete(f, "timekeyskew")
			n += soakTimeKeyBudget(rounds) / (shards - 1)
		} else if timed && shards > 1 {
			n -= soakTimeKeyBudget(rounds)
		}
		t.Run(fmt.Sprintf("seed=%d", seed+uint64(i)), func(t *testing.T) {
			t.Parallel()
			soakBook(t, seed+uint64(i), max(n, 1), f, budget)
		})
	}
}

// soakTimeKeyBudget is how many rounds of a soak of rounds use the
// time-based nonce key: such rounds take 5–20 s, so a short soak has one.
func soakTimeKeyBudget(rounds int) int {
	switch {
	case rounds >= 100:
		return rounds / 10
	case rounds >= 50:
		return 2
	}
	return 1
}

// soakBook runs up to rounds rounds on one book from seed.
// timeBudget is how many of them may use a time-based nonce key.
func soakBook(t *testing.T, seed uint64, rounds int, feat map[string]bool, timeBudget int) {
	var names []string
	for k := range feat {
		names = append(names, k)
	}
	sort.Strings(names)
	t.Logf("soak: seed %d (replay with -soak.seed=%d -soak.shards=1), up to %d rounds or %s, features %s", seed, seed, rounds, *soakTime, strings.Join(names, ","))
	defer func() {
		if t.Failed() {
			t.Logf("soak FAILED: replay with: go test ./internal/command -run TestSoak -v -soak.seed=%d -soak.shards=1 -soak.rounds=%d -soak.features=%s", seed, rounds, strings.Join(names, ","))
		}
	}()

	wire := &soakWire{}
	h := newRelHarness(t, relOptions{
		key: soakKey, secret: soakSecret,
		sim: sim.Options{Keys: []sim.Key{
			{Key: soakOtherKey, Secret: soakOtherSecret},
			{Key: soakTimeKey, Secret: soakTimeSecret, TimeNonce: true},
			{Key: soakKeyB, Secret: soakSecretB},
		}},
		wrap: func(next http.Handler) http.Handler { wire.next = next; return wire },
	})
	tmp := t.TempDir()
	s := &soak{
		t: t, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), h: h, wire: wire, feat: feat, rounds: rounds, timeBudget: timeBudget,
		other: h.client(soakOtherKey, soakOtherSecret), mk: soakMarkets(),
		envB: map[string]string{
			"GEMINI_API_KEY": soakKeyB, "GEMINI_API_SECRET": soakSecretB,
			"ORDERFORM_CACHE_DIR": filepath.Join(tmp, "cache-b"), "NO_COLOR": "1",
		},
		dirB:  filepath.Join(tmp, "cfg-b"),
		owner: map[string]*soakOrder{}, tags: map[string]soakTag{}, partials: map[*soakOrder]bool{},
		initial: map[string]decimal.Decimal{}, funded: map[string]decimal.Decimal{},
		stats: soakStats{
			faults: map[string]int{}, edits: map[string]int{}, moves: map[string]int{},
			skewRounds: map[string]int{}, keyRounds: map[string]int{}, slow: map[string]int{}, concurrent: map[string]int{},
		},
	}
	for cur, b := range h.srv.Balances() {
		s.initial[cur] = b.Amount
	}
	for _, m := range s.mk {
		if err := h.srv.SetMarket(m.symbol, m.bid, m.ask); err != nil {
			t.Fatal(err)
		}
	}

	off, _ := s.skewAt(1)
	h.srv.SetClockOffset(off)
	start := time.Now()
	for r := 1; r <= rounds && time.Since(start) < *soakTime; r++ {
		before := len(s.stats.violations)
		rs := time.Now()
		s.runLog = nil
		s.round(r)
		if *soakLog != "" {
			s.writeLog(r)
		}
		if testing.Verbose() {
			t.Logf("round %d: %s, time key %v, offset %s", r, time.Since(rs).Round(time.Millisecond), s.timeKey, s.h.srv.ClockOffset())
		}
		s.stats.rounds++
		if len(s.stats.violations) > before {
			s.stats.violationsRounds++
			for _, v := range s.stats.violations[before:] {
				t.Errorf("round %d (seed %d): %s", r, seed, v)
			}
			if testing.Verbose() {
				t.Logf("round %d's runs:\n%s", r, strings.Join(s.runLog, "\n"))
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
	t.Logf("soak: exchange clock offset %s to %s, rounds %s; keys: rounds %s",
		st.skewMin, st.skewMax, soakCounts(st.skewRounds), soakCounts(st.keyRounds))
	t.Logf("soak: slow commits %s (landed %d; refused or lost %d; the rest met no placement)", soakCounts(st.slow), st.slowLanded, st.slowRefused)
	t.Logf("soak: concurrent applies %s (%d runs exited 1: %d on the lock, %d reporting another run's placement; %d duplicates left by runs that said so, %d of them under prevent_cancel cancelled by hand)",
		soakCounts(st.concurrent), st.concurrentFailed, st.lockRefusals, st.concurrentDetected, st.dupsAfterConcurrent, st.dupsCancelledByHand)
	t.Logf("soak: duplicates placed beside ours %d, kept ones filled %d; fills under moved-from ids %d, moved blocks kept on the plan's word %d; reprices after a partial fill %d",
		st.dupPlaced, st.dupFilled, st.movedFills, st.movedKept, st.partialReprices)
	if s.feat["fillcap"] {
		t.Logf("soak: fill cycles checked %d, the fullest at %d%% of its declared amount", st.cyclesChecked, st.maxFilledPct)
	}
}

// writeLog appends round r's runs and the book to -soak.log.
func (s *soak) writeLog(r int) {
	f, err := os.OpenFile(*soakLog, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	defer f.Close()
	fmt.Fprintf(f, "===== round %d (exchange clock %s, time key %v)\n%s\n%s\n--- book\n", r, s.h.srv.ClockOffset(), s.timeKey, s.config, strings.Join(s.runLog, "\n"))
	for _, o := range s.h.srv.Orders() {
		if strings.HasPrefix(o.ClientOrderID, plan.ManagedPrefix(soakNS)) {
			name := "?"
			if so := s.owner[o.ClientOrderID]; so != nil {
				name = so.name
			}
			fmt.Fprintf(f, "%s %s (%s) %s %s %s of %s at %s, %s, key %s, %s\n", o.ID, o.ClientOrderID, name, o.Symbol, o.Side, o.Executed, o.Original, o.Price, soakState(o), o.APIKey, o.Time.Format("15:04:05.000"))
		}
	}
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

func soakCID(name string) string { return spec.ClientOrderID(soakNS, "order."+name) }

// round is one round: the market moves and people act beside orderform;
// the user reads the plan and edits; an apply under faults (or two at
// once); checks; then a clean apply, a plan, checks again.
func (s *soak) round(r int) {
	ctx := context.Background()
	existed := map[string]bool{}
	for _, o := range s.h.srv.Orders() {
		existed[o.ID] = true
	}
	s.moveMarket()
	s.beside(ctx)
	s.heedMoved(ctx)
	s.edit()
	s.setClock(r)
	s.writeConfig()
	s.topUp()
	s.tag()

	// The drift fills every resting order it crosses; not while a
	// duplicate placed beside ours stands (both would fill: the double
	// trade would be the duplicate's placer's, not orderform's).
	if s.rng.IntN(3) == 0 && len(s.dupCIDs) == 0 {
		// The drift fills orders beside ours too, so those are not held
		// to being untouched here.
		var dupsOK func([]sim.OrderView) bool
		if s.savedPlanAcrossAMove(ctx) != 0 {
			dupsOK = s.besideDupsStand
		}
		s.tag()
		s.check("after a saved plan applied across a market move", nil, dupsOK)
		if len(s.stats.violations) > 0 {
			return
		}
	}
	if s.rng.IntN(4) == 0 {
		s.tightBudget(ctx)
		s.tag()
		if len(s.stats.violations) > 0 {
			return
		}
	}
	untouched := s.besideSnapshot()
	var dupsOK func([]sim.OrderView) bool
	if s.feat["concurrent"] && !s.timeKey && s.rng.IntN(5) == 0 {
		dupsOK = s.concurrentApply()
	} else if s.faultyApply() != 0 {
		dupsOK = s.besideDupsStand
	}
	s.tag()
	s.check("after the faulty apply", untouched, dupsOK)
	s.checkNoRebuy("after the faulty apply", existed)
	s.checkNoOverfill("after the faulty apply")
	s.checkFills("after the faulty apply")
	if len(s.stats.violations) > 0 {
		return
	}

	s.h.srv.ClearFaults()
	res := s.run(ctx, s.env(), "apply", "-auto-approve", "-no-color", s.h.dir)
	if res.code != 0 {
		s.violate("clean apply did not succeed:\n%s", res)
		return
	}
	res = s.run(ctx, s.env(), "plan", "-detailed-exitcode", "-no-color", s.h.dir)
	if res.code != 0 {
		s.violate("plan after a clean apply shows changes or failed (want exit 0):\n%s", res)
		return
	}
	s.tag()
	s.check("after the clean apply", untouched, nil)
	s.checkNoRebuy("after the clean apply", existed)
	s.checkNoOverfill("after the clean apply")
	s.checkFills("after the clean apply")
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
		res := s.run(ctx, s.env(), args...)
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

// besideDupsStand: a run that failed may leave standing a duplicate that
// was placed beside orderform (dupfill).
func (s *soak) besideDupsStand(list []sim.OrderView) bool {
	return slices.ContainsFunc(list, func(o sim.OrderView) bool { return o.APIKey == soakOtherKey })
}

// env is the environment of this machine's runs this round.
func (s *soak) env() map[string]string {
	env := map[string]string{}
	for k, v := range s.h.env {
		env[k] = v
	}
	if s.timeKey {
		env["GEMINI_API_KEY"], env["GEMINI_API_SECRET"] = soakTimeKey, soakTimeSecret
	}
	return env
}

// run runs the command line in-process with env, as one process would.
func (s *soak) run(ctx context.Context, env map[string]string, args ...string) relResult {
	var out, errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		// History walks start right at the last read (no safety margin),
		// so that the soak exercises the cursor rules: the simulator is
		// linearizable, so an order placed before a read is in it.
		ctx := exchange.WithHistoryMargin(ctx, 0)
		done <- run(ctx, args, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errb)
	}()
	select {
	case code := <-done:
		res := relResult{code: code, stdout: out.String(), stderr: errb.String()}
		s.logMu.Lock()
		s.runLog = append(s.runLog, fmt.Sprintf("[%s] ", time.Now().Format("15:04:05.000"))+fmt.Sprintf("orderform %s (key %s, exchange clock %s):\n%s", strings.Join(args, " "), env["GEMINI_API_KEY"], s.h.srv.ClockOffset(), res))
		s.logMu.Unlock()
		return res
	case <-time.After(soakRunTimeout):
		s.t.Fatalf("orderform %s: no answer after %s (hang)", strings.Join(args, " "), soakRunTimeout)
		return relResult{}
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
			done[soakCID(o.name)] = true
		}
	}
	byCID := map[string][]sim.OrderView{}
	for _, o := range s.h.srv.Orders() {
		if done[o.ClientOrderID] {
			byCID[o.ClientOrderID] = append(byCID[o.ClientOrderID], o)
		}
	}
	for cid, list := range byCID {
		sort.Slice(list, func(i, j int) bool { return soakIDLess(list[i].ID, list[j].ID) })
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
			want[soakCID(o.name)] = o
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

// soakIDLess orders the simulator's order ids (decimal, growing).
func soakIDLess(a, b string) bool { return len(a) < len(b) || len(a) == len(b) && a < b }

// tag records, for every order of ours not seen before, what its address
// declared: the bound of the fill invariant.
func (s *soak) tag() {
	for _, o := range s.h.srv.Orders() {
		if _, ok := s.tags[o.ID]; ok {
			continue
		}
		if so := s.owner[o.ClientOrderID]; so != nil {
			s.tags[o.ID] = soakTag{declared: so.amount, onFill: so.onFill}
		}
	}
}

// checkFills holds every declared order to its amount (fillcap). Its
// orders (those of its era's client order ids, duplicates included, in the
// order the exchange took them) form cycles, as docs/safety.md has them: a
// cycle is complete once one of its orders filled completely, or what
// filled reaches what was declared (or leaves less than the exchange's
// minimum order size); an order placed after that, by the exchange's
// clock, starts the next cycle, and one placed before (a duplicate) still
// belongs to it. What filled in a cycle never exceeds the largest amount
// declared while its orders were placed; and under on_fill = "done" no
// order is placed after a cycle completed.
func (s *soak) checkFills(when string) {
	if !s.feat["fillcap"] {
		return
	}
	byCID := map[string][]sim.OrderView{}
	for _, o := range s.h.srv.Orders() {
		if strings.HasPrefix(o.ClientOrderID, plan.ManagedPrefix(soakNS)) {
			byCID[o.ClientOrderID] = append(byCID[o.ClientOrderID], o)
		}
	}
	trades := map[string][]sim.TradeView{}
	for _, tr := range s.h.srv.Trades() {
		trades[tr.OrderID] = append(trades[tr.OrderID], tr)
	}
	// doneBefore reports whether the cycle of orders was complete when x
	// was placed, by what had filled by then.
	doneBefore := func(cycle []sim.OrderView, x sim.OrderView, declared, exMin decimal.Decimal) bool {
		var filled decimal.Decimal
		for _, o := range cycle {
			var last time.Time
			for _, tr := range trades[o.ID] {
				if tr.Time.Before(x.Time) {
					filled = filled.Add(tr.Amount)
				}
				if tr.Time.After(last) {
					last = tr.Time
				}
			}
			if !o.Live && !o.Cancelled && o.Executed.IsPositive() && last.Before(x.Time) {
				return true
			}
		}
		return filled.GreaterThanOrEqual(declared) || filled.IsPositive() && declared.Sub(filled).LessThan(exMin)
	}
	for _, so := range s.orders {
		m := s.market(so.symbol)
		var list []sim.OrderView
		for _, cid := range so.era {
			for _, o := range byCID[cid] {
				if o.Symbol == so.symbol && o.Side == so.side {
					list = append(list, o)
				}
			}
		}
		sort.Slice(list, func(i, j int) bool { return soakIDLess(list[i].ID, list[j].ID) })
		var cycle []sim.OrderView
		var filled, bound decimal.Decimal
		var ids []string
		for _, o := range list {
			tag, ok := s.tags[o.ID]
			if !ok {
				tag = soakTag{declared: so.amount, onFill: so.onFill}
			}
			if len(cycle) > 0 && doneBefore(cycle, o, tag.declared, m.exMin) {
				s.fillCycleDone(filled, bound)
				if tag.onFill == "done" && o.APIKey != soakOtherKey {
					s.violate("%s: order.%s (on_fill = \"done\"): order %s was placed after its cycle completed with %s filled (orders %s)",
						when, so.name, o.ID, filled, strings.Join(ids, ", "))
				}
				cycle, filled, bound, ids = nil, decimal.Zero, decimal.Zero, nil
			}
			cycle = append(cycle, o)
			filled = filled.Add(o.Executed)
			bound = decimal.Max(bound, tag.declared)
			ids = append(ids, fmt.Sprintf("%s (%s of %s, %s, key %s)", o.ID, o.Executed, o.Original, soakState(o), o.APIKey))
			if filled.GreaterThan(bound) {
				s.violate("%s: order.%s filled %s in one cycle, more than the %s declared (orders %s)",
					when, so.name, filled, bound, strings.Join(ids, ", "))
			}
		}
		if len(cycle) > 0 {
			s.fillCycleDone(filled, bound)
		}
	}
}

func (s *soak) fillCycleDone(filled, bound decimal.Decimal) {
	s.stats.cyclesChecked++
	if bound.IsPositive() {
		pct := int(filled.Mul(decimal.NewFromInt(100)).Div(bound).IntPart())
		s.stats.maxFilledPct = max(s.stats.maxFilledPct, pct)
	}
}

func soakState(o sim.OrderView) string {
	switch {
	case o.Live:
		return "live"
	case o.Cancelled:
		return "cancelled"
	}
	return "filled"
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

func (s *soak) newName(o *soakOrder) string {
	s.next++
	name := fmt.Sprintf("o%d", s.next)
	s.owner[soakCID(name)] = o
	return name
}

func (s *soak) declared(o *soakOrder) bool {
	for _, d := range s.orders {
		if d == o {
			return true
		}
	}
	return false
}

// edit makes one to three random changes to the configuration, after
// repricing some orders that filled in part (partial).
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

	if s.feat["partial"] {
		for o := range s.partials {
			if s.declared(o) && s.rng.IntN(2) == 0 {
				o.price = s.price(s.market(o.symbol), o.side)
				s.stats.partialReprices++
			}
		}
	}
	clear(s.partials)

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
			o := &soakOrder{symbol: m.symbol, side: side, amount: s.amount(m), price: s.price(m, side), onFill: "done"}
			o.name = s.newName(o)
			o.era = []string{soakCID(o.name)}
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
			amt := s.amount(s.market(o.symbol))
			if !s.feat["shrink"] && amt.LessThan(s.eraFilled(o)) {
				// Without the feature, as before the fix of
				// TestLoweringTheAmountBelowWhatFilledBuysNoMore.
				s.stats.edits["resize-skipped"]++
				break
			}
			o.amount = amt
			o.resized = true
			s.stats.edits["resize"]++
		case k < 9:
			o := s.orders[s.rng.IntN(len(s.orders))]
			old := o.name
			o.name = s.newName(o)
			if s.rng.IntN(3) > 0 {
				s.moved = append(s.moved, soakMove{from: old, to: o.name, ttl: 1 + s.rng.IntN(4)})
				o.era = append(o.era, soakCID(o.name))
				s.stats.edits["rename-moved"]++
			} else {
				s.dropMovesTo(old)
				o.era = []string{soakCID(o.name)}
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

// eraFilled is what the orders of o's era have filled.
func (s *soak) eraFilled(o *soakOrder) decimal.Decimal {
	var f decimal.Decimal
	for _, v := range s.h.srv.Orders() {
		if slices.Contains(o.era, v.ClientOrderID) {
			f = f.Add(v.Executed)
		}
	}
	return f
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

// heedMoved reads the plan, as a careful user does before removing a moved
// block, and keeps the blocks due to go that the plan says must stay: a
// warning on the block (fills under the old id count for the order only
// through it), or a note on the order it leads to (its live order still
// has the old id).
func (s *soak) heedMoved(ctx context.Context) {
	due := false
	for _, mv := range s.moved {
		due = due || mv.ttl == 1
	}
	if !due {
		return
	}
	res := s.run(ctx, s.env(), "plan", "-json", "-no-color", s.h.dir)
	var p struct {
		Changes []struct {
			MovedFrom string   `json:"moved_from"`
			Notes     []string `json:"notes"`
		} `json:"changes"`
		Diagnostics []struct {
			Severity, Summary, Detail string
		} `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &p); err != nil {
		s.violate("plan -json before removing a moved block: %v\n%s", err, res)
		return
	}
	for i, mv := range s.moved {
		if mv.ttl != 1 {
			continue
		}
		from := regexp.MustCompile(`\border\.` + mv.from + `\b`)
		keep := false
		for _, d := range p.Diagnostics {
			keep = keep || strings.Contains(strings.ToLower(d.Summary), "moved block") && from.MatchString(d.Detail)
		}
		for _, c := range p.Changes {
			if c.MovedFrom == "order."+mv.from {
				for _, n := range c.Notes {
					keep = keep || strings.Contains(n, "keep the moved block") || strings.Contains(n, "keep the block")
				}
			}
		}
		if !keep && !s.feat["movedchain"] {
			// Without the feature, as before the fix of
			// TestAChainOfMovedBlocksThatCarriesAFillIsFlaggedWhole.
			for _, prev := range s.moved {
				keep = keep || prev.to == mv.from
			}
		}
		if keep {
			s.moved[i].ttl = 2 + s.rng.IntN(4)
			s.stats.movedKept++
		}
	}
}

func (s *soak) writeConfig() {
	var b strings.Builder
	fmt.Fprintf(&b, "exchange {\n  environment = \"local\"\n  url         = %q\n  namespace   = %q\n", s.h.url, soakNS)
	if s.timeKey {
		b.WriteString("  nonce       = \"time\"\n")
	}
	b.WriteString("}\n")
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
	s.config = b.String()
	s.h.write(map[string]string{"main.hcl": s.config})
}

// skewAt is the exchange's clock offset in round r (skew): minutes behind
// ours in the first 30% of the rounds, seconds either way in the next 40%,
// minutes ahead in the rest. It never decreases, so the exchange's clock
// never runs back (as a real exchange's does not; it is ours that is
// wrong); round 1's is set before anything reaches the exchange.
func (s *soak) skewAt(r int) (off time.Duration, phase string) {
	if !s.feat["skew"] {
		return 0, ""
	}
	f := float64(r-1) / float64(max(s.rounds-1, 1))
	switch {
	case f < 0.3:
		off, phase = -20*time.Minute+time.Duration(f/0.3*float64(19*time.Minute)), "behind"
	case f < 0.7:
		off, phase = -soakTimeKeySkew+time.Duration((f-0.3)/0.4*float64(2*soakTimeKeySkew)), "near"
	default:
		off, phase = time.Minute+time.Duration((f-0.7)/0.3*float64(19*time.Minute)), "ahead"
	}
	return off.Round(time.Second), phase
}

// setClock moves the exchange's clock (skew) and picks this round's key.
// A time-based nonce key works only while the offset is small.
func (s *soak) setClock(r int) {
	off, phase := s.skewAt(r)
	if phase != "" {
		if prev := s.h.srv.ClockOffset(); off < prev {
			off = prev
		}
		s.h.srv.SetClockOffset(off)
		s.stats.skewRounds[phase]++
		s.stats.skewMin, s.stats.skewMax = min(s.stats.skewMin, off), max(s.stats.skewMax, off)
	}
	// A time-based nonce paces the key to a request a second once its lead
	// is spent (soakTimeKeyBudget).
	budget := s.timeBudget
	allowed := s.feat["timekey"] && off.Abs() <= soakTimeKeySkew || s.feat["timekeyskew"]
	// Spread over the book: about twice the budget's share of its rounds.
	s.timeKey = allowed && s.stats.keyRounds["time"] < budget && s.rng.IntN(max(s.rounds, 1)) < 2*budget
	if s.timeKey {
		s.stats.keyRounds["time"]++
	} else {
		s.stats.keyRounds["increasing"]++
	}
}

// --- the market and the account beside orderform --------------------------

// moveMarket spikes a market through resting orders and back (they fill in
// full), and fills some live orders in part; fills the order kept at an
// address duplicated last round (dupfill), and orders still under a
// moved-from address (movedfill).
func (s *soak) moveMarket() {
	srv := s.h.srv
	for _, cid := range s.dupCIDs {
		var live []sim.OrderView
		for _, o := range srv.Orders() {
			if o.Live && o.ClientOrderID == cid {
				live = append(live, o)
			}
		}
		if len(live) == 1 {
			if err := srv.Fill(live[0].ID, live[0].Remaining); err != nil {
				s.t.Fatalf("fill %s: %v", live[0].ID, err)
			}
			s.stats.dupFilled++
		}
	}
	s.dupCIDs = nil
	if s.feat["movedfill"] {
		for _, mv := range s.moved {
			if s.rng.IntN(3) > 0 {
				continue
			}
			for _, o := range srv.Orders() {
				if !o.Live || o.ClientOrderID != soakCID(mv.from) {
					continue
				}
				part := o.Remaining
				if s.rng.IntN(2) == 0 {
					part = soakFloor(part.Div(decimal.NewFromInt(2)), s.market(o.Symbol).amtStep)
				}
				if part.IsPositive() {
					if err := srv.Fill(o.ID, part); err != nil {
						s.t.Fatalf("fill %s %s: %v", o.ID, part, err)
					}
					s.stats.movedFills++
				}
			}
		}
	}
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
		if so := s.owner[o.ClientOrderID]; so != nil {
			s.partials[so] = true
		}
		s.stats.moves["partial-fill"]++
	}
}

// beside places and cancels orders of the same account that orderform does
// not own (no client order id, someone else's, another namespace's), now
// and then cancels one of ours as a person would on the website, and
// (dupfill) places a copy of one of ours under its client order id.
func (s *soak) beside(ctx context.Context) {
	var besideLive, oursLive []sim.OrderView
	for _, o := range s.h.srv.Orders() {
		if !o.Live {
			continue
		}
		if strings.HasPrefix(o.ClientOrderID, plan.ManagedPrefix(soakNS)) {
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
	if s.feat["dupfill"] && len(oursLive) > 0 && s.rng.IntN(3) == 0 {
		o := oursLive[s.rng.IntN(len(oursLive))]
		so := s.owner[o.ClientOrderID]
		if cur, err := s.h.srv.Order(o.ID); err == nil && cur.Live && cur.Executed.IsZero() && so != nil && soakCID(so.name) == o.ClientOrderID {
			_, err := s.other.NewOrder(ctx, gemini.NewOrder{
				ClientOrderID: o.ClientOrderID, Symbol: o.Symbol, Side: o.Side, Type: gemini.TypeLimit,
				Amount: o.Original, Price: o.Price,
			})
			if err != nil {
				s.t.Fatalf("place a duplicate of %s: %v", o.ID, err)
			}
			s.dupCIDs = append(s.dupCIDs, o.ClientOrderID)
			s.stats.dupPlaced++
			s.tag()
		}
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
	res := s.run(ctx, s.env(), "plan", "-json", s.h.dir)
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
	res = s.run(ctx, s.env(), "plan", "-no-color", s.h.dir)
	if res.code != 1 || !strings.Contains(res.stderr, "Insufficient "+tight) {
		s.violate("a plan short of %s %s (with the fee) was not refused:\n%s", unit, tight, res)
		return
	}
	if err := s.h.srv.Fund(tight, unit); err != nil {
		s.t.Fatalf("fund %s: %v", tight, err)
	}
	taken[tight] = taken[tight].Sub(unit)
	s.funded[tight] = s.funded[tight].Add(unit)
	res = s.run(ctx, s.env(), "apply", "-auto-approve", "-no-color", s.h.dir)
	if res.code != 0 || strings.Contains(res.stdout+res.stderr, "InsufficientFunds") || strings.Contains(res.stdout+res.stderr, "insufficient funds") {
		s.violate("an apply whose buys fit exactly with their fees failed:\n%s", res)
	}
}

// savedPlanAcrossAMove saves a plan, moves one market 3–12% for good (the
// planned prices may now cross it), applies the saved plan, and restores
// the market. Under allow_crossing = false, none of the orders it placed
// may have traded at once as a taker: apply checks again before sending.
func (s *soak) savedPlanAcrossAMove(ctx context.Context) (code int) {
	srv := s.h.srv
	before := map[string]bool{}
	for _, o := range srv.Orders() {
		before[o.ID] = true
	}
	p := s.h.dir + ".plan"
	if res := s.run(ctx, s.env(), "plan", "-out="+p, "-no-color", s.h.dir); res.code != 0 {
		s.violate("plan -out before a market move failed:\n%s", res)
		return res.code
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
	res := s.run(ctx, s.env(), "apply", "-no-color", p)
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
		if !before[o.ID] && strings.HasPrefix(o.ClientOrderID, plan.ManagedPrefix(soakNS)) {
			ours[o.ID] = true
		}
	}
	for _, tr := range srv.Trades() {
		if ours[tr.OrderID] && tr.Aggressor {
			s.violate("order %s, placed from a saved plan after %s moved to bid %s, traded at once as a taker although the guard sets allow_crossing = false:\n%s", tr.OrderID, m.symbol, bid, res)
		}
	}
	return res.code
}

// --- faults and the faulty apply ----------------------------------------

var soakFaultPaths = []string{"/v1/order/new", "/v1/order/new", "/v1/order/cancel", "/v1/order/status", "/v1/orders"}

// faultyApply switches on zero to three random faults, applies, and may
// interrupt the apply halfway. With slowcommit, now and then the first
// order/new of the run is taken by the exchange only after the client
// gave up on it: at once, a little later, while apply waits for the
// time-based nonce to expire, or after the run.
func (s *soak) faultyApply() (code int) {
	srv := s.h.srv
	latency := false
	for n := s.rng.IntN(4); n > 0; n-- {
		path := soakFaultPaths[s.rng.IntN(len(soakFaultPaths))]
		f := sim.Fault{Path: path, Count: 1 + s.rng.IntN(2)}
		switch k := s.rng.IntN(7); k {
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
		case 6: // taken late, but while the client still waits
			f.Kind = sim.FaultSlowCommit
			f.Latency = time.Duration(10+s.rng.IntN(150)) * time.Millisecond
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
	if s.feat["slowcommit"] && s.rng.IntN(4) == 0 {
		regime := "increasing"
		giveUp := time.Duration(20+s.rng.IntN(180)) * time.Millisecond
		var lands time.Duration // after the client gave up; 0: after the run
		landing := "after the run"
		if s.timeKey {
			regime = "time"
			if s.rng.IntN(2) == 0 {
				lands = time.Duration(1000+s.rng.IntN(3000)) * time.Millisecond
				landing = "during the nonce wait"
			}
			// Waiting out the window costs 41 s: a short soak interrupts
			// the wait (the outcome is then unknown, and the request lands
			// or not after the run), a long one does so half the time.
			if s.rounds <= 50 || s.rng.IntN(2) == 0 {
				t := time.AfterFunc(giveUp+time.Duration(1500+s.rng.IntN(1500))*time.Millisecond, cancel)
				defer t.Stop()
				interrupted = true
				landing += ", wait interrupted"
			}
		} else if k := s.rng.IntN(3); k > 0 {
			lands = time.Duration(s.rng.IntN(400)) * time.Millisecond
			if k == 1 {
				lands += giveUp
			}
			landing = "during the run"
		}
		s.wire.arm(giveUp, lands)
		s.stats.slow[regime+"/"+landing]++
	}
	if s.feat["fillrace"] && s.rng.IntN(3) == 0 {
		s.wire.armFillRace(func(id string) {
			o, err := s.h.srv.Order(id)
			if err != nil || !o.Live {
				return
			}
			// Not a duplicate being cleaned up: both would have traded,
			// which is the double trade of whoever placed the second.
			for _, d := range s.h.srv.Orders() {
				if d.Live && d.ClientOrderID == o.ClientOrderID && d.ID != o.ID {
					return
				}
			}
			part := soakFloor(o.Remaining.Div(decimal.NewFromInt(2)), s.market(o.Symbol).amtStep)
			if part.IsPositive() && part.LessThan(o.Remaining) {
				if err := s.h.srv.Fill(id, part); err == nil {
					s.stats.moves["fill-before-cancel"]++
				}
			}
		})
	}
	if !interrupted && s.rng.IntN(5) == 0 {
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
	res := s.run(ctx, s.env(), "apply", "-auto-approve", "-no-color", s.h.dir)
	landed, refused := s.wire.releaseAll()
	s.stats.slowLanded += landed
	s.stats.slowRefused += refused
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
	return res.code
}

// concurrentApply runs two applies at once: on one machine (one key, one
// directory, one cache: what the lock is for) or on two (another key of
// the account, a copy of the directory, another cache: what the pipeline's
// serialisation is for, and what apply must detect). It returns whether
// duplicates may be left: only by runs on two machines, one of which said
// so by failing.
func (s *soak) concurrentApply() (dupsOK func([]sim.OrderView) bool) {
	twoMachines := s.rng.IntN(2) == 0
	envA, dirA := s.env(), s.h.dir
	envB, dirB, kind := envA, dirA, "one machine"
	if twoMachines {
		envB, dirB, kind = s.envB, s.dirB, "two machines"
		if err := os.MkdirAll(dirB, 0o755); err != nil {
			s.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dirB, "main.hcl"), []byte(s.config), 0o644); err != nil {
			s.t.Fatal(err)
		}
	}
	args := []string{"apply", "-auto-approve", "-no-color"}
	if !twoMachines && s.rng.IntN(2) == 0 {
		args = append(args, "-lock-timeout=1m") // the second waits for the first
		kind += ", waiting"
	}
	var wg sync.WaitGroup
	var res [2]relResult
	for i, run := range []struct {
		env map[string]string
		dir string
	}{{envA, dirA}, {envB, dirB}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = s.run(context.Background(), run.env, append(slices.Clone(args), run.dir)...)
		}()
	}
	wg.Wait()
	s.stats.concurrent[kind]++
	s.stats.applies += 2
	failed := false
	for _, r := range res {
		if r.code != 0 {
			failed = true
			s.stats.concurrentFailed++
			if strings.Contains(r.stderr, "the lock of") {
				s.stats.lockRefusals++
			}
			if strings.Contains(r.stdout+r.stderr, "another run") {
				s.stats.concurrentDetected++
			}
			if r.code != 1 {
				s.violate("concurrent apply (%s) exited %d, want 0 or 1:\n%s", kind, r.code, r)
			}
		}
		if strings.Contains(r.stderr, "panic") {
			s.violate("concurrent apply (%s) panicked:\n%s", kind, r)
		}
	}
	if twoMachines && failed {
		if n := s.duplicates(); n > 0 {
			s.stats.dupsAfterConcurrent += n
		}
		// orderform cancels no duplicate that prevent_cancel protects: it
		// says to cancel the unwanted one on the exchange, and so we do.
		for a, list := range s.liveByAddress() {
			if !strings.HasPrefix(a, "order.keep[") || len(list) < 2 {
				continue
			}
			sort.Slice(list, func(i, j int) bool { return soakIDLess(list[i].ID, list[j].ID) })
			for _, o := range list[1:] {
				if _, err := s.other.CancelOrder(context.Background(), o.ID); err != nil {
					s.t.Fatalf("cancel duplicate %s of %s by hand: %v", o.ID, a, err)
				}
				s.stats.dupsCancelledByHand++
			}
		}
		return func([]sim.OrderView) bool { return true }
	}
	return nil
}

// duplicates counts the addresses with more than one live order.
func (s *soak) duplicates() int {
	n := 0
	for a, list := range s.liveByAddress() {
		if a != "?" && len(list) > 1 {
			n++
		}
	}
	return n
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

// soakWire stands between the client and the simulator. When armed, it
// takes the next order/new, keeps the client waiting for giveUp and then
// closes the connection, as a client whose timeout struck sees it; the
// exchange processes the request later (its authentication, nonce and
// effect at that moment), after lands or when released.
type soakWire struct {
	next http.Handler
	// beforeCancel, when set, runs before the next order/cancel reaches
	// the exchange, with the order id it names (fillrace).
	beforeCancel func(orderID string)

	mu     sync.Mutex
	armed  bool
	giveUp time.Duration
	lands  time.Duration
	held   []*soakHeld
	wg     sync.WaitGroup
}

type soakHeld struct {
	once    sync.Once
	release chan struct{}
	status  int // the simulator's answer, once processed
}

func (h *soakHeld) open() { h.once.Do(func() { close(h.release) }) }

func (w *soakWire) armFillRace(f func(orderID string)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.beforeCancel = f
}

func (w *soakWire) arm(giveUp, lands time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.armed, w.giveUp, w.lands = true, giveUp, lands
}

func (w *soakWire) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	if f := w.beforeCancel; f != nil && r.URL.Path == "/v1/order/cancel" {
		w.beforeCancel = nil
		w.mu.Unlock()
		var p struct {
			OrderID json.Number `json:"order_id"`
		}
		if raw, err := base64.StdEncoding.DecodeString(r.Header.Get("X-GEMINI-PAYLOAD")); err == nil && json.Unmarshal(raw, &p) == nil {
			f(p.OrderID.String())
		}
		w.next.ServeHTTP(rw, r)
		return
	}
	if !w.armed || r.URL.Path != "/v1/order/new" {
		w.mu.Unlock()
		w.next.ServeHTTP(rw, r)
		return
	}
	w.armed = false
	held := &soakHeld{release: make(chan struct{})}
	w.held = append(w.held, held)
	giveUp, lands := w.giveUp, w.lands
	w.wg.Add(1)
	w.mu.Unlock()

	body, _ := io.ReadAll(r.Body)
	late := r.Clone(context.WithoutCancel(r.Context()))
	late.Body = io.NopCloser(bytes.NewReader(body))
	if lands > 0 {
		time.AfterFunc(lands, held.open)
	}
	go func() {
		defer w.wg.Done()
		<-held.release
		rec := &soakRecorder{h: http.Header{}}
		defer func() {
			// Another fault of the simulator's may strike the late request
			// too, and close its (absent) connection.
			if v := recover(); v != nil && v != http.ErrAbortHandler {
				panic(v)
			}
			held.status = rec.status
		}()
		w.next.ServeHTTP(rec, late)
	}()
	select {
	case <-time.After(giveUp):
	case <-r.Context().Done():
	}
	if hj, ok := rw.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// releaseAll lets every held request be processed, waits for them, and
// says how many placed an order and how many the exchange refused.
func (w *soakWire) releaseAll() (landed, refused int) {
	w.mu.Lock()
	held := w.held
	w.held, w.armed, w.beforeCancel = nil, false, nil
	w.mu.Unlock()
	for _, h := range held {
		h.open()
	}
	w.wg.Wait()
	for _, h := range held {
		if h.status == http.StatusOK {
			landed++
		} else {
			refused++
		}
	}
	return landed, refused
}

type soakRecorder struct {
	h      http.Header
	status int
}

func (r *soakRecorder) Header() http.Header { return r.h }
func (r *soakRecorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return len(p), nil
}
func (r *soakRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

// --- invariants ---------------------------------------------------------

// besideSnapshot records every order orderform does not own.
func (s *soak) besideSnapshot() map[string]sim.OrderView {
	m := map[string]sim.OrderView{}
	for _, o := range s.h.srv.Orders() {
		if !strings.HasPrefix(o.ClientOrderID, plan.ManagedPrefix(soakNS)) {
			m[o.ID] = o
		}
	}
	return m
}

// liveByAddress maps each address to its live orders. A live order belongs
// to its own address, or to the end of the chain of moved blocks leading
// from it. An order of ours whose client order id no address ever had is
// under "?".
func (s *soak) liveByAddress() map[string][]sim.OrderView {
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
	liveAt := map[string][]sim.OrderView{}
	for _, o := range s.h.srv.Orders() {
		if !o.Live || !strings.HasPrefix(o.ClientOrderID, plan.ManagedPrefix(soakNS)) {
			continue
		}
		a, ok := byCID[o.ClientOrderID]
		if !ok {
			liveAt["?"] = append(liveAt["?"], o)
			continue
		}
		for seen := 0; next[a] != "" && seen < len(next); seen++ {
			a = next[a]
		}
		liveAt[a] = append(liveAt[a], o)
	}
	return liveAt
}

func soakIDs(list []sim.OrderView) string {
	ids := make([]string, len(list))
	for i, o := range list {
		ids[i] = o.ID + " (" + o.ClientOrderID + ", key " + o.APIKey + ")"
	}
	return strings.Join(ids, ", ")
}

// check holds the book to the invariants. dupsOK, when set, says whether
// the live orders of an address may stand together (after runs that failed).
func (s *soak) check(when string, untouched map[string]sim.OrderView, dupsOK func([]sim.OrderView) bool) {
	orders := s.h.srv.Orders()

	// No address has two live orders.
	for a, list := range s.liveByAddress() {
		switch {
		case a == "?":
			s.violate("%s: live orders with client order ids of no address orderform ever had: %s", when, soakIDs(list))
		case len(list) > 1 && (dupsOK == nil || !dupsOK(list)):
			s.violate("%s: %s has %d live orders: %s", when, a, len(list), soakIDs(list))
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
