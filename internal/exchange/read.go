package exchange

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
	"orderform/internal/exchange/cache"
	"orderform/plan"
)

// Snapshot is what one plan reads from the exchange.
type Snapshot struct {
	Live     []plan.LiveOrder
	Balances map[string]plan.Balance
	Rules    map[string]plan.SymbolRules
	Tickers  map[string]plan.Ticker
	Unknown  map[string]error // symbols the exchange does not list
	Roles    gemini.Roles     // the API key's
}

// Needs says what a plan must read besides orders and balances.
type Needs struct {
	Symbols []string // symbol rules for these
	Tickers []string // bid/ask for these
	// trade is set for apply and destroy: the key must be able to place
	// and cancel (the Trader role), not only read (Auditor).
	Trade bool
}

// Read reads the account and the market: the active orders and the
// balances once each (private), and per symbol its rules (from the on-disk
// cache when fresh) and, where needed, its ticker (public). Public reads run
// concurrently; the client paces them under the exchange's limits.
func Read(ctx context.Context, conn *Conn, needs Needs, now time.Time) (*Snapshot, error) {
	snap := &Snapshot{
		Balances: map[string]plan.Balance{},
		Rules:    map[string]plan.SymbolRules{},
		Tickers:  map[string]plan.Ticker{},
		Unknown:  map[string]error{},
	}
	var (
		mu   sync.Mutex // guards snap and errs
		wg   sync.WaitGroup
		errs []error
		fail = func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() }
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		if err := readRules(ctx, conn, needs.Symbols, snap, &mu, now); err != nil {
			fail(err)
		}
	}()
	go func() {
		defer wg.Done()
		if err := ReadTickers(ctx, conn, needs.Tickers, snap, &mu); err != nil {
			fail(err)
		}
	}()
	keyErr := readAccount(ctx, conn, needs, snap, &mu, fail, now)
	wg.Wait()
	if keyErr != nil { // before any other: nothing else matters with this key
		return nil, keyErr
	}
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return snap, nil
}

// readAccount reads the private part of a snapshot, one request after the
// other (the client serializes them anyway): the key's roles, then, when
// the key may do what needs asks, the active orders and the balances. It
// returns the key's error; other failures go to fail.
func readAccount(ctx context.Context, conn *Conn, needs Needs, snap *Snapshot, mu *sync.Mutex, fail func(error), now time.Time) error {
	roles, err := KeyRoles(ctx, conn, now)
	if err == nil {
		err = CheckKey(roles, needs.Trade)
	}
	mu.Lock()
	snap.Roles = roles
	mu.Unlock()
	if err != nil {
		return err
	}
	orders, err := conn.Client.ActiveOrders(ctx)
	if err != nil {
		fail(fmt.Errorf("read the active orders: %w", err))
	}
	bals, err := conn.Client.Balances(ctx)
	if err != nil {
		fail(fmt.Errorf("read the balances: %w", err))
	}
	mu.Lock()
	defer mu.Unlock()
	snap.Live = append(snap.Live, LiveFromGeminiAll(orders)...)
	for _, b := range bals {
		cur := strings.ToUpper(b.Currency)
		if b.Type != "" && b.Type != "exchange" {
			continue
		}
		snap.Balances[cur] = plan.Balance{Currency: cur, Amount: b.Amount, Available: b.Available}
	}
	return nil
}

// readRules puts the rules of symbols into snap (mu guards it): from the
// on-disk cache when fresh, else from the exchange, concurrently (the client
// paces them), then cached. A symbol the exchange does not list goes to
// snap.Unknown.
func readRules(ctx context.Context, conn *Conn, symbols []string, snap *Snapshot, mu *sync.Mutex, now time.Time) error {
	rules := cache.Open(conn.CacheDir, conn.Debug).Rules()
	var (
		missing []string
		fetched bool
	)
	mu.Lock()
	for _, sym := range symbols {
		if r, ok := rules.Get(sym, now); ok {
			snap.Rules[sym] = r
		} else {
			missing = append(missing, sym)
		}
	}
	mu.Unlock()
	err := eachSymbol(missing, snap, mu, "read the rules of symbol %s",
		func(sym string) (gemini.SymbolDetails, error) { return conn.Client.SymbolDetails(ctx, sym) },
		func(sym string, d gemini.SymbolDetails) {
			r := rulesFromGemini(sym, d)
			snap.Rules[sym] = r
			rules.Put(r, now)
			fetched = true
		})
	if fetched {
		rules.Save()
	}
	return err
}

// ReadTickers reads the bid and ask of symbols, concurrently (the client
// paces them), into snap; mu guards snap.
func ReadTickers(ctx context.Context, conn *Conn, symbols []string, snap *Snapshot, mu *sync.Mutex) error {
	return eachSymbol(symbols, snap, mu, "read the ticker of %s",
		func(sym string) (gemini.Ticker, error) { return conn.Client.Ticker(ctx, sym) },
		func(sym string, t gemini.Ticker) {
			snap.Tickers[sym] = plan.Ticker{Bid: t.Bid, Ask: t.Ask, Last: t.Last}
		})
}

// eachSymbol reads every symbol concurrently (the client paces the
// requests) and hands each answer to keep under mu; a symbol the exchange
// does not list goes to snap.Unknown. It returns the first other error,
// described by what.
func eachSymbol[T any](symbols []string, snap *Snapshot, mu *sync.Mutex, what string, read func(string) (T, error), keep func(string, T)) error {
	var (
		wg    sync.WaitGroup
		first error
	)
	for _, sym := range symbols {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := read(sym)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil && gemini.IsUnknownSymbol(err):
				snap.Unknown[sym] = err
			case err != nil:
				if first == nil {
					first = fmt.Errorf(what+": %w", sym, err)
				}
			default:
				keep(sym, v)
			}
		}()
	}
	wg.Wait()
	return first
}

// ReadMoreRules adds the rules of symbols that only live managed orders use
// (an order removed from the configuration still releases funds and counts
// toward max_open_notional), from the cache or the exchange.
func ReadMoreRules(ctx context.Context, conn *Conn, snap *Snapshot, now time.Time) error {
	var syms []string
	for _, l := range snap.Live {
		sym := l.Symbol
		_, known := snap.Rules[sym]
		_, bad := snap.Unknown[sym] // delisted: the plan can still cancel
		if known || bad || slices.Contains(syms, sym) || !plan.IsManaged(conn.Target.Namespace, l.ClientOrderID) {
			continue
		}
		syms = append(syms, sym)
	}
	var mu sync.Mutex
	return readRules(ctx, conn, syms, snap, &mu, now)
}

// ReadHistory reads the closed orders of the client order ids in want (by
// symbol; see historyWanted): every order of each, so that the plan can tell
// "never placed" from "filled" from "cancelled outside orderform" and count
// an address's fills (plan/fills.go). One paged history walk per symbol,
// never one call per order, from where the last walk left off
// (cache.History). live is the book as read at readAt (local clock).
// It also returns the namespace's other fills in those symbols: closed
// orders that filled under client order ids not in want (plan.Input.OtherFills).
func ReadHistory(ctx context.Context, conn *Conn, want map[string]string, live []plan.LiveOrder, readAt time.Time) (map[string][]plan.LiveOrder, []plan.LiveOrder, error) {
	// When the book was read, on the exchange's clock, known from below.
	exchRead := int64(0)
	for _, l := range live {
		exchRead = max(exchRead, l.TimestampMS)
	}
	if lo, _, known := conn.Client.ClockBounds(); known {
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
		hc := cache.Open(conn.CacheDir, conn.Debug).History(sym, conn.HistorySince)
		orders, err := conn.Client.AllOrdersHistory(ctx, sym, hc.Cursor)
		if errors.Is(err, gemini.ErrHistoryTruncated) {
			return nil, nil, fmt.Errorf("the closed-order history of %s is longer than one plan reads (%d orders): set ORDERFORM_HISTORY_SINCE to the day this configuration was first applied (no order it placed is older), for example ORDERFORM_HISTORY_SINCE=2026-01-31, and plan again", sym, len(orders))
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read the order history of %s: %w", sym, err)
		}
		closed := make([]plan.LiveOrder, 0, len(orders))
		for _, o := range orders {
			closed = append(closed, LiveFromGemini(o))
		}
		hc.Add(closed)
		hc.Advance(live, sym, exchRead, marginOf(ctx))
		hc.Save()
		for coid, os := range hc.Orders {
			if s, ok := want[coid]; ok && s == sym {
				out[coid] = slices.Clone(os)
				continue
			}
			if _, ok := want[coid]; ok || !plan.IsManaged(conn.Target.Namespace, coid) {
				continue
			}
			for _, o := range os {
				if o.ExecutedAmount.IsPositive() {
					others = append(others, o)
				}
			}
		}
	}
	sort.Slice(others, func(i, j int) bool { return cache.Newer(others[j], others[i]) })
	return out, others, nil
}
