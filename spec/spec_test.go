package spec

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/shopspring/decimal"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// fakeData is what the fixtures see as the exchange: a market for every
// symbol used, except those starting with "nodata".
func fakeData(c *Config) *Data {
	d := decimal.RequireFromString
	data := &Data{Tickers: map[string]TickerData{}, Symbols: map[string]SymbolData{}, Balances: map[string]BalanceData{
		"USD": {Amount: d("10000"), Available: d("8000.5")},
		"BTC": {Amount: d("1.5"), Available: d("0.75")},
	}}
	for _, s := range c.Symbols() {
		if strings.HasPrefix(s, "nodata") {
			continue
		}
		t := TickerData{Bid: d("100.1"), Ask: d("100.3"), Last: d("100.2")}
		if s == "btcusd" {
			t = TickerData{Bid: d("64000.17"), Ask: d("64001.5"), Last: d("64000")}
		}
		data.Tickers[s] = t
		base, quote := strings.ToUpper(s[:len(s)-3]), strings.ToUpper(s[len(s)-3:])
		data.Symbols[s] = SymbolData{PriceIncrement: d("0.01"), AmountIncrement: d("0.00000001"),
			MinAmount: d("0.00001"), Base: base, Quote: quote, Status: "open"}
	}
	return data
}

// expectation is one "# ERROR: summary" or "# WARNING: summary" comment.
type expectation struct {
	File     string
	Line     int
	Severity string
	Summary  string
}

var expectRE = regexp.MustCompile(`#\s*(ERROR|WARNING):\s*([^#]*)`)

func readExpectations(t *testing.T, dir string) []expectation {
	t.Helper()
	var out []expectation
	paths, _ := filepath.Glob(filepath.Join(dir, "*.hcl"))
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			for _, m := range expectRE.FindAllStringSubmatch(line, -1) {
				out = append(out, expectation{filepath.Base(p), i + 1, m[1], strings.TrimSpace(m[2])})
			}
		}
	}
	return out
}

func diagExpectations(diags hcl.Diagnostics) []expectation {
	var out []expectation
	for _, d := range diags {
		sev := "ERROR"
		if d.Severity == hcl.DiagWarning {
			sev = "WARNING"
		}
		e := expectation{Severity: sev, Summary: d.Summary}
		if d.Subject != nil {
			e.File, e.Line = filepath.Base(d.Subject.Filename), d.Subject.Start.Line
		}
		out = append(out, e)
	}
	return out
}

func sortExpectations(es []expectation) {
	sort.Slice(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Summary < b.Summary
	})
}

// TestFixtures loads every directory under testdata/fixtures. Expected
// diagnostics are written inline in the fixture, on the line where the
// diagnostic's subject starts: `price = -1 # ERROR: Invalid price`. When
// Load finds no error, the orders are evaluated with fakeData too, and the
// orders of both passes are compared with orders.golden.
func TestFixtures(t *testing.T) {
	dirs, err := filepath.Glob("testdata/fixtures/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			c, diags := Load(dir, Options{})
			var orders []Order
			var final []Order
			if !diags.HasErrors() {
				orders, _ = c.Orders(nil)
				var d hcl.Diagnostics
				final, d = c.Orders(fakeData(c))
				diags = append(diags, d...)
			}
			for _, d := range diags {
				if d.Subject == nil {
					t.Errorf("diagnostic without a subject: %s: %s", d.Summary, d.Detail)
				}
			}
			want, got := readExpectations(t, dir), diagExpectations(diags)
			sortExpectations(want)
			sortExpectations(got)
			if diff := cmp.Diff(want, got); diff != "" {
				for _, d := range diags {
					t.Logf("%s: %s: %s", d.Subject, d.Summary, d.Detail)
				}
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
			if diags.HasErrors() {
				return
			}
			out := "# without the exchange\n" + describe(orders) + "\n# with the exchange\n" + describe(final)
			if len(c.Moved) > 0 {
				out += "\n# moved\n"
				for _, m := range c.Moved {
					out += fmt.Sprintf("%s (%s) -> %s (%s)\n", m.From, m.FromClientOrderID, m.To, m.ToClientOrderID)
				}
			}
			golden(t, filepath.Join(dir, "orders.golden"), out)
		})
	}
}

func describe(orders []Order) string {
	var b strings.Builder
	for _, o := range orders {
		fmt.Fprintf(&b, "%s %s %s %s %s amount=%s price=%s", o.Address, o.ClientOrderID, o.Symbol, o.Side, o.Type, o.Amount, o.Price)
		if o.Type == "stop-limit" {
			fmt.Fprintf(&b, " stop=%s", o.StopPrice)
		}
		if len(o.Options) > 0 {
			fmt.Fprintf(&b, " options=%s", strings.Join(o.Options, ","))
		}
		if !o.RepriceTolerance.IsZero() {
			fmt.Fprintf(&b, " tolerance=%s", o.RepriceTolerance)
		}
		if o.OnFill != "done" {
			fmt.Fprintf(&b, " on_fill=%s", o.OnFill)
		}
		if o.ReplaceAmount != "remaining" {
			fmt.Fprintf(&b, " replace_amount=%s", o.ReplaceAmount)
		}
		if o.PreventCancel {
			b.WriteString(" prevent_cancel")
		}
		if len(o.Sensitive) > 0 {
			fmt.Fprintf(&b, " sensitive=%s", strings.Join(o.Sensitive, ","))
		}
		if len(o.Unknown) > 0 {
			fmt.Fprintf(&b, " unknown=%s", strings.Join(o.Unknown, ","))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}
