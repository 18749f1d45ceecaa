// Package plan holds the Plan type and the pure reconciliation that turns a
// configuration's desired orders and the exchange's live orders into one.
// Nothing in this package does I/O.
package plan

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/shopspring/decimal"
)

// Order is one desired order, evaluated from the configuration.
type Order struct {
	Address          string // order.btc_bid["l1"]
	ClientOrderID    string // of:<namespace>:<16 hex>
	Symbol           string // lowercase, e.g. "btcusd"
	Side             string // "buy" | "sell"
	Type             string // "limit" | "stop-limit"
	Amount           decimal.Decimal
	Price            decimal.Decimal
	StopPrice        decimal.Decimal // zero unless Type is "stop-limit"
	Options          []string        // at most one, e.g. "maker-or-cancel"
	RepriceTolerance decimal.Decimal // fraction of the desired price; zero means exact
	OnFill           string          // "done" (default) | "replace"
	PreventCancel    bool
	Sensitive        []string  // attributes derived from sensitive variables: never shown
	Range            hcl.Range // the order block, for diagnostics
}

// LiveOrder is an order as the exchange reports it.
type LiveOrder struct {
	OrderID         string
	ClientOrderID   string
	Symbol          string // lowercase
	Side            string // "buy" | "sell"
	Type            string // "limit" | "stop-limit" (translated from Gemini's "exchange limit" etc.)
	Price           decimal.Decimal
	StopPrice       decimal.Decimal
	OriginalAmount  decimal.Decimal
	ExecutedAmount  decimal.Decimal
	RemainingAmount decimal.Decimal
	Options         []string
	IsLive          bool
	IsCancelled     bool
	Reason          string // cancel reason, when cancelled
	TimestampMS     int64
}

// Kind is what an action does.
type Kind string

// The kinds of action.
const (
	Create  Kind = "create"  // '+'
	Cancel  Kind = "cancel"  // '-'
	Replace Kind = "replace" // '-/+': cancel, then place
	NoOp    Kind = "no-op"
	Filled  Kind = "filled" // last order filled and on_fill = "done": nothing to do, a note
)

// Action is one step of a plan.
type Action struct {
	Kind          Kind
	Address       string // empty for a cancel of a managed order whose address is no longer known
	ClientOrderID string
	Before        *LiveOrder // the live order cancelled or kept; nil for a plain create
	After         *Order     // the desired order; nil for a plain cancel
	Reasons       []string   // "price 64000 -> 64250", "not in configuration", "duplicate"
	Changed       []string   // attribute names that force replacement
}

// SymbolRules are the exchange's rules for one symbol.
type SymbolRules struct {
	Symbol          string
	Base, Quote     string // upper case, e.g. "BTC", "USD"
	PriceIncrement  decimal.Decimal
	AmountIncrement decimal.Decimal
	MinAmount       decimal.Decimal
	Status          string // "open", "closed", "cancel_only", "post_only", "limit_only"
}

// Ticker is the market for one symbol.
type Ticker struct {
	Bid, Ask, Last decimal.Decimal
}

// Balance is one currency's balance.
type Balance struct {
	Currency  string // upper case
	Amount    decimal.Decimal
	Available decimal.Decimal
}

// Guard holds the limits of the configuration's guard block. A nil pointer
// or zero value means "no limit".
type Guard struct {
	MaxOrderNotional  decimal.NullDecimal
	MaxOpenNotional   map[string]decimal.Decimal // per quote currency, upper case
	MaxPriceDeviation decimal.NullDecimal        // fraction of the ticker mid
	AllowCrossing     bool
	Range             hcl.Range
}

// Moved maps an old address to a new one, so a rename keeps the live order.
type Moved struct {
	From, To                           string
	FromClientOrderID, ToClientOrderID string
	Range                              hcl.Range
}

// Target names where a plan applies.
type Target struct {
	Environment string `json:"environment"`
	BaseURL     string `json:"base_url"`
	Account     string `json:"account,omitempty"`
	Namespace   string `json:"namespace"`
}
