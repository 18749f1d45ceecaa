package command

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"orderform/gemini/sim"
)

// Plan and apply warn when this machine's clock is certainly more than a
// few seconds off the exchange's, and say nothing when it is not.
func TestClockSkewWarning(t *testing.T) {
	t.Parallel()
	config := func(h *relHarness) {
		h.write(map[string]string{"main.hcl": h.exchangeBlock("clock") + `
order "bid" {
  symbol = "btcusd"
  side   = "buy"
  amount = "0.001"
  price  = 60000
}
`})
	}
	ctx := context.Background()
	for _, tt := range []struct {
		name   string
		offset time.Duration // the exchange's clock minus this machine's
		want   string        // "" = no warning
	}{
		{"behind", 10 * time.Minute, "This machine's clock is 10m0s behind the exchange's"},
		{"ahead", -2 * time.Minute, "This machine's clock is 2m0s ahead of the exchange's"},
		{"same", 0, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			checkWarning := func(t *testing.T, what string, r relResult) {
				t.Helper()
				has := strings.Contains(r.stderr, "Warning: This machine's clock is")
				switch {
				case tt.want == "" && has:
					t.Errorf("%s warned of a skew that is not there:\n%s", what, r)
				case tt.want != "" && !strings.Contains(r.stderr, tt.want):
					t.Errorf("%s: no warning %q:\n%s", what, tt.want, r)
				}
			}
			h := newRelHarness(t, relOptions{sim: sim.Options{Now: func() time.Time { return time.Now().Add(tt.offset) }}})
			config(h)
			for _, args := range [][]string{{"plan", h.dir}, {"apply", "-auto-approve", h.dir}} {
				r := h.run(ctx, args...)
				if r.code != 0 {
					t.Fatalf("%s: %s", args[0], r)
				}
				checkWarning(t, args[0], r)
			}
			// A saved plan applied later warns too.
			planFile := filepath.Join(t.TempDir(), "p.plan")
			if r := h.run(ctx, "plan", "-out", planFile, h.dir); r.code != 0 {
				t.Fatalf("plan -out: %s", r)
			}
			r := h.run(ctx, "apply", planFile)
			if r.code != 0 {
				t.Fatalf("apply PLANFILE: %s", r)
			}
			checkWarning(t, "apply PLANFILE", r)
		})
	}
}
