package command

import (
	"encoding/json"
	"fmt"

	"github.com/hashicorp/hcl/v2"

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
		doc := validateJSON(configFiles(cfg), diags)
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(doc); err != nil {
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
	p := views.NewPalette(useColor(e, *noColor, e.stdout))
	p.OK.Fprint(e.stdout, "Success!")
	fmt.Fprintln(e.stdout, " The configuration is valid.")
	return nil
}

// The JSON document of validate -json, shaped like Terraform's.
type (
	validateDoc struct {
		FormatVersion string                 `json:"format_version"`
		Valid         bool                   `json:"valid"`
		ErrorCount    int                    `json:"error_count"`
		WarningCount  int                    `json:"warning_count"`
		Diagnostics   []views.JSONDiagnostic `json:"diagnostics"`
	}
)

func validateJSON(files map[string]*hcl.File, diags hcl.Diagnostics) validateDoc {
	doc := validateDoc{FormatVersion: "1.0", Diagnostics: []views.JSONDiagnostic{}}
	for _, d := range diags {
		if d.Severity == hcl.DiagWarning {
			doc.WarningCount++
		} else {
			doc.ErrorCount++
		}
		doc.Diagnostics = append(doc.Diagnostics, views.DiagnosticJSON(files, d))
	}
	doc.Valid = doc.ErrorCount == 0
	return doc
}
