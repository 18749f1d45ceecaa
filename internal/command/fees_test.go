package command

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"orderform/gemini/sim"
)

// The fee-aware budget (issue 13, case 6): Gemini (and the simulator) hold a
// buy's fee with the order, so a buy that fits only without its fee is
// refused at apply (406). The plan holds the same, at the account's rate
// (POST /v1/notionalvolume, cached a day) or, when that cannot be read, at
// the highest taker rate, and says which.

// fundUSD leaves exactly available USD available on the simulator.
func (e *e2e) fundUSD(available string) {
	e.t.Helper()
	have := e.sim.Balances()["USD"].Available
	if err := e.sim.Fund("USD", decimal.RequireFromString(available).Sub(have)); err != nil {
		e.t.Fatal(err)
	}
}

// A buy of 0.01 at 1000 holds 10 USD plus the fee: 10.035 at the
// simulator's default 35 bps taker rate.
func TestFeeAwareBudget(t *testing.T) {
	t.Run("fits exactly with the fee: planned and placed", func(t *testing.T) {
		e := newE2E(t, e2eOptions{})
		e.configure([]bid{{name: "fee", price: "1000"}})
		e.fundUSD("10.035")
		r := e.mustRun(exitOK, "plan", e.dir)
		if !strings.Contains(r.stdout, "Buys hold their fee too: 0.35%, the account's API fee rate as read from the exchange.") {
			t.Errorf("the plan does not say which fee rate it holds:\n%s", r)
		}
		saved := filepath.Join(t.TempDir(), "fee.plan")
		e.mustRun(exitOK, "plan", "-out", saved, e.dir)
		if r := e.mustRun(exitOK, "show", saved); !strings.Contains(r.stdout, "Buys hold their fee too: 0.35%") {
			t.Errorf("a saved plan does not keep the fee rate:\n%s", r)
		}
		r = e.mustRun(exitOK, "apply", saved)
		if len(e.live()) != 1 {
			t.Fatalf("live orders %v after apply, want 1\n%s", e.liveIDs(), r)
		}
		if got := e.sim.Balances()["USD"].Available; !got.IsZero() {
			t.Errorf("USD available after the placement: %s, want 0 (the simulator holds the fee too)", got)
		}
		if n := e.requests("/v1/notionalvolume"); n != 1 {
			t.Errorf("/v1/notionalvolume read %d times over plan and apply, want 1 (cached)", n)
		}
	})
	t.Run("fits only without the fee: refused at plan time", func(t *testing.T) {
		e := newE2E(t, e2eOptions{})
		e.configure([]bid{{name: "fee", price: "1000"}})
		e.fundUSD("10.03")
		for _, args := range [][]string{{"plan", e.dir}, {"apply", "-auto-approve", e.dir}} {
			r := e.mustRun(exitError, args...)
			for _, want := range []string{"Insufficient USD", "would hold 10.035 USD, but only 10.03 USD is available", "shortfall of 0.005 USD",
				"plus their fee (0.35%, the account's API fee rate as read from the exchange)"} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("%s: stderr lacks %q\n%s", args[0], want, r)
				}
			}
		}
		if n := e.requests("/v1/order/new"); n != 0 {
			t.Errorf("%d placements sent, want none", n)
		}
	})
	t.Run("rates unreadable: the highest taker rate, said so, not cached", func(t *testing.T) {
		e := newE2E(t, e2eOptions{})
		e.configure([]bid{{name: "fee", price: "1000"}})
		e.fundUSD("10.035")
		e.sim.SetFault(sim.Fault{Path: "/v1/notionalvolume", Kind: sim.FaultStatus, Status: 403, Reason: "MissingRole", Message: "missing role"})
		r := e.mustRun(exitError, "plan", e.dir)
		if !strings.Contains(r.stderr, "would hold 10.04 USD") || !strings.Contains(r.stderr, "plus their fee (0.4%, the exchange's highest API taker rate, because the account's rates could not be read)") {
			t.Errorf("the fallback rate is not used or not named:\n%s", r)
		}
		r = e.mustRun(exitError, "plan", "-json", e.dir)
		if !strings.Contains(r.stdout, `"rate": "0.004"`) || !strings.Contains(r.stdout, `"source": "fallback"`) {
			t.Errorf("plan -json does not give the fallback fee:\n%s", r)
		}
		e.sim.ClearFaults()
		r = e.mustRun(exitOK, "plan", "-json", e.dir)
		if !strings.Contains(r.stdout, `"fee": {`) || !strings.Contains(r.stdout, `"rate": "0.0035"`) || !strings.Contains(r.stdout, `"source": "account"`) {
			t.Errorf("plan -json does not give the account's fee:\n%s", r)
		}
	})
	t.Run("a stale cached rate is dropped after the exchange refuses for funds", func(t *testing.T) {
		e := newE2E(t, e2eOptions{})
		e.configure([]bid{{name: "fee", price: "1000"}})
		e.fundUSD("10.03")
		e.mustRun(exitError, "plan", e.dir) // reads and caches the account's rate
		paths, _ := filepath.Glob(filepath.Join(e.env["ORDERFORM_CACHE_DIR"], "*", "fees.json"))
		if len(paths) != 1 {
			t.Fatalf("fee caches %v, want one", paths)
		}
		// As if the account's tier had been lower when the rates were read.
		b, _ := json.Marshal(struct { // internal/exchange's fees.json
			Fetched time.Time       `json:"fetched"`
			Rate    decimal.Decimal `json:"rate"`
		}{time.Now(), decimal.Zero})
		if err := os.WriteFile(paths[0], b, 0o600); err != nil {
			t.Fatal(err)
		}
		r := e.mustRun(exitError, "apply", "-auto-approve", e.dir)
		if !strings.Contains(r.stdout+r.stderr, "insufficient funds") && !strings.Contains(r.stdout+r.stderr, "InsufficientFunds") {
			t.Fatalf("want the exchange's refusal for funds:\n%s", r)
		}
		if _, err := os.Stat(paths[0]); !os.IsNotExist(err) {
			t.Errorf("the fee cache survived a refusal for funds: %v", err)
		}
		r = e.mustRun(exitError, "plan", e.dir)
		if !strings.Contains(r.stderr, "plus their fee (0.35%") {
			t.Errorf("the next plan does not hold the account's rate again:\n%s", r)
		}
	})
	t.Run("a plan that places no buy reads no rates", func(t *testing.T) {
		e := newE2E(t, e2eOptions{})
		e.configure(nil)
		e.mustRun(exitOK, "plan", e.dir)
		if n := e.requests("/v1/notionalvolume"); n != 0 {
			t.Errorf("/v1/notionalvolume read %d times, want 0", n)
		}
	})
}
