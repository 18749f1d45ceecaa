package spec

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// foldInvariant returns expr with each largest sub-expression that refers to
// neither each nor count replaced by its value in ctx, so that evaluating
// it for every instance of an order block does not repeat the same
// references (data.ticker.btc.bid, var.size) and arithmetic. It folds only
// through operators, function calls, conditionals and parentheses, which
// open no scope of their own (a for expression may name its variables
// "data" or "each"), and only sub-expressions that evaluate without
// diagnostics. Values are pure functions of the context, so the result
// evaluates to the same value as expr in any instance's context; its
// diagnostics, which would name the folded nodes differently, are not
// used (see orderEval.eval).
func foldInvariant(expr hcl.Expression, ctx *hcl.EvalContext) hcl.Expression {
	x, ok := expr.(hclsyntax.Expression)
	if !ok {
		return expr
	}
	return fold(x, ctx)
}

func fold(expr hclsyntax.Expression, ctx *hcl.EvalContext) hclsyntax.Expression {
	switch expr.(type) {
	case *hclsyntax.ScopeTraversalExpr, *hclsyntax.FunctionCallExpr, *hclsyntax.BinaryOpExpr,
		*hclsyntax.UnaryOpExpr, *hclsyntax.ConditionalExpr, *hclsyntax.ParenthesesExpr:
	default:
		return expr
	}
	if !refersToInstance(expr) {
		v, d := expr.Value(ctx)
		if len(d) > 0 {
			return expr
		}
		return &hclsyntax.LiteralValueExpr{Val: v, SrcRange: expr.Range()}
	}
	switch x := expr.(type) {
	case *hclsyntax.FunctionCallExpr:
		var args []hclsyntax.Expression
		for i, a := range x.Args {
			if f := fold(a, ctx); f != a {
				if args == nil {
					args = append([]hclsyntax.Expression(nil), x.Args...)
				}
				args[i] = f
			}
		}
		if args != nil {
			c := *x
			c.Args = args
			return &c
		}
	case *hclsyntax.BinaryOpExpr:
		l, r := fold(x.LHS, ctx), fold(x.RHS, ctx)
		if l != x.LHS || r != x.RHS {
			c := *x
			c.LHS, c.RHS = l, r
			return &c
		}
	case *hclsyntax.UnaryOpExpr:
		if v := fold(x.Val, ctx); v != x.Val {
			c := *x
			c.Val = v
			return &c
		}
	case *hclsyntax.ConditionalExpr:
		cond, t, f := fold(x.Condition, ctx), fold(x.TrueResult, ctx), fold(x.FalseResult, ctx)
		if cond != x.Condition || t != x.TrueResult || f != x.FalseResult {
			c := *x
			c.Condition, c.TrueResult, c.FalseResult = cond, t, f
			return &c
		}
	case *hclsyntax.ParenthesesExpr:
		if e := fold(x.Expression, ctx); e != x.Expression {
			c := *x
			c.Expression = e
			return &c
		}
	}
	return expr
}

// refersToInstance reports whether expr refers to each or count.
func refersToInstance(expr hcl.Expression) bool {
	for _, t := range expr.Variables() {
		if r := t.RootName(); r == "each" || r == "count" {
			return true
		}
	}
	return false
}
