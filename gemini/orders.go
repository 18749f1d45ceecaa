package gemini

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"

	"github.com/shopspring/decimal"
)

// Order types as Gemini writes them.
const (
	TypeLimit     = "exchange limit"
	TypeStopLimit = "exchange stop limit"
)

// Order is an order as Gemini reports it. Decimals absent from the answer
// are zero, except RemainingAmount: Gemini's stop-limit answer omits it
// (reference §3.13), and then it is OriginalAmount - ExecutedAmount.
type Order struct {
	OrderID, ClientOrderID, Symbol, Exchange, Side string
	Type                                           string // as on the wire: "exchange limit", "exchange stop limit"
	Price, StopPrice                               decimal.Decimal
	OriginalAmount, ExecutedAmount                 decimal.Decimal
	RemainingAmount, AvgExecutionPrice             decimal.Decimal
	Options                                        []string
	IsLive, IsCancelled, IsHidden                  bool
	Reason                                         string // why it was cancelled, e.g. "MakerOrCancelWouldTake"
	TimestampMS                                    int64
}

// NewOrder is an order to place.
type NewOrder struct {
	ClientOrderID, Symbol, Side string
	Type                        string // TypeLimit or TypeStopLimit
	Amount, Price               decimal.Decimal
	StopPrice                   decimal.Decimal // sent only for TypeStopLimit
	Options                     []string
}

// HistoryQuery selects one page of closed orders.
type HistoryQuery struct {
	Symbol string // empty: every symbol
	Since  int64  // timestampms; only orders after it; 0 = from the start
	Limit  int    // at most 500; 0 = Gemini's default (50)
}

// wireOrder is the order object of new, cancel, status, orders and history.
type wireOrder struct {
	OrderID           wireID       `json:"order_id"`
	ID                wireID       `json:"id"`
	ClientOrderID     wireID       `json:"client_order_id"`
	Symbol            string       `json:"symbol"`
	Exchange          string       `json:"exchange"`
	Side              string       `json:"side"`
	Type              string       `json:"type"`
	Price             wireDecimal  `json:"price"`
	StopPrice         wireDecimal  `json:"stop_price"`
	OriginalAmount    wireDecimal  `json:"original_amount"`
	ExecutedAmount    wireDecimal  `json:"executed_amount"`
	RemainingAmount   *wireDecimal `json:"remaining_amount"`
	AvgExecutionPrice wireDecimal  `json:"avg_execution_price"`
	Options           []string     `json:"options"`
	IsLive            bool         `json:"is_live"`
	IsCancelled       bool         `json:"is_cancelled"`
	IsHidden          bool         `json:"is_hidden"`
	Reason            string       `json:"reason"`
	TimestampMS       wireInt      `json:"timestampms"`
	Timestamp         wireInt      `json:"timestamp"`
}

func (w wireOrder) order() Order {
	o := Order{
		OrderID: string(w.OrderID), ClientOrderID: string(w.ClientOrderID),
		Symbol: w.Symbol, Exchange: w.Exchange, Side: w.Side, Type: w.Type,
		Price: w.Price.Decimal, StopPrice: w.StopPrice.Decimal,
		OriginalAmount: w.OriginalAmount.Decimal, ExecutedAmount: w.ExecutedAmount.Decimal,
		AvgExecutionPrice: w.AvgExecutionPrice.Decimal,
		Options:           w.Options, IsLive: w.IsLive, IsCancelled: w.IsCancelled, IsHidden: w.IsHidden,
		Reason: w.Reason, TimestampMS: int64(w.TimestampMS),
	}
	if o.OrderID == "" {
		o.OrderID = string(w.ID)
	}
	if w.RemainingAmount != nil {
		o.RemainingAmount = w.RemainingAmount.Decimal
	} else if left := o.OriginalAmount.Sub(o.ExecutedAmount); left.IsPositive() {
		o.RemainingAmount = left
	}
	if o.TimestampMS == 0 {
		o.TimestampMS = int64(w.Timestamp) * 1000
	}
	return o
}

func orders(ws []wireOrder) []Order {
	out := make([]Order, len(ws))
	for i, w := range ws {
		out[i] = w.order()
	}
	return out
}

// ActiveOrders returns the account's live orders, from every session and the
// web interface (POST /v1/orders).
func (c *Client) ActiveOrders(ctx context.Context) ([]Order, error) {
	var w []wireOrder
	req := request{call: "read active orders", path: "/v1/orders", private: true, read: true}
	if err := c.do(ctx, req, &w); err != nil {
		return nil, err
	}
	return orders(w), nil
}

// NewOrder places o (POST /v1/order/new). It is never retried after a
// failure that may have taken effect: IsAmbiguous tells the caller to look
// the client order id up first. An order Gemini accepted but cancelled at
// once (maker-or-cancel that would take) comes back with IsCancelled set and
// its Reason, and no error: the caller decides what that means.
func (c *Client) NewOrder(ctx context.Context, o NewOrder) (Order, error) {
	fields, err := newOrderFields(o)
	if err != nil {
		return Order{}, fmt.Errorf("place order: %w", err)
	}
	call := "place order"
	if o.ClientOrderID != "" {
		call += " " + o.ClientOrderID
	}
	var w wireOrder
	req := request{call: call, path: "/v1/order/new", private: true, fields: fields,
		stampMS: func() int64 { return w.order().TimestampMS }}
	if err := c.do(ctx, req, &w); err != nil {
		return Order{}, err
	}
	return w.order(), nil
}

// newOrderFields checks o and returns its payload fields, decimals as strings.
func newOrderFields(o NewOrder) ([]field, error) {
	switch {
	case checkSymbol(o.Symbol) != nil:
		return nil, checkSymbol(o.Symbol)
	case o.Side != "buy" && o.Side != "sell":
		return nil, fmt.Errorf("side %q is not buy or sell", o.Side)
	case o.Type != TypeLimit && o.Type != TypeStopLimit:
		return nil, fmt.Errorf("order type %q is not %q or %q", o.Type, TypeLimit, TypeStopLimit)
	case !o.Amount.IsPositive():
		return nil, fmt.Errorf("amount %s is not positive", o.Amount)
	case !o.Price.IsPositive():
		return nil, fmt.Errorf("price %s is not positive", o.Price)
	case o.Type == TypeStopLimit && !o.StopPrice.IsPositive():
		return nil, fmt.Errorf("stop price %s of a stop-limit order is not positive", o.StopPrice)
	case o.Type == TypeLimit && !o.StopPrice.IsZero():
		return nil, errors.New("a stop price needs the order type " + TypeStopLimit)
	}
	var fields []field
	if o.ClientOrderID != "" {
		fields = append(fields, field{"client_order_id", o.ClientOrderID})
	}
	fields = append(fields,
		field{"symbol", o.Symbol},
		field{"amount", o.Amount.String()},
		field{"price", o.Price.String()},
		field{"side", o.Side},
		field{"type", o.Type},
	)
	if len(o.Options) > 0 {
		fields = append(fields, field{"options", o.Options})
	}
	if o.Type == TypeStopLimit {
		fields = append(fields, field{"stop_price", o.StopPrice.String()})
	}
	return fields, nil
}

// orderIDField is order_id as a JSON number literal made from the id's
// digits, as Gemini's schema has it (uint64); no float, so ids above 2^53
// survive.
func orderIDField(orderID string) (field, error) {
	if !isDigits(orderID) || len(orderID) > 20 {
		return field{}, fmt.Errorf("order id %q is not a number", orderID)
	}
	return field{"order_id", json.Number(orderID)}, nil
}

// CancelOrder cancels the order (POST /v1/order/cancel) and returns its final
// status. Cancelling an order that is already cancelled succeeds. It is never
// retried after a failure.
func (c *Client) CancelOrder(ctx context.Context, orderID string) (Order, error) {
	call := "cancel order " + orderID
	f, err := orderIDField(orderID)
	if err != nil {
		return Order{}, fmt.Errorf("%s: %w", call, err)
	}
	var w wireOrder
	if err := c.do(ctx, request{call: call, path: "/v1/order/cancel", private: true, fields: []field{f}}, &w); err != nil {
		return Order{}, err
	}
	return w.order(), nil
}

// OrderStatus returns the order with the exchange id orderID (POST
// /v1/order/status). An unknown id is an error for which IsNotFound is true.
func (c *Client) OrderStatus(ctx context.Context, orderID string) (Order, error) {
	call := "read order " + orderID
	f, err := orderIDField(orderID)
	if err != nil {
		return Order{}, fmt.Errorf("%s: %w", call, err)
	}
	var w wireOrder
	if err := c.do(ctx, request{call: call, path: "/v1/order/status", private: true, read: true, fields: []field{f}}, &w); err != nil {
		return Order{}, err
	}
	return w.order(), nil
}

// OrderStatusByClientID returns the orders carrying clientOrderID (POST
// /v1/order/status). Gemini answers one object or an array; both are read.
// When there is none the error is an *APIError for which IsNotFound is true,
// whether Gemini said 404 or sent an empty array.
func (c *Client) OrderStatusByClientID(ctx context.Context, clientOrderID string) ([]Order, error) {
	call := "look up order " + clientOrderID
	if clientOrderID == "" {
		return nil, fmt.Errorf("%s: empty client order id", call)
	}
	var raw json.RawMessage
	req := request{call: call, path: "/v1/order/status", private: true, read: true,
		fields: []field{{"client_order_id", clientOrderID}}}
	if err := c.do(ctx, req, &raw); err != nil {
		return nil, err
	}
	var ws []wireOrder
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '[' {
		if err := json.Unmarshal(t, &ws); err != nil {
			return nil, &APIError{Status: http.StatusOK, Reason: ReasonBadResponse, Call: call, Message: oneLine(err.Error())}
		}
	} else {
		var w wireOrder
		if err := json.Unmarshal(t, &w); err != nil {
			return nil, &APIError{Status: http.StatusOK, Reason: ReasonBadResponse, Call: call, Message: oneLine(err.Error())}
		}
		ws = []wireOrder{w}
	}
	// Client order ids are compared byte for byte: an order whose id only
	// resembles the one asked for (a space, another case) is someone
	// else's, whatever the exchange's lookup matched. One that carries no
	// id at all is kept: dropping it could hide our own order.
	var out []Order
	for _, o := range orders(ws) {
		if o.ClientOrderID == "" || o.ClientOrderID == clientOrderID {
			out = append(out, o)
		}
	}
	if len(out) == 0 {
		return nil, &APIError{Status: http.StatusOK, Reason: "OrderNotFound", Call: call, Message: "no order has this client order id"}
	}
	return out, nil
}

// maxHistoryLimit is Gemini's largest page of order history.
const maxHistoryLimit = 500

// OrdersHistory returns one page of closed orders, newest first (POST
// /v1/orders/history).
func (c *Client) OrdersHistory(ctx context.Context, q HistoryQuery) ([]Order, error) {
	call := "read order history"
	if q.Symbol != "" {
		call += " of " + q.Symbol
		if err := checkSymbol(q.Symbol); err != nil {
			return nil, fmt.Errorf("%s: %w", call, err)
		}
	}
	if q.Limit < 0 || q.Limit > maxHistoryLimit {
		return nil, fmt.Errorf("%s: limit %d is not within 0..%d", call, q.Limit, maxHistoryLimit)
	}
	if q.Since < 0 {
		return nil, fmt.Errorf("%s: negative start time %d", call, q.Since)
	}
	var fields []field
	if q.Symbol != "" {
		fields = append(fields, field{"symbol", q.Symbol})
	}
	if q.Limit > 0 {
		fields = append(fields, field{"limit_orders", q.Limit})
	}
	// Gemini's paging walk starts at timestamp 0, so 0 is sent too.
	fields = append(fields, field{"timestamp", q.Since})
	var w []wireOrder
	if err := c.do(ctx, request{call: call, path: "/v1/orders/history", private: true, read: true, fields: fields}, &w); err != nil {
		return nil, err
	}
	return orders(w), nil
}

// maxHistoryPages bounds AllOrdersHistory: 100 full pages are 50,000
// orders, 20 s at the default private pace.
const maxHistoryPages = 100

// minHistoryCap is the smallest page Gemini is assumed to cap history at
// without saying so: its own default page (50 orders). It only serves to tell
// a page cut by the cap within one millisecond from a few orders that
// happen to share one.
const minHistoryCap = 50

// ErrHistoryTruncated is returned, wrapped and with the orders read so far,
// when AllOrdersHistory stops at its page limit.
var ErrHistoryTruncated = errors.New("order history is longer than orderform reads in one walk; start it later")

// AllOrdersHistory returns every closed order of symbol after since
// (timestampms; 0 = from the start), newest first. It walks pages forward by
// timestamp as Gemini documents, until an empty page: each page asks for
// up to 500 orders after the newest timestampms seen so far, inclusive, and
// orders are de-duplicated by order id, so orders sharing a millisecond are
// not lost whichever way Gemini compares. A page that brings nothing new
// holds only that millisecond's orders; then, as Gemini's recipe has it, the
// orders after newest+1 are asked for, and the walk ends when that page is
// empty. A page shorter than 500 never ends the walk by itself: Gemini may
// cap pages below the limit asked without saying so.
//
// The walk is only sound if a request with a timestamp answers the oldest
// orders after it; the reference (§3.12) marks that AMBIGUOUS, and a Gemini
// that answers the newest ones instead would end the walk after one page
// with the older orders silently missing. So when the first page is full,
// one more request for the single order after since tells the two apart:
// it is the oldest order (the walk is sound) or the newest (it is not, and
// ErrHistoryTruncated is returned). More orders in one millisecond than a
// page holds cannot be walked past: newest+1 finding orders the inclusive
// page did not show means exactly that, and so does a page of one
// millisecond's orders, none new, as long as the longest page of the walk
// (so possibly cut by the cap) and at least minHistoryCap long. Both are
// ErrHistoryTruncated, as is a walk longer than maxHistoryPages. (A
// Gemini that both answered newest first and capped pages below 500 could
// not be walked at all, and is not detected.)
func (c *Client) AllOrdersHistory(ctx context.Context, symbol string, since int64) ([]Order, error) {
	seen := map[string]bool{}
	var all []Order
	cursor := since
	after := false // the last page brought nothing new: ask from cursor+1
	longest := 0   // the longest page so far: the cap is at least this
	truncated := fmt.Errorf("read order history of %s: %w", symbol, ErrHistoryTruncated)
	for page := range maxHistoryPages {
		from := cursor
		if after {
			from = cursor + 1
		}
		got, err := c.OrdersHistory(ctx, HistoryQuery{Symbol: symbol, Since: from, Limit: maxHistoryLimit})
		if err != nil {
			return sortNewestFirst(all), err
		}
		if len(got) == 0 {
			return sortNewestFirst(all), nil // the empty page: the end
		}
		longest = max(longest, len(got))
		added := 0
		for _, o := range got {
			if seen[o.OrderID] {
				continue
			}
			seen[o.OrderID] = true
			all = append(all, o)
			added++
			cursor = max(cursor, o.TimestampMS)
		}
		switch {
		case after:
			// Orders after the millisecond whose page brought nothing new:
			// that page was cut by the cap within one millisecond, and
			// what it left out cannot be read.
			return sortNewestFirst(all), truncated
		case added == 0 && len(got) == longest && len(got) >= minHistoryCap:
			// Only the newest millisecond's orders, as many as the cap
			// may be: there may be more of that millisecond.
			return sortNewestFirst(all), truncated
		case added == 0:
			after = true
		case page == 0 && len(got) >= maxHistoryLimit:
			if err := c.historyPagesForward(ctx, symbol, since, got); err != nil {
				return sortNewestFirst(all), err
			}
		}
	}
	return sortNewestFirst(all), truncated
}

// historyPagesForward checks, after a full first page, that Gemini answers a
// history request with a timestamp with the oldest orders after it: the one
// order it gives for since must be the oldest of that first page.
func (c *Client) historyPagesForward(ctx context.Context, symbol string, since int64, first []Order) error {
	oldest, newest := first[0].TimestampMS, first[0].TimestampMS
	for _, o := range first {
		oldest, newest = min(oldest, o.TimestampMS), max(newest, o.TimestampMS)
	}
	probe, err := c.OrdersHistory(ctx, HistoryQuery{Symbol: symbol, Since: since, Limit: 1})
	if err != nil {
		return err
	}
	if oldest == newest || len(probe) != 1 || probe[0].TimestampMS != oldest {
		return fmt.Errorf("read order history of %s: Gemini does not page it oldest first: %w", symbol, ErrHistoryTruncated)
	}
	return nil
}

func sortNewestFirst(os []Order) []Order {
	sort.SliceStable(os, func(i, j int) bool { return os[i].TimestampMS > os[j].TimestampMS })
	return os
}
