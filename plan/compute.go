package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// IDPrefix starts the client order id of every order orderform places,
// whatever its namespace.
const IDPrefix = "of:"

// ManagedPrefix returns the client_order_id prefix of a namespace's orders.
func ManagedPrefix(namespace string) string { return IDPrefix + namespace + ":" }

// IsManaged reports whether clientOrderID is, byte for byte, an id orderform
// makes for namespace: the prefix and 16 lowercase hex digits, nothing before or
// after (docs/safety.md, "Ownership and namespaces"). An id that merely starts
// with the prefix, or differs by a space, belongs to someone else and is never
// touched.
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

	warnedMoved map[string]bool // moved blocks (by From) already flagged as needed

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

		warnedMoved: map[string]bool{},
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
		case strings.HasPrefix(l.ClientOrderID, IDPrefix):
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
// history to tell "never placed" from "filled" from "cancelled", and to
// place what is left of a partly filled cycle (fills.go).
func (c *computer) reconcileClosed(d *Order, forced bool) {
	after := c.copyOrder(d)
	create := Action{Kind: Create, Address: d.Address, ClientOrderID: d.ClientOrderID, After: after}
	hist, movedFrom := c.history(d)
	if len(hist) == 0 {
		if forced {
			create.Why = WhyRequested
			create.Reasons = []string{"replacement requested with -replace"}
		} else {
			c.noteOtherFills(&create, d)
		}
		c.add(create)
		return
	}
	h := hist[len(hist)-1] // the newest
	create.Prior = c.copyLive(h)
	if h.IsLive {
		c.errorAt(d, "Order changed while planning",
			fmt.Sprintf("The history shows order %s of %s as live, but it was not among the active orders read a moment earlier. Run the plan again.", h.OrderID, d.Address))
		return
	}
	st := scan(hist, d, nil)
	amount, left := c.amountAfterFills(d, st.filled)
	if d.OnFill != "replace" && !forced && (st.completed != nil || !left) {
		c.filled(d, after, st, hist, movedFrom)
		return
	}
	switch {
	case forced:
		create.Why = WhyRequested
		create.Reasons = []string{"replacement requested with -replace"}
		create.Notes = []string{lastOrderNote(h, d)}
	case st.completed != nil && !st.filled.IsPositive():
		// A fill ended the last cycle; what came after it (a duplicate
		// cancelled, say) filled nothing.
		create.Why = WhyRefill
		create.Reasons = []string{completedNote(st.completed, d, hist) + `; on_fill = "replace"`}
	case h.IsCancelled:
		create.Why = WhyCancelledOutside
		create.Reasons = []string{lastOrderNote(h, d)}
	default:
		create.Why = WhyRefill
		create.Reasons = []string{lastOrderNote(h, d) + `; on_fill = "replace"`}
	}
	if !left {
		amount = d.Amount // the cycle is complete: the next one starts
	}
	if st.filled.IsPositive() && left {
		create.Fill = c.fill(d, st)
		create.Notes = append(create.Notes, fillNote(d, create.Fill, amount))
	}
	after.Amount = amount
	c.noteMoved(&create, d, st.orders, nil, movedFrom)
	c.add(create)
}

// filled adds the action of an address with on_fill = "done" whose cycle is
// complete: an order filled, or the fills reach the declared amount (or
// leave less than the symbol's minimum).
func (c *computer) filled(d, after *Order, st cycle, hist []*LiveOrder, movedFrom map[string]string) {
	a := Action{Kind: Filled, Address: d.Address, After: after}
	if o := st.completed; o != nil {
		a.ClientOrderID, a.Before = o.ClientOrderID, c.copyLive(o)
		note := completedNote(o, d, hist)
		if !filledCompletely(o) {
			note = fmt.Sprintf("the orders of this address filled %s of %s", amountOf(d, filledSum(hist)), amountOf(d, d.Amount))
		}
		a.Notes = []string{note + `; on_fill = "done", so it is not placed again (use -replace to place it again)`}
		c.noteMoved(&a, d, nil, o, movedFrom)
	} else {
		last := hist[len(hist)-1]
		a.ClientOrderID, a.Before = last.ClientOrderID, c.copyLive(last)
		a.Fill = c.fill(d, st)
		a.Notes = []string{fmt.Sprintf("%s of %s has filled (%s); the remaining %s is below the minimum order amount of %s, so nothing is placed",
			amountOf(d, st.filled), amountOf(d, d.Amount), ordersList(st.orders), amountOf(d, d.Amount.Sub(st.filled)), d.Symbol)}
		c.noteMoved(&a, d, st.orders, nil, movedFrom)
	}
	c.add(a)
}

// fill describes the current cycle's fills for an action.
func (c *computer) fill(d *Order, st cycle) *Fill {
	return &Fill{Declared: d.Amount, Filled: st.filled, Rule: replaceRule(d), Orders: slices.Clone(st.orders)}
}

// noteMoved flags, on a and as a warning on the moved block, a moved block
// whose old address's fills decide a: the orders whose fills count (ids),
// or the one that completed the cycle.
func (c *computer) noteMoved(a *Action, d *Order, ids []string, completed *LiveOrder, movedFrom map[string]string) {
	from := ""
	if completed != nil {
		from = movedFrom[completed.OrderID]
	}
	for _, id := range ids {
		if from == "" {
			from = movedFrom[id]
		}
	}
	if from == "" {
		return
	}
	if a.MovedFrom == "" {
		a.MovedFrom = from
	}
	what := "what it filled there counts toward this order's amount"
	if completed != nil {
		what = "its fill there is why this order is not placed again"
	}
	a.Notes = append(a.Notes, fmt.Sprintf("moved from %s: %s only through the moved block, so keep the block (without it %s would be placed again in full)", from, what, d.Address))
	// Every block that leads to d is one link of one chain (a move's
	// destination has one source): from's fills reach d only through all of
	// them, so each is flagged, not only the first.
	for _, m := range c.movedTo[d.ClientOrderID] {
		if c.warnedMoved[m.From] {
			continue
		}
		c.warnedMoved[m.From] = true
		r := m.Range
		detail := fmt.Sprintf("Orders placed under %s have filled, and only this moved block tells orderform that they count for %s. "+
			"Removed, the next plan would see %s as never filled and place it again. Keep the block for as long as the configuration declares %s.",
			m.From, d.Address, d.Address, d.Address)
		if m.From != from {
			detail = fmt.Sprintf("Orders placed under %s have filled, and they count for %s through a chain of moved blocks; this one, from %s, is a link of it. "+
				"Removed, the chain breaks and the next plan would see %s as never filled and place it again. Keep every block of the chain for as long as the configuration declares %s.",
				from, d.Address, m.From, d.Address, d.Address)
		}
		c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Keep this moved block", Detail: detail, Subject: &r})
	}
}

// cycleWith scans d's history and its live orders (cs), oldest first, with
// the best live order as the one whose cycle is current (scan's keepFrom).
func (c *computer) cycleWith(d *Order, hist []*LiveOrder, cs []candidate, best int) cycle {
	orders := slices.Clone(hist)
	for i := range cs {
		// An order that closed between the book's read and the history's
		// is in both: its closed state is the later news.
		if !slices.ContainsFunc(hist, func(h *LiveOrder) bool { return h.OrderID == cs[i].live.OrderID }) {
			orders = append(orders, cs[i].live)
		}
	}
	sortByPlacement(orders)
	return scan(orders, d, cs[best].live)
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
