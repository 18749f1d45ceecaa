// Package views holds what the commands print: the one palette, the
// diagnostics (as text and in the JSON shape every -json output shares),
// the exchange header, and the explanations of failures the exchange
// layer reports as values.
package views

import "github.com/fatih/color"

// Palette is the set of styles of one output; all plain when color is off.
type Palette struct {
	Err, Warn, OK, Pass, Bold, Mark, Danger *color.Color
	On                                      bool
}

// NewPalette is the palette of an output that is colored when on.
func NewPalette(on bool) Palette {
	mk := func(attrs ...color.Attribute) *color.Color {
		c := color.New(attrs...)
		if on {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return c
	}
	return Palette{
		Err:    mk(color.FgRed, color.Bold),    // errors, failed checks
		Warn:   mk(color.FgYellow, color.Bold), // warnings
		OK:     mk(color.FgGreen, color.Bold),  // success
		Pass:   mk(color.FgGreen),              // a passed check
		Bold:   mk(color.Bold),
		Mark:   mk(color.Underline),         // the subject of a diagnostic
		Danger: mk(color.Bold, color.FgRed), // a production exchange
		On:     on,
	}
}
