package spec

import (
	"fmt"
	"slices"

	"github.com/zclconf/go-cty/cty"
)

func (e *orderEval) symbol() {
	a := e.ob.attrs["symbol"]
	if a == nil {
		return
	}
	s, av, ok := e.str(e.ob.attrs, "symbol")
	if !ok {
		if !e.final && len(e.o.Unknown) > 0 && e.o.Unknown[len(e.o.Unknown)-1] == "symbol" {
			e.o.Unknown = e.o.Unknown[:len(e.o.Unknown)-1]
			e.errorf(a, "Symbol depends on a data source",
				"The symbol of an order must be known without reading the exchange: it decides what is read.")
		}
		return
	}
	if e.shared != nil {
		if sym, ok := e.shared.symbols[s]; ok {
			e.o.Symbol = sym
			return
		}
	}
	sym, d := e.c.checkSymbol(s, a.Expr.Range(), !e.final)
	if d == nil && e.shared != nil {
		e.shared.symbols[s] = sym
	}
	e.o.Symbol = sym
	if d != nil {
		if av.sensitive {
			d.Detail = "The symbol is not valid."
		}
		e.report(d.Severity, a, d.Summary, d.Detail)
	}
}

func (o *Order) isSensitive(name string) bool {
	for _, s := range o.Sensitive {
		if s == name {
			return true
		}
	}
	return false
}

func (e *orderEval) stopPrice(priceOK bool) {
	o, attrs := e.o, e.ob.attrs
	a := attrs["stop_price"]
	if o.Type != "stop-limit" {
		if a != nil {
			e.errorf(a, "Unexpected stop_price", "stop_price applies only to orders with type = \"stop-limit\".")
		}
		return
	}
	if a == nil {
		e.errorf(attrs["type"], "Missing stop_price", "A stop-limit order needs a stop_price: the price at which its limit order is placed.")
		return
	}
	stop, ok := e.positive(attrs, "stop_price")
	if !ok {
		return
	}
	o.StopPrice = stop
	if !priceOK || o.Side == "" {
		return
	}
	hidden := o.isSensitive("price") || o.isSensitive("stop_price")
	nums := fmt.Sprintf(" (stop %s, price %s)", stop, o.Price)
	if hidden {
		nums = ""
	}
	switch {
	case o.Side == "buy" && stop.Cmp(o.Price) >= 0:
		e.errorf(a, "Invalid stop_price", "For a buy stop-limit order the stop price must be below the limit price%s.", nums)
	case o.Side == "sell" && stop.Cmp(o.Price) <= 0:
		e.errorf(a, "Invalid stop_price", "For a sell stop-limit order the stop price must be above the limit price%s.", nums)
	}
}

func (e *orderEval) options() {
	av, ok := e.value(e.ob.attrs, "options")
	if !ok || av.v.IsNull() {
		return
	}
	sv := e.sharedOf(av.a)
	if sv != nil && sv.hasOpts {
		e.o.Options = slices.Clone(sv.opts)
		return
	}
	v, ty := av.v, av.v.Type()
	if !ty.IsListType() && !ty.IsTupleType() && !ty.IsSetType() {
		e.errorf(av.a, "Invalid options", "options is a list of strings, like [\"maker-or-cancel\"].")
		return
	}
	var opts []string
	for it := v.ElementIterator(); it.Next(); {
		_, el := it.Element()
		if el.IsNull() || el.Type() != cty.String {
			e.errorf(av.a, "Invalid options", "options is a list of strings, like [\"maker-or-cancel\"].")
			return
		}
		opts = append(opts, el.AsString())
	}
	bad := false
	for _, opt := range opts {
		switch opt {
		case "maker-or-cancel":
		case "immediate-or-cancel", "fill-or-kill":
			e.errorf(av.a, "Unsupported option", nonRestingDetail, map[string]string{"immediate-or-cancel": "An immediate-or-cancel", "fill-or-kill": "A fill-or-kill"}[opt])
			bad = true
		default:
			e.errorf(av.a, "Invalid option",
				"The only option of a resting order is \"maker-or-cancel\"; got %s.%s", av.show(opt), didYouMean(opt, allOptions))
			bad = true
		}
	}
	if len(opts) > 1 {
		e.errorf(av.a, "Conflicting options", "At most one of \"maker-or-cancel\", \"immediate-or-cancel\" and \"fill-or-kill\" may be given.")
		bad = true
	}
	if !bad {
		e.o.Options = opts
		if sv != nil {
			sv.opts, sv.hasOpts = slices.Clone(opts), true
		}
	}
}

// stopOptions refuses options on a stop-limit order, as Gemini does ("No
// options can be applied to stop-limit orders"). Refusing it here, before
// any plan, matters most for a replace: its cancel is sent first, so an
// order the exchange then refuses would leave the user without the stop.
func (e *orderEval) stopOptions() {
	if e.o.Type != "stop-limit" || len(e.o.Options) == 0 {
		return
	}
	e.errorf(e.ob.attrs["options"], "Options on a stop-limit order",
		"The exchange takes no options on stop-limit orders (\"No options can be applied to stop-limit orders\"). Remove options, or use type = \"limit\".")
}
