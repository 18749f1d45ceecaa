package watch

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"orderform/spec"
)

// Failures in a row back off exponentially from the interval (capped at
// MaxBackoff) and stop watch after max_consecutive_failures; a success in
// between starts the count again.
func TestBackoffThenStopAfterFailures(t *testing.T) {
	boom := errors.New("connection refused")
	f := &fakeCycle{settings: settings(func(w *spec.Watch) { w.MaxConsecutiveFailures = 5 }),
		errs: map[int]error{1: boom, 2: boom, 4: boom, 5: boom, 6: boom, 7: boom, 8: boom}}
	h := start(t, Options{Cycle: f.run, Interval: 10 * time.Second, MaxBackoff: 60 * time.Second})
	var waits []time.Duration
	for range 7 {
		waits = append(waits, h.next())
	}
	// 1 fails: 20 s; 2 fails: 40 s; 3 succeeds: 10 s; 4..7 fail: 20, 40, 60 (cap), 60; 8 is the fifth in a row: stop
	want := []time.Duration{20 * time.Second, 40 * time.Second, 10 * time.Second,
		20 * time.Second, 40 * time.Second, 60 * time.Second, 60 * time.Second}
	if diff := cmp.Diff(want, waits); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	err := h.result()
	var stop *StopError
	if !errors.As(err, &stop) || stop.Reason != "failures" || !errors.Is(err, boom) {
		t.Fatalf("Run = %v, want a StopError for failures wrapping the last error", err)
	}
	if !strings.Contains(err.Error(), "5 cycles failed in a row (max_consecutive_failures = 5)") {
		t.Errorf("stop message %q", err)
	}
	if n := f.runCount(); n != 8 {
		t.Errorf("%d cycles ran, want 8", n)
	}
	if st := h.eventsOf("stop"); len(st) != 1 || st[0]["reason"] != "failures" {
		t.Errorf("stop events %v", st)
	}
	if h.w.Health().Status != StatusStopped {
		t.Errorf("health %+v", h.w.Health())
	}
}

// An apply whose actions failed is a failure too: it backs off.
func TestFailedActionsBackOff(t *testing.T) {
	f := &fakeCycle{settings: settings(nil), outcome: OutcomeUnknown,
		want: func(int) []Change { return places(1, "USD", "1") }}
	h := start(t, Options{Cycle: f.run, Interval: 10 * time.Second})
	if d := h.next(); d != 20*time.Second {
		t.Errorf("wait after a cycle with a lost answer %s, want 20s", d)
	}
	if c := h.eventsOf("cycle")[0]; c["outcome"] != "failed" || c["failed"] != 1.0 {
		t.Errorf("cycle event %v", c)
	}
}

// A configuration that does not validate stops action (the cycle sends
// nothing), is reported every cycle, does not back off or stop watch, and
// once an edit validates watch acts again with the new digest.
func TestBrokenConfigStopsActingAndIsReported(t *testing.T) {
	broken := ConfigError(errors.New("main.hcl:3,12-14: Invalid price"))
	f := &fakeCycle{settings: settings(func(w *spec.Watch) { w.MaxConsecutiveFailures = 2 }),
		errs: map[int]error{2: broken, 3: broken, 4: broken, 5: broken},
		want: func(int) []Change { return places(1, "USD", "1") }}
	h := start(t, Options{Cycle: f.run, Interval: 10 * time.Second})
	for range 5 {
		if d := h.next(); d != 10*time.Second {
			t.Errorf("wait %s, want the interval: a broken configuration is not a transient failure", d)
		}
	}
	h.idle()
	cycles := h.eventsOf("cycle")
	var outcomes []string
	for _, c := range cycles {
		outcomes = append(outcomes, c["outcome"].(string))
	}
	if diff := cmp.Diff([]string{"ok", "config_error", "config_error", "config_error", "config_error", "ok"}, outcomes); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if e := cycles[1]["error"]; e != "main.hcl:3,12-14: Invalid price" {
		t.Errorf("error reported %v", e)
	}
	f.mu.Lock()
	if n := sentOf(f.sent, KindPlace); n != 2 {
		t.Errorf("%d placements, want 2 (cycles 1 and 6 only)", n)
	}
	f.mu.Unlock()
	if !strings.Contains(h.text.String(), "cycle 2 (interval): config_error") {
		t.Errorf("human output:\n%s", h.text.String())
	}
}

// A guard refusal stops action without guessing: nothing is sent, it is
// reported, /healthz says failing, and watch neither backs off nor stops.
func TestRefusalStopsActing(t *testing.T) {
	refused := RefusedError(errors.New("order.a: price 70000 is 9% from the mid, above max_price_deviation 5%"))
	f := &fakeCycle{settings: settings(nil), errs: map[int]error{1: refused, 2: refused, 3: refused, 4: refused, 5: refused, 6: refused}}
	h := start(t, Options{Cycle: f.run, Interval: 10 * time.Second})
	for range 5 {
		h.next()
	}
	h.idle()
	if hl := h.w.Health(); hl.Status != StatusFailing || hl.Outcome != "refused" || !strings.Contains(hl.Error, "max_price_deviation") {
		t.Errorf("health %+v", hl)
	}
}

// A rejected key stops watch at once, trying cancel_on_exit.
func TestKeyErrorStops(t *testing.T) {
	f := &fakeCycle{settings: settings(func(w *spec.Watch) { w.CancelOnExit = true }),
		errs: map[int]error{2: KeyError(errors.New("InvalidSignature"))}}
	cancelled := 0
	h := start(t, Options{Cycle: f.run, CancelAll: func(context.Context) ([]Action, Calls, error) {
		cancelled++
		return nil, Calls{Private: 1}, nil
	}})
	h.next()
	var stop *StopError
	if err := h.result(); !errors.As(err, &stop) || stop.Reason != "key_error" {
		t.Fatalf("Run = %v", err)
	}
	if cancelled != 1 {
		t.Errorf("cancel_on_exit ran %d times", cancelled)
	}
}

// Cancelling Run's context (SIGTERM, Ctrl-C) in the middle of a cycle lets
// that cycle finish under a context that is not cancelled, runs no other,
// and returns nil; with cancel_on_exit the namespace is then cancelled and
// those cancels reported.
func TestShutdownFinishesTheCycleInFlight(t *testing.T) {
	f := &fakeCycle{settings: settings(func(w *spec.Watch) { w.CancelOnExit = true }),
		want:    func(int) []Change { return places(2, "USD", "1") },
		block:   make(chan struct{}),
		started: make(chan int, 10)}
	var exitCtxErr error
	h := start(t, Options{Cycle: f.run, CancelAll: func(ctx context.Context) ([]Action, Calls, error) {
		exitCtxErr = ctx.Err()
		return []Action{{Kind: KindCancel, Address: "order.p[0]", OrderID: "11", Outcome: OutcomeOK}}, Calls{Private: 2}, nil
	}})
	<-f.started
	h.stop() // the signal, mid-cycle
	f.mu.Lock()
	ctx := f.ctxs[0]
	f.mu.Unlock()
	if ctx.Err() != nil {
		t.Fatal("the cycle's context was cancelled by shutdown")
	}
	close(f.block)
	if err := h.result(); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if n := f.runCount(); n != 1 {
		t.Errorf("%d cycles, want 1", n)
	}
	f.mu.Lock()
	if n := sentOf(f.sent, KindPlace); n != 2 {
		t.Errorf("the cycle in flight sent %d of its 2 placements", n)
	}
	f.mu.Unlock()
	if exitCtxErr != nil {
		t.Errorf("cancel_on_exit ran under a cancelled context")
	}
	var onExit int
	for _, a := range h.eventsOf("action") {
		if a["on_exit"] == true {
			onExit++
		}
	}
	if onExit != 1 {
		t.Errorf("%d on_exit action events, want 1", onExit)
	}
	if st := h.eventsOf("stop"); len(st) != 1 || st[0]["reason"] != "signal" || st[0]["error"] != nil {
		t.Errorf("stop events %v", st)
	}
}

// A probe that sees the market move or a fill starts a cycle before the
// interval; one that sees nothing does not. Probes stop while backing off.
func TestProbeTriggersACycle(t *testing.T) {
	f := &fakeCycle{settings: settings(nil)}
	probes := 0
	probe := func(context.Context) (string, Calls, error) {
		probes++
		if probes == 3 {
			return "fill", ProbeCost, nil
		}
		return "", ProbeCost, nil
	}
	h := start(t, Options{Cycle: f.run, Probe: probe, ProbeEvery: 2 * time.Second, Interval: 30 * time.Second})
	var waits []time.Duration
	for range 3 {
		waits = append(waits, h.next())
	}
	h.idle()
	if diff := cmp.Diff([]time.Duration{2 * time.Second, 2 * time.Second, 2 * time.Second}, waits); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	f.mu.Lock()
	trig := f.runs[len(f.runs)-1].Trigger
	f.mu.Unlock()
	if n := f.runCount(); n != 2 || trig != "fill" {
		t.Errorf("%d cycles, last triggered by %q; want 2, by fill", n, trig)
	}
	if w := h.eventsOf("wake"); len(w) != 1 || w[0]["reason"] != "fill" {
		t.Errorf("wake events %v", w)
	}
}

// Wake starts a cycle at once.
func TestWakeChannel(t *testing.T) {
	f := &fakeCycle{settings: settings(nil), started: make(chan int, 10)}
	wake := make(chan string)
	start(t, Options{Cycle: f.run, Wake: wake, Interval: time.Hour})
	<-f.started
	wake <- "market"
	if seq := <-f.started; seq != 2 {
		t.Errorf("cycle %d", seq)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.runs[1].Trigger != "market" {
		t.Errorf("trigger %q", f.runs[1].Trigger)
	}
}

// Cycles and probes stay inside the call budget: a cycle waits for room, a
// probe is skipped.
func TestCallBudget(t *testing.T) {
	f := &fakeCycle{settings: settings(nil), calls: Calls{Private: 50, Public: 1}}
	probes := 0
	h := start(t, Options{Cycle: f.run, Interval: 10 * time.Second, CallBudget: Calls{Private: 100, Public: 60},
		Probe: func(context.Context) (string, Calls, error) { probes++; return "", ProbeCost, nil }, ProbeEvery: 4 * time.Second})
	// t=0: cycle (50); probes at 4 s and 8 s (1 each): 52; t=10: cycle (102).
	for h.clock.Now().Before(t0.Add(10 * time.Second)) {
		h.next()
	}
	h.idle()
	// Now 102 private in the minute: probes are skipped, and the next
	// cycle waits until t=60 s, when the first cycle's 50 leave.
	for f.runCount() < 3 {
		h.next()
	}
	if now := h.clock.Now(); now.Before(t0.Add(60 * time.Second)) {
		t.Errorf("third cycle at %s, want at 60 s or later", now.Sub(t0))
	}
	if probes != 2 {
		t.Errorf("%d probes ran, want 2", probes)
	}
	if len(h.eventsOf("budget")) == 0 {
		t.Error("no budget event")
	}
}

// /healthz says whether the last cycle succeeded and when (200 or 503);
// /metrics carries the counters in Prometheus's text format.
func TestHealthzAndMetrics(t *testing.T) {
	boom := errors.New("503 from the exchange")
	f := &fakeCycle{settings: settings(func(w *spec.Watch) { w.MaxPlacementsPerMinute = 1 }),
		calls: Calls{Private: 3, Public: 1}, errs: map[int]error{2: boom},
		want: func(int) []Change { return places(2, "USD", "10.5") }}
	h := start(t, Options{Cycle: f.run, Interval: 10 * time.Second})
	srv := httptest.NewServer(h.w.Handler())
	defer srv.Close()
	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	h.idle()
	code, body := get("/healthz")
	if code != 200 || !strings.Contains(body, `"status": "ok"`) || !strings.Contains(body, `"last_success": "2026-12-06T12:00:00Z"`) {
		t.Errorf("healthz after a good cycle: %d\n%s", code, body)
	}
	h.next()
	h.idle()
	code, body = get("/healthz")
	if code != 503 || !strings.Contains(body, `"status": "failing"`) || !strings.Contains(body, "503 from the exchange") ||
		!strings.Contains(body, `"last_success": "2026-12-06T12:00:00Z"`) || !strings.Contains(body, `"last_cycle": "2026-12-06T12:00:10Z"`) {
		t.Errorf("healthz after a failed cycle: %d\n%s", code, body)
	}
	_, metrics := get("/metrics")
	for _, want := range []string{
		`orderform_watch_cycles_total{outcome="ok"} 0`, // the first was limited
		`orderform_watch_cycles_total{outcome="limited"} 1`,
		`orderform_watch_cycles_total{outcome="failed"} 1`,
		`orderform_watch_actions_total{kind="place",outcome="ok"} 1`,
		`orderform_watch_failures_total{outcome="failed"} 1`,
		`orderform_watch_api_calls_total{scope="private"} 6`,
		`orderform_watch_api_calls_total{scope="public"} 2`,
		`orderform_watch_limit_hits_total{limit="max_placements_per_minute"} 1`,
		`orderform_watch_notional_placed_total{currency="USD"} 10.5`,
		`orderform_watch_last_success_timestamp_seconds 1.7965584e+09`,
		`orderform_watch_consecutive_failures 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", metrics)
	}
	if code, _ := get("/nothing"); code != 404 {
		t.Errorf("/nothing: %d", code)
	}
}

// Every JSON line carries format_version and type; a cycle's actions come
// before its cycle event; the digest is logged, and a change of it flagged.
func TestEventShapes(t *testing.T) {
	f := &fakeCycle{settings: settings(nil), calls: Calls{Private: 2, Public: 1},
		want: func(seq int) []Change {
			if seq == 1 {
				return append(places(1, "USD", "64000.5"), cancels(1)...)
			}
			return nil
		}}
	h := start(t, Options{Cycle: f.run})
	h.next()
	h.idle()
	var types []string
	for _, e := range h.events() {
		if e["format_version"] != FormatVersion {
			t.Errorf("event without format_version %s: %v", FormatVersion, e)
		}
		types = append(types, e["type"].(string))
	}
	if diff := cmp.Diff([]string{"start", "action", "action", "cycle", "cycle"}, types); diff != "" {
		t.Errorf("event types (-want +got):\n%s", diff)
	}
	c := h.eventsOf("cycle")[0]
	for k, want := range map[string]any{"cycle": 1.0, "trigger": "start", "outcome": "ok", "config_digest": "digest-1",
		"placed": 1.0, "cancelled": 1.0, "planned": 2.0, "notional": map[string]any{"USD": "64000.5"},
		"api_calls": map[string]any{"private": 2.0, "public": 1.0}, "time": "2026-12-06T12:00:00Z"} {
		if diff := cmp.Diff(want, c[k]); diff != "" {
			t.Errorf("cycle %s (-want +got):\n%s", k, diff)
		}
	}
	a := h.eventsOf("action")[0]
	if a["kind"] != "place" || a["notional"] != "64000.5" || a["outcome"] != "ok" || a["cycle"] != 1.0 {
		t.Errorf("action event %v", a)
	}
	f.mu.Lock()
	f.want = nil
	f.mu.Unlock()
}

// A new configuration digest is logged as a change.
func TestConfigChangeLogged(t *testing.T) {
	digests := []string{"aaa", "aaa", "bbb"}
	n := 0
	cycle := func(ctx context.Context, req *Request) (Report, error) {
		req.Grant(spec.DefaultWatch())
		n++
		return Report{ConfigDigest: digests[min(n, len(digests))-1]}, nil
	}
	h := start(t, Options{Cycle: cycle})
	h.next()
	h.next()
	h.idle()
	var changed []any
	for _, c := range h.eventsOf("cycle") {
		changed = append(changed, c["config_changed"])
	}
	if diff := cmp.Diff([]any{nil, nil, true}, changed); diff != "" {
		t.Errorf("config_changed (-want +got):\n%s", diff)
	}
	if !strings.Contains(h.text.String(), "configuration changed (digest bbb)") {
		t.Errorf("human output:\n%s", h.text.String())
	}
}

// A cycle that sends more than it was granted is reported as an overrun
// (the command layer's bug, never expected), and the limiter still counts
// it.
func TestOverrunReported(t *testing.T) {
	cycle := func(ctx context.Context, req *Request) (Report, error) {
		req.Grant(settings(func(w *spec.Watch) { w.MaxPlacementsPerMinute = 1 }))
		return Report{Actions: []Action{{Kind: KindPlace, Outcome: OutcomeOK}, {Kind: KindPlace, Outcome: OutcomeOK}}}, nil
	}
	h := start(t, Options{Cycle: cycle})
	h.idle()
	if c := h.eventsOf("cycle")[0]; c["overrun"] == nil {
		t.Errorf("cycle event %v has no overrun", c)
	}
	if n := h.w.Limiter().Used(h.clock.Now(), KindPlace, Minute); n != 2 {
		t.Errorf("limiter counted %d", n)
	}
}
