package apply

import (
	"fmt"
	"slices"

	"orderform/plan"
)

// cancelState is where an order stands after apply tried to cancel it.
type cancelState int

const (
	cancelDone        cancelState = iota // the exchange says it is cancelled
	cancelFilled                         // closed without being cancelled: it filled first
	cancelLive                           // still live: the cancel was refused
	cancelUnknown                        // nobody could tell
	cancelInterrupted                    // still live, and ctx was done before the cancel could be sent again
)

// cancelStep carries out a plain cancel, or the first half of a replace.
func (r *runner) cancelStep(j *job) {
	before := j.a.Before
	o := r.begin(Event{Address: j.a.Address, ClientOrderID: j.res.ClientOrderID, Kind: j.a.Kind, Action: StepCancel, OrderID: before.OrderID})
	state, st, err := r.cancelOrder(o, before)
	res := &j.res
	res.Err, res.Order, res.Elapsed = err, st, o.elapsed()
	replace := j.a.Kind == plan.Replace
	notPlaced := ""
	if replace {
		notPlaced = "; the replacement was not placed"
	}
	switch state {
	case cancelDone:
		if replace {
			res.Status, res.CancelledOrderID = statusCancelledForReplace, before.OrderID
			if st != nil && st.ExecutedAmount.IsPositive() {
				filled := fmt.Sprintf("%s of %s", st.ExecutedAmount, st.OriginalAmount)
				if slices.Contains(j.a.Hidden(), "amount") {
					filled = "part" // the amount is sensitive
				}
				res.Note = fmt.Sprintf("the old order %s had filled %s before it was cancelled; %s",
					before.OrderID, filled, r.lessFilledMeanwhile(j, st))
			}
		} else {
			res.Status, res.OrderID = StatusCancelled, before.OrderID
		}
		o.end(StatusCancelled, before.OrderID, res.Note, nil)
		if res.Status == StatusSkipped { // nothing left to place: the place step never starts
			r.hooks.errored(Event{Address: j.a.Address, ClientOrderID: j.res.ClientOrderID, Kind: j.a.Kind, Action: StepPlace, Outcome: StatusSkipped, Message: res.Reason})
		}
		return
	case cancelFilled:
		if replace {
			res.Status = StatusSkipped
			res.Reason = fmt.Sprintf("the old order %s filled before it could be cancelled%s, so the position is not doubled", before.OrderID, notPlaced)
			res.Next = "run `orderform plan` to see what the configuration asks for now"
			o.end(StatusSkipped, before.OrderID, res.Reason, nil)
			return
		}
		res.Status, res.OrderID = StatusCancelled, before.OrderID
		res.Note = fmt.Sprintf("order %s filled before it could be cancelled%s", before.OrderID, tradedAt(st, j.a.Hidden()))
		o.end(StatusCancelled, before.OrderID, res.Note, nil)
		return
	case cancelLive:
		res.Status = StatusFailed
		res.Reason = fmt.Sprintf("%v%s", err, notPlaced)
		res.Next = fmt.Sprintf("order %s is still live; run %s again, or cancel it on the exchange", before.OrderID, r.again)
	case cancelUnknown:
		res.Status = StatusUnknown
		res.Reason = fmt.Sprintf("could not tell whether order %s was cancelled: %v%s", before.OrderID, err, notPlaced)
		res.Next = "run `orderform plan`: it reads the book and shows whether the order is still live"
	case cancelInterrupted:
		r.markInterrupted()
		res.Status = StatusSkipped
		res.Reason = fmt.Sprintf("interrupted; order %s is still live%s", before.OrderID, notPlaced)
		res.Next = "run " + r.again + " again to carry it out"
	}
	o.end(res.Status, before.OrderID, res.Reason, err)
}

// cancelOrder cancels before and finds out where it stands. A cancel is
// idempotent on the exchange, so it is sent again, but only after a lookup
// has shown the order still live following an ambiguous failure.
func (r *runner) cancelOrder(o *op, before *plan.LiveOrder) (cancelState, *plan.LiveOrder, error) {
	for attempt := 1; ; attempt++ {
		var lo plan.LiveOrder
		err := r.patiently(o, func() (err error) {
			lo, err = r.ex.Cancel(r.settle, before.OrderID)
			return err
		})
		if r.refusedByInterrupt(err) {
			return cancelInterrupted, before, fmt.Errorf("cancel order %s: %w", before.OrderID, err)
		}
		if err == nil {
			switch {
			case lo.IsCancelled:
				return cancelDone, &lo, nil
			case !lo.IsLive:
				return cancelFilled, &lo, nil
			}
			err = fmt.Errorf("cancel order %s: the exchange still reports it live", before.OrderID)
		} else {
			err = fmt.Errorf("cancel order %s: %w", before.OrderID, err)
		}
		ambiguous := isAmbiguous(err)
		if ambiguous {
			o.note(fmt.Sprintf("%v; looking it up", err))
		}
		st, lerr := r.status(o, before, ambiguous)
		switch {
		case st != nil && st.IsCancelled:
			return cancelDone, st, nil
		case st != nil && !st.IsLive:
			return cancelFilled, st, nil
		case !ambiguous:
			return cancelLive, st, err // refused: nothing happened
		case st == nil && lerr != nil:
			err = fmt.Errorf("%w; %v", err, lerr)
		}
		// Ambiguous, and the order is still live or could not be found.
		switch {
		case st != nil && r.stopped():
			return cancelInterrupted, st, err
		case st == nil && (r.stopped() || attempt >= r.opts.MaxAttempts):
			return cancelUnknown, nil, err
		case attempt >= r.opts.MaxAttempts:
			return cancelLive, st, fmt.Errorf("%w (still live after %d attempts)", err, attempt)
		}
		o.note(fmt.Sprintf("order %s still live after an ambiguous cancel; cancelling again", before.OrderID))
	}
}

// status looks up the current state of before by its client order id; nil
// when it has none or the exchange does not know it.
func (r *runner) status(o *op, before *plan.LiveOrder, wait bool) (*plan.LiveOrder, error) {
	if before.ClientOrderID == "" {
		return nil, nil
	}
	orders, err := r.lookup(o, before.ClientOrderID, wait)
	if err != nil {
		return nil, err
	}
	for _, lo := range orders {
		if lo.OrderID == before.OrderID {
			return &lo, nil
		}
	}
	return nil, nil
}

// lessFilledMeanwhile makes a replacement carry less by what the old order
// filled between the plan's read and its cancel, unless the order asks for
// the full amount (lifecycle replace_amount = "full"): the plan computed the
// remaining amount from the fills it saw, and the declared amount is never
// to be exceeded (plan/fills.go). It returns what the note says of the
// replacement's amount; when nothing is left, the placement is skipped.
func (r *runner) lessFilledMeanwhile(j *job, st *plan.LiveOrder) string {
	after, before := j.a.After, j.a.Before
	more := st.ExecutedAmount.Sub(before.ExecutedAmount)
	if after == nil || after.ReplaceAmount == plan.AmountFull || !more.IsPositive() {
		if after != nil && after.ReplaceAmount == plan.AmountFull {
			return "the replacement is for the full amount (replace_amount = \"full\")"
		}
		return "the replacement carries the amount the plan showed"
	}
	left := after.Amount.Sub(more)
	if !left.IsPositive() {
		j.res.Status = StatusSkipped
		j.res.Reason = fmt.Sprintf("the old order %s filled more between the plan and its cancel, which leaves nothing to place; the replacement was not placed, so the declared amount is not exceeded", before.OrderID)
		j.res.Next = "run `orderform plan` to see what the configuration asks for now"
		return "nothing is left to place"
	}
	j.amount = left
	if slices.Contains(j.a.Hidden(), "amount") {
		return "the replacement carries the rest of the amount, less what filled since the plan"
	}
	return fmt.Sprintf("it filled %s of that after the plan was made, so the replacement carries %s instead of %s", more, left, after.Amount)
}
