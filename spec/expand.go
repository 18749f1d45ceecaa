package spec

import (
	"fmt"
	"math/big"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// expand evaluates count or for_each. They must be known without the
// network: the set of orders cannot depend on market data.
func (c *Config) expand(ob *orderBlock, base *hcl.EvalContext) ([]instance, hcl.Diagnostics) {
	if a := ob.attrs["count"]; a != nil {
		return c.expandCount(ob, a, base)
	}
	if a := ob.attrs["for_each"]; a != nil {
		return c.expandForEach(ob, a, base)
	}
	return []instance{{}}, nil
}

// unknownExpansion explains why count or for_each (a) is unknown: a data
// source, or a local value that failed. That failure is reported already,
// in the same pass, so it returns "" then (and the block expands to nothing
// in a pass that has errors).
func (c *Config) unknownExpansion(ob *orderBlock, a *hcl.Attribute, what string) string {
	if c.expansionUsesData(ob) {
		return a.Name + " depends on a data source, which is read only at plan time; " + what + " must be known without the network."
	}
	for _, t := range a.Expr.Variables() {
		if t.RootName() == "local" {
			return "" // a local value it uses failed: the only way to be unknown without a data source
		}
	}
	return a.Name + " is not known; " + what + " must be known without the network."
}

func (c *Config) expandCount(ob *orderBlock, a *hcl.Attribute, base *hcl.EvalContext) ([]instance, hcl.Diagnostics) {
	v, diags := a.Expr.Value(base)
	if diags.HasErrors() {
		return nil, diags
	}
	invalid := func(detail string) hcl.Diagnostics {
		return append(diags, errDiag("Invalid count argument", detail, a.Expr.Range()))
	}
	if v.ContainsMarked() {
		return nil, invalid("Sensitive values, or values derived from sensitive values, cannot be used as count arguments: the number of orders is shown in every plan, in their addresses.")
	}
	switch {
	case !v.IsKnown():
		if why := c.unknownExpansion(ob, a, "the number of orders"); why != "" {
			return nil, invalid(why)
		}
		return nil, diags
	case v.IsNull():
		return nil, invalid("count must be a whole number, not null.")
	case v.Type() != cty.Number:
		return nil, invalid(fmt.Sprintf("count must be a whole number, not a %s.", v.Type().FriendlyName()))
	}
	bf := v.AsBigFloat()
	n, acc := bf.Int64()
	if acc != big.Exact || n < 0 || n > maxInstances {
		return nil, invalid(fmt.Sprintf("count must be a whole number from 0 to %d.", maxInstances))
	}
	insts := make([]instance, n)
	for i := range insts {
		in := instance{key: instanceKey{kind: 'i', index: i},
			name: "count", val: cty.ObjectVal(map[string]cty.Value{"index": cty.NumberIntVal(int64(i))})}
		insts[i] = in
	}
	return insts, diags
}

func (c *Config) expandForEach(ob *orderBlock, a *hcl.Attribute, base *hcl.EvalContext) ([]instance, hcl.Diagnostics) {
	v, diags := a.Expr.Value(base)
	if diags.HasErrors() {
		return nil, diags
	}
	invalid := func(detail string) ([]instance, hcl.Diagnostics) {
		return nil, append(diags, errDiag("Invalid for_each argument", detail, a.Expr.Range()))
	}
	// Terraform's rule: the keys become addresses, which every plan shows.
	// The values may be sensitive; each.value keeps their marks.
	if v.IsMarked() {
		return invalid("Sensitive values, or values derived from sensitive values, cannot be used as for_each arguments: " +
			"each key becomes part of an order's address, which every plan shows. Use keys that are not sensitive, " +
			"such as for_each = { for k in local.names : k => var.levels[k] }; the values may stay sensitive.")
	}
	ty := v.Type()
	switch {
	case !v.IsWhollyKnown():
		if why := c.unknownExpansion(ob, a, "the set of orders"); why != "" {
			return invalid(why)
		}
		return nil, diags
	case v.IsNull():
		return invalid("for_each must be a map or a set of strings, not null.")
	case ty.IsListType() || ty.IsTupleType():
		return invalid("for_each must be a map or a set of strings, not a list: its keys are the orders' identities, and list positions shift. Use toset() for a list of strings, or a map.")
	case !ty.IsMapType() && !ty.IsObjectType() && !ty.IsSetType():
		return invalid(fmt.Sprintf("for_each must be a map or a set of strings, not a %s.", ty.FriendlyName()))
	case ty.IsSetType() && ty.ElementType() != cty.String:
		return invalid("for_each over a set needs a set of strings.")
	}
	if v.LengthInt() > maxInstances {
		return invalid(fmt.Sprintf("for_each has more than %d elements.", maxInstances))
	}
	insts := make([]instance, 0, v.LengthInt())
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		if ty.IsSetType() {
			k = e
		}
		if k.IsNull() {
			return invalid("for_each over a set cannot contain null.")
		}
		key := k.AsString()
		// k is cty.StringVal(key) already: strings in cty are normalized.
		in := instance{key: instanceKey{kind: 's', str: key}, name: "each", val: cty.ObjectVal(map[string]cty.Value{
			"key": k, "value": e,
		})}
		insts = append(insts, in)
	}
	// Maps and sets iterate sorted already; objects too. Sort anyway so the
	// order never depends on cty's internals.
	sort.SliceStable(insts, func(i, j int) bool { return insts[i].key.str < insts[j].key.str })
	return insts, diags
}
