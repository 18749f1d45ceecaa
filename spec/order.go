package spec

import (
	"fmt"
	"slices"

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
