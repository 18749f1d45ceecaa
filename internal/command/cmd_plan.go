package command

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"

	"orderform/internal/exchange"
	"orderform/plan"
	"orderform/spec"
)

// planOptions are the inputs of one plan, from the command line.
type planOptions struct {
	dir      string
	vars     []spec.VarArg
	targets  []string
	replaces []string
	destroy  bool
	trade    bool // for apply or destroy: the key must hold the Trader role
	// lock, when set, is taken before the book is read and held until
	// the planRun is closed (apply and destroy; operation names the run).
	lock      *lockFlags
	operation string
	// failed, when set, receives the error of a failure to connect, lock
	// or read (after it is printed): watch tells a rejected key from a
	// passing outage by it.
	failed func(error)
}

// fail hands err to opts.failed, if any.
func (o planOptions) fail(err error) {
	if o.failed != nil {
		o.failed(err)
	}
}

// planRun is a computed plan with what it was computed from.
type planRun struct {
	cfg  *spec.Config
	conn *exchange.Conn
	plan *plan.Plan
	live []plan.LiveOrder
	// history is, by client order id, the closed orders read for the plan
	// (historyWanted).
	history map[string][]plan.LiveOrder
	diags   hcl.Diagnostics
	// readAt is the local time just before the book was read.
	readAt time.Time
	lock   *runLock // held from before the read until close
	// rules and tickers are the snapshot's, for watch.
	rules   map[string]plan.SymbolRules
	tickers map[string]plan.Ticker
}

func (r *planRun) close() {
	if r != nil && r.conn != nil {
		r.conn.Close()
	}
	if r != nil {
		r.lock.release()
	}
}

// makePlan loads the configuration, reads the exchange and computes the
// plan. Configuration problems are found before anything touches the
// network. On failure it has printed why and returns nil.
func makePlan(e *cliEnv, opts planOptions, color bool) *planRun {
	cfg, diags := spec.Load(opts.dir, spec.Options{Getenv: e.getenv, Vars: opts.vars})
	if diags.HasErrors() {
		printDiagnostics(e.stderr, configFiles(cfg), diags, color)
		return nil
	}
	first, d := cfg.Orders(nil) // what is known without the network
	diags = append(diags, d...)
	if diags.HasErrors() {
		printDiagnostics(e.stderr, cfg.Files, diags, color)
		return nil
	}
	for _, a := range append(append([]string{}, opts.targets...), opts.replaces...) {
		if !addressKnown(a, first) {
			fmt.Fprintf(e.stderr, "Error: %s matches no order of the configuration in %s\n", a, opts.dir)
			return nil
		}
	}

	conn, err := exchange.Connect(e.ctx, e.settings(), cfg)
	if err != nil {
		fmt.Fprintf(e.stderr, "Error: %v\n", err)
		opts.fail(err)
		return nil
	}
	run := &planRun{cfg: cfg, conn: conn}
	if opts.lock != nil && opts.lock.enabled {
		l, err := acquireLock(e.ctx, e, conn.Target, opts.operation, opts.dir, opts.lock.timeout)
		if err != nil {
			fmt.Fprintf(e.stderr, "Error: %v\n", err)
			opts.fail(err)
			run.close()
			return nil
		}
		run.lock = l
	}
	now := time.Now()
	run.readAt = now

	needs := exchange.Needs{}
	if !opts.destroy {
		needs = needsOf(cfg)
	}
	needs.Trade = opts.trade
	snap, err := exchange.Read(e.ctx, conn, needs, now)
	if err != nil {
		exchange.ReportReadError(e.stderr, err, conn, opts.dir)
		opts.fail(err)
		run.close()
		return nil
	}
	diags = append(diags, exchange.KeyWarnings(snap.Roles)...)
	run.live = snap.Live
	if err := exchange.ReadMoreRules(e.ctx, conn, snap, now); err != nil {
		fmt.Fprintf(e.stderr, "Error: %v\n", err)
		opts.fail(err)
		run.close()
		return nil
	}

	in := plan.Input{
		Target:   conn.Target,
		Live:     snap.Live,
		Rules:    snap.Rules,
		Tickers:  snap.Tickers,
		Balances: snap.Balances,
		Targets:  opts.targets,
		Replace:  opts.replaces,
		Destroy:  opts.destroy,
	}
	for _, m := range cfg.Moved {
		in.Moved = append(in.Moved, exchange.PlanMoved(m))
	}
	in.Blocks, in.ClientOrderID = exchange.PlanBlocks(cfg)
	if opts.destroy {
		// Only the addresses and prevent_cancel matter: every managed order
		// is cancelled, under the address the configuration gives it.
		for _, o := range first {
			in.Desired = append(in.Desired, exchange.PlanOrder(o))
		}
	} else {
		diags = append(diags, unknownSymbolDiags(cfg, first, snap, listedSymbols(e.ctx, conn, snap))...)
		if diags.HasErrors() {
			printDiagnostics(e.stderr, cfg.Files, diags, color)
			run.close()
			return nil
		}
		orders, d := cfg.Orders(dataFrom(snap))
		diags = append(diags, d...)
		if diags.HasErrors() {
			printDiagnostics(e.stderr, cfg.Files, diags, color)
			run.close()
			return nil
		}
		for _, o := range orders {
			in.Desired = append(in.Desired, exchange.PlanOrder(o))
		}
		in.Guard = exchange.PlanGuard(cfg.Guard)
		hist, others, err := exchange.ReadHistory(e.ctx, conn, historyWanted(in.Desired, in.Moved, snap.Live), snap.Live, now)
		if err != nil {
			fmt.Fprintf(e.stderr, "Error: %v\n", err)
			opts.fail(err)
			run.close()
			return nil
		}
		in.History, in.OtherFills = hist, others
		run.history = hist
	}
	in.Fee = exchange.CachedFeeRate(conn.CacheDir, now)
	p, d := plan.Compute(in)
	// The guards that compare prices with the market need the tickers of
	// the symbols that get new orders, and the budget the account's fee
	// rate when it places a buy, and only then: a plan with nothing to
	// place spends no call on them.
	extra, needFee := guardTickers(in, p), in.Fee == nil && p.PlacesBuy()
	if len(extra) > 0 {
		var mu sync.Mutex
		if err := exchange.ReadTickers(e.ctx, conn, extra, snap, &mu); err != nil {
			exchange.ReportReadError(e.stderr, err, conn, opts.dir)
			opts.fail(err)
			run.close()
			return nil
		}
		in.Tickers = snap.Tickers
	}
	if needFee {
		in.Fee = exchange.ReadFeeRate(e.ctx, conn, now)
	}
	if len(extra) > 0 || needFee {
		p, d = plan.Compute(in)
	}
	run.plan, run.diags = p, append(diags, d...)
	run.rules, run.tickers = snap.Rules, snap.Tickers
	if w := exchange.ClockWarning(conn.Client); w != nil {
		run.diags = append(run.diags, w)
	}
	return run
}

// guardTickers lists the symbols whose tickers the checks need and the
// plan has not read: those of orders to be placed, when a guard bounds
// prices by the market or the order is maker-or-cancel (the "would take"
// warning). apply reads the same ones again right before sending
// (plan.NeedsOf).
func guardTickers(in plan.Input, p *plan.Plan) []string {
	var out []string
	for _, sym := range plan.NeedsOf(p).Tickers {
		if _, ok := in.Tickers[sym]; !ok {
			out = append(out, sym)
		}
	}
	return out
}

// needsOf lists what the plan must read before evaluating the orders: the
// rules of every symbol in use, and the tickers of ticker data sources. The
// guards' tickers are read later, for the symbols that get new orders.
func needsOf(cfg *spec.Config) exchange.Needs {
	n := exchange.Needs{Symbols: cfg.Symbols()}
	tick := map[string]bool{}
	for _, d := range cfg.Data {
		if d.Kind == "ticker" && !tick[d.Symbol] {
			tick[d.Symbol] = true
			n.Tickers = append(n.Tickers, d.Symbol)
		}
	}
	sort.Strings(n.Tickers)
	return n
}

// historyWanted returns, by client order id, the symbols of the desired
// orders whose closed orders the plan needs (fill accounting by address,
// plan/fills.go): those with no live order (under their own id or an id
// moved to them), and those whose live order has partly filled or carries
// less than, or other than, the declared amount; with the ids of the
// addresses moved to them. A book of untouched live orders costs no walk.
func historyWanted(desired []plan.Order, moved []plan.Moved, live []plan.LiveOrder) map[string]string {
	byID := map[string][]*plan.LiveOrder{}
	for i := range live {
		byID[live[i].ClientOrderID] = append(byID[live[i].ClientOrderID], &live[i])
	}
	movedFrom := map[string][]string{}
	for _, m := range moved {
		movedFrom[m.ToClientOrderID] = append(movedFrom[m.ToClientOrderID], m.FromClientOrderID)
	}
	want := map[string]string{}
	for _, o := range desired {
		ids := append([]string{o.ClientOrderID}, movedFrom[o.ClientOrderID]...)
		n, needed := 0, false
		for _, id := range ids {
			for _, l := range byID[id] {
				n++
				needed = needed || l.ExecutedAmount.IsPositive() || !l.OriginalAmount.Equal(o.Amount)
			}
		}
		if n > 0 && !needed {
			continue
		}
		for _, id := range ids {
			want[id] = o.Symbol // its orders may have filled under an old address too
		}
	}
	return want
}

func dataFrom(s *exchange.Snapshot) *spec.Data {
	d := &spec.Data{
		Tickers:  map[string]spec.TickerData{},
		Symbols:  map[string]spec.SymbolData{},
		Balances: map[string]spec.BalanceData{},
	}
	for sym, t := range s.Tickers {
		d.Tickers[sym] = spec.TickerData{Bid: t.Bid, Ask: t.Ask, Last: t.Last}
	}
	for sym, r := range s.Rules {
		d.Symbols[sym] = spec.SymbolData{PriceIncrement: r.PriceIncrement, AmountIncrement: r.AmountIncrement, MinAmount: r.MinAmount, Base: r.Base, Quote: r.Quote, Status: r.Status}
	}
	for cur, b := range s.Balances {
		d.Balances[cur] = spec.BalanceData{Amount: b.Amount, Available: b.Available}
	}
	return d
}

// unknownSymbolDiags points at every order and data source that names a
// symbol the exchange does not list, suggesting the closest it lists
// (listed; the common symbols when it could not be read).
func unknownSymbolDiags(cfg *spec.Config, orders []spec.Order, s *exchange.Snapshot, listed []string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	hint := func(sym, otherwise string) string {
		if alt := spec.SuggestSymbol(sym, listed); alt != "" {
			return fmt.Sprintf(" Did you mean %q?", alt)
		}
		return otherwise
	}
	for _, o := range orders {
		if _, bad := s.Unknown[o.Symbol]; bad {
			r := o.Range
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unknown symbol",
				Detail:   fmt.Sprintf("%s: the exchange does not list symbol %q.%s", o.Address, o.Symbol, hint(o.Symbol, ` Symbols are lower case, base then quote, as in "btcusd".`)),
				Subject:  &r,
			})
		}
	}
	for _, d := range cfg.Data {
		if _, bad := s.Unknown[d.Symbol]; bad && d.Symbol != "" {
			r := d.Range
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unknown symbol",
				Detail:   fmt.Sprintf("data.%s.%s: the exchange does not list symbol %q.%s", d.Kind, d.Name, d.Symbol, hint(d.Symbol, ` Symbols are lower case, base then quote, as in "btcusd".`)),
				Subject:  &r,
			})
		}
	}
	return diags
}

// listedSymbols reads the exchange's symbols when the snapshot found one
// it does not list, for a suggestion; nil when there is none or the read
// fails.
func listedSymbols(ctx context.Context, conn *exchange.Conn, s *exchange.Snapshot) []string {
	if len(s.Unknown) == 0 {
		return nil
	}
	syms, err := conn.Client.Symbols(ctx)
	if err != nil {
		return nil
	}
	return syms
}

// addressKnown reports whether a -target or -replace address names an
// order (or, without an index, a group of orders) of the configuration.
func addressKnown(addr string, orders []spec.Order) bool {
	for _, o := range orders {
		if o.Address == addr || (len(o.Address) > len(addr) && o.Address[:len(addr)] == addr && o.Address[len(addr)] == '[') {
			return true
		}
	}
	return false
}

func configFiles(cfg *spec.Config) map[string]*hcl.File {
	if cfg == nil {
		return nil
	}
	return cfg.Files
}

func cmdPlan(e *cliEnv, args []string) int {
	fs := newFlagSet("plan", "[DIR]", "Show the cancels and placements that would make the live book match the configuration in DIR (default \".\").", e.stderr)
	var (
		vf       varFlags
		sel      selection
		out      = fs.String("out", "", "save the plan to `FILE`, for `orderform apply FILE`")
		expiry   = fs.Duration("out-expiry", plan.DefaultExpiry, "how long a saved plan stays valid")
		jsonOut  = fs.Bool("json", false, "print the plan as one JSON document (docs/json-format.md)")
		detailed = fs.Bool("detailed-exitcode", false, "exit 0 when there are no changes, 1 on error, 2 when there are changes")
		noColor  = fs.Bool("no-color", false, "disable color")
		destroy  = fs.Bool("destroy", false, "plan to cancel every order of the namespace")
	)
	vf.register(fs)
	sel.register(fs)
	rest, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if !*jsonOut {
		return planCommand(e, rest, vf, sel, *out, *expiry, false, *detailed, *noColor, *destroy)
	}
	// With -json stdout holds one plan document whatever happens: when no
	// plan is made, one with the errors the command reported.
	rec := e.recordErrors()
	code = planCommand(e, rest, vf, sel, *out, *expiry, true, *detailed, *noColor, *destroy)
	if !e.docWritten {
		fail := &plan.Plan{Errored: true, Destroy: *destroy, Targets: sel.targets}
		if err := plan.RenderJSON(e.stdout, fail, rec.diags); err != nil {
			return exitError
		}
	}
	return code
}

func planCommand(e *cliEnv, rest []string, vf varFlags, sel selection, out string, expiry time.Duration, jsonOut, detailed, noColor, destroy bool) int {
	dir, ok := oneDir(e, "plan", rest)
	if !ok {
		return exitError
	}
	if out != "" {
		// Refuse a plan file that cannot be written before reading the exchange.
		if st, err := os.Stat(filepath.Dir(out)); err != nil || !st.IsDir() {
			fmt.Fprintf(e.stderr, "Error: cannot save the plan to %s: the directory %s does not exist; create it, or give -out a path in an existing directory.\n", out, filepath.Dir(out))
			return exitError
		}
	}
	if out != "" && expiry <= 0 {
		fmt.Fprintf(e.stderr, "Error: -out-expiry must be positive, got %s\n", expiry)
		return exitError
	}
	color := useColor(e, noColor || jsonOut, e.stdout)
	r := makePlan(e, planOptions{dir: dir, vars: vf.args, targets: sel.targets, replaces: sel.replaces, destroy: destroy}, color)
	if r == nil {
		return exitError
	}
	defer r.close()
	if jsonOut {
		return planJSON(e, r, out, expiry, detailed)
	}
	printDiagnostics(e.stderr, r.cfg.Files, r.diags, useColor(e, noColor, e.stderr))
	if r.diags.HasErrors() {
		fmt.Fprintln(e.stderr, "The plan has errors and cannot be applied; fix them and plan again.")
		return exitError
	}
	printExchangeHeader(e.stdout, r.plan.Target)
	plan.RenderHuman(e.stdout, r.plan, plan.RenderOptions{Color: color, Sensitive: r.cfg.SensitiveValues()})
	if out != "" {
		if err := savePlan(out, r, expiry); err != nil {
			fmt.Fprintf(e.stderr, "Error: save the plan: %v\n", err)
			return exitError
		}
		fmt.Fprintf(e.stdout, "\nSaved the plan to %s (valid for %s). To carry it out exactly, run:\n    orderform apply %s\n", out, expiry.String(), out)
	}
	if detailed && r.plan.HasChanges() {
		return exitChanges
	}
	return exitOK
}

// planJSON saves the plan when asked, then writes it as the plan -json
// document, a failure to save among its diagnostics.
func planJSON(e *cliEnv, r *planRun, out string, expiry time.Duration, detailed bool) int {
	diags := r.diags
	var saveErr error
	if out != "" && !diags.HasErrors() {
		if saveErr = savePlan(out, r, expiry); saveErr != nil {
			fmt.Fprintf(e.stderr, "Error: save the plan: %v\n", saveErr)
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot save the plan", Detail: saveErr.Error()})
		}
	}
	e.docWritten = true
	if err := plan.RenderJSONWith(e.stdout, r.plan, diags, plan.RenderOptions{Sensitive: r.cfg.SensitiveValues()}); err != nil {
		fmt.Fprintf(e.stderr, "Error: %v\n", err)
		return exitError
	}
	switch {
	case diags.HasErrors():
		return exitError
	case detailed && r.plan.HasChanges():
		return exitChanges
	}
	return exitOK
}

func savePlan(path string, r *planRun, expiry time.Duration) error {
	if expiry <= 0 {
		return fmt.Errorf("-out-expiry must be positive")
	}
	s := plan.NewSaved(r.plan,
		"sha256:"+r.cfg.Digest(), // as every digest of the file is written
		plan.Fingerprint(r.live, r.plan.Target.Namespace)+plan.HistoryFingerprint(r.plan, r.history),
		time.Now(), expiry)
	s.FilesDigest = "sha256:" + r.cfg.FilesDigest()
	if dir, err := filepath.Abs(r.cfg.Dir); err == nil {
		s.ConfigDir = dir
	}
	if !filepath.IsAbs(r.cfg.Dir) {
		s.ConfigDirRelative = filepath.Clean(r.cfg.Dir)
	}
	return plan.Save(path, s, r.conn.PlanKey)
}
