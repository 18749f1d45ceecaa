package views

import (
	"fmt"
	"io"

	"orderform/internal/exchange"
	"orderform/plan"
)

// Question is the approval prompt of apply and destroy, up to where the
// answer is typed: the title, what will happen, the exchange (in red when
// it is production) and that only "yes" approves.
func Question(w io.Writer, title, detail string, t plan.Target, color bool) {
	p := NewPalette(color)
	bold, where := p.Bold, p.Bold
	if exchange.IsProductionTarget(t.Environment, t.BaseURL) {
		where = p.Danger
	}
	fmt.Fprintln(w)
	bold.Fprintln(w, title)
	fmt.Fprintf(w, "  %s\n", detail)
	fmt.Fprint(w, "  Exchange: ")
	where.Fprint(w, exchange.DescribeTarget(t))
	fmt.Fprintln(w)
	fmt.Fprintln(w, "  Only 'yes' will be accepted to approve.")
	fmt.Fprintln(w)
	bold.Fprint(w, "  Enter a value: ")
}
