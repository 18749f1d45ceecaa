package watch

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/shopspring/decimal"

	"orderform/spec"
)

// The windows of the churn limits. They slide: "per minute" is any 60
// seconds, "per day" any 24 hours, on the Watcher's clock.
const (
	Minute = time.Minute
	Day    = 24 * time.Hour
)

// Limiter remembers what watch sent in the last day and grants each cycle
// what the configuration's watch block still allows. It counts what a
// cycle reports it actually sent, not what it was granted, so a cycle that
// did less leaves the rest for the next one and an overrun (which the
// grant forbids) still counts.
type Limiter struct {
	records []record // oldest first, none older than a day
}

type record struct {
	At       time.Time       `json:"at"`
	Kind     string          `json:"kind"` // KindPlace or KindCancel
	Currency string          `json:"currency,omitempty"`
	Notional decimal.Decimal `json:"notional"`
}

// limiterFile is a Limiter as JSON: what a Store keeps.
type limiterFile struct {
	FormatVersion string   `json:"format_version"`
	Records       []record `json:"records"`
}

// MarshalJSON writes the actions of the last day.
func (l *Limiter) MarshalJSON() ([]byte, error) {
	return json.Marshal(limiterFile{FormatVersion: "1", Records: append([]record{}, l.records...)})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (l *Limiter) UnmarshalJSON(b []byte) error {
	var f limiterFile
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	if f.FormatVersion != "1" {
		return fmt.Errorf("churn limit counts of format %q, want \"1\"", f.FormatVersion)
	}
	sort.SliceStable(f.Records, func(i, j int) bool { return f.Records[i].At.Before(f.Records[j].At) })
	l.records = f.Records
	return nil
}

// Store keeps the churn limits' counts outside the process, so that a
// restart does not forget what the day's window holds. Load returns nil
// when it holds nothing yet.
type Store interface {
	Load() (*Limiter, error)
	Save(*Limiter) error
}

// Record counts one action sent at t; one that was not sent (Sent is
// false) does not count.
func (l *Limiter) Record(t time.Time, a Action) {
	if !a.Sent() {
		return
	}
	l.records = append(l.records, record{At: t, Kind: a.Kind, Currency: a.Currency, Notional: a.Notional})
	sort.SliceStable(l.records, func(i, j int) bool { return l.records[i].At.Before(l.records[j].At) })
}

// prune drops what has left the day's window.
func (l *Limiter) prune(now time.Time) {
	i := 0
	for i < len(l.records) && !l.records[i].At.After(now.Add(-Day)) {
		i++
	}
	l.records = l.records[i:]
}

// Used returns how many actions of kind were sent in the window ending now.
func (l *Limiter) Used(now time.Time, kind string, window time.Duration) int {
	n := 0
	for _, r := range l.records {
		if r.Kind == kind && r.At.After(now.Add(-window)) {
			n++
		}
	}
	return n
}

// Notional returns the notional placed in currency in the last day.
func (l *Limiter) Notional(now time.Time, currency string) decimal.Decimal {
	sum := decimal.Zero
	for _, r := range l.records {
		if r.Kind == KindPlace && r.Currency == currency && r.At.After(now.Add(-Day)) {
			sum = sum.Add(r.Notional)
		}
	}
	return sum
}

// freeAt returns when the window's count of kind drops below limit: when
// the oldest action that keeps it at the limit leaves the window. extra
// counts actions about to be sent at now.
func (l *Limiter) freeAt(now time.Time, kind string, window time.Duration, limit, extra int) time.Time {
	var in []time.Time
	for _, r := range l.records {
		if r.Kind == kind && r.At.After(now.Add(-window)) {
			in = append(in, r.At)
		}
	}
	for range extra {
		in = append(in, now)
	}
	if len(in) < limit {
		return now
	}
	return in[len(in)-limit].Add(window)
}

// notionalFreeAt returns when enough of currency's notional leaves the
// day's window for need more to fit under limit.
func (l *Limiter) notionalFreeAt(now time.Time, currency string, limit, need decimal.Decimal) time.Time {
	used := l.Notional(now, currency)
	for _, r := range l.records {
		if used.Add(need).LessThanOrEqual(limit) {
			return now
		}
		if r.Kind == KindPlace && r.Currency == currency && r.At.After(now.Add(-Day)) {
			used = used.Sub(r.Notional)
			if used.Add(need).LessThanOrEqual(limit) {
				return r.At.Add(Day)
			}
		}
	}
	return now
}

// Grant returns what a cycle may send now under w.
func (l *Limiter) Grant(now time.Time, w spec.Watch) *Allowance {
	l.prune(now)
	a := &Allowance{limiter: l, now: now, settings: w}
	a.Placements = l.quota(now, KindPlace, w.MaxPlacementsPerMinute, w.MaxPlacementsPerDay,
		"max_placements_per_minute", "max_placements_per_day")
	a.Cancels = l.quota(now, KindCancel, w.MaxCancelsPerMinute, w.MaxCancelsPerDay,
		"max_cancels_per_minute", "max_cancels_per_day")
	a.Notional = map[string]decimal.Decimal{}
	for cur, max := range w.MaxNotionalPerDay {
		left := max.Sub(l.Notional(now, cur))
		if left.IsNegative() {
			left = decimal.Zero
		}
		a.Notional[cur] = left
	}
	return a
}

// Quota is what is left of a count limit: the tighter of its minute's and
// its day's.
type Quota struct {
	Left  int
	Limit string // the binding limit's attribute, e.g. "max_placements_per_minute"
	Value int    // its value
	Used  int    // actions in its window
	Until time.Time

	kind   string
	window time.Duration
}

func (l *Limiter) quota(now time.Time, kind string, perMinute, perDay int, minuteName, dayName string) Quota {
	usedM, usedD := l.Used(now, kind, Minute), l.Used(now, kind, Day)
	m := Quota{Left: max(perMinute-usedM, 0), Limit: minuteName, Value: perMinute, Used: usedM, kind: kind, window: Minute}
	d := Quota{Left: max(perDay-usedD, 0), Limit: dayName, Value: perDay, Used: usedD, kind: kind, window: Day}
	q := m
	if d.Left < m.Left || (d.Left == m.Left && d.Left == 0) {
		q = d
	}
	if q.Left == 0 {
		q.Until = l.freeAt(now, kind, q.window, q.Value, 0)
	}
	return q
}

// exhausted describes q once a cycle has used it up: taken more of its
// kind were granted in this cycle, at now.
func (a *Allowance) exhausted(q Quota, taken int) *Hit {
	until := q.Until
	if taken > 0 || until.IsZero() {
		until = a.limiter.freeAt(a.now, q.kind, q.window, q.Value, taken)
	}
	return &Hit{Limit: q.Limit, Value: fmt.Sprint(q.Value), Used: fmt.Sprint(q.Used + taken), Until: until}
}

// Change is one change a plan wants, as the limits see it: a create
// places, a cancel cancels, a replace does both.
type Change struct {
	Address  string
	Cancel   bool            // cancels a live order
	Place    bool            // places an order
	Currency string          // the placement's quote currency
	Notional decimal.Decimal // the placement's price × amount
}

// Hit is a limit that held a change back.
type Hit struct {
	Limit   string    `json:"limit"` // the watch block's attribute
	Value   string    `json:"value"` // its value
	Used    string    `json:"used"`  // what its window holds
	Until   time.Time `json:"until"` // when it lets the held-back change through, at the earliest
	Address string    `json:"address"`
}

// Message is the stop message of a limit.
func (h Hit) Message() string {
	if h.Until.IsZero() {
		return fmt.Sprintf("%s = %s: %s alone is above it and is never placed", h.Limit, h.Value, h.Address)
	}
	return fmt.Sprintf("%s = %s reached (%s in the window): %s held back; acting again from %s",
		h.Limit, h.Value, h.Used, h.Address, h.Until.UTC().Format(time.RFC3339))
}

// Allowance is what one cycle may send. A cycle asks Take for each change
// before sending it and sends only those Take allows, so a limit stops
// action at exactly its number.
type Allowance struct {
	Placements Quota
	Cancels    Quota
	// Notional is what may still be placed per quote currency with a
	// limit; a currency absent from it is not bounded.
	Notional map[string]decimal.Decimal

	limiter  *Limiter
	now      time.Time
	settings spec.Watch
	hits     []Hit
	taken    []Change
}

// Take reports whether the change fits in what is left, and if it does,
// takes it from the allowance. A change that does not fit is recorded as
// held back, with the limit that held it.
func (a *Allowance) Take(c Change) bool {
	var hit *Hit
	switch {
	case c.Cancel && a.Cancels.Left == 0:
		hit = a.exhausted(a.Cancels, a.takenOf(KindCancel))
	case c.Place && a.Placements.Left == 0:
		hit = a.exhausted(a.Placements, a.takenOf(KindPlace))
	case c.Place:
		if left, ok := a.Notional[c.Currency]; ok && c.Notional.GreaterThan(left) {
			limit := a.settings.MaxNotionalPerDay[c.Currency]
			taken := limit.Sub(left).Sub(a.limiter.Notional(a.now, c.Currency)) // granted in this cycle
			hit = &Hit{
				Limit: "max_notional_per_day", Value: limit.String() + " " + c.Currency,
				Used:  limit.Sub(left).String() + " " + c.Currency,
				Until: a.limiter.notionalFreeAt(a.now, c.Currency, limit, c.Notional.Add(decimal.Max(taken, decimal.Zero))),
			}
			if c.Notional.GreaterThan(limit) {
				hit.Until = time.Time{} // never: the order alone is above the limit
			}
		}
	}
	if hit != nil {
		hit.Address = c.Address
		a.hits = append(a.hits, *hit)
		return false
	}
	if c.Cancel {
		a.Cancels.Left--
	}
	if c.Place {
		a.Placements.Left--
		if left, ok := a.Notional[c.Currency]; ok {
			a.Notional[c.Currency] = left.Sub(c.Notional)
		}
	}
	a.taken = append(a.taken, c)
	return true
}

func (a *Allowance) takenOf(kind string) int {
	n := 0
	for _, c := range a.taken {
		if kind == KindPlace && c.Place || kind == KindCancel && c.Cancel {
			n++
		}
	}
	return n
}

// Hits returns the limits that held changes back, in the order Take met
// them.
func (a *Allowance) Hits() []Hit { return append([]Hit(nil), a.hits...) }

// None reports whether nothing at all may be sent: every count limit is
// exhausted.
func (a *Allowance) None() bool { return a.Placements.Left == 0 && a.Cancels.Left == 0 }
