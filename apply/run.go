package apply

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"orderform/plan"

	"github.com/shopspring/decimal"
)

// runner is one Apply.
type runner struct {
	ctx context.Context // the caller's: cancelled by an interrupt
	// settle is what requests run under. It survives the cancellation of ctx
	// for SettleTimeout, so that a request in flight is answered rather than
	// torn (which would make its outcome ambiguous) and ambiguous outcomes can
	// still be looked up.
	settle context.Context
	ex     Exchange
	opts   Options
	hooks  emitter

	// seen holds the order ids of every order the plan saw (live orders it
	// acted on or kept, creates' Prior), seenByID the same orders by client
	// order id: none of them is ever taken for a placement of this run.
	seen     map[string]bool
	seenByID map[string][]*plan.LiveOrder

	// again is the command that carries out what a run left undone:
	// "`orderform apply`", or "`orderform destroy`" for a destroy plan.
	again string

	mu          sync.Mutex
	interrupted bool // some work was skipped because ctx was done
}

// see records the orders the plan's actions name.
func (r *runner) see(actions []plan.Action) {
	r.seen, r.seenByID = map[string]bool{}, map[string][]*plan.LiveOrder{}
	for _, a := range actions {
		for _, lo := range []*plan.LiveOrder{a.Before, a.Prior} {
			if lo == nil || lo.OrderID == "" || r.seen[lo.OrderID] {
				continue
			}
			r.seen[lo.OrderID] = true
			r.seenByID[lo.ClientOrderID] = append(r.seenByID[lo.ClientOrderID], lo)
		}
	}
}

// job is one action of the plan and what became of it.
type job struct {
	a   plan.Action
	res Result
	// amount, when positive, is what a replacement carries instead of
	// After.Amount: less by what the old order filled between the plan and
	// its cancel (cancel.go, lessFilledMeanwhile).
	amount decimal.Decimal
}

// sort checks the actions and splits them into the cancel and place phases.
func (r *runner) sort(actions []plan.Action) (jobs, cancels, places []*job) {
	placing := map[string]bool{}
	for _, a := range actions {
		j := &job{a: a, res: Result{Address: a.Address, ClientOrderID: a.ClientOrderID, Kind: a.Kind, Status: statusPending}}
		jobs = append(jobs, j)
		switch {
		case a.Kind != plan.Create && a.Kind != plan.Cancel && a.Kind != plan.Replace:
			j.res.Status = statusNone
			continue
		case (a.Kind == plan.Cancel || a.Kind == plan.Replace) && (a.Before == nil || a.Before.OrderID == ""):
			r.invalid(j, "the plan names no live order to cancel")
			continue
		case a.Kind == plan.Create || a.Kind == plan.Replace:
			if a.After == nil || a.After.ClientOrderID == "" {
				r.invalid(j, "the plan has no order with a client order id to place")
				continue
			}
			if placing[a.After.ClientOrderID] {
				r.invalid(j, "the plan places client order id "+a.After.ClientOrderID+" twice")
				continue
			}
			placing[a.After.ClientOrderID] = true
		}
		if j.res.ClientOrderID == "" && a.After != nil {
			j.res.ClientOrderID = a.After.ClientOrderID
		}
		if a.Kind != plan.Create {
			cancels = append(cancels, j)
		}
		if a.Kind != plan.Cancel {
			places = append(places, j)
		}
	}
	return jobs, cancels, places
}

// stillLive maps the client order ids of orders whose cancel did not succeed
// (a duplicate, or another action's) to their order ids, and the addresses
// of such cancels (keyed by addressKey) too: a duplicate found through a
// moved block has the old address's client id, not the one placed.
func stillLive(cancels []*job) map[string]string {
	m := map[string]string{}
	for _, j := range cancels {
		filled := j.res.Order != nil && !j.res.Order.IsLive
		switch {
		case j.res.Status == StatusFailed, j.res.Status == StatusUnknown, j.res.Status == StatusSkipped && !filled:
			m[j.a.Before.ClientOrderID] = j.a.Before.OrderID
			if j.a.Address != "" {
				m[addressKey(j.a.Address)] = j.a.Before.OrderID
			}
		}
	}
	delete(m, "")
	return m
}

// addressKey keys an address in stillLive's map apart from client ids.
func addressKey(addr string) string { return "\x00" + addr }

// blocked skips a placement because an order with its client order id may
// still be live: placing would make two.
func (r *runner) blocked(j *job, orderID string) {
	j.res.Status = StatusSkipped
	j.res.Reason = fmt.Sprintf("order %s with the same client order id could not be cancelled, and placing would make two live orders", orderID)
	j.res.Next = "run `orderform apply` again once the cancel goes through"
	r.oldGone(&j.res)
	r.hooks.errored(Event{Address: j.a.Address, ClientOrderID: j.res.ClientOrderID, Kind: j.a.Kind, Action: StepPlace, Outcome: StatusSkipped, Message: j.res.Reason})
}

func (r *runner) invalid(j *job, reason string) {
	j.res.Status = StatusFailed
	j.res.Reason = reason
	j.res.Next = "this is a bug in the plan; run `orderform plan` again and report it if it persists"
	r.hooks.errored(Event{Address: j.a.Address, ClientOrderID: j.res.ClientOrderID, Kind: j.a.Kind, Action: stepOf(j.a.Kind), Outcome: StatusFailed, Message: reason})
}

func stepOf(k plan.Kind) string {
	if k == plan.Create {
		return StepPlace
	}
	return StepCancel
}

// each runs step for every job, Concurrency at a time, in order. Once ctx
// is done the jobs not yet started are skipped.
func (r *runner) each(jobs []*job, name string, step func(*job)) {
	sem := make(chan struct{}, r.opts.Concurrency)
	var wg sync.WaitGroup
	for _, j := range jobs {
		sem <- struct{}{}
		if r.stopped() {
			<-sem
			r.skipInterrupted(j, name)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			step(j)
		}()
	}
	wg.Wait()
}

// stopped reports whether ctx is done, so no new request may start.
func (r *runner) stopped() bool {
	return r.ctx.Err() != nil
}

func (r *runner) markInterrupted() {
	r.mu.Lock()
	r.interrupted = true
	r.mu.Unlock()
}

func (r *runner) wasInterrupted() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.interrupted
}

// skipInterrupted records that j was not (or not fully) carried out because
// of an interrupt.
func (r *runner) skipInterrupted(j *job, step string) {
	r.markInterrupted()
	j.res.Status = StatusSkipped
	switch {
	case j.res.CancelledOrderID != "":
		j.res.Reason = fmt.Sprintf("interrupted after the old order %s was cancelled; the replacement was not placed", j.res.CancelledOrderID)
		j.res.Next = "run `orderform apply` again to place it"
	default:
		j.res.Reason = "interrupted before it started"
		j.res.Next = "run " + r.again + " again to carry it out"
	}
	r.hooks.errored(Event{Address: j.a.Address, ClientOrderID: j.res.ClientOrderID, Kind: j.a.Kind, Action: step, Outcome: StatusSkipped, Message: j.res.Reason})
}

// patiently sends a request with send, and again while the exchange refuses
// it for its rate limit (nothing happened), waiting longer each time. An
// interrupt ends the waiting; the caller sees the refusal and r.stopped().
func (r *runner) patiently(o *op, send func() error) error {
	wait := r.opts.RateLimitWait
	for i := 0; ; i++ {
		err := send()
		if !errors.Is(err, ErrRateLimited) || i >= r.opts.RateLimitRetries || r.stopped() {
			return err
		}
		o.note(fmt.Sprintf("%v; sending again in %s", err, wait))
		if r.opts.Sleep(r.ctx, wait) != nil {
			return err
		}
		wait = min(2*wait, maxBackoff)
	}
}

// refusedByInterrupt reports whether err is a rate-limit refusal that an
// interrupt stopped apply from sending again.
func (r *runner) refusedByInterrupt(err error) bool {
	return errors.Is(err, ErrRateLimited) && r.stopped()
}

// isAmbiguous reports whether err leaves the outcome of a request unknown.
func isAmbiguous(err error) bool {
	return errors.Is(err, ErrAmbiguous) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
