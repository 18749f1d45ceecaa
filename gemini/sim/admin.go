package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// OrderView is a snapshot of one order, for tests and the admin API.
type OrderView struct {
	ID            string          `json:"order_id"`
	ClientOrderID string          `json:"client_order_id,omitempty"`
	Symbol        string          `json:"symbol"`
	Side          string          `json:"side"`
	Type          string          `json:"type"`
	Price         decimal.Decimal `json:"price"`
	StopPrice     decimal.Decimal `json:"stop_price"` // zero for limit orders
	Original      decimal.Decimal `json:"original_amount"`
	Executed      decimal.Decimal `json:"executed_amount"`
	Remaining     decimal.Decimal `json:"remaining_amount"`
	AvgPrice      decimal.Decimal `json:"avg_execution_price"`
	Hold          decimal.Decimal `json:"hold"` // what the order holds now, in HoldCurrency
	HoldCurrency  string          `json:"hold_currency"`
	Options       []string        `json:"options"`
	Live          bool            `json:"is_live"`
	Cancelled     bool            `json:"is_cancelled"`
	Triggered     bool            `json:"triggered"` // stop-limit orders: the stop was reached
	Reason        string          `json:"reason,omitempty"`
	Time          time.Time       `json:"time"`
	APIKey        string          `json:"api_key"`
}

// BalanceView is a snapshot of one currency's balance.
type BalanceView struct {
	Currency  string          `json:"currency"`
	Amount    decimal.Decimal `json:"amount"`
	Available decimal.Decimal `json:"available"` // Amount less the holds of live orders
}

// TradeView is one fill.
type TradeView struct {
	ID          uint64          `json:"tid"`
	OrderID     string          `json:"order_id"`
	Symbol      string          `json:"symbol"`
	Side        string          `json:"side"`
	Price       decimal.Decimal `json:"price"`
	Amount      decimal.Decimal `json:"amount"`
	Fee         decimal.Decimal `json:"fee_amount"`
	FeeCurrency string          `json:"fee_currency"`
	Aggressor   bool            `json:"aggressor"` // taker
	Time        time.Time       `json:"time"`
}

// MarketView is a symbol's simulated market.
type MarketView struct {
	Symbol string          `json:"symbol"`
	Bid    decimal.Decimal `json:"bid"`
	Ask    decimal.Decimal `json:"ask"`
	Last   decimal.Decimal `json:"last"`
}

func (s *Server) orderView(o *order) OrderView {
	avg := decimal.Zero
	if o.Executed.IsPositive() {
		avg = o.Notional.DivRound(o.Executed, 12)
	}
	return OrderView{
		ID: strconv.FormatUint(o.ID, 10), ClientOrderID: o.ClientID, Symbol: o.Symbol, Side: o.Side, Type: o.Type,
		Price: o.Price, StopPrice: o.StopPrice, Original: o.Original, Executed: o.Executed, Remaining: o.remaining(),
		AvgPrice: avg, Hold: o.Hold, HoldCurrency: holdCurrency(o), Options: append([]string{}, o.Options...),
		Live: o.Live, Cancelled: o.Cancelled, Triggered: o.Triggered, Reason: o.Reason,
		Time: time.UnixMilli(o.TimeMs).UTC(), APIKey: o.APIKey,
	}
}

// Orders returns every order the simulator has seen, oldest first.
func (s *Server) Orders() []OrderView {
	var out []OrderView
	s.view(func() {
		out = make([]OrderView, 0, len(s.st.Orders))
		for _, o := range s.st.Orders {
			out = append(out, s.orderView(o))
		}
	})
	return out
}

// Order returns one order by id.
func (s *Server) Order(orderID string) (OrderView, error) {
	var v OrderView
	err := s.txnErr(func() *Error {
		o, e := s.findOrder(orderID)
		if e == nil {
			v = s.orderView(o)
		}
		return e
	})
	return v, err
}

func (s *Server) findOrder(orderID string) (*order, *Error) {
	id, err := strconv.ParseUint(strings.TrimSpace(orderID), 10, 64)
	if err != nil {
		return nil, errorf(http.StatusBadRequest, ReasonInvalidOrderID, "Invalid order id %q", orderID)
	}
	o := s.byID[id]
	if o == nil {
		return nil, notFound(orderID)
	}
	return o, nil
}

func (s *Server) balanceViews() []BalanceView {
	out := make([]BalanceView, 0, len(s.st.Balances))
	for c, b := range s.st.Balances {
		out = append(out, BalanceView{Currency: c, Amount: b.Amount, Available: b.Amount.Sub(b.Held)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Currency < out[j].Currency })
	return out
}

// Balances returns every currency's balance, keyed by currency code.
func (s *Server) Balances() map[string]BalanceView {
	out := map[string]BalanceView{}
	s.view(func() {
		for _, b := range s.balanceViews() {
			out[b.Currency] = b
		}
	})
	return out
}

// Trades returns every fill, oldest first.
func (s *Server) Trades() []TradeView {
	var out []TradeView
	s.view(func() {
		out = make([]TradeView, 0, len(s.st.Trades))
		for _, t := range s.st.Trades {
			out = append(out, TradeView{
				ID: t.ID, OrderID: strconv.FormatUint(t.OrderID, 10), Symbol: t.Symbol, Side: t.Side,
				Price: t.Price, Amount: t.Amount, Fee: t.Fee, FeeCurrency: t.FeeCurrency,
				Aggressor: t.Aggressor, Time: time.UnixMilli(t.TimeMs).UTC(),
			})
		}
	})
	return out
}

// Markets returns every symbol's market, sorted by symbol.
func (s *Server) Markets() []MarketView {
	out := []MarketView{}
	s.view(func() {
		for _, sym := range Symbols() {
			m := s.st.Markets[sym]
			out = append(out, MarketView{sym, m.Bid, m.Ask, m.Last})
		}
	})
	return out
}

// SetMarket moves a symbol's market to bid/ask. Stop orders it reaches
// trigger; resting orders it crosses fill in full at their limit price
// (partial fills: Fill).
func (s *Server) SetMarket(symbol string, bid, ask decimal.Decimal) error {
	info, ok := lookupSymbol(symbol)
	if !ok {
		return unknownSymbol(symbol)
	}
	if !bid.IsPositive() || ask.LessThan(bid) {
		return errorf(http.StatusBadRequest, ReasonAdmin, "market %s: need 0 < bid <= ask, got bid %s ask %s", info.Symbol, bid, ask)
	}
	return s.txnErr(func() *Error {
		s.moveMarket(info.Symbol, bid, ask)
		return nil
	})
}

// Fund adds amount (or, negative, removes it) to a currency's balance.
// Removing more than is available is an error.
func (s *Server) Fund(currency string, amount decimal.Decimal) error {
	cur := strings.ToUpper(strings.TrimSpace(currency))
	return s.txnErr(func() *Error {
		b := s.st.Balances[cur]
		if b == nil {
			return errorf(http.StatusBadRequest, ReasonAdmin, "unknown currency %q (the simulator trades %s)", currency, strings.Join(s.currencies(), ", "))
		}
		if amount.IsNegative() && b.Amount.Sub(b.Held).LessThan(amount.Neg()) {
			return errorf(http.StatusNotAcceptable, ReasonInsufficientFunds, "cannot remove %s %s: only %s available", amount.Neg(), cur, b.Amount.Sub(b.Held))
		}
		s.touchBalance(cur)
		b.Amount = b.Amount.Add(amount)
		return nil
	})
}

func (s *Server) currencies() []string {
	out := make([]string, 0, len(s.st.Balances))
	for c := range s.st.Balances {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// Fill fills amount of a live order at its limit price, as a maker; zero
// means all that remains. A stop-limit order must have triggered first.
func (s *Server) Fill(orderID string, amount decimal.Decimal) error {
	return s.txnErr(func() *Error {
		o, e := s.findOrder(orderID)
		if e != nil {
			return e
		}
		switch {
		case !o.Live:
			return errorf(http.StatusBadRequest, ReasonAdmin, "order %s is not live", orderID)
		case o.isStop() && !o.Triggered:
			return errorf(http.StatusBadRequest, ReasonAdmin, "order %s is a stop-limit order whose stop %s has not been reached", orderID, o.StopPrice)
		case amount.IsNegative() || amount.GreaterThan(o.remaining()):
			return errorf(http.StatusBadRequest, ReasonAdmin, "cannot fill %s of order %s: %s remains", amount, orderID, o.remaining())
		}
		if amount.IsZero() {
			amount = o.remaining()
		}
		s.fill(o, amount, o.Price, false)
		return nil
	})
}

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

// AdminClient drives a running simulator's admin API, e.g. `orderform sim
// price -url URL`.
type AdminClient struct {
	URL  string       // base URL, e.g. http://127.0.0.1:8399
	HTTP *http.Client // nil = http.DefaultClient
}

func (c *AdminClient) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.URL, "/")+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var env struct{ Reason, Message string }
		if json.Unmarshal(data, &env) == nil && env.Reason != "" {
			return &Error{Status: resp.StatusCode, Reason: env.Reason, Message: env.Message}
		}
		return fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, bytes.TrimSpace(data))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

// SetMarket is Server.SetMarket over HTTP.
func (c *AdminClient) SetMarket(ctx context.Context, symbol string, bid, ask decimal.Decimal) (MarketView, error) {
	var m MarketView
	err := c.do(ctx, http.MethodPost, "/admin/price", adminPrice{symbol, bid, ask}, &m)
	return m, err
}

// Fund is Server.Fund over HTTP.
func (c *AdminClient) Fund(ctx context.Context, currency string, amount decimal.Decimal) (BalanceView, error) {
	var b BalanceView
	err := c.do(ctx, http.MethodPost, "/admin/fund", adminFund{currency, amount}, &b)
	return b, err
}

// Fill is Server.Fill over HTTP.
func (c *AdminClient) Fill(ctx context.Context, orderID string, amount decimal.Decimal) (OrderView, error) {
	var o OrderView
	err := c.do(ctx, http.MethodPost, "/admin/fill", adminFill{orderID, amount}, &o)
	return o, err
}

// SetFault is Server.SetFault over HTTP.
func (c *AdminClient) SetFault(ctx context.Context, f Fault) error {
	return c.do(ctx, http.MethodPost, "/admin/fault", faultToJSON(f), nil)
}

// ClearFaults is Server.ClearFaults over HTTP.
func (c *AdminClient) ClearFaults(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/admin/faults/clear", nil, nil)
}

// Orders is Server.Orders over HTTP.
func (c *AdminClient) Orders(ctx context.Context) ([]OrderView, error) {
	var out []OrderView
	err := c.do(ctx, http.MethodGet, "/admin/orders", nil, &out)
	return out, err
}

// Balances is Server.Balances over HTTP, sorted by currency.
func (c *AdminClient) Balances(ctx context.Context) ([]BalanceView, error) {
	var out []BalanceView
	err := c.do(ctx, http.MethodGet, "/admin/balances", nil, &out)
	return out, err
}

// Markets is Server.Markets over HTTP.
func (c *AdminClient) Markets(ctx context.Context) ([]MarketView, error) {
	var out []MarketView
	err := c.do(ctx, http.MethodGet, "/admin/markets", nil, &out)
	return out, err
}

// Clock is the exchange's clock: its offset, its nonce window and its time.
type Clock struct {
	Offset      time.Duration
	NonceWindow time.Duration
	Now         time.Time
}

func (a adminClock) clock() Clock {
	var c Clock
	if a.OffsetMs != nil {
		c.Offset = time.Duration(*a.OffsetMs) * time.Millisecond
	}
	if a.NonceWindowMs != nil {
		c.NonceWindow = time.Duration(*a.NonceWindowMs) * time.Millisecond
	}
	if a.Now != nil {
		c.Now = *a.Now
	}
	return c
}

// Clock reads the exchange's clock.
func (c *AdminClient) Clock(ctx context.Context) (Clock, error) {
	var a adminClock
	err := c.do(ctx, http.MethodGet, "/admin/clock", nil, &a)
	return a.clock(), err
}

// SetClockOffset is Server.SetClockOffset over HTTP.
func (c *AdminClient) SetClockOffset(ctx context.Context, d time.Duration) (Clock, error) {
	ms := d.Milliseconds()
	var a adminClock
	err := c.do(ctx, http.MethodPost, "/admin/clock", adminClock{OffsetMs: &ms}, &a)
	return a.clock(), err
}

// SetNonceWindow is Server.SetNonceWindow over HTTP.
func (c *AdminClient) SetNonceWindow(ctx context.Context, d time.Duration) (Clock, error) {
	ms := d.Milliseconds()
	var a adminClock
	err := c.do(ctx, http.MethodPost, "/admin/clock", adminClock{NonceWindowMs: &ms}, &a)
	return a.clock(), err
}

// Release is Server.Release over HTTP: it returns once the held requests
// have been processed.
func (c *AdminClient) Release(ctx context.Context) (int, error) {
	var out struct{ Released int }
	err := c.do(ctx, http.MethodPost, "/admin/release", nil, &out)
	return out.Released, err
}

// Held is Server.Held over HTTP.
func (c *AdminClient) Held(ctx context.Context) (int, error) {
	var out struct{ Held int }
	err := c.do(ctx, http.MethodGet, "/admin/held", nil, &out)
	return out.Held, err
}
