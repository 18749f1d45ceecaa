package cache

import (
	"regexp"
	"slices"
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
//   - T less a margin (10 minutes, exchange.WithHistoryMargin), for an order placed by another process around T,
//     live during the walk yet not in the book that was read.
//
// T is known from below only: the newest timestamp among the live orders
// read (each placed before the book was read), or the exchange's clock as
// the client learned it from its answers (gemini.Client.ClockBounds), whichever is
// later. Neither can run ahead of the exchange, so a fast local clock moves
// no cursor past an order. A lost or damaged cache only costs a full walk.

// History is the closed-order history cache of one symbol, loaded by
// Store.History.
type History struct {
	store   Store
	symbol  string
	path    string
	Version int   `json:"version"`
	Since   int64 `json:"since"`  // ORDERFORM_HISTORY_SINCE it was built with
	Cursor  int64 `json:"cursor"` // Unix ms where the next walk starts
	// Orders holds, per of: client order id, the closed orders that fill
	// accounting needs (compact): an address's history is all its orders.
	Orders map[string][]plan.LiveOrder `json:"orders"`
}

// historyVersion 2 keeps every order that counts per client order id;
// version 1 kept only the newest, and is rebuilt by a full walk.
const historyVersion = 2

var cacheableSymbol = regexp.MustCompile(`^[a-z0-9]{1,32}$`)

// History returns the symbol's cache, or an empty one starting at since
// when there is none, it is damaged, or it was built from another start.
func (d Store) History(symbol string, since int64) *History {
	c := &History{store: d, symbol: symbol, Version: historyVersion, Since: since, Cursor: since, Orders: map[string][]plan.LiveOrder{}}
	if !cacheableSymbol.MatchString(symbol) {
		return c
	}
	c.path = d.file("history", symbol+".json")
	var disk History
	if !read(c.path, &disk) || disk.Version != historyVersion || disk.Since != since || disk.Orders == nil || disk.Cursor < since {
		return c
	}
	c.Cursor, c.Orders = disk.Cursor, disk.Orders
	return c
}

// HistoryCursor is where the next history walk of symbol starts (Unix ms
// on the exchange's clock), from the cache in dir; since when there is none.
func HistoryCursor(dir, symbol string, since int64) int64 {
	return Open(dir, nil).History(symbol, since).Cursor
}

// Add records the closed orders of a walk: every one under an of: client
// order id, once (a walk from the cursor reads some again), then compacts
// what each id keeps.
func (c *History) Add(orders []plan.LiveOrder) {
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
		c.Orders[id] = compact(c.Orders[id])
	}
}

// compact keeps, of one client order id's closed orders, what fill
// accounting (plan/fills.go) reads: the newest order (what the address last
// did), the newest one that filled completely (it ended a cycle, and with
// on_fill = "done" the address), and every order with a fill placed after
// it (the current cycle). Orders before a complete fill belong to cycles
// that are over; cancels that filled nothing change no amount.
func compact(hs []plan.LiveOrder) []plan.LiveOrder {
	slices.SortFunc(hs, func(a, b plan.LiveOrder) int {
		switch {
		case Newer(b, a):
			return -1
		case Newer(a, b):
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

// Newer reports whether a was placed after b, in the order the exchange's
// history lists orders (timestamp, then order id).
func Newer(a, b plan.LiveOrder) bool {
	if a.TimestampMS != b.TimestampMS {
		return a.TimestampMS > b.TimestampMS
	}
	if len(a.OrderID) != len(b.OrderID) {
		return len(a.OrderID) > len(b.OrderID)
	}
	return a.OrderID > b.OrderID
}

// Advance moves the cursor after a walk, given the orders live when the
// book was read and readAt, a time on the exchange's clock (Unix ms) not
// after the read; 0 when unknown, which keeps the cursor where it is.
// margin is how far before readAt the next walk starts (see above).
func (c *History) Advance(live []plan.LiveOrder, symbol string, readAt int64, margin time.Duration) {
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

// Save writes the cache (see the package comment for failures).
func (c *History) Save() {
	c.store.save("history of "+c.symbol, c.path, c, false)
}
