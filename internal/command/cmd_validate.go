package command

import (
	"orderform/internal/command/views"
	"orderform/spec"
)

// cmdValidate checks a configuration without touching the network:
// everything that does not depend on a data source. Exit 0 when valid, 1
// with errors (warnings alone do not fail).
func cmdValidate(e *cliEnv, args []string) error {
	fs := newFlagSet("validate", "[DIR]", "Check the configuration in DIR (default \".\") without touching the network.", e.stderr)
	var vf varFlags
	jsonOut := fs.Bool("json", false, "print the result as one JSON document")
	noColor := fs.Bool("no-color", false, "disable color")
	vf.register(fs)
	rest, code, ok := parseFlags(fs, args)
	if !ok {
		return exitWith(code)
	}
	dir, err := dirArg("validate", rest)
	if err != nil {
		return err
	}
	cfg, diags := spec.Load(dir, spec.Options{Getenv: e.getenv, Vars: vf.args})
	if *jsonOut {
		doc := views.NewValidateDocument(configFiles(cfg), diags)
		if err := doc.Write(e.stdout); err != nil {
			return &commandError{"validate", err}
		}
		if !doc.Valid {
			return errReported
		}
		return nil
	}
	views.Diagnostics(e.stderr, configFiles(cfg), diags, useColor(e, *noColor, e.stderr))
	if diags.HasErrors() {
		return errReported
	}
	views.Valid(e.stdout, useColor(e, *noColor, e.stdout))
	return nil
}
