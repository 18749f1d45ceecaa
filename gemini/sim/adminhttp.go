package sim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// The admin HTTP API, outside Gemini's /v1 paths. It takes and returns
// JSON; decimals are strings. Errors use Gemini's envelope.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	v, err := s.admin(r)
	if err != nil {
		e, ok := err.(*Error)
		if !ok {
			e = errorf(http.StatusBadRequest, ReasonAdmin, "%v", err)
		}
		writeError(w, e)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

type adminPrice struct {
	Symbol string          `json:"symbol"`
	Bid    decimal.Decimal `json:"bid"`
	Ask    decimal.Decimal `json:"ask"`
}

type adminFund struct {
	Currency string          `json:"currency"`
	Amount   decimal.Decimal `json:"amount"`
}

type adminFill struct {
	OrderID string          `json:"order_id"`
	Amount  decimal.Decimal `json:"amount"` // zero or absent = all remaining
}

type adminFault struct {
	Path       string `json:"path,omitempty"`
	Kind       string `json:"kind"` // status, latency, drop, lose-response
	Count      int    `json:"count,omitempty"`
	Status     int    `json:"status,omitempty"`
	RetryAfter int    `json:"retry_after,omitempty"`
	LatencyMs  int64  `json:"latency_ms,omitempty"`
	Reason     string `json:"reason,omitempty"`
	Message    string `json:"message,omitempty"`
}

// adminClock is the exchange's clock: its offset from the machine's clock
// (or Options.Now) and the time-based nonce window. In a POST, an absent
// field is left as it is.
type adminClock struct {
	OffsetMs      *int64     `json:"offset_ms,omitempty"`
	NonceWindowMs *int64     `json:"nonce_window_ms,omitempty"`
	Now           *time.Time `json:"now,omitempty"` // the exchange's time; answers only
}

func (s *Server) clockJSON() adminClock {
	off, win, now := s.ClockOffset().Milliseconds(), s.NonceWindow().Milliseconds(), s.clock().UTC()
	return adminClock{&off, &win, &now}
}

func faultToJSON(f Fault) adminFault {
	return adminFault{f.Path, f.Kind.String(), f.Count, f.Status, f.RetryAfter, f.Latency.Milliseconds(), f.Reason, f.Message}
}

func (a adminFault) fault() (Fault, error) {
	k, err := ParseFaultKind(a.Kind)
	if err != nil {
		return Fault{}, err
	}
	return Fault{Path: a.Path, Kind: k, Count: a.Count, Status: a.Status, RetryAfter: a.RetryAfter, Latency: time.Duration(a.LatencyMs) * time.Millisecond,
		Reason: a.Reason, Message: a.Message}, nil
}

func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("bad admin request body: %v", err)
	}
	return nil
}

func (s *Server) admin(r *http.Request) (any, error) {
	get, post := r.Method == http.MethodGet, r.Method == http.MethodPost
	switch p := strings.TrimSuffix(r.URL.Path, "/"); {
	case get && p == "/admin/orders":
		return s.Orders(), nil
	case get && p == "/admin/balances":
		var out []BalanceView
		s.view(func() { out = s.balanceViews() })
		return out, nil
	case get && p == "/admin/markets":
		return s.Markets(), nil
	case get && p == "/admin/trades":
		return s.Trades(), nil
	case get && p == "/admin/requests":
		return s.Requests(), nil
	case get && p == "/admin/faults":
		out := []adminFault{}
		for _, f := range s.Faults() {
			out = append(out, faultToJSON(f))
		}
		return out, nil
	case post && p == "/admin/price":
		return s.adminSetPrice(r)
	case post && p == "/admin/fund":
		var a adminFund
		if err := decodeBody(r, &a); err != nil {
			return nil, err
		}
		if err := s.Fund(a.Currency, a.Amount); err != nil {
			return nil, err
		}
		return s.Balances()[strings.ToUpper(strings.TrimSpace(a.Currency))], nil
	case post && p == "/admin/fill":
		var a adminFill
		if err := decodeBody(r, &a); err != nil {
			return nil, err
		}
		if err := s.Fill(a.OrderID, a.Amount); err != nil {
			return nil, err
		}
		return s.Order(a.OrderID)
	case post && p == "/admin/fault":
		var a adminFault
		if err := decodeBody(r, &a); err != nil {
			return nil, err
		}
		f, err := a.fault()
		if err != nil {
			return nil, err
		}
		s.SetFault(f)
		return map[string]string{"result": "ok"}, nil
	case get && p == "/admin/clock":
		return s.clockJSON(), nil
	case post && p == "/admin/clock":
		return s.adminSetClock(r)
	case get && p == "/admin/held":
		return map[string]int{"held": s.Held()}, nil
	case post && p == "/admin/release":
		return map[string]int{"released": s.Release()}, nil
	case post && p == "/admin/faults/clear", r.Method == http.MethodDelete && p == "/admin/faults":
		s.ClearFaults()
		return map[string]string{"result": "ok"}, nil
	case p == "/admin/walk" || strings.HasPrefix(p, "/admin/walk/"):
		return s.adminWalk(r, p)
	case post && p == "/admin/requests/reset":
		s.ResetRequests()
		return map[string]string{"result": "ok"}, nil
	}
	return nil, errorf(http.StatusNotFound, ReasonEndpointNotFound, "admin entry point not found: %s %s", r.Method, r.URL.Path)
}

// adminSetPrice is POST /admin/price: set a market, answer it.
func (s *Server) adminSetPrice(r *http.Request) (any, error) {
	var a adminPrice
	if err := decodeBody(r, &a); err != nil {
		return nil, err
	}
	if err := s.SetMarket(a.Symbol, a.Bid, a.Ask); err != nil {
		return nil, err
	}
	info, _ := lookupSymbol(a.Symbol)
	for _, m := range s.Markets() {
		if m.Symbol == info.Symbol {
			return m, nil
		}
	}
	return nil, errorf(http.StatusNotFound, ReasonEndpointNotFound, "admin entry point not found: %s %s", r.Method, r.URL.Path)
}

// adminSetClock is POST /admin/clock: set the clock's offset and the nonce
// window, answer the clock.
func (s *Server) adminSetClock(r *http.Request) (any, error) {
	var a adminClock
	if err := decodeBody(r, &a); err != nil {
		return nil, err
	}
	if a.Now != nil {
		return nil, fmt.Errorf("the exchange's time is set by offset_ms, not now")
	}
	if a.NonceWindowMs != nil {
		if err := s.SetNonceWindow(time.Duration(*a.NonceWindowMs) * time.Millisecond); err != nil {
			return nil, err
		}
	}
	if a.OffsetMs != nil {
		s.SetClockOffset(time.Duration(*a.OffsetMs) * time.Millisecond)
	}
	return s.clockJSON(), nil
}
