package command

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"orderform/gemini/sim"
)

// These tests specify what apply checks right before it sends (docs/safety.md,
// "What is checked when"), what a saved plan's signature protects, and what
// `apply PLANFILE` says about the configuration it came from. The simulator's
// ethusd market starts at bid 3200, ask 3200.5.

// writeConfig writes the e2e exchange block followed by body.
func (e *e2e) writeConfig(body string) {
	e.t.Helper()
	head := fmt.Sprintf("exchange {\n  environment = \"local\"\n  url         = %q\n  namespace   = %q\n}\n\n", e.url, e.ns)
	if err := os.WriteFile(filepath.Join(e.dir, "main.hcl"), []byte(head+body), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

// setMarket moves the simulated ethusd market.
func (e *e2e) setMarket(bid, ask string) {
	e.t.Helper()
	if err := e.sim.SetMarket("ethusd", d(bid), d(ask)); err != nil {
		e.t.Fatal(err)
	}
}

// livePrices returns the prices of the namespace's live orders, by price.
func (e *e2e) livePrices() map[string]sim.OrderView {
	out := map[string]sim.OrderView{}
	for _, o := range e.live() {
		out[o.Price.String()] = o
	}
	return out
}

const guardedBids = `
guard {
  allow_crossing      = false
  max_price_deviation = 0.1
}

order "a" {
  symbol = "ethusd"
  side   = "buy"
  amount = "0.01"
  price  = %s
}
`

const bidB = `
order "b" {
  symbol = "ethusd"
  side   = "buy"
  amount = "0.01"
  price  = 2950
}
`

// marketFallsAfterPlan sets up a replace and a create that pass every check
// at plan time: order.a rests at 2900 and is to move to 3160, order.b is new
// at 2950. Then the market falls 6% to 3000/3000.5: order.a's new price now
// crosses the ask; order.b still rests and stays in the band.
func marketFallsAfterPlan(t *testing.T) *e2e {
	e := newE2E(t, e2eOptions{})
	e.writeConfig(fmt.Sprintf(guardedBids, "2900"))
	e.mustRun(exitOK, "apply", "-auto-approve", e.dir)
	e.writeConfig(fmt.Sprintf(guardedBids, "3160") + bidB)
	return e
}

// checkRefusedAtSendTime checks the outcome of applying the plan of
// marketFallsAfterPlan after the fall.
func checkRefusedAtSendTime(t *testing.T, e *e2e, r cliResult) {
	t.Helper()
	if r.code != exitError {
		t.Errorf("want exit 1 after a refused placement\n%s", r)
	}
	out := r.stdout + r.stderr
	for _, s := range []string{"order.a", "allow_crossing", "Market now: ethusd bid 3000, ask 3000.5", "was left as it was"} {
		if !strings.Contains(out, s) {
			t.Errorf("the report does not say %q\n%s", s, r)
		}
	}
	prices := e.livePrices()
	if _, ok := prices["2900"]; !ok {
		t.Errorf("order.a's old order at 2900 was cancelled although its replacement was refused: live %v", prices)
	}
	if _, ok := prices["2950"]; !ok {
		t.Errorf("order.b (still fine) was not placed: live %v", prices)
	}
	for _, o := range e.sim.Orders() {
		if o.Price.Equal(d("3160")) {
			t.Errorf("order.a was sent at 3160 after the market fell: %+v", o)
		}
	}
	if n := e.requests("/v1/order/cancel"); n != 0 {
		t.Errorf("%d cancels sent, want none", n)
	}
}

// TestSendTimeCheckSavedPlan: a saved plan made before the market fell is
// checked again against the market as it is when it is applied.
func TestSendTimeCheckSavedPlan(t *testing.T) {
	t.Parallel()
	e := marketFallsAfterPlan(t)
	p := filepath.Join(t.TempDir(), "p.plan")
	e.mustRun(exitOK, "plan", "-out="+p, e.dir)
	e.setMarket("3000", "3000.5")
	e.sim.ResetRequests()
	checkRefusedAtSendTime(t, e, e.run(context.Background(), "apply", p))
	if n := e.requests("/v1/pubticker/ethusd"); n != 1 {
		t.Errorf("%d ticker reads at send time, want 1", n)
	}
}

// TestSendTimeCheckSavedPlanJSON: the same with -json: the refusal is an
// errored place event and the summary is not ok.
func TestSendTimeCheckSavedPlanJSON(t *testing.T) {
	t.Parallel()
	e := marketFallsAfterPlan(t)
	p := filepath.Join(t.TempDir(), "p.plan")
	e.mustRun(exitOK, "plan", "-out="+p, e.dir)
	e.setMarket("3000", "3000.5")
	r := e.mustRun(exitError, "apply", "-json", p)
	ev := parseEvents(t, r)
	if got := ev.outcomes()["order.a"]; got != "failed" {
		t.Errorf("order.a: outcome %q, want failed\n%s", got, r)
	}
	if len(ev.withMessage("complete", "ethusd bid 3000, ask 3000.5")) != 1 {
		t.Errorf("no check event names the market read\n%s", r)
	}
	checkSummary(t, ev, false, 1)
}

// slowYes answers the prompt "yes" after running move, as if the market
// moved while the user read the plan.
type slowYes struct {
	once sync.Once
	move func()
	r    io.Reader
}

func (s *slowYes) Read(p []byte) (int, error) {
	s.once.Do(func() { s.move(); s.r = strings.NewReader("yes\n") })
	return s.r.Read(p)
}

// TestSendTimeCheckAfterThePrompt: an interactive apply checks again after
// the prompt is answered.
func TestSendTimeCheckAfterThePrompt(t *testing.T) {
	t.Parallel()
	e := marketFallsAfterPlan(t)
	e.sim.ResetRequests()
	stdin := &slowYes{move: func() { e.setMarket("3000", "3000.5") }}
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string {
		if k == "ORDERFORM_INPUT" {
			return "1"
		}
		return e.env[k]
	}
	code := run(context.Background(), []string{"apply", e.dir}, getenv, stdin, &stdout, &stderr)
	r := cliResult{args: []string{"apply", e.dir}, code: code, stdout: stdout.String(), stderr: stderr.String()}
	if !strings.Contains(r.stdout, "Enter a value") && !strings.Contains(r.stdout, "yes") {
		t.Logf("prompt output:\n%s", r)
	}
	checkRefusedAtSendTime(t, e, r)
}

// TestSendTimeCheckStopLimitTriggeredByTheMove: a buy stop-limit whose stop
// was above the market when planned rests; once the market rises through
// the stop it would trigger on placement and its limit cross the ask, which
// allow_crossing = false refuses, at send time as at plan time.
func TestSendTimeCheckStopLimitTriggeredByTheMove(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	e.writeConfig(`
guard {
  allow_crossing = false
}

order "breakout" {
  symbol     = "ethusd"
  side       = "buy"
  type       = "stop-limit"
  amount     = "0.01"
  stop_price = 3300
  price      = 3350
}
`)
	p := filepath.Join(t.TempDir(), "p.plan")
	e.mustRun(exitOK, "plan", "-out="+p, e.dir)
	e.setMarket("3310", "3310.5")
	r := e.run(context.Background(), "apply", p)
	if r.code != exitError || !strings.Contains(r.stdout+r.stderr, "its stop 3300 is already reached by the ask") {
		t.Errorf("want the triggered stop refused at send time\n%s", r)
	}
	if n := e.requests("/v1/order/new"); n != 0 {
		t.Errorf("%d orders sent, want none", n)
	}
	r = e.run(context.Background(), "plan", e.dir)
	if r.code != exitError || !strings.Contains(r.stderr, "Refused by guard allow_crossing") {
		t.Errorf("plan: want the triggered stop refused\n%s", r)
	}
}

// TestStopLimitTriggeredAtOnceRefusedAtPlan: a buy stop-limit whose stop
// the ask has already passed, with its limit above the ask, would fill at
// once as a taker: allow_crossing = false refuses it when planning.
func TestStopLimitTriggeredAtOnceRefusedAtPlan(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	e.writeConfig(`
guard {
  allow_crossing = false
}

order "stop" {
  symbol     = "ethusd"
  side       = "buy"
  type       = "stop-limit"
  amount     = "0.01"
  stop_price = 3100
  price      = 3250
}
`)
	r := e.run(context.Background(), "apply", "-auto-approve", e.dir)
	if r.code != exitError || !strings.Contains(r.stderr, "Refused by guard allow_crossing") || !strings.Contains(r.stderr, "main.hcl:") {
		t.Errorf("want the stop-limit refused, pointing at the file\n%s", r)
	}
	if n := e.requests("/v1/order/new"); n != 0 {
		t.Errorf("%d orders sent, want none", n)
	}
}

// TestMakerOrCancelWarningAtSendTime: without any data source or guard, a
// maker-or-cancel order that the market now reaches is warned about from
// the market read right before sending.
func TestMakerOrCancelWarningAtSendTime(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	e.configure([]bid{{name: "mc", price: "3150", options: []string{"maker-or-cancel"}}})
	p := filepath.Join(t.TempDir(), "p.plan")
	e.mustRun(exitOK, "plan", "-out="+p, e.dir)
	e.setMarket("3100", "3120")
	r := e.run(context.Background(), "apply", p)
	if !strings.Contains(r.stdout+r.stderr, "order.mc: Warning: Maker-or-cancel order would take") {
		t.Errorf("no send-time warning\n%s", r)
	}
}

// resign edits a saved plan's body and recomputes its checksum, as anyone
// without the API secret can.
func resign(t *testing.T, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Checksum string          `json:"checksum"`
		Body     json.RawMessage `json:"body"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(env.Body, []byte(old)) {
		t.Fatalf("the plan has no %q", old)
	}
	body := bytes.Replace(env.Body, []byte(old), []byte(new), 1)
	data = bytes.Replace(data, env.Body, body, 1)
	data = bytes.Replace(data, []byte(env.Checksum), []byte(planChecksum(body)), 1)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// planChecksum is a saved plan's checksum of body.
func planChecksum(body []byte) string {
	h := sha256.Sum256(body)
	return "sha256:" + hex.EncodeToString(h[:])
}

// TestTamperedPlanWithRecomputedChecksum: raising an amount past the guard
// in a saved plan and recomputing its checksum does not make apply place it.
func TestTamperedPlanWithRecomputedChecksum(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	e.writeConfig(`
guard {
  max_order_notional = 1000
}

order "a" {
  symbol = "ethusd"
  side   = "buy"
  amount = "0.01"
  price  = 3000
}
`)
	if err := e.sim.Fund("USD", d("1000000")); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "p.plan")
	e.mustRun(exitOK, "plan", "-out="+p, e.dir)
	resign(t, p, `"amount": "0.01"`, `"amount": "1.5"`)
	r := e.run(context.Background(), "apply", p)
	if r.code != exitError || !strings.Contains(r.stderr, "signature does not match") || !strings.Contains(r.stderr, "plan -out") {
		t.Errorf("want the tampered plan refused with a clear message\n%s", r)
	}
	if n := e.requests("/v1/order/new"); n != 0 {
		t.Errorf("%d orders sent, want none", n)
	}
	// With -json, stdout still ends with a summary a machine can read.
	r = e.mustRun(exitError, "apply", "-json", p)
	checkSummary(t, parseEvents(t, r), false, 0)
	data, _ := os.ReadFile(p)
	if bytes.Contains(data, []byte(sim.LocalSecret)) {
		t.Error("the plan file holds the API secret")
	}
}

// TestApplyPlanFileConfigChanged: `apply PLANFILE` names the exchange, and
// refuses a plan whose configuration directory has changed since, unless
// -allow-config-change.
func TestApplyPlanFileConfigChanged(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	e.configure([]bid{{name: "a", price: "1000"}})
	p := filepath.Join(t.TempDir(), "p.plan")
	e.mustRun(exitOK, "plan", "-out="+p, e.dir)
	e.configure([]bid{{name: "a", price: "1001"}})

	r := e.run(context.Background(), "apply", p)
	if r.code != exitError || !strings.Contains(r.stderr, "has changed since the plan was made") || !strings.Contains(r.stderr, "-allow-config-change") {
		t.Errorf("want the plan refused for a changed configuration\n%s", r)
	}
	if !strings.Contains(r.stdout, "Exchange: local") {
		t.Errorf("apply PLANFILE does not name the exchange\n%s", r)
	}
	if n := e.requests("/v1/order/new"); n != 0 {
		t.Errorf("%d orders sent, want none", n)
	}

	r = e.mustRun(exitOK, "apply", "-allow-config-change", p)
	if !strings.Contains(r.stderr, "Warning: the configuration in") {
		t.Errorf("no warning about the changed configuration\n%s", r)
	}
	e.checkBook([]bid{{price: "1000"}})
}

// TestMakerOrCancelWarningWithoutDataSources: plan reads the ticker of a
// symbol that gets a maker-or-cancel placement, so the "would take" warning
// does not depend on a data "ticker" block being declared.
func TestMakerOrCancelWarningWithoutDataSources(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	e.configure([]bid{{name: "mc", price: "3201", options: []string{"maker-or-cancel"}}, {name: "plain", price: "3000"}})
	r := e.mustRun(exitOK, "plan", e.dir)
	if !strings.Contains(r.stderr, "Maker-or-cancel order would take") || !strings.Contains(r.stderr, "ask 3200.5") {
		t.Errorf("no plan-time warning for a maker-or-cancel buy above the ask\n%s", r)
	}
	if n := e.requests("/v1/pubticker/ethusd"); n != 1 {
		t.Errorf("%d ticker reads, want 1", n)
	}
}

// TestApplyPlanFileJSONWithoutChanges: a saved plan with nothing to do still
// ends `apply -json` with a summary line.
func TestApplyPlanFileJSONWithoutChanges(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	e.configure(nil)
	p := filepath.Join(t.TempDir(), "p.plan")
	e.mustRun(exitOK, "plan", "-out="+p, e.dir)
	checkSummary(t, parseEvents(t, e.mustRun(exitOK, "apply", "-json", p)), true, 0)
}
