package plan

import (
	"encoding/json"
	"io"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/shopspring/decimal"
)

// The JSON document of plan -json; docs/json-format.md describes it. Fields
// are added only with a minor format_version bump, never renamed.

type jsonDoc struct {
	FormatVersion string        `json:"format_version"`
	Target        *Target       `json:"target"` // nil: no plan could be made far enough to know it
	Destroy       bool          `json:"destroy"`
	Targets       []string      `json:"targets"`
	Errored       bool          `json:"errored"`
	Changes       []jsonChange  `json:"changes"`
	Summary       jsonSummary   `json:"summary"`
	LeftAlone     jsonLeftAlone `json:"left_alone"`
	Budget        []jsonBudget  `json:"budget"`
	Fee           *jsonFee      `json:"fee"`
	Diagnostics   []jsonDiag    `json:"diagnostics"`
}

// jsonFee is the fee rate the budget held buys to.
type jsonFee struct {
	Rate   string `json:"rate"`
	Source string `json:"source"`
}

type jsonChange struct {
	Address       string     `json:"address"`
	Action        Kind       `json:"action"`
	ActionReason  string     `json:"action_reason,omitempty"`
	ClientOrderID string     `json:"client_order_id"`
	OrderID       string     `json:"order_id,omitempty"`
	MovedFrom     string     `json:"moved_from,omitempty"`
	Before        *jsonLive  `json:"before"`
	After         *jsonOrder `json:"after"`
	Changed       []string   `json:"changed"`
	Reasons       []string   `json:"reasons"`
	Notes         []string   `json:"notes"`
	Sensitive     []string   `json:"sensitive"`
	Fill          *jsonFill  `json:"fill"`
}

// jsonFill is how the address's fills in its current cycle shaped a change.
type jsonFill struct {
	DeclaredAmount *string  `json:"declared_amount"`
	FilledAmount   *string  `json:"filled_amount"`
	ReplaceAmount  string   `json:"replace_amount"`
	Orders         []string `json:"orders"`
}

type jsonLive struct {
	OrderID         string   `json:"order_id"`
	ClientOrderID   string   `json:"client_order_id"`
	Symbol          string   `json:"symbol"`
	Side            string   `json:"side"`
	Type            string   `json:"type"`
	Amount          *string  `json:"amount"`
	ExecutedAmount  *string  `json:"executed_amount"`
	RemainingAmount *string  `json:"remaining_amount"`
	Price           *string  `json:"price"`
	StopPrice       *string  `json:"stop_price"`
	Options         []string `json:"options"`
}

type jsonOrder struct {
	ClientOrderID string   `json:"client_order_id"`
	Symbol        string   `json:"symbol"`
	Side          string   `json:"side"`
	Type          string   `json:"type"`
	Amount        *string  `json:"amount"`
	Price         *string  `json:"price"`
	StopPrice     *string  `json:"stop_price"`
	Options       []string `json:"options"`
}

type jsonSummary struct {
	Place      int  `json:"place"`
	Replace    int  `json:"replace"`
	Cancel     int  `json:"cancel"`
	NoOp       int  `json:"no_op"`
	Filled     int  `json:"filled"`
	HasChanges bool `json:"has_changes"`
}

type jsonLeftAlone struct {
	Unmanaged int `json:"unmanaged"`
	Foreign   int `json:"other_namespaces"`
}

type jsonBudget struct {
	Currency  string   `json:"currency"`
	Available string   `json:"available"`
	Released  *string  `json:"released"`
	Held      *string  `json:"held"`
	Remaining *string  `json:"remaining"`
	Sensitive []string `json:"sensitive"`
}

// jsonBudgetLine is b with the figures it names sensitive as null.
func jsonBudgetLine(b BudgetLine) jsonBudget {
	val := func(name string, v decimal.Decimal) *string {
		if slices.Contains(b.Sensitive, name) {
			return nil
		}
		s := v.String()
		return &s
	}
	return jsonBudget{Currency: b.Currency, Available: b.Available.String(), Released: val("released", b.Released),
		Held: val("held", b.Held), Remaining: val("remaining", b.Remaining), Sensitive: nonNil(b.Sensitive)}
}

type jsonDiag struct {
	Severity string     `json:"severity"`
	Summary  string     `json:"summary"`
	Detail   string     `json:"detail"`
	Range    *wireRange `json:"range,omitempty"`
}

// RenderJSON writes the plan and its diagnostics as one JSON document. The
// values of sensitive attributes are null and named in "sensitive".
func RenderJSON(w io.Writer, p *Plan, diags hcl.Diagnostics) error {
	return RenderJSONWith(w, p, diags, RenderOptions{})
}

// RenderJSONWith is RenderJSON that also hides opts.Sensitive values: an
// attribute equal to one is null and named in "sensitive", and free text
// (reasons, notes, diagnostics) shows "(sensitive value)" in its place.
// opts.Color is ignored.
func RenderJSONWith(w io.Writer, p *Plan, diags hcl.Diagnostics, opts RenderOptions) error {
	r := &renderer{opts: opts}
	doc := jsonDoc{FormatVersion: FormatVersion, Destroy: p.Destroy, Targets: nonNil(p.Targets),
		Errored: p.Errored || diags.HasErrors(), Changes: make([]jsonChange, 0, len(p.Actions)),
		LeftAlone: jsonLeftAlone{p.Unmanaged, p.Foreign}, Budget: make([]jsonBudget, 0, len(p.Budget)),
		Diagnostics: make([]jsonDiag, 0, len(diags))}
	if p.Target != (Target{}) {
		t := p.Target
		doc.Target = &t
	}
	for i := range p.Actions {
		doc.Changes = append(doc.Changes, r.jsonChange(&p.Actions[i]))
		switch p.Actions[i].Kind {
		case NoOp:
			doc.Summary.NoOp++
		case Filled:
			doc.Summary.Filled++
		}
	}
	doc.Summary.Place, doc.Summary.Replace, doc.Summary.Cancel = p.Counts()
	doc.Summary.HasChanges = p.HasChanges()
	for _, b := range p.Budget {
		doc.Budget = append(doc.Budget, jsonBudgetLine(b))
	}
	if f := p.Fee; f != nil {
		doc.Fee = &jsonFee{Rate: f.Rate.String(), Source: f.Source}
	}
	for _, d := range diags {
		jd := jsonDiag{Severity: "error", Summary: r.redact(d.Summary), Detail: r.redact(d.Detail)}
		if d.Severity == hcl.DiagWarning {
			jd.Severity = "warning"
		}
		if d.Subject != nil {
			jd.Range = toWireRange(*d.Subject)
		}
		doc.Diagnostics = append(doc.Diagnostics, jd)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (r *renderer) jsonChange(a *Action) jsonChange {
	sens := slices.Clone(a.Hidden())
	val := func(attr string, v interface{ String() string }) *string {
		if slices.Contains(sens, attr) {
			return nil
		}
		s := v.String()
		if r.redactValue(s) != s {
			sens = append(sens, attr)
			return nil
		}
		return &s
	}
	texts := func(in []string) []string {
		out := make([]string, len(in))
		for i, s := range in {
			out[i] = r.redact(s)
		}
		return out
	}
	c := jsonChange{Address: a.Address, Action: a.Kind, ActionReason: a.Why, ClientOrderID: a.ClientOrderID, MovedFrom: a.MovedFrom,
		Changed: nonNil(a.Changed), Reasons: texts(a.Reasons), Notes: texts(a.Notes)}
	if l := a.Before; l != nil {
		c.OrderID = l.OrderID
		b := &jsonLive{OrderID: l.OrderID, ClientOrderID: l.ClientOrderID, Symbol: l.Symbol, Side: l.Side, Type: orderType(l.Type),
			Amount: val("amount", l.OriginalAmount), ExecutedAmount: val("amount", l.ExecutedAmount), RemainingAmount: val("amount", l.RemainingAmount),
			Price: val("price", l.Price), Options: nonNil(l.Options)}
		if orderType(l.Type) == "stop-limit" {
			b.StopPrice = val("stop_price", l.StopPrice)
		}
		c.Before = b
	}
	if o := a.After; o != nil && a.Kind != Filled {
		j := &jsonOrder{ClientOrderID: o.ClientOrderID, Symbol: o.Symbol, Side: o.Side, Type: orderType(o.Type),
			Amount: val("amount", o.Amount), Price: val("price", o.Price), Options: nonNil(o.Options)}
		if orderType(o.Type) == "stop-limit" {
			j.StopPrice = val("stop_price", o.StopPrice)
		}
		c.After = j
	}
	if f := a.Fill; f != nil {
		c.Fill = &jsonFill{DeclaredAmount: val("amount", f.Declared), FilledAmount: val("amount", f.Filled),
			ReplaceAmount: f.Rule, Orders: nonNil(f.Orders)}
	}
	slices.Sort(sens)
	c.Sensitive = nonNil(slices.Compact(sens))
	return c
}
