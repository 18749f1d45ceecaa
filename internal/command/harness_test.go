package command

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"orderform/gemini"
	"orderform/gemini/sim"
	"orderform/internal/exchange"
)

// The one end-to-end harness: a simulator served on loopback and the
// command line run in-process against it, as main runs it. newE2E (a
// configuration of bids), newRelHarness (any configuration, other keys
// beside orderform's) and newSimBench (large grids, request budgets) are
// views of it for the tests that grew up with each.

// serveSim serves s on loopback until the test ends and returns its URL;
// wrap, when set, puts a handler in front of it (httptest), to observe or
// time requests exactly.
func serveSim(tb testing.TB, s *sim.Server, wrap func(http.Handler) http.Handler) string {
	tb.Helper()
	if wrap != nil {
		srv := httptest.NewServer(wrap(s))
		tb.Cleanup(srv.Close)
		return srv.URL
	}
	u, stop, err := sim.Serve(context.Background(), s, "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		// The client's transport (the default one) may hold a connection
		// it dialled but never used; the server counts it as new, not
		// idle, and its Shutdown would wait 5 s for it.
		http.DefaultTransport.(*http.Transport).CloseIdleConnections()
		stop()
	})
	return u
}

// runResult is what one run of the command line printed and returned.
type runResult struct {
	args           []string
	code           int
	stdout, stderr string
}

type (
	cliResult = runResult
	relResult = runResult
)

func (r runResult) String() string {
	return fmt.Sprintf("orderform %s: exit %d\n--- stdout\n%s--- stderr\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// runOptions are how one run differs from a plain one.
type runOptions struct {
	stdin string
	// noHistoryMargin starts history walks right at the last read
	// (exchange.WithHistoryMargin).
	noHistoryMargin bool
}

// runTimeout bounds every in-process run: a hang is a failure, not a stuck CI.
const runTimeout = 60 * time.Second

// runCommand runs the command line in-process under ctx with getenv, as
// main runs it.
func runCommand(tb testing.TB, ctx context.Context, getenv func(string) string, o runOptions, args ...string) runResult {
	tb.Helper()
	if o.noHistoryMargin {
		ctx = exchange.WithHistoryMargin(ctx, 0)
	}
	var out, errb bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, getenv, strings.NewReader(o.stdin), &out, &errb) }()
	select {
	case code := <-done:
		return runResult{args: args, code: code, stdout: out.String(), stderr: errb.String()}
	case <-time.After(runTimeout):
		tb.Fatalf("orderform %s: no answer after %s (hang)", strings.Join(args, " "), runTimeout)
		return runResult{}
	}
}

// simBench is a simulator on loopback and a configuration directory whose
// exchange block points at it, with its own rules and roles cache.
type simBench struct {
	s     *sim.Server
	url   string
	dir   string
	cache string
	env   map[string]string
	arr   *arrivals // when set, what the simulator received
}

func newSimBench(tb testing.TB, opts sim.Options) *simBench {
	tb.Helper()
	s := newSim(tb, opts)
	return newBench(tb, s, serveSim(tb, s, nil))
}

func newSim(tb testing.TB, opts sim.Options) *sim.Server {
	tb.Helper()
	if opts.Keys == nil {
		opts.Keys = []sim.Key{{Key: sim.LocalKey, Secret: sim.LocalSecret, Roles: []string{sim.RoleTrader}}}
	}
	s, err := sim.New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// newBench funds the simulator's account for large grids and makes a
// configuration directory and cache for it.
func newBench(tb testing.TB, s *sim.Server, url string) *simBench {
	tb.Helper()
	for cur, amt := range map[string]string{"USD": "100000000", "BTC": "1000"} {
		if err := s.Fund(cur, decimal.RequireFromString(amt)); err != nil {
			tb.Fatal(err)
		}
	}
	tmp := tb.TempDir()
	b := &simBench{s: s, url: url, dir: filepath.Join(tmp, "cfg"), cache: filepath.Join(tmp, "cache")}
	b.env = map[string]string{"ORDERFORM_CACHE_DIR": b.cache, "NO_COLOR": "1"}
	if err := os.MkdirAll(b.dir, 0o700); err != nil {
		tb.Fatal(err)
	}
	return b
}

// run runs the command line with the bench's environment plus extra
// variables ("NAME=value").
func (b *simBench) run(tb testing.TB, args []string, extra ...string) (int, string, string) {
	tb.Helper()
	env := map[string]string{}
	for k, v := range b.env {
		env[k] = v
	}
	for _, kv := range extra {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	r := runCommand(tb, context.Background(), func(k string) string { return env[k] }, runOptions{}, args...)
	return r.code, r.stdout, r.stderr
}

// mustRun runs the command line and fails unless it exits with want.
func (b *simBench) mustRun(tb testing.TB, want int, args []string, extra ...string) string {
	tb.Helper()
	code, out, errOut := b.run(tb, args, extra...)
	if code != want {
		tb.Fatalf("orderform %s: exit %d, want %d\nstdout:\n%.3000s\nstderr:\n%.3000s", strings.Join(args, " "), code, want, out, errOut)
	}
	return out
}

// relHarness is one simulator and one configuration directory aimed at it.
type relHarness struct {
	t testing.TB
	// noHistoryMargin runs commands with history walks starting right at
	// the last read (exchange.WithHistoryMargin).
	noHistoryMargin bool
	srv             *sim.Server
	url             string
	dir             string            // the configuration directory
	env             map[string]string // what getenv answers
}

// relOptions tune newRelHarness.
type relOptions struct {
	key, secret string
	roles       []string
	sim         sim.Options
	// wrap, when set, wraps the simulator's handler (to record what it saw).
	wrap func(http.Handler) http.Handler
}

// newRelHarness starts a simulator with one trader key and returns a relHarness
// whose environment carries that key.
func newRelHarness(t testing.TB, o relOptions) *relHarness {
	t.Helper()
	if o.key == "" {
		o.key, o.secret = "account-relHarness", "relHarness-secret"
	}
	opts := o.sim
	opts.Keys = append([]sim.Key{{Key: o.key, Secret: o.secret, Roles: o.roles}}, opts.Keys...)
	s, err := sim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	url := serveSim(t, s, o.wrap)
	dir := t.TempDir()
	return &relHarness{
		t: t, srv: s, url: url, dir: filepath.Join(dir, "cfg"),
		env: map[string]string{
			"GEMINI_API_KEY":      o.key,
			"GEMINI_API_SECRET":   o.secret,
			"ORDERFORM_CACHE_DIR": filepath.Join(dir, "cache"),
			"NO_COLOR":            "1",
		},
	}
}

func (h *relHarness) getenv(k string) string { return h.env[k] }

// exchangeBlock is an exchange block aimed at the relHarness's simulator.
func (h *relHarness) exchangeBlock(namespace string) string {
	return fmt.Sprintf("exchange {\n  environment = \"local\"\n  url         = %q\n  namespace   = %q\n}\n", h.url, namespace)
}

// write replaces the configuration directory's files with files.
func (h *relHarness) write(files map[string]string) {
	h.t.Helper()
	if err := os.RemoveAll(h.dir); err != nil {
		h.t.Fatal(err)
	}
	if err := os.MkdirAll(h.dir, 0o755); err != nil {
		h.t.Fatal(err)
	}
	for name, text := range files {
		p := filepath.Join(h.dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			h.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			h.t.Fatal(err)
		}
	}
}

// relResult is what one run of the command line gave.
// run runs the command line in-process with ctx and the relHarness's
// environment. stdin is empty (not a terminal).
func (h *relHarness) run(ctx context.Context, args ...string) relResult {
	h.t.Helper()
	return h.runIn(ctx, "", args...)
}

// runIn is run with stdin.
func (h *relHarness) runIn(ctx context.Context, stdin string, args ...string) relResult {
	h.t.Helper()
	return runCommand(h.t, ctx, h.getenv, runOptions{stdin: stdin, noHistoryMargin: h.noHistoryMargin}, args...)
}

// client returns a signed client of the simulator for another key (orders
// placed beside orderform's), which must be among the simulator's keys.
func (h *relHarness) client(key, secret string) *gemini.Client {
	h.t.Helper()
	c, err := gemini.New(gemini.Config{BaseURL: h.url, APIKey: key, APISecret: secret, PrivateRate: -1, PublicRate: -1, MaxReadRetries: -1})
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// requestCount is the number of Gemini requests the simulator has received.
func (h *relHarness) requestCount() int {
	n := 0
	for _, c := range h.srv.Requests() {
		n += c
	}
	return n
}

// e2e is one simulator served on loopback and a configuration directory
// whose exchange block points at it (environment "local" with url), driven
// through run() as a user would drive the binary.
type e2e struct {
	t *testing.T
	// noHistoryMargin runs commands with history walks starting right at
	// the last read (exchange.WithHistoryMargin).
	noHistoryMargin bool
	sim             *sim.Server
	url             string
	ns              string
	dir             string
	env             map[string]string
}

// e2eOptions tune newE2E.
type e2eOptions struct {
	sim sim.Options
	// wrap, when set, puts a handler in front of the simulator (served with
	// httptest instead of sim.Serve), to observe or time requests exactly.
	wrap func(next http.Handler) http.Handler
}

func newE2E(t *testing.T, o e2eOptions) *e2e {
	t.Helper()
	if o.sim.Keys == nil {
		o.sim.Keys = []sim.Key{{Key: sim.LocalKey, Secret: sim.LocalSecret}, {Key: otherKey, Secret: otherSecret}}
	}
	s, err := sim.New(o.sim)
	if err != nil {
		t.Fatal(err)
	}
	url := serveSim(t, s, o.wrap)
	e := &e2e{
		t:   t,
		sim: s,
		url: url,
		ns:  "e2e",
		dir: t.TempDir(),
		env: map[string]string{
			"NO_COLOR":               "1",
			"ORDERFORM_CACHE_DIR":    filepath.Join(t.TempDir(), "cache"),
			"ORDERFORM_RATE_PRIVATE": "2000",
			"ORDERFORM_RATE_PUBLIC":  "2000",
		},
	}
	return e
}

// bid is one order of a test configuration: a limit buy on ethusd (market
// 3200 / 3200.5 in a fresh simulator).
type bid struct {
	name    string
	price   string
	amount  string   // default 0.01
	options []string // e.g. "maker-or-cancel"
}

// bids returns n resting bids l00, l01, ... from 1000 down by 1.
func bids(n int) []bid {
	out := make([]bid, n)
	for i := range out {
		out[i] = bid{name: fmt.Sprintf("l%02d", i), price: fmt.Sprint(1000 - i)}
	}
	return out
}

// configure writes the configuration: the exchange block and one order
// block per bid.
func (e *e2e) configure(orders []bid) {
	e.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "exchange {\n  environment = \"local\"\n  url         = %q\n  namespace   = %q\n}\n", e.url, e.ns)
	for _, o := range orders {
		amount := o.amount
		if amount == "" {
			amount = "0.01"
		}
		fmt.Fprintf(&b, "\norder %q {\n  symbol = \"ethusd\"\n  side   = \"buy\"\n  amount = %q\n  price  = %s\n", o.name, amount, o.price)
		if len(o.options) > 0 {
			q := make([]string, len(o.options))
			for i, x := range o.options {
				q[i] = fmt.Sprintf("%q", x)
			}
			fmt.Fprintf(&b, "  options = [%s]\n", strings.Join(q, ", "))
		}
		b.WriteString("}\n")
	}
	if err := os.WriteFile(filepath.Join(e.dir, "main.hcl"), []byte(b.String()), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

// otherKey is a second key of the e2e simulator's account, for orders
// placed beside orderform: another program has its own key (a second
// client on orderform's would race it for the key's nonces).
const otherKey, otherSecret = "account-other-program", "other-program-secret"

// otherClient is a client of the simulator on otherKey.
func (e *e2e) otherClient() *gemini.Client {
	e.t.Helper()
	c, err := gemini.New(gemini.Config{BaseURL: e.url, APIKey: otherKey, APISecret: otherSecret, PrivateRate: -1, PublicRate: -1})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// run runs the command line with ctx and the test's environment.
func (e *e2e) run(ctx context.Context, args ...string) cliResult {
	return e.runEnv(ctx, nil, args...)
}

// runEnv is run with extra environment variables.
func (e *e2e) runEnv(ctx context.Context, extra map[string]string, args ...string) cliResult {
	getenv := func(k string) string {
		if v, ok := extra[k]; ok {
			return v
		}
		return e.env[k]
	}
	return runCommand(e.t, ctx, getenv, runOptions{noHistoryMargin: e.noHistoryMargin}, args...)
}

// mustRun runs the command and fails the test unless it exits with want.
func (e *e2e) mustRun(want int, args ...string) cliResult {
	e.t.Helper()
	r := e.run(context.Background(), args...)
	if r.code != want {
		e.t.Fatalf("want exit %d\n%s", want, r)
	}
	return r
}

// applyJSON runs `apply -auto-approve -json DIR` and checks its exit code.
func (e *e2e) applyJSON(want int) (cliResult, applyEvents) {
	e.t.Helper()
	r := e.mustRun(want, "apply", "-auto-approve", "-json", e.dir)
	return r, parseEvents(e.t, r)
}

// live returns the namespace's live orders in the simulator.
func (e *e2e) live() []sim.OrderView {
	var out []sim.OrderView
	for _, o := range e.sim.Orders() {
		if o.Live && strings.HasPrefix(o.ClientOrderID, "of:"+e.ns+":") {
			out = append(out, o)
		}
	}
	return out
}

// liveIDs returns the order ids of the namespace's live orders, sorted.
func (e *e2e) liveIDs() []string {
	var ids []string
	for _, o := range e.live() {
		ids = append(ids, o.ID)
	}
	sort.Strings(ids)
	return ids
}

// requests returns the simulator's count for a Gemini path.
func (e *e2e) requests(path string) int {
	return e.sim.Requests()[path]
}

// checkBook checks that the namespace has exactly one live order per
// client order id, at the configured prices, and returns the live orders
// by price.
func (e *e2e) checkBook(want []bid) map[string]sim.OrderView {
	e.t.Helper()
	byCID := map[string][]sim.OrderView{}
	byPrice := map[string]sim.OrderView{}
	var prices []string
	for _, o := range e.live() {
		byCID[o.ClientOrderID] = append(byCID[o.ClientOrderID], o)
		byPrice[o.Price.String()] = o
		prices = append(prices, o.Price.String())
	}
	for cid, group := range byCID {
		if len(group) > 1 {
			e.t.Errorf("client order id %s has %d live orders, want 1: %+v", cid, len(group), group)
		}
	}
	var wantPrices []string
	for _, b := range want {
		wantPrices = append(wantPrices, decimal.RequireFromString(b.price).String())
	}
	sort.Strings(prices)
	sort.Strings(wantPrices)
	if diff := cmp.Diff(wantPrices, prices); diff != "" {
		e.t.Errorf("live prices in the book (-want +got):\n%s", diff)
	}
	return byPrice
}

// checkConverged checks that a plan shows no changes, and that applying
// again changes nothing.
func (e *e2e) checkConverged() {
	e.t.Helper()
	r := e.run(context.Background(), "plan", "-detailed-exitcode", e.dir)
	if r.code != exitOK || !strings.Contains(r.stdout, "No changes.") {
		e.t.Errorf("plan after apply: want exit 0 and No changes\n%s", r)
	}
	before := e.liveIDs()
	r = e.run(context.Background(), "apply", "-auto-approve", e.dir)
	if r.code != exitOK || !strings.Contains(r.stdout, "No changes.") {
		e.t.Errorf("second apply: want exit 0 and No changes\n%s", r)
	}
	if diff := cmp.Diff(before, e.liveIDs()); diff != "" {
		e.t.Errorf("second apply changed the book (-before +after):\n%s", diff)
	}
}

// applyEvents are the JSON lines of `apply -json`.
type applyEvents struct {
	events  []applyEvent
	summary map[string]any
}

type applyEvent struct {
	Type          string `json:"type"`
	Address       string `json:"address"`
	ClientOrderID string `json:"client_order_id"`
	Kind          string `json:"kind"`
	Action        string `json:"action"`
	Outcome       string `json:"outcome"`
	OrderID       string `json:"order_id"`
	Message       string `json:"message"`
	Error         string `json:"error"`
}

// parseEvents reads the JSON lines of stdout; every line must be JSON and
// the last one the summary.
func parseEvents(t *testing.T, r cliResult) applyEvents {
	t.Helper()
	var ev applyEvents
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	for sc.Scan() {
		line := sc.Bytes()
		var typ struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(line, &typ); err != nil {
			t.Fatalf("stdout line is not JSON: %q: %v\n%s", line, err, r)
		}
		if typ.Type == "summary" {
			if ev.summary != nil {
				t.Fatalf("two summary lines\n%s", r)
			}
			ev.summary = map[string]any{}
			json.Unmarshal(line, &ev.summary)
			continue
		}
		if ev.summary != nil {
			t.Fatalf("a line after the summary: %s\n%s", line, r)
		}
		var a applyEvent
		json.Unmarshal(line, &a)
		ev.events = append(ev.events, a)
	}
	if ev.summary == nil {
		t.Fatalf("no summary line\n%s", r)
	}
	return ev
}

// outcomes returns the final outcome of each address's place step (or
// cancel step, for plain cancels), by address, or by client order id for
// orders that no address of the configuration names any more.
func (ev applyEvents) outcomes() map[string]string {
	out := map[string]string{}
	for _, a := range ev.events {
		if a.Type != "complete" && a.Type != "errored" || a.Action != "place" && a.Kind != "cancel" {
			continue
		}
		k := a.Address
		if k == "" {
			k = a.ClientOrderID
		}
		out[k] = a.Outcome
	}
	return out
}

// count returns how many events have the type and outcome.
func (ev applyEvents) count(typ, outcome string) int {
	n := 0
	for _, a := range ev.events {
		if a.Type == typ && a.Outcome == outcome {
			n++
		}
	}
	return n
}

// checkMatchesBook checks that the report accounts for the book: the live
// orders after the apply are those before, less the ones the events say
// were cancelled, plus the ones they say were placed, replaced or adopted.
func (e *e2e) checkMatchesBook(before []string, ev applyEvents) {
	e.t.Helper()
	want := map[string]bool{}
	for _, id := range before {
		want[id] = true
	}
	for _, a := range ev.events {
		if a.Type != "complete" || a.OrderID == "" {
			continue
		}
		switch {
		case (a.Action == "cancel" || a.Action == "cancel-duplicate") && (a.Outcome == "cancelled" || a.Outcome == "duplicate-cancelled"):
			delete(want, a.OrderID)
		case a.Action == "place" && (a.Outcome == "placed" || a.Outcome == "replaced" || a.Outcome == "adopted"):
			want[a.OrderID] = true
		}
	}
	var wantIDs []string
	for id := range want {
		wantIDs = append(wantIDs, id)
	}
	sort.Strings(wantIDs)
	if diff := cmp.Diff(wantIDs, e.liveIDs()); diff != "" {
		e.t.Errorf("the report does not match the book (-report +book):\n%s\nevents: %+v", diff, ev.events)
	}
}

// checkSummary checks the counts of the summary line against the events.
func checkSummary(t *testing.T, ev applyEvents, ok bool, changes int) {
	t.Helper()
	if got := ev.summary["ok"]; got != ok {
		t.Errorf("summary ok = %v, want %v: %v", got, ok, ev.summary)
	}
	if got := ev.summary["changes"]; got != float64(changes) {
		t.Errorf("summary changes = %v, want %d: %v", got, changes, ev.summary)
	}
}

// withMessage returns the events of the type whose message or error
// contains s.
func (ev applyEvents) withMessage(typ, s string) []applyEvent {
	var out []applyEvent
	for _, a := range ev.events {
		if a.Type == typ && (strings.Contains(a.Message, s) || strings.Contains(a.Error, s)) {
			out = append(out, a)
		}
	}
	return out
}

// d parses a decimal.
func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// syncBuffer is a bytes.Buffer safe to read while a command writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runSim runs `orderform sim ARGS` through the command line.
func runSim(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"sim"}, args...), func(k string) string { return env[k] }, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}
