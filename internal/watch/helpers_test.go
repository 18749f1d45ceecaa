package watch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"orderform/spec"
)

var t0 = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

// fakeCycle is a scripted cycle: each run asks for the changes of want
// (or of script, by cycle number), sends what the allowance admits, and
// reports. err, when set for a cycle number, is returned instead.
type fakeCycle struct {
	mu       sync.Mutex
	settings spec.Watch
	want     func(seq int) []Change
	errs     map[int]error
	calls    Calls
	runs     []*Request
	ctxs     []context.Context
	block    chan struct{} // when set, a cycle waits for it after granting
	started  chan int      // receives the cycle number as a cycle starts
	sent     []Action
	outcome  string // for sent actions; default ok
}

func (f *fakeCycle) run(ctx context.Context, req *Request) (Report, error) {
	f.mu.Lock()
	f.runs = append(f.runs, req)
	f.ctxs = append(f.ctxs, ctx)
	settings, want, errs, block, started := f.settings, f.want, f.errs, f.block, f.started
	f.mu.Unlock()
	if started != nil {
		started <- req.Seq
	}
	rep := Report{ConfigDigest: "digest-1", Calls: f.calls}
	if err := errs[req.Seq]; err != nil {
		return rep, err
	}
	a := req.Grant(settings)
	if block != nil {
		<-block
	}
	var changes []Change
	if want != nil {
		changes = want(req.Seq)
	}
	rep.Planned = len(changes)
	for _, c := range changes {
		if !a.Take(c) {
			rep.Drift = true
			continue
		}
		out := f.outcome
		if out == "" {
			out = OutcomeOK
		}
		if c.Cancel {
			rep.Actions = append(rep.Actions, Action{Kind: KindCancel, Address: c.Address, Outcome: out})
		}
		if c.Place {
			rep.Actions = append(rep.Actions, Action{Kind: KindPlace, Address: c.Address, Currency: c.Currency,
				Notional: c.Notional, Price: c.Notional, Amount: decimal.NewFromInt(1), Outcome: out})
		}
	}
	f.mu.Lock()
	f.sent = append(f.sent, rep.Actions...)
	f.mu.Unlock()
	return rep, nil
}

func (f *fakeCycle) runCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.runs)
}

func places(n int, cur string, notional string) []Change {
	out := make([]Change, n)
	for i := range out {
		out[i] = Change{Address: fmt.Sprintf("order.p[%d]", i), Place: true, Currency: cur, Notional: decimal.RequireFromString(notional)}
	}
	return out
}

func cancels(n int) []Change {
	out := make([]Change, n)
	for i := range out {
		out[i] = Change{Address: fmt.Sprintf("order.c[%d]", i), Cancel: true}
	}
	return out
}

// harness runs a Watcher on a fake clock in the background.
type harness struct {
	t     *testing.T
	clock *FakeClock
	w     *Watcher
	json  *syncBuffer
	text  *syncBuffer
	done  chan error
	stop  context.CancelFunc
	idles chan struct{}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func start(t *testing.T, opts Options) *harness {
	t.Helper()
	h := &harness{t: t, clock: NewFakeClock(t0), json: &syncBuffer{}, text: &syncBuffer{}, done: make(chan error, 1)}
	opts.Clock, opts.JSON, opts.Text = h.clock, h.json, h.text
	h.idles = make(chan struct{}, 100000)
	opts.Idle = func() { h.idles <- struct{}{} }
	if opts.Interval == 0 {
		opts.Interval = 10 * time.Second
	}
	w, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h.w = w
	ctx, cancel := context.WithCancel(context.Background())
	h.stop = cancel
	go func() { h.done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-h.done:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
	return h
}

// idle waits until the loop waits on the clock (or has returned), and
// reports whether it is waiting.
func (h *harness) idle() bool {
	h.t.Helper()
	select {
	case <-h.idles:
		h.idles <- struct{}{} // still idle until the clock moves
		return true
	case err := <-h.done:
		h.done <- err
		return false
	case <-time.After(10 * time.Second):
		h.t.Fatal("the loop neither waited nor returned")
		return false
	}
}

// next advances the clock to the loop's next timer and returns how far
// that was.
func (h *harness) next() time.Duration {
	h.t.Helper()
	if !h.idle() {
		h.t.Fatal("the loop has returned")
	}
	<-h.idles // the clock moves: the loop is no longer idle
	d, _ := h.clock.NextTimer()
	h.clock.Advance(d)
	return d
}

// result waits for Run to return.
func (h *harness) result() error {
	h.t.Helper()
	select {
	case err := <-h.done:
		h.done <- err
		return err
	case <-time.After(10 * time.Second):
		h.t.Fatal("Run did not return")
		return nil
	}
}

// events parses the JSON lines written so far.
func (h *harness) events() []map[string]any {
	h.t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(h.json.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			h.t.Fatalf("event %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func (h *harness) eventsOf(typ string) []map[string]any {
	var out []map[string]any
	for _, e := range h.events() {
		if e["type"] == typ {
			out = append(out, e)
		}
	}
	return out
}

func settings(mod func(*spec.Watch)) spec.Watch {
	s := spec.DefaultWatch()
	if mod != nil {
		mod(&s)
	}
	return s
}
