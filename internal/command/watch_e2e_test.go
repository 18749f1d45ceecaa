package command

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"orderform/internal/watch"
	"orderform/spec"
)

// watchE2E runs `orderform watch -json DIR` in-process against the
// simulator on loopback, on a fake clock: cycles run when the test
// advances the clock (the interval, the probe) and never on their own.
type watchE2E struct {
	*e2e
	clock  *watch.FakeClock
	cancel context.CancelFunc
	done   chan cliResult
	mu     sync.Mutex
	events []map[string]any
	probe  time.Duration
	idles  chan struct{}
}

const (
	e2eInterval = time.Hour
	e2eProbe    = 5 * time.Second
)

// startWatch starts the command on the e2e's configuration directory and
// waits for its first cycle.
func startWatch(t *testing.T, e *e2e, args ...string) *watchE2E {
	t.Helper()
	h := startWatchNoSettle(t, e, args...)
	h.settle()
	return h
}

// wait waits for the command to return.
func (h *watchE2E) wait() cliResult {
	h.t.Helper()
	select {
	case r := <-h.done:
		h.done <- r
		return r
	case <-time.After(60 * time.Second):
		h.t.Fatal("watch did not return")
		return cliResult{}
	}
}

// startWatchNoSettle starts the command and returns at once.
func startWatchNoSettle(t *testing.T, e *e2e, args ...string) *watchE2E {
	t.Helper()
	h := &watchE2E{e2e: e, clock: watch.NewFakeClock(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)),
		done: make(chan cliResult, 1), probe: e2eProbe, idles: make(chan struct{}, 100000)}
	watchTestOptions = func(o *watch.Options) {
		o.Clock = h.clock
		o.Idle = func() { h.idles <- struct{}{} }
	}
	t.Cleanup(func() { watchTestOptions = nil })
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	pw := &eventSink{h: h}
	args = append([]string{"watch", "-json", "-interval", e2eInterval.String(), "-probe", e2eProbe.String()}, args...)
	args = append(args, e.dir)
	go func() {
		var stderr strings.Builder
		code := run(ctx, args, func(k string) string { return e.env[k] }, strings.NewReader(""), pw, &stderr)
		h.done <- cliResult{args: args, code: code, stderr: stderr.String()}
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-h.done:
		case <-time.After(30 * time.Second):
			t.Error("watch did not stop")
		}
	})
	return h
}

// eventSink parses the JSON lines watch writes as they are written, so
// that an event is there once the loop has moved on.
type eventSink struct {
	h   *watchE2E
	buf []byte
}

func (s *eventSink) Write(p []byte) (int, error) {
	s.buf = append(s.buf, p...)
	for {
		i := bytes.IndexByte(s.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		var m map[string]any
		if json.Unmarshal(s.buf[:i], &m) == nil {
			s.h.mu.Lock()
			s.h.events = append(s.h.events, m)
			s.h.mu.Unlock()
		}
		s.buf = s.buf[i+1:]
	}
}

// settle waits until the loop is idle (waiting on the clock), so no
// cycle or probe is running.
func (h *watchE2E) settle() {
	h.t.Helper()
	select {
	case <-h.idles:
		h.idles <- struct{}{} // idle until the clock moves
	case r := <-h.done:
		h.done <- r
		h.t.Fatalf("watch returned:\n%s", r)
	case <-time.After(60 * time.Second):
		h.t.Fatal("watch did not settle")
	}
}

// move advances the clock by d, which must not pass the next timer, and
// settles.
func (h *watchE2E) move(d time.Duration) {
	h.t.Helper()
	h.settle()
	<-h.idles
	h.clock.Advance(d)
	h.settle()
}

// probeNow lets the probe run once (and the cycle it may start).
func (h *watchE2E) probeNow() {
	h.t.Helper()
	h.move(h.probe)
}

// advance moves the clock by d in probe steps (so the interval's cycle
// runs when due), settling after each.
func (h *watchE2E) advance(d time.Duration) {
	h.t.Helper()
	for d > 0 {
		h.settle()
		next, ok := h.clock.NextTimer()
		if !ok || next > d {
			next = d
		}
		h.move(next)
		d -= next
	}
}

// nextCycle advances the clock timer by timer until another cycle has run.
func (h *watchE2E) nextCycle() {
	h.t.Helper()
	n := len(h.cycles())
	for len(h.cycles()) == n {
		h.settle()
		next, _ := h.clock.NextTimer()
		h.move(next)
	}
}

func (h *watchE2E) cycles() []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []map[string]any
	for _, e := range h.events {
		if e["type"] == "cycle" {
			out = append(out, e)
		}
	}
	return out
}

func (h *watchE2E) lastCycle() map[string]any {
	h.t.Helper()
	c := h.cycles()
	if len(c) == 0 {
		h.t.Fatal("no cycle")
	}
	return c[len(c)-1]
}

func (h *watchE2E) eventsOf(typ string) []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []map[string]any
	for _, e := range h.events {
		if e["type"] == typ {
			out = append(out, e)
		}
	}
	return out
}

// stop cancels the command (SIGTERM) and returns its result.
func (h *watchE2E) stop() cliResult {
	h.t.Helper()
	h.cancel()
	select {
	case r := <-h.done:
		h.done <- r
		return r
	case <-time.After(30 * time.Second):
		h.t.Fatal("watch did not stop")
		return cliResult{}
	}
}

func (e *e2e) write(src string) {
	e.t.Helper()
	if err := os.WriteFile(filepath.Join(e.dir, "main.hcl"), []byte(src), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

func (e *e2e) exchangeBlock() string {
	return fmt.Sprintf("exchange {\n  environment = \"local\"\n  url         = %q\n  namespace   = %q\n}\n", e.url, e.ns)
}

// checkOnePerAddress fails when an address has two live orders.
func (e *e2e) checkOnePerAddress() {
	e.t.Helper()
	seen := map[string]string{}
	for _, o := range e.live() {
		if prev, dup := seen[o.ClientOrderID]; dup {
			e.t.Errorf("two live orders under %s: %s and %s", o.ClientOrderID, prev, o.ID)
		}
		seen[o.ClientOrderID] = o.ID
	}
}

func livePrices(e *e2e) map[string]string {
	out := map[string]string{}
	for _, o := range e.live() {
		out[o.ClientOrderID] = o.Price.String()
	}
	return out
}

const ladderHCL = `
data "ticker" "eth" { symbol = "ethusd" }
data "symbol" "eth" { symbol = "ethusd" }

order "bid" {
  for_each = { l1 = 0.99, l2 = 0.98, l3 = 0.97 }
  symbol   = "ethusd"
  side     = "buy"
  amount   = "0.01"
  price    = floor_to(data.ticker.eth.bid * each.value, data.symbol.eth.price_increment)
  lifecycle {
    reprice_tolerance = 0.005
  }
}
`

// A market move past reprice_tolerance reprices the ladder within one
// cycle, started by the probe rather than the hour-long interval; a move
// inside the tolerance starts no cycle.
func TestWatchRepricesAfterMarketMove(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	e.write(e.exchangeBlock() + ladderHCL)
	h := startWatch(t, e)
	if c := h.lastCycle(); c["outcome"] != "ok" || c["placed"] != 3.0 {
		t.Fatalf("first cycle %v", c)
	}
	before := livePrices(e)

	// 0.3% up: inside the tolerance.
	if err := e.sim.SetMarket("ethusd", d("3209.60"), d("3210.10")); err != nil {
		t.Fatal(err)
	}
	h.probeNow()
	if n := len(h.cycles()); n != 1 {
		t.Fatalf("%d cycles after a move inside the tolerance, want 1", n)
	}
	// 1% up from the first: past it.
	if err := e.sim.SetMarket("ethusd", d("3232.00"), d("3232.50")); err != nil {
		t.Fatal(err)
	}
	h.probeNow()
	c := h.lastCycle()
	if len(h.cycles()) != 2 || c["trigger"] != "market" || c["outcome"] != "ok" || c["placed"] != 3.0 || c["cancelled"] != 3.0 {
		t.Fatalf("cycle after the move: %v", c)
	}
	after := livePrices(e)
	for cid, p := range before {
		if after[cid] == p || after[cid] == "" {
			t.Errorf("%s: price %s before, %q after", cid, p, after[cid])
		}
	}
	if after[clientID(e, `order.bid["l1"]`)] != "3199.68" { // floor(3232 × 0.99, 0.01)
		t.Errorf("l1 at %s, want 3199.68", after[clientID(e, `order.bid["l1"]`)])
	}
	e.checkOnePerAddress()
	if r := h.stop(); r.code != 0 {
		t.Errorf("exit %d\n%s", r.code, r)
	}
}

// An on_fill = "replace" order that fills is back within one cycle,
// started by the probe seeing it leave the book.
func TestWatchReplacesAFilledOrder(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	e.write(e.exchangeBlock() + `
order "bid" {
  symbol = "ethusd"
  side   = "buy"
  amount = "0.01"
  price  = 3000
  lifecycle {
    on_fill = "replace"
  }
}
`)
	h := startWatch(t, e)
	live := e.live()
	if len(live) != 1 {
		t.Fatalf("live %v", live)
	}
	if err := e.sim.Fill(live[0].ID, d("0")); err != nil {
		t.Fatal(err)
	}
	if len(e.live()) != 0 {
		t.Fatal("still live after the fill")
	}
	h.probeNow()
	c := h.lastCycle()
	if c["trigger"] != "fill" || c["placed"] != 1.0 {
		t.Fatalf("cycle after the fill: %v", c)
	}
	if now := e.live(); len(now) != 1 || now[0].ID == live[0].ID {
		t.Fatalf("after the cycle: %v", now)
	}
}

func clientID(e *e2e, addr string) string { return spec.ClientOrderID(e.ns, addr) }

// grid returns n resting bids b00, b01, ... at 1000, 999, ... of amount
// 0.01 ETH, with the watch block given.
func grid(n int, watchBlock string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "\norder \"b%02d\" {\n  symbol = \"ethusd\"\n  side   = \"buy\"\n  amount = \"0.01\"\n  price  = %d\n}\n", i, 1000-i)
	}
	return b.String() + "\nwatch {\n" + watchBlock + "\n}\n"
}

// Each churn limit stops action at exactly its number against the real
// exchange: a cycle sends exactly what is left, later cycles in the window
// send nothing and say which limit holds them, and once the window slides
// exactly as many more go through.
func TestWatchChurnLimitsExact(t *testing.T) {
	tests := []struct {
		name       string
		block      string
		orders     int // declared at first
		thenOrders int // declared after the first cycles (fewer: cancels)
		window     time.Duration
		limit      string
		// live orders after the first cycle, after a cycle later in the
		// window, and after the window has slid
		want [3]int
	}{
		{name: "placements per minute", block: "max_placements_per_minute = 4", orders: 10, thenOrders: 10,
			window: time.Minute, limit: "max_placements_per_minute", want: [3]int{4, 4, 8}},
		{name: "placements per day", block: "max_placements_per_minute = 600\nmax_placements_per_day = 6", orders: 10, thenOrders: 10,
			window: 24 * time.Hour, limit: "max_placements_per_day", want: [3]int{6, 6, 10}},
		{name: "notional per day", block: "max_notional_per_day = { USD = 30 }", orders: 5, thenOrders: 5, // 9.99 + 9.98 + 9.97 fit, 9.96 more does not
			window: 24 * time.Hour, limit: "max_notional_per_day", want: [3]int{3, 3, 5}},
		{name: "cancels per minute", block: "max_placements_per_minute = 600\nmax_cancels_per_minute = 3", orders: 8, thenOrders: 0,
			window: time.Minute, limit: "max_cancels_per_minute", want: [3]int{5, 5, 2}},
		{name: "cancels per day", block: "max_placements_per_minute = 600\nmax_cancels_per_minute = 600\nmax_cancels_per_day = 5", orders: 8, thenOrders: 0,
			window: 24 * time.Hour, limit: "max_cancels_per_day", want: [3]int{3, 3, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newE2E(t, e2eOptions{})
			e.write(e.exchangeBlock() + grid(tt.orders, tt.block))
			interval := time.Hour
			if tt.window == time.Minute {
				interval = 20 * time.Second
			}
			h := startWatch(t, e, "-interval", interval.String(), "-probe", "0s")
			var got [3]int
			if tt.thenOrders != tt.orders { // cancels: the book is full first
				if n := len(e.live()); n != tt.orders {
					t.Fatalf("%d live after the first cycle, want %d", n, tt.orders)
				}
				e.write(e.exchangeBlock() + grid(tt.thenOrders, tt.block))
				h.advance(interval)
			}
			got[0] = len(e.live())
			h.advance(interval) // another cycle in the window
			got[1] = len(e.live())
			h.advance(tt.window) // the window slides
			got[2] = len(e.live())
			if got != tt.want {
				t.Errorf("live orders %v, want %v", got, tt.want)
			}
			limits := h.eventsOf("limit")
			if len(limits) == 0 || limits[0]["limit"] != tt.limit || !strings.Contains(limits[0]["message"].(string), "watch stops acting: "+tt.limit) {
				t.Errorf("limit events %v", limits)
			}
			e.checkOnePerAddress()
		})
	}
}

// An edit of the configuration is applied by the next cycle, which logs
// the new digest; an edit that does not validate stops action (nothing is
// sent), is reported with its file and line every cycle, and once fixed
// watch acts again.
func TestWatchPicksUpEdits(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	order := func(price string) string {
		return fmt.Sprintf("order \"bid\" {\n  symbol = \"ethusd\"\n  side   = \"buy\"\n  amount = \"0.01\"\n  price  = %s\n}\n", price)
	}
	e.write(e.exchangeBlock() + order("3000"))
	h := startWatch(t, e, "-probe", "0s")
	first := h.lastCycle()
	e.write(e.exchangeBlock() + order("2990"))
	h.advance(e2eInterval)
	c := h.lastCycle()
	if c["config_changed"] != true || c["config_digest"] == first["config_digest"] || c["placed"] != 1.0 || c["cancelled"] != 1.0 {
		t.Fatalf("cycle after the edit: %v", c)
	}
	if live := e.live(); len(live) != 1 || !live[0].Price.Equal(d("2990")) {
		t.Fatalf("live after the edit: %v", live)
	}

	// A broken edit: an order at a price off the increment, and a typo.
	e.write(e.exchangeBlock() + order("2980.001") + "order \"x\" {\n  symbl = \"ethusd\"\n}\n")
	before := e.liveIDs()
	for range 3 {
		h.advance(e2eInterval)
		c = h.lastCycle()
		if c["outcome"] != "config_error" || !strings.Contains(c["error"].(string), "main.hcl:") {
			t.Fatalf("cycle with a broken configuration: %v", c)
		}
	}
	if diff := cmp.Diff(before, e.liveIDs()); diff != "" {
		t.Errorf("a broken configuration changed the book (-before +after):\n%s", diff)
	}
	if c["next_in_ms"] != float64(e2eInterval.Milliseconds()) {
		t.Errorf("a broken configuration backed off: next in %v ms", c["next_in_ms"])
	}
	e.write(e.exchangeBlock() + order("2980"))
	h.advance(e2eInterval)
	if c := h.lastCycle(); c["outcome"] != "ok" || c["placed"] != 1.0 {
		t.Fatalf("cycle after the fix: %v", c)
	}
	if r := h.stop(); r.code != 0 || !strings.Contains(r.stderr, "main.hcl:") {
		t.Errorf("exit %d; the diagnostics should be on stderr:\n%s", r.code, r)
	}
}

// SIGTERM in the middle of a cycle: the cycle finishes its placements
// (each once), no other cycle starts, and watch exits 0. With
// cancel_on_exit the namespace's orders are then cancelled.
func TestWatchStopsGracefullyMidCycle(t *testing.T) {
	for _, cancelOnExit := range []bool{false, true} {
		t.Run(fmt.Sprintf("cancel_on_exit=%v", cancelOnExit), func(t *testing.T) {
			var stopOnce sync.Once
			stopped, ready, signalled := make(chan struct{}), make(chan struct{}), make(chan struct{})
			var h *watchE2E
			e := newE2E(t, e2eOptions{wrap: func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/v1/order/new" {
						first := false
						stopOnce.Do(func() { first = true; close(stopped) })
						if first {
							<-signalled // the first placement waits for the signal
						}
					}
					next.ServeHTTP(w, r)
				})
			}})
			block := fmt.Sprintf("cancel_on_exit = %v", cancelOnExit)
			e.write(e.exchangeBlock() + grid(4, block))
			go func() {
				<-stopped // the first placement is on its way: the signal
				<-ready
				h.cancel()
				close(signalled)
			}()
			h = startWatchNoSettle(t, e)
			close(ready)
			r := h.wait()
			if r.code != 0 {
				t.Fatalf("exit %d\n%s", r.code, r)
			}
			if n := len(h.cycles()); n != 1 {
				t.Errorf("%d cycles, want 1", n)
			}
			placed := 0
			for _, o := range e.sim.Orders() {
				if strings.HasPrefix(o.ClientOrderID, "of:"+e.ns+":") {
					placed++
				}
			}
			if placed != 4 {
				t.Errorf("%d orders placed, want each of the 4 once", placed)
			}
			e.checkOnePerAddress()
			want := 4
			if cancelOnExit {
				want = 0
				if n := len(h.eventsOf("action")); n != 8 {
					t.Errorf("%d action events, want 4 placements and 4 cancels on exit", n)
				}
			}
			if n := len(e.live()); n != want {
				t.Errorf("%d live after exit, want %d", n, want)
			}
			if st := h.eventsOf("stop"); len(st) != 1 || st[0]["reason"] != "signal" {
				t.Errorf("stop events %v", st)
			}
		})
	}
}

// A rejected key stops watch at once with exit 1, having sent nothing.
func TestWatchStopsOnAKeyError(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	e.env["GEMINI_API_KEY"], e.env["GEMINI_API_SECRET"] = "account-nobody", "not-the-secret"
	e.write(e.exchangeBlock() + grid(2, ""))
	h := startWatchNoSettle(t, e)
	r := h.wait()
	if r.code != 1 || !strings.Contains(r.stderr, "watch stopped") {
		t.Fatalf("exit %d\n%s", r.code, r)
	}
	if c := h.lastCycle(); c["outcome"] != "key_error" {
		t.Errorf("cycle %v", c)
	}
	if n := e.requests("/v1/order/new"); n != 0 {
		t.Errorf("%d placements sent", n)
	}
}

// -listen takes loopback addresses only: the endpoints have no
// authentication.
func TestWatchListenLoopbackOnly(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	e.write(e.exchangeBlock())
	r := e.run(context.Background(), "watch", "-listen", "0.0.0.0:9464", e.dir)
	if r.code != 1 || !strings.Contains(r.stderr, "not a loopback address") {
		t.Errorf("%s", r)
	}
}

// A restarted watch remembers the day's counts (kept beside the
// namespace's lock): a day limit reached before the restart holds after
// it.
func TestWatchLimitsSurviveARestart(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	e.write(e.exchangeBlock() + grid(10, "max_placements_per_minute = 600\nmax_placements_per_day = 6"))
	h := startWatch(t, e, "-probe", "0s")
	if n := len(e.live()); n != 6 {
		t.Fatalf("%d live after the first run's cycle, want 6", n)
	}
	if r := h.stop(); r.code != 0 {
		t.Fatalf("%s", r)
	}
	h = startWatch(t, e, "-probe", "0s")
	if n := len(e.live()); n != 6 {
		t.Errorf("%d live after a restart, want still 6", n)
	}
	if c := h.lastCycle(); c["outcome"] != "limited" {
		t.Errorf("first cycle after the restart: %v", c)
	}
}

// A plan a guard refuses sends nothing (not even the changes the guard
// does not concern), is reported as refused, and watch goes on.
func TestWatchGuardRefusalSendsNothing(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	e.write(e.exchangeBlock() + `
order "near" {
  symbol = "ethusd"
  side   = "buy"
  amount = "0.01"
  price  = 3190
}
order "far" {
  symbol = "ethusd"
  side   = "buy"
  amount = "0.01"
  price  = 2000
}
guard {
  max_price_deviation = 0.05
}
`)
	h := startWatch(t, e, "-probe", "0s")
	h.advance(e2eInterval)
	for _, c := range h.cycles() {
		if c["outcome"] != "refused" || !strings.Contains(c["error"].(string), "max_price_deviation") {
			t.Errorf("cycle %v", c)
		}
	}
	if n := e.requests("/v1/order/new"); n != 0 {
		t.Errorf("%d placements sent", n)
	}
	if r := h.stop(); r.code != 0 {
		t.Errorf("%s", r)
	}
}

// What watch costs in API calls, as docs/watch.md says: a cycle that finds
// the book matching makes 2 private requests and 1 public, a probe 1 of
// each (the active orders, the ticker the ladder is priced from).
func TestWatchCallCost(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	e.write(e.exchangeBlock() + ladderHCL)
	h := startWatch(t, e)
	e.sim.ResetRequests()
	h.probeNow()
	if got := e.sim.Requests(); got["/v1/orders"] != 1 || got["/v1/pubticker/ethusd"] != 1 || len(got) != 2 {
		t.Errorf("a probe made %v, want one /v1/orders and one /v1/pubticker/ethusd", got)
	}
	h.advance(e2eInterval)
	c := h.lastCycle()
	if diff := cmp.Diff(map[string]any{"private": 2.0, "public": 1.0}, c["api_calls"]); c["trigger"] != "interval" || c["planned"] != 0.0 || diff != "" {
		t.Errorf("an idle cycle %v: api_calls (-want +got):\n%s", c, diff)
	}
}

// -listen serves /healthz and /metrics while watch runs.
func TestWatchListenServesHealthAndMetrics(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	e.write(e.exchangeBlock() + grid(2, ""))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	h := startWatch(t, e, "-listen", addr, "-probe", "0s")
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 || !strings.Contains(body, `"status": "ok"`) {
		t.Errorf("/healthz: %d\n%s", code, body)
	}
	_, metrics := get("/metrics")
	for _, want := range []string{
		`orderform_watch_cycles_total{outcome="ok"} 1`,
		`orderform_watch_actions_total{kind="place",outcome="ok"} 2`,
		`orderform_watch_api_calls_total{scope="private"}`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	e.write(e.exchangeBlock() + "order \"x\" {\n") // broken
	h.advance(e2eInterval)
	if code, body := get("/healthz"); code != 503 || !strings.Contains(body, `"last_outcome": "config_error"`) {
		t.Errorf("/healthz after a broken edit: %d\n%s", code, body)
	}
}
