package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/shopspring/decimal"

	"orderform/internal/atomicfile"
)

// stateFormat marks a simulator state file; a JSON file without it is
// someone else's and is never overwritten.
// Version 2 added the journal (PATH.journal, journal_seq): a version 1
// reader would miss the changes in it, so it is refused by the version
// check rather than shown an old book.
const (
	stateFormat  = "orderform-sim-state"
	stateVersion = 2
)

// firstOrderID is 2^53+1. Ids go up in steps of two, so every id is odd and
// above 2^53: none of them survives a round trip through a float64, which
// makes a client that parses ids as numbers fail at once instead of later.
const firstOrderID uint64 = 1<<53 + 1

// state is everything the simulator remembers; it is what the state file
// holds. Money is decimal strings.
type state struct {
	Format      string              `json:"format"`
	Version     int                 `json:"version"`
	NextOrderID uint64              `json:"next_order_id,string"`
	NextTradeID uint64              `json:"next_trade_id"`
	Markets     map[string]*market  `json:"markets"`
	Balances    map[string]*balance `json:"balances"`
	Orders      []*order            `json:"orders"`
	Trades      []*trade            `json:"trades"`
	Nonces      map[string]string   `json:"nonces"`                // last nonce per increasing-nonce API key
	JournalSeq  uint64              `json:"journal_seq,omitempty"` // the last journal record this snapshot holds
}

type market struct {
	Bid         decimal.Decimal `json:"bid"`
	Ask         decimal.Decimal `json:"ask"`
	Last        decimal.Decimal `json:"last"`
	BaseVolume  decimal.Decimal `json:"base_volume"`
	QuoteVolume decimal.Decimal `json:"quote_volume"`
}

type balance struct {
	Amount decimal.Decimal `json:"amount"`
	Held   decimal.Decimal `json:"held"` // sum of the live orders' holds; available = amount - held
}

type order struct {
	ID        uint64          `json:"id,string"`
	ClientID  string          `json:"client_order_id,omitempty"`
	Symbol    string          `json:"symbol"`
	Side      string          `json:"side"` // "buy" or "sell"
	Type      string          `json:"type"` // "exchange limit" or "exchange stop limit"
	Price     decimal.Decimal `json:"price"`
	StopPrice decimal.Decimal `json:"stop_price"` // zero for limit orders
	Original  decimal.Decimal `json:"original_amount"`
	Executed  decimal.Decimal `json:"executed_amount"`
	Notional  decimal.Decimal `json:"executed_notional"` // Σ price × amount of the fills
	Options   []string        `json:"options"`
	TimeMs    int64           `json:"timestampms"`
	Live      bool            `json:"is_live"`
	Cancelled bool            `json:"is_cancelled"`
	Reason    string          `json:"reason,omitempty"`
	Triggered bool            `json:"triggered,omitempty"` // stop-limit: the stop was reached
	Hold      decimal.Decimal `json:"hold"`                // what this order holds now (quote for buys, base for sells)
	APIKey    string          `json:"api_key"`
}

func (o *order) remaining() decimal.Decimal { return o.Original.Sub(o.Executed) }
func (o *order) isStop() bool               { return o.Type == typeStopLimit }
func (o *order) option() string {
	if len(o.Options) == 0 {
		return ""
	}
	return o.Options[0]
}

type trade struct {
	ID          uint64          `json:"tid"`
	OrderID     uint64          `json:"order_id,string"`
	Symbol      string          `json:"symbol"`
	Side        string          `json:"side"`
	Price       decimal.Decimal `json:"price"`
	Amount      decimal.Decimal `json:"amount"`
	Fee         decimal.Decimal `json:"fee_amount"`
	FeeCurrency string          `json:"fee_currency"`
	Aggressor   bool            `json:"aggressor"`
	TimeMs      int64           `json:"timestampms"`
}

// newState is a fresh exchange: demo balances and the opening markets.
func newState() *state {
	st := &state{
		Format:      stateFormat,
		Version:     stateVersion,
		NextOrderID: firstOrderID,
		NextTradeID: 1000001,
		Markets:     map[string]*market{},
		Balances:    map[string]*balance{},
		Nonces:      map[string]string{},
	}
	for cur, amt := range demoBalances {
		st.Balances[cur] = &balance{Amount: d(amt)}
	}
	st.fillGaps()
	return st
}

// fillGaps adds what an older or hand-edited state lacks: a market for every
// built-in symbol and a (zero) balance for every currency they use.
func (st *state) fillGaps() {
	if st.Markets == nil {
		st.Markets = map[string]*market{}
	}
	if st.Balances == nil {
		st.Balances = map[string]*balance{}
	}
	if st.Nonces == nil {
		st.Nonces = map[string]string{}
	}
	for _, s := range builtinSymbols {
		if st.Markets[s.Symbol] == nil {
			st.Markets[s.Symbol] = &market{Bid: s.Bid, Ask: s.Ask, Last: s.Bid.Add(s.Ask).Div(decimal.NewFromInt(2))}
		}
		for _, c := range []string{s.Base, s.Quote} {
			if st.Balances[c] == nil {
				st.Balances[c] = &balance{}
			}
		}
	}
}

// loadState reads a state file. A missing file is a fresh state; anything
// unreadable, corrupt or foreign is an error naming the file.
func loadState(path string) (*state, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return newState(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("simulator state %s: %w", path, err)
	}
	var st state
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("simulator state %s is corrupt (%v); move it aside to start afresh", path, err)
	}
	if st.Format != stateFormat {
		return nil, fmt.Errorf("%s is not an orderform simulator state file (no \"format\": %q); refusing to use or overwrite it", path, stateFormat)
	}
	if st.Version != stateVersion && st.Version != 1 {
		return nil, fmt.Errorf("simulator state %s has format version %d; this orderform reads version %d", path, st.Version, stateVersion)
	}
	if err := st.check(); err != nil {
		return nil, fmt.Errorf("simulator state %s is corrupt: %v; move it aside to start afresh", path, err)
	}
	st.fillGaps()
	return &st, nil
}

// check rejects a state that decodes but cannot be right.
func (st *state) check() error {
	if st.NextOrderID < firstOrderID {
		return fmt.Errorf("next_order_id %d is below %d", st.NextOrderID, firstOrderID)
	}
	seen := map[uint64]bool{}
	for _, o := range st.Orders {
		if o == nil {
			return errors.New("null order")
		}
		if seen[o.ID] || o.ID >= st.NextOrderID {
			return fmt.Errorf("order id %d is duplicated or not below next_order_id", o.ID)
		}
		seen[o.ID] = true
		if _, ok := lookupSymbol(o.Symbol); !ok {
			return fmt.Errorf("order %d has unknown symbol %q", o.ID, o.Symbol)
		}
	}
	for c, b := range st.Balances {
		if b == nil || b.Amount.IsNegative() || b.Held.IsNegative() || b.Held.GreaterThan(b.Amount) {
			return fmt.Errorf("balance %s is inconsistent", c)
		}
	}
	for sym, m := range st.Markets {
		if m == nil || !m.Bid.IsPositive() || m.Ask.LessThan(m.Bid) {
			return fmt.Errorf("market %s is inconsistent", sym)
		}
	}
	return nil
}

// saveState writes the state atomically: a temporary file in the same
// directory, synced, mode 0600, renamed over the old one.
func saveState(path string, st *state) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(data, '\n'), 0o600)
}
