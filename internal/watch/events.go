package watch

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"
)

// FormatVersion is the version of the JSON events below. A field added is
// a minor change; a field removed or changed in meaning, a major one.
const FormatVersion = "1.0"

// The JSON events, one per line on Options.JSON (docs/json-format.md).
// Every event has format_version, type and time (RFC 3339, the watcher's
// clock); those of a cycle carry its number.

// StartEvent is written once when Run starts.
type StartEvent struct {
	FormatVersion string `json:"format_version"`
	Type          string `json:"type"` // "start"
	Time          string `json:"time"`
	IntervalMs    int64  `json:"interval_ms"`
	ProbeEveryMs  int64  `json:"probe_every_ms,omitempty"` // 0: no probe
	CallBudget    Calls  `json:"call_budget_per_minute"`
}

// CycleEvent is written after every cycle.
type CycleEvent struct {
	FormatVersion string            `json:"format_version"`
	Type          string            `json:"type"` // "cycle"
	Time          string            `json:"time"` // when it ended
	Cycle         int               `json:"cycle"`
	Trigger       string            `json:"trigger"` // "start", "interval", "wake", or a probe's reason ("market", "fill")
	Outcome       string            `json:"outcome"` // "ok", "limited", "failed", "config_error", "refused", "key_error"
	ConfigDigest  string            `json:"config_digest,omitempty"`
	ConfigChanged bool              `json:"config_changed,omitempty"`
	Planned       int               `json:"planned"`   // changes the plan wanted
	Placed        int               `json:"placed"`    // placements sent
	Cancelled     int               `json:"cancelled"` // cancels sent
	Failed        int               `json:"failed"`    // actions refused or with a lost answer
	HeldBack      int               `json:"held_back"` // changes a churn limit held back
	Notional      map[string]string `json:"notional,omitempty"`
	APICalls      Calls             `json:"api_calls"`
	DurationMs    int64             `json:"duration_ms"`
	Failures      int               `json:"consecutive_failures"`
	NextInMs      int64             `json:"next_in_ms"`
	Overrun       []string          `json:"overrun,omitempty"` // sent past the allowance: never expected
	Error         string            `json:"error,omitempty"`
}

// ActionEvent is written for every order a cycle sent (or held at send
// time), before its cycle's event; OnExit marks cancel_on_exit's.
type ActionEvent struct {
	FormatVersion string `json:"format_version"`
	Type          string `json:"type"` // "action"
	Time          string `json:"time"`
	Cycle         int    `json:"cycle"`
	Kind          string `json:"kind"` // "place" or "cancel"
	Address       string `json:"address,omitempty"`
	OrderID       string `json:"order_id,omitempty"`
	ClientOrderID string `json:"client_order_id,omitempty"`
	Symbol        string `json:"symbol,omitempty"`
	Side          string `json:"side,omitempty"`
	Price         string `json:"price,omitempty"`
	Amount        string `json:"amount,omitempty"`
	Currency      string `json:"currency,omitempty"`
	Notional      string `json:"notional,omitempty"`
	Outcome       string `json:"outcome"` // "ok", "failed", "unknown", "skipped"
	Error         string `json:"error,omitempty"`
	OnExit        bool   `json:"on_exit,omitempty"`
}

// LimitEvent is written once per cycle for each churn limit that held
// changes back.
type LimitEvent struct {
	FormatVersion string   `json:"format_version"`
	Type          string   `json:"type"` // "limit"
	Time          string   `json:"time"`
	Cycle         int      `json:"cycle"`
	Limit         string   `json:"limit"` // the watch block's attribute
	Value         string   `json:"value"`
	Used          string   `json:"used"`
	Until         string   `json:"until,omitempty"` // empty: the change alone is above the limit
	HeldBack      []string `json:"held_back"`       // addresses
	Message       string   `json:"message"`
}

// WakeEvent is written when a probe or Wake starts a cycle early.
type WakeEvent struct {
	FormatVersion string `json:"format_version"`
	Type          string `json:"type"` // "wake"
	Time          string `json:"time"`
	Reason        string `json:"reason"`
}

// NoticeEvent is written for what is neither a cycle nor an action: a
// failed probe ("probe_failed"), a wait for the call budget ("budget"), a
// Store that failed ("store").
type NoticeEvent struct {
	FormatVersion string `json:"format_version"`
	Type          string `json:"type"` // "probe_failed", "budget" or "store"
	Time          string `json:"time"`
	Message       string `json:"message"`
}

// StopEvent is the last event of a run.
type StopEvent struct {
	FormatVersion string `json:"format_version"`
	Type          string `json:"type"`   // "stop"
	Time          string `json:"time"`   //
	Reason        string `json:"reason"` // "signal", "failures", "key_error"
	Cycles        int    `json:"cycles"`
	Error         string `json:"error,omitempty"`
}

type eventWriter struct {
	mu   sync.Mutex
	json io.Writer
	text io.Writer
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func (e *eventWriter) emit(v any, text string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.json != nil {
		b, err := json.Marshal(v)
		if err == nil {
			e.json.Write(append(b, '\n'))
		}
	}
	if e.text != nil && text != "" {
		io.WriteString(e.text, text+"\n")
	}
}

func (e *eventWriter) start(now time.Time, o Options) {
	ev := StartEvent{FormatVersion, "start", stamp(now), o.Interval.Milliseconds(), 0, o.CallBudget}
	text := fmt.Sprintf("%s watch: a cycle every %s", clock(now), o.Interval)
	if o.Probe != nil && o.ProbeEvery < o.Interval {
		ev.ProbeEveryMs = o.ProbeEvery.Milliseconds()
		text += fmt.Sprintf(", the market and fills checked every %s", o.ProbeEvery)
	}
	e.emit(ev, text+"; Ctrl-C stops after the cycle in flight")
}

func (e *eventWriter) cycle(r *cycleResult, failures int, next time.Duration) {
	ev := CycleEvent{
		FormatVersion: FormatVersion, Type: "cycle", Time: stamp(r.end), Cycle: r.seq, Trigger: r.trigger,
		Outcome: r.outcome, ConfigDigest: r.report.ConfigDigest, ConfigChanged: r.changed,
		Planned: r.report.Planned, APICalls: r.report.Calls, DurationMs: r.end.Sub(r.start).Milliseconds(),
		Failures: failures, NextInMs: next.Milliseconds(), Overrun: r.overrun,
	}
	for _, a := range r.report.Actions {
		switch {
		case !a.Sent():
		case a.Kind == KindPlace:
			ev.Placed++
		case a.Kind == KindCancel:
			ev.Cancelled++
		}
		if a.Outcome == OutcomeFailed || a.Outcome == OutcomeUnknown {
			ev.Failed++
		}
	}
	ev.HeldBack = len(r.hits)
	if len(r.notional) > 0 {
		ev.Notional = map[string]string{}
		for c, n := range r.notional {
			ev.Notional[c] = n.String()
		}
	}
	if r.err != nil {
		ev.Error = r.err.Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s cycle %d (%s): %s", clock(r.end), r.seq, r.trigger, r.outcome)
	fmt.Fprintf(&b, ", %d placed, %d cancelled", ev.Placed, ev.Cancelled)
	if ev.Failed > 0 {
		fmt.Fprintf(&b, ", %d failed", ev.Failed)
	}
	if ev.HeldBack > 0 {
		fmt.Fprintf(&b, ", %d held back by limits", ev.HeldBack)
	}
	if len(ev.Notional) > 0 {
		curs := make([]string, 0, len(ev.Notional))
		for c := range ev.Notional {
			curs = append(curs, c)
		}
		sort.Strings(curs)
		for _, c := range curs {
			fmt.Fprintf(&b, ", %s %s placed", ev.Notional[c], c)
		}
	}
	fmt.Fprintf(&b, "; %d+%d API calls", ev.APICalls.Private, ev.APICalls.Public)
	if d := r.report.ConfigDigest; d != "" {
		short := d[:min(len(d), 12)]
		if r.changed {
			fmt.Fprintf(&b, "; configuration changed (digest %s)", short)
		} else if r.seq == 1 {
			fmt.Fprintf(&b, "; configuration digest %s", short)
		}
	}
	if ev.Error != "" {
		fmt.Fprintf(&b, "; %s", ev.Error)
	}
	if len(ev.Overrun) > 0 {
		fmt.Fprintf(&b, "; OVERRUN: %s", strings.Join(ev.Overrun, ", "))
	}
	fmt.Fprintf(&b, "; next in %s", next)
	e.emit(ev, b.String())
}

func (e *eventWriter) action(now time.Time, seq int, a Action, onExit bool) {
	ev := ActionEvent{
		FormatVersion: FormatVersion, Type: "action", Time: stamp(now), Cycle: seq, Kind: a.Kind,
		Address: a.Address, OrderID: a.OrderID, ClientOrderID: a.ClientOrderID, Symbol: a.Symbol, Side: a.Side,
		Price: decString(a.Price), Amount: decString(a.Amount), Currency: a.Currency, Outcome: a.Outcome,
		Error: a.Error, OnExit: onExit,
	}
	if a.Kind == KindPlace {
		ev.Notional = decString(a.Notional)
	}
	text := ""
	if onExit { // a cycle's actions are summed up in its line; these have none
		text = fmt.Sprintf("%s cancel_on_exit: %s %s %s", clock(now), a.Kind, orName(a.Address, a.OrderID), a.Outcome)
		if a.Error != "" {
			text += ": " + a.Error
		}
	}
	e.emit(ev, text)
}

func orName(addr, id string) string {
	if addr != "" {
		return addr
	}
	return "order " + id
}

func decString(d decimal.Decimal) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func (e *eventWriter) limits(now time.Time, seq int, hits []Hit) {
	var order []string
	by := map[string][]Hit{}
	for _, h := range hits {
		if by[h.Limit] == nil {
			order = append(order, h.Limit)
		}
		by[h.Limit] = append(by[h.Limit], h)
	}
	for _, name := range order {
		hs := by[name]
		first := hs[0]
		ev := LimitEvent{FormatVersion: FormatVersion, Type: "limit", Time: stamp(now), Cycle: seq,
			Limit: name, Value: first.Value, Used: first.Used}
		for _, h := range hs {
			ev.HeldBack = append(ev.HeldBack, h.Address)
		}
		if !first.Until.IsZero() {
			ev.Until = stamp(first.Until)
		}
		held := first.Address
		if len(hs) > 1 {
			held = fmt.Sprintf("%s and %d more", first.Address, len(hs)-1)
		}
		h := first
		h.Address = held
		ev.Message = "watch stops acting: " + h.Message()
		e.emit(ev, fmt.Sprintf("%s cycle %d: %s", clock(now), seq, ev.Message))
	}
}

func (e *eventWriter) wake(now time.Time, seq int, reason string) {
	e.emit(WakeEvent{FormatVersion, "wake", stamp(now), reason}, "")
}

func (e *eventWriter) probeFailed(now time.Time, seq int, err error) {
	msg := "probe failed (the next cycle still runs on the interval): " + err.Error()
	e.emit(NoticeEvent{FormatVersion, "probe_failed", stamp(now), msg}, clock(now)+" "+msg)
}

func (e *eventWriter) notice(now time.Time, typ, msg string) {
	e.emit(NoticeEvent{FormatVersion, typ, stamp(now), msg}, clock(now)+" "+msg)
}

func (e *eventWriter) budget(now time.Time, seq int, used, budget Calls, wait time.Duration) {
	msg := fmt.Sprintf("call budget: %d private and %d public requests in the last minute (budget %d and %d); next cycle in %s",
		used.Private, used.Public, budget.Private, budget.Public, wait)
	e.emit(NoticeEvent{FormatVersion, "budget", stamp(now), msg}, clock(now)+" "+msg)
}

func (e *eventWriter) stop(now time.Time, cycles int, reason string, err error) {
	ev := StopEvent{FormatVersion: FormatVersion, Type: "stop", Time: stamp(now), Reason: reason, Cycles: cycles}
	text := fmt.Sprintf("%s watch stopped after %d cycles", clock(now), cycles)
	switch reason {
	case "signal":
		text += " (asked to stop)"
	default:
		text += " (" + reason + ")"
	}
	if err != nil {
		ev.Error = err.Error()
		text += ": " + err.Error()
	}
	e.emit(ev, text)
}

// clock is the time of a human line.
func clock(t time.Time) string { return t.UTC().Format("15:04:05") }
