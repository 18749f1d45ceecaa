package sim

import (
	"fmt"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/shopspring/decimal"
)

// bookWith returns a state file holding n resting orders (and funds for
// many more), as an apply of n orders leaves it.
func bookWith(tb testing.TB, n int) string {
	tb.Helper()
	s, err := New(Options{Keys: testKeys})
	if err != nil {
		tb.Fatal(err)
	}
	if err := s.Fund("USD", decimal.NewFromInt(1_000_000_000)); err != nil {
		tb.Fatal(err)
	}
	s.mu.Lock()
	for i := range n {
		o := &order{ClientID: fmt.Sprintf("of:bench:%016x", i), Symbol: "btcusd", Side: "buy", Type: typeLimit,
			Price: decimal.NewFromInt(int64(1000 + i%1000)), Original: d("0.001"), Options: []string{}, APIKey: testKeys[0].Key}
		if e := s.accept(o); e != nil {
			tb.Fatal(e)
		}
	}
	path := filepath.Join(tb.TempDir(), "local.json")
	err = saveState(path, s.st)
	s.mu.Unlock()
	if err != nil {
		tb.Fatal(err)
	}
	return path
}

// BenchmarkPlaceStateFile measures order/new over HTTP against a simulator
// that keeps its book in a state file already holding N orders: what an
// apply against the local exchange costs per placement.
func BenchmarkPlaceStateFile(b *testing.B) {
	for _, n := range []int{0, 1000, 5000} {
		b.Run("orders="+strconv.Itoa(n), func(b *testing.B) {
			path := bookWith(b, n)
			_, c := start(b, Options{StatePath: path})
			b.ResetTimer()
			for i := range b.N {
				r := c.post(b, "/v1/order/new", map[string]any{"client_order_id": fmt.Sprintf("of:new:%016x", i),
					"symbol": "btcusd", "side": "buy", "type": "exchange limit", "amount": "0.001", "price": "2000.00"})
				if r.status != 200 {
					b.Fatalf("order/new: %d %s", r.status, r.body)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "placements/s")
		})
	}
}
