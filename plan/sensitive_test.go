package plan

import (
	"bytes"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// Figures derived from a sensitive price or amount never appear: not in
// diagnostics, notes, reasons, the human rendering or the JSON document,
// even though the renderer is told no sensitive values (derived figures
// such as price × amount could not be found by their text anyway).
func TestSensitiveFiguresHidden(t *testing.T) {
	secret := func(o *Order) { o.Sensitive = []string{"amount", "price"} }
	secretPrice := func(o *Order) { o.Sensitive = []string{"price"} }
	usd := func(in Input, avail string) Input {
		in.Balances = map[string]Balance{"USD": {Currency: "USD", Available: dec(avail)}, "BTC": {Currency: "BTC", Available: dec("10")}}
		return in
	}
	tests := []struct {
		name    string
		in      Input
		want    string   // a diagnostic summary that must be there, if any
		secrets []string // texts that must not appear anywhere
		budget  []string // the sensitive figures of the USD budget line
	}{
		{
			name:    "a budget shortfall of a sensitive buy",
			in:      usd(input([]Order{buy("order.a", "1", "64000", secretPrice), buy("order.b", "1", "100")}), "10"),
			want:    "Insufficient USD",
			secrets: []string{"64000", "64100", "64090"},
			budget:  []string{"held", "remaining"},
		},
		{
			name: "a replace of a sensitive order releases a sensitive figure",
			in: func() Input {
				d := buy("order.a", "0.5", "61500", secret)
				return usd(input([]Order{d}, with(live(d, "1", "0"), func(l *LiveOrder) { l.Price = dec("61000") })), "100")
			}(),
			want:    "Insufficient USD",
			secrets: []string{"30750", "30500", "30600", "61500", "61000", "0.5"},
			budget:  []string{"released", "held", "remaining"},
		},
		{
			name: "max_open_notional over kept and placed sensitive orders",
			in: func() Input {
				k := buy("order.k", "0.5", "60000", secret)
				in := input([]Order{k, buy("order.p", "1", "64000", secret)}, live(k, "7", "0"))
				in.Guard = &Guard{AllowCrossing: true, MaxOpenNotional: map[string]decimal.Decimal{"USD": dec("1000")}}
				return in
			}(),
			want:    "Refused by guard max_open_notional",
			secrets: []string{"30000", "64000", "94000", "60000"},
			budget:  []string{"held", "remaining"},
		},
		{
			name: "the note of a filled sensitive order",
			in: func() Input {
				d := buy("order.a", "0.37", "61234", secret)
				in := input([]Order{d})
				in.History = byID(map[string]LiveOrder{d.ClientOrderID: with(live(d, "9", "0.37"), func(l *LiveOrder) { l.IsLive = false })})
				return in
			}(),
			secrets: []string{"61234", "0.37"},
		},
		{
			name: "a partly filled sensitive order, kept and replaced",
			in: func() Input {
				d := buy("order.a", "0.37", "61234", secret)
				e := buy("order.e", "0.37", "61234", secret)
				return input([]Order{d, e}, live(d, "1", "0.13"), with(live(e, "2", "0.13"), func(l *LiveOrder) { l.Price = dec("60000") }))
			}(),
			secrets: []string{"61234", "0.37", "0.13", "0.24", "60000"},
			budget:  []string{"released", "held", "remaining"},
		},
		{
			name: "the rest of a partly filled sensitive order, and an amount lowered below its fills",
			in: func() Input {
				d := buy("order.a", "0.37", "61234", secret)
				e := buy("order.e", "0.11", "61234", secret)
				in := input([]Order{d, e}, with(live(e, "2", "0.13"), func(l *LiveOrder) { l.OriginalAmount = dec("0.37") }))
				in.History = byID(map[string]LiveOrder{d.ClientOrderID: with(live(d, "9", "0.13"), func(l *LiveOrder) { l.IsLive, l.IsCancelled = false, true })})
				return in
			}(),
			secrets: []string{"61234", "0.37", "0.13", "0.24", "0.11"},
		},
		{
			name: "a duplicate of a sensitive order, and destroy",
			in: func() Input {
				d := buy("order.a", "0.37", "61234", secret)
				return input([]Order{d}, live(d, "1", "0"), with(live(d, "2", "0"), func(l *LiveOrder) { l.Price = dec("61000") }))
			}(),
			secrets: []string{"61234", "61000", "0.37"},
			budget:  []string{"released", "remaining"},
		},
	}
	for _, tt := range tests {
		for _, destroy := range []bool{false, true} {
			if destroy && !strings.Contains(tt.name, "destroy") {
				continue
			}
			name := tt.name
			if destroy {
				name += " (-destroy)"
			}
			t.Run(name, func(t *testing.T) {
				in := tt.in
				in.Destroy = destroy
				p, diags := Compute(in)
				text := diagText(diags)
				if tt.want != "" && !destroy && !strings.Contains(text, tt.want) {
					t.Errorf("no %q diagnostic:\n%s", tt.want, text)
				}
				var human, js bytes.Buffer
				RenderHuman(&human, p, RenderOptions{})
				if err := RenderJSON(&js, p, diags); err != nil {
					t.Fatal(err)
				}
				var free []string
				for _, a := range p.Actions {
					free = append(free, a.Reasons...)
					free = append(free, a.Notes...)
				}
				all := text + "\n" + strings.Join(free, "\n") + "\n" + human.String() + "\n" + js.String()
				for _, s := range tt.secrets {
					if strings.Contains(all, s) {
						t.Errorf("%q shown:\n%s", s, all)
					}
				}
				if tt.budget != nil && !destroy {
					var line *BudgetLine
					for i := range p.Budget {
						if p.Budget[i].Currency == "USD" {
							line = &p.Budget[i]
						}
					}
					if line == nil || strings.Join(line.Sensitive, ",") != strings.Join(tt.budget, ",") {
						t.Errorf("USD budget line %+v, want sensitive %v", line, tt.budget)
					}
				}
			})
		}
	}
}
