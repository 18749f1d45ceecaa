package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"orderform/gemini/sim"
)

// Plan and apply warn when this machine's clock is certainly more than a
// few seconds off the exchange's, and say nothing when it is not.
func TestClockSkewWarning(t *testing.T) {
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
			h := newRelHarness(t, relOptions{sim: sim.Options{Now: func() time.Time { return time.Now().Add(tt.offset) }}})
			config(h)
			for _, args := range [][]string{{"plan", h.dir}, {"apply", "-auto-approve", h.dir}} {
				r := h.run(ctx, args...)
				if r.code != 0 {
					t.Fatalf("%s: %s", args[0], r)
				}
				has := strings.Contains(r.stderr, "Warning: This machine's clock is")
				switch {
				case tt.want == "" && has:
					t.Errorf("%s warned of a skew that is not there:\n%s", args[0], r)
				case tt.want != "" && !strings.Contains(r.stderr, tt.want):
					t.Errorf("%s: no warning %q:\n%s", args[0], tt.want, r)
				}
			}
		})
	}
}
