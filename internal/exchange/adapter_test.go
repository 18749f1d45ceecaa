package exchange

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"orderform/apply"
	"orderform/gemini"
	"orderform/internal/exchange/cache"
	"orderform/plan"
)

// An order refused for its increments drops the cached symbol rules, so
// the next plan reads them afresh; an answer lost after sending is marked
// ambiguous for apply; other refusals are not.
func TestExchangeAdapterErrors(t *testing.T) {
	for _, tc := range []struct {
		name          string
		status        int
		body          string
		dropsCache    bool
		wantAmbiguous bool
	}{
		{"off increment", 400, `{"result":"error","reason":"InvalidPrice","message":"Invalid price for symbol BTCUSD: 1000.001"}`, true, false},
		{"insufficient funds", 406, `{"result":"error","reason":"InsufficientFunds","message":"no"}`, false, false},
		{"server error", 503, `{"result":"error","reason":"Maintenance","message":"down"}`, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			}))
			t.Cleanup(srv.Close)
			c, err := gemini.New(gemini.Config{BaseURL: srv.URL, APIKey: "account-test", APISecret: "s", PrivateRate: -1, PublicRate: -1})
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			rules := cache.Open(dir, nil).Rules()
			rules.Put(plan.SymbolRules{Symbol: "btcusd"}, time.Now())
			rules.Save()
			rulesFile := filepath.Join(dir, "symbols.json")
			if _, err := os.Stat(rulesFile); err != nil {
				t.Fatal(err)
			}
			x := Adapter{Client: c, CacheDir: dir}
			_, err = x.Place(context.Background(), plan.Order{ClientOrderID: "of:t:0123456789abcdef", Symbol: "btcusd", Side: "buy", Type: "limit",
				Amount: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("1000.001")})
			if err == nil {
				t.Fatal("want an error")
			}
			if got := errors.Is(err, apply.ErrAmbiguous); got != tc.wantAmbiguous {
				t.Errorf("ambiguous = %v, want %v (%v)", got, tc.wantAmbiguous, err)
			}
			_, statErr := os.Stat(rulesFile)
			if dropped := os.IsNotExist(statErr); dropped != tc.dropsCache {
				t.Errorf("cache dropped = %v, want %v", dropped, tc.dropsCache)
			}
		})
	}
}

func TestHistorySince(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"", 0, true},
		{"2026-01-31", time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC).UnixMilli(), true},
		{"2026-01-31T12:00:00Z", time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC).UnixMilli(), true},
		{"2026-01-31T12:00:00+01:00", time.Date(2026, 1, 31, 11, 0, 0, 0, time.UTC).UnixMilli(), true},
		{"31/01/2026", 0, false},
		{"1700000000", 0, false},
	} {
		got, err := historySince(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("historySince(%q) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
