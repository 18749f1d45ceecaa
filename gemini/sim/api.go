package sim

import (
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

var (
	rolesTrade = []string{RoleTrader}
	rolesRead  = []string{RoleTrader, RoleAuditor}
	rolesAny   = []string{RoleTrader, RoleFundManager, RoleAuditor}
)

// privateRoute is a private endpoint: the roles that may call it (Gemini's
// roles table, reference §8) and its handler, run with s.mu held.
type privateRoute struct {
	roles  []string
	handle func(s *Server, rq *privReq) (any, *Error)
}

var privateRoutes = map[string]privateRoute{
	"/v1/balances":             {rolesAny, (*Server).apiBalances},
	"/v1/roles":                {rolesAny, (*Server).apiRoles},
	"/v1/orders":               {rolesRead, (*Server).apiActiveOrders},
	"/v1/order/new":            {rolesTrade, (*Server).apiNewOrder},
	"/v1/order/cancel":         {rolesTrade, (*Server).apiCancel},
	"/v1/order/cancel/session": {rolesTrade, (*Server).apiCancelSession},
	"/v1/order/cancel/all":     {rolesTrade, (*Server).apiCancelAll},
	"/v1/order/status":         {rolesRead, (*Server).apiStatus},
	"/v1/orders/history":       {rolesRead, (*Server).apiHistory},
	"/v1/mytrades":             {rolesRead, (*Server).apiMyTrades},
	"/v1/heartbeat":            {rolesTrade, (*Server).apiHeartbeat},
	"/v1/notionalvolume":       {rolesRead, (*Server).apiNotionalVolume},
}

// serveAPI answers one Gemini request.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	route, private := privateRoutes[path]
	if s.limits != nil {
		who := r.Header.Get("X-GEMINI-APIKEY")
		if !private {
			who, _, _ = net.SplitHostPort(r.RemoteAddr)
		}
		if e := s.limits.wait(r.Context(), private, who); e != nil {
			writeError(w, e)
			return
		}
	}
	if !private {
		v, e := s.public(r, path)
		if e != nil {
			writeError(w, e)
			return
		}
		writeJSON(w, http.StatusOK, v)
		return
	}
	if r.Method != http.MethodPost {
		writeError(w, errorf(http.StatusNotFound, ReasonEndpointNotFound, "API entry point not found: private endpoints take POST"))
		return
	}
	v, e := s.private(r, path, route)
	if e != nil {
		writeError(w, e)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// private authenticates and handles a private request as one operation on
// the exchange: a nonce is spent even when the request then fails.
func (s *Server) private(r *http.Request, path string, route privateRoute) (v any, e *Error) {
	e = s.txn(func() *Error {
		rq, e := s.authenticate(r, path)
		if e != nil {
			return e
		}
		if e := rq.requireRole(route.roles); e != nil {
			return e
		}
		v, e = route.handle(s, rq)
		return e
	})
	if e != nil {
		return nil, e
	}
	return v, nil
}

func (s *Server) public(r *http.Request, path string) (any, *Error) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return nil, errorf(http.StatusNotFound, ReasonEndpointNotFound, "API entry point not found: public endpoints take GET")
	}
	var v any
	e := s.txn(func() (e *Error) {
		v, e = s.publicRoute(path)
		return e
	})
	return v, e
}

func (s *Server) publicRoute(path string) (any, *Error) {
	switch {
	case path == "/v1/symbols":
		return Symbols(), nil
	case path == "/v1/pricefeed":
		return s.priceFeed(), nil
	case strings.HasPrefix(path, "/v1/symbols/details/"):
		return symbolDetails(strings.TrimPrefix(path, "/v1/symbols/details/"))
	case strings.HasPrefix(path, "/v1/pubticker/"):
		return s.pubTicker(strings.TrimPrefix(path, "/v1/pubticker/"))
	case strings.HasPrefix(path, "/v2/ticker/"):
		return s.tickerV2(strings.TrimPrefix(path, "/v2/ticker/"))
	}
	return nil, errorf(http.StatusNotFound, ReasonEndpointNotFound, "API entry point not found")
}

func upper(s string) string { return strings.ToUpper(s) }

func unknownSymbol(sym string) *Error {
	return errorf(http.StatusBadRequest, ReasonInvalidSymbol, "Received unsupported symbol '%s'", sym)
}

// symbolDetails answers /v1/symbols/details/:symbol. tick_size and
// quote_increment are JSON numbers, min_order_size a string, and a spot
// symbol carries no contract_price_currency (ccxt would take it for a perp).
func symbolDetails(sym string) (any, *Error) {
	info, ok := lookupSymbol(sym)
	if !ok {
		return nil, unknownSymbol(sym)
	}
	return struct {
		Symbol         string     `json:"symbol"`
		BaseCurrency   string     `json:"base_currency"`
		QuoteCurrency  string     `json:"quote_currency"`
		TickSize       jsonNumber `json:"tick_size"`
		QuoteIncrement jsonNumber `json:"quote_increment"`
		MinOrderSize   string     `json:"min_order_size"`
		Status         string     `json:"status"`
		WrapEnabled    bool       `json:"wrap_enabled"`
		ProductType    string     `json:"product_type"`
		ContractType   string     `json:"contract_type"`
	}{upper(info.Symbol), info.Base, info.Quote, jsonNumber(info.TickSize), jsonNumber(info.QuoteIncrement),
		info.MinOrderSize.String(), "open", false, "spot", "vanilla"}, nil
}

// jsonNumber is a decimal written as a bare JSON number.
type jsonNumber decimal.Decimal

func (n jsonNumber) MarshalJSON() ([]byte, error) { return []byte(decimal.Decimal(n).String()), nil }

func (s *Server) pubTicker(sym string) (any, *Error) {
	info, ok := lookupSymbol(sym)
	if !ok {
		return nil, unknownSymbol(sym)
	}
	m := s.st.Markets[info.Symbol]
	return map[string]any{
		"bid":  m.Bid.String(),
		"ask":  m.Ask.String(),
		"last": m.Last.String(),
		"volume": map[string]any{
			info.Base:   m.BaseVolume.String(),
			info.Quote:  m.QuoteVolume.String(),
			"timestamp": s.clock().UnixMilli(),
		},
	}, nil
}

func (s *Server) tickerV2(sym string) (any, *Error) {
	info, ok := lookupSymbol(sym)
	if !ok {
		return nil, unknownSymbol(sym)
	}
	m := s.st.Markets[info.Symbol]
	last := m.Last.String()
	changes := make([]string, 24)
	for i := range changes {
		changes[i] = last
	}
	return map[string]any{
		"symbol": upper(info.Symbol), "open": last, "high": last, "low": last, "close": last,
		"changes": changes, "bid": m.Bid.String(), "ask": m.Ask.String(),
	}, nil
}

func (s *Server) priceFeed() any {
	type entry struct {
		Pair   string `json:"pair"`
		Price  string `json:"price"`
		Change string `json:"percentChange24h"`
	}
	out := []entry{}
	for _, sym := range Symbols() {
		out = append(out, entry{upper(sym), s.st.Markets[sym].Last.String(), "0.0000"})
	}
	return out
}

// Private endpoints.

func (s *Server) apiBalances(rq *privReq) (any, *Error) {
	type entry struct {
		Type                   string `json:"type"`
		Currency               string `json:"currency"`
		Amount                 string `json:"amount"`
		Available              string `json:"available"`
		AvailableForWithdrawal string `json:"availableForWithdrawal"`
	}
	out := []entry{}
	for _, b := range s.balanceViews() {
		out = append(out, entry{"exchange", b.Currency, b.Amount.String(), b.Available.String(), b.Available.String()})
	}
	return out, nil
}

func (s *Server) apiRoles(rq *privReq) (any, *Error) {
	has := func(r string) bool {
		for _, x := range rq.key.Roles {
			if x == r {
				return true
			}
		}
		return false
	}
	return map[string]bool{"isAuditor": has(RoleAuditor), "isFundManager": has(RoleFundManager), "isTrader": has(RoleTrader)}, nil
}

func (s *Server) apiHeartbeat(rq *privReq) (any, *Error) {
	return map[string]string{"result": "ok"}, nil
}

func (s *Server) apiNotionalVolume(rq *privReq) (any, *Error) {
	return map[string]any{
		"web_maker_fee_bps": s.makerFee.Shift(4).IntPart(), "web_taker_fee_bps": s.takerFee.Shift(4).IntPart(),
		"api_maker_fee_bps": s.makerFee.Shift(4).IntPart(), "api_taker_fee_bps": s.takerFee.Shift(4).IntPart(),
		"notional_30d_volume": 0,
	}, nil
}

func (s *Server) apiActiveOrders(rq *privReq) (any, *Error) {
	out := []wireOrder{}
	for _, o := range s.st.Orders {
		if o.Live {
			out = append(out, s.wire(o, false))
		}
	}
	return out, nil
}

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
