package simcli

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"orderform/gemini/sim"
)

// adminFlags are the flags of sim's subcommands.
type adminFlags struct {
	url, statePath, dir, cid *string
	all                      *bool
	fpath, freason           *string
	fcount, fstatus, fretry  *int
	flatency, nonceWindow    *time.Duration
}

func newAdminFlags(fs *flag.FlagSet) *adminFlags {
	return &adminFlags{
		url:         fs.String("url", "", "a running simulator's base `URL`"),
		statePath:   fs.String("state", "", "a simulator state `file`"),
		dir:         fs.String("dir", "", "the configuration `DIR` whose local environment to change (DIR/.orderform/local.json)"),
		all:         fs.Bool("all", false, "orders: list every order, not just live ones"),
		fpath:       fs.String("path", "", "fault: the Gemini path it hits (default every path)"),
		fcount:      fs.Int("count", 0, "fault: how many requests it hits (default until cleared)"),
		fstatus:     fs.Int("status", 0, "fault status: the HTTP status (default 503, or 400 with -reason)"),
		freason:     fs.String("reason", "", "fault status: answer with this Gemini `reason`, e.g. UsageLimit or MustAcceptTerms"),
		fretry:      fs.Int("retry-after", 0, "fault status: Retry-After seconds"),
		flatency:    fs.Duration("latency", 0, "fault: added latency, e.g. 2s"),
		cid:         fs.String("client-order-id", "", "order: the client order id to send (default none, like the web site)"),
		nonceWindow: fs.Duration("nonce-window", 0, "clock: the time-based nonce window to set"),
	}
}

func simAdmin(e *simEnv, sub string, args []string) int {
	fs := simFlagSet(e, sub)
	f := newAdminFlags(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return flagExit(err)
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "orderform sim %s: %s\n", sub, fmt.Sprintf(format, a...))
		return exitError
	}
	switch sub {
	case "order":
		if err := simPlace(e, *f.url, *f.statePath, *f.dir, *f.cid, pos); err != nil {
			return fail("%v", err)
		}
		return exitOK
	case "clock":
		if *f.url == "" {
			return fail("the clock lives in a running simulator's memory: give -url URL")
		}
		return simClock(e, &sim.AdminClient{URL: *f.url}, pos, *f.nonceWindow, fail)
	case "fault":
		if *f.url == "" {
			return fail("faults live in a running simulator's memory: give -url URL")
		}
		return simFault(e, &sim.AdminClient{URL: *f.url}, f, pos, fail)
	}
	t, err := f.target()
	if err != nil {
		return fail("%v", err)
	}
	if sub == "orders" || sub == "balances" || sub == "markets" {
		return simShow(e, t, sub, pos, *f.all, fail)
	}
	return simMove(e, t, sub, pos, fail)
}

// simFault sets, clears or releases a running simulator's faults.
func simFault(e *simEnv, c *sim.AdminClient, f *adminFlags, pos []string, fail func(string, ...any) int) int {
	if len(pos) != 1 {
		return fail("want one KIND (status, latency, drop, lose-response, slow-commit), clear or release")
	}
	switch pos[0] {
	case "clear":
		if err := c.ClearFaults(e.ctx); err != nil {
			return fail("%v", err)
		}
		fmt.Fprintln(e.stdout, "Faults cleared.")
		return exitOK
	case "release":
		n, err := c.Release(e.ctx)
		if err != nil {
			return fail("%v", err)
		}
		fmt.Fprintf(e.stdout, "Released %d held requests; they have been processed.\n", n)
		return exitOK
	}
	kind, err := sim.ParseFaultKind(pos[0])
	if err != nil {
		return fail("%v", err)
	}
	ft := sim.Fault{Path: *f.fpath, Kind: kind, Count: *f.fcount, Latency: *f.flatency}
	if kind == sim.FaultStatus {
		ft.Status, ft.RetryAfter, ft.Reason = *f.fstatus, *f.fretry, *f.freason
	}
	if err := c.SetFault(e.ctx, ft); err != nil {
		return fail("%v", err)
	}
	fmt.Fprintf(e.stdout, "Fault %s set on %s.\n", kind, orAll(*f.fpath))
	return exitOK
}

func decimalArg(s, what string) (decimal.Decimal, error) {
	v, err := decimal.NewFromString(s)
	if err != nil {
		return v, fmt.Errorf("%s %q is not a decimal number", what, s)
	}
	return v, nil
}

// simMove sets a market, funds the account or fills an order.
func simMove(e *simEnv, t simTarget, sub string, pos []string, fail func(string, ...any) int) int {
	ctx := e.ctx
	switch sub {
	case "price":
		if len(pos) != 3 {
			return fail("want SYMBOL BID ASK")
		}
		bid, err1 := decimalArg(pos[1], "bid")
		ask, err2 := decimalArg(pos[2], "ask")
		if err := errors.Join(err1, err2); err != nil {
			return fail("%v", err)
		}
		return simChange(e, t, sub, func() error { return t.setMarket(ctx, pos[0], bid, ask) },
			fmt.Sprintf("%s: bid %s, ask %s", strings.ToLower(pos[0]), bid, ask))
	case "fund":
		if len(pos) != 2 {
			return fail("want CURRENCY AMOUNT")
		}
		amt, err := decimalArg(pos[1], "amount")
		if err != nil {
			return fail("%v", err)
		}
		return simChange(e, t, sub, func() error { return t.fund(ctx, pos[0], amt) }, "")
	case "fill":
		if len(pos) != 1 && len(pos) != 2 {
			return fail("want ORDER_ID [AMOUNT]")
		}
		amt := decimal.Zero
		if len(pos) == 2 {
			var err error
			if amt, err = decimalArg(pos[1], "amount"); err != nil {
				return fail("%v", err)
			}
		}
		return simChange(e, t, sub, func() error { return t.fill(ctx, pos[0], amt) }, "")
	}
	return exitOK
}

// simShow lists the simulator's orders, balances or markets.
func simShow(e *simEnv, t simTarget, sub string, pos []string, all bool, fail func(string, ...any) int) int {
	ctx := e.ctx
	switch sub {
	case "orders":
		if len(pos) != 0 {
			return fail("takes no arguments")
		}
		os, err := t.orders(ctx)
		if err != nil {
			return fail("%v", err)
		}
		printSimOrders(e.stdout, os, all)
	case "balances":
		bs, err := t.balances(ctx)
		if err != nil {
			return fail("%v", err)
		}
		printSimBalances(e.stdout, bs)
	case "markets":
		ms, err := t.markets(ctx)
		if err != nil {
			return fail("%v", err)
		}
		printSimMarkets(e.stdout, ms)
	}
	return exitOK
}

// simClock shows or sets a running simulator's clock.
func simClock(e *simEnv, c *sim.AdminClient, pos []string, window time.Duration, fail func(string, ...any) int) int {
	if len(pos) > 1 {
		return fail("want at most one OFFSET, e.g. 15m or -90s")
	}
	if window < 0 {
		return fail("-nonce-window %s is negative", window)
	}
	if window > 0 {
		if _, err := c.SetNonceWindow(e.ctx, window); err != nil {
			return fail("%v", err)
		}
	}
	if len(pos) == 1 {
		d, err := time.ParseDuration(pos[0])
		if err != nil {
			return fail("OFFSET %q is not a duration such as 15m, -90s or 0", pos[0])
		}
		if _, err := c.SetClockOffset(e.ctx, d); err != nil {
			return fail("%v", err)
		}
	}
	clk, err := c.Clock(e.ctx)
	if err != nil {
		return fail("%v", err)
	}
	fmt.Fprintf(e.stdout, "exchange time %s (offset %s from this machine's clock), time-based nonce window ±%s\n",
		clk.Now.UTC().Format(time.RFC3339Nano), clk.Offset, clk.NonceWindow)
	return exitOK
}

func orAll(path string) string {
	if path == "" {
		return "every path"
	}
	return path
}

// simChange runs a change and reports it, with the orders it filled or
// triggered and the balances it moved.
func simChange(e *simEnv, t simTarget, sub string, change func() error, done string) int {
	ctx := e.ctx
	before, err1 := t.orders(ctx)
	balBefore, err2 := t.balances(ctx)
	if err := errors.Join(err1, err2); err != nil {
		fmt.Fprintf(e.stderr, "orderform sim %s: %v\n", sub, err)
		return exitError
	}
	if err := change(); err != nil {
		fmt.Fprintf(e.stderr, "orderform sim %s: %v\n", sub, err)
		return exitError
	}
	after, err1 := t.orders(ctx)
	balAfter, err2 := t.balances(ctx)
	if err := errors.Join(err1, err2); err != nil {
		fmt.Fprintf(e.stderr, "orderform sim %s: %v\n", sub, err)
		return exitError
	}
	if done != "" {
		fmt.Fprintln(e.stdout, done)
	}
	old := map[string]sim.OrderView{}
	for _, o := range before {
		old[o.ID] = o
	}
	for _, o := range after {
		p := old[o.ID]
		switch {
		case !o.Executed.Equal(p.Executed):
			// The price of this fill: what the order's notional grew by, per
			// unit (a triggered stop or a crossing order trades at the
			// market, not at its limit).
			qty := o.Executed.Sub(p.Executed)
			price := o.Executed.Mul(o.AvgPrice).Sub(p.Executed.Mul(p.AvgPrice)).DivRound(qty, 8)
			fmt.Fprintf(e.stdout, "order %s%s: %s %s %s filled %s at %s (%s of %s done)\n",
				o.ID, cidNote(o), o.Side, o.Symbol, o.Type, qty, price, o.Executed, o.Original)
		case o.Triggered && !p.Triggered:
			fmt.Fprintf(e.stdout, "order %s%s: stop %s reached, now a limit order at %s\n", o.ID, cidNote(o), o.StopPrice, o.Price)
		case o.Cancelled && !p.Cancelled:
			fmt.Fprintf(e.stdout, "order %s%s: cancelled (%s)\n", o.ID, cidNote(o), o.Reason)
		}
	}
	prev := map[string]sim.BalanceView{}
	for _, b := range balBefore {
		prev[b.Currency] = b
	}
	for _, b := range balAfter {
		p := prev[b.Currency]
		if !b.Amount.Equal(p.Amount) || !b.Available.Equal(p.Available) {
			fmt.Fprintf(e.stdout, "%s: amount %s → %s, available %s → %s\n", b.Currency, p.Amount, b.Amount, p.Available, b.Available)
		}
	}
	return exitOK
}
