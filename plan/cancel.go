package plan

import (
	"fmt"
	"slices"
	"strings"
)

// noteCancel records that live order i is cancelled and checks
// prevent_cancel.
func (c *computer) noteCancel(i int32, d *Order) {
	c.cancelled[i] = true
	live := &c.in.Live[i]
	switch {
	case d == nil || !d.PreventCancel:
	case c.in.Destroy:
		c.errorAt(d, "Order is protected by prevent_cancel",
			fmt.Sprintf("Destroying cancels every order of the namespace, but %s (order %s, %s) has prevent_cancel = true in its lifecycle block, so nothing is cancelled. Remove prevent_cancel to allow it, or destroy the other orders alone with -target.", d.Address, live.OrderID, live.ClientOrderID))
	default:
		c.errorAt(d, "Order is protected by prevent_cancel",
			fmt.Sprintf("This plan would cancel order %s (%s) of %s, but its lifecycle block sets prevent_cancel = true. Change the configuration back, or remove prevent_cancel to allow it.", live.OrderID, live.ClientOrderID, d.Address))
	}
}

// destroy cancels every managed live order (within the targets).
func (c *computer) destroy() {
	c.recoverLeftovers(c.managed)
	for _, i := range c.managed {
		l := &c.in.Live[i]
		addr, d := c.addressOf(l)
		if addr == "" {
			addr = c.recovered[l.ClientOrderID]
		}
		c.consumed[i] = true
		if len(c.in.Targets) > 0 && (addr == "" || !matches(c.in.Targets, addr)) {
			continue
		}
		a := Action{Kind: Cancel, Address: addr, ClientOrderID: l.ClientOrderID, Before: c.copyLive(l), Why: WhyDestroy}
		if d != nil {
			a.Sensitive = d.Sensitive
		}
		c.add(a)
		c.noteCancel(i, d)
		if d == nil {
			c.checkRemoved(l, addr)
		}
	}
}

// addressOf returns the address of a managed live order when the
// configuration still knows it, and the desired order if there is one.
func (c *computer) addressOf(l *LiveOrder) (string, *Order) {
	if d, ok := c.desired[l.ClientOrderID]; ok {
		return d.Address, d
	}
	if m, ok := c.movedFrom[l.ClientOrderID]; ok {
		if d, ok := c.desired[m.ToClientOrderID]; ok {
			return d.Address, d
		}
		return m.From, nil
	}
	return "", nil
}

// cancelLeftovers cancels the managed live orders that no desired order
// claimed. With -target, only those whose address is known and targeted.
func (c *computer) cancelLeftovers() {
	var left []int32
	for _, i := range c.managed {
		if !c.consumed[i] {
			left = append(left, i)
		}
	}
	c.recoverLeftovers(left)
	for _, i := range left {
		l := &c.in.Live[i]
		addr, _ := c.addressOf(l)
		if addr == "" {
			addr = c.recovered[l.ClientOrderID]
		}
		if len(c.in.Targets) > 0 && (addr == "" || !matches(c.in.Targets, addr)) {
			continue
		}
		c.add(Action{Kind: Cancel, Address: addr, ClientOrderID: l.ClientOrderID, Before: c.copyLive(l), Why: WhyNotInConfig,
			Reasons: []string{"not in configuration"}})
		c.noteCancel(i, nil)
		c.checkRemoved(l, addr)
	}
}

// sortActions orders actions by address (CompareAddresses), then client id, then order id. It
// sorts indices and permutes once, as actions are large to swap.
func sortActions(as []Action) {
	idx := make([]int, len(as))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(i, j int) int {
		a, b := &as[i], &as[j]
		if c := CompareAddresses(a.Address, b.Address); c != 0 {
			return c
		}
		if c := strings.Compare(a.ClientOrderID, b.ClientOrderID); c != 0 {
			return c
		}
		if x, y := liveID(a), liveID(b); x != y {
			if orderIDLess(x, y) {
				return -1
			}
			return 1
		}
		return i - j
	})
	sorted := make([]Action, len(as))
	for k, i := range idx {
		sorted[k] = as[i]
	}
	copy(as, sorted)
}

func liveID(a *Action) string {
	if a.Before == nil {
		return ""
	}
	return a.Before.OrderID
}

// orderIDLess orders numeric ids by value: shorter first, then lexically.
func orderIDLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
