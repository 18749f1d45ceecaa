package spec

import (
	"strings"
	"testing"
)

// Wherever the book can be shared, a configuration names its namespace: a
// silent "default" lets two configurations cancel each other's orders.
func TestNamespaceRequiredWhereTheBookIsShared(t *testing.T) {
	for _, tc := range []struct {
		name, exchange string
		wantErr        bool
	}{
		{"no exchange block", "", false},
		{"local", `exchange { environment = "local" }`, false},
		{"local with url", `exchange { url = "http://127.0.0.1:8399" }`, true},
		{"sandbox", `exchange { environment = "sandbox" }`, true},
		{"production", `exchange { environment = "production" }`, true},
		{"sandbox named", "exchange {\n environment = \"sandbox\"\n namespace = \"grid\"\n}", false},
		{"production named default", "exchange {\n environment = \"production\"\n namespace = \"default\"\n}", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := tc.exchange + "\norder \"a\" {\n symbol = \"btcusd\"\n side = \"buy\"\n amount = 1\n price = 1\n}\n"
			_, diags := load("/home/me/BTC Grid", []source{{"main.hcl", []byte(src)}}, nil, nil, nil)
			var got []string
			for _, d := range diags {
				if d.Summary == "Namespace required" {
					got = append(got, d.Detail)
					if d.Subject == nil || d.Subject.Filename != "main.hcl" || d.Subject.Start.Line != 1 {
						t.Errorf("the error points at %v, want main.hcl:1 (the exchange block)", d.Subject)
					}
				}
			}
			if (len(got) > 0) != tc.wantErr {
				t.Fatalf("namespace required: got %q, want an error: %v (all: %v)", got, tc.wantErr, diags)
			}
			if tc.wantErr && !strings.Contains(got[0], `namespace = "btc-grid"`) {
				t.Errorf("no suggested namespace from the directory: %s", got[0])
			}
		})
	}
}
