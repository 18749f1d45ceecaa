package views

import (
	"fmt"
	"io"
	"time"

	"orderform/apply"
)

// progressMin is the size of plan from which apply shows its progress: a
// handful of orders needs no counter.
const progressMin = 6

// Progress shows an apply's progress, read from an apply.Meter, beside
// the line per event: on a terminal one status line, redrawn in place under
// the event lines; elsewhere a plain line at every tenth of the work, so a
// log gets about ten:
//
//	Progress: 12/200 orders, 3.1/s, about 1m1s left
type Progress struct {
	w     io.Writer
	m     *apply.Meter
	tty   bool
	shown bool // the status line is on the screen (tty)
	step  int  // plain lines: one at every step actions done
	last  int  // plain lines: the done count of the last one
}

// NewProgress is the progress view of an apply writing to w, a terminal
// when tty, read from m.
func NewProgress(w io.Writer, m *apply.Meter, tty bool) *Progress {
	return &Progress{w: w, m: m, tty: tty}
}

// Hooks wraps the text hooks writing to v.w so that progress is shown
// between and beside their lines.
func (v *Progress) Hooks(text apply.Hooks) apply.Hooks {
	wrap := func(f func(apply.Event)) func(apply.Event) {
		return func(ev apply.Event) {
			v.clear()
			if f != nil {
				f(ev)
			}
			v.show()
		}
	}
	h := apply.Hooks{Start: wrap(text.Start), Progress: wrap(text.Progress), Complete: wrap(text.Complete),
		Errored: wrap(text.Errored), Warning: wrap(text.Warning)}
	return v.m.Hooks(h)
}

// clear removes the status line before an event line is written.
func (v *Progress) clear() {
	if v.tty && v.shown {
		fmt.Fprint(v.w, "\r\x1b[K")
		v.shown = false
	}
}

func (v *Progress) show() {
	s := v.m.Snapshot()
	if s.Total < progressMin {
		return
	}
	if v.tty {
		if s.Done < s.Total {
			fmt.Fprint(v.w, progressText(s))
			v.shown = true
		}
		return
	}
	if v.step == 0 {
		v.step = max(1, s.Total/10)
	}
	if s.Done > 0 && (s.Done%v.step == 0 || s.Done == s.Total) && s.Done != v.last {
		fmt.Fprintln(v.w, progressText(s))
		v.last = s.Done
	}
}

// progressText is "Progress: 12/200 orders, 3.1/s, about 1m1s left"; the
// rate and the time left once an action is done.
func progressText(s apply.MeterState) string {
	t := fmt.Sprintf("Progress: %d/%d orders", s.Done, s.Total)
	if s.Failed > 0 {
		t += fmt.Sprintf(" (%d not done)", s.Failed)
	}
	if s.Rate > 0 {
		t += fmt.Sprintf(", %.1f/s", s.Rate)
		if s.Left > 0 {
			t += fmt.Sprintf(", about %s left", s.Left.Round(time.Second))
		}
	}
	return t
}

// Done ends the view: the status line is cleared.
func (v *Progress) Done() { v.clear() }
