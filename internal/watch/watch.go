package watch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"orderform/spec"
)

// Defaults of Options.
const (
	DefaultInterval    = 30 * time.Second
	DefaultProbeEvery  = 5 * time.Second
	DefaultMaxBackoff  = 10 * time.Minute
	DefaultExitTimeout = 30 * time.Second
)

// DefaultCallBudget is the most requests a minute a Watcher makes, cycles
// and probes together, unless Options.CallBudget says otherwise: a fifth of
// Gemini's 600 private and half of its 120 public requests a minute, so a
// watch leaves room for everything else that uses the key.
var DefaultCallBudget = Calls{Private: 120, Public: 60}

// Trigger reasons besides a probe's.
const (
	TriggerStart    = "start"
	TriggerInterval = "interval"
	TriggerWake     = "wake"
)

// Probe is a cheap look at the exchange between cycles, supplied by the
// command layer: for instance one /v1/pricefeed (every pair's last price,
// one public request) and one /v1/orders (one private request), compared
// with what the last cycle saw. It returns a reason to run a cycle now
// ("market" when a price moved past an order's reprice_tolerance, "fill"
// when an order of the namespace left the book), or "" for none, and the
// requests it made. A probe never acts.
type Probe func(ctx context.Context) (reason string, calls Calls, err error)

// ProbeCost is what one probe is expected to cost; a probe is skipped when
// it would take the minute's requests past the call budget.
var ProbeCost = Calls{Private: 1, Public: 1}

// Options configure a Watcher. Cycle is required.
type Options struct {
	Cycle Cycle
	// CancelAll cancels every order of the namespace; it runs when watch
	// stops and the configuration last loaded has cancel_on_exit = true.
	CancelAll func(ctx context.Context) ([]Action, Calls, error)
	// Probe, when set, runs every ProbeEvery between cycles and starts a
	// cycle at once when it returns a reason.
	Probe      Probe
	ProbeEvery time.Duration // default DefaultProbeEvery
	// Wake starts a cycle at once whenever it receives (a reason, or ""
	// for TriggerWake), like a probe but pushed: a market-data stream, a
	// file watcher, a test.
	Wake <-chan string

	Interval   time.Duration // between cycles; default DefaultInterval
	MaxBackoff time.Duration // longest wait after failures; default DefaultMaxBackoff
	// CallBudget bounds requests per minute (cycles and probes); zero
	// fields take DefaultCallBudget's. A cycle waits for room; a probe is
	// skipped.
	CallBudget  Calls
	ExitTimeout time.Duration // for CancelAll at exit; default DefaultExitTimeout

	Clock Clock // default RealClock
	// JSON receives one JSON event per line (see events.go); Text one
	// human line per cycle and per notable event. Either may be nil.
	JSON io.Writer
	Text io.Writer
	// Limiter carries the counts of an earlier run; nil starts afresh.
	Limiter *Limiter
	// Store, when set, keeps the counts across restarts: a cycle's grant
	// starts from what it loads (when it loads anything), and the counts
	// are saved after every cycle. Its failures are reported, not fatal.
	Store Store
	// Idle, when set, is called whenever the loop is about to block on
	// the clock, with its timers set: a test on a FakeClock knows then
	// that no cycle or probe is running and may advance the clock.
	Idle func()
}

// Watcher runs the reconcile loop. Create it with New, serve its Handler,
// and call Run once.
type Watcher struct {
	opts    Options
	clock   Clock
	limiter *Limiter
	metrics *metrics
	out     *eventWriter

	settings spec.Watch // the last loaded configuration's watch block
	seq      int
	failures int // consecutive transient failures
	digest   string
	calls    []callRecord

	mu     sync.Mutex // guards health
	health Health
}

func (w *Watcher) idle() {
	if w.opts.Idle != nil {
		w.opts.Idle()
	}
}

type callRecord struct {
	at    time.Time
	calls Calls
}

// New returns a Watcher.
func New(opts Options) (*Watcher, error) {
	if opts.Cycle == nil {
		return nil, errors.New("watch: no cycle function")
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.ProbeEvery <= 0 {
		opts.ProbeEvery = DefaultProbeEvery
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = DefaultMaxBackoff
	}
	opts.MaxBackoff = max(opts.MaxBackoff, opts.Interval)
	if opts.ExitTimeout <= 0 {
		opts.ExitTimeout = DefaultExitTimeout
	}
	if opts.CallBudget.Private <= 0 {
		opts.CallBudget.Private = DefaultCallBudget.Private
	}
	if opts.CallBudget.Public <= 0 {
		opts.CallBudget.Public = DefaultCallBudget.Public
	}
	if opts.Clock == nil {
		opts.Clock = RealClock{}
	}
	lim := opts.Limiter
	if lim == nil {
		lim = &Limiter{}
	}
	w := &Watcher{
		opts: opts, clock: opts.Clock, limiter: lim, metrics: newMetrics(),
		settings: spec.DefaultWatch(),
		health:   Health{Status: StatusStarting},
	}
	w.out = &eventWriter{json: opts.JSON, text: opts.Text}
	return w, nil
}

// Limiter returns the watcher's limiter, whose State a caller may save so
// that a restart does not forget the day's counts.
func (w *Watcher) Limiter() *Limiter { return w.limiter }

// Run cycles until ctx is cancelled or watch stops on its own. Cancelling
// ctx is a graceful stop: the cycle in flight finishes (it runs under a
// context shutdown does not cancel), then Run returns nil. It returns a
// *StopError when watch stops on its own: after max_consecutive_failures
// transient failures in a row, or at once on a rejected key. Either way,
// with cancel_on_exit the namespace's orders are cancelled first.
func (w *Watcher) Run(ctx context.Context) error {
	w.out.start(w.clock.Now(), w.opts)
	trigger := TriggerStart
	for {
		if err := w.waitBudget(ctx); err != nil {
			return w.exit(ctx, "signal", nil)
		}
		stop := w.cycle(ctx, trigger)
		if stop != nil {
			return w.exit(ctx, stop.Reason, stop)
		}
		if ctx.Err() != nil {
			return w.exit(ctx, "signal", nil)
		}
		var ok bool
		trigger, ok = w.wait(ctx, w.delay())
		if !ok {
			return w.exit(ctx, "signal", nil)
		}
	}
}

// delay is how long to wait before the next cycle: the interval, doubled
// for each failure in a row, at most MaxBackoff.
func (w *Watcher) delay() time.Duration {
	d := w.opts.Interval
	for i := 0; i < w.failures && d < w.opts.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, w.opts.MaxBackoff)
}

// wait waits d, or less when a probe or Wake asks for a cycle. ok is false
// when ctx was cancelled. Probes are not run while backing off.
func (w *Watcher) wait(ctx context.Context, d time.Duration) (trigger string, ok bool) {
	next, stopNext := w.clock.Timer(d)
	defer stopNext()
	deadline := w.clock.Now().Add(d)
	for {
		var probe <-chan time.Time
		stopProbe := func() {}
		if w.opts.Probe != nil && w.failures == 0 && w.opts.ProbeEvery < deadline.Sub(w.clock.Now()) {
			probe, stopProbe = w.clock.Timer(w.opts.ProbeEvery)
		}
		w.idle()
		select {
		case <-ctx.Done():
			stopProbe()
			return "", false
		case <-next:
			stopProbe()
			return TriggerInterval, true
		case reason := <-w.opts.Wake:
			stopProbe()
			if reason == "" {
				reason = TriggerWake
			}
			return reason, true
		case <-probe:
			if reason := w.probe(ctx); reason != "" {
				return reason, true
			}
		}
	}
}

// probe runs the probe if the call budget has room for it.
func (w *Watcher) probe(ctx context.Context) string {
	now := w.clock.Now()
	used := w.callsInMinute(now)
	if used.Private+ProbeCost.Private > w.opts.CallBudget.Private || used.Public+ProbeCost.Public > w.opts.CallBudget.Public {
		w.metrics.probesSkipped.Inc()
		return ""
	}
	reason, calls, err := w.opts.Probe(ctx)
	w.countCalls(now, calls)
	if err != nil {
		w.metrics.probeFailures.Inc()
		w.out.probeFailed(now, w.seq, err)
		return ""
	}
	if reason != "" {
		w.out.wake(now, w.seq, reason)
	}
	return reason
}

// waitBudget waits until the minute's requests leave room for a cycle.
func (w *Watcher) waitBudget(ctx context.Context) error {
	for {
		now := w.clock.Now()
		used := w.callsInMinute(now)
		if used.Private < w.opts.CallBudget.Private && used.Public < w.opts.CallBudget.Public {
			return nil
		}
		free := w.calls[0].at.Add(Minute).Sub(now)
		w.out.budget(now, w.seq, used, w.opts.CallBudget, free)
		t, stop := w.clock.Timer(free)
		w.idle()
		select {
		case <-ctx.Done():
			stop()
			return ctx.Err()
		case <-t:
		}
	}
}

func (w *Watcher) countCalls(now time.Time, c Calls) {
	if c == (Calls{}) {
		return
	}
	w.calls = append(w.calls, callRecord{now, c})
	w.metrics.calls.WithLabelValues("private").Add(float64(c.Private))
	w.metrics.calls.WithLabelValues("public").Add(float64(c.Public))
}

func (w *Watcher) callsInMinute(now time.Time) Calls {
	i := 0
	for i < len(w.calls) && !w.calls[i].at.After(now.Add(-Minute)) {
		i++
	}
	w.calls = w.calls[i:]
	var sum Calls
	for _, r := range w.calls {
		sum = sum.Add(r.calls)
	}
	return sum
}

// exit ends Run: cancel_on_exit, the stop event, the final health.
func (w *Watcher) exit(ctx context.Context, reason string, stop *StopError) error {
	now := w.clock.Now()
	if w.settings.CancelOnExit && w.opts.CancelAll != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.opts.ExitTimeout)
		actions, calls, err := w.opts.CancelAll(cctx)
		cancel()
		w.countCalls(now, calls)
		for _, a := range actions {
			w.metrics.actions.WithLabelValues(a.Kind, a.Outcome).Inc()
			w.out.action(now, 0, a, true)
		}
		if err != nil {
			err = fmt.Errorf("cancel_on_exit: %w", err)
			w.out.stop(now, w.seq, reason, err)
			if stop == nil {
				stop = &StopError{Reason: "cancel_on_exit failed", Err: err}
			}
			w.setStopped()
			return stop
		}
	}
	var err error
	if stop != nil {
		err = stop
	}
	w.out.stop(now, w.seq, reason, err)
	w.setStopped()
	if stop != nil {
		return stop
	}
	return nil
}

func (w *Watcher) setStopped() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.health.Status = StatusStopped
}
