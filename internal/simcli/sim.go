package simcli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shopspring/decimal"

	"orderform/gemini/sim"
	"orderform/internal/exchange"
)

const simDefaultAddr = "127.0.0.1:8399"

const simUsage = `Usage:
  orderform sim [-addr 127.0.0.1:8399] [-listen-any] [-state FILE | -dir DIR]
                [-key K -secret S] [-roles trader] [-time-nonce] [-rate-limit]
                [-maker-fee-bps N] [-taker-fee-bps N]
                [-clock-offset D] [-nonce-window D] [-walk D [-walk-seed N] [-walk-bps N]]
      Serve a simulated Gemini exchange until Ctrl-C; -walk moves its market on its own.

  orderform sim price    [TARGET] SYMBOL BID ASK   move a market (fills what it crosses)
  orderform sim fund     [TARGET] CURRENCY AMOUNT  add (negative: remove) balance
  orderform sim fill     [TARGET] ORDER_ID [AMOUNT] fill an order (all that remains by default)
  orderform sim order    [TARGET] [-client-order-id ID] SYMBOL SIDE AMOUNT PRICE
                                                   place a limit order by hand, as from
                                                   Gemini's web site (orderform leaves it alone)
  orderform sim orders   [TARGET] [-all]           list live (or all) orders
  orderform sim balances [TARGET]                  list balances
  orderform sim markets  [TARGET]                  list markets
  orderform sim fault    -url URL [-path P] [-count N] [-status S] [-reason R] [-retry-after N] [-latency D] KIND
  orderform sim fault    -url URL clear|release
      KIND is status, latency, drop, lose-response or slow-commit (the exchange
      takes the request and processes it only after -latency, or with no
      -latency when released, even if the client has given up meanwhile);
      release processes every held request now.
  orderform sim clock    -url URL [-nonce-window D] [OFFSET]
      show or set the exchange's clock: OFFSET (e.g. 15m, -90s, 0) runs it ahead
      or behind the machine's; -nonce-window sets the time-based nonce window.

TARGET is one of
  -url URL     a running 'orderform sim' (its admin API)
  -state FILE  a simulator state file
  -dir DIR     the local environment of the configuration in DIR (DIR/.orderform/local.json)
and defaults to -dir . (the local environment of the configuration here).
A state file may be used by several processes at once (a server, applies, these
subcommands): each request reads the others' changes under the file's lock.
Do not edit it by hand while they run.
`

func run(e *simEnv, args []string) int {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "price", "fund", "fill", "order", "orders", "balances", "markets", "fault", "clock":
			return simAdmin(e, args[0], args[1:])
		case "help":
			fmt.Fprint(e.stdout, simUsage)
			return exitOK
		}
		fmt.Fprintf(e.stderr, "orderform sim: unknown subcommand %q\n\n%s", args[0], simUsage)
		return exitError
	}
	return simServe(e, args)
}

func simFlagSet(e *simEnv, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("orderform sim "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { fmt.Fprint(e.stderr, simUsage) }
	return fs
}

func simServe(e *simEnv, args []string) int {
	fs := simFlagSet(e, "")
	addr := fs.String("addr", simDefaultAddr, "listen address")
	listenAny := fs.Bool("listen-any", false, "allow a non-loopback listen address (the admin API has no authentication)")
	statePath := fs.String("state", "", "persist the exchange in this `file` (default: memory only)")
	dir := fs.String("dir", "", "persist in DIR/.orderform/local.json, the local environment of the configuration in `DIR`")
	key := fs.String("key", "", "API key to accept (default $GEMINI_API_KEY, else generated)")
	secret := fs.String("secret", "", "API secret of -key (default $GEMINI_API_SECRET, else generated)")
	roles := fs.String("roles", "trader", "roles of the key: comma-separated trader, fundmanager, auditor")
	timeNonce := fs.Bool("time-nonce", false, "the key uses time-based nonces (seconds, within the nonce window)")
	clockOffset := fs.Duration("clock-offset", 0, "run the exchange's clock this far ahead (negative: behind) of the machine's, e.g. 15m")
	nonceWindow := fs.Duration("nonce-window", sim.DefaultNonceWindow, "how far a time-based nonce may be from the exchange's clock")
	rateLimit := fs.Bool("rate-limit", false, "enforce Gemini's rate limits (600/min private, 120/min public)")
	makerFee := fs.Int64("maker-fee-bps", sim.DefaultMakerFeeBps, "maker fee in basis points (0: none)")
	takerFee := fs.Int64("taker-fee-bps", sim.DefaultTakerFeeBps, "taker fee in basis points (0: none)")
	walkEvery := fs.Duration("walk", 0, "move the market on its own: a random step of every symbol this often, e.g. 2s")
	walkSeed := fs.Uint64("walk-seed", 1, "seed of -walk's random walk (the same seed walks the same way)")
	walkBps := fs.Int64("walk-bps", sim.DefaultWalkStepBps, "-walk's largest step, in basis points of the bid")
	if err := fs.Parse(args); err != nil {
		return flagExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "orderform sim: unexpected argument %q\n\n%s", fs.Arg(0), simUsage)
		return exitError
	}
	if !sim.IsLoopback(*addr) && !*listenAny {
		fmt.Fprintf(e.stderr, "orderform sim: refusing to listen on %s, which is not a loopback address: the simulator's admin API has no authentication. Pass -listen-any to do it anyway.\n", *addr)
		return exitError
	}
	path, err := simStatePath(*statePath, *dir)
	if err != nil {
		fmt.Fprintf(e.stderr, "orderform sim: %v\n", err)
		return exitError
	}
	if *key == "" {
		*key = e.getenv("GEMINI_API_KEY")
	}
	secretSource := "flag -secret"
	if *secret == "" {
		*secret, secretSource = e.getenv("GEMINI_API_SECRET"), "$GEMINI_API_SECRET"
	}
	generated := false
	switch {
	case *key == "" && *secret == "":
		*key, *secret, generated = "account-"+randomHex(10), randomHex(16), true
	case *key == "" || *secret == "":
		fmt.Fprintln(e.stderr, "orderform sim: give both an API key and its secret (flags -key/-secret or GEMINI_API_KEY/GEMINI_API_SECRET), or neither to have them generated")
		return exitError
	}
	keys := []sim.Key{{Key: *key, Secret: *secret, Roles: splitList(*roles), TimeNonce: *timeNonce}}
	if *key != sim.LocalKey {
		keys = append(keys, sim.Key{Key: sim.LocalKey, Secret: sim.LocalSecret, Roles: []string{sim.RoleTrader}})
	}
	srv, err := sim.New(sim.Options{
		Keys: keys, StatePath: path, RateLimit: *rateLimit,
		MakerFeeBps: feeFlag(*makerFee), TakerFeeBps: feeFlag(*takerFee),
		ClockOffset: *clockOffset, NonceWindow: *nonceWindow,
	})
	if err == nil && *walkEvery > 0 {
		err = srv.StartWalk(sim.Walk{Seed: *walkSeed, Interval: *walkEvery, MaxStepBps: *walkBps})
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "orderform sim: %v\n", err)
		return exitError
	}
	url, stop, err := sim.Serve(e.ctx, srv, *addr)
	if err != nil {
		fmt.Fprintf(e.stderr, "orderform sim: %v\n", err)
		return exitError
	}
	w := e.stdout
	fmt.Fprintf(w, "Simulated Gemini exchange at %s\n", url)
	if path == "" {
		fmt.Fprintln(w, "  state:      in memory (lost when it stops; -state FILE keeps it)")
	} else {
		fmt.Fprintf(w, "  state:      %s\n", path)
	}
	if *clockOffset != 0 {
		fmt.Fprintf(w, "  clock:      %s from this machine's\n", *clockOffset)
	}
	if *walkEvery > 0 {
		fmt.Fprintf(w, "  market:     a random walk, %s\n", srv.WalkStatus().String())
	}
	fmt.Fprintf(w, "  API key:    %s\n", *key)
	if generated {
		fmt.Fprintf(w, "  API secret: %s\n", *secret)
	} else {
		fmt.Fprintf(w, "  API secret: (from %s)\n", secretSource)
	}
	if *key != sim.LocalKey {
		fmt.Fprintf(w, "  also accepts the built-in local key %s\n", sim.LocalKey)
	}
	fmt.Fprintf(w, "  admin API:  %s/admin/ (orderform sim price|fund|fill|fault -url %s ...)\n", url, url)
	if generated {
		fmt.Fprintf(w, "\nexport GEMINI_API_URL=%s GEMINI_API_KEY=%s GEMINI_API_SECRET=%s\n", url, *key, *secret)
	}
	fmt.Fprintln(w, "\nPress Ctrl-C to stop.")
	<-e.ctx.Done()
	if err := stop(); err != nil {
		fmt.Fprintf(e.stderr, "orderform sim: stopping: %v\n", err)
		return exitError
	}
	fmt.Fprintln(w, "Simulator stopped.")
	return exitOK
}

// feeFlag maps the flag's 0 (no fee) to the Options' negative (no fee).
func feeFlag(bps int64) int64 {
	if bps == 0 {
		return -1
	}
	return bps
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func simStatePath(state, dir string) (string, error) {
	switch {
	case state != "" && dir != "":
		return "", errors.New("give -state or -dir, not both")
	case dir != "":
		return exchange.LocalStatePath(dir), nil
	}
	return state, nil
}

func flagExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitError
}

var negativeNumber = regexp.MustCompile(`^-[0-9.]`)

// parseInterspersed parses flags wherever they stand among the positional
// arguments, taking negative numbers as positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for len(args) > 0 {
		if negativeNumber.MatchString(args[0]) {
			pos, args = append(pos, args[0]), args[1:]
			continue
		}
		// Flags run up to the next negative number (fs.Parse would take
		// it for a flag).
		end := len(args)
		for i, a := range args {
			if negativeNumber.MatchString(a) {
				end = i
				break
			}
		}
		if err := fs.Parse(args[:end]); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) > 0 {
			pos, rest = append(pos, rest[0]), rest[1:]
		}
		args = append(append([]string(nil), rest...), args[end:]...)
	}
	return pos, nil
}

// simTarget is where admin subcommands act: a running server or a state file.
type simTarget interface {
	setMarket(ctx context.Context, symbol string, bid, ask decimal.Decimal) error
	fund(ctx context.Context, currency string, amount decimal.Decimal) error
	fill(ctx context.Context, orderID string, amount decimal.Decimal) error
	orders(ctx context.Context) ([]sim.OrderView, error)
	balances(ctx context.Context) ([]sim.BalanceView, error)
	markets(ctx context.Context) ([]sim.MarketView, error)
}

type remoteTarget struct{ c *sim.AdminClient }

func (t remoteTarget) setMarket(ctx context.Context, s string, b, a decimal.Decimal) error {
	_, err := t.c.SetMarket(ctx, s, b, a)
	return err
}
func (t remoteTarget) fund(ctx context.Context, c string, a decimal.Decimal) error {
	_, err := t.c.Fund(ctx, c, a)
	return err
}
func (t remoteTarget) fill(ctx context.Context, id string, a decimal.Decimal) error {
	_, err := t.c.Fill(ctx, id, a)
	return err
}
func (t remoteTarget) orders(ctx context.Context) ([]sim.OrderView, error) { return t.c.Orders(ctx) }
func (t remoteTarget) balances(ctx context.Context) ([]sim.BalanceView, error) {
	return t.c.Balances(ctx)
}
func (t remoteTarget) markets(ctx context.Context) ([]sim.MarketView, error) { return t.c.Markets(ctx) }

type fileTarget struct{ s *sim.Server }

func (t fileTarget) setMarket(_ context.Context, s string, b, a decimal.Decimal) error {
	return t.s.SetMarket(s, b, a)
}
func (t fileTarget) fund(_ context.Context, c string, a decimal.Decimal) error { return t.s.Fund(c, a) }
func (t fileTarget) fill(_ context.Context, id string, a decimal.Decimal) error {
	return t.s.Fill(id, a)
}
func (t fileTarget) orders(context.Context) ([]sim.OrderView, error) { return t.s.Orders(), nil }
func (t fileTarget) balances(context.Context) ([]sim.BalanceView, error) {
	m := t.s.Balances()
	out := make([]sim.BalanceView, 0, len(m))
	for _, b := range m {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Currency < out[j].Currency })
	return out, nil
}
func (t fileTarget) markets(context.Context) ([]sim.MarketView, error) { return t.s.Markets(), nil }

func simAdmin(e *simEnv, sub string, args []string) int {
	fs := simFlagSet(e, sub)
	url := fs.String("url", "", "a running simulator's base `URL`")
	statePath := fs.String("state", "", "a simulator state `file`")
	dir := fs.String("dir", "", "the configuration `DIR` whose local environment to change (DIR/.orderform/local.json)")
	all := fs.Bool("all", false, "orders: list every order, not just live ones")
	fpath := fs.String("path", "", "fault: the Gemini path it hits (default every path)")
	fcount := fs.Int("count", 0, "fault: how many requests it hits (default until cleared)")
	fstatus := fs.Int("status", 0, "fault status: the HTTP status (default 503, or 400 with -reason)")
	freason := fs.String("reason", "", "fault status: answer with this Gemini `reason`, e.g. UsageLimit or MustAcceptTerms")
	fretry := fs.Int("retry-after", 0, "fault status: Retry-After seconds")
	flatency := fs.Duration("latency", 0, "fault: added latency, e.g. 2s")
	cid := fs.String("client-order-id", "", "order: the client order id to send (default none, like the web site)")
	nonceWindow := fs.Duration("nonce-window", 0, "clock: the time-based nonce window to set")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return flagExit(err)
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "orderform sim %s: %s\n", sub, fmt.Sprintf(format, a...))
		return exitError
	}
	if sub == "order" {
		if err := simPlace(e, *url, *statePath, *dir, *cid, pos); err != nil {
			return fail("%v", err)
		}
		return exitOK
	}
	if sub == "clock" {
		if *url == "" {
			return fail("the clock lives in a running simulator's memory: give -url URL")
		}
		return simClock(e, &sim.AdminClient{URL: *url}, pos, *nonceWindow, fail)
	}
	if sub == "fault" {
		if *url == "" {
			return fail("faults live in a running simulator's memory: give -url URL")
		}
		c := &sim.AdminClient{URL: *url}
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
		f := sim.Fault{Path: *fpath, Kind: kind, Count: *fcount, Latency: *flatency}
		if kind == sim.FaultStatus {
			f.Status, f.RetryAfter, f.Reason = *fstatus, *fretry, *freason
		}
		if err := c.SetFault(e.ctx, f); err != nil {
			return fail("%v", err)
		}
		fmt.Fprintf(e.stdout, "Fault %s set on %s.\n", kind, orAll(*fpath))
		return exitOK
	}

	var t simTarget
	switch {
	case *url != "" && (*statePath != "" || *dir != ""):
		return fail("give one of -url, -state and -dir")
	case *url != "":
		t = remoteTarget{&sim.AdminClient{URL: *url}}
	default:
		path, err := simStatePath(*statePath, *dir)
		if err != nil {
			return fail("%v", err)
		}
		if path == "" {
			path = exchange.LocalStatePath(".")
		}
		s, err := sim.New(sim.Options{StatePath: path})
		if err != nil {
			return fail("%v", err)
		}
		t = fileTarget{s}
	}
	num := func(s, what string) (decimal.Decimal, error) {
		v, err := decimal.NewFromString(s)
		if err != nil {
			return v, fmt.Errorf("%s %q is not a decimal number", what, s)
		}
		return v, nil
	}
	ctx := e.ctx
	switch sub {
	case "price":
		if len(pos) != 3 {
			return fail("want SYMBOL BID ASK")
		}
		bid, err1 := num(pos[1], "bid")
		ask, err2 := num(pos[2], "ask")
		if err := errors.Join(err1, err2); err != nil {
			return fail("%v", err)
		}
		return simChange(e, t, sub, func() error { return t.setMarket(ctx, pos[0], bid, ask) },
			fmt.Sprintf("%s: bid %s, ask %s", strings.ToLower(pos[0]), bid, ask))
	case "fund":
		if len(pos) != 2 {
			return fail("want CURRENCY AMOUNT")
		}
		amt, err := num(pos[1], "amount")
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
			if amt, err = num(pos[1], "amount"); err != nil {
				return fail("%v", err)
			}
		}
		return simChange(e, t, sub, func() error { return t.fill(ctx, pos[0], amt) }, "")
	case "orders":
		if len(pos) != 0 {
			return fail("takes no arguments")
		}
		os, err := t.orders(ctx)
		if err != nil {
			return fail("%v", err)
		}
		printSimOrders(e.stdout, os, *all)
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
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SYMBOL\tBID\tASK\tLAST")
		for _, m := range ms {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.Symbol, m.Bid, m.Ask, m.Last)
		}
		tw.Flush()
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
