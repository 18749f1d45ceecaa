package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/shopspring/decimal"
)

// DefaultWalkStepBps is the default largest step of the random walk: 0.1%
// of the bid, in whole price increments (at least one).
const DefaultWalkStepBps = 10

// Walk makes the simulated market move on its own: a random walk, seeded,
// so a run can be repeated. Each step moves each of its symbols' bid and
// ask together by a whole number of price increments drawn uniformly from
// [-n, n], where n is MaxStepBps of the bid (at least one increment); the
// spread is kept (at least one increment), a step that would take the bid
// below one increment goes the other way, and the last price follows the
// bid, as if others traded there. Resting orders the new
// market crosses fill, and stops it reaches trigger, as with SetMarket.
type Walk struct {
	Seed       uint64
	Interval   time.Duration // between steps; 0: only WalkStep moves it
	MaxStepBps int64         // 0: DefaultWalkStepBps
	Symbols    []string      // none: every symbol
}

type walker struct {
	mu    sync.Mutex // guards cfg, rng, steps; taken before s.mu, never after
	cfg   Walk
	rng   *rand.Rand
	steps int
	on    bool
	stop  chan struct{}
	done  chan struct{}
}

// WalkStatus is a walk's settings and how many steps it has taken.
type WalkStatus struct {
	Running    bool     `json:"running"` // stepping on its own, every interval
	Seed       uint64   `json:"seed"`
	IntervalMs int64    `json:"interval_ms"`
	MaxStepBps int64    `json:"max_step_bps"`
	Symbols    []string `json:"symbols"`
	Steps      int      `json:"steps"`
}

// StartWalk sets the market walking as w says, replacing any walk. With an
// Interval it steps on its own (on the machine's clock) until StopWalk;
// Serve's stop function stops it too.
func (s *Server) StartWalk(w Walk) error {
	if w.Interval < 0 || w.MaxStepBps < 0 {
		return errorf(http.StatusBadRequest, ReasonAdmin, "walk: interval and max_step_bps must not be negative")
	}
	if w.MaxStepBps == 0 {
		w.MaxStepBps = DefaultWalkStepBps
	}
	var syms []string
	for _, sym := range w.Symbols {
		info, ok := lookupSymbol(sym)
		if !ok {
			return unknownSymbol(sym)
		}
		syms = append(syms, info.Symbol)
	}
	if len(syms) == 0 {
		syms = Symbols()
	}
	sort.Strings(syms)
	w.Symbols = syms
	s.StopWalk()
	wk := &s.walk
	wk.mu.Lock()
	defer wk.mu.Unlock()
	wk.cfg, wk.steps, wk.on = w, 0, true
	wk.rng = rand.New(rand.NewPCG(w.Seed, w.Seed^0x6f72646572666f72))
	if w.Interval > 0 {
		wk.stop, wk.done = make(chan struct{}), make(chan struct{})
		go s.walkLoop(w.Interval, wk.stop, wk.done)
	}
	return nil
}

func (s *Server) walkLoop(every time.Duration, stop, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			s.WalkStep(1) // an error (a state file gone bad) is the next request's to report
		}
	}
}

// StopWalk stops a walk's own stepping; WalkStep still steps it.
func (s *Server) StopWalk() {
	wk := &s.walk
	wk.mu.Lock()
	stop, done := wk.stop, wk.done
	wk.stop, wk.done = nil, nil
	wk.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}

// WalkStatus returns the walk's settings and steps.
func (s *Server) WalkStatus() WalkStatus {
	wk := &s.walk
	wk.mu.Lock()
	defer wk.mu.Unlock()
	return WalkStatus{
		Running: wk.stop != nil, Seed: wk.cfg.Seed, IntervalMs: wk.cfg.Interval.Milliseconds(),
		MaxStepBps: wk.cfg.MaxStepBps, Symbols: append([]string{}, wk.cfg.Symbols...), Steps: wk.steps,
	}
}

// WalkStep takes n steps of the walk now (StartWalk first).
func (s *Server) WalkStep(n int) error {
	wk := &s.walk
	wk.mu.Lock()
	defer wk.mu.Unlock()
	if !wk.on {
		return errorf(http.StatusBadRequest, ReasonAdmin, "no walk: start one first")
	}
	for range n {
		if err := s.txnErr(func() *Error {
			for _, sym := range wk.cfg.Symbols {
				s.walkSymbol(sym, wk.rng, wk.cfg.MaxStepBps)
			}
			return nil
		}); err != nil {
			return err
		}
		wk.steps++
	}
	return nil
}

// walkSymbol moves one market by a random step. s.mu must be held.
func (s *Server) walkSymbol(sym string, rng *rand.Rand, bps int64) {
	info, _ := lookupSymbol(sym)
	m := s.st.Markets[sym]
	tick := info.QuoteIncrement
	n := m.Bid.Mul(decimal.New(bps, -4)).Div(tick).Floor().IntPart()
	n = max(n, 1)
	k := rng.Int64N(2*n+1) - n
	delta := tick.Mul(decimal.NewFromInt(k))
	if m.Bid.Add(delta).LessThan(tick) {
		delta = delta.Neg()
	}
	spread := m.Ask.Sub(m.Bid)
	if spread.LessThan(tick) {
		spread = tick
	}
	bid := m.Bid.Add(delta)
	s.moveMarket(sym, bid, bid.Add(spread))
	// The rest of the market trades too: the last price (which
	// /v1/pricefeed shows) follows the bid.
	m.Last = bid
}

// String describes a walk for a startup banner.
func (w WalkStatus) String() string {
	return fmt.Sprintf("seed %d, a step every %s of up to %d bps of the bid", w.Seed, time.Duration(w.IntervalMs)*time.Millisecond, w.MaxStepBps)
}

type adminWalk struct {
	Seed       uint64   `json:"seed"`
	IntervalMs int64    `json:"interval_ms"`
	MaxStepBps int64    `json:"max_step_bps"`
	Symbols    []string `json:"symbols"`
}

func (s *Server) adminWalk(r *http.Request, p string) (any, error) {
	get, post := r.Method == http.MethodGet, r.Method == http.MethodPost
	switch {
	case get && p == "/admin/walk":
		return s.WalkStatus(), nil
	case post && p == "/admin/walk":
		var a adminWalk
		if err := decodeBody(r, &a); err != nil {
			return nil, err
		}
		w := Walk{Seed: a.Seed, Interval: time.Duration(a.IntervalMs) * time.Millisecond, MaxStepBps: a.MaxStepBps, Symbols: a.Symbols}
		if err := s.StartWalk(w); err != nil {
			return nil, err
		}
		return s.WalkStatus(), nil
	case post && p == "/admin/walk/step":
		var a struct {
			Steps int `json:"steps"`
		}
		if err := decodeBody(r, &a); err != nil {
			return nil, err
		}
		if a.Steps < 1 || a.Steps > 100000 {
			return nil, errorf(http.StatusBadRequest, ReasonAdmin, "steps must be from 1 to 100000")
		}
		if err := s.WalkStep(a.Steps); err != nil {
			return nil, err
		}
		return s.WalkStatus(), nil
	case post && p == "/admin/walk/stop":
		s.StopWalk()
		return s.WalkStatus(), nil
	}
	return nil, errorf(http.StatusNotFound, ReasonEndpointNotFound, "admin entry point not found: %s %s", r.Method, r.URL.Path)
}

// StartWalk is Server.StartWalk over HTTP.
func (c *AdminClient) StartWalk(ctx context.Context, w Walk) (WalkStatus, error) {
	var st WalkStatus
	err := c.do(ctx, http.MethodPost, "/admin/walk",
		adminWalk{w.Seed, w.Interval.Milliseconds(), w.MaxStepBps, w.Symbols}, &st)
	return st, err
}

// WalkStep is Server.WalkStep over HTTP.
func (c *AdminClient) WalkStep(ctx context.Context, n int) (WalkStatus, error) {
	var st WalkStatus
	err := c.do(ctx, http.MethodPost, "/admin/walk/step", map[string]int{"steps": n}, &st)
	return st, err
}

// StopWalk is Server.StopWalk over HTTP.
func (c *AdminClient) StopWalk(ctx context.Context) (WalkStatus, error) {
	var st WalkStatus
	err := c.do(ctx, http.MethodPost, "/admin/walk/stop", nil, &st)
	return st, err
}
