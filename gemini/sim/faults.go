package sim

import (
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
)

var faultNames = map[FaultKind]string{
	FaultStatus: "status", FaultLatency: "latency", FaultDrop: "drop", FaultLoseResponse: "lose-response",
}

func (k FaultKind) String() string {
	if n, ok := faultNames[k]; ok {
		return n
	}
	return fmt.Sprintf("FaultKind(%d)", int(k))
}

// ParseFaultKind turns "status", "latency", "drop" or "lose-response" into
// a FaultKind.
func ParseFaultKind(s string) (FaultKind, error) {
	for k, n := range faultNames {
		if n == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown fault kind %q (want status, latency, drop or lose-response)", s)
}

// Fault is a failure switched on for tests.
type Fault struct {
	Path       string        // the Gemini path it hits, e.g. "/v1/order/new"; "" = every path
	Kind       FaultKind     //
	Count      int           // how many requests it hits; 0 = until ClearFaults
	Status     int           // FaultStatus: 429, 500, 502, 503 (default 503)
	RetryAfter int           // FaultStatus: seconds for the Retry-After header
	Latency    time.Duration // added before any kind acts; FaultLatency's whole effect
}

// answer is the response of a FaultStatus fault, as Gemini words each status.
func (f Fault) answer() *Error {
	e := &Error{Status: f.Status, RetryAfter: f.RetryAfter}
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
