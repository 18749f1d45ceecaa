package spec

import (
	"fmt"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

var rootSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
	{Type: "exchange"},
	{Type: "variable", LabelNames: []string{"name"}},
	{Type: "locals"},
	{Type: "data", LabelNames: []string{"type", "name"}},
	{Type: "order", LabelNames: []string{"name"}},
	{Type: "guard"},
	{Type: "moved"},
	{Type: "watch"},
}}

var exchangeSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "environment"}, {Name: "url"}, {Name: "account"}, {Name: "namespace"}, {Name: "nonce"},
}}

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "type"}, {Name: "default"}, {Name: "description"}, {Name: "sensitive"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "validation"}},
}

var validationSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "condition", Required: true}, {Name: "error_message", Required: true},
}}

var orderSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "symbol", Required: true}, {Name: "side", Required: true}, {Name: "type"},
		{Name: "amount", Required: true}, {Name: "price", Required: true}, {Name: "stop_price"},
		{Name: "options"}, {Name: "count"}, {Name: "for_each"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "lifecycle"}},
}

var lifecycleSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "reprice_tolerance"}, {Name: "on_fill"}, {Name: "replace_amount"}, {Name: "prevent_cancel"},
}}

var guardSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "max_order_notional"}, {Name: "max_open_notional"}, {Name: "max_price_deviation"}, {Name: "allow_crossing"},
}}

var movedSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
	{Name: "from", Required: true}, {Name: "to", Required: true},
}}

var dataKinds = []string{"ticker", "symbol", "balance"}

var dataSchemas = map[string]*hcl.BodySchema{
	"ticker":  {Attributes: []hcl.AttributeSchema{{Name: "symbol", Required: true}}},
	"symbol":  {Attributes: []hcl.AttributeSchema{{Name: "symbol", Required: true}}},
	"balance": {Attributes: []hcl.AttributeSchema{{Name: "currency", Required: true}}},
}

// Blocks whose bodies are decoded at declaration and evaluated later.
type (
	local struct {
		name string
		expr hcl.Expression
		rng  hcl.Range // the whole attribute
		deps []string  // local values referenced
		bad  bool      // invalid references: never evaluated

		directData bool // refers to a data source itself
		dataDep    bool // depends on one, directly or through locals (or a cycle)
	}
	orderBlock struct {
		name      string
		block     *hcl.Block
		attrs     hcl.Attributes
		lifecycle hcl.Attributes
		ranges    map[string]hcl.Range
		bad       bool

		// Set by the pass without the exchange (Load), read-only after:
		// insts are its instances when the pass with the exchange may
		// reuse them (count or for_each cannot depend on a data source),
		// their contexts dropped; invariant holds the attributes whose
		// expressions refer to neither each nor count.
		insts     []instance
		invariant map[*hcl.Attribute]bool
	}
	dataBlock struct {
		ds   *DataSource
		attr *hcl.Attribute
	}
)

// pending holds the blocks evaluated after variables are resolved.
type pending struct {
	exchange *hcl.Block
	exAttrs  hcl.Attributes
	guard    hcl.Attributes
	watch    hcl.Attributes // nil when there is no watch block
	data     []dataBlock
	moved    []movedBlock
}

type movedBlock struct {
	block *hcl.Block
	attrs hcl.Attributes
}

func (c *Config) declare(body *hclsyntax.Body) hcl.Diagnostics {
	content, diags := body.Content(rootSchema)
	for _, b := range content.Blocks {
		switch b.Type {
		case "exchange":
			diags = append(diags, c.declareExchange(b)...)
		case "variable":
			diags = append(diags, c.declareVariable(b)...)
		case "locals":
			diags = append(diags, c.declareLocals(b)...)
		case "data":
			diags = append(diags, c.declareData(b)...)
		case "order":
			diags = append(diags, c.declareOrder(b)...)
		case "guard":
			diags = append(diags, c.declareGuard(b)...)
		case "watch":
			diags = append(diags, c.declareWatch(b)...)
		case "moved":
			content, d := b.Body.Content(movedSchema)
			diags = append(diags, d...)
			if !d.HasErrors() {
				c.pending.moved = append(c.pending.moved, movedBlock{b, content.Attributes})
			}
		}
	}
	return diags
}

func errDiag(summary, detail string, subject hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: subject.Ptr()}
}

func warnDiag(summary, detail string, subject hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: detail, Subject: subject.Ptr()}
}

// maxNameLength bounds block names: they are shown in every plan line and
// are part of every address; a longer one is a mistake, not a name.
const maxNameLength = 64

// checkName reports a block label that is not an identifier.
func checkName(b *hcl.Block, i int, what string) hcl.Diagnostics {
	if n := len(b.Labels[i]); n > maxNameLength {
		return hcl.Diagnostics{errDiag("Invalid "+what+" name",
			fmt.Sprintf("A %s name may be at most %d characters long; this one has %d.", what, maxNameLength, n),
			b.LabelRanges[i])}
	}
	if hclsyntax.ValidIdentifier(b.Labels[i]) {
		return nil
	}
	return hcl.Diagnostics{errDiag("Invalid "+what+" name",
		fmt.Sprintf("A %s name must start with a letter or underscore and may contain only letters, digits, underscores and dashes.", what),
		b.LabelRanges[i])}
}

func (c *Config) declareExchange(b *hcl.Block) hcl.Diagnostics {
	if c.pending.exchange != nil {
		return hcl.Diagnostics{errDiag("Duplicate exchange block",
			fmt.Sprintf("A configuration has one exchange block; another was declared at %s.", c.pending.exchange.DefRange),
			b.DefRange)}
	}
	c.pending.exchange = b
	c.Exchange.Range = b.DefRange
	content, diags := b.Body.Content(exchangeSchema)
	c.pending.exAttrs = content.Attributes
	return diags
}

func (c *Config) declareGuard(b *hcl.Block) hcl.Diagnostics {
	if c.Guard != nil {
		return hcl.Diagnostics{errDiag("Duplicate guard block",
			fmt.Sprintf("A configuration has one guard block; another was declared at %s.", c.Guard.Range),
			b.DefRange)}
	}
	c.Guard = &Guard{Range: b.DefRange}
	content, diags := b.Body.Content(guardSchema)
	c.pending.guard = content.Attributes
	return diags
}

func (c *Config) declareLocals(b *hcl.Block) hcl.Diagnostics {
	attrs, diags := b.Body.JustAttributes()
	for _, a := range sortedAttrs(attrs) {
		name := a.Name
		if prev, ok := c.localOf[name]; ok {
			diags = append(diags, errDiag("Duplicate local value definition",
				fmt.Sprintf("A local value named %q was already defined at %s. Local value names must be unique.", name, prev.rng),
				a.NameRange))
			continue
		}
		l := &local{name: name, expr: a.Expr, rng: a.Range}
		c.localOf[name] = l
		c.locals = append(c.locals, l)
	}
	return diags
}

func (c *Config) declareData(b *hcl.Block) hcl.Diagnostics {
	kind, name := b.Labels[0], b.Labels[1]
	schema, ok := dataSchemas[kind]
	if !ok {
		return hcl.Diagnostics{errDiag("Invalid data source type",
			fmt.Sprintf("There is no data source of type %q; the types are ticker, symbol and balance.%s", kind, didYouMean(kind, dataKinds)),
			b.LabelRanges[0])}
	}
	diags := checkName(b, 1, "data source")
	key := kind + "." + name
	if prev, ok := c.dataOf[key]; ok {
		return append(diags, errDiag("Duplicate data source",
			fmt.Sprintf("A data source data.%s was already declared at %s.", key, prev.Range), b.DefRange))
	}
	content, d := b.Body.Content(schema)
	diags = append(diags, d...)
	ds := &DataSource{Kind: kind, Name: name, Range: b.DefRange}
	c.dataOf[key] = ds
	attr := content.Attributes["symbol"]
	if kind == "balance" {
		attr = content.Attributes["currency"]
	}
	c.pending.data = append(c.pending.data, dataBlock{ds: ds, attr: attr})
	return diags
}

func (c *Config) declareOrder(b *hcl.Block) hcl.Diagnostics {
	name := b.Labels[0]
	diags := checkName(b, 0, "order")
	if prev, ok := c.orderOf[name]; ok {
		return append(diags, errDiag("Duplicate order",
			fmt.Sprintf("An order named %q was already declared at %s. Order names must be unique: the address order.%s is the order's identity.", name, prev.block.DefRange, name),
			b.DefRange))
	}
	content, d := b.Body.Content(orderSchema)
	diags = append(diags, d...)
	ob := &orderBlock{name: name, block: b, attrs: content.Attributes, ranges: map[string]hcl.Range{}}
	c.orderOf[name] = ob
	c.orders = append(c.orders, ob)
	if a, b := content.Attributes["count"], content.Attributes["for_each"]; a != nil && b != nil {
		diags = append(diags, errDiag("Invalid combination of \"count\" and \"for_each\"",
			"The count and for_each meta-arguments are mutually exclusive; only one may be used in an order block.",
			b.NameRange))
		ob.bad = true
	}
	for _, lb := range content.Blocks {
		if ob.lifecycle != nil {
			diags = append(diags, errDiag("Duplicate lifecycle block",
				"An order has at most one lifecycle block.", lb.DefRange))
			continue
		}
		lc, d := lb.Body.Content(lifecycleSchema)
		diags = append(diags, d...)
		ob.lifecycle = lc.Attributes
	}
	for name, a := range ob.attrs {
		ob.ranges[name] = a.Expr.Range()
	}
	for name, a := range ob.lifecycle {
		ob.ranges[name] = a.Expr.Range()
	}
	return diags
}

// sortedAttrs returns attrs in source order.
func sortedAttrs(attrs hcl.Attributes) []*hcl.Attribute {
	out := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Range, out[j].Range
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Start.Byte < b.Start.Byte
	})
	return out
}
