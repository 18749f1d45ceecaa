// Package apply carries out a plan on an exchange, exactly once.
//
// Cancels come first (plain cancels, duplicates, and the cancel half of
// replaces), then placements (creates, and the place half of replaces whose
// cancel was confirmed). No placement is ever retried blindly: after an
// ambiguous failure apply looks the client order id up and adopts the order
// if it landed. It places again only once the first request is provably
// dead (Exchange.Landable: under increasing nonces the lookup's later nonce
// was accepted; under time-based nonces the nonce window has passed on the
// exchange's clock), a bounded number of times; otherwise the outcome is
// unknown and the next plan decides. "Landed" is judged on exchange
// timestamps alone: a closed order with the client order id counts as this
// run's (or a concurrent run's) unless the plan saw it or it is older than
// what the plan saw or than the plan's read of the book.
//
// Independent actions go on after one fails. When ctx is cancelled, apply
// starts no new request, settles the ones in flight, and reports. After the
// work one read of the active orders verifies the addresses this run placed
// at: a live order there that this run did not make is a concurrent
// placement (another apply), reported as a failure; the newer of two live
// orders is cancelled unless the address has prevent_cancel. Duplicates at
// addresses the run did not touch are reported, never cancelled.
//
// A replace whose old order filled completely before it could be cancelled
// is not placed (that would double the position); it is reported skipped and
// the user plans again. One that had partly filled and was then cancelled is
// placed for the configured amount, as the plan would have done had the
// fill come before it. A cancel that finds its order already filled counts
// as done, with a note.
//
// Apply never returns an error: everything that happened is in the Report.
package apply

import (
	"context"
	"errors"
	"time"

	"orderform/plan"
)

// Exchange is what apply needs from an exchange.
type Exchange interface {
	// Place places o with o.ClientOrderID. It must not retry inside: a
	// request whose outcome is unknown returns an error wrapping
	// ErrAmbiguous, one refused for the rate limit an error wrapping
	// ErrRateLimited.
	Place(ctx context.Context, o plan.Order) (plan.LiveOrder, error)
	// Cancel cancels an order by id. Cancelling an order that is already
	// cancelled succeeds and returns its status.
	Cancel(ctx context.Context, orderID string) (plan.LiveOrder, error)
	// Lookup returns every order with the client order id, live or not;
	// empty when there is none.
	Lookup(ctx context.Context, clientOrderID string) ([]plan.LiveOrder, error)
	// ActiveOrders returns the account's live orders.
	ActiveOrders(ctx context.Context) ([]plan.LiveOrder, error)
	// Landable says how much longer (on the local clock, from now) the
	// request of a Place that failed with err, an ambiguous error, may
	// still be taken by the exchange, given that a Lookup begun after that
	// Place returned has been answered since. Zero means it is dead: under
	// increasing nonces the lookup's later nonce was accepted, so the
	// exchange refuses the earlier one; under time-based nonces the nonce
	// window has passed on the exchange's clock. ok is false when the
	// exchange cannot tell; apply then does not place again.
	Landable(err error) (wait time.Duration, ok bool)
}

// ErrAmbiguous marks a failure after which the request may or may not have
// taken effect: a timeout, a reset connection, a 5xx. An Exchange wraps such
// errors so that errors.Is(err, ErrAmbiguous) holds. Context errors from a
// request in flight are treated the same way.
var ErrAmbiguous = errors.New("outcome unknown")

// ErrRateLimited marks a placement or cancel that the exchange refused for
// its rate limit (HTTP 429): nothing happened, so apply sends it again
// after a wait, without a lookup, up to Options.RateLimitRetries times.
var ErrRateLimited = errors.New("rate limited")

// Options tune Apply. The zero value is usable.
type Options struct {
	// Namespace is the configuration's namespace. Verification looks for
	// duplicates among client order ids "of:<Namespace>:..."; when empty, among
	// the client order ids of the plan.
	Namespace string
	Hooks     Hooks

	// Market reads the market right before anything is sent: the rules
	// and tickers plan.NeedsOf names. When set, Apply runs the plan's
	// per-order checks again on every placement (plan.Recheck) before the
	// first request; a placement that now fails is not sent, nor the
	// cancel of its replace (docs/safety.md, "What is checked when"). The command line always sets it;
	// nil skips the check.
	Market func(ctx context.Context, needs plan.MarketNeeds) (plan.Market, error)

	// LookupAttempts bounds the lookups that resolve one ambiguous failure
	// (default 5). The first waits LookupBackoff (default 500ms); each
	// following waits twice as long, up to 8 s.
	LookupAttempts int
	LookupBackoff  time.Duration
	// MaxAttempts bounds the requests of one step, each after a lookup has
	// shown the previous one did not land (default 3).
	MaxAttempts int
	// RateLimitRetries bounds how often a request refused with
	// ErrRateLimited is sent again (default 4), after waiting
	// RateLimitWait (default 1 s), then twice as long each time, up to 8 s.
	RateLimitRetries int
	RateLimitWait    time.Duration
	// ReadAt is a time on the exchange's clock no later than the start of
	// the read of the book the plan was made from (zero: unknown). A closed
	// order with a placement's client order id that the plan did not see
	// and that was submitted before ReadAt was closed before the plan read
	// the book: it is the address's history, not the placement. Unknown
	// (or too early) is safe: it can only stop a second placement.
	ReadAt time.Time
	// MaxLandableWait bounds how long a placement waits for its first,
	// ambiguous request to become provably dead (Exchange.Landable) before
	// it places again (default 2 minutes); beyond it the outcome is
	// unknown.
	MaxLandableWait time.Duration

	// Concurrency is how many requests are in flight at once (default 4).
	// The client paces and serializes private calls anyway.
	Concurrency int
	// ProgressInterval is how often Hooks.Progress fires while a step waits
	// (default 10 s).
	ProgressInterval time.Duration
	// SettleTimeout bounds how long requests in flight, and the lookups that
	// resolve them, may run after ctx is cancelled (default 30 s).
	SettleTimeout time.Duration

	// Sleep waits d or until ctx is done (default: a timer). Tests inject one.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.LookupAttempts <= 0 {
		o.LookupAttempts = 5
	}
	if o.LookupBackoff <= 0 {
		o.LookupBackoff = 500 * time.Millisecond
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 3
	}
	if o.RateLimitRetries <= 0 {
		o.RateLimitRetries = 4
	}
	if o.RateLimitWait <= 0 {
		o.RateLimitWait = time.Second
	}
	if o.MaxLandableWait <= 0 {
		o.MaxLandableWait = 2 * time.Minute
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.ProgressInterval <= 0 {
		o.ProgressInterval = 10 * time.Second
	}
	if o.SettleTimeout <= 0 {
		o.SettleTimeout = 30 * time.Second
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// pending returns the jobs that are still to be carried out.
func pending(jobs []*job) []*job {
	out := jobs[:0:0]
	for _, j := range jobs {
		if j.res.Status == statusPending {
			out = append(out, j)
		}
	}
	return out
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Apply carries out the actions of p on ex (no-ops and notes are ignored)
// and reports what happened. Options.Namespace defaults to the plan's
// target's. A plan with errors is refused: its report has one failure and
// nothing is sent. Apply does not return before every request it started
// has been answered or has timed out.
func Apply(ctx context.Context, ex Exchange, p *plan.Plan, opts Options) *Report {
	if p == nil {
		p = &plan.Plan{}
	}
	if p.Errored {
		return &Report{Failed: []Result{{Status: StatusFailed, Reason: "the plan has errors and cannot be applied",
			Next: "fix the errors that `orderform plan` shows"}}}
	}
	if opts.Namespace == "" {
		opts.Namespace = p.Target.Namespace
	}
	actions := p.Actions
	opts = opts.withDefaults()
	settle, cancelSettle := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelSettle()
	stopAfter := context.AfterFunc(ctx, func() { time.AfterFunc(opts.SettleTimeout, cancelSettle) })
	defer stopAfter()

	r := &runner{ctx: ctx, settle: settle, ex: ex, opts: opts, hooks: emitter{hooks: opts.Hooks}, again: "`orderform apply`"}
	if p.Destroy {
		r.again = "`orderform destroy`"
	}
	r.see(actions)
	jobs, cancels, places := r.sort(actions)
	if opts.Market != nil && len(places) > 0 {
		r.checkAtSend(p, jobs)
		cancels = pending(cancels)
	}
	r.each(cancels, StepCancel, r.cancelStep)
	var ready []*job
	stuck := stillLive(cancels)
	for _, j := range places {
		if j.res.Status != statusPending && j.res.Status != statusCancelledForReplace {
			continue
		}
		id := stuck[j.a.After.ClientOrderID]
		if id == "" && j.a.Address != "" {
			id = stuck[addressKey(j.a.Address)]
		}
		if id != "" && !r.stopped() {
			r.blocked(j, id)
			continue
		}
		ready = append(ready, j)
	}
	r.each(ready, StepPlace, r.placeStep)

	rep := &Report{}
	if p.Destroy {
		rep.Verb = "Destroy"
	}
	dups := r.verify(rep, jobs)
	for _, j := range jobs {
		rep.add(j.res)
	}
	for _, d := range dups {
		rep.add(d)
	}
	rep.Interrupted = r.wasInterrupted()
	return rep
}
