// Package plan holds the Plan type and the pure reconciliation that turns a
// configuration's desired orders and the exchange's live orders into one
// (docs/language.md, "How a plan treats each order"), the checks run before a
// plan is shown (symbol rules, budget, guards, prevent_cancel), its renderings
// for people and for machines, and the saved-plan file (docs/commands.md).
//
// Nothing in this package does I/O except Save and Load, which read and
// write the one file they are given. Compute only ever touches this
// namespace's orders: a live order whose client_order_id lacks the
// namespace's "of:<namespace>:" prefix never appears in an action.
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
	// ReplaceAmount says what an order placed after part of the address's
	// current cycle filled carries: "remaining" (the default; "" means it
	// too), the declared amount less what filled, or "full".
	ReplaceAmount string
	PreventCancel bool
	Sensitive     []string  // attributes derived from sensitive variables: never shown
	Range         hcl.Range // the order block, for diagnostics
	// Ranges holds the ranges of the attributes set in the block ("price",
	// "amount", ...), so that a check can point at the value it refuses.
	Ranges map[string]hcl.Range `json:"-"`
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
	// AvgPrice is the average price of the fills (Gemini's
	// avg_execution_price): what the order traded at, which may be better
	// than its limit Price. Zero when nothing filled or it is not known.
	AvgPrice decimal.Decimal
}

// Kind is what an action does.
type Kind string

// The kinds of action.
const (
	Create  Kind = "create"  // '+'
	Cancel  Kind = "cancel"  // '-'
	Replace Kind = "replace" // '-/+': cancel, then place
	NoOp    Kind = "no-op"
	Filled  Kind = "filled" // on_fill = "done" and the address has filled (fills.go): nothing to do, a note
)

// Action is one step of a plan.
type Action struct {
	Kind          Kind
	Address       string // empty for a cancel of a managed order whose address is no longer known
	ClientOrderID string
	Before        *LiveOrder // the live order cancelled or kept; nil for a plain create
	// Prior is, for a create, the newest closed order under this address
	// that the plan saw (a fill, or a cancel outside orderform): apply never
	// takes it, or anything older, for the order it is placing.
	Prior   *LiveOrder
	After   *Order   // the desired order; nil for a plain cancel
	Reasons []string // "price 64000 -> 64250", "not in configuration", "duplicate"
	Changed []string // attribute names that force replacement
	// Notes explain what is not a change: partial-fill progress, a fill
	// with on_fill = "done", a move that kept the live order.
	Notes     []string
	MovedFrom string // the old address when the live order was found through a moved block
	// Why is a short, stable code for why the action is what it is; see the
	// Why* constants. Empty for a plain placement or a no-op.
	Why string
	// Sensitive names, for a cancel of a duplicate of a configured order,
	// the attributes of that order that are sensitive: the live order's
	// values of them are hidden too. Other actions take them from After.
	Sensitive []string
	// Fill is set when part of the address's current cycle has filled: it
	// says how that shaped the action (After.Amount is then what is placed,
	// which may be less than the declared amount; fills.go).
	Fill *Fill
}

// Hidden returns the attributes whose values the action never shows, the
// live order's as well as the desired one's: those of its configured order
// that are derived from sensitive variables.
func (a *Action) Hidden() []string {
	if a.After != nil {
		return a.After.Sensitive
	}
	return a.Sensitive
}

// The codes of Action.Why.
const (
	WhyChanged          = "changed"              // replace: an attribute differs
	WhyRequested        = "replace_by_request"   // -replace
	WhyNotInConfig      = "not_in_configuration" // cancel: no desired order has its client id
	WhyDuplicate        = "duplicate"            // cancel: another live order of the address is kept
	WhyDestroy          = "destroy"              // cancel: -destroy
	WhyRefill           = "on_fill_replace"      // create: the address filled its amount and on_fill = "replace"
	WhyCancelledOutside = "cancelled_outside"    // create: the last order was cancelled, not by this plan
	WhyFilled           = "filled"               // cancel: on_fill = "done" and the address has filled its declared amount
)

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
// means no guard block: no limits. Within a guard block, a zero or invalid
// limit means "no limit", but AllowCrossing false (its default) refuses a
// limit order that would trade at once, which needs the symbol's ticker.
type Guard struct {
	MaxOrderNotional  decimal.NullDecimal
	MaxOpenNotional   map[string]decimal.Decimal // per quote currency, upper case
	MaxPriceDeviation decimal.NullDecimal        // fraction of the ticker mid
	AllowCrossing     bool
	Range             hcl.Range
}

// Moved maps an old address to a new one, so a rename keeps the live order
// and the old address's history. Gemini cannot rename a client_order_id, so
// a kept order keeps the old id, and orders closed under it keep it too:
// the moved block must stay in the configuration for as long as the new
// address is declared, or the next plan cancels a live order and places it
// anew, or takes a filled address for one never filled (fills.go flags such
// a block with a warning).
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
	Nonce       string `json:"nonce,omitempty"`  // the key's nonce mode: "" (increasing) or "time"
	KeyID       string `json:"key_id,omitempty"` // a short hash of the API key (never the key): which account's key made the plan
}

// FormatVersion is the version of the JSON plan document (plan -json; the
// saved plan file has FileFormatVersion). A minor bump adds fields; a major
// bump changes or removes them. 1.1 added "fill" and budget lines'
// "sensitive"; 1.2 "fee"; 1.3 the document for every outcome of plan -json,
// with "target" null when it is not known.
const FormatVersion = "1.3"

// Input is everything Compute needs, gathered before it is called.
type Input struct {
	Target  Target
	Desired []Order
	// Live is every active order on the account, as read once.
	Live []LiveOrder
	// History holds, by client_order_id, every closed (filled or cancelled)
	// order read for desired orders that have no live order or whose fills
	// matter (a live order partly filled, or placed for less than the
	// declared amount), and for the From ids of moved blocks that lead to
	// them. An absent key means the order was never placed.
	History map[string][]LiveOrder
	// OtherFills holds closed orders of this namespace that filled, read
	// with the history of the same symbols, under client order ids that are
	// not keys of History: orders of addresses removed, or renamed without
	// their moved block. A new order that matches one is flagged.
	OtherFills []LiveOrder
	Moved      []Moved
	Rules      map[string]SymbolRules // by symbol; must cover the symbols of desired and of managed live orders
	Tickers    map[string]Ticker      // by symbol; needed by max_price_deviation and allow_crossing
	Balances   map[string]Balance     // by upper-case currency
	Guard      *Guard                 // nil when the configuration has no guard block
	// Fee is the rate that buys hold on top of their notional, as the
	// exchange holds it; nil holds none (a plan that places no buy need not
	// know it).
	Fee     *Fee
	Targets []string // -target addresses; "order.x" also selects order.x[...]
	Replace []string // -replace addresses
	Destroy bool     // cancel every managed order of the namespace
	// Blocks are the configuration's order blocks, which protect with
	// prevent_cancel the instances they no longer declare too.
	Blocks []Block
	// ClientOrderID returns the client order id of an address in this
	// namespace (docs/safety.md, "Ownership and namespaces"). With it, a
	// managed live order that no desired order claims is named by the
	// address it had, when one of the blocks could have produced it (count
	// indexes, a block's bare address).
	ClientOrderID func(address string) string
}

// Plan is the set of actions that turns the live book into the desired one.
type Plan struct {
	FormatVersion string
	Target        Target
	// Actions are sorted by address, then client order id, then order id.
	// They include no-op and filled actions, which change nothing.
	Actions   []Action
	Unmanaged int // live orders without the "of:" prefix, left alone
	Foreign   int // live orders of other namespaces, left alone
	// Budget has one line per currency that the plan holds or releases,
	// sorted by currency.
	Budget  []BudgetLine
	Destroy bool     // the plan was made with -destroy
	Targets []string // the -target addresses the plan was limited to
	// Guard is the configuration's guard block, nil when it has none. It
	// travels with the plan (and in a saved plan, under its signature) so
	// that apply can run the guards again right before sending.
	Guard *Guard
	// Fee is the fee rate the budget's buys hold (and the cancelled ones
	// release) on top of their notional; nil when no figure of the budget
	// includes a fee.
	Fee *Fee
	// Errored is true when Compute reported errors; such a plan must never
	// be saved or applied.
	Errored bool
}

// Fee is the trading fee that a buy holds on top of its notional: Gemini
// holds price × amount × (1 + rate) of the quote currency for a buy, so
// that the fee of any fill is covered.
type Fee struct {
	Rate   decimal.Decimal // a fraction of the notional, e.g. 0.0035
	Source string          // FeeAccount or FeeFallback
}

// The sources of a Fee.
const (
	// FeeAccount: the account's API rates, read from the exchange
	// (POST /v1/notionalvolume); the larger of maker and taker.
	FeeAccount = "account"
	// FeeFallback: the account's rates could not be read, so the highest
	// API taker rate of the exchange's fee schedule.
	FeeFallback = "fallback"
)

// Describe says which rate a plan holds buys to, for people.
func (f *Fee) Describe() string {
	pct := f.Rate.Shift(2).String() + "%"
	if f.Source == FeeAccount {
		return pct + ", the account's API fee rate as read from the exchange"
	}
	return pct + ", the exchange's highest API taker rate, because the account's rates could not be read"
}

// BudgetLine is what a plan does to one currency's available balance.
type BudgetLine struct {
	Currency  string
	Available decimal.Decimal // as read from the exchange
	Released  decimal.Decimal // by this plan's cancels, including the cancel half of replaces
	Held      decimal.Decimal // by this plan's new orders
	Remaining decimal.Decimal // Available + Released - Held; negative is a shortfall
	// Sensitive names the figures ("released", "held", "remaining") that are
	// derived from a sensitive price or amount, and are never shown.
	Sensitive []string
}

// HasChanges reports whether the plan would cancel or place any order.
func (p *Plan) HasChanges() bool {
	c, r, x := p.Counts()
	return c+r+x > 0
}

// PlacesBuy reports whether the plan places a buy, whose hold includes its
// fee.
func (p *Plan) PlacesBuy() bool {
	for i := range p.Actions {
		if a := &p.Actions[i]; placing(a) && a.After != nil && a.After.Side == "buy" {
			return true
		}
	}
	return false
}

// Counts returns the number of orders to place, to replace and to cancel.
// The cancel half of a replace is counted as a replace only.
func (p *Plan) Counts() (create, replace, cancel int) {
	for i := range p.Actions {
		switch p.Actions[i].Kind {
		case Create:
			create++
		case Replace:
			replace++
		case Cancel:
			cancel++
		}
	}
	return create, replace, cancel
}
