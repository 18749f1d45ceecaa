package spec

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var geminiClientOrderID = regexp.MustCompile(`^[A-Za-z0-9:_.#-]{1,36}$`)

func TestClientOrderID(t *testing.T) {
	tests := []struct{ ns, addr string }{
		{"default", "order.btc_bid"},
		{"btc-grid", `order.btc_bid["l1"]`},
		{"a", "order.x[0]"},
		{"abcdefghijkl", `order.x["a \"quoted\" key with ünïcode"]`},
	}
	for _, tt := range tests {
		got := ClientOrderID(tt.ns, tt.addr)
		sum := sha256.Sum256([]byte(tt.ns + "\x00" + tt.addr))
		if want := "of:" + tt.ns + ":" + hex.EncodeToString(sum[:])[:16]; got != want {
			t.Errorf("ClientOrderID(%q, %q) = %q, want %q", tt.ns, tt.addr, got, want)
		}
		if !geminiClientOrderID.MatchString(got) {
			t.Errorf("%q does not fit Gemini's client_order_id (at most 36 of [A-Za-z0-9:_.#-])", got)
		}
		if !ValidNamespace(tt.ns) {
			t.Errorf("ValidNamespace(%q) = false", tt.ns)
		}
	}
	// Pinned, so a change of the derivation (which would orphan every live
	// order) cannot go unnoticed.
	if got, want := ClientOrderID("default", "order.btc_bid"), "of:default:"+hexPrefix("default\x00order.btc_bid"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := ClientOrderID("btc-grid", `order.btc_bid["l1"]`); got != "of:btc-grid:ff2266a37c616ea5" {
		t.Errorf("pinned id changed: %q", got)
	}
	for _, ns := range []string{"", "abcdefghijklm", "Upper", "a b", "a:b"} {
		if ValidNamespace(ns) {
			t.Errorf("ValidNamespace(%q) = true", ns)
		}
	}
}

func hexPrefix(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

func TestAddress(t *testing.T) {
	tests := []struct {
		key  instanceKey
		want string
	}{
		{instanceKey{}, "order.x"},
		{instanceKey{kind: 'i', index: 3}, "order.x[3]"},
		{instanceKey{kind: 's', str: "l1"}, `order.x["l1"]`},
		{instanceKey{kind: 's', str: "a\"b\\c\n${d}%{e}\x01"}, `order.x["a\"b\\c\n$${d}%%{e}\u0001"]`},
	}
	for _, tt := range tests {
		if got := address("x", tt.key); got != tt.want {
			t.Errorf("address(%+v) = %s, want %s", tt.key, got, tt.want)
		}
	}
}

func TestMovedAddressesRoundTrip(t *testing.T) {
	dir := writeDir(t, map[string]string{"main.hcl": `
moved {
  from = order.a["x y"]
  to   = order.b["x y"]
}
moved {
  from = order.c[2]
  to   = order.b["z"]
}
order "b" {
  for_each = toset(["x y", "z"])
  symbol   = "btcusd"
  side     = "buy"
  amount   = 1
  price    = 1
}
`})
	c := mustLoad(t, dir, Options{})
	var got []string
	for _, m := range c.Moved {
		got = append(got, m.From+" -> "+m.To)
		if m.FromClientOrderID != ClientOrderID("default", m.From) || m.ToClientOrderID != ClientOrderID("default", m.To) {
			t.Errorf("client order ids of %+v", m)
		}
	}
	want := []string{`order.a["x y"] -> order.b["x y"]`, `order.c[2] -> order.b["z"]`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("moved (-want +got):\n%s", diff)
	}
	orders, _ := c.Orders(nil)
	if orders[0].Address != `order.b["x y"]` {
		t.Errorf("address %s", orders[0].Address)
	}
}
