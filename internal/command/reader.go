package command

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"orderform/gemini"
	"orderform/plan"
)

// snapshot is what one plan reads from the exchange.
type snapshot struct {
	live     []plan.LiveOrder
	balances map[string]plan.Balance
	rules    map[string]plan.SymbolRules
	tickers  map[string]plan.Ticker
	unknown  map[string]error // symbols the exchange does not list
	roles    gemini.Roles     // the API key's
}

// readNeeds says what a plan must read besides orders and balances.
type readNeeds struct {
	symbols []string // symbol rules for these
	tickers []string // bid/ask for these
	// trade is set for apply and destroy: the key must be able to place
	// and cancel (the Trader role), not only read (Auditor).
	trade bool
}

// readExchange reads the account and the market: the active orders and the
// balances once each (private), and per symbol its rules (from the on-disk
// cache when fresh) and, where needed, its ticker (public). Public reads run
// concurrently; the client paces them under the exchange's limits.
func readExchange(ctx context.Context, conn *connection, needs readNeeds, now time.Time) (*snapshot, error) {
	snap := &snapshot{
		balances: map[string]plan.Balance{},
		rules:    map[string]plan.SymbolRules{},
		tickers:  map[string]plan.Ticker{},
		unknown:  map[string]error{},
	}
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		errs    []error
		fail    = func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() }
		cache   = loadRulesCache(conn.cacheDir)
		fetched bool
	)
	for _, sym := range needs.symbols {
		// Goroutines started for earlier symbols write the cache and the
		// snapshot under mu while this loop reads them.
		mu.Lock()
		r, ok := cache.get(sym, now)
		if ok {
			snap.rules[sym] = r
		}
		mu.Unlock()
		if ok {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := conn.client.SymbolDetails(ctx, sym)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil && isUnknownSymbol(err):
				snap.unknown[sym] = err
			case err != nil:
				errs = append(errs, fmt.Errorf("read the rules of symbol %s: %w", sym, err))
			default:
				r := rulesFromGemini(sym, d)
				snap.rules[sym] = r
				cache.put(r, now)
				fetched = true
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := readTickers(ctx, conn, needs.tickers, snap, &mu); err != nil {
			fail(err)
		}
	}()

	// Private reads, one after the other (the client serializes them anyway).
	roles, keyErr := keyRoles(ctx, conn, now)
	if keyErr == nil {
		keyErr = checkKey(roles, needs.trade)
	}
	snap.roles = roles
	if keyErr == nil {
		orders, err := conn.client.ActiveOrders(ctx)
		if err != nil {
			fail(fmt.Errorf("read the active orders: %w", err))
		}
		for _, o := range orders {
			snap.live = append(snap.live, liveFromGemini(o))
		}
		bals, err := conn.client.Balances(ctx)
		if err != nil {
			fail(fmt.Errorf("read the balances: %w", err))
		}
		for _, b := range bals {
			cur := strings.ToUpper(b.Currency)
			if b.Type != "" && b.Type != "exchange" {
				continue
			}
			snap.balances[cur] = plan.Balance{Currency: cur, Amount: b.Amount, Available: b.Available}
		}
	}
	wg.Wait()
	if fetched {
		if err := cache.save(); err != nil && conn.debugW != nil {
			fmt.Fprintf(conn.debugW, "cache: %v\n", err)
		}
	}
	if keyErr != nil { // before any other: nothing else matters with this key
		return nil, keyErr
	}
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return snap, nil
}

// readTickers reads the bid and ask of symbols, concurrently (the client
// paces them), into snap; mu guards snap.
func readTickers(ctx context.Context, conn *connection, symbols []string, snap *snapshot, mu *sync.Mutex) error {
	var (
		wg    sync.WaitGroup
		first error
	)
	for _, sym := range symbols {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t, err := conn.client.Ticker(ctx, sym)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil && isUnknownSymbol(err):
				snap.unknown[sym] = err
			case err != nil:
				if first == nil {
					first = fmt.Errorf("read the ticker of %s: %w", sym, err)
				}
			default:
				snap.tickers[sym] = plan.Ticker{Bid: t.Bid, Ask: t.Ask, Last: t.Last}
			}
		}()
	}
	wg.Wait()
	return first
}

// readMoreRules adds the rules of symbols that only live managed orders use
// (an order removed from the configuration still releases funds and counts
// toward max_open_notional), from the cache or the exchange.
func readMoreRules(ctx context.Context, conn *connection, snap *snapshot, now time.Time) error {
	cache := loadRulesCache(conn.cacheDir)
	fetched := false
	for _, l := range snap.live {
		sym := l.Symbol
		if _, ok := snap.rules[sym]; ok || !plan.IsManaged(conn.target.Namespace, l.ClientOrderID) {
			continue
		}
		if _, bad := snap.unknown[sym]; bad {
			continue
		}
		if r, ok := cache.get(sym, now); ok {
			snap.rules[sym] = r
			continue
		}
		d, err := conn.client.SymbolDetails(ctx, sym)
		if err != nil && isUnknownSymbol(err) {
			snap.unknown[sym] = err // delisted: the plan can still cancel
			continue
		}
		if err != nil {
			return fmt.Errorf("read the rules of symbol %s: %w", sym, err)
		}
		r := rulesFromGemini(sym, d)
		snap.rules[sym] = r
		cache.put(r, now)
		fetched = true
	}
	if fetched {
		_ = cache.save() // only a cache
	}
	return nil
}

// readHistory reads the closed orders of the client order ids in want (by
// symbol; see historyWanted): every order of each, so that the plan can tell
// "never placed" from "filled" from "cancelled outside orderform" and count
// an address's fills (plan/fills.go). One paged history walk per symbol,
// never one call per order, from where the last walk left off
// (history_cache.go). live is the book as read at readAt (local clock).
// It also returns the namespace's other fills in those symbols: closed
// orders that filled under client order ids not in want (plan.Input.OtherFills).
func readHistory(ctx context.Context, conn *connection, want map[string]string, live []plan.LiveOrder, readAt time.Time) (map[string][]plan.LiveOrder, []plan.LiveOrder, error) {
	// When the book was read, on the exchange's clock, known from below.
	exchRead := int64(0)
	for _, l := range live {
		exchRead = max(exchRead, l.TimestampMS)
	}
	if lo, _, known := conn.client.ClockBounds(); known {
		exchRead = max(exchRead, readAt.Add(lo).UnixMilli())
	}
	bySymbol := map[string]bool{}
	for _, sym := range want {
		bySymbol[sym] = true
	}
	symbols := make([]string, 0, len(bySymbol))
	for s := range bySymbol {
		symbols = append(symbols, s)
	}
	sort.Strings(symbols)
	out := map[string][]plan.LiveOrder{}
	var others []plan.LiveOrder
	for _, sym := range symbols {
		hc := loadHistoryCache(conn.cacheDir, sym, conn.historySince)
		orders, err := conn.client.AllOrdersHistory(ctx, sym, hc.Cursor)
		if errors.Is(err, gemini.ErrHistoryTruncated) {
			return nil, nil, fmt.Errorf("the closed-order history of %s is longer than one plan reads (%d orders): set ORDERFORM_HISTORY_SINCE to the day this configuration was first applied (no order it placed is older), for example ORDERFORM_HISTORY_SINCE=2026-01-31, and plan again", sym, len(orders))
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read the order history of %s: %w", sym, err)
		}
		closed := make([]plan.LiveOrder, 0, len(orders))
		for _, o := range orders {
			closed = append(closed, liveFromGemini(o))
		}
		hc.add(closed)
		hc.advance(live, sym, exchRead)
		hc.save()
		for coid, os := range hc.Orders {
			if s, ok := want[coid]; ok && s == sym {
				out[coid] = slices.Clone(os)
				continue
			}
			if _, ok := want[coid]; ok || !plan.IsManaged(conn.target.Namespace, coid) {
				continue
			}
			for _, o := range os {
				if o.ExecutedAmount.IsPositive() {
					others = append(others, o)
				}
			}
		}
	}
	sort.Slice(others, func(i, j int) bool { return newer(others[j], others[i]) })
	return out, others, nil
}

func newer(a, b plan.LiveOrder) bool {
	if a.TimestampMS != b.TimestampMS {
		return a.TimestampMS > b.TimestampMS
	}
	if len(a.OrderID) != len(b.OrderID) {
		return len(a.OrderID) > len(b.OrderID)
	}
	return a.OrderID > b.OrderID
}

func isUnknownSymbol(err error) bool {
	var ae *gemini.APIError
	if ok := errors.As(err, &ae); ok {
		return ae.Reason == "InvalidSymbol" || (ae.Status == 404 && ae.Reason == "")
	}
	return false
}
