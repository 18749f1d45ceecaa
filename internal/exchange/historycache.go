package exchange

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"orderform/internal/atomicfile"
	"orderform/plan"
)

// The closed-order history of an old account is long, and a plan reads it
// for every symbol with a declared order that is not live. Closed orders
// never change, so what a walk found is kept per exchange and symbol, and
// the next walk starts where it is safe to start. Every time here is the
// exchange's (timestampms), never the local clock's, which may be minutes
// off. A walk made after the book was read at exchange time T has seen
// every order placed before T that was closed by then; an order placed
// before T that was still live is in the book. So the next walk may start
// at T, but no later than
//
//   - just before the oldest order of orderform's that was live at T (it may
//     close later, and the history lists orders by when they were placed),
//     and
//   - T less historyMargin, for an order placed by another process around T,
//     live during the walk yet not in the book that was read.
//
// T is known from below only: the newest timestamp among the live orders
// read (each placed before the book was read), or the exchange's clock as the client
// learned it from its answers (gemini.Client.ClockBounds), whichever is
// later. Neither can run ahead of the exchange, so a fast local clock moves
// no cursor past an order. A lost or damaged cache only costs a full walk.
// historyMargin is how far before the last read the next walk starts,
// unless the context says otherwise (WithHistoryMargin).
const historyMargin = 10 * time.Minute

type historyMarginKey struct{}

// WithHistoryMargin returns ctx under which history walks start margin
// before the last read instead of 10 minutes. Only tests that place nothing
// beside the run under test use it (0), to exercise the cursor rules alone.
func WithHistoryMargin(ctx context.Context, margin time.Duration) context.Context {
	return context.WithValue(ctx, historyMarginKey{}, margin)
}

func marginOf(ctx context.Context) time.Duration {
	if m, ok := ctx.Value(historyMarginKey{}).(time.Duration); ok {
		return m
	}
	return historyMargin
}

type historyCache struct {
	path    string
	Version int   `json:"version"`
	Since   int64 `json:"since"`  // ORDERFORM_HISTORY_SINCE it was built with
	Cursor  int64 `json:"cursor"` // Unix ms where the next walk starts
	// Orders holds, per of: client order id, the closed orders that fill
	// accounting needs (compact): an address's history is all its orders.
	Orders map[string][]plan.LiveOrder `json:"orders"`
}

// historyCacheVersion 2 keeps every order that counts per client order id;
// version 1 kept only the newest, and is rebuilt by a full walk.
const historyCacheVersion = 2

var cacheableSymbol = regexp.MustCompile(`^[a-z0-9]{1,32}$`)

// loadHistoryCache returns the symbol's cache, or an empty one starting at
// since when there is none, it is damaged, or it was built from another
// start.
func loadHistoryCache(dir, symbol string, since int64) *historyCache {
	c := &historyCache{Version: historyCacheVersion, Since: since, Cursor: since, Orders: map[string][]plan.LiveOrder{}}
	if dir == "" || !cacheableSymbol.MatchString(symbol) {
		return c
	}
	c.path = filepath.Join(dir, "history", symbol+".json")
	b, err := os.ReadFile(c.path)
	if err != nil {
		return c
	}
	var disk historyCache
	if json.Unmarshal(b, &disk) != nil || disk.Version != historyCacheVersion || disk.Since != since || disk.Orders == nil || disk.Cursor < since {
		return c
	}
	c.Cursor, c.Orders = disk.Cursor, disk.Orders
	return c
}

// add records the closed orders of a walk: every one under an of: client
// order id, once (a walk from the cursor reads some again), then compacts
// what each id keeps.
func (c *historyCache) add(orders []plan.LiveOrder) {
	touched := map[string]bool{}
	for _, o := range orders {
		if o.IsLive || !strings.HasPrefix(o.ClientOrderID, plan.IDPrefix) {
			continue
		}
		hs := c.Orders[o.ClientOrderID]
		i := slices.IndexFunc(hs, func(h plan.LiveOrder) bool { return h.OrderID == o.OrderID })
		if i >= 0 {
			hs[i] = o
		} else {
			hs = append(hs, o)
		}
		c.Orders[o.ClientOrderID] = hs
		touched[o.ClientOrderID] = true
	}
	for id := range touched {
		c.Orders[id] = compactHistory(c.Orders[id])
	}
}

// compactHistory keeps, of one client order id's closed orders, what fill
// accounting (plan/fills.go) reads: the newest order (what the address last
// did), the newest one that filled completely (it ended a cycle, and with
// on_fill = "done" the address), and every order with a fill placed after
// it (the current cycle). Orders before a complete fill belong to cycles
// that are over; cancels that filled nothing change no amount.
func compactHistory(hs []plan.LiveOrder) []plan.LiveOrder {
	slices.SortFunc(hs, func(a, b plan.LiveOrder) int {
		switch {
		case newer(b, a):
			return -1
		case newer(a, b):
			return 1
		}
		return 0
	})
	lastFull := -1
	for i, h := range hs {
		if !h.IsCancelled && h.ExecutedAmount.IsPositive() {
			lastFull = i
		}
	}
	out := hs[:0]
	for i, h := range hs {
		if i == len(hs)-1 || i == lastFull || (i > lastFull && h.ExecutedAmount.IsPositive()) {
			out = append(out, h)
		}
	}
	return out
}

// advance moves the cursor after a walk, given the orders live when the
// book was read and readAt, a time on the exchange's clock (Unix ms) not
// after the read; 0 when unknown, which keeps the cursor where it is.
func (c *historyCache) advance(live []plan.LiveOrder, symbol string, readAt int64, margin time.Duration) {
	if readAt <= 0 {
		return
	}
	cursor := readAt - margin.Milliseconds()
	for _, l := range live {
		// One millisecond earlier: whether a walk's start is inclusive is
		// not documented, and this order must be in the next walk.
		if l.Symbol == symbol && l.TimestampMS > 0 && strings.HasPrefix(l.ClientOrderID, plan.IDPrefix) {
			cursor = min(cursor, l.TimestampMS-1)
		}
	}
	c.Cursor = max(cursor, c.Since)
}

func (c *historyCache) save() {
	if c.path == "" {
		return
	}
	if b, err := json.Marshal(c); err == nil {
		_ = atomicfile.Write(c.path, b) // only a cache
	}
}

// HistoryCursor is where the next history walk of symbol starts (Unix ms
// on the exchange's clock), from the cache in dir; since when there is none.
func HistoryCursor(dir, symbol string, since int64) int64 {
	return loadHistoryCache(dir, symbol, since).Cursor
}
