package apply

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"orderform/plan"
)

// verify reads the active orders once after the work. A placement whose
// outcome stayed uncertain and whose client order id is now live is
// adopted. Then, only at the addresses where this run sent a placement:
// a live order that this run did not make and the plan did not see is a
// concurrent placement (another apply, perhaps on another machine), which
// is reported as such and fails the run; of two or more live orders the
// oldest is kept and the newer are cancelled, unless the address has
// prevent_cancel. Duplicates at addresses this run did not place at, and
// those prevent_cancel protects, are reported and left alone. It returns
// the results of the cancels and of what it reports.
func (r *runner) verify(rep *Report, jobs []*job) []Result {
	if r.stopped() {
		if slices.ContainsFunc(jobs, func(j *job) bool { return j.res.sent }) {
			rep.VerifyErr = errors.New("interrupted before the verifying read")
		} // else nothing was placed that could have made a duplicate
		return nil
	}
	o := r.begin(Event{Action: StepVerify})
	live, err := r.ex.ActiveOrders(r.settle)
	if err != nil {
		rep.VerifyErr = fmt.Errorf("read active orders: %w", err)
		o.end(StatusFailed, "", rep.VerifyErr.Error(), err)
		return nil
	}
	rep.Verified = true
	owned := r.owner(jobs)
	byID := map[string][]plan.LiveOrder{}
	for _, lo := range live {
		if lo.IsLive && owned(lo.ClientOrderID) {
			byID[lo.ClientOrderID] = append(byID[lo.ClientOrderID], lo)
		}
	}
	var dupIDs []string
	for id, group := range byID {
		slices.SortFunc(group, func(a, b plan.LiveOrder) int {
			if older(a, b) {
				return -1
			}
			if older(b, a) {
				return 1
			}
			return 0
		})
		if len(group) > 1 {
			dupIDs = append(dupIDs, id)
		}
	}
	sortByAddress(dupIDs, jobs)
	r.settleUncertain(jobs, byID)
	placedAt := map[string]*job{} // client order id -> the job that sent a placement for it
	for _, j := range jobs {
		if j.res.sent && j.a.After != nil {
			placedAt[j.a.After.ClientOrderID] = j
		}
	}
	var out []Result
	ids := make([]string, 0, len(placedAt))
	for id := range placedAt {
		ids = append(ids, id)
	}
	sortByAddress(ids, jobs)
	for _, id := range ids {
		if c := r.concurrent(placedAt[id], append(byID[id], r.closedConcurrent(placedAt[id], byID[id])...)); c != nil {
			out = append(out, *c)
		}
	}
	msg := "no duplicates"
	switch {
	case len(out) > 0:
		msg = fmt.Sprintf("%d addresses where another run placed orders at the same time", len(out))
	case len(dupIDs) > 0:
		msg = fmt.Sprintf("%d addresses with more than one live order", len(dupIDs))
	}
	o.end(StatusVerified, "", msg, nil)
	for _, c := range out {
		r.hooks.errored(Event{Address: c.Address, ClientOrderID: c.ClientOrderID, Action: StepVerify, Outcome: StatusConcurrent, OrderID: c.OrderID, Message: c.Reason})
	}

	return append(out, r.settleDuplicates(jobs, dupIDs, byID, placedAt)...)
}

// settleDuplicates cancels the newer live orders of each address in dupIDs
// where this run placed, the oldest kept, and reports those it leaves alone.
func (r *runner) settleDuplicates(jobs []*job, dupIDs []string, byID map[string][]plan.LiveOrder, placedAt map[string]*job) []Result {
	var out []Result
	for _, id := range dupIDs {
		group := byID[id]
		j := placedAt[id]
		addr := addressOf(jobs, id)
		switch {
		case j == nil:
			out = append(out, r.leaveDuplicates(addr, group,
				"this run did not place an order at this address, so it leaves them alone",
				"run `orderform plan`: it shows them, and applying it cancels the newer ones unless the address has prevent_cancel"))
			continue
		case j.a.After.PreventCancel:
			out = append(out, r.leaveDuplicates(addr, group,
				"the address has prevent_cancel = true, so none of them is cancelled",
				"cancel the duplicates you do not want on the exchange"))
			continue
		}
		for _, d := range group[1:] {
			out = append(out, r.cancelDuplicate(addr, group[0], d))
		}
		res := &j.res
		if res.OrderID != "" && res.OrderID != group[0].OrderID && placedStatus(res.Status) {
			res.Note = join(res.Note, fmt.Sprintf("order %s duplicated the older order %s, which is kept", res.OrderID, group[0].OrderID))
			res.OrderID, res.Order = group[0].OrderID, &group[0]
		}
	}
	return out
}

// concurrent reports a live order at the address of j, where this run
// placed, that neither this run made nor the plan saw: someone placed the
// same address at the same time.
func (r *runner) concurrent(j *job, group []plan.LiveOrder) *Result {
	mine := ""
	if placedStatus(j.res.Status) {
		mine = j.res.OrderID
	}
	var foreign []string
	traded := ""
	for _, lo := range group {
		if lo.OrderID != mine && !r.seen[lo.OrderID] {
			foreign = append(foreign, lo.OrderID)
			if !lo.IsLive && lo.ExecutedAmount.IsPositive() {
				traded = fmt.Sprintf("; order %s has filled %s, so this address traded more than it declares: check the position", lo.OrderID, lo.ExecutedAmount)
			}
		}
	}
	if len(foreign) == 0 || mine == "" && len(foreign) == 1 {
		return nil
	}
	ours := "order " + mine
	if mine == "" { // this run's order is one of them, but which is unknown
		ours = "one of them"
	}
	theirs := "order " + foreign[0] + " was"
	if len(foreign) > 1 {
		theirs = "orders " + strings.Join(foreign, ", ") + " were"
	}
	return &Result{
		Address: j.a.Address, ClientOrderID: j.a.After.ClientOrderID, Status: StatusConcurrent, OrderID: strings.Join(foreign, ","),
		Reason: fmt.Sprintf("%s placed at this address by another run while this one placed %s: another apply is working on this account and namespace at the same time (on another machine, or with -lock=false)%s", theirs, ours, traded),
		Next:   "let only one run work on a namespace at a time (the lock on one machine, the pipeline's serialisation across machines), then run `orderform plan`",
	}
}

// closedConcurrent returns, for a placement of j that is no longer live
// (it filled at once, or was cancelled by the exchange), the closed orders
// with its client order id that were submitted after the plan read the
// book and that this run did not make: a concurrent run's placement that
// filled (or closed) too leaves no live order for the verifying read to
// find, yet the address traded twice. One lookup per such placement; a
// lookup that fails finds nothing.
func (r *runner) closedConcurrent(j *job, live []plan.LiveOrder) []plan.LiveOrder {
	mine := j.res.OrderID
	if !placedStatus(j.res.Status) || mine == "" || slices.ContainsFunc(live, func(lo plan.LiveOrder) bool { return lo.OrderID == mine }) {
		return nil
	}
	orders, err := r.ex.Lookup(r.settle, j.a.After.ClientOrderID)
	if err != nil {
		return nil
	}
	isHistory := r.history(j)
	var out []plan.LiveOrder
	for _, lo := range orders {
		if lo.IsLive || lo.OrderID == mine || isHistory(lo) {
			continue // a live one is in the verifying read already
		}
		out = append(out, lo)
	}
	return out
}

// leaveDuplicates reports live orders of one address that verification
// does not cancel.
func (r *runner) leaveDuplicates(addr string, group []plan.LiveOrder, why, next string) Result {
	ids := make([]string, len(group))
	for i, lo := range group {
		ids[i] = lo.OrderID
	}
	res := Result{Address: addr, ClientOrderID: group[0].ClientOrderID, Status: StatusDuplicateLeft, OrderID: strings.Join(ids, ","),
		Reason: fmt.Sprintf("%d live orders (%s); %s", len(group), strings.Join(ids, ", "), why), Next: next}
	r.hooks.warn(Event{Address: addr, ClientOrderID: res.ClientOrderID, Action: StepVerify, Outcome: StatusDuplicateLeft, OrderID: res.OrderID, Message: res.Reason})
	return res
}

// settleUncertain adopts placements that were sent but did not succeed
// (an outcome that stayed unknown, a refusal after which the order landed
// anyway) when the verifying read finds their client order id live, so
// that the report matches the book.
func (r *runner) settleUncertain(jobs []*job, byID map[string][]plan.LiveOrder) {
	for _, j := range jobs {
		res := &j.res
		if !res.sent || placedStatus(res.Status) {
			continue
		}
		i := slices.IndexFunc(byID[res.ClientOrderID], func(lo plan.LiveOrder) bool {
			return j.a.Before == nil || lo.OrderID != j.a.Before.OrderID
		})
		if i < 0 {
			continue
		}
		lo := byID[res.ClientOrderID][i]
		res.Note = fmt.Sprintf("%s during apply (%s), but the verifying read found order %s live and adopted it", res.Status, res.Reason, lo.OrderID)
		res.Status, res.OrderID, res.Order, res.Err = StatusAdopted, lo.OrderID, &lo, nil
		res.Reason, res.Next = "", ""
		r.hooks.complete(Event{Address: res.Address, ClientOrderID: res.ClientOrderID, Kind: res.Kind, Action: StepPlace, Outcome: StatusAdopted, OrderID: lo.OrderID, Message: res.Note})
	}
}

func (r *runner) cancelDuplicate(addr string, keep, d plan.LiveOrder) Result {
	res := Result{Address: addr, ClientOrderID: d.ClientOrderID, OrderID: d.OrderID}
	if r.stopped() {
		r.markInterrupted()
		res.Status = StatusSkipped
		res.Reason = fmt.Sprintf("interrupted before the duplicate order %s (newer than %s) could be cancelled", d.OrderID, keep.OrderID)
		res.Next = "run `orderform apply` again: the plan cancels duplicates"
		r.hooks.errored(Event{Address: addr, ClientOrderID: d.ClientOrderID, Action: StepCancelDuplicate, Outcome: StatusSkipped, OrderID: d.OrderID, Message: res.Reason})
		return res
	}
	o := r.begin(Event{Address: addr, ClientOrderID: d.ClientOrderID, Action: StepCancelDuplicate, OrderID: d.OrderID,
		Message: fmt.Sprintf("duplicate of order %s", keep.OrderID)})
	state, st, err := r.cancelOrder(o, &d)
	res.Order, res.Err, res.Elapsed = st, err, o.elapsed()
	switch state {
	case cancelDone:
		res.Status = StatusDuplicateCancelled
		res.Note = fmt.Sprintf("order %s was a newer duplicate of order %s", d.OrderID, keep.OrderID)
	case cancelFilled:
		res.Status = StatusFailed
		res.Reason = fmt.Sprintf("the duplicate order %s (of order %s) filled before it could be cancelled", d.OrderID, keep.OrderID)
		res.Next = "check the position: this address traded twice"
	case cancelLive:
		res.Status = StatusFailed
		res.Reason = fmt.Sprintf("the duplicate order %s (of order %s) could not be cancelled: %v", d.OrderID, keep.OrderID, err)
		res.Next = "run `orderform apply` again: the plan cancels duplicates"
	case cancelUnknown:
		res.Status = StatusUnknown
		res.Reason = fmt.Sprintf("could not tell whether the duplicate order %s was cancelled: %v", d.OrderID, err)
		res.Next = "run `orderform plan` to see the book"
	case cancelInterrupted:
		r.markInterrupted()
		res.Status = StatusSkipped
		res.Reason = fmt.Sprintf("interrupted; the duplicate order %s is still live", d.OrderID)
		res.Next = "run `orderform apply` again: the plan cancels duplicates"
	}
	msg := res.Note
	if res.Reason != "" {
		msg = res.Reason
	}
	o.end(res.Status, d.OrderID, msg, err)
	return res
}

// owner reports whether a client order id belongs to this configuration:
// one of the plan's, or, with a namespace, any id orderform makes for it,
// byte for byte (plan.IsManaged).
func (r *runner) owner(jobs []*job) func(string) bool {
	ids := map[string]bool{}
	for _, j := range jobs {
		ids[j.res.ClientOrderID] = true
		if j.a.After != nil {
			ids[j.a.After.ClientOrderID] = true
		}
		if j.a.Before != nil {
			ids[j.a.Before.ClientOrderID] = true
		}
	}
	delete(ids, "")
	ns := r.opts.Namespace
	return func(id string) bool { return ids[id] || ns != "" && plan.IsManaged(ns, id) }
}

// sortByAddress sorts client order ids by their addresses in the plan
// (plan.CompareAddresses), then by themselves, so that what verification
// finds is reported in plan order.
func sortByAddress(ids []string, jobs []*job) {
	addr := make(map[string]string, len(ids))
	for _, id := range ids {
		addr[id] = addressOf(jobs, id)
	}
	slices.SortFunc(ids, func(a, b string) int {
		if c := plan.CompareAddresses(addr[a], addr[b]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
}

func addressOf(jobs []*job, clientOrderID string) string {
	for _, j := range jobs {
		if j.res.ClientOrderID == clientOrderID && j.a.Address != "" {
			return j.a.Address
		}
	}
	return ""
}

func placedStatus(s Status) bool {
	return s == StatusPlaced || s == StatusReplaced || s == StatusAdopted
}
