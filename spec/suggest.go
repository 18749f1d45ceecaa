package spec

import (
	"fmt"
	"strings"
)

// commonSymbols are Gemini symbols in wide use. The list only feeds "did
// you mean" suggestions: whether a symbol exists is the exchange's
// decision, made at plan time.
var commonSymbols = []string{
	"aaveusd", "avaxusd", "batusd", "bchusd", "btceur", "btcgbp", "btcgusd",
	"btcsgd", "btcusd", "btcusdc", "btcusdt", "compusd", "crvusd", "daiusd",
	"dogeusd", "dotusd", "ethbtc", "etheur", "ethgbp", "ethgusd", "ethsgd",
	"ethusd", "ethusdc", "ethusdt", "filusd", "gusdusd", "linkusd", "ltcbtc",
	"ltceth", "ltcusd", "maticusd", "mkrusd", "pepeusd", "shibusd", "solusd",
	"uniusd", "usdcusd", "xrpusd", "xtzusd", "zecusd",
	"btcgusdperp", "btcusdcperp", "ethgusdperp",
}

var knownSymbol = func() map[string]bool {
	m := make(map[string]bool, len(commonSymbols))
	for _, s := range commonSymbols {
		m[s] = true
	}
	return m
}()

// suggest returns the candidate closest to s when it is close enough to be
// a likely typo, or "".
func suggest(s string, candidates []string) string {
	best, bestDist := "", 0
	for _, c := range candidates {
		d := editDistance(s, c)
		if best == "" || d < bestDist {
			best, bestDist = c, d
		}
	}
	maxDist := 2
	if len(s) <= 4 {
		maxDist = 1
	}
	if best == "" || bestDist > maxDist || bestDist == 0 {
		return ""
	}
	return best
}

// SuggestSymbol returns the symbol of listed (an exchange's symbols; the
// common Gemini symbols when nil) closest to sym when it is close enough
// to be a likely typo, or "".
func SuggestSymbol(sym string, listed []string) string {
	if listed == nil {
		listed = commonSymbols
	}
	return suggest(strings.ToLower(sym), listed)
}

// englishList joins words as "a, b and c".
func englishList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// didYouMean is a detail suffix naming a suggestion, or "".
func didYouMean(s string, candidates []string) string {
	if m := suggest(s, candidates); m != "" {
		return fmt.Sprintf(" Did you mean %q?", m)
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b, over bytes
// (the candidates are ASCII).
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
