package apply

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"orderform/plan"
)

// The steps an Event reports on.
const (
	StepCancel          = "cancel"           // cancel a live order: a plain cancel or the first half of a replace
	StepPlace           = "place"            // place an order: a create or the second half of a replace
	StepVerify          = "verify"           // the read of active orders after the work
	StepCancelDuplicate = "cancel-duplicate" // cancel a duplicate found by verification
	StepCheck           = "check"            // the market read and checks right before the first request
)

// Event is one moment in the life of a step, handed to Hooks.
type Event struct {
	Address       string        `json:"address,omitempty"`
	ClientOrderID string        `json:"client_order_id,omitempty"`
	Kind          plan.Kind     `json:"kind,omitempty"` // the plan action the step belongs to; empty for verification
	Action        string        `json:"action"`         // the step: StepCancel, StepPlace, StepVerify, StepCancelDuplicate
	Outcome       Status        `json:"outcome,omitempty"`
	OrderID       string        `json:"order_id,omitempty"`
	Err           error         `json:"-"`
	Elapsed       time.Duration `json:"-"`
	Message       string        `json:"message,omitempty"`
	// Done and Total are set by a Meter's hooks on the Complete or Errored
	// that ends an action of the plan: actions finished so far, this one
	// included, of how many.
	Done  int `json:"done,omitempty"`
	Total int `json:"total,omitempty"`
}

// Hooks receive progress. Any field may be nil. Apply never calls two hooks
// at once, so a hook may write to a terminal without locking.
//
// Every step that starts gets one Start, then Progress every
// Options.ProgressInterval while it waits (for the exchange, or for the
// outcome of an ambiguous failure; Message says which), then exactly one of
// Complete or Errored, with Outcome set. A replace is two steps, cancel then
// place. Steps that never start get a single Errored: Outcome StatusSkipped
// when an interrupt or a live order with the same client order id stopped
// them, or when the old order of a replace filled so much before its cancel
// that nothing is left to place; StatusFailed when the plan itself was wrong
// or the send-time check refused them. A replace whose cancel failed has no place step. When
// verification adopts an order whose outcome was unknown it sends one more
// Complete (Action StepPlace, Outcome StatusAdopted) for that address.
//
// Before the first request, a plan that places orders gets one StepCheck
// step without an address (when Options.Market is set): its Complete names
// the market read (Outcome StatusChecked); each placement it refuses gets
// an Errored (StepPlace, StatusFailed), each warning it finds a Warning
// (StepCheck, with the address).
type Hooks struct {
	Start    func(Event)
	Progress func(Event)
	Complete func(Event)
	Errored  func(Event)
	Warning  func(Event)
}

// emitter serializes hook calls.
type emitter struct {
	mu    sync.Mutex
	hooks Hooks
}

func (e *emitter) emit(f func(Event), ev Event) {
	if f == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	f(ev)
}

func (e *emitter) start(ev Event)    { e.emit(e.hooks.Start, ev) }
func (e *emitter) progress(ev Event) { e.emit(e.hooks.Progress, ev) }
func (e *emitter) complete(ev Event) { e.emit(e.hooks.Complete, ev) }
func (e *emitter) errored(ev Event)  { e.emit(e.hooks.Errored, ev) }
func (e *emitter) warn(ev Event)     { e.emit(e.hooks.Warning, ev) }

// name is how a line of progress names the order.
func (ev Event) name() string {
	switch {
	case ev.Address != "":
		return ev.Address
	case ev.ClientOrderID != "":
		return ev.ClientOrderID
	case ev.OrderID != "":
		return "order " + ev.OrderID
	case ev.Action == StepVerify:
		return "live orders"
	case ev.Action == StepCheck:
		return "market"
	}
	return "orders"
}

// TextHooks writes Terraform-style progress lines to w (stderr, usually):
//
//	order.btc_bid["l1"]: Placing...
//	order.btc_bid["l1"]: Still placing... [10s elapsed]
//	order.btc_bid["l1"]: Placed [order_id=123] (0.3s)
func TextHooks(w io.Writer) Hooks {
	verbs := map[string][3]string{ // Start, Progress, Complete
		StepCancel:          {"Cancelling...", "Still cancelling...", "Cancelled"},
		StepPlace:           {"Placing...", "Still placing...", "Placed"},
		StepVerify:          {"Verifying...", "Still verifying...", "Verified"},
		StepCancelDuplicate: {"Cancelling duplicate...", "Still cancelling duplicate...", "Cancelled duplicate"},
		StepCheck:           {"Reading it again before sending...", "Still reading...", "Checked"},
	}
	return Hooks{
		Start: func(ev Event) {
			fmt.Fprintf(w, "%s: %s\n", ev.name(), verbs[ev.Action][0])
		},
		Progress: func(ev Event) {
			msg := ""
			if ev.Message != "" {
				msg = " (" + ev.Message + ")"
			}
			fmt.Fprintf(w, "%s: %s [%s elapsed]%s\n", ev.name(), verbs[ev.Action][1], ev.Elapsed.Round(time.Second), msg)
		},
		Complete: func(ev Event) {
			verb := verbs[ev.Action][2]
			if ev.Outcome == StatusAdopted {
				verb = "Adopted"
			}
			id := ""
			if ev.OrderID != "" {
				id = " [order_id=" + ev.OrderID + "]"
			}
			note := ""
			if ev.Message != "" {
				note = ": " + ev.Message
			}
			fmt.Fprintf(w, "%s: %s%s (%s)%s\n", ev.name(), verb, id, roundElapsed(ev.Elapsed), note)
		},
		Errored: func(ev Event) {
			msg := ev.Message
			if msg == "" && ev.Err != nil {
				msg = ev.Err.Error()
			}
			fmt.Fprintf(w, "%s: %s %s: %s\n", ev.name(), ev.Action, ev.Outcome, msg)
		},
		Warning: func(ev Event) {
			fmt.Fprintf(w, "%s: Warning: %s\n", ev.name(), ev.Message)
		},
	}
}

// JSONHooks writes one JSON object per event to w, each with "type" set to
// "start", "progress", "complete", "errored" or "warning", "elapsed_ms",
// and "error" when there is one.
func JSONHooks(w io.Writer) Hooks {
	write := func(typ string) func(Event) {
		return func(ev Event) {
			line := struct {
				Type string `json:"type"`
				Event
				ElapsedMS int64  `json:"elapsed_ms"`
				Error     string `json:"error,omitempty"`
			}{Type: typ, Event: ev, ElapsedMS: ev.Elapsed.Milliseconds()}
			if ev.Err != nil {
				line.Error = ev.Err.Error()
			}
			b, _ := json.Marshal(line) // cannot fail: strings and numbers only
			w.Write(append(b, '\n'))
		}
	}
	return Hooks{Start: write("start"), Progress: write("progress"), Complete: write("complete"), Errored: write("errored"), Warning: write("warning")}
}

func roundElapsed(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
}
