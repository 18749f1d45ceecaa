package watch

import (
	"context"
	"errors"
	"fmt"

	"github.com/shopspring/decimal"

	"orderform/spec"
)

// A Cycle is one plan and apply over the configuration, supplied by the
// command layer. It loads the configuration (so edits are picked up),
// reads the exchange, plans, calls req.Grant with the configuration's
// watch block, sends only the changes the allowance's Take admits, and
// reports what it sent. It must finish what it started even when ctx is
// cancelled: the Watcher passes a context that shutdown does not cancel.
//
// Its error says why it could not do its work; see Failure for the kinds
// that stop watch from acting. A plain error is transient: watch backs
// off and tries again.
type Cycle func(ctx context.Context, req *Request) (Report, error)

// Request is what a cycle is given.
type Request struct {
	Seq     int    // 1 for the first cycle
	Trigger string // why it runs: TriggerStart, TriggerInterval, or a probe's reason

	grant func(spec.Watch) *Allowance
	got   *Allowance
}

// Grant returns what this cycle may send under w, the watch block of the
// configuration the cycle loaded. A cycle that has not called Grant may
// send nothing; calling it again returns the same allowance.
func (r *Request) Grant(w spec.Watch) *Allowance {
	if r.got == nil {
		r.got = r.grant(w)
	}
	return r.got
}

// Kinds of action.
const (
	KindPlace  = "place"
	KindCancel = "cancel"
)

// Outcomes of an action.
const (
	OutcomeOK      = "ok"      // the exchange confirmed it
	OutcomeFailed  = "failed"  // the exchange refused it
	OutcomeUnknown = "unknown" // sent, but the answer was lost; the next plan decides
	OutcomeSkipped = "skipped" // not sent (a send-time check or a failed cancel held it)
)

// Action is one order sent (or held at send time) by a cycle.
type Action struct {
	Kind          string // KindPlace or KindCancel
	Address       string // order.btc_bid["l1"]; empty for an order no address claims
	OrderID       string
	ClientOrderID string
	Symbol        string
	Side          string
	Price         decimal.Decimal
	Amount        decimal.Decimal
	Currency      string          // the quote currency
	Notional      decimal.Decimal // price × amount, for a placement
	Outcome       string
	Error         string
	// Unplanned marks a cancel the plan did not ask for: apply's
	// verification cancelling a duplicate it found. It counts against the
	// limits but is never refused, so it is not an overrun.
	Unplanned bool
}

// Sent reports whether the action reached the exchange and so counts
// against the churn limits, whatever the exchange answered.
func (a Action) Sent() bool { return a.Outcome != OutcomeSkipped }

// Calls counts requests to the exchange.
type Calls struct {
	Private int `json:"private"`
	Public  int `json:"public"`
}

// Add returns c + d.
func (c Calls) Add(d Calls) Calls { return Calls{c.Private + d.Private, c.Public + d.Public} }

// Report is what a cycle did.
type Report struct {
	ConfigDigest string   // spec.Config.Digest of the configuration the cycle loaded
	Planned      int      // changes the plan wanted
	Actions      []Action // what it sent, in order
	Calls        Calls    // requests it made
	Drift        bool     // the plan had changes it did not make (held back, skipped or failed)
}

// FailureKind says how a failure stops watch.
type FailureKind string

// Failure kinds.
const (
	// Transient failures (the exchange unreachable, a lock held too long,
	// an apply with failed actions) back off and count towards
	// max_consecutive_failures.
	Transient FailureKind = "failed"
	// Invalid: the configuration does not validate. Nothing is sent; each
	// cycle reports it, and watch acts again once an edit validates.
	Invalid FailureKind = "config_error"
	// Refused: a check refused the plan (a guard, prevent_cancel, the
	// budget, symbol rules). Nothing is sent; each cycle plans afresh and
	// reports it until the plan passes.
	Refused FailureKind = "refused"
	// KeyRejected: the exchange rejected the API key (invalid, revoked,
	// missing role). Watch stops at once.
	KeyRejected FailureKind = "key_error"
)

// Failure is a cycle error of a kind that is not transient.
type Failure struct {
	Kind FailureKind
	Err  error
}

func (f *Failure) Error() string { return f.Err.Error() }
func (f *Failure) Unwrap() error { return f.Err }

// ConfigError marks err as a configuration that does not validate.
func ConfigError(err error) error { return &Failure{Invalid, err} }

// RefusedError marks err as a refusal by a guard or check.
func RefusedError(err error) error { return &Failure{Refused, err} }

// KeyError marks err as a rejected API key.
func KeyError(err error) error { return &Failure{KeyRejected, err} }

// kindOf classifies a cycle's error.
func kindOf(err error) FailureKind {
	var f *Failure
	if errors.As(err, &f) {
		return f.Kind
	}
	return Transient
}

// StopError is what Run returns when watch stops on its own.
type StopError struct {
	Reason string
	Err    error
}

func (e *StopError) Error() string {
	if e.Err == nil {
		return e.Reason
	}
	return fmt.Sprintf("%s: %v", e.Reason, e.Err)
}
func (e *StopError) Unwrap() error { return e.Err }
