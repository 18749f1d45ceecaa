package plan

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./plan -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

// showcase is a plan with one of everything a rendering can show.
func showcase() Input {
	l1 := buy(`order.bid["l1"]`, "0.5", "64000", withTol("0.002"), func(o *Order) { o.Options = []string{"maker-or-cancel"} })
	l2 := buy(`order.bid["l2"]`, "0.5", "63000", func(o *Order) { o.Options = []string{"maker-or-cancel"} })
	l3 := buy(`order.bid["l3"]`, "0.25", "62000")
	dup := buy("order.dup", "0.1", "60000")
	done := sell("order.take_profit", "0.2", "80000")
	again := sell("order.again", "0.2", "81000", func(o *Order) { o.OnFill = "replace" })
	stop := sell("order.stop", "0.3", "58000", func(o *Order) { o.Type, o.StopPrice = "stop-limit", dec("58100") })
	secret := buy("order.secret", "0.25", "61000", func(o *Order) { o.Sensitive = []string{"price"} })
	renamed := buy("order.renamed", "0.1", "59000")
	gone := buy("order.gone", "0.1", "50000")
	in := input([]Order{l1, l2, l3, dup, done, again, stop, secret, renamed},
		with(live(l1, "7001", "0.2"), func(l *LiveOrder) { l.Price = dec("64100") }), // within tolerance, partly filled
		with(live(l2, "7002", "0.1"), func(l *LiveOrder) { l.Price = dec("62500") }), // replace, partly filled
		live(dup, "7010", "0"),
		with(live(dup, "7011", "0"), func(l *LiveOrder) { l.TimestampMS++ }),
		with(live(secret, "7020", "0"), func(l *LiveOrder) { l.Price = dec("60500") }),
		with(live(renamed, "7030", "0"), func(l *LiveOrder) { l.ClientOrderID = coid("order.old_name") }),
		live(gone, "7040", "0"),
		LiveOrder{OrderID: "8001", ClientOrderID: "manual-1", Symbol: "btcusd", Side: "buy", Price: dec("1"), OriginalAmount: dec("1")},
		LiveOrder{OrderID: "8002", ClientOrderID: "of:other:0123456789abcdef", Symbol: "btcusd", Side: "buy", Price: dec("1"), OriginalAmount: dec("1")},
		LiveOrder{OrderID: "8003", ClientOrderID: "of:other:fedcba9876543210", Symbol: "btcusd", Side: "buy", Price: dec("1"), OriginalAmount: dec("1")},
	)
	in.History = byID(map[string]LiveOrder{
		done.ClientOrderID:  with(live(done, "6001", "0.2"), func(l *LiveOrder) { l.IsLive, l.AvgPrice = false, l.Price }),
		again.ClientOrderID: with(live(again, "6002", "0.2"), func(l *LiveOrder) { l.IsLive, l.AvgPrice = false, dec("80990.5") }), // filled better than its limit
	})
	in.Moved = []Moved{{From: "order.old_name", To: "order.renamed", FromClientOrderID: coid("order.old_name"), ToClientOrderID: renamed.ClientOrderID}}
	in.Tickers = map[string]Ticker{"btcusd": {Bid: dec("63990"), Ask: dec("64010"), Last: dec("64000")}}
	in.Fee = &Fee{Rate: dec("0.0035"), Source: FeeAccount}
	return in
}

func TestRenderHumanGolden(t *testing.T) {
	p, diags := Compute(showcase())
	if diags.HasErrors() {
		t.Fatalf("showcase has errors:\n%s", diagText(diags))
	}
	for _, tc := range []struct {
		file string
		opts RenderOptions
	}{
		{"showcase.plain.golden", RenderOptions{Sensitive: []string{"0.25"}}},
		{"showcase.color.golden", RenderOptions{Color: true, Sensitive: []string{"0.25"}}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var b bytes.Buffer
			RenderHuman(&b, p, tc.opts)
			golden(t, tc.file, b.Bytes())
			for _, leak := range []string{"61000", "60500", "0.25"} {
				if strings.Contains(b.String(), leak) {
					t.Errorf("sensitive value %q shown", leak)
				}
			}
		})
	}
}

func TestRenderHumanNoChanges(t *testing.T) {
	a := buy("order.a", "1", "64000")
	p, _ := Compute(input([]Order{a}, live(a, "1", "0"), LiveOrder{OrderID: "2", ClientOrderID: "x"}))
	var b bytes.Buffer
	RenderHuman(&b, p, RenderOptions{})
	golden(t, "nochanges.golden", b.Bytes())
}

func TestRenderJSONGolden(t *testing.T) {
	in := showcase()
	in.Desired = append(in.Desired, buy("order.taker", "0.01", "64020", func(o *Order) { o.Options = []string{"maker-or-cancel"} }))
	p, diags := Compute(in)
	if len(diags) != 1 {
		t.Fatalf("want one warning, got:\n%s", diagText(diags))
	}
	var b bytes.Buffer
	if err := RenderJSONWith(&b, p, diags, RenderOptions{Sensitive: []string{"0.25"}}); err != nil {
		t.Fatal(err)
	}
	golden(t, "showcase.json.golden", b.Bytes())
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("not one JSON document: %v", err)
	}
	if strings.Contains(b.String(), "61000") || strings.Contains(b.String(), "0.25") {
		t.Error("sensitive price shown in JSON")
	}
}

func TestRedact(t *testing.T) {
	r := &renderer{opts: RenderOptions{Sensitive: []string{"0.25", "s3cret"}}}
	for in, want := range map[string]string{
		"amount 0.25 -> 1":            "amount (sensitive value) -> 1",
		"filled 0.25.":                "filled (sensitive value).",
		"0.255 and 10.25 are not it":  "0.255 and 10.25 are not it",
		`token "s3cret" leaked`:       `token "(sensitive value)" leaked`,
		"order.s3cret_x is a name":    "order.s3cret_x is a name",
		"0.25 of 0.25 filled; s3cret": "(sensitive value) of (sensitive value) filled; (sensitive value)",
	} {
		if got := r.redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}
