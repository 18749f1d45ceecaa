package views

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/fatih/color"
	"github.com/hashicorp/hcl/v2"
)

// Diagnostics writes diags the way Terraform does: the severity and
// summary, where (file:line:col), the source line with the subject
// underlined, and the detail. files supplies the source lines; a
// diagnostic whose file is unknown is printed without a snippet. A
// Recorder (a -json command's stderr) keeps them for the JSON outcome.
func Diagnostics(w io.Writer, files map[string]*hcl.File, diags hcl.Diagnostics, useColor bool) {
	if rec, ok := w.(*Recorder); ok {
		rec.Diags = append(rec.Diags, diags...)
		rec.quiet = true
		defer func() { rec.quiet = false }()
	}
	p := NewPalette(useColor)
	for _, d := range diags {
		printDiagnostic(w, files, d, p)
	}
}

func printDiagnostic(w io.Writer, files map[string]*hcl.File, d *hcl.Diagnostic, p Palette) {
	label, style := "Error: ", p.Err
	if d.Severity == hcl.DiagWarning {
		label, style = "Warning: ", p.Warn
	}
	fmt.Fprintln(w)
	style.Fprint(w, label)
	p.Bold.Fprint(w, d.Summary)
	fmt.Fprintln(w)
	if r := d.Subject; r != nil && r.Filename != "" {
		fmt.Fprintf(w, "\n  on %s:%d:%d:\n", r.Filename, r.Start.Line, r.Start.Column)
		if f := files[r.Filename]; f != nil {
			printSnippet(w, f.Bytes, *r, style, p)
		}
	}
	if d.Detail != "" {
		fmt.Fprintf(w, "\n%s\n", d.Detail)
	}
}

// printSnippet prints the subject's first line with its range underlined:
// a line of carets beneath it, and with color the range itself underlined.
func printSnippet(w io.Writer, src []byte, r hcl.Range, caret *color.Color, p Palette) {
	line, lineStart, ok := sourceLine(src, r.Start.Line)
	if !ok {
		return
	}
	start := clamp(r.Start.Byte-lineStart, 0, len(line))
	end := len(line)
	if r.End.Line == r.Start.Line {
		end = clamp(r.End.Byte-lineStart, start, len(line))
	}
	if end == start && end < len(line) {
		end = start + 1 // an empty range still points at something
	}
	num := fmt.Sprintf("%4d", r.Start.Line)
	fmt.Fprintf(w, "%s | %s", num, line[:start])
	p.Mark.Fprint(w, line[start:end])
	fmt.Fprintf(w, "%s\n", line[end:])
	// Keep tabs so the carets line up under the same columns.
	var pad strings.Builder
	for _, c := range line[:start] {
		if c == '\t' {
			pad.WriteRune('\t')
		} else {
			pad.WriteRune(' ')
		}
	}
	width := len([]rune(line[start:end]))
	if width == 0 {
		width = 1
	}
	fmt.Fprintf(w, "%s | %s", strings.Repeat(" ", len(num)), pad.String())
	caret.Fprint(w, strings.Repeat("^", width))
	fmt.Fprintln(w)
}

// sourceLine returns line n (1-based) of src without its newline, and the
// byte offset where it starts.
func sourceLine(src []byte, n int) (string, int, bool) {
	if n < 1 {
		return "", 0, false
	}
	start := 0
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(src[start:], '\n')
		if j < 0 {
			return "", 0, false
		}
		start += j + 1
	}
	end := start
	for end < len(src) && src[end] != '\n' {
		end++
	}
	return strings.TrimSuffix(string(src[start:end]), "\r"), start, true
}

func clamp(v, lo, hi int) int {
	return max(lo, min(v, hi))
}
