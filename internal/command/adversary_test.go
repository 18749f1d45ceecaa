package command

// Attacks of the review: scenarios an adversarial user tries against the
// money promises, over HTTP against the simulator.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"orderform/gemini"
	"orderform/gemini/sim"
	"orderform/plan"
	"orderform/spec"
)

// TestApplyDetectsAConcurrentPlacementThatFilled: two runs without a
// shared lock (two machines, or -lock=false) plan the same taker order
// before either places it; both placements fill at once. Neither
// verifying read finds a live order, yet the address bought twice: the run
// that places second must say so and exit 1, whichever placement the
// exchange took first.
func TestApplyDetectsAConcurrentPlacementThatFilled(t *testing.T) {
	t.Parallel()
	for _, theirsFirst := range []bool{true, false} {
		name := "theirs after ours"
		if theirsFirst {
			name = "theirs before ours"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var other *gemini.Client
			var once sync.Once
			var theirs string
			e := newE2E(t, e2eOptions{sim: sim.Options{Keys: twoKeys}, wrap: func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					ours := r.URL.Path == "/v1/order/new" && r.Header.Get("X-GEMINI-APIKEY") == sim.LocalKey
					place := func() {
						once.Do(func() { // the other run, which planned at the same time, places too
							raw, _ := base64.StdEncoding.DecodeString(r.Header.Get("X-GEMINI-PAYLOAD"))
							var p struct {
								ClientOrderID string `json:"client_order_id"`
							}
							if err := json.Unmarshal(raw, &p); err != nil {
								t.Error(err)
							}
							got, err := other.NewOrder(context.Background(), gemini.NewOrder{ClientOrderID: p.ClientOrderID, Symbol: "ethusd",
								Side: "buy", Type: gemini.TypeLimit, Amount: d("0.01"), Price: d("3300")})
							if err != nil {
								t.Error(err)
							}
							theirs = got.OrderID
						})
					}
					if ours && theirsFirst {
						place()
					}
					next.ServeHTTP(w, r)
					if ours && !theirsFirst {
						place()
					}
				})
			}})
			other = otherMachine(t, e.url)
			e.configureFilling("done")
			r, ev := e.applyJSON(exitError)
			if !strings.Contains(r.stderr, "traded more than it declares") {
				t.Errorf("the report should say the address traded twice:\n%s", r)
			}
			if n := e.fills(); n != 2 {
				t.Fatalf("%d orders filled, want 2 (the scenario)", n)
			}
			got := ev.withMessage("errored", "placed at this address by another run")
			if len(got) != 1 || got[0].Address != "order.taker" || !strings.Contains(got[0].OrderID, theirs) {
				t.Errorf("want order.taker's concurrent placement %s reported: %+v\n%s", theirs, got, r)
			}
		})
	}
}

// TestPartialFillsAndRepricesAcrossCycles: an order with on_fill =
// "replace" fills a part, is repriced, fills another part, is repriced
// again, fills the rest; the next cycle starts with the declared amount.
// Over three cycles the address never buys more than the declared amount
// per cycle, and every step's placement carries exactly what is left.
func TestPartialFillsAndRepricesAcrossCycles(t *testing.T) {
	t.Parallel()
	for _, full := range []bool{false, true} {
		name := "remaining"
		if full {
			name = "full"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newE2E(t, e2eOptions{})
			price := 3000
			lifecycle := `on_fill = "replace"`
			if full {
				lifecycle += "\n    replace_amount = \"full\""
			}
			write := func() {
				price--
				e.writeConfig(ethBid("a", "0.01", fmt.Sprint(price), lifecycle))
			}
			total := func() decimal.Decimal {
				var s decimal.Decimal
				for _, v := range e.filledUnder() {
					s = s.Add(v)
				}
				return s
			}
			for cycle := 1; cycle <= 3; cycle++ {
				left := d("0.01")
				for step, part := range []string{"0.003", "0.003", ""} {
					write()
					e.mustRun(exitOK, "apply", "-auto-approve", e.dir)
					o := e.onlyLive()
					want := left
					if full {
						want = d("0.01")
					}
					if !o.Original.Equal(want) {
						t.Fatalf("cycle %d step %d: placed %s, want %s", cycle, step, o.Original, want)
					}
					amt := decimal.Zero // the rest
					if part != "" {
						amt = d(part)
					}
					if err := e.sim.Fill(o.ID, amt); err != nil {
						t.Fatal(err)
					}
					if amt.IsZero() {
						left = decimal.Zero
					} else {
						left = left.Sub(amt)
					}
					if full {
						continue
					}
					done := d("0.01").Mul(decimal.NewFromInt(int64(cycle - 1)))
					if got := total(); got.GreaterThan(done.Add(d("0.01"))) {
						t.Fatalf("cycle %d step %d: bought %s in all, more than %s cycles of 0.01", cycle, step, got, done.Add(d("0.01")))
					}
				}
				if !full {
					if got, want := total(), d("0.01").Mul(decimal.NewFromInt(int64(cycle))); !got.Equal(want) {
						t.Fatalf("after cycle %d: bought %s, want %s", cycle, got, want)
					}
				}
			}
		})
	}
}

// TestRemovingAMovedBlockOfAPartlyFilledLiveOrderWarns: order.a filled
// part of its amount and is renamed to order.b with a moved block; the
// live order keeps a's client order id. Removing the block then makes the
// plan cancel that order as "not in the configuration" and place order.b
// for the full amount: the address would buy the filled part again. The
// plan must say so (the same warning as for a closed order that filled),
// not place silently.
func TestRemovingAMovedBlockOfAPartlyFilledLiveOrderWarns(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	e.writeConfig(ethBid("a", "0.01", "3000", ""))
	e.mustRun(exitOK, "apply", "-auto-approve", e.dir)
	first := e.onlyLive()
	if err := e.sim.Fill(first.ID, d("0.006")); err != nil {
		t.Fatal(err)
	}
	e.writeConfig(ethBid("b", "0.01", "3000", "") + "\nmoved {\n  from = order.a\n  to   = order.b\n}\n")
	e.mustRun(exitOK, "apply", "-auto-approve", e.dir)
	e.writeConfig(ethBid("b", "0.01", "3000", ""))
	r := e.mustRun(exitOK, "plan", e.dir)
	if !strings.Contains(r.stderr, "A renamed order that already filled?") || !strings.Contains(r.stderr, first.ID) {
		t.Errorf("the plan places order.b again without a word about order %s, which filled 0.006 under order.a's id:\n%s", first.ID, r)
	}
}

// TestNearMissForeignIDsAreLeftAlone: orders of another program whose
// client order ids differ from orderform's by case, a character more or
// less, a look-alike character, or the namespace (ns2 starts with ns) are
// counted as foreign by plan, never cancelled, replaced or adopted by
// apply, and left by destroy.
func TestNearMissForeignIDsAreLeftAlone(t *testing.T) {
	t.Parallel()
	const otherKey, otherSecret = "account-other-program", "other-program-secret"
	h := newRelHarness(t, relOptions{sim: sim.Options{LaxClientOrderIDs: true,
		Keys: []sim.Key{{Key: otherKey, Secret: otherSecret}}}})
	h.write(map[string]string{"main.hcl": h.exchangeBlock("ns") + `
order "bid" {
  symbol = "btcusd"
  side   = "buy"
  amount = "0.001"
  price  = 60000
}
`})
	ctx := context.Background()
	bid, gone := spec.ClientOrderID("ns", "order.bid"), spec.ClientOrderID("ns", "order.gone")
	hash := strings.TrimPrefix(bid, "of:ns:")
	foreign := []string{
		strings.ToUpper(bid), "of:NS:" + hash, "OF:ns:" + hash, "of:ns:" + strings.ToUpper(hash),
		bid + "0", bid[:len(bid)-1], gone + "x",
		"of:ns2:" + hash, "of:n:" + hash, "of:ns::" + hash, "of:ns:" + hash[:8] + ":" + hash[8:],
		"\u043ef:ns:" + hash,            // Cyrillic o
		"of\uff1ans:" + hash,            // fullwidth colon
		bid + "\u200b",                  // zero-width space
		"\u200b" + bid,                  // zero-width space before
		"of:ns:" + hash[:15] + "\u0430", // Cyrillic a for the last hex digit
	}
	other := h.client(otherKey, otherSecret)
	want := map[string]string{}
	for _, id := range foreign {
		if _, err := other.NewOrder(ctx, gemini.NewOrder{ClientOrderID: id, Symbol: "btcusd", Side: "buy",
			Type: gemini.TypeLimit, Amount: d("0.002"), Price: d("59000")}); err != nil {
			t.Fatalf("placing the foreign order %q: %v", id, err)
		}
		want[id] = "59000x0.002 "
	}
	book := func() map[string]string {
		out := map[string]string{}
		for _, o := range h.srv.Orders() {
			if o.Live {
				out[o.ClientOrderID] += o.Price.String() + "x" + o.Original.String() + " "
			}
		}
		return out
	}
	r := h.run(ctx, "plan", "-json", h.dir)
	if r.code != 0 || !strings.Contains(r.stdout, `"foreign"`) {
		t.Logf("plan -json: %s", r)
	}
	if r := h.run(ctx, "apply", "-auto-approve", h.dir); r.code != 0 {
		t.Fatalf("apply: %s", r)
	}
	want[bid] = "60000x0.001 "
	if diff := cmp.Diff(want, book()); diff != "" {
		t.Fatalf("live book after apply (-want +got):\n%s", diff)
	}
	if r := h.run(ctx, "plan", "-detailed-exitcode", h.dir); r.code != 0 {
		t.Errorf("plan after apply is not empty: %s", r)
	}
	if r := h.run(ctx, "destroy", "-auto-approve", h.dir); r.code != 0 {
		t.Fatalf("destroy: %s", r)
	}
	delete(want, bid)
	if diff := cmp.Diff(want, book()); diff != "" {
		t.Errorf("live book after destroy (-want +got):\n%s", diff)
	}
}

// TestADuplicateUnderPreventCancelNamesTheDuplicate: a concurrent run left
// two live orders at an address with prevent_cancel (verification leaves
// them). The next plan refuses to cancel either, and says what to do about
// a duplicate, not "change the configuration back": the configuration did
// not change.
func TestADuplicateUnderPreventCancelNamesTheDuplicate(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{sim: sim.Options{Keys: twoKeys}})
	e.writeConfig(ethBid("a", "0.01", "1000", "") + ethBid("b", "0.01", "900", "prevent_cancel = true"))
	e.mustRun(exitOK, "apply", "-auto-approve", e.dir)
	var b sim.OrderView
	for _, o := range e.live() {
		if o.Price.Equal(d("900")) {
			b = o
		}
	}
	dup, err := otherMachine(t, e.url).NewOrder(context.Background(), gemini.NewOrder{ClientOrderID: b.ClientOrderID, Symbol: b.Symbol,
		Side: b.Side, Type: gemini.TypeLimit, Amount: b.Original, Price: b.Price})
	if err != nil {
		t.Fatal(err)
	}
	before := e.liveIDs()
	r := e.mustRun(exitError, "apply", "-auto-approve", "-target", "order.b", e.dir)
	if !strings.Contains(r.stderr, "duplicates order "+b.ID) || !strings.Contains(r.stderr, dup.OrderID) || strings.Contains(r.stderr, "Change the configuration back") {
		t.Errorf("the error should name the duplicate and what to do about it:\n%s", r)
	}
	if diff := cmp.Diff(before, e.liveIDs()); diff != "" {
		t.Errorf("the book changed:\n%s", diff)
	}
}

// TestApplyLockIgnoresHowTheExchangeIsSpelled: one exchange, account and
// namespace, named two ways (localhost or 127.0.0.1, upper case, an
// explicit default port, a trailing slash; account "primary" or left out),
// is one lock: a second run that spells the URL differently must not slip
// past the first.
func TestApplyLockIgnoresHowTheExchangeIsSpelled(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	port := e.url[strings.LastIndex(e.url, ":")+1:]
	l := e.holdLock("apply")
	defer l.release()
	for _, url := range []string{"http://localhost:" + port + "/", "http://127.0.0.1:" + port + "/"} {
		e.writeConfig(ethBid("a", "0.01", "1000", ""))
		e.env["GEMINI_API_URL"] = ""
		text := strings.Replace(readFile(t, filepath.Join(e.dir, "main.hcl")), e.url, url, 1)
		if err := os.WriteFile(filepath.Join(e.dir, "main.hcl"), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		r := e.run(context.Background(), "apply", "-auto-approve", e.dir)
		if r.code != exitError || !strings.Contains(r.stderr, "is held by orderform apply") {
			t.Errorf("url %s: apply ran beside another run's lock of the same exchange:\n%s", url, r)
		}
	}
	if n := e.requests("/v1/order/new"); n != 0 {
		t.Errorf("%d orders placed while the lock was held, want none", n)
	}
	env := &cliEnv{getenv: func(k string) string { return map[string]string{"ORDERFORM_CACHE_DIR": "/cache"}[k] }}
	path := func(tg plan.Target) string {
		p, err := lockPath(env, tg)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	base := plan.Target{Environment: "production", BaseURL: "https://api.gemini.com", Namespace: "prod"}
	for _, tg := range []plan.Target{
		{Environment: "production", BaseURL: "https://API.Gemini.com:443/", Namespace: "prod"},
		{Environment: "production", BaseURL: "https://api.gemini.com.", Namespace: "prod"},
		{Environment: "production", BaseURL: "https://api.gemini.com", Account: "primary", Namespace: "prod"},
	} {
		if path(tg) != path(base) {
			t.Errorf("%+v has another lock than %+v", tg, base)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSavedPlanResignedWithAnotherSecret: a saved plan edited (amount
// raised) and signed again, with a correct checksum and HMAC, by the
// holder of another key of the same account: applied with the original
// key its signature does not match; applied with the other key it is
// aimed at another key's target. Nothing is sent either way.
func TestSavedPlanResignedWithAnotherSecret(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{sim: sim.Options{Keys: twoKeys}})
	e.writeConfig(ethBid("a", "0.01", "3000", ""))
	p := filepath.Join(t.TempDir(), "p.plan")
	e.mustRun(exitOK, "plan", "-out="+p, e.dir)
	resign(t, p, `"amount": "0.01"`, `"amount": "1.5"`)
	data := []byte(readFile(t, p))
	var env struct {
		Signature string          `json:"signature"`
		Body      json.RawMessage `json:"body"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, plan.SigningKey("second-secret"))
	m.Write(env.Body)
	data = bytes.Replace(data, []byte(env.Signature), []byte("hmac-sha256:"+hex.EncodeToString(m.Sum(nil))), 1)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.run(context.Background(), "apply", p)
	if r.code != exitError || !strings.Contains(r.stderr, "signature does not match") {
		t.Errorf("applied with the key it was made with:\n%s", r)
	}
	r = e.runEnv(context.Background(), map[string]string{"GEMINI_API_KEY": "account-second", "GEMINI_API_SECRET": "second-secret"}, "apply", p)
	if r.code != exitError || !strings.Contains(r.stderr, "another target") {
		t.Errorf("applied with the other key:\n%s", r)
	}
	if n := e.requests("/v1/order/new"); n != 0 {
		t.Errorf("%d orders sent, want none", n)
	}
}
