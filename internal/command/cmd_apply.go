package command

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"orderform/apply"
	"orderform/gemini"
	"orderform/internal/command/views"
	"orderform/internal/exchange"
	"orderform/plan"
	"orderform/spec"
)

func cmdApply(e *cliEnv, args []string) error {
	fs := newFlagSet("apply", "[DIR | PLANFILE]", "Plan and carry out the cancels and placements that make the live book match the configuration in DIR,\nor carry out exactly the actions of a plan saved with `orderform plan -out=PLANFILE`.", e.stderr)
	var (
		vf          varFlags
		lf          lockFlags
		sel         selection
		autoApprove = fs.Bool("auto-approve", false, "skip the confirmation prompt")
		jsonOut     = fs.Bool("json", false, "print one JSON event per line (needs -auto-approve or a plan file)")
		noColor     = fs.Bool("no-color", false, "disable color")
		allowChange = fs.Bool("allow-config-change", false, "apply a saved plan although the configuration it was made from has changed since")
		destroy     = fs.Bool("destroy", false, "cancel every order of the namespace, as `orderform destroy` does")
	)
	vf.register(fs)
	sel.register(fs)
	lf.register(fs)
	rest, code, ok := parseFlags(fs, args)
	if !ok {
		return exitWith(code)
	}
	return withStream(e, *jsonOut, func() error {
		return applyCommand(e, rest, vf, lf, sel, *autoApprove, *jsonOut, *noColor, *allowChange, *destroy)
	})
}

// withStream runs a command that writes the apply -json stream when on:
// the stream starts before it and ends, with a summary whatever happened,
// after it.
func withStream(e *cliEnv, on bool, run func() error) error {
	if !on {
		return run()
	}
	s := startApplyStream(e)
	// The error is reported before the stream ends, so that the summary
	// carries it.
	code := reportError(e, run())
	s.End(code == exitOK)
	return exitWith(code)
}

func applyCommand(e *cliEnv, rest []string, vf varFlags, lf lockFlags, sel selection, autoApprove, jsonOut, noColor, allowChange, destroy bool) error {
	arg, err := dirArg("apply", rest)
	if err != nil {
		return err
	}
	if st, err := os.Stat(arg); err == nil && st.Mode().IsRegular() {
		if len(vf.args) > 0 || len(sel.targets) > 0 || len(sel.replaces) > 0 {
			return errors.New("a saved plan is applied exactly as saved: -var, -var-file, -target and -replace belong to `orderform plan -out`.")
		}
		if destroy {
			return errors.New("-destroy belongs to `orderform apply DIR` (or `orderform plan -destroy -out`): a saved plan is applied exactly as saved.")
		}
		return applySaved(e, arg, lf, jsonOut, noColor, allowChange)
	}
	if allowChange {
		return errors.New("-allow-config-change applies to a saved plan file; `orderform apply DIR` always plans from the configuration as it is.")
	}
	if destroy {
		if len(sel.replaces) > 0 {
			return errors.New("-replace places orders again, -destroy cancels them all: use one or the other.")
		}
		return applyDir(e, destroyRequest(arg, vf, &lf, sel.targets, autoApprove, jsonOut, noColor))
	}
	return applyDir(e, applyRequest{
		opts:        planOptions{dir: arg, vars: vf.args, targets: sel.targets, replaces: sel.replaces, lock: &lf, operation: "apply"},
		autoApprove: autoApprove, jsonOut: jsonOut, noColor: noColor,
		title:  "Do you want to apply these changes?",
		detail: "orderform will carry out the actions described above.",
	})
}

type applyRequest struct {
	opts                          planOptions
	autoApprove, jsonOut, noColor bool
	title, detail                 string
}

// applyDir plans, shows the plan, asks, and applies.
func applyDir(e *cliEnv, req applyRequest) error {
	if req.jsonOut && !req.autoApprove {
		return errors.New("-json needs -auto-approve (or a saved plan file): there is no prompt to answer in JSON mode.")
	}
	out := e.stdout
	if req.jsonOut {
		out = e.stderr // stdout carries the JSON events alone
	}
	color := useColor(e, req.noColor || req.jsonOut, out)
	req.opts.trade = true
	r, err := makePlan(e, req.opts, useColor(e, req.noColor, e.stderr))
	if err != nil {
		return err
	}
	if e.stream != nil {
		e.stream.Files = r.cfg.Files
	}
	defer r.close()
	views.Diagnostics(e.stderr, r.cfg.Files, r.diags, useColor(e, req.noColor, e.stderr))
	if r.diags.HasErrors() {
		views.PlanErrorsNothingChanged(e.stderr, req.opts.operation)
		return errReported
	}
	views.ExchangeHeader(out, r.plan.Target)
	plan.RenderHuman(out, r.plan, plan.RenderOptions{Color: color, Sensitive: r.cfg.SensitiveValues()})
	if !r.plan.HasChanges() {
		if e.stream != nil {
			e.stream.Summary(nil, true, "No changes. The book matches the configuration.")
		}
		return nil
	}
	// Only now is there something to approve: with nothing to do, apply
	// needs no terminal (as Terraform does not prompt without changes).
	if !req.autoApprove && !interactive(e) {
		return errors.New("no terminal to ask for approval: pass -auto-approve, or save a plan with `orderform plan -out=FILE` and apply the file. Nothing was changed.")
	}
	if !req.autoApprove && !confirm(e, req.title, req.detail, r.plan.Target, color) {
		verb := "Apply"
		if req.opts.destroy {
			verb = "Destroy"
		}
		views.Declined(e.stdout, verb)
		return errDeclined
	}
	return execute(e, r.conn, r.plan, r.readAt, req.jsonOut, color)
}

// applySaved verifies the plan's signature, re-reads the exchange, refuses
// a plan that is expired, aimed at another target, stale, or made from a
// configuration that has changed since (unless allowChange), and then does
// exactly the saved actions, checking the market once more before sending.
func applySaved(e *cliEnv, path string, lf lockFlags, jsonOut, noColor, allowChange bool) error {
	s, err := plan.Load(path)
	if err != nil {
		return err
	}
	out := e.stdout
	if jsonOut {
		out = e.stderr
	}
	color := useColor(e, noColor || jsonOut, out)
	conn, err := exchange.ConnectSaved(e.ctx, e.settings(), s.Target)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := s.Verify(conn.PlanKey); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	views.ExchangeHeader(out, conn.Target)
	if err := configUnchanged(e, path, s, allowChange); err != nil {
		return err
	}
	if err := requireTrader(e, conn, useColor(e, noColor, e.stderr)); err != nil {
		return err
	}
	if lf.enabled {
		l, err := acquireLock(e.ctx, e, conn.Target, "apply", path, lf.timeout)
		if err != nil {
			return err
		}
		defer l.release()
	}
	readAt := time.Now()
	live, err := conn.Client.ActiveOrders(e.ctx)
	if err != nil {
		return &readFailure{conn.ReadError(err), "DIR"}
	}
	lo := make([]plan.LiveOrder, 0, len(live))
	for _, o := range live {
		lo = append(lo, exchange.LiveFromGemini(o))
	}
	fp := plan.Fingerprint(lo, s.Target.Namespace)
	if creates := plan.Creates(s.Plan); len(creates) > 0 {
		// An order the plan creates may have been placed since, and have
		// filled: the live orders would not show it, its history does.
		hist, _, err := exchange.ReadHistory(e.ctx, conn, creates, lo, readAt)
		if err != nil {
			return err
		}
		fp += plan.HistoryFingerprint(s.Plan, hist)
	}
	if err := s.Check(time.Now(), conn.Target, fp); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	plan.RenderHuman(out, s.Plan, plan.RenderOptions{Color: color})
	if w := exchange.ClockWarning(conn.Client); w != nil {
		views.Diagnostics(e.stderr, nil, hcl.Diagnostics{w}, useColor(e, noColor, e.stderr))
	}
	if !s.Plan.HasChanges() {
		if e.stream != nil {
			e.stream.Summary(nil, true, "No changes. The saved plan has nothing to do.")
		}
		return nil
	}
	return execute(e, conn, s.Plan, readAt, jsonOut, color)
}

// configUnchanged compares the configuration directory a saved plan was
// made from, when it is at hand (its absolute path, else the path given to
// plan, from the current directory), with the digest the plan recorded. A
// change is an error unless allowChange; a directory that is not here is a
// note. Variable values are not compared: -var and -var-file belong to plan.
func configUnchanged(e *cliEnv, path string, s *plan.Saved, allowChange bool) error {
	if s.FilesDigest == "" {
		return nil
	}
	dir, digest, err := s.ConfigDir, "", error(nil)
	for _, d := range []string{s.ConfigDir, s.ConfigDirRelative} {
		if d == "" {
			continue
		}
		if digest, err = spec.DirDigest(d); err == nil {
			dir = d
			break
		}
	}
	switch {
	case digest == "":
		fmt.Fprintf(e.stderr, "Note: the configuration directory the plan was made from (%s) is not here, so whether it changed since was not checked.\n", s.ConfigDir)
		return nil
	case digest == strings.TrimPrefix(s.FilesDigest, "sha256:"): // plans of before the prefix have none
		return nil
	case allowChange:
		fmt.Fprintf(e.stderr, "Warning: the configuration in %s has changed since the plan was made; applying the saved plan as it is (-allow-config-change).\n", dir)
		return nil
	}
	return fmt.Errorf("%s: the configuration in %s has changed since the plan was made (a file was edited, added or removed), so the plan may no longer be what it says. Run orderform plan -out again, or pass -allow-config-change to apply the saved plan as it is.", path, dir)
}

// execute carries out a plan and reports. readAt is the local time just
// before the book the plan rests on was read.
func execute(e *cliEnv, conn *exchange.Conn, p *plan.Plan, readAt time.Time, jsonOut, color bool) error {
	meter := apply.NewMeter(p, nil)
	if e.stream != nil {
		e.stream.Flush() // the plan's warnings, before the events
	}
	var progress *views.Progress
	hooks := meter.Hooks(apply.JSONHooks(e.stdout))
	if !jsonOut {
		fmt.Fprintln(e.stdout)
		progress = views.NewProgress(e.stdout, meter, isTerminal(e.stdout))
		hooks = progress.Hooks(apply.TextHooks(e.stdout))
	}
	rep := apply.Apply(e.ctx, exchange.NewAdapter(conn), p, apply.Options{
		Namespace: p.Target.Namespace,
		Hooks:     hooks,
		ReadAt:    exchangeTimeAtLeast(conn.Client, readAt),
		Market: func(ctx context.Context, needs plan.MarketNeeds) (plan.Market, error) {
			return exchange.ReadMarket(ctx, conn, needs)
		},
		// The client sends one private request at a time per key anyway;
		// one step at a time means that after Ctrl-C nothing queued is sent.
		Concurrency: 1,
	})
	if progress != nil {
		progress.Done()
	}
	if p.Destroy {
		rep.Verb = "Destroy"
	}
	if jsonOut {
		rep.Render(e.stderr, false)
		if e.stream != nil {
			e.stream.Summary(rep, rep.OK(), "")
		}
	} else {
		fmt.Fprintln(e.stdout)
		rep.Render(e.stdout, color)
	}
	if !rep.OK() {
		return errReported
	}
	return nil
}

// exchangeTimeAtLeast returns a time on the exchange's clock no later than
// the moment the local clock read local: now plus the lowest offset the
// exchange's answers allow, less the time elapsed since (measured on the
// monotonic clock, so that a step of the wall clock meanwhile, say during
// the prompt, does not move it). Zero when no answer has told the offset.
func exchangeTimeAtLeast(c *gemini.Client, local time.Time) time.Time {
	lo, _, known := c.ClockBounds()
	if !known || local.IsZero() {
		return time.Time{}
	}
	now := time.Now()
	return now.Add(lo - now.Sub(local))
}
