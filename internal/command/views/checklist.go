package views

import (
	"fmt"
	"io"
)

// Checklist is doctor's report: one line per check, with what to do about
// a warning or a failure, and the count at the end.
type Checklist struct {
	w                 io.Writer
	p                 Palette
	failed, warnCount int
}

// NewChecklist is a checklist written to w, colored when color.
func NewChecklist(w io.Writer, color bool) *Checklist {
	return &Checklist{w: w, p: NewPalette(color)}
}

// Pass is a check that passed.
func (c *Checklist) Pass(format string, a ...any) {
	c.p.Pass.Fprint(c.w, "  ✓ ")
	fmt.Fprintf(c.w, format+"\n", a...)
}

// Warning is a check that passed with something to do.
func (c *Checklist) Warning(what, todo string) {
	c.warnCount++
	c.p.Warn.Fprint(c.w, "  ! ")
	fmt.Fprintf(c.w, "%s\n      %s\n", what, todo)
}

// Note is information that needs no action now.
func (c *Checklist) Note(what string) {
	fmt.Fprintf(c.w, "  i %s\n", what)
}

// Fail is a check that failed, and what to do about it.
func (c *Checklist) Fail(what, todo string) {
	c.failed++
	c.p.Err.Fprint(c.w, "  ✗ ")
	fmt.Fprintf(c.w, "%s\n      %s\n", what, todo)
}

// Finish writes the counts and reports whether every check passed.
func (c *Checklist) Finish() bool {
	fmt.Fprintln(c.w)
	if c.failed > 0 {
		fmt.Fprintf(c.w, "%d check(s) failed, %d warning(s).\n", c.failed, c.warnCount)
		return false
	}
	fmt.Fprintf(c.w, "All checks passed (%d warning(s)).\n", c.warnCount)
	return true
}
