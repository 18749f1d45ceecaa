package views

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"orderform/apply"
	"orderform/plan"
)

// feedProgress runs n placements through a Progress view, each taking a
// second on a fake clock, and returns what it wrote.
func feedProgress(t *testing.T, n int, tty bool) string {
	t.Helper()
	now := time.Unix(1700000000, 0)
	clock := func() time.Time { return now }
	p := &plan.Plan{}
	for i := range n {
		p.Actions = append(p.Actions, plan.Action{Kind: plan.Create, Address: fmt.Sprintf("order.g[%d]", i)})
	}
	var b strings.Builder
	v := NewProgress(&b, apply.NewMeter(p, clock), tty)
	h := v.Hooks(apply.Hooks{
		Start:    func(ev apply.Event) { fmt.Fprintf(&b, "%s: Placing...\n", ev.Address) },
		Complete: func(ev apply.Event) { fmt.Fprintf(&b, "%s: Placed\n", ev.Address) },
	})
	for _, a := range p.Actions {
		ev := apply.Event{Address: a.Address, Kind: plan.Create, Action: apply.StepPlace}
		h.Start(ev)
		now = now.Add(time.Second)
		ev.Outcome = apply.StatusPlaced
		h.Complete(ev)
	}
	v.Done()
	return b.String()
}

// TestProgressPlain: without a terminal, a plain line at every tenth of the
// work with the count, the rate and the time left (issue 15, case 5).
func TestProgressPlain(t *testing.T) {
	out := feedProgress(t, 20, false)
	var got []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "Progress:") {
			got = append(got, l)
		}
	}
	want := []string{"Progress: 2/20 orders, 1.0/s, about 18s left"}
	for i := 4; i < 20; i += 2 {
		want = append(want, fmt.Sprintf("Progress: %d/20 orders, 1.0/s, about %ds left", i, 20-i))
	}
	want = append(want, "Progress: 20/20 orders, 1.0/s")
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("progress lines (-want +got):\n%s", d)
	}
	if strings.Contains(out, "\r") || strings.Contains(out, "\x1b") {
		t.Errorf("terminal control characters without a terminal:\n%q", out)
	}
	if small := feedProgress(t, progressMin-1, false); strings.Contains(small, "Progress:") {
		t.Errorf("progress for a handful of orders:\n%s", small)
	}
}

// TestProgressTerminal: on a terminal, one status line redrawn under the
// event lines, and gone at the end.
func TestProgressTerminal(t *testing.T) {
	out := feedProgress(t, 10, true)
	if !strings.Contains(out, "order.g[5]: Placed\nProgress: 6/10 orders, 1.0/s, about 4s left\r\x1b[K") {
		t.Errorf("no status line redrawn after order.g[5]:\n%q", out)
	}
	if !strings.HasSuffix(out, "order.g[9]: Placed\n") {
		t.Errorf("the status line is not cleared at the end:\n%q", out)
	}
}
