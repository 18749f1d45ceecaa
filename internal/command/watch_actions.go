package command

import (
	"sync"

	"orderform/apply"
	"orderform/internal/watch"
	"orderform/plan"
)

// actionCollector turns apply's events into watch actions: a step that
// started was sent (and counts against the limits, whatever the answer);
// one that never started was not.
type actionCollector struct {
	mu      sync.Mutex
	byKey   map[string]*plan.Action
	rules   map[string]plan.SymbolRules
	started map[string]int // step key -> index in out
	out     []watch.Action
}

func newActionCollector(p *plan.Plan, rules map[string]plan.SymbolRules) *actionCollector {
	c := &actionCollector{byKey: map[string]*plan.Action{}, rules: rules, started: map[string]int{}}
	for i := range p.Actions {
		a := &p.Actions[i]
		c.byKey[a.Address+"\x00"+a.ClientOrderID] = a
	}
	return c
}

func stepKey(ev apply.Event) string {
	return ev.Action + "\x00" + ev.Address + "\x00" + ev.ClientOrderID
}

func (c *actionCollector) action(ev apply.Event) watch.Action {
	a := watch.Action{Kind: watch.KindCancel, Address: ev.Address, ClientOrderID: ev.ClientOrderID, OrderID: ev.OrderID,
		Unplanned: ev.Action == apply.StepCancelDuplicate}
	pa := c.byKey[ev.Address+"\x00"+ev.ClientOrderID]
	if ev.Action == apply.StepPlace {
		a.Kind = watch.KindPlace
		if pa != nil && pa.After != nil {
			a.Symbol, a.Side, a.Price, a.Amount = pa.After.Symbol, pa.After.Side, pa.After.Price, pa.After.Amount
			a.Currency = c.rules[a.Symbol].Quote
			a.Notional = a.Price.Mul(a.Amount)
		}
	} else if pa != nil && pa.Before != nil {
		b := pa.Before
		a.Symbol, a.Side, a.Price, a.Amount = b.Symbol, b.Side, b.Price, b.RemainingAmount
		if a.OrderID == "" {
			a.OrderID = b.OrderID
		}
	}
	return a
}

func (c *actionCollector) hooks() apply.Hooks {
	sendStep := func(ev apply.Event) bool {
		return ev.Action == apply.StepPlace || ev.Action == apply.StepCancel || ev.Action == apply.StepCancelDuplicate
	}
	end := func(ev apply.Event, ok bool) {
		if !sendStep(ev) {
			return
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		i, started := c.started[stepKey(ev)]
		if !started {
			if ev.Outcome == apply.StatusAdopted && ev.Action == apply.StepPlace {
				return // verification found a lost placement: already counted as sent
			}
			a := c.action(ev) // never sent: a send-time check or an interrupt held it
			a.Outcome = watch.OutcomeSkipped
			a.Error = errText(ev)
			c.out = append(c.out, a)
			return
		}
		delete(c.started, stepKey(ev))
		a := &c.out[i]
		if ev.OrderID != "" {
			a.OrderID = ev.OrderID
		}
		switch {
		case ok:
			a.Outcome = watch.OutcomeOK
		case ev.Outcome == apply.StatusUnknown:
			a.Outcome, a.Error = watch.OutcomeUnknown, errText(ev)
		default:
			a.Outcome, a.Error = watch.OutcomeFailed, errText(ev)
		}
	}
	return apply.Hooks{
		Start: func(ev apply.Event) {
			if !sendStep(ev) {
				return
			}
			c.mu.Lock()
			defer c.mu.Unlock()
			a := c.action(ev)
			a.Outcome = watch.OutcomeUnknown // until its answer
			c.started[stepKey(ev)] = len(c.out)
			c.out = append(c.out, a)
		},
		Complete: func(ev apply.Event) { end(ev, true) },
		Errored:  func(ev apply.Event) { end(ev, false) },
	}
}

func errText(ev apply.Event) string {
	if ev.Err != nil {
		return ev.Err.Error()
	}
	return ev.Message
}

func (c *actionCollector) actions() []watch.Action {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]watch.Action(nil), c.out...)
}
