package spec

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSuggestionsOnDataSources: a typo in a data source's attribute gets a
// suggestion as a typo in a variable's name does, once, underlining the
// attribute; and a symbol typo in a data source gets the same suggestion as
// in an order (issue 15, case 9).
func TestSuggestionsOnDataSources(t *testing.T) {
	for _, tc := range []struct {
		name, expr string
		want       string // the one error, "summary: detail"
	}{
		{"ticker", "data.ticker.btc.bidd", `Unsupported attribute: A ticker data source has no attribute "bidd"; its attributes are ask, bid, last and mid. Did you mean "bid"?`},
		{"symbol", "data.symbol.btc.min_amout", `Unsupported attribute: A symbol data source has no attribute "min_amout"; its attributes are amount_increment, base, min_amount, price_increment, quote and status. Did you mean "min_amount"?`},
		{"balance", "data.balance.usd.availble", `Unsupported attribute: A balance data source has no attribute "availble"; its attributes are amount and available. Did you mean "available"?`},
		{"no suggestion", "data.ticker.btc.volume", `Unsupported attribute: A ticker data source has no attribute "volume"; its attributes are ask, bid, last and mid.`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := `
data "ticker" "btc" { symbol = "btcusd" }
data "symbol" "btc" { symbol = "btcusd" }
data "balance" "usd" { currency = "usd" }
order "a" {
  symbol = "btcusd"
  side   = "buy"
  amount = "0.001"
  price  = ` + tc.expr + `
}
`
			_, diags := load("suggest", []source{{"main.hcl", []byte(src)}}, nil, nil, nil)
			var got []string
			for _, d := range diags {
				got = append(got, d.Summary+": "+d.Detail)
			}
			if d := cmp.Diff([]string{tc.want}, got); d != "" {
				t.Fatalf("diagnostics (-want +got):\n%s", d)
			}
			attr := tc.expr[strings.LastIndexByte(tc.expr, '.'):]
			if r := diags[0].Subject; r == nil || r.Start.Line != 9 || r.End.Column-r.Start.Column != len(attr) {
				t.Errorf("subject %v, want the attribute %q on line 9", r, attr)
			}
		})
	}
	t.Run("symbol", func(t *testing.T) {
		src := `
data "ticker" "btc" { symbol = "btcusdd" }
order "a" {
  symbol = "btcusdd"
  side   = "buy"
  amount = "0.001"
  price  = "1"
}
`
		_, diags := load("suggest", []source{{"main.hcl", []byte(src)}}, nil, nil, nil)
		var hints []string
		for _, d := range diags {
			if strings.Contains(d.Detail, `Did you mean "btcusd"?`) {
				hints = append(hints, d.Subject.String())
			}
		}
		if len(hints) != 2 {
			t.Errorf("suggestions at %v, want the data source's and the order's", hints)
		}
	})
}

// TestSuggestSymbol suggests the nearest of the symbols an exchange lists.
func TestSuggestSymbol(t *testing.T) {
	listed := []string{"btcusd", "ethusd", "btceur"}
	for in, want := range map[string]string{"btcusdd": "btcusd", "etusd": "ethusd", "solusd": "", "btcusd": ""} {
		if got := SuggestSymbol(in, listed); got != want {
			t.Errorf("SuggestSymbol(%q) = %q, want %q", in, got, want)
		}
	}
}
