package apply

import (
	"cmp"
	"fmt"
	"time"

	"orderform/plan"
)

const maxBackoff = 8 * time.Second

// placeStep places a create, or the second half of a replace whose cancel
// is confirmed, exactly once.
//
// Immediately before each request apply knows that no order with the client
// order id is live and that no earlier request for it can still land: from
// the plan's read for the first; for the next ones, from a lookup after an
// ambiguous failure that found nothing, made once the failed request was
// provably dead (Exchange.Landable). If a lookup finds that the order
// landed it is adopted; if nobody can tell, the result is Unknown and
// nothing is placed again.
func (r *runner) placeStep(j *job) {
	want := *j.a.After
	if j.amount.IsPositive() {
		want.Amount = j.amount // the old order filled more before its cancel
	}
	res := &j.res
	o := r.begin(Event{Address: j.a.Address, ClientOrderID: want.ClientOrderID, Kind: j.a.Kind, Action: StepPlace})
	defer func() { r.finish(j, o) }()
	for attempt := 1; ; attempt++ {
		if r.stopped() {
			r.markInterrupted()
			res.Status, res.Next = StatusSkipped, "run `orderform apply` again to place it"
			res.Reason = "interrupted before it was placed"
			if attempt > 1 {
				res.Reason = "interrupted; the earlier attempt did not land and it was not placed again"
			}
			r.oldGone(res)
			return
		}
		res.sent = true
		var lo plan.LiveOrder
		err := r.patiently(o, func() (err error) {
			lo, err = r.ex.Place(r.settle, want)
			return err
		})
		if err == nil {
			r.placed(res, lo, false, j.a.Hidden())
			return
		}
		// The result names the order; the error names the call and the cause.
		res.Err = err
		if r.refusedByInterrupt(err) {
			r.markInterrupted()
			res.Status, res.Next = StatusSkipped, "run `orderform apply` again to place it"
			res.Reason = fmt.Sprintf("interrupted while the exchange was refusing it for its rate limit; it was not placed: %v", err)
			r.oldGone(res)
			return
		}
		if !isAmbiguous(err) {
			res.Status, res.Reason = StatusFailed, err.Error()
			res.Next = "fix the cause and run `orderform apply` again"
			r.oldGone(res)
			return
		}
		o.note(fmt.Sprintf("%v; looking up %s", err, want.ClientOrderID))
		if r.resolve(o, j, err) {
			return
		}
		if attempt >= r.opts.MaxAttempts {
			res.Status = StatusFailed
			res.Reason = fmt.Sprintf("%d attempts ended without an answer and lookups found no order; last: %v", attempt, err)
			res.Next = "check the connection to the exchange and run `orderform apply` again"
			r.oldGone(res)
			return
		}
		o.note(fmt.Sprintf("attempt %d did not land and can no longer land; placing again", attempt))
	}
}

// resolve settles an ambiguous placement (err): it looks the client order
// id up and adopts the order if it landed. It returns false only when the
// order did not land and the failed request is provably dead, so that
// placing again cannot make a second order; otherwise it sets the result
// and returns true.
func (r *runner) resolve(o *op, j *job, err error) bool {
	res, id := &j.res, j.a.After.ClientOrderID
	unknown := func(why string) bool {
		res.Status = StatusUnknown
		res.Reason = fmt.Sprintf("%v; %s", err, why)
		res.Next = "run `orderform plan`: it reads the book and shows whether the order exists; it was not placed again"
		r.oldGone(res)
		return true
	}
	var waited time.Duration
	for round := 0; ; round++ {
		orders, lerr := r.lookup(o, id, round == 0)
		if lerr != nil {
			return unknown(fmt.Sprintf("could not tell whether it landed: %v", lerr))
		}
		if lo := r.landed(orders, j); lo != nil {
			r.placed(res, *lo, true, j.a.Hidden())
			return true
		}
		wait, ok := r.ex.Landable(err)
		switch {
		case !ok:
			return unknown("the lookup found nothing, but the exchange cannot tell whether the request may still land")
		case wait <= 0:
			return false
		case waited+wait > r.opts.MaxLandableWait || round >= maxLandableRounds:
			return unknown(fmt.Sprintf("the lookup found nothing, but the request may still land for %s (its nonce is still valid on the exchange)", wait.Round(time.Second)))
		}
		o.note(fmt.Sprintf("the lookup found nothing, but the request may still land for %s (its nonce is still valid on the exchange); waiting before looking again", wait.Round(time.Second)))
		if serr := r.opts.Sleep(r.ctx, wait); serr != nil {
			r.markInterrupted()
			return unknown("interrupted while waiting for the request's nonce to expire; the lookup had found nothing")
		}
		waited += wait
	}
}

// maxLandableRounds bounds the waits for one request to become provably
// dead: the estimate of the exchange's clock may widen a little while
// apply waits, leaving a few milliseconds more.
const maxLandableRounds = 4

// placed records the exchange's answer for a placement (or the order found
// after an ambiguous failure); hidden are the order's sensitive attributes.
func (r *runner) placed(res *Result, lo plan.LiveOrder, adopted bool, hidden []string) {
	res.Order, res.OrderID, res.Err = &lo, lo.OrderID, nil
	if lo.IsCancelled {
		reason := lo.Reason
		if reason == "" {
			reason = "no reason given"
		}
		res.Status = StatusFailed
		res.Reason = fmt.Sprintf("order %s was accepted but cancelled at once by the exchange: %s", lo.OrderID, reason)
		res.Next = nextForCancelReason(reason)
		r.oldGone(res)
		return
	}
	switch {
	case adopted:
		res.Status = StatusAdopted
		res.Note = fmt.Sprintf("the answer was lost, but order %s with this client order id was found and adopted", lo.OrderID)
	case res.Kind == plan.Replace:
		res.Status = StatusReplaced
	default:
		res.Status = StatusPlaced
	}
	if !lo.IsLive {
		res.Note = join(res.Note, fmt.Sprintf("order %s filled at once%s", lo.OrderID, tradedAt(&lo, hidden)))
	}
}

// oldGone adds to a failed replacement that the old order is gone.
func (r *runner) oldGone(res *Result) {
	if res.CancelledOrderID != "" {
		res.Reason = fmt.Sprintf("the old order %s was cancelled, but the replacement was not placed: %s", res.CancelledOrderID, res.Reason)
	}
}

func nextForCancelReason(reason string) string {
	switch reason {
	case "MakerOrCancelWouldTake":
		return "the price would have traded at once, which maker-or-cancel forbids; move the price away from the market and run `orderform apply` again"
	case "ImmediateOrCancelWouldPost", "FillOrKillWouldNotFill":
		return "the market did not offer the price; check the price and run `orderform apply` again"
	case "ExceedsPriceLimits":
		return "the price is too far from the market for the exchange; check the price"
	case "SelfCrossPrevented":
		return "the order would have traded with one of your own orders; check your other orders' prices"
	}
	return "check the order and run `orderform apply` again"
}

// landed picks, from the orders with the client order id, the one an
// ambiguous placement made: the oldest live one the plan did not see, else
// the newest closed one that is not the address's history. Only exchange
// timestamps are compared with exchange timestamps. History is what the
// plan saw (the order a replace cancels, duplicates, the create's Prior),
// anything closed that is not newer than the newest of those, and anything
// closed submitted before the plan read the book (Options.ReadAt). Every
// other closed order was submitted after the plan read the book: this
// run's, or a concurrent run's, which must not be placed again either.
func (r *runner) landed(orders []plan.LiveOrder, j *job) *plan.LiveOrder {
	isHistory := r.history(j)
	var pick *plan.LiveOrder
	for _, lo := range orders {
		switch {
		case r.seen[lo.OrderID]:
		case lo.IsLive:
			if pick == nil || !pick.IsLive || older(lo, *pick) {
				pick = &lo
			}
		case pick != nil && pick.IsLive:
		case isHistory(lo):
		default:
			if pick == nil || older(*pick, lo) {
				pick = &lo
			}
		}
	}
	return pick
}

// history returns a test of whether a closed order with j's client order
// id is the address's history rather than something submitted after the
// plan read the book: not newer than the newest order of the address the
// plan saw (the order a replace cancels, duplicates, the create's Prior),
// or submitted before the plan read the book (Options.ReadAt). Only
// exchange timestamps are compared with exchange timestamps.
func (r *runner) history(j *job) func(lo plan.LiveOrder) bool {
	id := j.a.After.ClientOrderID
	var floor *plan.LiveOrder // the newest order of the address the plan saw
	for _, s := range append(r.seenByID[id], j.a.Before, j.a.Prior) {
		if s != nil && (floor == nil || older(*floor, *s)) {
			floor = s
		}
	}
	var readAt int64
	if !r.opts.ReadAt.IsZero() {
		readAt = r.opts.ReadAt.UnixMilli()
	}
	return func(lo plan.LiveOrder) bool {
		switch {
		case r.seen[lo.OrderID]:
			return true
		case floor != nil && lo.TimestampMS != 0 && !older(*floor, lo):
			return true
		case readAt != 0 && lo.TimestampMS != 0 && lo.TimestampMS < readAt:
			return true
		}
		return false
	}
}

// lookup returns the orders with the client order id, asking up to
// LookupAttempts times while the answers are ambiguous, with backoff. With
// wait it also waits before the first request, to give an order in flight
// time to land.
func (r *runner) lookup(o *op, id string, wait bool) ([]plan.LiveOrder, error) {
	d := r.opts.LookupBackoff
	var last error
	for i := range r.opts.LookupAttempts {
		if wait || i > 0 {
			if err := r.opts.Sleep(r.settle, d); err != nil {
				return nil, fmt.Errorf("waiting to look up %s: %w", id, err)
			}
			d = min(2*d, maxBackoff)
		}
		orders, err := r.ex.Lookup(r.settle, id)
		if err == nil {
			return orders, nil
		}
		last = fmt.Errorf("look up %s: %w", id, err)
		if !isAmbiguous(err) {
			return nil, last
		}
		o.note(fmt.Sprintf("%v; asking again", last))
	}
	return nil, fmt.Errorf("%w (%d attempts)", last, r.opts.LookupAttempts)
}

// finish ends a step with its result.
func (r *runner) finish(j *job, o *op) {
	res := &j.res
	res.Elapsed = o.elapsed()
	msg := res.Note
	if res.Status == StatusFailed || res.Status == StatusSkipped || res.Status == StatusUnknown {
		msg = res.Reason
	}
	o.end(res.Status, res.OrderID, msg, res.Err)
}

// older orders a before b: by submission time, then by order id.
func older(a, b plan.LiveOrder) bool {
	if a.TimestampMS != b.TimestampMS {
		return a.TimestampMS < b.TimestampMS
	}
	return compareIDs(a.OrderID, b.OrderID) < 0
}

// compareIDs compares decimal order ids, which may exceed 2^53, as numbers.
func compareIDs(a, b string) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return cmp.Compare(a, b)
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
