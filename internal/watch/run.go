package watch

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"orderform/spec"
)

// Cycle outcomes, as events, metrics and /healthz report them.
const (
	OutcomeCycleOK      = "ok"      // the plan's changes were made (or there were none)
	OutcomeCycleLimited = "limited" // a churn limit held changes back; the rest were made
	// Failure kinds are outcomes too: "failed", "config_error",
	// "refused", "key_error".
)

// cycleResult is one cycle as the Watcher saw it.
type cycleResult struct {
	seq      int
	trigger  string
	start    time.Time
	end      time.Time
	report   Report
	err      error
	outcome  string
	hits     []Hit
	changed  bool // the configuration digest differs from the last cycle's
	granted  *Allowance
	overrun  []string // limits the cycle went past (a bug in the cycle)
	notional map[string]decimal.Decimal
}

// cycle runs one cycle and accounts for it. It returns non-nil when watch
// must stop.
func (w *Watcher) cycle(ctx context.Context, trigger string) *StopError {
	w.seq++
	r := cycleResult{seq: w.seq, trigger: trigger, start: w.clock.Now()}
	req := &Request{Seq: w.seq, Trigger: trigger}
	req.grant = func(s spec.Watch) *Allowance {
		w.settings = s
		w.load()
		r.granted = w.limiter.Grant(w.clock.Now(), s)
		return r.granted
	}
	// Shutdown must not cut a cycle short: it finishes what it started.
	r.report, r.err = w.opts.Cycle(context.WithoutCancel(ctx), req)
	r.end = w.clock.Now()
	w.countCalls(r.end, r.report.Calls)
	w.account(&r)
	w.save()
	w.outcome(&r)
	w.record(&r)
	switch {
	case r.outcome == string(KeyRejected):
		return &StopError{Reason: "key_error", Err: r.err}
	case r.outcome == string(Transient) && w.failures >= w.settings.MaxConsecutiveFailures:
		return &StopError{
			Reason: "failures",
			Err:    fmt.Errorf("%d cycles failed in a row (max_consecutive_failures = %d); last: %w", w.failures, w.settings.MaxConsecutiveFailures, r.err),
		}
	}
	return nil
}

// load replaces the counts with the Store's, when it holds any: they
// include this process's (saved after each cycle) and a previous run's.
func (w *Watcher) load() {
	if w.opts.Store == nil {
		return
	}
	l, err := w.opts.Store.Load()
	switch {
	case err != nil:
		w.out.notice(w.clock.Now(), "store", "churn limit counts not loaded (this run's own still count): "+err.Error())
	case l != nil:
		w.limiter.records = l.records
	}
}

func (w *Watcher) save() {
	if w.opts.Store == nil {
		return
	}
	if err := w.opts.Store.Save(w.limiter); err != nil {
		w.out.notice(w.clock.Now(), "store", "churn limit counts not saved (a restart would forget them): "+err.Error())
	}
}

// account counts what the cycle sent against the churn limits and checks
// it kept to its allowance.
func (w *Watcher) account(r *cycleResult) {
	r.notional = map[string]decimal.Decimal{}
	places, cancels := 0, 0
	for _, a := range r.report.Actions {
		if !a.Sent() {
			continue
		}
		w.limiter.Record(r.end, a)
		switch a.Kind {
		case KindPlace:
			places++
			if a.Currency != "" {
				r.notional[a.Currency] = r.notional[a.Currency].Add(a.Notional)
			}
		case KindCancel:
			if !a.Unplanned {
				cancels++
			}
		}
	}
	g := r.granted
	if g == nil {
		g = &Allowance{} // no grant: nothing was allowed
		if places+cancels > 0 {
			r.overrun = append(r.overrun, "sent without a grant")
		}
		return
	}
	r.hits = g.Hits()
	placed, cancelled := 0, 0
	for _, c := range g.taken {
		if c.Place {
			placed++
		}
		if c.Cancel {
			cancelled++
		}
	}
	if places > placed {
		r.overrun = append(r.overrun, fmt.Sprintf("%d placements sent, %d granted", places, placed))
	}
	if cancels > cancelled {
		r.overrun = append(r.overrun, fmt.Sprintf("%d cancels sent, %d granted", cancels, cancelled))
	}
}

// outcome classifies the cycle and moves the failure count.
func (w *Watcher) outcome(r *cycleResult) {
	if d := r.report.ConfigDigest; d != "" {
		r.changed = w.digest != "" && d != w.digest
		w.digest = d
	}
	failedActions := 0
	for _, a := range r.report.Actions {
		if a.Outcome == OutcomeFailed || a.Outcome == OutcomeUnknown {
			failedActions++
		}
	}
	switch {
	case r.err != nil:
		r.outcome = string(kindOf(r.err))
	case failedActions > 0:
		r.outcome = string(Transient)
		r.err = fmt.Errorf("%d of the cycle's actions failed", failedActions)
	case len(r.hits) > 0:
		r.outcome = OutcomeCycleLimited
	default:
		r.outcome = OutcomeCycleOK
	}
	if r.outcome == string(Transient) {
		w.failures++
	} else if r.outcome == OutcomeCycleOK || r.outcome == OutcomeCycleLimited {
		w.failures = 0
	}
}

// record reports the cycle: events, metrics, health.
func (w *Watcher) record(r *cycleResult) {
	m := w.metrics
	m.cycles.WithLabelValues(r.outcome).Inc()
	m.lastCycle.Set(float64(r.end.UnixNano()) / 1e9)
	m.consecutive.Set(float64(w.failures))
	for _, a := range r.report.Actions {
		m.actions.WithLabelValues(a.Kind, a.Outcome).Inc()
		if a.Kind == KindPlace && a.Sent() && a.Currency != "" {
			f, _ := a.Notional.Float64() // a metric, not money: never fed back
			m.notional.WithLabelValues(a.Currency).Add(f)
		}
	}
	seen := map[string]bool{}
	for _, h := range r.hits {
		if !seen[h.Limit] {
			seen[h.Limit] = true
			m.limitHits.WithLabelValues(h.Limit).Inc()
		}
	}
	ok := r.outcome == OutcomeCycleOK || r.outcome == OutcomeCycleLimited
	if ok {
		m.lastSuccess.Set(float64(r.end.UnixNano()) / 1e9)
	} else {
		m.failures.WithLabelValues(r.outcome).Inc()
	}
	if len(r.overrun) > 0 {
		m.overruns.Inc()
	}
	next := w.delay()
	w.mu.Lock()
	h := &w.health
	h.Cycles = r.seq
	h.LastCycle = r.end
	h.Outcome = r.outcome
	h.Error = ""
	if r.err != nil {
		h.Error = r.err.Error()
	}
	h.ConsecutiveFailures = w.failures
	h.ConfigDigest = w.digest
	h.Limits = r.hits
	if ok {
		h.LastSuccess = r.end
		h.Status = StatusOK
	} else {
		h.Status = StatusFailing
	}
	w.mu.Unlock()
	for _, a := range r.report.Actions {
		w.out.action(r.end, r.seq, a, false)
	}
	w.out.limits(r.end, r.seq, r.hits)
	w.out.cycle(r, w.failures, next)
}
