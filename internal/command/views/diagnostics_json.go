package views

import "github.com/hashicorp/hcl/v2"

// A diagnostic in the JSON shape every -json output shares
// (docs/json-format.md, "Diagnostics"), shaped like Terraform's.
type (
	JSONDiagnostic struct {
		Severity string       `json:"severity"` // "error" | "warning"
		Summary  string       `json:"summary"`
		Detail   string       `json:"detail"`
		Range    *JSONRange   `json:"range,omitempty"`
		Snippet  *JSONSnippet `json:"snippet,omitempty"`
	}
	JSONRange struct {
		Filename string  `json:"filename"`
		Start    JSONPos `json:"start"`
		End      JSONPos `json:"end"`
	}
	JSONPos struct {
		Line   int `json:"line"`
		Column int `json:"column"`
		Byte   int `json:"byte"`
	}
	JSONSnippet struct {
		Code                 string `json:"code"`
		StartLine            int    `json:"start_line"`
		HighlightStartOffset int    `json:"highlight_start_offset"`
		HighlightEndOffset   int    `json:"highlight_end_offset"`
	}
)

// DiagnosticJSON is d in that shape, with the source line of its range
// when files hold it.
func DiagnosticJSON(files map[string]*hcl.File, d *hcl.Diagnostic) JSONDiagnostic {
	jd := JSONDiagnostic{Severity: "error", Summary: d.Summary, Detail: d.Detail}
	if d.Severity == hcl.DiagWarning {
		jd.Severity = "warning"
	}
	if r := d.Subject; r != nil {
		jd.Range = &JSONRange{
			Filename: r.Filename,
			Start:    JSONPos{r.Start.Line, r.Start.Column, r.Start.Byte},
			End:      JSONPos{r.End.Line, r.End.Column, r.End.Byte},
		}
		jd.Snippet = snippetOf(files, *r)
	}
	return jd
}

// snippetOf is the source line of r's start, with the highlighted part as
// byte offsets into it, or nil when the source is not available.
func snippetOf(files map[string]*hcl.File, r hcl.Range) *JSONSnippet {
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
	return &JSONSnippet{Code: line, StartLine: r.Start.Line, HighlightStartOffset: hs, HighlightEndOffset: he}
}
