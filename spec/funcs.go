package spec

import (
	"fmt"

	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/shopspring/decimal"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// functions is the function table of every expression: cty's standard
// library (the numeric, string, collection, conversion and encoding
// functions a Terraform user expects) and the money helpers. Functions that
// can build unbounded values from small inputs (setproduct) are left out.
var functions = map[string]function.Function{
	// numeric
	"abs":      stdlib.AbsoluteFunc,
	"ceil":     stdlib.CeilFunc,
	"floor":    stdlib.FloorFunc,
	"log":      stdlib.LogFunc,
	"max":      stdlib.MaxFunc,
	"min":      stdlib.MinFunc,
	"parseint": stdlib.ParseIntFunc,
	"pow":      stdlib.PowFunc,
	"signum":   stdlib.SignumFunc,
	// string
	"chomp":      stdlib.ChompFunc,
	"format":     stdlib.FormatFunc,
	"formatlist": stdlib.FormatListFunc,
	"indent":     stdlib.IndentFunc,
	"join":       stdlib.JoinFunc,
	"lower":      stdlib.LowerFunc,
	"regex":      stdlib.RegexFunc,
	"regexall":   stdlib.RegexAllFunc,
	"replace":    stdlib.ReplaceFunc,
	"split":      stdlib.SplitFunc,
	"strrev":     stdlib.ReverseFunc,
	"substr":     stdlib.SubstrFunc,
	"title":      stdlib.TitleFunc,
	"trim":       stdlib.TrimFunc,
	"trimprefix": stdlib.TrimPrefixFunc,
	"trimspace":  stdlib.TrimSpaceFunc,
	"trimsuffix": stdlib.TrimSuffixFunc,
	"upper":      stdlib.UpperFunc,
	// collection
	"chunklist":       stdlib.ChunklistFunc,
	"coalesce":        stdlib.CoalesceFunc,
	"coalescelist":    stdlib.CoalesceListFunc,
	"compact":         stdlib.CompactFunc,
	"concat":          stdlib.ConcatFunc,
	"contains":        stdlib.ContainsFunc,
	"distinct":        stdlib.DistinctFunc,
	"element":         stdlib.ElementFunc,
	"flatten":         stdlib.FlattenFunc,
	"keys":            stdlib.KeysFunc,
	"length":          lengthFunc,
	"lookup":          stdlib.LookupFunc,
	"merge":           stdlib.MergeFunc,
	"range":           stdlib.RangeFunc,
	"reverse":         stdlib.ReverseListFunc,
	"setintersection": stdlib.SetIntersectionFunc,
	"setsubtract":     stdlib.SetSubtractFunc,
	"setunion":        stdlib.SetUnionFunc,
	"slice":           stdlib.SliceFunc,
	"sort":            stdlib.SortFunc,
	"values":          stdlib.ValuesFunc,
	"zipmap":          stdlib.ZipmapFunc,
	// conversion and encoding
	"can":        tryfunc.CanFunc,
	"jsondecode": stdlib.JSONDecodeFunc,
	"jsonencode": stdlib.JSONEncodeFunc,
	"tobool":     stdlib.MakeToFunc(cty.Bool),
	"tolist":     stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
	"tomap":      stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
	"tonumber":   stdlib.MakeToFunc(cty.Number),
	"toset":      stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
	"tostring":   stdlib.MakeToFunc(cty.String),
	"try":        tryfunc.TryFunc,
	// money
	"floor_to": stepFunc(roundFloor),
	"ceil_to":  stepFunc(roundCeil),
	"round_to": stepFunc(roundNearest),
}

type rounding int

const (
	roundFloor   rounding = iota // toward -∞
	roundCeil                    // toward +∞
	roundNearest                 // to the nearest multiple, halves away from zero
)

// stepFunc returns floor_to, ceil_to or round_to: x rounded to a multiple
// of step, computed exactly in decimal. Both arguments may be numbers or
// decimal strings; the result is a number whose decimal form is exact (see
// decimal.go), so floor_to(64123.456, 0.01) is 64123.45, not a binary
// neighbour of it.
func stepFunc(mode rounding) function.Function {
	return function.New(&function.Spec{
		Description: "Rounds x to a multiple of step, exactly.",
		Params: []function.Parameter{
			{Name: "x", Type: cty.DynamicPseudoType},
			{Name: "step", Type: cty.DynamicPseudoType},
		},
		Type: function.StaticReturnType(cty.Number),
		RefineResult: func(b *cty.RefinementBuilder) *cty.RefinementBuilder {
			return b.NotNull()
		},
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			x, err := argDecimal(args[0])
			if err != nil {
				return cty.UnknownVal(cty.Number), function.NewArgErrorf(0, "x: %s", err)
			}
			step, err := argDecimal(args[1])
			if err != nil {
				return cty.UnknownVal(cty.Number), function.NewArgErrorf(1, "step: %s", err)
			}
			if step.Sign() <= 0 {
				return cty.UnknownVal(cty.Number), function.NewArgErrorf(1, "step must be positive, not %s", step)
			}
			r, err := bounded(roundTo(x, step, mode))
			if err != nil {
				return cty.UnknownVal(cty.Number), fmt.Errorf("result %s", err)
			}
			return decimalValue(r), nil
		},
	})
}

func argDecimal(v cty.Value) (decimal.Decimal, error) {
	if v.IsNull() {
		return decimal.Decimal{}, fmt.Errorf("must not be null")
	}
	if t := v.Type(); t != cty.Number && t != cty.String {
		return decimal.Decimal{}, fmt.Errorf("a number or a decimal string is required")
	}
	d, err := valueDecimal(v)
	if err != nil {
		return decimal.Decimal{}, err
	}
	return d, nil
}

// roundTo rounds x to a multiple of step (step > 0) with exact arithmetic:
// x = q*step + r with q an integer and r carrying x's sign.
func roundTo(x, step decimal.Decimal, mode rounding) decimal.Decimal {
	q, r := x.QuoRem(step, 0)
	switch mode {
	case roundFloor:
		if r.Sign() < 0 {
			q = q.Sub(decimal.NewFromInt(1))
		}
	case roundCeil:
		if r.Sign() > 0 {
			q = q.Add(decimal.NewFromInt(1))
		}
	case roundNearest:
		if r.Abs().Mul(decimal.NewFromInt(2)).Cmp(step) >= 0 {
			q = q.Add(decimal.NewFromInt(int64(r.Sign())))
		}
	}
	return q.Mul(step)
}

// lengthFunc is Terraform's length: of a collection, or of a string in
// characters (cty's own length takes only collections).
var lengthFunc = function.New(&function.Spec{
	Description: "The number of elements of a collection, or of characters of a string.",
	Params:      []function.Parameter{{Name: "value", Type: cty.DynamicPseudoType, AllowDynamicType: true}},
	Type:        function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		if args[0].Type() == cty.String {
			return stdlib.Strlen(args[0])
		}
		return stdlib.Length(args[0])
	},
})
