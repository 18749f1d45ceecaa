package views

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"

	"orderform/apply"
)

// WriteJSON writes v as one indented JSON document, the shape of every
// -json document (docs/json-format.md).
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// Recorder passes a command's stderr through and keeps what the
// command reports there as diagnostics, for its JSON outcome on stdout: the
// diagnostics Diagnostics prints, as they are, and each runtime error
// ("Error: …", one write) as a diagnostic without a range.
type Recorder struct {
	w     io.Writer
	Diags hcl.Diagnostics
	quiet bool // Diagnostics is writing what it has handed over
}

// NewRecorder is a Recorder passing what is written through to w.
func NewRecorder(w io.Writer) *Recorder { return &Recorder{w: w} }

func (r *Recorder) Write(p []byte) (int, error) {
	if msg, ok := strings.CutPrefix(string(p), "Error: "); ok && !r.quiet {
		r.Diags = append(r.Diags, runtimeDiag(msg))
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
		Type       string         `json:"type"` // "diagnostic"
		Diagnostic JSONDiagnostic `json:"diagnostic"`
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

// Stream writes the apply -json stream to stdout: the version line
// first, the diagnostics as the command reports them, the events (written
// by apply's hooks), and last the summary, whatever the outcome.
type Stream struct {
	ctx     context.Context
	w       io.Writer
	rec     *Recorder
	Files   map[string]*hcl.File // the sources of the diagnostics' snippets
	written int                  // diagnostics of rec already written
	done    bool
}

// NewStream begins the apply -json stream on w with its version line
// (orderform's version given), the diagnostics taken from rec.
func NewStream(ctx context.Context, w io.Writer, rec *Recorder, version string) *Stream {
	s := &Stream{ctx: ctx, w: w, rec: rec}
	s.line(streamVersion{Type: "version", FormatVersion: streamFormatVersion, Orderform: version})
	return s
}

func (s *Stream) line(v any) {
	b, _ := json.Marshal(v) // cannot fail: strings, numbers and the report
	s.w.Write(append(b, '\n'))
}

// Flush writes the diagnostics reported since the last flush.
func (s *Stream) Flush() {
	for _, d := range s.rec.Diags[s.written:] {
		s.line(streamDiagnostic{Type: "diagnostic", Diagnostic: DiagnosticJSON(s.Files, d)})
	}
	s.written = len(s.rec.Diags)
}

// Summary ends the stream: rep is what apply did (nil when nothing was
// carried out), message what to say when nothing was.
func (s *Stream) Summary(rep *apply.Report, ok bool, message string) {
	if s.done {
		return
	}
	s.Flush()
	sum := streamSummary{Type: "summary", OK: ok, Message: message, Report: rep, Interrupted: s.ctx != nil && s.ctx.Err() != nil}
	if rep != nil {
		sum.OK, sum.Changes, sum.Interrupted, sum.Message = rep.OK(), rep.Changes(), rep.Interrupted, rep.Summary()
	}
	s.line(sum)
	s.done = true
}

// End closes the stream of a command that ended (ok when it succeeded),
// when nothing has yet: with the errors it reported.
func (s *Stream) End(ok bool) {
	if s.done {
		return
	}
	msg := "Nothing was changed."
	for _, d := range s.rec.Diags {
		if d.Severity == hcl.DiagError {
			msg = d.Summary + ". Nothing was changed."
			break
		}
	}
	interrupted := s.ctx != nil && s.ctx.Err() != nil
	if interrupted {
		msg = "Interrupted before anything was sent. Nothing was changed."
	}
	s.Summary(nil, ok && !interrupted, msg)
}
