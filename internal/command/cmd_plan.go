package command

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/hcl/v2"

	"orderform/internal/command/views"
	"orderform/plan"
)

func cmdPlan(e *cliEnv, args []string) error {
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
		return exitWith(code)
	}
	if !*jsonOut {
		return planCommand(e, rest, vf, sel, *out, *expiry, false, *detailed, *noColor, *destroy)
	}
	// With -json stdout holds one plan document whatever happens: when no
	// plan is made, one with the errors the command reported.
	rec := e.recordErrors()
	err := planCommand(e, rest, vf, sel, *out, *expiry, true, *detailed, *noColor, *destroy)
	if e.docWritten {
		return err
	}
	code = reportError(e, err) // into rec, for the document
	fail := &plan.Plan{Errored: true, Destroy: *destroy, Targets: sel.targets}
	if err := plan.RenderJSON(e.stdout, fail, rec.Diags); err != nil {
		return errReported
	}
	return exitWith(code)
}

func planCommand(e *cliEnv, rest []string, vf varFlags, sel selection, out string, expiry time.Duration, jsonOut, detailed, noColor, destroy bool) error {
	dir, err := dirArg("plan", rest)
	if err != nil {
		return err
	}
	if out != "" {
		// Refuse a plan file that cannot be written before reading the exchange.
		if st, err := os.Stat(filepath.Dir(out)); err != nil || !st.IsDir() {
			return fmt.Errorf("cannot save the plan to %s: the directory %s does not exist; create it, or give -out a path in an existing directory.", out, filepath.Dir(out))
		}
	}
	if out != "" && expiry <= 0 {
		return fmt.Errorf("-out-expiry must be positive, got %s", expiry)
	}
	color := useColor(e, noColor || jsonOut, e.stdout)
	r, err := makePlan(e, planOptions{dir: dir, vars: vf.args, targets: sel.targets, replaces: sel.replaces, destroy: destroy}, color)
	if err != nil {
		return err
	}
	defer r.close()
	if jsonOut {
		return planJSON(e, r, out, expiry, detailed)
	}
	views.Diagnostics(e.stderr, r.cfg.Files, r.diags, useColor(e, noColor, e.stderr))
	if r.diags.HasErrors() {
		views.PlanErrors(e.stderr)
		return errReported
	}
	views.ExchangeHeader(e.stdout, r.plan.Target)
	plan.RenderHuman(e.stdout, r.plan, plan.RenderOptions{Color: color, Sensitive: r.cfg.SensitiveValues()})
	if out != "" {
		if err := savePlan(out, r, expiry); err != nil {
			return fmt.Errorf("save the plan: %w", err)
		}
		views.PlanSaved(e.stdout, out, expiry)
	}
	if detailed && r.plan.HasChanges() {
		return exitCodeError(exitChanges)
	}
	return nil
}

// planJSON saves the plan when asked, then writes it as the plan -json
// document, a failure to save among its diagnostics.
func planJSON(e *cliEnv, r *planRun, out string, expiry time.Duration, detailed bool) error {
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
		return err
	}
	switch {
	case diags.HasErrors():
		return errReported
	case detailed && r.plan.HasChanges():
		return exitCodeError(exitChanges)
	}
	return nil
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
