package views

import (
	"fmt"
	"io"
	"text/tabwriter"

	"orderform/plan"
)

// ShowDocument is the document of `show -json DIR`; Show prints it for
// people.
type ShowDocument struct {
	FormatVersion string           `json:"format_version"`
	Target        *plan.Target     `json:"target"` // nil when the configuration failed, or the exchange could not be reached
	Orders        []ShowOrder      `json:"orders"`
	LeftAlone     LeftAlone        `json:"left_alone"`
	Balances      []ShowBalance    `json:"balances"`
	Diagnostics   []JSONDiagnostic `json:"diagnostics"`
}

// ShowFormatVersion is the version of the show -json document: 1.1 added
// "diagnostics" and the document for every outcome.
const ShowFormatVersion = "1.1"

type ShowOrder struct {
	Address         string   `json:"address,omitempty"`
	ClientOrderID   string   `json:"client_order_id"`
	OrderID         string   `json:"order_id"`
	Symbol          string   `json:"symbol"`
	Side            string   `json:"side"`
	Type            string   `json:"type"`
	Amount          *string  `json:"amount"`
	Executed        *string  `json:"executed_amount"`
	Price           *string  `json:"price"`
	StopPrice       *string  `json:"stop_price,omitempty"`
	Options         []string `json:"options"`
	InConfiguration bool     `json:"in_configuration"`
	// Sensitive names the attributes whose values are null: those the
	// configuration computes from sensitive variables.
	Sensitive []string `json:"sensitive"`
}

type LeftAlone struct {
	Unmanaged int `json:"unmanaged"`
	Foreign   int `json:"other_namespaces"`
}

type ShowBalance struct {
	Currency  string `json:"currency"`
	Amount    string `json:"amount"`
	Available string `json:"available"`
}

// Show is `show DIR` for people: the namespace's live orders, the orders
// left alone, and the balances.
func Show(w io.Writer, v ShowDocument) {
	ExchangeHeader(w, *v.Target)
	if len(v.Orders) == 0 {
		fmt.Fprintln(w, "No live orders in this namespace.")
	} else {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ADDRESS\tSYMBOL\tSIDE\tTYPE\tAMOUNT\tFILLED\tPRICE\tORDER ID")
		for _, o := range v.Orders {
			a := o.Address
			switch {
			case a == "":
				a = o.ClientOrderID + " (not in configuration)"
			case !o.InConfiguration:
				a += " (not in configuration)"
			}
			price := shown(o.Price)
			if o.Type == "stop-limit" {
				price += " (stop " + shown(o.StopPrice) + ")"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a, o.Symbol, o.Side, o.Type, shown(o.Amount), shown(o.Executed), price, o.OrderID)
		}
		tw.Flush()
	}
	if n := v.LeftAlone.Unmanaged + v.LeftAlone.Foreign; n > 0 {
		what := "other live orders are"
		if n == 1 {
			what = "other live order is"
		}
		fmt.Fprintf(w, "\n%d %s not managed by this configuration (%d unmanaged, %d of other namespaces).\n", n, what, v.LeftAlone.Unmanaged, v.LeftAlone.Foreign)
	}
	fmt.Fprintln(w, "\nBalances:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  CURRENCY\tAMOUNT\tAVAILABLE")
	for _, b := range v.Balances {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", b.Currency, b.Amount, b.Available)
	}
	tw.Flush()
}

// shown is a value of a live order's row, or a stand-in when it is hidden.
func shown(v *string) string {
	if v == nil {
		return "(sensitive value)"
	}
	return *v
}
