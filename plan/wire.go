package plan

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/shopspring/decimal"
)

// The wire types are the saved plan's JSON, kept apart from the Go types so
// that the file format changes only on purpose. Decimals are strings.

type wirePlan struct {
	Target    Target       `json:"target"`
	Destroy   bool         `json:"destroy,omitempty"`
	Targets   []string     `json:"targets,omitempty"`
	Unmanaged int          `json:"unmanaged"`
	Foreign   int          `json:"foreign"`
	Actions   []wireAction `json:"actions"`
	Budget    []wireBudget `json:"budget"`
	Guard     *wireGuard   `json:"guard,omitempty"`
	Fee       *wireFee     `json:"fee,omitempty"`
}

// wireFee is the fee rate the plan's budget held buys to.
type wireFee struct {
	Rate   decimal.Decimal `json:"rate"`
	Source string          `json:"source"`
}

// wireGuard is the guard block a plan was checked against; apply runs it
// again right before sending.
type wireGuard struct {
	MaxOrderNotional  decimal.NullDecimal        `json:"max_order_notional"`
	MaxOpenNotional   map[string]decimal.Decimal `json:"max_open_notional,omitempty"`
	MaxPriceDeviation decimal.NullDecimal        `json:"max_price_deviation"`
	AllowCrossing     bool                       `json:"allow_crossing"`
	Range             *wireRange                 `json:"range,omitempty"`
}

type wireAction struct {
	Kind          Kind       `json:"kind"`
	Address       string     `json:"address"`
	ClientOrderID string     `json:"client_order_id"`
	Why           string     `json:"why,omitempty"`
	Reasons       []string   `json:"reasons,omitempty"`
	Changed       []string   `json:"changed,omitempty"`
	Notes         []string   `json:"notes,omitempty"`
	MovedFrom     string     `json:"moved_from,omitempty"`
	Before        *wireLive  `json:"before,omitempty"`
	Prior         *wireLive  `json:"prior,omitempty"`
	After         *wireOrder `json:"after,omitempty"`
	Sensitive     []string   `json:"sensitive,omitempty"`
	Fill          *wireFill  `json:"fill,omitempty"`
}

type wireFill struct {
	Declared decimal.Decimal `json:"declared_amount"`
	Filled   decimal.Decimal `json:"filled_amount"`
	Rule     string          `json:"replace_amount"`
	Orders   []string        `json:"orders,omitempty"`
}

type wireOrder struct {
	Address          string          `json:"address"`
	ClientOrderID    string          `json:"client_order_id"`
	Symbol           string          `json:"symbol"`
	Side             string          `json:"side"`
	Type             string          `json:"type"`
	Amount           decimal.Decimal `json:"amount"`
	Price            decimal.Decimal `json:"price"`
	StopPrice        decimal.Decimal `json:"stop_price"`
	Options          []string        `json:"options"`
	RepriceTolerance decimal.Decimal `json:"reprice_tolerance"`
	OnFill           string          `json:"on_fill,omitempty"`
	ReplaceAmount    string          `json:"replace_amount,omitempty"`
	PreventCancel    bool            `json:"prevent_cancel,omitempty"`
	Sensitive        []string        `json:"sensitive,omitempty"`
	Range            *wireRange      `json:"range,omitempty"`
}

type wireLive struct {
	OrderID         string          `json:"order_id"`
	ClientOrderID   string          `json:"client_order_id"`
	Symbol          string          `json:"symbol"`
	Side            string          `json:"side"`
	Type            string          `json:"type"`
	Price           decimal.Decimal `json:"price"`
	StopPrice       decimal.Decimal `json:"stop_price"`
	OriginalAmount  decimal.Decimal `json:"original_amount"`
	ExecutedAmount  decimal.Decimal `json:"executed_amount"`
	RemainingAmount decimal.Decimal `json:"remaining_amount"`
	Options         []string        `json:"options"`
	IsLive          bool            `json:"is_live"`
	IsCancelled     bool            `json:"is_cancelled"`
	Reason          string          `json:"reason,omitempty"`
	TimestampMS     int64           `json:"timestampms"`
	AvgPrice        *string         `json:"avg_execution_price,omitempty"`
}

type wireBudget struct {
	Currency  string          `json:"currency"`
	Available decimal.Decimal `json:"available"`
	Released  decimal.Decimal `json:"released"`
	Held      decimal.Decimal `json:"held"`
	Remaining decimal.Decimal `json:"remaining"`
	Sensitive []string        `json:"sensitive,omitempty"`
}

type wirePos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

type wireRange struct {
	Filename string  `json:"filename"`
	Start    wirePos `json:"start"`
	End      wirePos `json:"end"`
}

func toWireRange(r hcl.Range) *wireRange {
	if r.Filename == "" && r.Start.Line == 0 {
		return nil
	}
	return &wireRange{r.Filename, wirePos{r.Start.Line, r.Start.Column, r.Start.Byte}, wirePos{r.End.Line, r.End.Column, r.End.Byte}}
}

func (w *wireRange) toRange() hcl.Range {
	if w == nil {
		return hcl.Range{}
	}
	return hcl.Range{Filename: w.Filename,
		Start: hcl.Pos{Line: w.Start.Line, Column: w.Start.Column, Byte: w.Start.Byte},
		End:   hcl.Pos{Line: w.End.Line, Column: w.End.Column, Byte: w.End.Byte}}
}

func toWireLive(l *LiveOrder) *wireLive {
	if l == nil {
		return nil
	}
	return &wireLive{l.OrderID, l.ClientOrderID, l.Symbol, l.Side, l.Type, l.Price, l.StopPrice,
		l.OriginalAmount, l.ExecutedAmount, l.RemainingAmount, nonNil(l.Options), l.IsLive, l.IsCancelled, l.Reason, l.TimestampMS, avgToWire(l.AvgPrice)}
}

// avgToWire leaves an unknown average price out of the file.
func avgToWire(d decimal.Decimal) *string {
	if d.IsZero() {
		return nil
	}
	s := d.String()
	return &s
}

func fromWireLive(l *wireLive) *LiveOrder {
	if l == nil {
		return nil
	}
	lo := &LiveOrder{l.OrderID, l.ClientOrderID, l.Symbol, l.Side, l.Type, l.Price, l.StopPrice,
		l.OriginalAmount, l.ExecutedAmount, l.RemainingAmount, l.Options, l.IsLive, l.IsCancelled, l.Reason, l.TimestampMS, decimal.Decimal{}}
	if l.AvgPrice != nil {
		lo.AvgPrice, _ = decimal.NewFromString(*l.AvgPrice)
	}
	return lo
}

func toWirePlan(p *Plan) wirePlan {
	w := wirePlan{Target: p.Target, Destroy: p.Destroy, Targets: p.Targets, Unmanaged: p.Unmanaged, Foreign: p.Foreign,
		Actions: make([]wireAction, len(p.Actions)), Budget: make([]wireBudget, len(p.Budget))}
	for i := range p.Actions {
		a := &p.Actions[i]
		wa := wireAction{Kind: a.Kind, Address: a.Address, ClientOrderID: a.ClientOrderID, Why: a.Why,
			Reasons: a.Reasons, Changed: a.Changed, Notes: a.Notes, MovedFrom: a.MovedFrom, Sensitive: a.Sensitive}
		wa.Before, wa.Prior = toWireLive(a.Before), toWireLive(a.Prior)
		if f := a.Fill; f != nil {
			wa.Fill = &wireFill{f.Declared, f.Filled, f.Rule, f.Orders}
		}
		if o := a.After; o != nil {
			wa.After = &wireOrder{o.Address, o.ClientOrderID, o.Symbol, o.Side, o.Type, o.Amount, o.Price, o.StopPrice,
				nonNil(o.Options), o.RepriceTolerance, o.OnFill, o.ReplaceAmount, o.PreventCancel, o.Sensitive, toWireRange(o.Range)}
		}
		w.Actions[i] = wa
	}
	for i, b := range p.Budget {
		w.Budget[i] = wireBudget(b)
	}
	if f := p.Fee; f != nil {
		w.Fee = &wireFee{f.Rate, f.Source}
	}
	if g := p.Guard; g != nil {
		w.Guard = &wireGuard{g.MaxOrderNotional, g.MaxOpenNotional, g.MaxPriceDeviation, g.AllowCrossing, toWireRange(g.Range)}
	}
	return w
}

func fromWirePlan(w *wirePlan) (*Plan, error) {
	p := &Plan{FormatVersion: FormatVersion, Target: w.Target, Destroy: w.Destroy, Targets: w.Targets,
		Unmanaged: w.Unmanaged, Foreign: w.Foreign, Actions: make([]Action, len(w.Actions))}
	for i := range w.Actions {
		wa := &w.Actions[i]
		if err := wa.validate(); err != nil {
			return nil, fmt.Errorf("action %d: %w", i+1, err)
		}
		a := Action{Kind: wa.Kind, Address: wa.Address, ClientOrderID: wa.ClientOrderID, Why: wa.Why,
			Reasons: wa.Reasons, Changed: wa.Changed, Notes: wa.Notes, MovedFrom: wa.MovedFrom, Sensitive: wa.Sensitive}
		a.Before, a.Prior = fromWireLive(wa.Before), fromWireLive(wa.Prior)
		if f := wa.Fill; f != nil {
			a.Fill = &Fill{f.Declared, f.Filled, f.Rule, f.Orders}
		}
		if o := wa.After; o != nil {
			a.After = &Order{Address: o.Address, ClientOrderID: o.ClientOrderID, Symbol: o.Symbol, Side: o.Side, Type: o.Type,
				Amount: o.Amount, Price: o.Price, StopPrice: o.StopPrice, Options: o.Options, RepriceTolerance: o.RepriceTolerance,
				OnFill: o.OnFill, ReplaceAmount: o.ReplaceAmount, PreventCancel: o.PreventCancel, Sensitive: o.Sensitive, Range: o.Range.toRange()}
		}
		p.Actions[i] = a
	}
	for _, b := range w.Budget {
		p.Budget = append(p.Budget, BudgetLine(b))
	}
	if f := w.Fee; f != nil {
		p.Fee = &Fee{Rate: f.Rate, Source: f.Source}
	}
	if g := w.Guard; g != nil {
		p.Guard = &Guard{MaxOrderNotional: g.MaxOrderNotional, MaxOpenNotional: g.MaxOpenNotional,
			MaxPriceDeviation: g.MaxPriceDeviation, AllowCrossing: g.AllowCrossing, Range: g.Range.toRange()}
	}
	return p, nil
}

// validate refuses an action that apply could not carry out safely.
func (wa *wireAction) validate() error {
	switch wa.Kind {
	case Create, Replace, Cancel, NoOp, Filled:
	default:
		return fmt.Errorf("unknown kind %q", wa.Kind)
	}
	if (wa.Kind == Cancel || wa.Kind == Replace) && (wa.Before == nil || wa.Before.OrderID == "") {
		return fmt.Errorf("%s of %q has no live order to cancel", wa.Kind, wa.Address)
	}
	if wa.Kind == Create || wa.Kind == Replace {
		o := wa.After
		if o == nil || o.ClientOrderID == "" || o.Symbol == "" || (o.Side != "buy" && o.Side != "sell") ||
			!o.Amount.IsPositive() || !o.Price.IsPositive() {
			return fmt.Errorf("%s of %q has no complete order to place", wa.Kind, wa.Address)
		}
	}
	return nil
}
