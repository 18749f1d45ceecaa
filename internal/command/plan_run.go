// How plan, apply and destroy make a plan: load the configuration, connect
// (and lock), read the exchange, compute; failures are typed errors that
// reportError prints.

package command

import (
	"errors"
	"fmt"
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
// network. Its error is one reportError prints: the diagnostics (in color
// when color), a read error explained, or a runtime error.
func makePlan(e *cliEnv, opts planOptions, color bool) (*planRun, error) {
	run := &planRun{}
	err := run.make(e, opts)
	if err == nil {
		return run, nil
	}
	run.close()
	var (
		de *diagsError
		re *exchange.ReadError
		ue *unknownAddressError
	)
	switch {
	case errors.As(err, &ue):
		return nil, ue
	case errors.As(err, &de):
		de.color = color
		return nil, de
	case errors.As(err, &re):
		opts.fail(re.Err)
		return nil, &readFailure{re, opts.dir}
	}
	opts.fail(err)
	return nil, err
}

// diagsError is a configuration the plan stopped at: its diagnostics.
type diagsError struct {
	files map[string]*hcl.File
	diags hcl.Diagnostics
	color bool // print them in color
}

func (e *diagsError) Error() string { return e.diags.Error() }

// unknownAddressError is a -target or -replace that names no order.
type unknownAddressError struct{ addr, dir string }

func (e *unknownAddressError) Error() string {
	return fmt.Sprintf("%s matches no order of the configuration in %s", e.addr, e.dir)
}

// make loads the configuration, connects (and locks), reads the exchange
// and computes the plan into r.
func (r *planRun) make(e *cliEnv, opts planOptions) error {
	cfg, diags := spec.Load(opts.dir, spec.Options{Getenv: e.getenv, Vars: opts.vars})
	if diags.HasErrors() {
		return &diagsError{files: configFiles(cfg), diags: diags}
	}
	first, d := cfg.Orders(nil) // what is known without the network
	diags = append(diags, d...)
	if diags.HasErrors() {
		return &diagsError{files: cfg.Files, diags: diags}
	}
	for _, a := range append(append([]string{}, opts.targets...), opts.replaces...) {
		if !addressKnown(a, first) {
			return &unknownAddressError{a, opts.dir}
		}
	}
	r.cfg = cfg
	if err := r.connect(e, opts); err != nil {
		return err
	}
	now := time.Now()
	r.readAt = now
	needs := exchange.Needs{}
	if !opts.destroy {
		needs = needsOf(cfg)
	}
	needs.Trade = opts.trade
	snap, err := exchange.Read(e.ctx, r.conn, needs, now)
	if err != nil {
		return r.conn.ReadError(err)
	}
	diags = append(diags, exchange.KeyWarnings(snap.Roles)...)
	r.live = snap.Live
	if err := exchange.ReadMoreRules(e.ctx, r.conn, snap, now); err != nil {
		return err
	}
	in, d, err := r.input(e, opts, first, snap, now)
	diags = append(diags, d...)
	if err != nil {
		return err
	}
	if diags.HasErrors() {
		return &diagsError{files: cfg.Files, diags: diags}
	}
	return r.compute(e, in, snap, diags, now)
}

// connect opens the exchange and, when asked, takes the namespace's lock.
func (r *planRun) connect(e *cliEnv, opts planOptions) error {
	conn, err := exchange.Connect(e.ctx, e.settings(), r.cfg)
	if err != nil {
		return err
	}
	r.conn = conn
	if opts.lock != nil && opts.lock.enabled {
		l, err := acquireLock(e.ctx, e, conn.Target, opts.operation, opts.dir, opts.lock.timeout)
		if err != nil {
			return err
		}
		r.lock = l
	}
	return nil
}

// input is what plan.Compute takes: the book, the desired orders with
// data sources resolved, their history.
func (r *planRun) input(e *cliEnv, opts planOptions, first []spec.Order, snap *exchange.Snapshot, now time.Time) (plan.Input, hcl.Diagnostics, error) {
	cfg := r.cfg
	in := plan.Input{
		Target:   r.conn.Target,
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
		return in, nil, nil
	}
	diags := unknownSymbolDiags(cfg, first, snap, listedSymbols(e.ctx, r.conn, snap))
	if diags.HasErrors() {
		return in, diags, nil
	}
	orders, d := cfg.Orders(dataFrom(snap))
	diags = append(diags, d...)
	if diags.HasErrors() {
		return in, diags, nil
	}
	for _, o := range orders {
		in.Desired = append(in.Desired, exchange.PlanOrder(o))
	}
	in.Guard = exchange.PlanGuard(cfg.Guard)
	hist, others, err := exchange.ReadHistory(e.ctx, r.conn, historyWanted(in.Desired, in.Moved, snap.Live), snap.Live, now)
	if err != nil {
		return in, diags, err
	}
	in.History, in.OtherFills = hist, others
	r.history = hist
	return in, diags, nil
}

// compute computes the plan, reading the tickers and the fee rate it turns
// out to need, and computing again with them.
func (r *planRun) compute(e *cliEnv, in plan.Input, snap *exchange.Snapshot, diags hcl.Diagnostics, now time.Time) error {
	conn := r.conn
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
			return r.conn.ReadError(err)
		}
		in.Tickers = snap.Tickers
	}
	if needFee {
		in.Fee = exchange.ReadFeeRate(e.ctx, conn, now)
	}
	if len(extra) > 0 || needFee {
		p, d = plan.Compute(in)
	}
	r.plan, r.diags = p, append(diags, d...)
	r.rules, r.tickers = snap.Rules, snap.Tickers
	if w := exchange.ClockWarning(conn.Client); w != nil {
		r.diags = append(r.diags, w)
	}
	return nil
}
