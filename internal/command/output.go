package command

import (
	"io"
	"os"

	"github.com/mattn/go-isatty"
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
