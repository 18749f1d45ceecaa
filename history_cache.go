package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

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
var historyMargin = 10 * time.Minute

type historyCache struct {
	path    string
	Version int                       `json:"version"`
	Since   int64                     `json:"since"`  // ORDERFORM_HISTORY_SINCE it was built with
	Cursor  int64                     `json:"cursor"` // Unix ms where the next walk starts
	Orders  map[string]plan.LiveOrder `json:"orders"` // the newest closed order per of: client order id
}

var cacheableSymbol = regexp.MustCompile(`^[a-z0-9]{1,32}$`)

// loadHistoryCache returns the symbol's cache, or an empty one starting at
// since when there is none, it is damaged, or it was built from another
// start.
func loadHistoryCache(dir, symbol string, since int64) *historyCache {
	c := &historyCache{Version: 1, Since: since, Cursor: since, Orders: map[string]plan.LiveOrder{}}
	if dir == "" || !cacheableSymbol.MatchString(symbol) {
		return c
	}
	c.path = filepath.Join(dir, "history", symbol+".json")
	b, err := os.ReadFile(c.path)
	if err != nil {
		return c
	}
	var disk historyCache
	if json.Unmarshal(b, &disk) != nil || disk.Version != 1 || disk.Since != since || disk.Orders == nil || disk.Cursor < since {
		return c
	}
	c.Cursor, c.Orders = disk.Cursor, disk.Orders
	return c
}

// add records the closed orders of a walk.
func (c *historyCache) add(o plan.LiveOrder) {
	if o.IsLive || !strings.HasPrefix(o.ClientOrderID, "of:") {
		return
	}
	if prev, ok := c.Orders[o.ClientOrderID]; !ok || newer(o, prev) {
		c.Orders[o.ClientOrderID] = o
	}
}

// advance moves the cursor after a walk, given the orders live when the
// book was read and readAt, a time on the exchange's clock (Unix ms) not
// after the read; 0 when unknown, which keeps the cursor where it is.
func (c *historyCache) advance(live []plan.LiveOrder, symbol string, readAt int64) {
	if readAt <= 0 {
		return
	}
	cursor := readAt - historyMargin.Milliseconds()
	for _, l := range live {
		// One millisecond earlier: whether a walk's start is inclusive is
		// not documented, and this order must be in the next walk.
		if l.Symbol == symbol && l.TimestampMS > 0 && strings.HasPrefix(l.ClientOrderID, "of:") {
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
		_ = writeFileAtomic(c.path, b) // only a cache
	}
}
