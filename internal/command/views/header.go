package views

import (
	"fmt"
	"io"

	"orderform/internal/exchange"
	"orderform/plan"
)

// ExchangeHeader is the line that opens plan, apply and show: which
// exchange, account and namespace they are about.
func ExchangeHeader(w io.Writer, t plan.Target) {
	fmt.Fprintf(w, "Exchange: %s\n\n", exchange.DescribeTarget(t))
}
