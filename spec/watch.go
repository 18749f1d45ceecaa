package spec

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/shopspring/decimal"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// Watch holds the churn limits of `orderform watch`: the configuration's
// watch block with defaults applied. Plan and apply ignore it.
//
// The defaults are safe without a block: a watch that runs away places and
// cancels at most 10 orders a minute and 500 a day, and stops after 5
// failed cycles in a row. There is no notional limit unless one is set:
// the guard block's max_order_notional and max_open_notional bound what
// each placement and the whole book may hold.
type Watch struct {
	MaxPlacementsPerMinute int
	MaxPlacementsPerDay    int
	MaxCancelsPerMinute    int
	MaxCancelsPerDay       int
	// MaxNotionalPerDay bounds price × amount placed in a day, per quote
	// currency (upper case); a currency absent from it is not bounded.
	MaxNotionalPerDay      map[string]decimal.Decimal
	MaxConsecutiveFailures int
	CancelOnExit           bool
	// Range is the watch block's header; zero when there is no block.
	Range hcl.Range
	// Ranges maps each attribute set in the block to its expression.
	Ranges map[string]hcl.Range
}

// The defaults of the watch block.
const (
	DefaultMaxPlacementsPerMinute = 10
	DefaultMaxPlacementsPerDay    = 500
	DefaultMaxCancelsPerMinute    = 10
	DefaultMaxCancelsPerDay       = 500
	DefaultMaxConsecutiveFailures = 5
)

// Upper bounds of the watch block's counts: a minute's limit above
// Gemini's 600 private requests a minute could never be reached, and a
// larger number is a typo, not a plan.
const (
	maxPerMinute = 600
	maxPerDay    = 600 * 60 * 24
	maxFailures  = 1000
)

// DefaultWatch returns the watch settings of a configuration without a
// watch block.
func DefaultWatch() Watch {
	return Watch{
		MaxPlacementsPerMinute: DefaultMaxPlacementsPerMinute,
		MaxPlacementsPerDay:    DefaultMaxPlacementsPerDay,
		MaxCancelsPerMinute:    DefaultMaxCancelsPerMinute,
		MaxCancelsPerDay:       DefaultMaxCancelsPerDay,
		MaxConsecutiveFailures: DefaultMaxConsecutiveFailures,
		MaxNotionalPerDay:      map[string]decimal.Decimal{},
	}
}

var watchSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "max_placements_per_minute"}, {Name: "max_placements_per_day"},
	{Name: "max_cancels_per_minute"}, {Name: "max_cancels_per_day"},
	{Name: "max_notional_per_day"}, {Name: "max_consecutive_failures"}, {Name: "cancel_on_exit"},
}}

func (c *Config) declareWatch(b *hcl.Block) hcl.Diagnostics {
	if c.pending.watch != nil {
		return hcl.Diagnostics{errDiag("Duplicate watch block",
			fmt.Sprintf("A configuration has one watch block; another was declared at %s.", c.Watch.Range),
			b.DefRange)}
	}
	c.Watch.Range = b.DefRange
	content, diags := b.Body.Content(watchSchema)
	c.pending.watch = content.Attributes
	if c.pending.watch == nil {
		c.pending.watch = hcl.Attributes{}
	}
	return diags
}

func (c *Config) evalWatch(ctx *hcl.EvalContext) hcl.Diagnostics {
	attrs := c.pending.watch
	if attrs == nil {
		return nil
	}
	var diags hcl.Diagnostics
	w := &c.Watch
	w.Ranges = map[string]hcl.Range{}
	count := func(name string, max int, into *int) {
		a := attrs[name]
		if a == nil {
			return
		}
		w.Ranges[name] = a.Expr.Range()
		v, d := c.staticValue(a, ctx, name)
		diags = append(diags, d...)
		if d.HasErrors() || v.IsNull() {
			if !d.HasErrors() {
				diags = append(diags, errDiag("Invalid "+name, fmt.Sprintf("%s must be a whole number from 1 to %d.", name, max), a.Expr.Range()))
			}
			return
		}
		dec, err := valueDecimal(v)
		if err != nil || !dec.IsInteger() || dec.LessThan(decimal.NewFromInt(1)) || dec.GreaterThan(decimal.NewFromInt(int64(max))) {
			diags = append(diags, errDiag("Invalid "+name,
				fmt.Sprintf("%s must be a whole number from 1 to %d; got %s.", name, max, describeValue(v)), a.Expr.Range()))
			return
		}
		*into = int(dec.IntPart())
	}
	count("max_placements_per_minute", maxPerMinute, &w.MaxPlacementsPerMinute)
	count("max_placements_per_day", maxPerDay, &w.MaxPlacementsPerDay)
	count("max_cancels_per_minute", maxPerMinute, &w.MaxCancelsPerMinute)
	count("max_cancels_per_day", maxPerDay, &w.MaxCancelsPerDay)
	count("max_consecutive_failures", maxFailures, &w.MaxConsecutiveFailures)
	for _, pair := range [][2]string{
		{"max_placements_per_minute", "max_placements_per_day"},
		{"max_cancels_per_minute", "max_cancels_per_day"},
	} {
		minute, day := w.MaxPlacementsPerMinute, w.MaxPlacementsPerDay
		if strings.HasPrefix(pair[0], "max_cancels") {
			minute, day = w.MaxCancelsPerMinute, w.MaxCancelsPerDay
		}
		if minute > day {
			rng, ok := w.Ranges[pair[0]]
			if !ok {
				rng = w.Ranges[pair[1]]
			}
			diags = append(diags, warnDiag("Minute limit above the day's",
				fmt.Sprintf("%s (%d) is above %s (%d), so the day's limit is reached first.", pair[0], minute, pair[1], day), rng))
		}
	}
	if a := attrs["max_notional_per_day"]; a != nil {
		w.Ranges["max_notional_per_day"] = a.Expr.Range()
		diags = append(diags, c.evalNotionalMap(a, ctx, w.MaxNotionalPerDay)...)
	}
	if a := attrs["cancel_on_exit"]; a != nil {
		w.Ranges["cancel_on_exit"] = a.Expr.Range()
		v, d := c.staticValue(a, ctx, "cancel_on_exit")
		diags = append(diags, d...)
		if !d.HasErrors() {
			if b, err := convert.Convert(v, cty.Bool); err != nil || b.IsNull() {
				diags = append(diags, errDiag("Invalid cancel_on_exit", "cancel_on_exit must be true or false.", a.Expr.Range()))
			} else {
				w.CancelOnExit = b.True()
			}
		}
	}
	return diags
}

// evalNotionalMap reads a map from quote currency to a positive amount,
// like { USD = 50000 }, into out.
func (c *Config) evalNotionalMap(a *hcl.Attribute, ctx *hcl.EvalContext, out map[string]decimal.Decimal) hcl.Diagnostics {
	name := a.Name
	v, diags := c.staticValue(a, ctx, name)
	if diags.HasErrors() || v.IsNull() {
		return diags
	}
	if !v.Type().IsObjectType() && !v.Type().IsMapType() {
		return append(diags, errDiag("Invalid "+name,
			name+" is a map from quote currency to limit, like { USD = 50000 }.", a.Expr.Range()))
	}
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		cur := strings.ToUpper(k.AsString())
		dec, err := valueDecimal(e)
		if e.IsNull() || err != nil || dec.Sign() <= 0 || !currencyRE.MatchString(cur) {
			diags = append(diags, errDiag("Invalid "+name,
				fmt.Sprintf("The limit for %q must be a positive number, keyed by a currency code.", k.AsString()), a.Expr.Range()))
			continue
		}
		out[cur] = dec
	}
	return diags
}

// describeValue shows a small static value in a diagnostic.
func describeValue(v cty.Value) string {
	switch {
	case v.IsNull():
		return "null"
	case v.Type() == cty.Number:
		return v.AsBigFloat().Text('g', 20)
	case v.Type() == cty.String:
		return fmt.Sprintf("%q", v.AsString())
	}
	return v.Type().FriendlyName()
}
