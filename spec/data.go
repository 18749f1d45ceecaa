package spec

import (
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/shopspring/decimal"
	"github.com/zclconf/go-cty/cty"
)

// Attribute types of each kind of data source.
var dataAttrTypes = map[string]map[string]cty.Type{
	"ticker":  {"bid": cty.Number, "ask": cty.Number, "last": cty.Number, "mid": cty.Number},
	"symbol":  {"price_increment": cty.Number, "amount_increment": cty.Number, "min_amount": cty.Number, "base": cty.String, "quote": cty.String, "status": cty.String},
	"balance": {"amount": cty.Number, "available": cty.Number},
}

// dataAttrNames returns the attributes of a kind of data source, sorted.
func dataAttrNames(kind string) []string {
	names := make([]string, 0, len(dataAttrTypes[kind]))
	for n := range dataAttrTypes[kind] {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

var two = decimal.NewFromInt(2)

// unknownData is the value of "data" before the exchange is read: every
// declared data source with all its attributes unknown.
func (c *Config) unknownData() cty.Value {
	return c.dataObject(func(ds *DataSource) (cty.Value, *hcl.Diagnostic) {
		attrs := map[string]cty.Value{}
		for name, ty := range dataAttrTypes[ds.Kind] {
			attrs[name] = cty.UnknownVal(ty).RefineNotNull()
		}
		return cty.ObjectVal(attrs), nil
	})
}

// knownData is the value of "data" with what the exchange reported.
func (c *Config) knownData(data *Data) (cty.Value, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	v := c.dataObject(func(ds *DataSource) (cty.Value, *hcl.Diagnostic) {
		switch ds.Kind {
		case "ticker":
			t, ok := data.Tickers[ds.Symbol]
			if !ok {
				return cty.NilVal, errDiag("No ticker for data source",
					fmt.Sprintf("The exchange reported no ticker for %q.", ds.Symbol), ds.Range)
			}
			return cty.ObjectVal(map[string]cty.Value{
				"bid": decimalValue(t.Bid), "ask": decimalValue(t.Ask), "last": decimalValue(t.Last),
				"mid": decimalValue(t.Bid.Add(t.Ask).Div(two)),
			}), nil
		case "symbol":
			s, ok := data.Symbols[ds.Symbol]
			if !ok {
				return cty.NilVal, errDiag("No symbol details for data source",
					fmt.Sprintf("The exchange reported no details for the symbol %q.", ds.Symbol), ds.Range)
			}
			return cty.ObjectVal(map[string]cty.Value{
				"price_increment": decimalValue(s.PriceIncrement), "amount_increment": decimalValue(s.AmountIncrement),
				"min_amount": decimalValue(s.MinAmount), "base": cty.StringVal(s.Base), "quote": cty.StringVal(s.Quote),
				"status": cty.StringVal(s.Status),
			}), nil
		default:
			b, ok := data.Balances[ds.Currency]
			if !ok {
				// An account holds no row for a currency it never had:
				// that is a zero balance, not an error.
				b = BalanceData{}
			}
			return cty.ObjectVal(map[string]cty.Value{
				"amount": decimalValue(b.Amount), "available": decimalValue(b.Available),
			}), nil
		}
	}, &diags)
	return v, diags
}

// dataObject builds the "data" object with one value per declared data
// source. Failed ones are unknown and reported into diags, when given.
func (c *Config) dataObject(f func(*DataSource) (cty.Value, *hcl.Diagnostic), diags ...*hcl.Diagnostics) cty.Value {
	kinds := map[string]map[string]cty.Value{}
	for _, p := range c.pending.data {
		ds := p.ds
		v, d := f(ds)
		if d != nil {
			if len(diags) > 0 {
				*diags[0] = append(*diags[0], d)
			}
			v = cty.DynamicVal
		}
		if kinds[ds.Kind] == nil {
			kinds[ds.Kind] = map[string]cty.Value{}
		}
		kinds[ds.Kind][ds.Name] = v
	}
	obj := map[string]cty.Value{}
	for _, k := range dataKinds {
		obj[k] = objectOrEmpty(kinds[k])
	}
	return cty.ObjectVal(obj)
}
