package spec

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func loadSource(t *testing.T, src string) *Config {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	c, diags := Load(dir, Options{})
	if diags.HasErrors() {
		t.Fatalf("load: %s", diags.Error())
	}
	return c
}

// Without a watch block the limits are the safe defaults; with one, each
// value is read exactly (notional as a decimal, not a float).
func TestWatchBlock(t *testing.T) {
	c := loadSource(t, `order "a" {
  symbol = "btcusd"
  side   = "buy"
  amount = "0.001"
  price  = 60000
}
`)
	want := DefaultWatch()
	opt := cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })
	if diff := cmp.Diff(want, c.Watch, opt); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}

	c = loadSource(t, `variable "cap" {
  default = 3
}
watch {
  max_placements_per_minute = var.cap
  max_placements_per_day    = 40
  max_cancels_per_minute    = 4
  max_cancels_per_day       = 50
  max_notional_per_day      = { usd = 50000.1, BTC = "0.30000000000000001" }
  max_consecutive_failures  = 2
  cancel_on_exit            = true
}
`)
	got := c.Watch
	got.Range, got.Ranges = DefaultWatch().Range, nil
	want = Watch{
		MaxPlacementsPerMinute: 3, MaxPlacementsPerDay: 40, MaxCancelsPerMinute: 4, MaxCancelsPerDay: 50,
		MaxNotionalPerDay: map[string]decimal.Decimal{
			"USD": decimal.RequireFromString("50000.1"), "BTC": decimal.RequireFromString("0.30000000000000001"),
		},
		MaxConsecutiveFailures: 2, CancelOnExit: true,
	}
	if diff := cmp.Diff(want, got, opt); diff != "" {
		t.Errorf("block (-want +got):\n%s", diff)
	}
	if r := c.Watch.Ranges["max_cancels_per_day"]; r.Start.Line != 8 {
		t.Errorf("max_cancels_per_day range at line %d, want 8", r.Start.Line)
	}
}
