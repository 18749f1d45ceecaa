package sim

import (
	"net/http"
	"sort"
	"strconv"
)

func (rq *privReq) boolField(name string) (bool, error) {
	raw, ok := rq.p[name]
	if !ok || string(raw) == "null" {
		return false, nil
	}
	switch string(raw) {
	case "true", `"true"`:
		return true, nil
	case "false", `"false"`:
		return false, nil
	}
	return false, strconv.ErrSyntax
}

// intField parses an optional non-negative integer given as a JSON number
// or a string of digits.
func (rq *privReq) intField(name string) (v int64, present bool, err error) {
	raw, ok := rq.p[name]
	if !ok || string(raw) == "null" {
		return 0, false, nil
	}
	text := string(raw)
	if s, e := unquote(raw); e == nil {
		text = s
	}
	v, err = strconv.ParseInt(text, 10, 64)
	if err == nil && v < 0 {
		err = strconv.ErrRange
	}
	return v, true, err
}

// sinceMs reads the optional "timestamp" field, in seconds or milliseconds.
func (rq *privReq) sinceMs() (int64, *Error) {
	ts, present, err := rq.intField("timestamp")
	if err != nil {
		return 0, errorf(http.StatusBadRequest, ReasonInvalidTimestamp, "Invalid timestamp %s", rq.p["timestamp"])
	}
	if !present {
		return -1, nil
	}
	if ts < 100_000_000_000 { // seconds until the year 5138
		ts *= 1000
	}
	return ts, nil
}

// limitField reads limit_orders/limit_trades: default 50, at most 500.
func (rq *privReq) limitField(name string) (int, *Error) {
	n, present, err := rq.intField(name)
	switch {
	case !present:
		return 50, nil
	case err != nil || n < 1:
		return 0, errorf(http.StatusBadRequest, ReasonInvalidRequest, "%s must be a positive integer", name)
	}
	return int(min(n, 500)), nil
}

func (rq *privReq) symbolFilter() (string, *Error) {
	sym, present, err := rq.str("symbol")
	if !present {
		return "", nil
	}
	info, ok := lookupSymbol(sym)
	if err != nil || !ok {
		return "", unknownSymbol(sym)
	}
	return info.Symbol, nil
}

// wireOrder is Gemini's order status object (reference §3.13).
type wireOrder struct {
	OrderID           string       `json:"order_id"`
	ID                string       `json:"id"`
	Symbol            string       `json:"symbol"`
	Exchange          string       `json:"exchange"`
	AvgExecutionPrice string       `json:"avg_execution_price"`
	Side              string       `json:"side"`
	Type              string       `json:"type"`
	Timestamp         string       `json:"timestamp"`
	TimestampMs       int64        `json:"timestampms"`
	IsLive            bool         `json:"is_live"`
	IsCancelled       bool         `json:"is_cancelled"`
	IsHidden          bool         `json:"is_hidden"`
	WasForced         bool         `json:"was_forced"`
	ExecutedAmount    string       `json:"executed_amount"`
	RemainingAmount   string       `json:"remaining_amount"`
	ClientOrderID     string       `json:"client_order_id,omitempty"`
	Options           []string     `json:"options"`
	Price             string       `json:"price"`
	StopPrice         string       `json:"stop_price,omitempty"`
	OriginalAmount    string       `json:"original_amount"`
	Reason            string       `json:"reason,omitempty"`
	Trades            *[]wireTrade `json:"trades,omitempty"`
}

type wireTrade struct {
	Price       string `json:"price"`
	Amount      string `json:"amount"`
	Timestamp   int64  `json:"timestamp"`
	TimestampMs int64  `json:"timestampms"`
	Type        string `json:"type"`
	Aggressor   bool   `json:"aggressor"`
	FeeCurrency string `json:"fee_currency"`
	FeeAmount   string `json:"fee_amount"`
	TID         uint64 `json:"tid"`
	OrderID     string `json:"order_id"`
	Exchange    string `json:"exchange"`
}

func (s *Server) wireTrade(t *trade) wireTrade {
	typ := "Buy"
	if t.Side == "sell" {
		typ = "Sell"
	}
	return wireTrade{
		Price: t.Price.String(), Amount: t.Amount.String(), Timestamp: t.TimeMs / 1000, TimestampMs: t.TimeMs,
		Type: typ, Aggressor: t.Aggressor, FeeCurrency: t.FeeCurrency, FeeAmount: t.Fee.String(),
		TID: t.ID, OrderID: strconv.FormatUint(t.OrderID, 10), Exchange: "gemini",
	}
}

func avgPrice(o *order) string {
	if o.Executed.IsZero() {
		return "0.00"
	}
	return o.Notional.DivRound(o.Executed, 12).String()
}

func (s *Server) wire(o *order, withTrades bool) wireOrder {
	id := strconv.FormatUint(o.ID, 10)
	w := wireOrder{
		OrderID: id, ID: id, Symbol: o.Symbol, Exchange: "gemini", AvgExecutionPrice: avgPrice(o),
		Side: o.Side, Type: o.Type, Timestamp: strconv.FormatInt(o.TimeMs/1000, 10), TimestampMs: o.TimeMs,
		IsLive: o.Live, IsCancelled: o.Cancelled, ExecutedAmount: o.Executed.String(),
		RemainingAmount: o.remaining().String(), ClientOrderID: o.ClientID, Options: append([]string{}, o.Options...),
		Price: o.Price.String(), OriginalAmount: o.Original.String(), Reason: o.Reason,
	}
	if o.isStop() {
		w.StopPrice = o.StopPrice.String()
	}
	if withTrades {
		ts := []wireTrade{}
		for _, t := range s.st.Trades {
			if t.OrderID == o.ID {
				ts = append(ts, s.wireTrade(t))
			}
		}
		sort.SliceStable(ts, func(i, j int) bool { return ts[i].TID > ts[j].TID })
		w.Trades = &ts
	}
	return w
}
