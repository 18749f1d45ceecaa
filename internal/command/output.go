package command

import (
	"io"
	"os"

	"github.com/hashicorp/hcl/v2"
	"github.com/mattn/go-isatty"

	"orderform/internal/command/views"
)

// useColor decides once, at the edge, whether output to w is colored:
// -no-color wins, then a non-empty NO_COLOR, then whether w is a terminal.
func useColor(e *cliEnv, noColorFlag bool, w io.Writer) bool {
	if noColorFlag || e.getenv("NO_COLOR") != "" || e.getenv("TERM") == "dumb" {
		return false
	}
	return isTerminal(w)
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// printDiagnostics writes diags (views.Diagnostics); a -json command's
// errorRecorder keeps them for its outcome on stdout.
func printDiagnostics(w io.Writer, files map[string]*hcl.File, diags hcl.Diagnostics, useColor bool) {
	if rec, ok := w.(*errorRecorder); ok {
		rec.diags = append(rec.diags, diags...)
		rec.quiet = true
		defer func() { rec.quiet = false }()
	}
	views.Diagnostics(w, files, diags, useColor)
}
