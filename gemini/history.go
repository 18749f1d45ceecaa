package gemini

import (
	"context"
	"errors"
	"fmt"
	"sort"
)

// maxHistoryLimit is Gemini's largest page of order history.
const maxHistoryLimit = 500

// OrdersHistory returns one page of closed orders, newest first (POST
// /v1/orders/history).
func (c *Client) OrdersHistory(ctx context.Context, q HistoryQuery) ([]Order, error) {
	call := "read order history"
	if q.Symbol != "" {
		call += " of " + q.Symbol
		if err := checkSymbol(q.Symbol); err != nil {
			return nil, fmt.Errorf("%s: %w", call, err)
		}
	}
	if q.Limit < 0 || q.Limit > maxHistoryLimit {
		return nil, fmt.Errorf("%s: limit %d is not within 0..%d", call, q.Limit, maxHistoryLimit)
	}
	if q.Since < 0 {
		return nil, fmt.Errorf("%s: negative start time %d", call, q.Since)
	}
	var fields []field
	if q.Symbol != "" {
		fields = append(fields, field{"symbol", q.Symbol})
	}
	if q.Limit > 0 {
		fields = append(fields, field{"limit_orders", q.Limit})
	}
	// Gemini's paging walk starts at timestamp 0, so 0 is sent too.
	fields = append(fields, field{"timestamp", q.Since})
	var w []wireOrder
	if err := c.do(ctx, request{call: call, path: "/v1/orders/history", private: true, read: true, fields: fields}, &w); err != nil {
		return nil, err
	}
	return orders(w), nil
}

// maxHistoryPages bounds AllOrdersHistory: 100 full pages are 50,000
// orders, 20 s at the default private pace.
const maxHistoryPages = 100

// minHistoryCap is the smallest page Gemini is assumed to cap history at
// without saying so: its own default page (50 orders). It only serves to tell
// a page cut by the cap within one millisecond from a few orders that
// happen to share one.
const minHistoryCap = 50

// ErrHistoryTruncated is returned, wrapped and with the orders read so far,
// when AllOrdersHistory stops at its page limit.
var ErrHistoryTruncated = errors.New("order history is longer than orderform reads in one walk; start it later")

// AllOrdersHistory returns every closed order of symbol after since
// (timestampms; 0 = from the start), newest first. It walks pages forward by
// timestamp as Gemini documents, until an empty page: each page asks for
// up to 500 orders after the newest timestampms seen so far, inclusive, and
// orders are de-duplicated by order id, so orders sharing a millisecond are
// not lost whichever way Gemini compares. A page that brings nothing new
// holds only that millisecond's orders; then, as Gemini's recipe has it, the
// orders after newest+1 are asked for, and the walk ends when that page is
// empty. A page shorter than 500 never ends the walk by itself: Gemini may
// cap pages below the limit asked without saying so.
//
// The walk is only sound if a request with a timestamp answers the oldest
// orders after it; the reference (§3.12) marks that AMBIGUOUS, and a Gemini
// that answers the newest ones instead would end the walk after one page
// with the older orders silently missing. So when the first page is full,
// one more request for the single order after since tells the two apart:
// it is the oldest order (the walk is sound) or the newest (it is not, and
// ErrHistoryTruncated is returned). More orders in one millisecond than a
// page holds cannot be walked past: newest+1 finding orders the inclusive
// page did not show means exactly that, and so does a page of one
// millisecond's orders, none new, as long as the longest page of the walk
// (so possibly cut by the cap) and at least minHistoryCap long. Both are
// ErrHistoryTruncated, as is a walk longer than maxHistoryPages. (A
// Gemini that both answered newest first and capped pages below 500 could
// not be walked at all, and is not detected.)
func (c *Client) AllOrdersHistory(ctx context.Context, symbol string, since int64) ([]Order, error) {
	seen := map[string]bool{}
	var all []Order
	cursor := since
	after := false // the last page brought nothing new: ask from cursor+1
	longest := 0   // the longest page so far: the cap is at least this
	truncated := fmt.Errorf("read order history of %s: %w", symbol, ErrHistoryTruncated)
	for page := range maxHistoryPages {
		from := cursor
		if after {
			from = cursor + 1
		}
		got, err := c.OrdersHistory(ctx, HistoryQuery{Symbol: symbol, Since: from, Limit: maxHistoryLimit})
		if err != nil {
			return sortNewestFirst(all), err
		}
		if len(got) == 0 {
			return sortNewestFirst(all), nil // the empty page: the end
		}
		longest = max(longest, len(got))
		added := 0
		for _, o := range got {
			if seen[o.OrderID] {
				continue
			}
			seen[o.OrderID] = true
			all = append(all, o)
			added++
			cursor = max(cursor, o.TimestampMS)
		}
		switch {
		case after:
			// Orders after the millisecond whose page brought nothing new:
			// that page was cut by the cap within one millisecond, and
			// what it left out cannot be read.
			return sortNewestFirst(all), truncated
		case added == 0 && len(got) == longest && len(got) >= minHistoryCap:
			// Only the newest millisecond's orders, as many as the cap
			// may be: there may be more of that millisecond.
			return sortNewestFirst(all), truncated
		case added == 0:
			after = true
		case page == 0 && len(got) >= maxHistoryLimit:
			if err := c.historyPagesForward(ctx, symbol, since, got); err != nil {
				return sortNewestFirst(all), err
			}
		}
	}
	return sortNewestFirst(all), truncated
}

// historyPagesForward checks, after a full first page, that Gemini answers a
// history request with a timestamp with the oldest orders after it: the one
// order it gives for since must be the oldest of that first page.
func (c *Client) historyPagesForward(ctx context.Context, symbol string, since int64, first []Order) error {
	oldest, newest := first[0].TimestampMS, first[0].TimestampMS
	for _, o := range first {
		oldest, newest = min(oldest, o.TimestampMS), max(newest, o.TimestampMS)
	}
	probe, err := c.OrdersHistory(ctx, HistoryQuery{Symbol: symbol, Since: since, Limit: 1})
	if err != nil {
		return err
	}
	if oldest == newest || len(probe) != 1 || probe[0].TimestampMS != oldest {
		return fmt.Errorf("read order history of %s: Gemini does not page it oldest first: %w", symbol, ErrHistoryTruncated)
	}
	return nil
}

func sortNewestFirst(os []Order) []Order {
	sort.SliceStable(os, func(i, j int) bool { return os[i].TimestampMS > os[j].TimestampMS })
	return os
}
