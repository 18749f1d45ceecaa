package apply

import (
	"sync"
	"time"

	"orderform/plan"
)

// Meter follows an apply from its events: how many of the plan's actions
// are done out of how many, how fast they go, and about how long the rest
// will take. Its clock is injected, so a test drives it with a fake one.
// A view polls Snapshot to draw a progress line; Meter itself prints
// nothing.
//
// An action is done at its last event: the Complete of its last step (a
// replace has two, cancel then place) or an Errored of any step (a step
// that fails or is skipped ends its action). Verification's events, and the
// Complete that adopts an order whose outcome was unknown, do not count.
type Meter struct {
	now   func() time.Time
	total int

	mu      sync.Mutex
	started time.Time // the first step's Start; zero before
	done    int
	failed  int // of done: failed, skipped or unknown
}

// NewMeter returns the meter of an apply of p. now is the clock (nil:
// time.Now).
func NewMeter(p *plan.Plan, now func() time.Time) *Meter {
	if now == nil {
		now = time.Now
	}
	m := &Meter{now: now}
	if p != nil {
		for _, a := range p.Actions {
			switch a.Kind {
			case plan.Create, plan.Cancel, plan.Replace:
				m.total++
			}
		}
	}
	return m
}

// Hooks returns hooks that feed the meter and then call next's.
func (m *Meter) Hooks(next Hooks) Hooks {
	then := func(f func(Event)) func(Event) {
		return func(ev Event) {
			if f != nil {
				f(ev)
			}
		}
	}
	h := next
	h.Start = func(ev Event) { m.observe(&ev, false, false); then(next.Start)(ev) }
	h.Complete = func(ev Event) { m.observe(&ev, true, false); then(next.Complete)(ev) }
	h.Errored = func(ev Event) { m.observe(&ev, true, true); then(next.Errored)(ev) }
	return h
}

// observe counts an event, and sets Done and Total on the one that ends an
// action; end is set for Complete and Errored, failed for Errored.
func (m *Meter) observe(ev *Event, end, failed bool) {
	if ev.Action != StepPlace && ev.Action != StepCancel {
		return // verification, the send-time check, duplicates
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.started.IsZero() {
		m.started = m.now()
	}
	switch {
	case !end, ev.Outcome == StatusAdopted:
		return
	case !failed && ev.Kind == plan.Replace && ev.Action == StepCancel:
		return // the first half of a replace
	}
	if m.done < m.total {
		m.done++
		if failed {
			m.failed++
		}
	}
	ev.Done, ev.Total = m.done, m.total
}

// MeterState is the progress of an apply at one moment.
type MeterState struct {
	Done    int           // actions done, however they ended
	Failed  int           // of Done: failed, skipped or unknown
	Total   int           // actions to carry out
	Elapsed time.Duration // since the first step started
	// Rate is actions done per second, over the whole run so far; zero
	// until one is done.
	Rate float64
	// Left estimates the time the remaining actions take at Rate; zero
	// when Rate is, or when everything is done.
	Left time.Duration
}

// Snapshot returns the progress now. It may be called from any goroutine.
func (m *Meter) Snapshot() MeterState {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := MeterState{Done: m.done, Failed: m.failed, Total: m.total}
	if m.started.IsZero() {
		return s
	}
	s.Elapsed = m.now().Sub(m.started)
	if s.Done > 0 && s.Elapsed > 0 {
		s.Rate = float64(s.Done) / s.Elapsed.Seconds()
		s.Left = time.Duration(float64(s.Total-s.Done) / s.Rate * float64(time.Second)).Round(time.Second)
	}
	return s
}
