package spec

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/shopspring/decimal"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// staticString evaluates a string attribute that must be known without the
// network. ok is false when a diagnostic was reported.
func (c *Config) staticString(a *hcl.Attribute, ctx *hcl.EvalContext, what string) (string, bool, hcl.Diagnostics) {
	v, diags := c.staticValue(a, ctx, what)
	if diags.HasErrors() || v.IsNull() {
		return "", false, diags
	}
	s, err := convert.Convert(v, cty.String)
	if err != nil {
		return "", false, append(diags, errDiag("Invalid "+what, fmt.Sprintf("The %s must be a string.", what), a.Expr.Range()))
	}
	return s.AsString(), true, diags
}

// staticValue evaluates an attribute whose value must be known without the
// network, unmarked (these values are never secrets that end up in orders).
func (c *Config) staticValue(a *hcl.Attribute, ctx *hcl.EvalContext, what string) (cty.Value, hcl.Diagnostics) {
	diags := c.checkRefs(a.Expr, refGlobal)
	if diags.HasErrors() {
		return cty.NullVal(cty.DynamicPseudoType), diags
	}
	v, d := a.Expr.Value(ctx)
	diags = append(diags, d...)
	if d.HasErrors() {
		return cty.NullVal(cty.DynamicPseudoType), diags
	}
	v, _ = v.UnmarkDeep()
	if !v.IsWhollyKnown() {
		return cty.NullVal(cty.DynamicPseudoType), append(diags, errDiag("Value depends on a data source",
			fmt.Sprintf("The %s must be known without reading the exchange, but it depends on a data source.", what), a.Expr.Range()))
	}
	return v, diags
}

var (
	environments = []string{"local", "sandbox", "production"}
	nonceModes   = []string{"increasing", "time"}
)

func (c *Config) evalExchange(ctx *hcl.EvalContext) hcl.Diagnostics {
	var diags hcl.Diagnostics
	attrs := c.pending.exAttrs
	str := func(name, what string) (string, *hcl.Attribute, bool) {
		a := attrs[name]
		if a == nil {
			return "", nil, false
		}
		s, ok, d := c.staticString(a, ctx, what)
		diags = append(diags, d...)
		return s, a, ok
	}
	if s, a, ok := str("environment", "environment"); ok {
		if d := checkEnum("environment", s, environments, a.Expr.Range()); d != nil {
			diags = append(diags, d)
		} else {
			c.Exchange.Environment = s
		}
	}
	if s, a, ok := str("url", "url"); ok {
		if d := checkURL(s, a.Expr.Range()); d != nil {
			diags = append(diags, d)
		} else {
			c.Exchange.URL = strings.TrimRight(s, "/")
			c.Exchange.URLRange = a.Expr.Range()
		}
	}
	if s, _, ok := str("account", "account"); ok {
		c.Exchange.Account = s
	}
	if s, a, ok := str("namespace", "namespace"); ok {
		if !ValidNamespace(s) {
			diags = append(diags, errDiag("Invalid namespace",
				fmt.Sprintf("A namespace is 1 to 12 characters from a-z, 0-9, _ and -, so that client order ids fit Gemini's 36 characters; got %q.", s),
				a.Expr.Range()))
		} else {
			c.Exchange.Namespace = s
		}
	}
	if a := attrs["namespace"]; a != nil {
		c.Exchange.NamespaceSet = true
	} else if where := c.Exchange.Shared(); where != "" {
		diags = append(diags, errDiag("Namespace required", NamespaceRequiredDetail(where, c.Dir), c.Exchange.Range))
	}
	if s, a, ok := str("nonce", "nonce"); ok {
		if d := checkEnum("nonce", s, nonceModes, a.Expr.Range()); d != nil {
			diags = append(diags, d)
		} else {
			c.Exchange.Nonce = s
		}
	}
	return diags
}

// checkEnum reports s when it is not one of valid, with a suggestion.
func checkEnum(what, s string, valid []string, rng hcl.Range) *hcl.Diagnostic {
	for _, v := range valid {
		if s == v {
			return nil
		}
	}
	hint := didYouMean(s, valid)
	if lower := strings.ToLower(strings.TrimSpace(s)); hint == "" && lower != s {
		for _, v := range valid {
			if lower == v {
				hint = fmt.Sprintf(" Did you mean %q?", v)
			}
		}
	}
	return errDiag("Invalid "+what,
		fmt.Sprintf("The %s must be %s; got %q.%s", what, orList(valid), s, hint), rng)
}

func orList(valid []string) string {
	q := make([]string, len(valid))
	for i, v := range valid {
		q[i] = fmt.Sprintf("%q", v)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// checkURL accepts https URLs, and http URLs only for loopback hosts.
func checkURL(s string, rng hcl.Range) *hcl.Diagnostic {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return errDiag("Invalid url", fmt.Sprintf("The url must be an absolute http:// or https:// URL, like https://api.sandbox.gemini.com; got %q.", s), rng)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return errDiag("Insecure url",
			fmt.Sprintf("http:// is accepted only for loopback addresses (127.0.0.1, ::1, localhost), where a simulator runs; use https:// for %s.", u.Hostname()), rng)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

var (
	symbolRE   = regexp.MustCompile(`^[a-z0-9]{2,24}$`)
	currencyRE = regexp.MustCompile(`^[A-Z0-9]{1,12}$`)
)

func (c *Config) evalDataSources(ctx *hcl.EvalContext) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, p := range c.pending.data {
		ds := p.ds
		if p.attr != nil {
			what := "symbol"
			if ds.Kind == "balance" {
				what = "currency"
			}
			s, ok, d := c.staticString(p.attr, ctx, what)
			diags = append(diags, d...)
			if ok {
				if ds.Kind == "balance" {
					s = strings.ToUpper(s)
					if !currencyRE.MatchString(s) {
						diags = append(diags, errDiag("Invalid currency",
							fmt.Sprintf("A currency is a code like \"USD\" or \"BTC\"; got %q.", s), p.attr.Expr.Range()))
					}
					ds.Currency = s
				} else {
					sym, d := c.checkSymbol(s, p.attr.Expr.Range(), true)
					if d != nil {
						diags = append(diags, d)
					}
					ds.Symbol = sym
				}
			}
		}
		c.Data = append(c.Data, *ds)
	}
	return diags
}

// latinLookalikes maps Cyrillic and Greek letters that look like Latin
// ones (a symbol pasted from a chat or a phishing page) to those.
var latinLookalikes = map[rune]rune{
	'а': 'a', 'в': 'b', 'с': 'c', 'ԁ': 'd', 'е': 'e', 'һ': 'h', 'і': 'i', 'ј': 'j', 'к': 'k',
	'м': 'm', 'п': 'n', 'о': 'o', 'р': 'p', 'ԛ': 'q', 'ѕ': 's', 'т': 't', 'и': 'u', 'ѵ': 'v',
	'ԝ': 'w', 'х': 'x', 'у': 'y', 'α': 'a', 'β': 'b', 'ε': 'e', 'ι': 'i', 'κ': 'k', 'ν': 'v',
	'ο': 'o', 'ρ': 'p', 'τ': 't', 'υ': 'u', 'χ': 'x',
}

// checkSymbol lowercases a symbol and checks its form. A well-formed
// symbol that is not a common one but close to one draws a warning (when
// warn is set): the exchange decides at plan time whether it exists.
func (c *Config) checkSymbol(s string, rng hcl.Range, warn bool) (string, *hcl.Diagnostic) {
	sym := strings.ToLower(s)
	if !symbolRE.MatchString(sym) {
		var b strings.Builder
		lookalike := rune(0)
		for _, r := range sym {
			if l, ok := latinLookalikes[r]; ok {
				if lookalike == 0 {
					lookalike = r
				}
				r = l
			}
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				b.WriteRune(r)
			}
		}
		hint := ""
		if alt := b.String(); alt != "" && alt != sym && symbolRE.MatchString(alt) {
			hint = fmt.Sprintf(" Did you mean %q?", alt)
		} else {
			hint = didYouMean(sym, commonSymbols)
		}
		if lookalike != 0 {
			hint = fmt.Sprintf(" %q (%U) only looks like a Latin letter.", lookalike, lookalike) + hint
		}
		return sym, errDiag("Invalid symbol",
			fmt.Sprintf("A symbol is the exchange's pair name in letters and digits, like \"btcusd\"; got %q.%s", s, hint), rng)
	}
	if warn && !knownSymbol[sym] {
		if alt := c.symbolHint(sym); alt != "" {
			return sym, warnDiag("Unrecognized symbol",
				fmt.Sprintf("%q is not one of the common Gemini symbols. Did you mean %q? (The exchange decides at plan time.)", sym, alt), rng)
		}
	}
	return sym, nil
}

func (c *Config) evalGuard(ctx *hcl.EvalContext) hcl.Diagnostics {
	if c.Guard == nil {
		return nil
	}
	var diags hcl.Diagnostics
	g := c.Guard
	positive := func(name string) decimal.NullDecimal {
		a := c.pending.guard[name]
		if a == nil {
			return decimal.NullDecimal{}
		}
		v, d := c.staticValue(a, ctx, name)
		diags = append(diags, d...)
		if d.HasErrors() || v.IsNull() {
			return decimal.NullDecimal{}
		}
		dec, err := valueDecimal(v)
		if err != nil || dec.Sign() <= 0 {
			diags = append(diags, errDiag("Invalid "+name, fmt.Sprintf("%s must be a positive number.", name), a.Expr.Range()))
			return decimal.NullDecimal{}
		}
		return decimal.NewNullDecimal(dec)
	}
	g.MaxOrderNotional = positive("max_order_notional")
	g.MaxPriceDeviation = positive("max_price_deviation")
	if a := c.pending.guard["max_open_notional"]; a != nil {
		v, d := c.staticValue(a, ctx, "max_open_notional")
		diags = append(diags, d...)
		if !d.HasErrors() && !v.IsNull() {
			if !v.Type().IsObjectType() && !v.Type().IsMapType() {
				diags = append(diags, errDiag("Invalid max_open_notional",
					"max_open_notional is a map from quote currency to limit, like { USD = 20000 }.", a.Expr.Range()))
			} else {
				g.MaxOpenNotional = map[string]decimal.Decimal{}
				for it := v.ElementIterator(); it.Next(); {
					k, e := it.Element()
					cur := strings.ToUpper(k.AsString())
					dec, err := valueDecimal(e)
					if e.IsNull() || err != nil || dec.Sign() <= 0 || !currencyRE.MatchString(cur) {
						diags = append(diags, errDiag("Invalid max_open_notional",
							fmt.Sprintf("The limit for %q must be a positive number, keyed by a currency code.", k.AsString()), a.Expr.Range()))
						continue
					}
					g.MaxOpenNotional[cur] = dec
				}
			}
		}
	}
	if a := c.pending.guard["allow_crossing"]; a != nil {
		v, d := c.staticValue(a, ctx, "allow_crossing")
		diags = append(diags, d...)
		if !d.HasErrors() {
			if b, err := convert.Convert(v, cty.Bool); err != nil || b.IsNull() {
				diags = append(diags, errDiag("Invalid allow_crossing", "allow_crossing must be true or false.", a.Expr.Range()))
			} else {
				g.AllowCrossing = b.True()
			}
		}
	}
	return diags
}

// collectSymbols returns the sorted symbols of orders and data sources.
func (c *Config) collectSymbols(orders []Order) []string {
	seen := map[string]bool{}
	for _, o := range orders {
		if o.Symbol != "" {
			seen[o.Symbol] = true
		}
	}
	for _, ds := range c.Data {
		if ds.Symbol != "" {
			seen[ds.Symbol] = true
		}
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Symbols returns every symbol the configuration uses, in orders and data
// sources, sorted. Symbols never depend on data sources (Load reports one
// that does), so they are known before the exchange is read.
func (c *Config) Symbols() []string { return append([]string(nil), c.symbols...) }

// Currencies returns the currencies named by balance data sources, sorted.
func (c *Config) Currencies() []string {
	seen := map[string]bool{}
	var out []string
	for _, ds := range c.Data {
		if ds.Kind == "balance" && ds.Currency != "" && !seen[ds.Currency] {
			seen[ds.Currency] = true
			out = append(out, ds.Currency)
		}
	}
	sort.Strings(out)
	return out
}

// symbolHint is suggest(sym, commonSymbols), remembered: thousands of
// orders share a handful of symbols.
func (c *Config) symbolHint(sym string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if hint, ok := c.hints[sym]; ok {
		return hint
	}
	if c.hints == nil {
		c.hints = map[string]string{}
	}
	hint := suggest(sym, commonSymbols)
	c.hints[sym] = hint
	return hint
}
