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
	printDiagnostics(e.stderr, configFiles(cfg), diags, useColor(e, *noColor, e.stderr))
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
		FormatVersion string     `json:"format_version"`
		Valid         bool       `json:"valid"`
		ErrorCount    int        `json:"error_count"`
		WarningCount  int        `json:"warning_count"`
		Diagnostics   []jsonDiag `json:"diagnostics"`
	}
	jsonDiag struct {
		Severity string       `json:"severity"` // "error" | "warning"
		Summary  string       `json:"summary"`
		Detail   string       `json:"detail"`
		Range    *jsonRange   `json:"range,omitempty"`
		Snippet  *jsonSnippet `json:"snippet,omitempty"`
	}
	jsonRange struct {
		Filename string  `json:"filename"`
		Start    jsonPos `json:"start"`
		End      jsonPos `json:"end"`
	}
	jsonPos struct {
		Line   int `json:"line"`
		Column int `json:"column"`
		Byte   int `json:"byte"`
	}
	jsonSnippet struct {
		Code                 string `json:"code"`
		StartLine            int    `json:"start_line"`
		HighlightStartOffset int    `json:"highlight_start_offset"`
		HighlightEndOffset   int    `json:"highlight_end_offset"`
	}
)

func validateJSON(files map[string]*hcl.File, diags hcl.Diagnostics) validateDoc {
	doc := validateDoc{FormatVersion: "1.0", Diagnostics: []jsonDiag{}}
	for _, d := range diags {
		if d.Severity == hcl.DiagWarning {
			doc.WarningCount++
		} else {
			doc.ErrorCount++
		}
		doc.Diagnostics = append(doc.Diagnostics, diagJSON(files, d))
	}
	doc.Valid = doc.ErrorCount == 0
	return doc
}

// diagJSON is d in the JSON shape every -json output shares
// (docs/json-format.md, "Diagnostics"), with the source line of its range
// when files hold it.
func diagJSON(files map[string]*hcl.File, d *hcl.Diagnostic) jsonDiag {
	jd := jsonDiag{Severity: "error", Summary: d.Summary, Detail: d.Detail}
	if d.Severity == hcl.DiagWarning {
		jd.Severity = "warning"
	}
	if r := d.Subject; r != nil {
		jd.Range = &jsonRange{
			Filename: r.Filename,
			Start:    jsonPos{r.Start.Line, r.Start.Column, r.Start.Byte},
			End:      jsonPos{r.End.Line, r.End.Column, r.End.Byte},
		}
		jd.Snippet = snippetOf(files, *r)
	}
	return jd
}

// snippetOf is the source line of r's start, with the highlighted part as
// byte offsets into it, or nil when the source is not available.
func snippetOf(files map[string]*hcl.File, r hcl.Range) *jsonSnippet {
	f := files[r.Filename]
	if f == nil {
		return nil
	}
	line, start, ok := sourceLine(f.Bytes, r.Start.Line)
	if !ok {
		return nil
	}
	hs := clamp(r.Start.Byte-start, 0, len(line))
	he := len(line)
	if r.End.Line == r.Start.Line {
		he = clamp(r.End.Byte-start, hs, len(line))
	}
	return &jsonSnippet{Code: line, StartLine: r.Start.Line, HighlightStartOffset: hs, HighlightEndOffset: he}
}
