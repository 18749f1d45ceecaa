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
			cache := &rulesCache{path: filepath.Join(dir, "symbols.json"), Fetched: map[string]time.Time{}, Rules: map[string]plan.SymbolRules{}}
			cache.put(plan.SymbolRules{Symbol: "btcusd"}, time.Now())
			if err := cache.save(); err != nil {
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
			_, statErr := os.Stat(cache.path)
			if dropped := os.IsNotExist(statErr); dropped != tc.dropsCache {
				t.Errorf("cache dropped = %v, want %v", dropped, tc.dropsCache)
			}
		})
	}
}

// Symbol rules are cached for a day; a damaged cache is only a cache.
func TestRulesCache(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	c := loadRulesCache(dir)
	c.put(plan.SymbolRules{Symbol: "btcusd", PriceIncrement: decimal.RequireFromString("0.01")}, t0)
	if err := c.save(); err != nil {
		t.Fatal(err)
	}
	c = loadRulesCache(dir)
	if r, ok := c.get("btcusd", t0.Add(23*time.Hour)); !ok || !r.PriceIncrement.Equal(decimal.RequireFromString("0.01")) {
		t.Errorf("a day-old entry: got %+v, %v", r, ok)
	}
	if _, ok := c.get("btcusd", t0.Add(25*time.Hour)); ok {
		t.Error("an entry older than a day was served")
	}
	if _, ok := c.get("btcusd", t0.Add(-time.Hour)); ok {
		t.Error("an entry from the future (clock moved back) was served")
	}
	if st, err := os.Stat(filepath.Join(dir, "symbols.json")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("cache file mode: %v %v", st, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "symbols.json"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok := loadRulesCache(dir).get("btcusd", t0); ok {
		t.Error("a damaged cache served an entry")
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
