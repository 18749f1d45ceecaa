// Package spec is orderform's configuration language: it parses a directory
// of HCL files, resolves variable values, evaluates locals, data-source
// references, count and for_each, and returns the desired orders with their
// addresses and client order ids.
//
// Everything here is pure apart from reading the configuration files: the
// exchange is read elsewhere and handed in as Data. Problems are returned as
// hcl.Diagnostics, each with a subject range, and every pass collects all the
// problems it can find rather than stopping at the first. Money is never a
// float: amounts and prices become exact decimals (see decimal.go).
package spec

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/shopspring/decimal"
	"github.com/zclconf/go-cty/cty"
)

// VarArg is one variable-value argument from the command line: -var k=v
// (File false, Value "k=v") or -var-file F (File true, Value F). They are
// applied in command-line order, so a later one wins.
type VarArg struct {
	File  bool
	Value string
}

// Options are the inputs of Load that come from outside the directory.
type Options struct {
	Getenv func(string) string // reads ORDERFORM_VAR_<name>; nil means an empty environment
	Vars   []VarArg
}

// Config is a loaded and statically checked configuration.
type Config struct {
	Dir      string
	Files    map[string]*hcl.File // by file name as it appears in diagnostics
	Exchange Exchange
	Data     []DataSource // declared data sources, in source order
	Guard    *Guard       // nil when absent
	Watch    Watch        // the watch block, defaults applied (DefaultWatch when absent)
	Moved    []Moved      // instance-level moves, whole-block moves expanded
	// Variables are the declared input variables with their resolved values
	// (sorted by name). Values of sensitive variables are marked.
	Variables []*Variable

	order   []string // file names in load order
	sources map[string][]byte
	vars    map[string]*Variable
	locals  []*local
	localOf map[string]*local
	dataOf  map[string]*DataSource // "ticker.btc"
	orders  []*orderBlock
	orderOf map[string]*orderBlock
	pending pending
	keys    map[string][]instanceKey // instance keys of each order block
	mu      sync.Mutex
	hints   map[string]string // symbol suggestions, see symbolHint

	staticErr bool           // the pass without the exchange failed
	staticIdx map[string]int // index of c.static by address

	static      []Order // Orders(nil), computed by Load
	staticLocal map[string]cty.Value
	symbols     []string
	digest      string
	filesDigest string
}

// Variable is a declared input variable.
type Variable struct {
	Name        string
	Description string
	Sensitive   bool
	Type        cty.Type
	Value       cty.Value // resolved; marked when Sensitive
	Source      string    // "default", "env", a file name, or "-var"
	Range       hcl.Range // the variable block

	decl *varDecl
}

// Exchange is the configuration's exchange block, with defaults applied.
type Exchange struct {
	Environment string    // "local" (default), "sandbox" or "production"
	URL         string    // empty unless set: the environment's base URL applies
	URLRange    hcl.Range // the url attribute's value, when set
	Account     string    // sub-account; empty for the key's own account
	Namespace   string    // default "default", only for the local exchange (see Shared)
	Nonce       string    // "increasing" (default) or "time"
	Range       hcl.Range
	// NamespaceSet is true when the exchange block names the namespace.
	NamespaceSet bool
}

// Shared says where the book this exchange block targets may be shared with
// other configurations and people: "environment \"sandbox\"", a url, ... It is
// empty for the built-in local exchange, whose book lives beside the
// configuration.
func (e Exchange) Shared() string {
	switch {
	case e.URL != "":
		return fmt.Sprintf("url %q", e.URL)
	case e.Environment != "" && e.Environment != "local":
		return fmt.Sprintf("environment %q", e.Environment)
	}
	return ""
}

// NamespaceRequiredDetail explains why a configuration that targets a
// shared book (where) must name its namespace, suggesting one from the
// configuration's directory.
func NamespaceRequiredDetail(where, dir string) string {
	return fmt.Sprintf("This configuration targets %s, whose book other configurations (and people) can share. "+
		"orderform owns every order of its namespace and cancels those the configuration does not declare, "+
		"so two configurations in one namespace cancel each other's orders. "+
		"Name this configuration's namespace in the exchange block, one per configuration: namespace = %q. "+
		"If it was applied before without one, its orders are in namespace \"default\": write namespace = \"default\" to keep owning them "+
		"(and make sure no other configuration uses it).",
		where, SuggestNamespace(dir))
}

// SuggestNamespace derives a valid namespace from a directory name.
func SuggestNamespace(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	var b strings.Builder
	for _, r := range strings.ToLower(filepath.Base(dir)) {
		switch {
		case b.Len() == 12:
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		case r == ' ' || r == '.':
			b.WriteByte('-')
		}
	}
	if s := strings.Trim(b.String(), "-"); s != "" && ValidNamespace(s) {
		return s
	}
	return "my-strategy"
}

// DataSource is a declared data source.
type DataSource struct {
	Kind     string // "ticker", "symbol" or "balance"
	Name     string
	Symbol   string // ticker and symbol: lowercase
	Currency string // balance: upper case
	Range    hcl.Range
}

// Guard holds the limits of the guard block.
type Guard struct {
	MaxOrderNotional  decimal.NullDecimal
	MaxOpenNotional   map[string]decimal.Decimal // per quote currency, upper case
	MaxPriceDeviation decimal.NullDecimal        // fraction of the ticker mid
	AllowCrossing     bool
	Range             hcl.Range
}

// Moved maps an old order address to a new one, so a rename keeps the live
// order.
type Moved struct {
	From, To                           string
	FromClientOrderID, ToClientOrderID string
	Range                              hcl.Range
}

// Order is one desired order instance. Its fields mirror plan.Order.
type Order struct {
	Address          string // order.btc_bid["l1"]
	ClientOrderID    string // of:<namespace>:<16 hex>
	Symbol           string // lowercase
	Side             string // "buy" | "sell"
	Type             string // "limit" | "stop-limit"
	Amount           decimal.Decimal
	Price            decimal.Decimal
	StopPrice        decimal.Decimal // zero unless Type is "stop-limit"
	Options          []string        // at most one: "maker-or-cancel"
	RepriceTolerance decimal.Decimal // fraction of the price; zero means exact
	OnFill           string          // "done" (default) | "replace"
	ReplaceAmount    string          // "remaining" (default) | "full"
	PreventCancel    bool
	Sensitive        []string  // attributes derived from sensitive variables: never shown
	Range            hcl.Range // the order block's header

	// Unknown lists the attributes whose values depend on data sources and
	// are not known yet (Orders(nil) only). Their fields hold zero values.
	Unknown []string
	// Ranges maps each attribute set in the block ("price", "amount", ...)
	// to its expression, so later checks can point at the exact argument.
	Ranges map[string]hcl.Range
}

// Data is what the exchange reported, for evaluating data sources.
type Data struct {
	Tickers  map[string]TickerData  // by lowercase symbol
	Symbols  map[string]SymbolData  // by lowercase symbol
	Balances map[string]BalanceData // by upper-case currency
}

// TickerData is one symbol's market. A data source's mid is (Bid+Ask)/2.
type TickerData struct {
	Bid, Ask, Last decimal.Decimal
}

// SymbolData is one symbol's trading rules.
type SymbolData struct {
	PriceIncrement, AmountIncrement, MinAmount decimal.Decimal
	Base, Quote                                string // upper case
	Status                                     string
}

// BalanceData is one currency's balance.
type BalanceData struct {
	Amount, Available decimal.Decimal
}
