package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
)

// change is one attribute in which a live order differs from the desired one.
type change struct {
	attr     string
	old, new string
}

// reason says what changed, hiding the values of sensitive attributes.
func (ch change) reason(d *Order) string {
	if isSensitive(d, ch.attr) {
		return ch.attr + " changed (sensitive value)"
	}
	return ch.attr + " " + ch.old + " -> " + ch.new
}

func isSensitive(d *Order, attr string) bool {
	return d != nil && slices.Contains(d.Sensitive, attr)
}

func orderType(t string) string {
	if t == "" {
		return "limit"
	}
	return t
}

// diff lists the attributes in which l differs from d, in a fixed order. The
// amount compared is the original one, so partial fills are not drift; it
// matches the declared amount, or what was left of it once filledBefore (the
// address's fills in l's cycle before l was placed) had filled. The price is
// compared within d's reprice tolerance.
func diff(l *LiveOrder, d *Order, filledBefore decimal.Decimal) []change {
	var cs []change
	if !strings.EqualFold(l.Symbol, d.Symbol) {
		cs = append(cs, change{"symbol", l.Symbol, d.Symbol})
	}
	if l.Side != d.Side {
		cs = append(cs, change{"side", l.Side, d.Side})
	}
	if orderType(l.Type) != orderType(d.Type) {
		cs = append(cs, change{"type", orderType(l.Type), orderType(d.Type)})
	}
	if !l.OriginalAmount.Equal(d.Amount) && !(filledBefore.IsPositive() && l.OriginalAmount.Equal(d.Amount.Sub(filledBefore))) {
		cs = append(cs, change{"amount", l.OriginalAmount.String(), d.Amount.String()})
	}
	if !l.StopPrice.Equal(d.StopPrice) {
		cs = append(cs, change{"stop_price", l.StopPrice.String(), d.StopPrice.String()})
	}
	if !sameOptions(l.Options, d.Options) {
		cs = append(cs, change{"options", optionsString(l.Options), optionsString(d.Options)})
	}
	if !withinTolerance(l.Price, d.Price, d.RepriceTolerance) {
		cs = append(cs, change{"price", l.Price.String(), d.Price.String()})
	}
	return cs
}

// withinTolerance reports |live - desired| <= tolerance * desired; exactly at
// the tolerance is within.
func withinTolerance(live, desired, tolerance decimal.Decimal) bool {
	if live.Equal(desired) {
		return true
	}
	if tolerance.IsZero() {
		return false
	}
	return live.Sub(desired).Abs().LessThanOrEqual(tolerance.Mul(desired).Abs())
}

func sameOptions(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) <= 1 {
		return len(a) == 0 || a[0] == b[0]
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

func optionsString(o []string) string {
	if len(o) == 0 {
		return "[]"
	}
	q := make([]string, len(o))
	for i, s := range o {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// bestCandidate picks the live order to keep among several: one that matches
// over one that does not, then fewer differences, then an order with the
// address's own client id over one found through a moved block, then the
// closest price, then the oldest (it has queue priority), then the lowest id.
func bestCandidate(d *Order, cs []candidate, diffs [][]change) int {
	best := 0
	for i := 1; i < len(cs); i++ {
		if better(d, cs[i], diffs[i], cs[best], diffs[best]) {
			best = i
		}
	}
	return best
}

func better(d *Order, a candidate, da []change, b candidate, db []change) bool {
	if len(da) != len(db) {
		return len(da) < len(db)
	}
	if (a.movedFrom == "") != (b.movedFrom == "") {
		return a.movedFrom == ""
	}
	pa, pb := a.live.Price.Sub(d.Price).Abs(), b.live.Price.Sub(d.Price).Abs()
	if c := pa.Cmp(pb); c != 0 {
		return c < 0
	}
	if a.live.TimestampMS != b.live.TimestampMS {
		return a.live.TimestampMS < b.live.TimestampMS
	}
	return orderIDLess(a.live.OrderID, b.live.OrderID)
}
