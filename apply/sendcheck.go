package apply

import (
	"fmt"
	"sort"
	"strings"

	"orderform/plan"
)

// checkAtSend reads the market once, right before the first request, and
// runs the plan's per-order checks (plan.Recheck) on every placement again:
// the market may have moved while a saved plan waited or the prompt was
// open. A placement that now fails is not sent and fails with the reason
// and the market as read; a replace's cancel is then not sent either (the
// caller leaves out every job that is no longer pending). A warning (a
// maker-or-cancel order that would take) is reported and the order sent.
// When the market cannot be read no placement is sent.
func (r *runner) checkAtSend(p *plan.Plan, jobs []*job) {
	needs := plan.NeedsOf(p)
	if len(needs.Rules) == 0 || r.stopped() {
		return
	}
	o := r.begin(Event{Action: StepCheck})
	m, err := r.opts.Market(r.ctx, needs)
	if err != nil && r.stopped() {
		// Interrupted while reading: nothing is sent, and each step is
		// reported skipped by the interrupt, not refused.
		o.end(StatusSkipped, "", "interrupted while reading the market", err)
		return
	}
	if err != nil {
		o.end(StatusFailed, "", "could not read the market: "+err.Error(), err)
		reason := fmt.Sprintf("not sent: the market could not be read right before sending, so the guards and symbol rules could not be checked again: %v", err)
		for _, j := range jobs {
			if j.res.Status == statusPending && j.a.After != nil && j.a.Kind != plan.Cancel {
				r.refuse(j, reason)
			}
		}
		return
	}
	findings := plan.Recheck(p, m)
	refused := map[int][]string{}
	var order []int
	var warnings []Event
	for _, f := range findings {
		j := jobs[f.Action]
		if j.res.Status != statusPending {
			continue
		}
		if !f.Error {
			j.res.Note = join(j.res.Note, f.Summary+": "+f.Detail)
			warnings = append(warnings, Event{Address: j.a.Address, ClientOrderID: j.res.ClientOrderID, Kind: j.a.Kind, Action: StepCheck,
				Message: f.Summary + ": " + f.Detail})
			continue
		}
		if refused[f.Action] == nil {
			order = append(order, f.Action)
		}
		refused[f.Action] = append(refused[f.Action], f.Summary+": "+f.Detail)
	}
	msg := describeMarket(m)
	if n := len(order); n > 0 {
		msg = join(msg, fmt.Sprintf("%d placement%s refused", n, map[bool]string{true: "", false: "s"}[n == 1]))
	}
	o.end(StatusChecked, "", msg, nil)
	for _, ev := range warnings {
		r.hooks.warn(ev)
	}
	for _, i := range order {
		j := jobs[i]
		reason := "not sent (checked again right before sending): " + strings.Join(refused[i], " ")
		if t, ok := m.Tickers[strings.ToLower(j.a.After.Symbol)]; ok {
			reason += fmt.Sprintf(" Market now: %s bid %s, ask %s.", strings.ToLower(j.a.After.Symbol), t.Bid, t.Ask)
		}
		if j.a.Kind == plan.Replace {
			reason += fmt.Sprintf(" The old order %s was left as it was.", j.a.Before.OrderID)
		}
		r.refuse(j, reason)
	}
}

// refuse fails a placement (and its replace's cancel) that is not sent.
func (r *runner) refuse(j *job, reason string) {
	j.res.Status = StatusFailed
	j.res.Reason = reason
	j.res.Next = "the market or the symbol's rules changed since the plan was made; run `orderform plan` to see what the configuration gives now"
	r.hooks.errored(Event{Address: j.a.Address, ClientOrderID: j.res.ClientOrderID, Kind: j.a.Kind, Action: StepPlace, Outcome: StatusFailed, Message: reason})
}

// describeMarket names the bid and ask read for each symbol.
func describeMarket(m plan.Market) string {
	syms := make([]string, 0, len(m.Tickers))
	for s := range m.Tickers {
		syms = append(syms, s)
	}
	sort.Strings(syms)
	parts := make([]string, len(syms))
	for i, s := range syms {
		parts[i] = fmt.Sprintf("%s bid %s, ask %s", s, m.Tickers[s].Bid, m.Tickers[s].Ask)
	}
	return strings.Join(parts, "; ")
}
