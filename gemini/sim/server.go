package sim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopspring/decimal"
)

// LocalKey and LocalSecret are the fixed credentials of the built-in `local`
// environment. They are not secret: the local simulator holds paper money.
// The key has the Trader role and an increasing nonce.
const (
	LocalKey    = "account-orderform-local"
	LocalSecret = "orderform-local-secret-paper-money-only"
)

// Roles a key can hold.
const (
	RoleTrader      = "trader"
	RoleFundManager = "fundmanager"
	RoleAuditor     = "auditor"
)

// Default fees, in basis points: Gemini's API fee schedule at its lowest
// volume tier is of this order (maker below taker).
const (
	DefaultMakerFeeBps = 10
	DefaultTakerFeeBps = 35
)

// Key is an API key the simulator accepts.
type Key struct {
	Key, Secret string
	// Roles are "trader", "fundmanager" and "auditor"; none means trader, as
	// for a new Gemini key. Auditor cannot be combined with the others.
	Roles []string
	// TimeNonce makes the key expect nonces in seconds within the nonce
	// window (default ±30 s) of the exchange's clock instead of strictly
	// increasing ones.
	TimeNonce bool
}

// Options configure a Server.
type Options struct {
	// Keys accepted on the private API; none means just LocalKey.
	Keys []Key
	// StatePath is "" to keep the state in memory. Otherwise the state is
	// loaded from it if it exists (a corrupt or foreign file is an error that
	// names it) and saved to it atomically, mode 0600, after every change.
	StatePath string
	// Now is the clock for timestamps and time-based nonces; default time.Now.
	// Rate limiting and the delays of faults always use the real clock.
	Now func() time.Time
	// ClockOffset moves the exchange's clock away from Now: positive runs
	// ahead, negative behind (see SetClockOffset).
	ClockOffset time.Duration
	// NonceWindow is how far a time-based nonce may be from the exchange's
	// clock, either way; 0 means DefaultNonceWindow (Gemini's 30 s).
	NonceWindow time.Duration
	// RateLimit enforces Gemini's limits: PrivatePerMinute per key (default
	// 600) and PublicPerMinute per client address (default 120), each with a
	// one-second burst and a queue of five delayed requests, beyond which
	// requests get 429 with reason RateLimit and a Retry-After header.
	RateLimit                         bool
	PrivatePerMinute, PublicPerMinute int
	// MakerFeeBps and TakerFeeBps are the fees in basis points of the
	// notional, charged in the quote currency. Zero means the default
	// (DefaultMakerFeeBps, DefaultTakerFeeBps); a negative value means no fee.
	MakerFeeBps, TakerFeeBps int64
	// LaxClientOrderIDs accepts any client_order_id string of up to 100
	// bytes (Gemini's ClientOrderIdTooLong limit), spaces included: Gemini
	// documents its alphabet as what ids "should" match, so another
	// program may well have placed " of:ns:…". Default: the documented
	// [A-Za-z0-9:_.#-]{1,36}.
	LaxClientOrderIDs bool
	// HistoryPageCap, when positive, answers at most that many orders per
	// /v1/orders/history page, whatever limit_orders asks: a cap below the
	// documented 500 that Gemini might apply without saying so.
	HistoryPageCap int
	// Walk, when set, starts a random walk of the market (see StartWalk).
	Walk *Walk
}

// Server is the simulated exchange. It is an http.Handler and safe for
// concurrent use.
type Server struct {
	now       func() time.Time
	statePath string
	keys      map[string]*Key
	makerFee  decimal.Decimal // fraction, e.g. 0.001
	takerFee  decimal.Decimal
	maxFee    decimal.Decimal
	laxCIDs   bool
	histCap   int

	mu    sync.Mutex // guards st, byID, chg and store; see lockState
	st    *state
	byID  map[uint64]*order
	chg   changes
	store *fileStore // nil: in memory

	clockOffset atomic.Int64 // time.Duration
	nonceWindow atomic.Int64 // time.Duration

	faults  faultSet
	held    heldSet
	limits  *limiter
	reqMu   sync.Mutex
	reqSeen map[string]int
	walk    walker
}

// New returns a simulator. A fresh state has demo balances and a market per
// built-in symbol.
func New(opts Options) (*Server, error) {
	s := &Server{
		now:       opts.Now,
		statePath: opts.StatePath,
		keys:      map[string]*Key{},
		reqSeen:   map[string]int{},
		laxCIDs:   opts.LaxClientOrderIDs,
		histCap:   opts.HistoryPageCap,
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.SetClockOffset(opts.ClockOffset)
	if err := s.SetNonceWindow(opts.NonceWindow); err != nil {
		return nil, err
	}
	keys := opts.Keys
	if len(keys) == 0 {
		keys = []Key{{Key: LocalKey, Secret: LocalSecret, Roles: []string{RoleTrader}}}
	}
	for i := range keys {
		k := keys[i]
		if k.Key == "" || k.Secret == "" {
			return nil, fmt.Errorf("simulator key %d: key and secret must not be empty", i)
		}
		if _, dup := s.keys[k.Key]; dup {
			return nil, fmt.Errorf("simulator key %q given twice", k.Key)
		}
		if len(k.Roles) == 0 {
			k.Roles = []string{RoleTrader}
		}
		for _, r := range k.Roles {
			switch r {
			case RoleTrader, RoleFundManager, RoleAuditor:
			default:
				return nil, fmt.Errorf("simulator key %q: unknown role %q (want trader, fundmanager or auditor)", k.Key, r)
			}
			if r == RoleAuditor && len(k.Roles) > 1 {
				return nil, fmt.Errorf("simulator key %q: the auditor role cannot be combined with others", k.Key)
			}
		}
		k.Roles = append([]string(nil), k.Roles...)
		s.keys[k.Key] = &k
	}
	s.makerFee = feeFraction(opts.MakerFeeBps, DefaultMakerFeeBps)
	s.takerFee = feeFraction(opts.TakerFeeBps, DefaultTakerFeeBps)
	s.maxFee = decimal.Max(s.makerFee, s.takerFee)
	if opts.RateLimit {
		s.limits = newLimiter(opts.PrivatePerMinute, opts.PublicPerMinute)
	}
	s.setState(newState())
	s.chg.reset(s.st)
	if opts.StatePath != "" {
		if err := s.open(opts.StatePath); err != nil {
			return nil, err
		}
	}
	if opts.Walk != nil {
		if err := s.StartWalk(*opts.Walk); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// open loads the state file, writing a fresh one if there is none.
func (s *Server) open(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("simulator state %s: %w", path, err)
	}
	s.store = newFileStore(path)
	if e := s.lockState(); e != nil {
		s.unlockState()
		return errors.New(e.Message)
	}
	defer s.unlockState()
	if s.store.snap == nil || s.store.upgrade {
		if err := s.compact(); err != nil {
			s.store.loaded = false
			return fmt.Errorf("simulator state %s: %w", path, err)
		}
	}
	return nil
}

func feeFraction(bps, def int64) decimal.Decimal {
	switch {
	case bps == 0:
		bps = def
	case bps < 0:
		bps = 0
	}
	return decimal.New(bps, -4)
}

func (s *Server) setState(st *state) {
	s.st = st
	s.byID = make(map[uint64]*order, len(st.Orders))
	for _, o := range st.Orders {
		s.byID[o.ID] = o
	}
}

// ServeHTTP answers Gemini's REST API under /v1/ and the admin API under
// /admin/ (see the package documentation).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	}
	path := r.URL.Path
	if path == "/admin" || strings.HasPrefix(path, "/admin/") {
		s.setDate(w)
		s.serveAdmin(w, r)
		return
	}
	s.countRequest(path)
	lose := false
	if f, ok := s.faults.take(path); ok {
		if f.Kind == FaultSlowCommit {
			// The exchange has taken the request: it is processed at the
			// end of the delay even if the client has gone meanwhile.
			r = r.WithContext(context.WithoutCancel(r.Context()))
			defer s.held.hold(f.Latency)()
		} else if f.Latency > 0 {
			select {
			case <-time.After(f.Latency):
			case <-r.Context().Done():
				return
			}
		}
		switch f.Kind {
		case FaultDrop:
			abort(w)
			return
		case FaultStatus:
			s.setDate(w)
			writeError(w, f.answer())
			return
		case FaultLoseResponse:
			lose = true
		}
	}
	if lose {
		s.serveAPI(discardWriter{h: http.Header{}}, r)
		abort(w)
		return
	}
	s.setDate(w)
	s.serveAPI(w, r)
}

// setDate stamps the answer's Date header with the exchange's clock (Go's
// server would use the machine's), as Gemini's is on its own: clients learn
// the exchange's clock from it. It is called when the answer is about to be
// written, after any delay.
func (s *Server) setDate(w http.ResponseWriter) {
	w.Header().Set("Date", s.clock().UTC().Format(http.TimeFormat))
}

// abort closes the connection without an answer.
func abort(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// discardWriter swallows the answer of a request whose response is lost.
type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header         { return d.h }
func (d discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d discardWriter) WriteHeader(int)             {}

func (s *Server) countRequest(path string) {
	s.reqMu.Lock()
	s.reqSeen[path]++
	s.reqMu.Unlock()
}

// Requests returns how many requests each Gemini path has received (admin
// requests are not counted), for tests that hold a client to a call budget.
func (s *Server) Requests() map[string]int {
	s.reqMu.Lock()
	defer s.reqMu.Unlock()
	out := make(map[string]int, len(s.reqSeen))
	for k, v := range s.reqSeen {
		out[k] = v
	}
	return out
}

// ResetRequests sets every request count back to zero.
func (s *Server) ResetRequests() {
	s.reqMu.Lock()
	s.reqSeen = map[string]int{}
	s.reqMu.Unlock()
}
