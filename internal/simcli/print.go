package simcli

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"orderform/gemini/sim"
)

func printSimMarkets(w io.Writer, ms []sim.MarketView) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SYMBOL\tBID\tASK\tLAST")
	for _, m := range ms {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.Symbol, m.Bid, m.Ask, m.Last)
	}
	tw.Flush()
}

func cidNote(o sim.OrderView) string {
	if o.ClientOrderID == "" {
		return ""
	}
	return " (" + o.ClientOrderID + ")"
}

func printSimOrders(w io.Writer, orders []sim.OrderView, all bool) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ORDER ID\tCLIENT ORDER ID\tSYMBOL\tSIDE\tTYPE\tPRICE\tSTOP\tAMOUNT\tFILLED\tSTATUS\tPLACED")
	n := 0
	for _, o := range orders {
		if !o.Live && !all {
			continue
		}
		n++
		status := "live"
		switch {
		case o.Cancelled:
			status = "cancelled " + o.Reason
		case !o.Live:
			status = "filled"
		case o.Type == "exchange stop limit" && !o.Triggered:
			status = "waiting for stop"
		}
		stop := "-"
		if !o.StopPrice.IsZero() {
			stop = o.StopPrice.String()
		}
		cid := o.ClientOrderID
		if cid == "" {
			cid = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", o.ID, cid, o.Symbol, o.Side, o.Type,
			o.Price, stop, o.Original, o.Executed, status, o.Time.Local().Format(time.DateTime))
	}
	tw.Flush()
	if n == 0 {
		fmt.Fprintln(w, "(no orders)")
	}
}

func printSimBalances(w io.Writer, bs []sim.BalanceView) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "CURRENCY\tAMOUNT\tAVAILABLE\t")
	for _, b := range bs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t\n", b.Currency, b.Amount, b.Available)
	}
	tw.Flush()
}
