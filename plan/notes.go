package plan

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// completedNote says what became of the order that completed the last
// cycle: "the last order" when it is the newest, else "order".
func completedNote(o *LiveOrder, d *Order, hist []*LiveOrder) string {
	if hist[len(hist)-1] == o {
		return lastOrderNote(o, d)
	}
	return orderNote(o, d, "order")
}

func filledSum(hist []*LiveOrder) decimal.Decimal {
	sum := decimal.Zero
	for _, h := range hist {
		sum = sum.Add(h.ExecutedAmount)
	}
	return sum
}

// lastOrderNote says how the last order of d ended, hiding the amounts and
// price that d's sensitive attributes would give away.
func lastOrderNote(h *LiveOrder, d *Order) string { return orderNote(h, d, "the last order") }

// orderNote says what became of a closed order of d, introduced by what.
func orderNote(h *LiveOrder, d *Order, what string) string {
	if h.IsCancelled {
		s := fmt.Sprintf("%s %s was cancelled", what, h.OrderID)
		if h.Reason != "" {
			s += " (" + h.Reason + ")"
		}
		if h.ExecutedAmount.IsPositive() {
			s += " after " + fillOf(h, d) + " filled " + tradedAt(h, d)
		}
		return s
	}
	return fmt.Sprintf("%s %s filled (%s %s)", what, h.OrderID, fillOf(h, d), tradedAt(h, d))
}

// tradedAt is the price a closed order of d traded at, from the exchange's
// average execution price ("at 3199.5, limit 3200"); when the exchange did
// not say, what the limit guarantees ("at 3200 or better"), never the limit
// as if it were the fill's price.
func tradedAt(h *LiveOrder, d *Order) string {
	if !h.AvgPrice.IsPositive() {
		return "at " + showValue(d, "price", h.Price) + " or better"
	}
	s := "at " + showValue(d, "price", h.AvgPrice)
	if !h.AvgPrice.Equal(h.Price) && !isSensitive(d, "price") {
		s += ", limit " + h.Price.String()
	}
	return s
}

// fillOf is "executed of original" for a live order of d.
func fillOf(l *LiveOrder, d *Order) string {
	if isSensitive(d, "amount") {
		return sensitiveValue + " of " + sensitiveValue
	}
	return fmt.Sprintf("%s of %s", l.ExecutedAmount, l.OriginalAmount)
}

// showValue is v as text, or a stand-in when d's attr is sensitive.
func showValue(d *Order, attr string, v fmt.Stringer) string {
	if isSensitive(d, attr) {
		return sensitiveValue
	}
	return v.String()
}

// amountOf is an amount of d as text, or a stand-in when d's amount is
// sensitive.
func amountOf(d *Order, v decimal.Decimal) string { return showValue(d, "amount", v) }
