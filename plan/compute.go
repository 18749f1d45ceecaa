package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// ManagedPrefix returns the client_order_id prefix of a namespace's orders.
func ManagedPrefix(namespace string) string { return "of:" + namespace + ":" }

// IsManaged reports whether clientOrderID is, byte for byte, an id orderform
// makes for namespace: the prefix and 16 lowercase hex digits, nothing
// before or after (DESIGN §4). An id that merely starts with the prefix, or
// differs by a space, belongs to someone else and is never touched.
func IsManaged(namespace, clientOrderID string) bool {
	rest, ok := strings.CutPrefix(clientOrderID, ManagedPrefix(namespace))
	if !ok || len(rest) != 16 {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Compute returns the actions that turn the live book into the desired one,
// and every problem the checks find. It does no I/O. The plan is returned even
// when there are errors, so that it can be shown; its Errored field is then
// set and it must not be saved or applied.
func Compute(in Input) (*Plan, hcl.Diagnostics) {
	c := newComputer(&in)
	if in.Destroy {
		c.destroy()
	} else {
		c.reconcile()
	}
	c.cancelLeftovers()
	sortActions(c.plan.Actions)
	c.checkTargets()
	c.check()
	c.plan.Errored = c.diags.HasErrors()
	return c.plan, c.diags
}

// candidate is a managed live order that may stand for a desired order.
type candidate struct {
	idx       int32
	live      *LiveOrder
	movedFrom string // the old address when found through a moved block
}

type computer struct {
	in     *Input
	plan   *Plan
	diags  hcl.Diagnostics
	prefix string

	// Managed live orders are known by their index in in.Live: live holds
	// the first index of each client id, next chains the others, managed
	// lists them all in input order.
	live      map[string]int32
	next      []int32
	managed   []int32
	consumed  []bool             // accounted for by a desired order or a cancel
	desired   map[string]*Order  // by client id
	movedTo   map[string][]Moved // by the new client id
	movedFrom map[string]Moved   // by the old client id

	cancelled []bool            // cancelled by the plan, replaces included
	recovered map[string]string // addresses of unclaimed managed orders, by client id (see recover)

	// The copies that actions point to, allocated once: their capacity is
	// never exceeded, so pointers into them stay valid.
	lives  []LiveOrder
	orders []Order
	cands  []candidate // reused by candidates
}

// copyLive returns a pointer to a copy of l that the plan owns.
func (c *computer) copyLive(l *LiveOrder) *LiveOrder {
	if len(c.lives) == cap(c.lives) {
		x := *l
		return &x
	}
	c.lives = append(c.lives, *l)
	return &c.lives[len(c.lives)-1]
}

// copyOrder returns a pointer to a copy of d that the plan owns.
func (c *computer) copyOrder(d *Order) *Order {
	if len(c.orders) == cap(c.orders) {
		x := *d
		return &x
	}
	c.orders = append(c.orders, *d)
	return &c.orders[len(c.orders)-1]
}

func newComputer(in *Input) *computer {
	c := &computer{
		in: in,
		plan: &Plan{
			FormatVersion: FormatVersion,
			Target:        in.Target,
			Destroy:       in.Destroy,
			Targets:       append([]string(nil), in.Targets...),
			Guard:         in.Guard,
			Actions:       make([]Action, 0, len(in.Desired)+len(in.Live)),
		},
		prefix:    ManagedPrefix(in.Target.Namespace),
		live:      make(map[string]int32, len(in.Live)),
		next:      make([]int32, len(in.Live)),
		consumed:  make([]bool, len(in.Live)),
		cancelled: make([]bool, len(in.Live)),
		lives:     make([]LiveOrder, 0, len(in.Live)+len(in.Desired)),
		orders:    make([]Order, 0, len(in.Desired)),
		desired:   make(map[string]*Order, len(in.Desired)),
		movedTo:   make(map[string][]Moved),
		movedFrom: make(map[string]Moved),
	}
	for i := len(in.Live) - 1; i >= 0; i-- { // backwards, so chains keep input order
		l := &in.Live[i]
		switch {
		case IsManaged(in.Target.Namespace, l.ClientOrderID):
			c.next[i] = -1
			if first, ok := c.live[l.ClientOrderID]; ok {
				c.next[i] = first
			}
			c.live[l.ClientOrderID] = int32(i)
			c.managed = append(c.managed, int32(i))
		case strings.HasPrefix(l.ClientOrderID, "of:"):
			c.plan.Foreign++
		default:
			c.plan.Unmanaged++
		}
	}
	slices.Reverse(c.managed)
	for i := range in.Desired {
		d := &in.Desired[i]
		if prev, ok := c.desired[d.ClientOrderID]; ok {
			c.errorAt(d, "Duplicate client order id",
				fmt.Sprintf("%s and %s have the same client_order_id %s; each order needs its own address.", prev.Address, d.Address, d.ClientOrderID))
			continue
		}
		c.desired[d.ClientOrderID] = d
	}
	for _, m := range in.Moved {
		if d, ok := c.desired[m.FromClientOrderID]; ok {
			r := m.Range
			c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Moved from an address still in use",
				Detail:  fmt.Sprintf("A moved block moves %s to %s, but %s is still in the configuration. Remove the moved block or the old order.", m.From, m.To, d.Address),
				Subject: &r})
			continue
		}
		c.movedTo[m.ToClientOrderID] = append(c.movedTo[m.ToClientOrderID], m)
		c.movedFrom[m.FromClientOrderID] = m
	}
	return c
}

// candidates returns the managed live orders that stand for d: those with its
// client id and those with the client id of an address moved to it.
func (c *computer) candidates(d *Order) []candidate {
	cs := c.cands[:0]
	each := func(coid, movedFrom string) {
		i, ok := c.live[coid]
		for ok && i >= 0 {
			cs = append(cs, candidate{idx: i, live: &c.in.Live[i], movedFrom: movedFrom})
			i = c.next[i]
		}
	}
	each(d.ClientOrderID, "")
	for _, m := range c.movedTo[d.ClientOrderID] {
		each(m.FromClientOrderID, m.From)
	}
	c.cands = cs
	return cs
}

func (c *computer) add(a Action) { c.plan.Actions = append(c.plan.Actions, a) }

func (c *computer) reconcile() {
	for i := range c.in.Desired {
		d := &c.in.Desired[i]
		if c.desired[d.ClientOrderID] != d {
			continue // a duplicate id, already reported
		}
		cs := c.candidates(d)
		for _, cand := range cs {
			c.consumed[cand.idx] = true
		}
		if !c.targeted(d.Address) {
			continue // left as it is, live orders included
		}
		forced := matches(c.in.Replace, d.Address)
		if len(cs) == 0 {
			c.reconcileClosed(d, forced)
			continue
		}
		c.reconcileLive(d, cs, forced)
	}
}

// reconcileClosed handles a desired order with no live order, using its
// history to tell "never placed" from "filled" from "cancelled".
func (c *computer) reconcileClosed(d *Order, forced bool) {
	after := c.copyOrder(d)
	create := Action{Kind: Create, Address: d.Address, ClientOrderID: d.ClientOrderID, After: after}
	h, ok := c.lastClosed(d)
	if !ok {
		if forced {
			create.Why = WhyRequested
			create.Reasons = []string{"replacement requested with -replace"}
		}
		c.add(create)
		return
	}
	create.Prior = c.copyLive(&h)
	note := lastOrderNote(&h, d)
	switch {
	case h.IsLive:
		c.errorAt(d, "Order changed while planning",
			fmt.Sprintf("The history shows order %s of %s as live, but it was not among the active orders read a moment earlier. Run the plan again.", h.OrderID, d.Address))
	case forced:
		create.Why = WhyRequested
		create.Reasons = []string{"replacement requested with -replace"}
		create.Notes = []string{note}
		c.add(create)
	case h.IsCancelled:
		create.Why = WhyCancelledOutside
		create.Reasons = []string{note}
		c.add(create)
	case d.OnFill == "replace":
		create.Why = WhyRefill
		create.Reasons = []string{note + `; on_fill = "replace"`}
		c.add(create)
	default:
		c.add(Action{
			Kind: Filled, Address: d.Address, ClientOrderID: h.ClientOrderID,
			Before: c.copyLive(&h), After: after,
			Notes: []string{note + `; on_fill = "done", so it is not placed again (use -replace to place it again)`},
		})
	}
}

// lastClosed returns the newest closed order of d, its own or that of an
// address moved to it.
func (c *computer) lastClosed(d *Order) (LiveOrder, bool) {
	h, ok := c.in.History[d.ClientOrderID]
	for _, m := range c.movedTo[d.ClientOrderID] {
		if o, found := c.in.History[m.FromClientOrderID]; found && (!ok || o.TimestampMS > h.TimestampMS) {
			h, ok = o, true
		}
	}
	return h, ok
}

// lastOrderNote says how the last order of d ended, hiding the amounts and
// price that d's sensitive attributes would give away.
func lastOrderNote(h *LiveOrder, d *Order) string {
	if h.IsCancelled {
		s := fmt.Sprintf("the last order %s was cancelled", h.OrderID)
		if h.Reason != "" {
			s += " (" + h.Reason + ")"
		}
		if h.ExecutedAmount.IsPositive() {
			s += " after " + fillOf(h, d) + " filled"
		}
		return s
	}
	return fmt.Sprintf("the last order %s filled (%s at %s)", h.OrderID, fillOf(h, d), showValue(d, "price", h.Price))
}

// fillOf is "executed of original" for a live order of d.
func fillOf(l *LiveOrder, d *Order) string {
	if isSensitive(d, "amount") {
		return sensitiveValue + " of " + sensitiveValue
	}
	return fmt.Sprintf("%s of %s", l.ExecutedAmount, l.OriginalAmount)
}

// showValue is v as text, or a stand-in when d's attr is sensitive.
func showValue(d *Order, attr string, v fmt.Stringer) string {
	if isSensitive(d, attr) {
		return sensitiveValue
	}
	return v.String()
}

// reconcileLive handles a desired order with one or more live orders: the
// best match is kept or replaced, the others are cancelled as duplicates.
func (c *computer) reconcileLive(d *Order, cs []candidate, forced bool) {
	diffs := make([][]change, len(cs))
	for i := range cs {
		diffs[i] = diff(cs[i].live, d)
	}
	best := bestCandidate(d, cs, diffs)
	b := cs[best]
	a := Action{Address: d.Address, Before: c.copyLive(b.live), After: c.copyOrder(d), MovedFrom: b.movedFrom}
	if b.live.ExecutedAmount.IsPositive() {
		a.Notes = append(a.Notes, fillOf(b.live, d)+" filled")
	}
	switch {
	case forced || len(diffs[best]) > 0:
		a.Kind, a.ClientOrderID, a.Why = Replace, d.ClientOrderID, WhyChanged
		for _, ch := range diffs[best] {
			a.Changed = append(a.Changed, ch.attr)
			a.Reasons = append(a.Reasons, ch.reason(d))
		}
		if forced {
			a.Why = WhyRequested
			a.Reasons = append(a.Reasons, "replacement requested with -replace")
		}
		if b.live.ExecutedAmount.IsPositive() {
			a.Notes[0] += "; the replacement is placed for the full amount " + showValue(d, "amount", d.Amount)
		}
		if b.movedFrom != "" {
			a.Notes = append(a.Notes, fmt.Sprintf("moved from %s; the new order gets the client_order_id of %s", b.movedFrom, d.Address))
		}
		c.noteCancel(b.idx, d)
	default:
		a.Kind, a.ClientOrderID = NoOp, b.live.ClientOrderID
		if b.movedFrom != "" {
			a.Notes = append(a.Notes, fmt.Sprintf("moved from %s; the live order keeps its client_order_id %s, so keep the moved block while it lives", b.movedFrom, b.live.ClientOrderID))
		}
	}
	c.add(a)
	for i := range cs {
		if i == best {
			continue
		}
		what := "kept"
		if a.Kind == Replace {
			what = "replaced"
		}
		c.add(Action{
			Kind: Cancel, Address: d.Address, ClientOrderID: cs[i].live.ClientOrderID, Before: c.copyLive(cs[i].live),
			Why: WhyDuplicate, MovedFrom: cs[i].movedFrom, Sensitive: d.Sensitive,
			Reasons: []string{fmt.Sprintf("duplicate of order %s, which is %s", b.live.OrderID, what)},
		})
		c.noteCancel(cs[i].idx, d)
	}
}

func (c *computer) errorAt(d *Order, summary, detail string) {
	r := d.Range
	c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: &r})
}

// errorAtAttr points at the attribute the check refuses when the order
// knows its range, and at the order block otherwise.
func (c *computer) errorAtAttr(d *Order, attr, summary, detail string) {
	r, ok := d.Ranges[attr]
	if !ok {
		r = d.Range
	}
	c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: &r, Context: &d.Range})
}
