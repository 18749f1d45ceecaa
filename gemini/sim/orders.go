package sim

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"

	"github.com/shopspring/decimal"
)

// clientOrderIDPattern is Gemini's documented client_order_id alphabet and
// length (reference §5).
var clientOrderIDPattern = regexp.MustCompile(`^[:\-_.#a-zA-Z0-9]{1,36}$`)

var knownOptions = map[string]bool{optMakerOrCancel: true, optImmediateOrCancel: true, optFillOrKill: true}

// apiNewOrder validates and books /v1/order/new. Rejections are errors with
// Gemini's reasons; an order cancelled by its execution option
// (maker-or-cancel that would take, IOC that would rest, FOK that cannot
// fill) is HTTP 200 with is_cancelled true and the cancel reason.
func (s *Server) apiNewOrder(rq *privReq) (any, *Error) {
	o, e := parseNewOrder(rq, s.laxCIDs)
	if e != nil {
		return nil, e
	}
	o.APIKey = rq.key.Key
	if e := s.accept(o); e != nil {
		return nil, e
	}
	return s.wire(o, false), nil
}

func bad(reason, format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, reason, format, args...)
}

// parseNewOrder checks a new order against Gemini's rules and the symbol's
// increments and minimum, in the order Gemini reports them.
func parseNewOrder(rq *privReq, laxCID bool) (*order, *Error) {
	o := &order{}
	cid, present, err := rq.str("client_order_id")
	switch {
	case err != nil:
		return nil, bad(ReasonClientOrderIDMustBeString, "client_order_id must be a string")
	case laxCID && len(cid) >= 100:
		return nil, bad(ReasonClientOrderIDTooLong, "client_order_id is %d characters; the limit is 100", len(cid))
	case laxCID:
	case present && len(cid) > 36:
		return nil, bad(ReasonClientOrderIDTooLong, "client_order_id is %d characters; the limit is 36", len(cid))
	case present && !clientOrderIDPattern.MatchString(cid):
		return nil, bad(ReasonInvalidClientOrderID, "client_order_id %q must match [:\\-_.#a-zA-Z0-9]{1,36}", cid)
	}
	o.ClientID = cid

	sym, present, err := rq.str("symbol")
	if !present || err != nil {
		return nil, bad(ReasonInvalidSymbol, "Missing or invalid symbol")
	}
	info, ok := lookupSymbol(sym)
	if !ok {
		return nil, unknownSymbol(sym)
	}
	o.Symbol = info.Symbol
	SYM := upper(info.Symbol)

	switch typ, _, _ := rq.str("type"); typ {
	case typeLimit, typeStopLimit:
		o.Type = typ
	default:
		return nil, bad(ReasonInvalidOrderType, "Invalid order type for symbol %s: %q; the API takes \"exchange limit\" and \"exchange stop limit\"", SYM, typ)
	}
	switch side, _, _ := rq.str("side"); side {
	case "buy", "sell":
		o.Side = side
	default:
		return nil, bad(ReasonInvalidSide, "Invalid side for symbol %s: %q", SYM, side)
	}

	amount, e := rq.decimalField("amount", ReasonInvalidQuantity, "quantity", SYM)
	if e != nil {
		return nil, e
	}
	if !isMultiple(amount, info.TickSize) {
		return nil, bad(ReasonInvalidQuantity, "Invalid quantity for symbol %s: %s (the amount increment is %s)", SYM, amount, info.TickSize)
	}
	if amount.LessThan(info.MinOrderSize) {
		return nil, bad(ReasonInvalidQuantity, "Invalid quantity for symbol %s: %s (the minimum order size is %s)", SYM, amount, info.MinOrderSize)
	}
	o.Original = amount

	price, e := rq.decimalField("price", ReasonInvalidPrice, "price", SYM)
	if e != nil {
		return nil, e
	}
	if !isMultiple(price, info.QuoteIncrement) {
		return nil, bad(ReasonInvalidPrice, "Invalid price for symbol %s: %s (the price increment is %s)", SYM, price, info.QuoteIncrement)
	}
	o.Price = price

	opts, e := rq.options()
	if e != nil {
		return nil, e
	}
	o.Options = opts

	if e := parseStop(rq, o, info, SYM); e != nil {
		return nil, e
	}
	return o, nil
}

// parseStop reads the stop price of a stop-limit order into o, and refuses
// one sent for another type.
func parseStop(rq *privReq, o *order, info *symbolInfo, SYM string) *Error {
	opts, price := o.Options, o.Price
	_, hasStop := rq.p["stop_price"]
	if o.isStop() {
		if len(opts) > 0 {
			return bad(ReasonUnsupportedOption, "Stop-limit orders take no execution options")
		}
		if !hasStop {
			return bad(ReasonInvalidStopPrice, "A stop-limit order needs a stop_price")
		}
		stop, e := rq.decimalField("stop_price", ReasonInvalidStopPrice, "stop price", SYM)
		if e != nil {
			return e
		}
		if !isMultiple(stop, info.QuoteIncrement) {
			return bad(ReasonInvalidStopPrice, "Invalid stop price for symbol %s: %s (the price increment is %s)", SYM, stop, info.QuoteIncrement)
		}
		if o.Side == "buy" && stop.GreaterThan(price) {
			return bad(ReasonInvalidStopPriceBuy, "The stop price %s of a buy stop-limit order must not be above its limit price %s", stop, price)
		}
		if o.Side == "sell" && stop.LessThan(price) {
			return bad(ReasonInvalidStopPriceSell, "The stop price %s of a sell stop-limit order must not be below its limit price %s", stop, price)
		}
		if price.Sub(stop).Abs().GreaterThan(stop.Div(decimal.NewFromInt(2))) {
			return bad(ReasonInvalidStopPriceRatio, "The limit price %s must be within 50%% of the stop price %s", price, stop)
		}
		o.StopPrice = stop
	} else if hasStop && string(rq.p["stop_price"]) != "null" {
		return bad(ReasonInvalidStopPrice, "stop_price is only for \"exchange stop limit\" orders")
	}
	return nil
}

// decimalField reads a positive decimal sent, as Gemini requires, as a JSON
// string. A bare JSON number is refused: it is how float noise gets in.
func (rq *privReq) decimalField(name, reason, what, sym string) (decimal.Decimal, *Error) {
	raw, ok := rq.p[name]
	if !ok || string(raw) == "null" {
		return decimal.Zero, bad(reason, "Missing %s for symbol %s", name, sym)
	}
	text, err := unquote(raw)
	if err != nil {
		return decimal.Zero, bad(reason, "Invalid %s for symbol %s: %s must be a decimal in a JSON string", what, sym, raw)
	}
	v, err := decimal.NewFromString(strings.TrimSpace(text))
	if err != nil || strings.ContainsAny(text, "eE") || !v.IsPositive() {
		return decimal.Zero, bad(reason, "Invalid %s for symbol %s: %s", what, sym, text)
	}
	return v, nil
}

// options reads the execution options: an array of at most one known option.
func (rq *privReq) options() ([]string, *Error) {
	raw, ok := rq.p["options"]
	if !ok || string(raw) == "null" {
		return []string{}, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, bad(ReasonOptionsMustBeArray, "options must be an array of strings")
	}
	opts := []string{}
	for _, it := range items {
		v, err := unquote(it)
		if err != nil || !knownOptions[v] {
			return nil, bad(ReasonUnsupportedOption, "Option %s is not supported", it)
		}
		opts = append(opts, v)
	}
	if len(opts) > 1 {
		return nil, bad(ReasonConflictingOptions, "A new order takes at most one execution option, not %d", len(opts))
	}
	return opts, nil
}
