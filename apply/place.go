package apply

import (
	"fmt"
	"time"

	"orderform/plan"
)

const maxBackoff = 8 * time.Second

// placeStep places a create, or the second half of a replace whose cancel
// is confirmed, exactly once.
//
// Immediately before each request apply knows that no order with the client
// order id is live: from the plan's read for the first, from a lookup after
// an ambiguous failure for the next ones. If a lookup finds that the order
// landed it is adopted; if lookups cannot tell, the result is Unknown and
// nothing is placed again.
func (r *runner) placeStep(j *job) {
	want := *j.a.After
	res := &j.res
	o := r.begin(Event{Address: j.a.Address, ClientOrderID: want.ClientOrderID, Kind: j.a.Kind, Action: StepPlace})
	defer func() { r.finish(j, o) }()
	first := r.opts.Now()
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
			r.placed(res, lo, false)
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
		orders, lerr := r.lookup(o, want.ClientOrderID, true)
		if lerr != nil {
			res.Status = StatusUnknown
			res.Reason = fmt.Sprintf("%v; could not tell whether it landed: %v", err, lerr)
			res.Next = "run `orderform plan`: it reads the book and shows whether the order exists; it was not placed again"
			r.oldGone(res)
			return
		}
		if lo := r.landed(orders, j.a.Before, j.a.Prior, first); lo != nil {
			r.placed(res, *lo, true)
			return
		}
		if attempt >= r.opts.MaxAttempts {
			res.Status = StatusFailed
			res.Reason = fmt.Sprintf("%d attempts ended without an answer and lookups found no order; last: %v", attempt, err)
			res.Next = "check the connection to the exchange and run `orderform apply` again"
			r.oldGone(res)
			return
		}
		o.note(fmt.Sprintf("attempt %d did not land; placing again", attempt))
	}
}

// placed records the exchange's answer for a placement (or the order found
// after an ambiguous failure).
func (r *runner) placed(res *Result, lo plan.LiveOrder, adopted bool) {
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
		res.Note = join(res.Note, fmt.Sprintf("order %s filled at once", lo.OrderID))
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
// ambiguous placement made: the oldest live one, else the newest closed one
// submitted after first (less ClockSkew). The order the replace cancelled
// is not a candidate, nor are older closed ones (the address's history):
// prior, the last closed order the plan saw, and anything submitted before
// it are history for certain.
func (r *runner) landed(orders []plan.LiveOrder, before, prior *plan.LiveOrder, first time.Time) *plan.LiveOrder {
	cutoff := first.Add(-r.opts.ClockSkew).UnixMilli()
	var pick *plan.LiveOrder
	for _, lo := range orders {
		switch {
		case before != nil && lo.OrderID == before.OrderID:
		case prior != nil && (lo.OrderID == prior.OrderID || (!lo.IsLive && lo.TimestampMS != 0 && lo.TimestampMS <= prior.TimestampMS)):
		case lo.IsLive:
			if pick == nil || !pick.IsLive || older(lo, *pick) {
				pick = &lo
			}
		case pick != nil && pick.IsLive:
		case lo.TimestampMS == 0 || lo.TimestampMS >= cutoff:
			if pick == nil || older(*pick, lo) {
				pick = &lo
			}
		}
	}
	return pick
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
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
