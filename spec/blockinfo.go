package spec

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// OrderBlock is one order block as a whole. A plan needs it for the
// instances the block no longer declares (count lowered, for_each keys
// renamed or removed): the exchange keeps only a hash of their addresses,
// so only the block can say whether they were protected.
type OrderBlock struct {
	Address   string // order.x
	Expansion string // "count", "for_each", or "" for a single order
	// PreventCancel is true when the block's lifecycle sets prevent_cancel
	// to true, or to an expression of each or count: an instance that is no
	// longer declared has no each or count, so its value cannot be known,
	// and it is taken as protected.
	PreventCancel bool
	Range         hcl.Range // the prevent_cancel argument when set, else the block's header
}

// OrderBlocks describes every order block, in declaration order.
func (c *Config) OrderBlocks() []OrderBlock {
	ctx := c.evalContext(c.staticLocal, c.unknownData())
	out := make([]OrderBlock, 0, len(c.orders))
	for _, ob := range c.orders {
		b := OrderBlock{Address: "order." + ob.name, Range: ob.block.DefRange}
		switch {
		case ob.attrs["count"] != nil:
			b.Expansion = "count"
		case ob.attrs["for_each"] != nil:
			b.Expansion = "for_each"
		}
		if a := ob.lifecycle["prevent_cancel"]; a != nil {
			b.Range = a.Expr.Range()
			b.PreventCancel = preventsCancel(a, ctx)
		}
		out = append(out, b)
	}
	return out
}

// preventsCancel is prevent_cancel's value for any instance, true when it
// depends on the instance or cannot be told without the exchange.
func preventsCancel(a *hcl.Attribute, ctx *hcl.EvalContext) bool {
	for _, t := range a.Expr.Variables() {
		if r := t.RootName(); r == "each" || r == "count" {
			return true
		}
	}
	v, diags := a.Expr.Value(ctx)
	if diags.HasErrors() {
		return true
	}
	v, _ = v.UnmarkDeep()
	if !v.IsWhollyKnown() {
		return true
	}
	if v.IsNull() {
		return false
	}
	b, err := convert.Convert(v, cty.Bool)
	return err != nil || b.True()
}
