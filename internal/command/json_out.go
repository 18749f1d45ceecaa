package command

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"

	"orderform/apply"
	"orderform/internal/command/views"
)

// writeJSON writes v as one indented JSON document, the shape of every
// -json document (docs/json-format.md).
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// errorRecorder passes a command's stderr through and keeps what the
// command reports there as diagnostics, for its JSON outcome on stdout: the
// diagnostics printDiagnostics prints, as they are, and each runtime error
// ("Error: …", one write) as a diagnostic without a range.
type errorRecorder struct {
	w     io.Writer
	diags hcl.Diagnostics
	quiet bool // printDiagnostics is writing what it has handed over
}

// recordErrors makes e's stderr an errorRecorder and returns it.
func (e *cliEnv) recordErrors() *errorRecorder {
	r := &errorRecorder{w: e.stderr}
	e.stderr = r
	return r
}

func (r *errorRecorder) Write(p []byte) (int, error) {
	if msg, ok := strings.CutPrefix(string(p), "Error: "); ok && !r.quiet {
		r.diags = append(r.diags, runtimeDiag(msg))
	}
	return r.w.Write(p)
}

// runtimeDiag is a runtime error's text as a diagnostic: its first clause
// (up to ": " or the end of the first sentence) as the summary, all of it as
// the detail.
func runtimeDiag(msg string) *hcl.Diagnostic {
	msg = strings.TrimSpace(msg)
	summary, _, _ := strings.Cut(msg, "\n")
	if i := strings.Index(summary, ": "); i > 0 {
		summary = summary[:i]
	}
	summary = strings.TrimSuffix(summary, ".")
	if r, n := utf8.DecodeRuneInString(summary); n > 0 {
		summary = string(unicode.ToUpper(r)) + summary[n:]
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: msg}
}

// The lines of the apply -json stream (docs/json-format.md, section 4).
type (
	streamVersion struct {
		Type          string `json:"type"` // "version"
		FormatVersion string `json:"format_version"`
		Orderform     string `json:"orderform"`
	}
	streamDiagnostic struct {
		Type       string               `json:"type"` // "diagnostic"
		Diagnostic views.JSONDiagnostic `json:"diagnostic"`
	}
	streamSummary struct {
		Type        string        `json:"type"` // "summary"
		OK          bool          `json:"ok"`
		Changes     int           `json:"changes"`
		Interrupted bool          `json:"interrupted"`
		Message     string        `json:"message"`
		Report      *apply.Report `json:"report"`
	}
)

// streamFormatVersion is the version of the apply -json stream.
const streamFormatVersion = "1.0"

// applyStream writes the apply -json stream to stdout: the version line
// first, the diagnostics as the command reports them, the events (written
// by apply's hooks), and last the summary, whatever the outcome.
type applyStream struct {
	ctx     context.Context
	w       io.Writer
	rec     *errorRecorder
	files   map[string]*hcl.File
	written int // diagnostics of rec already written
	done    bool
}

// startApplyStream begins the stream of a command with -json.
func startApplyStream(e *cliEnv) *applyStream {
	s := &applyStream{ctx: e.ctx, w: e.stdout, rec: e.recordErrors()}
	s.line(streamVersion{Type: "version", FormatVersion: streamFormatVersion, Orderform: buildVersion(readBuildInfo(), version).Version})
	e.stream = s
	return s
}

func (s *applyStream) line(v any) {
	b, _ := json.Marshal(v) // cannot fail: strings, numbers and the report
	s.w.Write(append(b, '\n'))
}

// flush writes the diagnostics reported since the last flush.
func (s *applyStream) flush() {
	for _, d := range s.rec.diags[s.written:] {
		s.line(streamDiagnostic{Type: "diagnostic", Diagnostic: views.DiagnosticJSON(s.files, d)})
	}
	s.written = len(s.rec.diags)
}

// summary ends the stream: rep is what apply did (nil when nothing was
// carried out), message what to say when nothing was.
func (s *applyStream) summary(rep *apply.Report, ok bool, message string) {
	if s.done {
		return
	}
	s.flush()
	sum := streamSummary{Type: "summary", OK: ok, Message: message, Report: rep, Interrupted: s.ctx != nil && s.ctx.Err() != nil}
	if rep != nil {
		sum.OK, sum.Changes, sum.Interrupted, sum.Message = rep.OK(), rep.Changes(), rep.Interrupted, rep.Summary()
	}
	s.line(sum)
	s.done = true
}

// end closes the stream of a command that returned code, when nothing
// has yet: with the errors it reported.
func (s *applyStream) end(code int) {
	if s.done {
		return
	}
	msg := "Nothing was changed."
	for _, d := range s.rec.diags {
		if d.Severity == hcl.DiagError {
			msg = d.Summary + ". Nothing was changed."
			break
		}
	}
	interrupted := s.ctx != nil && s.ctx.Err() != nil
	if interrupted {
		msg = "Interrupted before anything was sent. Nothing was changed."
	}
	s.summary(nil, code == exitOK && !interrupted, msg)
}
