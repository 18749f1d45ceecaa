package sim

import (
	"net/http"
	"sort"

	"github.com/shopspring/decimal"
)

// Order types and execution options, as on the wire.
const (
	typeLimit     = "exchange limit"
	typeStopLimit = "exchange stop limit"

	optMakerOrCancel     = "maker-or-cancel"
	optImmediateOrCancel = "immediate-or-cancel"
	optFillOrKill        = "fill-or-kill"
)

// The market model: each symbol has a bid and an ask with unlimited depth.
// An order that crosses the market trades at once, in full, at the market's
// price (the aggressor pays the taker fee); an order that does not cross
// rests at its limit price until the market moves through it (SetMarket) or
// an admin fills it (Fill), and then trades at its own price as a maker.
//
// Holds: a buy holds price × remaining × (1 + the larger fee) in the quote
// currency, so that any fill, at its price or better and with either fee, is
// covered by what it releases; a sell holds the remaining amount of the base
// currency. The hold is taken in full when the order is accepted — even an
// order that trades at once or is cancelled at once must fit — and released
// as it fills or when it is cancelled.

// holdFor is what an order with the given remaining amount holds.
func (s *Server) holdFor(o *order, remaining decimal.Decimal) decimal.Decimal {
	if o.Side == "buy" {
		return o.Price.Mul(remaining).Mul(decimal.NewFromInt(1).Add(s.maxFee))
	}
	return remaining
}

// holdCurrency is the currency an order's hold is in.
func holdCurrency(o *order) string {
	info, _ := lookupSymbol(o.Symbol)
	if o.Side == "buy" {
		return info.Quote
	}
	return info.Base
}

func (s *Server) bal(cur string) *balance {
	b := s.st.Balances[cur]
	if b == nil {
		b = &balance{}
		s.st.Balances[cur] = b
	}
	s.touchBalance(cur)
	return b
}

// crosses reports whether a limit order at its price would trade against m.
func crosses(o *order, m *market) bool {
	if o.Side == "buy" {
		return m.Ask.LessThanOrEqual(o.Price)
	}
	return m.Bid.GreaterThanOrEqual(o.Price)
}

// stopReached reports whether m has reached a stop order's stop price: the
// ask at or above it for a buy stop, the bid at or below it for a sell stop.
func stopReached(o *order, m *market) bool {
	if o.Side == "buy" {
		return m.Ask.GreaterThanOrEqual(o.StopPrice)
	}
	return m.Bid.LessThanOrEqual(o.StopPrice)
}

// accept books a validated new order: takes its hold (or answers 406) and
// executes it against the market. s.mu must be held.
func (s *Server) accept(o *order) *Error {
	info, _ := lookupSymbol(o.Symbol)
	cur := holdCurrency(o)
	hold := s.holdFor(o, o.Original)
	b := s.bal(cur)
	if b.Amount.Sub(b.Held).LessThan(hold) {
		return errorf(http.StatusNotAcceptable, ReasonInsufficientFunds,
			"Failed to place %s order on symbol '%s' for price %s %s and quantity %s %s due to insufficient funds",
			o.Side, upper(o.Symbol), o.Price, info.Quote, o.Original, info.Base)
	}
	o.ID = s.st.NextOrderID
	s.st.NextOrderID += 2
	o.TimeMs = s.clock().UnixMilli()
	o.Live = true
	o.Hold = hold
	b.Held = b.Held.Add(hold)
	s.st.Orders = append(s.st.Orders, o)
	s.byID[o.ID] = o
	m := s.st.Markets[o.Symbol]
	if o.isStop() {
		if stopReached(o, m) {
			o.Triggered = true
			s.execute(o, m)
		}
		return nil
	}
	s.execute(o, m)
	return nil
}

// execute handles a live limit order (or a triggered stop) meeting the market.
func (s *Server) execute(o *order, m *market) {
	switch opt := o.option(); {
	case crosses(o, m) && opt == optMakerOrCancel:
		s.cancel(o, CancelMakerOrCancelWouldTake)
	case crosses(o, m):
		price := m.Ask
		if o.Side == "sell" {
			price = m.Bid
		}
		s.fill(o, o.remaining(), price, true)
	case s.selfCrosses(o):
		s.cancel(o, CancelSelfCrossPrevented)
	case opt == optImmediateOrCancel:
		s.cancel(o, CancelIOCWouldPost)
	case opt == optFillOrKill:
		s.cancel(o, CancelFOKWouldNotFill)
	}
}

// selfCrosses reports whether o would trade against one of the account's own
// resting orders on the other side.
func (s *Server) selfCrosses(o *order) bool {
	for _, r := range s.st.Orders {
		if !r.Live || r == o || r.Symbol != o.Symbol || r.Side == o.Side || (r.isStop() && !r.Triggered) {
			continue
		}
		if o.Side == "buy" && o.Price.GreaterThanOrEqual(r.Price) || o.Side == "sell" && o.Price.LessThanOrEqual(r.Price) {
			return true
		}
	}
	return false
}

// fill trades qty of o at price, moving balances, releasing hold and
// charging the fee in the quote currency.
func (s *Server) fill(o *order, qty, price decimal.Decimal, aggressor bool) {
	info, _ := lookupSymbol(o.Symbol)
	after := o.remaining().Sub(qty)
	newHold := s.holdFor(o, after)
	held := s.bal(holdCurrency(o))
	held.Held = held.Held.Sub(o.Hold.Sub(newHold))
	o.Hold = newHold

	notional := price.Mul(qty)
	rate := s.makerFee
	if aggressor {
		rate = s.takerFee
	}
	fee := notional.Mul(rate)
	base, quote := s.bal(info.Base), s.bal(info.Quote)
	if o.Side == "buy" {
		quote.Amount = quote.Amount.Sub(notional).Sub(fee)
		base.Amount = base.Amount.Add(qty)
	} else {
		base.Amount = base.Amount.Sub(qty)
		quote.Amount = quote.Amount.Add(notional).Sub(fee)
	}
	s.touchOrder(o)
	o.Executed = o.Executed.Add(qty)
	o.Notional = o.Notional.Add(notional)
	if !after.IsPositive() {
		o.Live = false
	}
	m := s.st.Markets[o.Symbol]
	s.touchMarket(o.Symbol)
	m.Last = price
	m.BaseVolume = m.BaseVolume.Add(qty)
	m.QuoteVolume = m.QuoteVolume.Add(notional)
	s.st.Trades = append(s.st.Trades, &trade{
		ID: s.st.NextTradeID, OrderID: o.ID, Symbol: o.Symbol, Side: o.Side,
		Price: price, Amount: qty, Fee: fee, FeeCurrency: info.Quote,
		Aggressor: aggressor, TimeMs: s.clock().UnixMilli(),
	})
	s.st.NextTradeID++
}

// cancel takes a live order off the book and releases its hold.
func (s *Server) cancel(o *order, reason string) {
	b := s.bal(holdCurrency(o))
	b.Held = b.Held.Sub(o.Hold)
	s.touchOrder(o)
	o.Hold = decimal.Zero
	o.Live = false
	o.Cancelled = true
	o.Reason = reason
}

// moveMarket sets a symbol's market, triggers the stops it reaches and fills
// the resting orders it crosses. s.mu must be held.
func (s *Server) moveMarket(symbol string, bid, ask decimal.Decimal) {
	m := s.st.Markets[symbol]
	s.touchMarket(symbol)
	m.Bid, m.Ask = bid, ask
	live := make([]*order, 0)
	for _, o := range s.st.Orders {
		if o.Live && o.Symbol == symbol {
			live = append(live, o)
		}
	}
	sort.Slice(live, func(i, j int) bool { return live[i].ID < live[j].ID })
	for _, o := range live {
		if o.isStop() && !o.Triggered && stopReached(o, m) {
			s.touchOrder(o)
			o.Triggered = true
			s.execute(o, m)
		}
	}
	for _, o := range live {
		if o.Live && (!o.isStop() || o.Triggered) && crosses(o, m) {
			s.fill(o, o.remaining(), o.Price, false)
		}
	}
}
