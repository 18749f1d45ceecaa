package exchange

import (
	"strings"

	"orderform/gemini"
	"orderform/plan"
	"orderform/spec"
)

// LiveFromGemini translates the exchange's order into the plan's terms.
func LiveFromGemini(o gemini.Order) plan.LiveOrder {
	return plan.LiveOrder{
		OrderID:         o.OrderID,
		ClientOrderID:   o.ClientOrderID,
		Symbol:          strings.ToLower(o.Symbol),
		Side:            strings.ToLower(o.Side),
		Type:            orderTypeFromWire(o.Type),
		Price:           o.Price,
		StopPrice:       o.StopPrice,
		OriginalAmount:  o.OriginalAmount,
		ExecutedAmount:  o.ExecutedAmount,
		RemainingAmount: o.RemainingAmount,
		Options:         o.Options,
		IsLive:          o.IsLive,
		IsCancelled:     o.IsCancelled,
		Reason:          o.Reason,
		TimestampMS:     o.TimestampMS,
		AvgPrice:        o.AvgExecutionPrice,
	}
}

func orderTypeFromWire(t string) string {
	switch strings.ToLower(t) {
	case "exchange limit", "limit":
		return "limit"
	case "exchange stop limit", "stop-limit", "stop limit":
		return "stop-limit"
	}
	return t
}

func orderTypeToWire(t string) string {
	if t == "stop-limit" {
		return "exchange stop limit"
	}
	return "exchange limit"
}

func rulesFromGemini(symbol string, d gemini.SymbolDetails) plan.SymbolRules {
	return plan.SymbolRules{
		Symbol:          symbol,
		Base:            strings.ToUpper(d.BaseCurrency),
		Quote:           strings.ToUpper(d.QuoteCurrency),
		PriceIncrement:  d.PriceIncrement,
		AmountIncrement: d.AmountIncrement,
		MinAmount:       d.MinOrderSize,
		Status:          d.Status,
	}
}

// PlanBlocks returns the configuration's order blocks and its namespace's
// client order id function, with which a plan names and protects the
// instances the blocks no longer declare.
func PlanBlocks(cfg *spec.Config) ([]plan.Block, func(string) string) {
	var out []plan.Block
	for _, b := range cfg.OrderBlocks() {
		out = append(out, plan.Block{Address: b.Address, Expansion: b.Expansion, PreventCancel: b.PreventCancel, Range: b.Range})
	}
	ns := cfg.Exchange.Namespace
	return out, func(addr string) string { return spec.ClientOrderID(ns, addr) }
}

// PlanOrder, PlanGuard and PlanMoved are the one converter from the
// language's types to plan's mirrors of them (plan does not import spec);
// TestConvertersCopyEveryField fails when a field is not copied.
func PlanOrder(o spec.Order) plan.Order {
	return plan.Order{
		Address:          o.Address,
		ClientOrderID:    o.ClientOrderID,
		Symbol:           o.Symbol,
		Side:             o.Side,
		Type:             o.Type,
		Amount:           o.Amount,
		Price:            o.Price,
		StopPrice:        o.StopPrice,
		Options:          o.Options,
		RepriceTolerance: o.RepriceTolerance,
		OnFill:           o.OnFill,
		ReplaceAmount:    o.ReplaceAmount,
		PreventCancel:    o.PreventCancel,
		Sensitive:        o.Sensitive,
		Range:            o.Range,
		Ranges:           o.Ranges,
	}
}

func PlanGuard(g *spec.Guard) *plan.Guard {
	if g == nil {
		return nil
	}
	return &plan.Guard{
		MaxOrderNotional:  g.MaxOrderNotional,
		MaxOpenNotional:   g.MaxOpenNotional,
		MaxPriceDeviation: g.MaxPriceDeviation,
		AllowCrossing:     g.AllowCrossing,
		Range:             g.Range,
	}
}

func PlanMoved(m spec.Moved) plan.Moved {
	return plan.Moved{From: m.From, To: m.To, FromClientOrderID: m.FromClientOrderID, ToClientOrderID: m.ToClientOrderID, Range: m.Range}
}

// LiveFromGeminiAll is LiveFromGemini of each order.
func LiveFromGeminiAll(os []gemini.Order) []plan.LiveOrder {
	out := make([]plan.LiveOrder, 0, len(os))
	for _, o := range os {
		out = append(out, LiveFromGemini(o))
	}
	return out
}
