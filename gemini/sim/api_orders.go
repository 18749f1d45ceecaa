package sim

import (
	"net/http"
	"strconv"

	"github.com/shopspring/decimal"
)

// orderIDField parses order_id, a JSON number or a string of digits.
func (rq *privReq) orderIDField() (id uint64, present bool, e *Error) {
	raw, ok := rq.p["order_id"]
	if !ok || string(raw) == "null" {
		return 0, false, nil
	}
	text := string(raw)
	if s, err := unquote(raw); err == nil {
		text = s
	}
	id, err := strconv.ParseUint(text, 10, 64)
	if err != nil {
		return 0, true, errorf(http.StatusBadRequest, ReasonInvalidOrderID, "Invalid order id %s", raw)
	}
	return id, true, nil
}

func notFound(id string) *Error {
	return errorf(http.StatusNotFound, ReasonOrderNotFound, "Order %s not found", id)
}

// apiCancel cancels by order_id. Cancelling an order that is no longer live
// (cancelled or filled) changes nothing and answers its status, as Gemini
// does for cancelled orders.
func (s *Server) apiCancel(rq *privReq) (any, *Error) {
	id, present, e := rq.orderIDField()
	if e != nil {
		return nil, e
	}
	if !present {
		return nil, errorf(http.StatusBadRequest, ReasonMissingOrderField, "Missing order_id")
	}
	o := s.byID[id]
	if o == nil {
		return nil, notFound(strconv.FormatUint(id, 10))
	}
	if o.Live {
		s.cancel(o, CancelRequested)
	}
	return s.wire(o, false), nil
}

func (s *Server) apiCancelSession(rq *privReq) (any, *Error) {
	return s.cancelMany(func(o *order) bool { return o.APIKey == rq.key.Key }), nil
}

func (s *Server) apiCancelAll(rq *privReq) (any, *Error) {
	return s.cancelMany(func(*order) bool { return true }), nil
}

func (s *Server) cancelMany(match func(*order) bool) any {
	ids := []jsonNumber{}
	for _, o := range s.st.Orders {
		if o.Live && match(o) {
			s.cancel(o, CancelRequested)
			ids = append(ids, jsonNumber(decimal.NewFromUint64(o.ID)))
		}
	}
	return map[string]any{"result": "ok", "details": map[string]any{"cancelRejects": []jsonNumber{}, "cancelledOrders": ids}}
}

// apiStatus answers /v1/order/status. By order_id it is one order object; by
// client_order_id it is an array of every order carrying that id, newest
// first (client ids need not be unique), or 404 when there is none.
func (s *Server) apiStatus(rq *privReq) (any, *Error) {
	id, byID, e := rq.orderIDField()
	if e != nil {
		return nil, e
	}
	cid, byCID, err := rq.str("client_order_id")
	if err != nil {
		return nil, errorf(http.StatusBadRequest, ReasonClientOrderIDMustBeString, "client_order_id must be a string")
	}
	trades, err := rq.boolField("include_trades")
	if err != nil {
		return nil, errorf(http.StatusBadRequest, ReasonInvalidRequest, "include_trades must be a boolean")
	}
	switch {
	case byID && byCID:
		return nil, errorf(http.StatusBadRequest, ReasonInvalidRequest, "Give order_id or client_order_id, not both")
	case byID:
		o := s.byID[id]
		if o == nil {
			return nil, notFound(strconv.FormatUint(id, 10))
		}
		return s.wire(o, trades), nil
	case byCID:
		out := []wireOrder{}
		for i := len(s.st.Orders) - 1; i >= 0; i-- {
			if o := s.st.Orders[i]; o.ClientID == cid {
				out = append(out, s.wire(o, trades))
			}
		}
		if len(out) == 0 {
			return nil, errorf(http.StatusNotFound, ReasonOrderNotFound, "No order with client_order_id %q", cid)
		}
		return out, nil
	}
	return nil, errorf(http.StatusBadRequest, ReasonMissingOrderField, "Missing order_id or client_order_id")
}

// apiHistory answers /v1/orders/history with closed (filled or cancelled)
// orders, newest first. Without "timestamp" it gives the newest
// limit_orders; with it, the oldest limit_orders placed at or after it (so
// paging forward with timestamp = newest seen + 1 misses nothing), still
// listed newest first.
func (s *Server) apiHistory(rq *privReq) (any, *Error) {
	sym, e := rq.symbolFilter()
	if e != nil {
		return nil, e
	}
	limit, e := rq.limitField("limit_orders")
	if e != nil {
		return nil, e
	}
	if s.histCap > 0 {
		limit = min(limit, s.histCap)
	}
	since, e := rq.sinceMs()
	if e != nil {
		return nil, e
	}
	var match []*order // oldest first
	for _, o := range s.st.Orders {
		if !o.Live && (sym == "" || o.Symbol == sym) && o.TimeMs >= since {
			match = append(match, o)
		}
	}
	if len(match) > limit {
		if since >= 0 {
			match = match[:limit]
		} else {
			match = match[len(match)-limit:]
		}
	}
	out := make([]wireOrder, 0, len(match))
	for i := len(match) - 1; i >= 0; i-- {
		out = append(out, s.wire(match[i], true))
	}
	return out, nil
}

func (s *Server) apiMyTrades(rq *privReq) (any, *Error) {
	sym, e := rq.symbolFilter()
	if e != nil {
		return nil, e
	}
	limit, e := rq.limitField("limit_trades")
	if e != nil {
		return nil, e
	}
	since, e := rq.sinceMs()
	if e != nil {
		return nil, e
	}
	var match []*trade
	for _, t := range s.st.Trades {
		if (sym == "" || t.Symbol == sym) && t.TimeMs >= since {
			match = append(match, t)
		}
	}
	if len(match) > limit {
		if since >= 0 {
			match = match[:limit]
		} else {
			match = match[len(match)-limit:]
		}
	}
	out := make([]map[string]any, 0, len(match))
	for i := len(match) - 1; i >= 0; i-- {
		t := match[i]
		w := s.wireTrade(t)
		m := map[string]any{
			"price": w.Price, "amount": w.Amount, "timestamp": w.Timestamp, "timestampms": w.TimestampMs,
			"type": w.Type, "aggressor": w.Aggressor, "fee_currency": w.FeeCurrency, "fee_amount": w.FeeAmount,
			"tid": w.TID, "order_id": w.OrderID, "exchange": "gemini", "is_auction_fill": false,
			"is_clearing_fill": false, "symbol": upper(t.Symbol),
		}
		if o := s.byID[t.OrderID]; o != nil && o.ClientID != "" {
			m["client_order_id"] = o.ClientID
		}
		out = append(out, m)
	}
	return out, nil
}
