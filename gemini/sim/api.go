package sim

import (
	"net"
	"net/http"
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
