package sim

import (
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
