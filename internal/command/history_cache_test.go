package command

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"orderform/gemini"
	"orderform/gemini/sim"
	"orderform/internal/exchange/cache"
)

// A history walk starts where the last one left off, but never after an
// order that was live when the book was read: that order may fill later,
// and the history lists orders by when they were placed. Without that rule
// the fill of order.a below would be missed and the order bought twice.
func TestHistoryCacheNeverSkipsAnOrderThatWasLive(t *testing.T) {
	t.Parallel()
	e := newE2E(t, e2eOptions{})
	e.noHistoryMargin = true // so that only the live-order rule protects order.a
	a := bid{name: "a", price: "3000"}
	e.configure([]bid{a})
	e.mustRun(exitOK, "apply", "-auto-approve", e.dir)
	time.Sleep(5 * time.Millisecond)

	// A hand-made order that fills at once: the newest order in the history.
	c := e.otherClient()
	if _, err := c.NewOrder(context.Background(), gemini.NewOrder{Symbol: "ethusd", Side: "buy", Type: gemini.TypeLimit, Amount: d("0.01"), Price: d("3300")}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)

	// order.b is new, so this plan walks the history, seeing the hand-made
	// order, newer than order.a, which is live.
	e.configure([]bid{a, {name: "b", price: "2000"}})
	e.mustRun(exitChanges, "plan", "-detailed-exitcode", e.dir)

	// The market falls through order.a: it fills.
	if err := e.sim.SetMarket("ethusd", d("2900"), d("2900.5")); err != nil {
		t.Fatal(err)
	}
	r := e.mustRun(exitChanges, "plan", "-detailed-exitcode", e.dir)
	if !strings.Contains(r.stdout, `order.a: the last order`) {
		t.Errorf("order.a's fill was not seen:\n%s", r)
	}
	if strings.Contains(r.stdout, "order.a will be placed") {
		t.Errorf("order.a filled, yet the plan places it again:\n%s", r)
	}
	if !strings.Contains(r.stdout, "Plan: 1 to place") {
		t.Errorf("want only order.b placed:\n%s", r)
	}
}

// The cache is used: a second walk starts later than the first, and a
// damaged cache file is only a cache.
func TestHistoryCacheStartsLater(t *testing.T) {
	e := newE2E(t, e2eOptions{})
	e.configure([]bid{{name: "a", price: "1000"}})
	e.mustRun(exitChanges, "plan", "-detailed-exitcode", e.dir)
	path := filepath.Join(e.env["ORDERFORM_CACHE_DIR"])
	var files []string
	filepath.WalkDir(path, func(p string, de os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, filepath.Join("history", "ethusd.json")) {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 1 {
		t.Fatalf("history cache files: %v", files)
	}
	cursor := cache.HistoryCursor(filepath.Dir(filepath.Dir(files[0])), "ethusd", 0)
	if cursor <= 0 {
		t.Errorf("cursor %d: the next walk starts at the beginning again", cursor)
	}
	if err := os.WriteFile(files[0], []byte("{broken"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.mustRun(exitChanges, "plan", "-detailed-exitcode", e.dir)
	if cursor := cache.HistoryCursor(filepath.Dir(filepath.Dir(files[0])), "ethusd", 0); cursor <= 0 {
		t.Errorf("a damaged cache was not rebuilt: cursor %d", cursor)
	}
}

// History cursors are on the exchange's clock. With the local clock 15
// minutes ahead of the exchange's, a cursor taken from the local clock
// (less the 10-minute margin) lies in the exchange's future: the next walk
// starts after an order placed since, and its fill is missed.
func TestHistoryCursorUsesTheExchangesClock(t *testing.T) {
	for _, skew := range []time.Duration{15 * time.Minute, -15 * time.Minute} {
		t.Run(fmt.Sprintf("local clock %+v", skew), func(t *testing.T) {
			// The exchange's clock is the local one less skew.
			e := newE2E(t, e2eOptions{sim: sim.Options{Now: func() time.Time { return time.Now().Add(-skew) }}})
			a := bid{name: "a", price: "3000"}
			e.configure([]bid{a})
			e.mustRun(exitChanges, "plan", "-detailed-exitcode", e.dir) // walks, moves the cursor
			e.mustRun(exitOK, "apply", "-auto-approve", e.dir)
			if err := e.sim.SetMarket("ethusd", d("2900"), d("2900.5")); err != nil { // order.a fills
				t.Fatal(err)
			}
			r := e.run(context.Background(), "plan", "-detailed-exitcode", e.dir)
			if strings.Contains(r.stdout, "order.a will be placed") || !strings.Contains(r.stdout, "order.a: ") {
				t.Fatalf("order.a filled, yet the plan does not see it:\n%s", r)
			}
			r = e.run(context.Background(), "apply", "-auto-approve", e.dir)
			if !strings.Contains(r.stdout, "No changes.") {
				t.Errorf("apply after the fill:\n%s", r)
			}
		})
	}
}
