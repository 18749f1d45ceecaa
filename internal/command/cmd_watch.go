package command

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"

	"orderform/apply"
	"orderform/gemini"
	"orderform/gemini/sim"
	"orderform/internal/command/views"
	"orderform/internal/exchange"
	"orderform/internal/watch"
	"orderform/plan"
	"orderform/spec"
)

func cmdWatch(e *cliEnv, args []string) error {
	fs := newFlagSet("watch", "[DIR]", "Keep the book matching the configuration in DIR: plan and apply every -interval, and soon after the\nmarket moves past a reprice_tolerance or an order of the namespace fills, within the watch block's churn limits.\nCtrl-C or SIGTERM finishes the cycle in flight and exits 0.", e.stderr)
	var (
		vf         varFlags
		lf         lockFlags
		interval   = fs.Duration("interval", watch.DefaultInterval, "time between cycles, e.g. 30s")
		probeEvery = fs.Duration("probe", watch.DefaultProbeEvery, "how often to look at the market and the namespace's orders between cycles (0: never)")
		jsonOut    = fs.Bool("json", false, "print one JSON event per line per cycle and per action")
		listen     = fs.String("listen", "", "serve /healthz and /metrics on `ADDR`, a loopback address such as 127.0.0.1:9464")
		noColor    = fs.Bool("no-color", false, "disable color")
	)
	vf.register(fs)
	lf.register(fs)
	rest, code, ok := parseFlags(fs, args)
	if !ok {
		return exitWith(code)
	}
	dir, err := dirArg("watch", rest)
	if err != nil {
		return err
	}
	if *interval < 10*time.Millisecond {
		return errors.New("-interval must be at least 10ms.")
	}
	if *listen != "" && !sim.IsLoopback(*listen) {
		return fmt.Errorf("-listen %s is not a loopback address: /healthz and /metrics have no authentication; listen on 127.0.0.1 and let the scraper or a proxy reach it.", *listen)
	}
	wr := &watchRun{e: e, dir: dir, vars: vf.args, lock: lf, color: useColor(e, *noColor, e.stderr)}
	opts := watch.Options{
		Cycle: wr.cycle, CancelAll: wr.cancelAll, Interval: *interval, ProbeEvery: *probeEvery,
		Store: &wr.store,
	}
	if *probeEvery > 0 {
		opts.Probe = wr.probe
	}
	if *jsonOut {
		opts.JSON = e.stdout
	} else {
		opts.Text = e.stdout
	}
	if watchTestOptions != nil {
		watchTestOptions(&opts)
	}
	w, err := watch.New(opts)
	if err != nil {
		return err
	}
	if *listen != "" {
		stop, addr, err := serveWatch(*listen, w.Handler())
		if err != nil {
			return fmt.Errorf("-listen: %w", err)
		}
		defer stop()
		fmt.Fprintf(e.stderr, "Serving /healthz and /metrics on http://%s\n", addr)
	}
	if err := w.Run(e.ctx); err != nil {
		return fmt.Errorf("watch stopped: %w", err)
	}
	return nil
}

// watchTestOptions, set by tests only, adjusts the watch loop's options
// (a fake clock, a wake channel) before it starts.
var watchTestOptions func(*watch.Options)

// serveWatch serves h on addr until stop.
func serveWatch(addr string, h http.Handler) (stop func(), bound string, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}, ln.Addr().String(), nil
}

// watchRun is one `orderform watch`: the cycle, probe and cancel-all it
// hands to the watch loop, each a real plan and apply.
type watchRun struct {
	e     *cliEnv
	dir   string
	vars  []spec.VarArg
	lock  lockFlags
	color bool

	mu       sync.Mutex // guards the baseline: the probe runs between cycles only, but -race cannot know
	baseline *probeBaseline
	store    limitStore
}

func (wr *watchRun) env(ctx context.Context) *cliEnv {
	e := *wr.e
	e.ctx = ctx
	return &e
}

// cycle is one plan and apply: the configuration is loaded afresh (edits
// are picked up), the lock is taken, the book read, the plan checked, and
// only the changes the churn limits admit are applied, with apply's
// send-time checks, exactly-once placement and verification.
func (wr *watchRun) cycle(ctx context.Context, req *watch.Request) (rep watch.Report, err error) {
	e := wr.env(ctx)
	if d, err := spec.DirDigest(wr.dir); err == nil {
		rep.ConfigDigest = d
	}
	cfg, diags := spec.Load(wr.dir, spec.Options{Getenv: e.getenv, Vars: wr.vars})
	if diags.HasErrors() {
		views.Diagnostics(e.stderr, configFiles(cfg), diags, wr.color)
		return rep, watch.ConfigError(firstError(diags))
	}
	rep.ConfigDigest = cfg.Digest()
	var failure error
	r, err := makePlan(e, planOptions{dir: wr.dir, vars: wr.vars, lock: &wr.lock, operation: "watch", trade: true,
		failed: func(err error) { failure = err }}, wr.color)
	if err != nil {
		reportError(e, err)
		switch {
		case failure == nil: // diagnostics that needed the exchange's data
			return rep, watch.ConfigError(errors.New("the configuration does not validate against the exchange's data (see the diagnostics)"))
		case isKeyFailure(failure):
			return rep, watch.KeyError(failure)
		}
		return rep, failure
	}
	defer r.close()
	defer func() { rep.Calls = callsOf(r.conn.Client.Stats()) }()
	rep.ConfigDigest = r.cfg.Digest()
	if r.diags.HasErrors() {
		views.Diagnostics(e.stderr, r.cfg.Files, r.diags, wr.color)
		return rep, watch.RefusedError(firstError(r.diags))
	}
	if p, err := lockPath(e, r.conn.Target); err == nil {
		wr.store.path = strings.TrimSuffix(p, ".lock") + ".watch.json"
	}
	allow := req.Grant(r.cfg.Watch)
	p, changes := admit(r.plan, allow, r.rules)
	rep.Planned = changes
	actions, rp := wr.apply(ctx, r, p)
	rep.Actions = actions
	rep.Drift = len(allow.Hits()) > 0 || (rp != nil && !rp.OK())
	wr.setBaseline(r, rp)
	if rp != nil && rp.Concurrent != nil {
		return rep, fmt.Errorf("another run placed orders at %d addresses of this namespace at the same time", len(rp.Concurrent))
	}
	var refused []string
	for _, a := range actions {
		if a.Outcome == watch.OutcomeSkipped {
			refused = append(refused, a.Address+": "+a.Error)
		}
	}
	if len(refused) > 0 { // the send-time check: the market moved under a guard
		return rep, watch.RefusedError(fmt.Errorf("the check right before sending held %d orders back: %s", len(refused), strings.Join(refused, "; ")))
	}
	return rep, nil
}

// admit returns a copy of p with only the changes the allowance takes, in
// the plan's order, and how many changes p had.
func admit(p *plan.Plan, allow *watch.Allowance, rules map[string]plan.SymbolRules) (*plan.Plan, int) {
	out := *p
	out.Actions = nil
	changes := 0
	for _, a := range p.Actions {
		c := watch.Change{Address: a.Address}
		switch a.Kind {
		case plan.Create:
			c.Place = true
		case plan.Cancel:
			c.Cancel = true
		case plan.Replace:
			c.Cancel, c.Place = true, true
		default:
			out.Actions = append(out.Actions, a)
			continue
		}
		changes++
		if c.Address == "" && a.Before != nil {
			c.Address = "order " + a.Before.OrderID
		}
		if c.Place && a.After != nil {
			c.Currency = rules[a.After.Symbol].Quote
			c.Notional = a.After.Price.Mul(a.After.Amount)
		}
		if allow.Take(c) {
			out.Actions = append(out.Actions, a)
		}
	}
	return &out, changes
}

// apply carries out p and returns what was sent, from apply's events.
func (wr *watchRun) apply(ctx context.Context, r *planRun, p *plan.Plan) ([]watch.Action, *apply.Report) {
	if !p.HasChanges() {
		return nil, nil
	}
	col := newActionCollector(p, r.rules)
	conn := r.conn
	rp := apply.Apply(ctx, exchange.NewAdapter(conn), p, apply.Options{
		Namespace: p.Target.Namespace,
		Hooks:     col.hooks(),
		ReadAt:    exchangeTimeAtLeast(conn.Client, r.readAt),
		Market: func(ctx context.Context, needs plan.MarketNeeds) (plan.Market, error) {
			return exchange.ReadMarket(ctx, conn, needs)
		},
		Concurrency: 1,
	})
	if !rp.OK() {
		rp.Render(wr.e.stderr, false)
	}
	return col.actions(), rp
}

// cancelAll is cancel_on_exit: a destroy of the namespace, with its lock,
// checks and verification.
func (wr *watchRun) cancelAll(ctx context.Context) ([]watch.Action, watch.Calls, error) {
	e := wr.env(ctx)
	var failure error
	r, err := makePlan(e, planOptions{dir: wr.dir, vars: wr.vars, lock: &wr.lock, operation: "watch", trade: true, destroy: true,
		failed: func(err error) { failure = err }}, wr.color)
	if err != nil {
		reportError(e, err)
		if failure == nil {
			failure = errors.New("the configuration does not validate (see the diagnostics)")
		}
		return nil, watch.Calls{}, failure
	}
	defer r.close()
	if r.diags.HasErrors() {
		views.Diagnostics(e.stderr, r.cfg.Files, r.diags, wr.color)
		return nil, callsOf(r.conn.Client.Stats()), firstError(r.diags)
	}
	actions, rp := wr.apply(ctx, r, r.plan)
	calls := callsOf(r.conn.Client.Stats())
	if rp != nil && !rp.OK() {
		return actions, calls, errors.New(rp.Summary())
	}
	return actions, calls, nil
}

// isKeyFailure reports a failure no retry can mend: the key is rejected or
// lacks a role.
func isKeyFailure(err error) bool {
	var ke *exchange.KeyRoleError
	return errors.As(err, &ke) || gemini.IsAuth(err)
}

// firstError is the first error diagnostic, as file:line: summary: detail.
func firstError(diags hcl.Diagnostics) error {
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		msg := d.Summary
		if d.Detail != "" {
			msg += ": " + d.Detail
		}
		if d.Subject != nil {
			msg = fmt.Sprintf("%s:%d: %s", d.Subject.Filename, d.Subject.Start.Line, msg)
		}
		return errors.New(msg)
	}
	return errors.New("the configuration has errors")
}
