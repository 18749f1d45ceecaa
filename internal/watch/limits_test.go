package watch

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"orderform/spec"
)

// sentPer counts the sent actions of kind.
func sentOf(acts []Action, kind string) int {
	n := 0
	for _, a := range acts {
		if a.Kind == kind && a.Sent() {
			n++
		}
	}
	return n
}

// Each churn limit stops action at exactly its number: a cycle that wants
// more sends exactly what is left, the next cycles in the window send
// nothing and say which limit holds them, and the window's sliding lets
// exactly as many through again.
func TestChurnLimitsStopAtExactlyTheirNumber(t *testing.T) {
	tests := []struct {
		name     string
		settings func(*spec.Watch)
		want     []Change // every cycle
		interval time.Duration
		kind     string
		limit    string
		// sent after each of the first cycles, cumulatively
		cumulative []int
	}{{
		name:     "placements per minute",
		settings: func(w *spec.Watch) { w.MaxPlacementsPerMinute = 10 },
		want:     places(25, "USD", "100"), interval: 10 * time.Second, kind: KindPlace,
		limit: "max_placements_per_minute",
		// t=0: 10; 10..50 s: nothing; 60 s: t=0's left the window
		cumulative: []int{10, 10, 10, 10, 10, 10, 20, 20},
	}, {
		name:     "cancels per minute",
		settings: func(w *spec.Watch) { w.MaxCancelsPerMinute = 7 },
		want:     cancels(25), interval: 20 * time.Second, kind: KindCancel,
		limit:      "max_cancels_per_minute",
		cumulative: []int{7, 7, 7, 14, 14, 14, 21},
	}, {
		name: "placements per day",
		settings: func(w *spec.Watch) {
			w.MaxPlacementsPerMinute, w.MaxPlacementsPerDay = 600, 25
		},
		want: places(10, "USD", "100"), interval: time.Hour, kind: KindPlace,
		limit: "max_placements_per_day",
		// hours 0, 1, 2: 10, 10, 5; then nothing until hour 24, when hour 0's
		// 10 leave the window, and hour 25, when hour 1's do
		cumulative: append(append([]int{10, 20, 25}, repeat(25, 21)...), 35, 45),
	}, {
		name: "cancels per day",
		settings: func(w *spec.Watch) {
			w.MaxCancelsPerMinute, w.MaxCancelsPerDay = 600, 12
		},
		want: cancels(5), interval: 6 * time.Hour, kind: KindCancel,
		limit:      "max_cancels_per_day",
		cumulative: []int{5, 10, 12, 12, 17},
	}, {
		name: "notional per day",
		settings: func(w *spec.Watch) {
			w.MaxPlacementsPerMinute, w.MaxPlacementsPerDay = 600, 10000
			w.MaxNotionalPerDay = map[string]decimal.Decimal{"USD": decimal.RequireFromString("1000.05")}
		},
		// 300.01 each: three fit (900.03), a fourth would make 1200.04
		want: places(5, "USD", "300.01"), interval: 12 * time.Hour, kind: KindPlace,
		limit:      "max_notional_per_day",
		cumulative: []int{3, 3, 6},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeCycle{settings: settings(tt.settings), want: func(int) []Change { return tt.want }}
			h := start(t, Options{Cycle: f.run, Interval: tt.interval})
			var got []int
			for i := range tt.cumulative {
				if i > 0 {
					h.next()
				}
				h.idle()
				f.mu.Lock()
				got = append(got, sentOf(f.sent, tt.kind))
				f.mu.Unlock()
			}
			if diff := cmp.Diff(tt.cumulative, got); diff != "" {
				t.Errorf("sent after each cycle, cumulatively (-want +got):\n%s", diff)
			}
			limits := h.eventsOf("limit")
			if len(limits) == 0 {
				t.Fatal("no limit event")
			}
			if l := limits[0]; l["limit"] != tt.limit || !strings.Contains(l["message"].(string), "watch stops acting: "+tt.limit) {
				t.Errorf("limit event %v, want one for %s with a stop message", l, tt.limit)
			}
			limited := 0
			for _, c := range h.eventsOf("cycle") {
				if c["outcome"] == OutcomeCycleLimited {
					limited++
				}
			}
			if limited == 0 {
				t.Error("no cycle's outcome is limited")
			}
			if h.w.Health().Status != StatusOK {
				t.Errorf("health %+v: a limited cycle is a healthy one", h.w.Health())
			}
			if !strings.Contains(h.text.String(), "watch stops acting: "+tt.limit) {
				t.Errorf("human output has no stop message:\n%s", h.text.String())
			}
		})
	}
}

func repeat(v, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// A replace needs room for both its cancel and its placement, or it is
// held back whole: a cancel without its placement would leave the address
// empty.
func TestReplaceNeedsBothHalves(t *testing.T) {
	var l Limiter
	w := settings(func(w *spec.Watch) { w.MaxCancelsPerMinute, w.MaxPlacementsPerMinute = 5, 1 })
	a := l.Grant(t0, w)
	rep := Change{Address: "order.r", Cancel: true, Place: true, Currency: "USD", Notional: decimal.NewFromInt(5)}
	if !a.Take(rep) {
		t.Fatal("first replace refused")
	}
	if a.Take(rep) {
		t.Fatal("second replace taken with no placement left")
	}
	if a.Cancels.Left != 4 || a.Placements.Left != 0 {
		t.Errorf("left: cancels %d placements %d, want 4 and 0", a.Cancels.Left, a.Placements.Left)
	}
	if h := a.Hits(); len(h) != 1 || h[0].Limit != "max_placements_per_minute" || h[0].Address != "order.r" ||
		h[0].Used != "1" || !h[0].Until.Equal(t0.Add(time.Minute)) {
		t.Errorf("hits %+v, want max_placements_per_minute used 1 until a minute on", h)
	}
	// A currency without a notional limit is not bounded by another's.
	w.MaxNotionalPerDay = map[string]decimal.Decimal{"USD": decimal.NewFromInt(10)}
	a = l.Grant(t0, settings(func(s *spec.Watch) { s.MaxNotionalPerDay = w.MaxNotionalPerDay }))
	if !a.Take(Change{Address: "order.b", Place: true, Currency: "BTC", Notional: decimal.NewFromInt(1000)}) {
		t.Error("a BTC placement refused under a USD limit")
	}
	// An order alone above the limit is never placed, and says so.
	if a.Take(Change{Address: "order.big", Place: true, Currency: "USD", Notional: decimal.NewFromInt(11)}) {
		t.Error("an order above the whole limit taken")
	}
	if msg := a.Hits()[0].Message(); !strings.Contains(msg, "order.big alone is above it") {
		t.Errorf("message %q", msg)
	}
}

// The limiter counts what was sent, from its timestamps: the minute's
// count frees one slot when the oldest action leaves the window, and says
// when that is.
func TestLimiterWindowSlides(t *testing.T) {
	var l Limiter
	w := settings(func(w *spec.Watch) { w.MaxPlacementsPerMinute = 3 })
	for i := range 3 {
		l.Record(t0.Add(time.Duration(i)*10*time.Second), Action{Kind: KindPlace, Outcome: OutcomeOK})
	}
	a := l.Grant(t0.Add(30*time.Second), w)
	if a.Placements.Left != 0 || !a.Placements.Until.Equal(t0.Add(time.Minute)) {
		t.Errorf("at 30 s: %+v, want none left until 60 s", a.Placements)
	}
	if a := l.Grant(t0.Add(time.Minute), w); a.Placements.Left != 1 {
		t.Errorf("at 60 s: %d left, want 1", a.Placements.Left)
	}
	if a := l.Grant(t0.Add(80*time.Second), w); a.Placements.Left != 3 {
		t.Errorf("at 80 s: %d left, want 3", a.Placements.Left)
	}
	// A skipped action was never sent and does not count.
	l.Record(t0.Add(90*time.Second), Action{Kind: KindPlace, Outcome: OutcomeSkipped})
	if a := l.Grant(t0.Add(90*time.Second), w); a.Placements.Left != 3 {
		t.Errorf("after a skipped action: %d left, want 3", a.Placements.Left)
	}
}

type memStore struct{ b []byte }

func (m *memStore) Load() (*Limiter, error) {
	if m.b == nil {
		return nil, nil
	}
	var l Limiter
	return &l, l.UnmarshalJSON(m.b)
}

func (m *memStore) Save(l *Limiter) error {
	b, err := l.MarshalJSON()
	m.b = b
	return err
}

// With a Store, a restart does not forget the day's counts: a watcher
// started after another stopped sends only what the window still allows.
func TestLimitsSurviveARestart(t *testing.T) {
	store := &memStore{}
	f := &fakeCycle{settings: settings(func(w *spec.Watch) { w.MaxPlacementsPerMinute, w.MaxPlacementsPerDay = 600, 7 }),
		want: func(int) []Change { return places(5, "USD", "1") }}
	h := start(t, Options{Cycle: f.run, Store: store})
	h.next()
	h.idle()
	h.stop()
	h.result()
	f.mu.Lock()
	if n := sentOf(f.sent, KindPlace); n != 7 {
		t.Fatalf("first run placed %d, want 7", n)
	}
	f.sent = nil
	f.mu.Unlock()
	h2 := start(t, Options{Cycle: f.run, Store: store})
	h2.idle()
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := sentOf(f.sent, KindPlace); n != 0 {
		t.Errorf("after a restart the same day, %d more placed; want 0", n)
	}
	if !strings.Contains(string(store.b), `"format_version":"1"`) {
		t.Errorf("stored %s", store.b)
	}
}
