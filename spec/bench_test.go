package spec

import (
	"fmt"
	"strings"
	"testing"
)

// benchConfig is a configuration of n orders: for_each over a generated
// map of n levels across 50 symbols, with prices from a ticker data
// source rounded to its increment.
func benchConfig(n int) string {
	var b strings.Builder
	b.WriteString(`
variable "size" {
  type    = number
  default = 0.001
}
data "ticker" "btc" { symbol = "btcusd" }
data "symbol" "btc" { symbol = "btcusd" }
locals {
  levels = {
`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    l%05d = { symbol = \"sym%02dusd\", factor = %s }\n", i, i%50, fmt.Sprintf("0.%04d", 9999-i%5000))
	}
	b.WriteString(`  }
}
order "grid" {
  for_each = local.levels
  symbol   = each.value.symbol
  side     = "buy"
  amount   = var.size
  price    = floor_to(data.ticker.btc.bid * each.value.factor, data.symbol.btc.price_increment)
  options  = ["maker-or-cancel"]
  lifecycle {
    reprice_tolerance = 0.002
  }
}
`)
	return b.String()
}

// BenchmarkLoadEvaluate10k loads and evaluates a 10,000-order
// configuration: Load (which includes the pass without the exchange) and
// Orders with the exchange's data.
func BenchmarkLoadEvaluate10k(b *testing.B) {
	src := []byte(benchConfig(10000))
	b.ReportAllocs()
	for b.Loop() {
		c, diags := load("bench", []source{{"main.hcl", src}}, nil, nil, nil)
		if diags.HasErrors() {
			b.Fatal(diags.Error())
		}
		orders, diags := c.Orders(fakeData(c))
		if diags.HasErrors() || len(orders) != 10000 {
			b.Fatal(len(orders), diags.Error())
		}
	}
}
