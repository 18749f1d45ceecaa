package views

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/hashicorp/hcl/v2"
)

// The JSON document of validate -json, shaped like Terraform's.
type (
	ValidateDocument struct {
		FormatVersion string           `json:"format_version"`
		Valid         bool             `json:"valid"`
		ErrorCount    int              `json:"error_count"`
		WarningCount  int              `json:"warning_count"`
		Diagnostics   []JSONDiagnostic `json:"diagnostics"`
	}
)

// NewValidateDocument is the validate -json document of diags.
func NewValidateDocument(files map[string]*hcl.File, diags hcl.Diagnostics) ValidateDocument {
	doc := ValidateDocument{FormatVersion: "1.0", Diagnostics: []JSONDiagnostic{}}
	for _, d := range diags {
		if d.Severity == hcl.DiagWarning {
			doc.WarningCount++
		} else {
			doc.ErrorCount++
		}
		doc.Diagnostics = append(doc.Diagnostics, DiagnosticJSON(files, d))
	}
	doc.Valid = doc.ErrorCount == 0
	return doc
}

// Write writes the document, indented (HTML characters escaped, as
// validate -json always has).
func (doc ValidateDocument) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// Valid is validate's answer for people when the configuration is valid.
func Valid(w io.Writer, color bool) {
	p := NewPalette(color)
	p.OK.Fprint(w, "Success!")
	fmt.Fprintln(w, " The configuration is valid.")
}
