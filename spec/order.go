package spec

import (
	"fmt"
	"math/big"
	"slices"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/shopspring/decimal"
	"github.com/zclconf/go-cty/cty"
)

// maxInstances bounds count and for_each, so that a typo such as
// count = 1e9 is an error rather than a hang.
const maxInstances = 100000

// Orders evaluates every order block, count and for_each expanded, in
// declaration order and then by instance key.
//
// With data == nil it returns the orders Load evaluated without the
// network: attributes that depend on data sources are listed in each
// order's Unknown and hold zero values. Load already reported that pass's
// diagnostics, so none are returned here.
//
// With data, data sources take the exchange's values and every attribute
// must be known; the result is what a plan compares with the live book.
func (c *Config) Orders(data *Data) ([]Order, hcl.Diagnostics) {
	if data == nil {
		return c.static, nil
	}
	dataVal, diags := c.knownData(data)
	if diags.HasErrors() {
		return nil, diags
	}
	locals, d := c.evalLocals(dataVal, c.staticLocal)
	diags = append(diags, d...)
	orders, d := c.evalOrders(locals, dataVal, true)
	diags = append(diags, d...)
	return orders, sortDiags(dedupe(diags))
}

// instance is one expansion of an order block.
type instance struct {
	key  instanceKey
	ctx  *hcl.EvalContext
	name string    // "each" or "count", the variable of its context; "" when the context is the base
	val  cty.Value // its value
	idx  int       // index of its order in c.static (instances kept in orderBlock.insts)
}

// context is the instance's own context as a child of base.
func (in *instance) context(base *hcl.EvalContext) *hcl.EvalContext {
	if in.name == "" {
		return base
	}
	ctx := base.NewChild()
	ctx.Variables = map[string]cty.Value{in.name: in.val}
	return ctx
}

// reusedContext is the instance's context as a child of base, without
// allocating: the one context of *ctx, its variable replaced. It must not
// outlive the evaluation of this instance (see evalOrders).
func (in *instance) reusedContext(base *hcl.EvalContext, ctx **hcl.EvalContext) *hcl.EvalContext {
	if in.name == "" {
		return base
	}
	if *ctx == nil {
		*ctx = base.NewChild()
		(*ctx).Variables = make(map[string]cty.Value, 1)
	}
	clear((*ctx).Variables)
	(*ctx).Variables[in.name] = in.val
	return *ctx
}

// keepsContext reports whether any of diags holds an evaluation context,
// which a diagnostic's renderer reads later.
func keepsContext(diags hcl.Diagnostics) bool {
	for _, d := range diags {
		if d.EvalContext != nil {
			return true
		}
	}
	return false
}

// evalShared is what one pass shares between the instances of its order
// blocks: the values of attributes that do not refer to each or count,
// which are the same for every instance, the other attributes with their
// invariant parts evaluated, and checked symbols.
type evalShared struct {
	attrs   map[*hcl.Attribute]*sharedValue
	folded  map[*hcl.Attribute]hcl.Expression // the others, their invariant parts evaluated (see foldInvariant)
	symbols map[string]string                 // well-formed symbol text, lowercased, that drew no diagnostic
}

type sharedValue struct {
	v       cty.Value // evaluated without diagnostics
	dec     decimal.Decimal
	hasDec  bool // dec is v as a valid decimal
	opts    []string
	hasOpts bool // opts are v as valid options
}

// shareEval turns on what evalOrders shares between instances and passes
// (evalShared, orderBlock.insts). Tests turn it off to check that sharing
// changes nothing.
var shareEval = true

func (c *Config) evalOrders(locals map[string]cty.Value, data cty.Value, final bool) ([]Order, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	base := c.evalContext(locals, data)
	orders := make([]Order, 0, len(c.static))
	if !final {
		for _, ob := range c.orders {
			diags = append(diags, c.checkOrderRefs(ob)...)
		}
	}
	var shared *evalShared
	if shareEval {
		shared = &evalShared{symbols: map[string]string{}}
	}
	for _, ob := range c.orders {
		if ob.bad {
			continue
		}
		// With the pass without the exchange clean, its instances serve
		// again when count or for_each cannot have changed.
		reuse := final && !c.staticErr && ob.insts != nil && shareEval
		var insts []instance
		if reuse {
			insts = ob.insts
		} else {
			var d hcl.Diagnostics
			insts, d = c.expand(ob, base)
			diags = append(diags, d...)
			if !final {
				keys := make([]instanceKey, len(insts))
				for i, in := range insts {
					keys[i] = in.key
				}
				c.keys[ob.name] = keys
				ob.invariant = c.invariantAttrs(ob)
				if len(d) == 0 && !c.expansionUsesData(ob) {
					ob.insts = insts // their contexts are dropped below
				}
			}
		}
		if shared != nil {
			shared.attrs = make(map[*hcl.Attribute]*sharedValue, len(ob.invariant))
			shared.folded = map[*hcl.Attribute]hcl.Expression{}
		}
		orders = slices.Grow(orders, len(insts))
		var blockCtx *hcl.EvalContext
		for i, in := range insts {
			if ob.insts != nil && !final {
				ob.insts[i].ctx, ob.insts[i].idx = nil, len(orders)
			}
			var prev *Order
			if reuse {
				prev = &c.static[in.idx]
			} else if final {
				prev = c.staticOrder(address(ob.name, in.key))
			}
			// Instances are evaluated one after another in one context
			// whose each or count changes, unless a diagnostic keeps the
			// context: then the instance is evaluated again in its own.
			if in.ctx == nil && (prev == nil || len(prev.Unknown) > 0) {
				if shareEval {
					in.ctx = in.reusedContext(base, &blockCtx)
				} else {
					in.ctx = in.context(base)
				}
			}
			orders = append(orders, Order{})
			o := &orders[len(orders)-1]
			d := c.evalOrder(o, ob, in, final, prev, shared)
			if in.ctx == blockCtx && blockCtx != nil && keepsContext(d) {
				in.ctx = in.context(base)
				d = c.evalOrder(o, ob, in, final, prev, shared)
			}
			diags = append(diags, d...)
		}
	}
	return orders, append(diags, checkCollisions(orders)...)
}

// invariantAttrs are the attributes of ob whose expressions refer to
// neither each nor count: every instance has the same value for them.
func (c *Config) invariantAttrs(ob *orderBlock) map[*hcl.Attribute]bool {
	inv := map[*hcl.Attribute]bool{}
	for _, attrs := range []hcl.Attributes{ob.attrs, ob.lifecycle} {
		for _, a := range attrs {
			ok := true
			for _, t := range a.Expr.Variables() {
				if r := t.RootName(); r == "each" || r == "count" {
					ok = false
					break
				}
			}
			if ok {
				inv[a] = true
			}
		}
	}
	return inv
}

// expansionUsesData reports whether ob's count or for_each refers to a data
// source, directly or through local values.
func (c *Config) expansionUsesData(ob *orderBlock) bool {
	a := ob.attrs["count"]
	if a == nil {
		a = ob.attrs["for_each"]
	}
	if a == nil {
		return false
	}
	for _, t := range a.Expr.Variables() {
		switch t.RootName() {
		case "data":
			return true
		case "local":
			if len(t) < 2 {
				return true
			}
			at, ok := t[1].(hcl.TraverseAttr)
			if !ok {
				return true
			}
			if l := c.localOf[at.Name]; l == nil || l.dataDep {
				return true
			}
		}
	}
	return false
}

// checkOrderRefs checks the references of every expression of an order
// block once, rather than once per instance.
func (c *Config) checkOrderRefs(ob *orderBlock) hcl.Diagnostics {
	var diags hcl.Diagnostics
	scope := refGlobal
	if ob.attrs["count"] != nil {
		scope |= refCount
	}
	if ob.attrs["for_each"] != nil {
		scope |= refEach
	}
	for _, name := range []string{"count", "for_each"} {
		if a := ob.attrs[name]; a != nil {
			diags = append(diags, c.checkRefs(a.Expr, refGlobal)...)
		}
	}
	for _, a := range sortedAttrs(ob.attrs) {
		if a.Name != "count" && a.Name != "for_each" {
			diags = append(diags, c.checkRefs(a.Expr, scope)...)
		}
	}
	for _, a := range sortedAttrs(ob.lifecycle) {
		diags = append(diags, c.checkRefs(a.Expr, scope)...)
	}
	if diags.HasErrors() {
		ob.bad = true
	}
	return diags
}

// checkCollisions reports two addresses with one client order id: a
// 64-bit hash collision, astronomically unlikely, but it would make two
// orders one.
func checkCollisions(orders []Order) hcl.Diagnostics {
	var diags hcl.Diagnostics
	seen := make(map[string]string, len(orders))
	for _, o := range orders {
		if prev, ok := seen[o.ClientOrderID]; ok && prev != o.Address {
			diags = append(diags, errDiag("Client order id collision",
				fmt.Sprintf("%s and %s have the same client order id %s; rename one of them.", prev, o.Address, o.ClientOrderID), o.Range))
		}
		seen[o.ClientOrderID] = o.Address
	}
	return diags
}

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

// staticOrder is the result of the pass without the exchange for addr,
// when that pass had no errors (otherwise everything is evaluated again).
func (c *Config) staticOrder(addr string) *Order {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.staticErr {
		return nil
	}
	if c.staticIdx == nil {
		c.staticIdx = make(map[string]int, len(c.static))
		for i, o := range c.static {
			c.staticIdx[o.Address] = i
		}
	}
	i, ok := c.staticIdx[addr]
	if !ok {
		return nil
	}
	return &c.static[i]
}
