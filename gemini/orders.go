package gemini

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

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
