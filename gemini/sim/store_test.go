package sim

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPersistence(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".orderform", "local.json")
	s, c := start(t, Options{StatePath: path})
	rest := c.order(t, map[string]any{"client_order_id": "keep-me"})
	c.order(t, map[string]any{"price": "65000.00"}) // fills
	if err := s.SetMarket("ethusd", d("3000.00"), d("3000.10")); err != nil {
		t.Fatal(err)
	}
	if err := s.Fund("usd", d("-1000")); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", e.Name(), fi.Mode().Perm())
		}
	}
	if diff := cmp.Diff([]string{"local.json", "local.json.journal", "local.json.lock"}, names); diff != "" {
		t.Errorf("state directory (-want +got):\n%s", diff)
	}

	s2, err := New(Options{Keys: testKeys, StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s.Orders(), s2.Orders()); diff != "" {
		t.Errorf("orders after reload (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(s.Balances(), s2.Balances()); diff != "" {
		t.Errorf("balances after reload (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(s.Markets(), s2.Markets()); diff != "" {
		t.Errorf("markets after reload (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(s.Trades(), s2.Trades()); diff != "" {
		t.Errorf("trades after reload (-before +after):\n%s", diff)
	}

	// The reloaded exchange goes on: the same book, new ids, nonces remembered.
	url, stop, err := Serve(context.Background(), s2, "")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	c2 := newClient(url, testKeys[0])
	c2.nonces = c.nonces
	st := c2.post(t, "/v1/order/status", map[string]any{"client_order_id": "keep-me"}).array()
	if len(st) != 1 || st[0]["order_id"] != rest["order_id"] {
		t.Errorf("status after reload: %v", st)
	}
	o := c2.order(t, nil)
	if o["order_id"].(string) <= rest["order_id"].(string) {
		t.Errorf("new id %v not above %v", o["order_id"], rest["order_id"])
	}
	c2.nonces = &nonceBook{last: map[string]int64{}} // forget: start again from the clock, below the stored nonce
	c2.nonces.last[testKeys[0].Key] = 1
	r := c2.postRaw(t, "/v1/orders", []byte(`{"request":"/v1/orders","nonce":2}`), nil)
	if r.reason() != ReasonInvalidNonce {
		t.Errorf("old nonce after reload: %d %s", r.status, r.body)
	}
}

func TestBadStateFiles(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, content, want string }{
		{"corrupt.json", `{"format":"orderform-sim-state","version":1,"orders":[`, "is corrupt"},
		{"empty.json", ``, "is corrupt"},
		{"foreign.json", `{"name":"something else"}`, "is not an orderform simulator state file"},
		{"array.json", `[1,2,3]`, "is corrupt"},
		{"future.json", `{"format":"orderform-sim-state","version":99}`, "format version 99"},
		{"negative.json", `{"format":"orderform-sim-state","version":1,"next_order_id":"9007199254740993","balances":{"USD":{"amount":"-5","held":"0"}}}`, "balance USD is inconsistent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := New(Options{StatePath: path})
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New on %s: %v; want an error naming the file and saying %q", tc.name, err, tc.want)
			}
			if got, _ := os.ReadFile(path); string(got) != tc.content {
				t.Errorf("%s was overwritten", tc.name)
			}
		})
	}
}
