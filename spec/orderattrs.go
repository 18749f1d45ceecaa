package spec

import (
	"errors"
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/shopspring/decimal"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

var (
	sides      = []string{"buy", "sell"}
	orderTypes = []string{"limit", "stop-limit"}
	onFills    = []string{"done", "replace"}
	// replaceAmounts: what a placement carries once the address has partly
	// filled in its current cycle (docs/language.md, "How a plan treats each order").
	replaceAmounts = []string{"remaining", "full"}
	allOptions     = []string{"maker-or-cancel", "immediate-or-cancel", "fill-or-kill"}
)

// Why immediate-or-cancel and fill-or-kill are refused.
const nonRestingDetail = "%s order never rests on the book: it trades at once or is cancelled. " +
	"orderform declares orders that stay on the book, so such an order would be placed again on every apply. " +
	"Use \"maker-or-cancel\" to make sure an order only rests, or no option."

// orderEval evaluates one instance of an order block.
type orderEval struct {
	c      *Config
	ob     *orderBlock
	o      *Order
	ctx    *hcl.EvalContext
	final  bool
	diags  hcl.Diagnostics
	shared *evalShared // nil: share nothing
}

// attrValue is an evaluated attribute, unmarked.
type attrValue struct {
	v         cty.Value
	a         *hcl.Attribute
	sensitive bool
}

// evalOrder evaluates one instance into o. With prev, the same instance's result
// from the pass without the exchange, only the attributes that were unknown
// then are evaluated: the others did not depend on data sources, so their
// values cannot have changed.
func (c *Config) evalOrder(o *Order, ob *orderBlock, in instance, final bool, prev *Order, shared *evalShared) hcl.Diagnostics {
	want := func(string) bool { return true }
	if prev != nil {
		*o = *prev
		o.Unknown = nil
		o.Options = slices.Clone(prev.Options)
		o.Sensitive = slices.Clone(prev.Sensitive)
		if len(prev.Unknown) == 0 {
			return nil
		}
		want = func(name string) bool { return slices.Contains(prev.Unknown, name) }
	} else {
		addr := address(ob.name, in.key)
		*o = Order{
			Address:       addr,
			ClientOrderID: ClientOrderID(c.Exchange.Namespace, addr),
			Type:          "limit",
			OnFill:        "done",
			ReplaceAmount: "remaining",
			Range:         ob.block.DefRange,
			Ranges:        ob.ranges,
		}
	}
	e := &orderEval{c: c, ob: ob, o: o, ctx: in.ctx, final: final, shared: shared}
	if want("symbol") {
		e.symbol()
	}
	if want("side") {
		if s, ok := e.enum(ob.attrs, "side", sides); ok {
			o.Side = s
		}
	}
	typeOK := true
	if ob.attrs["type"] != nil && want("type") {
		s, ok := e.enum(ob.attrs, "type", orderTypes)
		if ok {
			o.Type = s
		}
		typeOK = ok
	}
	if want("amount") {
		o.Amount, _ = e.positive(ob.attrs, "amount")
	}
	priceOK := true
	if want("price") {
		o.Price, priceOK = e.positive(ob.attrs, "price")
	}
	if typeOK && (want("type") || want("side") || want("price") || want("stop_price")) {
		e.stopPrice(priceOK)
	}
	if want("options") {
		e.options()
	}
	if typeOK && (want("type") || want("options")) {
		e.stopOptions()
	}
	e.lifecycle(want)
	return e.diags
}

// lifecycle evaluates the attributes of the order's lifecycle block that
// want asks for.
func (e *orderEval) lifecycle(want func(string) bool) {
	if want("reprice_tolerance") {
		if tol, ok := e.decimal(e.ob.lifecycle, "reprice_tolerance"); ok {
			if tol.Sign() < 0 || tol.Cmp(decimal.NewFromInt(1)) >= 0 {
				e.errorf(e.ob.lifecycle["reprice_tolerance"], "Invalid reprice_tolerance",
					"reprice_tolerance is a fraction of the price from 0 (exact) up to, but not including, 1; 0.002 keeps a live order within 0.2%% of the desired price.")
			} else {
				e.o.RepriceTolerance = tol
			}
		}
	}
	if want("on_fill") {
		if s, ok := e.enum(e.ob.lifecycle, "on_fill", onFills); ok {
			e.o.OnFill = s
		}
	}
	if want("replace_amount") {
		if s, ok := e.enum(e.ob.lifecycle, "replace_amount", replaceAmounts); ok {
			e.o.ReplaceAmount = s
		}
	}
	if want("prevent_cancel") {
		if av, ok := e.value(e.ob.lifecycle, "prevent_cancel"); ok && !av.v.IsNull() {
			if b, err := convert.Convert(av.v, cty.Bool); err != nil {
				e.errorf(av.a, "Invalid prevent_cancel", "prevent_cancel must be true or false.")
			} else {
				e.o.PreventCancel = b.True()
			}
		}
	}
}

// errorf reports a problem with attribute a (or the block when a is nil),
// naming the instance when the block is expanded.
func (e *orderEval) errorf(a *hcl.Attribute, summary, format string, args ...any) {
	e.report(hcl.DiagError, a, summary, fmt.Sprintf(format, args...))
}

func (e *orderEval) report(sev hcl.DiagnosticSeverity, a *hcl.Attribute, summary, detail string) {
	rng := e.ob.block.DefRange
	if a != nil {
		rng = a.Expr.Range()
	}
	if e.o.Address != "order."+e.ob.name {
		detail += " (" + e.o.Address + ")"
	}
	e.diags = append(e.diags, &hcl.Diagnostic{Severity: sev, Summary: summary, Detail: detail, Subject: rng.Ptr()})
}

// value evaluates an attribute. ok is false when it is absent, failed, or
// is not known yet (then it is listed in Unknown).
func (e *orderEval) value(attrs hcl.Attributes, name string) (attrValue, bool) {
	a := attrs[name]
	if a == nil {
		return attrValue{}, false
	}
	v, d := e.eval(a)
	if d.HasErrors() {
		e.diags = append(e.diags, d...)
		return attrValue{}, false
	}
	var marked bool
	if v.Type().IsPrimitiveType() {
		marked = v.IsMarked()
		v, _ = v.Unmark()
	} else if v.ContainsMarked() {
		marked = true
		v, _ = v.UnmarkDeep()
	}
	av := attrValue{v: v, a: a, sensitive: marked}
	if marked && !slices.Contains(e.o.Sensitive, name) {
		e.o.Sensitive = append(e.o.Sensitive, name)
	}
	if !v.IsWhollyKnown() {
		if e.final {
			e.errorf(a, "Value not known", "The value of %s is still unknown after reading the exchange.", name)
		} else {
			e.o.Unknown = append(e.o.Unknown, name)
		}
		return attrValue{}, false
	}
	return av, true
}

// eval evaluates a's expression, once per pass for all the instances of
// the block when it refers to neither each nor count (and evaluates
// without diagnostics; otherwise every instance reports its own).
func (e *orderEval) eval(a *hcl.Attribute) (cty.Value, hcl.Diagnostics) {
	if e.shared == nil {
		return a.Expr.Value(e.ctx)
	}
	if !e.ob.invariant[a] {
		// The parts that refer to neither each nor count are evaluated
		// once; should anything go wrong, the instance evaluates the
		// expression as written, so that its diagnostics are the usual.
		f, ok := e.shared.folded[a]
		if !ok {
			f = foldInvariant(a.Expr, e.ctx)
			e.shared.folded[a] = f
		}
		if f != a.Expr {
			if v, d := f.Value(e.ctx); len(d) == 0 {
				return v, nil
			}
		}
		return a.Expr.Value(e.ctx)
	}
	if s, ok := e.shared.attrs[a]; ok {
		return s.v, nil
	}
	v, d := a.Expr.Value(e.ctx)
	if len(d) == 0 {
		e.shared.attrs[a] = &sharedValue{v: v}
	}
	return v, d
}

// sharedOf is a's shared value, or nil.
func (e *orderEval) sharedOf(a *hcl.Attribute) *sharedValue {
	if e.shared == nil {
		return nil
	}
	return e.shared.attrs[a]
}

// show is v's text for a message, or a stand-in when it is sensitive.
func (av attrValue) show(text string) string {
	if av.sensitive {
		return "(sensitive value)"
	}
	return fmt.Sprintf("%q", text)
}

func (e *orderEval) str(attrs hcl.Attributes, name string) (string, attrValue, bool) {
	av, ok := e.value(attrs, name)
	if !ok {
		return "", av, false
	}
	if av.v.IsNull() {
		e.errorf(av.a, "Invalid "+name, "%s must not be null.", name)
		return "", av, false
	}
	s, err := convert.Convert(av.v, cty.String)
	if err != nil {
		e.errorf(av.a, "Invalid "+name, "%s must be a string, not a %s.", name, av.v.Type().FriendlyName())
		return "", av, false
	}
	return s.AsString(), av, true
}

func (e *orderEval) enum(attrs hcl.Attributes, name string, valid []string) (string, bool) {
	s, av, ok := e.str(attrs, name)
	if !ok {
		return "", false
	}
	if d := checkEnum(name, s, valid, av.a.Expr.Range()); d != nil {
		if av.sensitive {
			d.Detail = fmt.Sprintf("The %s must be %s.", name, orList(valid))
		}
		e.report(hcl.DiagError, av.a, d.Summary, d.Detail)
		return "", false
	}
	return s, true
}

// decimal evaluates a number or a decimal string exactly.
func (e *orderEval) decimal(attrs hcl.Attributes, name string) (decimal.Decimal, bool) {
	av, ok := e.value(attrs, name)
	if !ok {
		return decimal.Decimal{}, false
	}
	sv := e.sharedOf(av.a)
	if sv != nil && sv.hasDec {
		return sv.dec, true
	}
	v := av.v
	if v.IsNull() {
		e.errorf(av.a, "Invalid "+name, "%s must not be null.", name)
		return decimal.Decimal{}, false
	}
	if t := v.Type(); t != cty.Number && t != cty.String {
		e.errorf(av.a, "Invalid "+name, "%s must be a number or a decimal string, not a %s.", name, t.FriendlyName())
		return decimal.Decimal{}, false
	}
	d, err := valueDecimal(v)
	if err == nil {
		err = checkScale(d)
	}
	switch {
	case errors.Is(err, errNotFinite):
		e.errorf(av.a, "Invalid "+name, "%s must be a finite number.", name)
	case errors.Is(err, errOutOfRange):
		e.errorf(av.a, "Invalid "+name, "%s is out of range: at most %d digits before and %d after the decimal point.", name, maxIntDigits, maxScale)
	case err != nil:
		e.errorf(av.a, "Invalid "+name, "%s must be a decimal number like \"0.5\"; got %s.", name, av.show(v.AsString()))
	default:
		if sv != nil {
			sv.dec, sv.hasDec = d, true
		}
		return d, true
	}
	return decimal.Decimal{}, false
}

// positive is decimal for amounts and prices, which must be above zero.
func (e *orderEval) positive(attrs hcl.Attributes, name string) (decimal.Decimal, bool) {
	d, ok := e.decimal(attrs, name)
	if !ok {
		return d, false
	}
	if d.Sign() <= 0 {
		got := d.String()
		if e.o.isSensitive(name) {
			got = "a sensitive value"
		}
		e.errorf(attrs[name], "Invalid "+name, "The %s must be positive; got %s.", name, got)
		return decimal.Decimal{}, false
	}
	return d, true
}
