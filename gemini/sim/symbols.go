package sim

import (
	"sort"
	"strings"

	"github.com/shopspring/decimal"
)

// symbolInfo is one row of the built-in symbol table: the rules Gemini
// publishes on /v1/symbols/details/:symbol.
type symbolInfo struct {
	Symbol         string          // lower case, as on /v1/symbols
	Base, Quote    string          // upper case currency codes
	TickSize       decimal.Decimal // amount step (Gemini's "tick_size")
	QuoteIncrement decimal.Decimal // price step
	MinOrderSize   decimal.Decimal // minimum amount in the base currency
	Bid, Ask       decimal.Decimal // the market a fresh state starts with
}

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// builtinSymbols holds real Gemini spot symbols with the increments and
// minimums of Gemini's "Symbols and minimums" table (shared/reference §7;
// ltcusd and linkusd are not in the reference and carry the values Gemini
// published for them). The opening bid and ask are plausible, not live.
var builtinSymbols = []symbolInfo{
	{"btcusd", "BTC", "USD", d("0.00000001"), d("0.01"), d("0.00001"), d("64000.00"), d("64001.00")},
	{"ethusd", "ETH", "USD", d("0.000001"), d("0.01"), d("0.001"), d("3200.00"), d("3200.50")},
	{"ethbtc", "ETH", "BTC", d("0.000001"), d("0.00001"), d("0.001"), d("0.05000"), d("0.05001")},
	{"solusd", "SOL", "USD", d("0.000001"), d("0.001"), d("0.001"), d("150.000"), d("150.050")},
	{"dogeusd", "DOGE", "USD", d("0.000001"), d("0.00001"), d("0.1"), d("0.15000"), d("0.15010")},
	{"xrpusd", "XRP", "USD", d("0.000001"), d("0.00001"), d("0.1"), d("0.60000"), d("0.60010")},
	{"ltcusd", "LTC", "USD", d("0.00001"), d("0.01"), d("0.01"), d("80.00"), d("80.05")},
	{"linkusd", "LINK", "USD", d("0.000001"), d("0.00001"), d("0.1"), d("15.00000"), d("15.00500")},
}

// demoBalances seed a fresh state.
var demoBalances = map[string]string{
	"USD": "100000", "BTC": "2", "ETH": "20", "SOL": "200",
	"DOGE": "20000", "XRP": "5000", "LTC": "50", "LINK": "300",
}

var symbolIndex = func() map[string]*symbolInfo {
	m := make(map[string]*symbolInfo, len(builtinSymbols))
	for i := range builtinSymbols {
		m[builtinSymbols[i].Symbol] = &builtinSymbols[i]
	}
	return m
}()

// lookupSymbol finds a symbol case-insensitively, as Gemini does.
func lookupSymbol(s string) (*symbolInfo, bool) {
	info, ok := symbolIndex[strings.ToLower(s)]
	return info, ok
}

// Symbols returns the simulator's symbols in lower case, sorted.
func Symbols() []string {
	out := make([]string, 0, len(builtinSymbols))
	for _, s := range builtinSymbols {
		out = append(out, s.Symbol)
	}
	sort.Strings(out)
	return out
}

// isMultiple reports whether x is a whole multiple of step.
func isMultiple(x, step decimal.Decimal) bool {
	return x.Mod(step).IsZero()
}
