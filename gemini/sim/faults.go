package sim

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// FaultKind says what a Fault does to the requests it hits.
type FaultKind int

const (
	// FaultStatus answers with Status (default 503) in Gemini's envelope, with
	// a Retry-After header when RetryAfter > 0. The request has no effect.
	FaultStatus FaultKind = iota + 1
	// FaultLatency delays the request by Latency, then serves it normally.
	FaultLatency
	// FaultDrop closes the connection without an answer, before doing anything.
	FaultDrop
	// FaultLoseResponse serves the request (its effect is committed: an order
	// is placed, a nonce used) and then closes the connection without an
	// answer: the ambiguous failure.
	FaultLoseResponse
	// FaultSlowCommit is a request the exchange has taken but processes only
	// after Latency (or, with Latency 0, when Release is called, or after
	// MaxHold at the latest, so a forgotten Release cannot hang a test): the
	// authentication, the nonce check and the change all happen at the end of
	// the delay, at the exchange's time then, whatever the client did
	// meanwhile. A client that timed out and gave up still has its order
	// placed, unless a request signed later was processed first and made
	// this one's increasing nonce stale (InvalidNonce), or a time-based
	// nonce fell out of the window; the answer goes to the client if it is
	// still waiting.
	FaultSlowCommit
)

var faultNames = map[FaultKind]string{
	FaultStatus: "status", FaultLatency: "latency", FaultDrop: "drop", FaultLoseResponse: "lose-response",
	FaultSlowCommit: "slow-commit",
}

func (k FaultKind) String() string {
	if n, ok := faultNames[k]; ok {
		return n
	}
	return fmt.Sprintf("FaultKind(%d)", int(k))
}

// ParseFaultKind turns "status", "latency", "drop", "lose-response" or
// "slow-commit" into a FaultKind.
func ParseFaultKind(s string) (FaultKind, error) {
	for k, n := range faultNames {
		if n == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown fault kind %q (want status, latency, drop, lose-response or slow-commit)", s)
}

// Fault is a failure switched on for tests.
type Fault struct {
	Path       string        // the Gemini path it hits, e.g. "/v1/order/new"; "" = every path
	Kind       FaultKind     //
	Count      int           // how many requests it hits; 0 = until ClearFaults
	Status     int           // FaultStatus: 429, 500, 502, 503 (default 503)
	RetryAfter int           // FaultStatus: seconds for the Retry-After header
	Latency    time.Duration // added before any kind acts; FaultLatency's whole effect; FaultSlowCommit's delay (0 = until Release, at most MaxHold)
	// Reason and Message, for FaultStatus, answer with this Gemini reason
	// (e.g. "UsageLimit", "MustAcceptTerms") instead of the status's own;
	// the status then defaults to 400.
	Reason, Message string
}

// answer is the response of a FaultStatus fault, as Gemini words each status.
func (f Fault) answer() *Error {
	e := &Error{Status: f.Status, RetryAfter: f.RetryAfter}
	if f.Reason != "" {
		e.Reason, e.Message = f.Reason, f.Message
		return e
	}
	switch f.Status {
	case http.StatusTooManyRequests:
		e.Reason, e.Message = ReasonRateLimit, "Requests were made too frequently"
	case http.StatusServiceUnavailable:
		e.Reason, e.Message = ReasonMaintenance, "The Gemini Exchange is currently undergoing maintenance."
	case http.StatusBadGateway:
		e.Reason, e.Message = ReasonSystem, "We are investigating technical issues with the Gemini Exchange."
	default:
		e.Reason, e.Message = ReasonSystem, "Internal Server Error"
	}
	return e
}

type faultSet struct {
	mu     sync.Mutex
	faults []*Fault
}

// SetFault switches a fault on. Faults apply to Gemini paths only, never to
// the admin API, in the order they were set; each request meets at most one.
func (s *Server) SetFault(f Fault) {
	if f.Kind == FaultStatus && f.Status == 0 {
		f.Status = http.StatusServiceUnavailable
		if f.Reason != "" {
			f.Status = http.StatusBadRequest
		}
	}
	s.faults.mu.Lock()
	s.faults.faults = append(s.faults.faults, &f)
	s.faults.mu.Unlock()
}

// ClearFaults switches every fault off.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	s.faults.faults = nil
	s.faults.mu.Unlock()
}

// Faults returns the faults in force.
func (s *Server) Faults() []Fault {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	out := make([]Fault, 0, len(s.faults.faults))
	for _, f := range s.faults.faults {
		out = append(out, *f)
	}
	return out
}

// take returns the fault that hits a request to path, if any, and uses up
// one of its count.
func (fs *faultSet) take(path string) (Fault, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, f := range fs.faults {
		if f.Path != "" && f.Path != path {
			continue
		}
		hit := *f
		if f.Count > 0 {
			f.Count--
			if f.Count == 0 {
				fs.faults = append(fs.faults[:i:i], fs.faults[i+1:]...)
			}
		}
		return hit, true
	}
	return Fault{}, false
}

// heldSet tracks the requests a FaultSlowCommit holds. Requests held
// together form a generation that Release lets go at once.
type heldSet struct {
	mu  sync.Mutex
	gen *heldGen
	n   int // taken and not yet answered, every generation
}

type heldGen struct {
	release chan struct{} // closed by Release
	pending int           // held or being processed
	done    chan struct{} // closed when released and pending reaches 0
}

// MaxHold bounds how long a slow-commit fault without a Latency holds a
// request that is never released.
const MaxHold = 2 * time.Minute

// hold waits for d (0: MaxHold) or until Release, and returns the function
// to call once the request has been processed.
func (h *heldSet) hold(d time.Duration) (finish func()) {
	h.mu.Lock()
	if h.gen == nil {
		h.gen = &heldGen{release: make(chan struct{}), done: make(chan struct{})}
	}
	g := h.gen
	g.pending++
	h.n++
	h.mu.Unlock()
	if d <= 0 {
		d = MaxHold
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-g.release:
	}
	return func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.n--
		g.pending--
		if g.pending == 0 && h.gen != g {
			close(g.done)
		}
	}
}

// Held returns how many requests a slow-commit fault has taken and not yet
// processed and answered.
func (s *Server) Held() int {
	s.held.mu.Lock()
	defer s.held.mu.Unlock()
	return s.held.n
}

// WaitHeld waits until at least n requests are held (see Held), so that a
// test knows a slow request has reached the exchange before it goes on.
func (s *Server) WaitHeld(ctx context.Context, n int) error {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for s.Held() < n {
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %d held requests (%d held): %w", n, s.Held(), ctx.Err())
		case <-tick.C:
		}
	}
	return nil
}

// Release lets every request a slow-commit fault holds go on at once, and
// returns once they have all been processed (their effects committed),
// with how many there were. Requests taken after the call are not released.
func (s *Server) Release() int {
	h := &s.held
	h.mu.Lock()
	g := h.gen
	h.gen = nil
	if g == nil {
		h.mu.Unlock()
		return 0
	}
	n := g.pending
	close(g.release)
	if g.pending == 0 {
		close(g.done)
	}
	h.mu.Unlock()
	<-g.done
	return n
}
