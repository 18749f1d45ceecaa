package cache

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"orderform/plan"
)

// A walk's orders are kept per of: client order id, compacted, and found
// again by the next load; a cache built from another start, or of another
// version, is rebuilt from since.
func TestHistoryCache(t *testing.T) {
	dir := t.TempDir()
	one := decimal.New(1, 0)
	h := Open(dir, nil).History("btcusd", 1000)
	h.Add([]plan.LiveOrder{
		{OrderID: "1", ClientOrderID: "of:a", TimestampMS: 2000, ExecutedAmount: one},
		{OrderID: "2", ClientOrderID: "of:a", TimestampMS: 3000, IsCancelled: true},
		{OrderID: "3", ClientOrderID: "other", TimestampMS: 3000, ExecutedAmount: one},
		{OrderID: "4", ClientOrderID: "of:b", TimestampMS: 3000, IsLive: true},
	})
	h.Advance([]plan.LiveOrder{{Symbol: "btcusd", ClientOrderID: "of:c", TimestampMS: 4000}}, "btcusd", 9000, time.Second)
	h.Save()

	got := Open(dir, nil).History("btcusd", 1000)
	if got.Cursor != 3999 {
		t.Errorf("cursor %d, want 3999 (before the live order)", got.Cursor)
	}
	if len(got.Orders) != 1 || len(got.Orders["of:a"]) != 2 {
		t.Errorf("orders: %+v", got.Orders)
	}
	if c := HistoryCursor(dir, "btcusd", 500); c != 500 {
		t.Errorf("another start: cursor %d, want 500", c)
	}
	if c := HistoryCursor(dir, "BTC/USD", 1000); c != 1000 {
		t.Errorf("an uncacheable symbol: cursor %d", c)
	}
	path := filepath.Join(dir, "history", "btcusd.json")
	if err := os.WriteFile(path, []byte(`{"version":1,"since":1000,"cursor":5000,"orders":{}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if c := HistoryCursor(dir, "btcusd", 1000); c != 1000 {
		t.Errorf("a version 1 cache: cursor %d, want 1000", c)
	}
}
