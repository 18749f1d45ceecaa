package command

// A storm of the conditions of issue 12 cases 2, 4 and 5 at once, against
// one simulator: the exchange's clock minutes off either way, lost and
// refused answers to order/new and order/cancel, orders that fill the moment
// they are placed, fills from market moves, and two applies started at once
// (two keys of the account, serialised by the lock). After every round a
// clean apply must converge, and the book must never show two live orders
// at an address nor an address filled twice (every order is 0.01 with
// on_fill = "done").

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"orderform/gemini/sim"
)

var (
	stormRounds = flag.Int("storm.rounds", 8, "rounds of TestExactlyOnceStorm per clock skew")
	stormSeed   = flag.Uint64("storm.seed", 0, "seed of TestExactlyOnceStorm (0: from the clock)")
)

type stormOrder struct {
	present bool
	price   int // 3300 crosses the market: it fills when placed
}

func TestExactlyOnceStorm(t *testing.T) {
	t.Parallel()
	seed := *stormSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	for _, skew := range []time.Duration{-15 * time.Minute, 2 * time.Minute, 15 * time.Minute} {
		t.Run(fmt.Sprintf("exchange%+v", skew), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(seed, uint64(skew)))
			e := newE2E(t, e2eOptions{sim: sim.Options{Keys: twoKeys, ClockOffset: skew}})
			orders := make([]stormOrder, 8)
			stats := map[string]int{}
			write := func() {
				var b strings.Builder
				fmt.Fprintf(&b, "exchange {\n  environment = \"local\"\n  url         = %q\n  namespace   = %q\n}\n", e.url, e.ns)
				for i, o := range orders {
					if o.present {
						fmt.Fprintf(&b, "\norder \"s%d\" {\n  symbol = \"ethusd\"\n  side   = \"buy\"\n  amount = \"0.01\"\n  price  = %d\n}\n", i, o.price)
					}
				}
				if err := os.WriteFile(filepath.Join(e.dir, "main.hcl"), []byte(b.String()), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			second := map[string]string{"GEMINI_API_KEY": twoKeys[1].Key, "GEMINI_API_SECRET": twoKeys[1].Secret}
			for round := 1; round <= *stormRounds; round++ {
				for i := range orders {
					switch rng.IntN(6) {
					case 0:
						orders[i].present = !orders[i].present
					case 1:
						orders[i].price = 3300
					case 2, 3:
						orders[i].price = 900 + rng.IntN(100)
					}
					if orders[i].price == 0 {
						orders[i].price = 900 + i
					}
				}
				write()
				if rng.IntN(4) == 0 { // the market dips through some bids, which fill
					stats["market dips"]++
					if err := e.sim.SetMarket("ethusd", d("950"), d("950.5")); err != nil {
						t.Fatal(err)
					}
					if err := e.sim.SetMarket("ethusd", d("3200"), d("3200.5")); err != nil {
						t.Fatal(err)
					}
				}
				faults := []sim.Fault{
					{Path: "/v1/order/new", Kind: sim.FaultLoseResponse, Count: 1 + rng.IntN(3)},
					{Path: "/v1/order/new", Kind: sim.FaultStatus, Status: 503, Count: 1 + rng.IntN(2)},
					{Path: "/v1/order/new", Kind: sim.FaultDrop, Count: 1},
					{Path: "/v1/order/cancel", Kind: sim.FaultLoseResponse, Count: 1},
				}
				if k := rng.IntN(len(faults) + 1); k < len(faults) {
					stats["fault "+faults[k].Kind.String()+" "+strings.TrimPrefix(faults[k].Path, "/v1/")]++
					e.sim.SetFault(faults[k])
				}
				if rng.IntN(3) == 0 { // two applies at once, two keys of the account, one machine
					stats["two applies at once"]++
					var wg sync.WaitGroup
					var codes [2]int
					for i := range 2 {
						wg.Add(1)
						go func() {
							defer wg.Done()
							env := map[string]string(nil)
							if i == 1 {
								env = second
							}
							codes[i] = e.runEnv(context.Background(), env, "apply", "-auto-approve", "-lock-timeout=30s", e.dir).code
						}()
					}
					wg.Wait()
					for _, c := range codes {
						if c != exitOK {
							stats["applies that exited 1"]++
						}
					}
				} else if r := e.run(context.Background(), "apply", "-auto-approve", e.dir); r.code != exitOK {
					stats["applies that exited 1"]++
				}
				e.sim.ClearFaults()
				if r := e.run(context.Background(), "apply", "-auto-approve", e.dir); r.code != exitOK {
					t.Fatalf("round %d (seed %d): a clean apply after the faults did not converge\n%s", round, seed, r)
				}
				if r := e.run(context.Background(), "plan", "-detailed-exitcode", e.dir); r.code != exitOK {
					t.Fatalf("round %d (seed %d): the plan after a clean apply has changes\n%s", round, seed, r)
				}
				live, filled := map[string]int{}, map[string]decimal.Decimal{}
				for _, o := range e.sim.Orders() {
					if o.Live {
						live[o.ClientOrderID]++
					}
					filled[o.ClientOrderID] = filled[o.ClientOrderID].Add(o.Executed)
				}
				for id, n := range live {
					if n > 1 {
						t.Fatalf("round %d (seed %d): %s has %d live orders", round, seed, id, n)
					}
				}
				for id, x := range filled {
					if x.GreaterThan(d("0.01")) {
						t.Fatalf("round %d (seed %d): %s filled %s, declared 0.01 with on_fill = \"done\": bought twice", round, seed, id, x)
					}
				}
				stats["rounds"]++
			}
			t.Logf("seed %d: %v", seed, stats)
		})
	}
}
