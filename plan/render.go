package plan

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/fatih/color"
)

// RenderOptions control the human rendering of a plan.
type RenderOptions struct {
	Color bool // decided once by the caller: -no-color, NO_COLOR, terminal
	// Sensitive holds values that must never be printed (the values of
	// sensitive variables); any attribute, reason or note containing one is
	// shown as "(sensitive value)".
	Sensitive []string
}

const sensitiveValue = "(sensitive value)"

// palette holds the colors of one rendering; it never touches fatih/color's
// global switch.
type palette struct {
	add, del, repl, bold *color.Color
}

func newPalette(enabled bool) palette {
	mk := func(attrs ...color.Attribute) *color.Color {
		c := color.New(attrs...)
		if enabled {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return c
	}
	return palette{add: mk(color.FgGreen), del: mk(color.FgRed), repl: mk(color.FgYellow), bold: mk(color.Bold)}
}

type renderer struct {
	w    *bufio.Writer
	p    palette
	opts RenderOptions
}

// RenderHuman writes the plan the way Terraform writes its plans: a legend of
// the symbols used, one block per order to place, replace or cancel, notes for
// fills and moves, the orders left alone and a summary line. Diagnostics are
// not part of it; the caller prints them.
func RenderHuman(w io.Writer, p *Plan, opts RenderOptions) {
	r := &renderer{w: bufio.NewWriter(w), p: newPalette(opts.Color), opts: opts}
	defer r.w.Flush()
	r.notes(p)
	if p.HasChanges() {
		r.legend(p)
		fmt.Fprintln(r.w, "orderform will perform the following actions:")
		for i := range p.Actions {
			r.action(&p.Actions[i])
		}
		fmt.Fprintln(r.w)
	}
	r.leftAlone(p)
	c, rp, x := p.Counts()
	if c+rp+x == 0 {
		r.p.bold.Fprint(r.w, "No changes.")
		fmt.Fprintln(r.w, " The book matches the configuration.")
		return
	}
	if p.Fee != nil && p.PlacesBuy() {
		fmt.Fprintf(r.w, "Buys hold their fee too: %s.\n", p.Fee.Describe())
	}
	r.p.bold.Fprint(r.w, "Plan:")
	fmt.Fprintf(r.w, " %d to place, %d to replace, %d to cancel.\n", c, rp, x)
}

func (r *renderer) legend(p *Plan) {
	var used [3]bool
	for i := range p.Actions {
		switch p.Actions[i].Kind {
		case Create:
			used[0] = true
		case Cancel:
			used[1] = true
		case Replace:
			used[2] = true
		}
	}
	fmt.Fprintln(r.w, "Order actions are indicated with the following symbols:")
	if used[0] {
		r.p.add.Fprint(r.w, "  +")
		fmt.Fprintln(r.w, " place")
	}
	if used[1] {
		r.p.del.Fprint(r.w, "  -")
		fmt.Fprintln(r.w, " cancel")
	}
	if used[2] {
		r.p.repl.Fprint(r.w, "-/+")
		fmt.Fprintln(r.w, " cancel, then place again")
	}
	fmt.Fprintln(r.w)
}

// notes lists what changes nothing but is worth knowing: fills, partial
// fills and moves of orders that are kept.
func (r *renderer) notes(p *Plan) {
	first := true
	for i := range p.Actions {
		a := &p.Actions[i]
		if (a.Kind != NoOp && a.Kind != Filled) || len(a.Notes) == 0 {
			continue
		}
		if first {
			r.p.bold.Fprint(r.w, "Note:")
			fmt.Fprintln(r.w, " nothing to do for these orders")
			fmt.Fprintln(r.w)
			first = false
		}
		for _, n := range a.Notes {
			fmt.Fprintf(r.w, "  # %s: %s\n", displayAddress(a), r.redact(n))
		}
	}
	if !first {
		fmt.Fprintln(r.w)
	}
}

func (r *renderer) leftAlone(p *Plan) {
	n := p.Unmanaged + p.Foreign
	if n == 0 {
		return
	}
	noun := "orders"
	if n == 1 {
		noun = "order"
	}
	fmt.Fprintf(r.w, "%d %s not managed by this configuration %s left alone (%d unmanaged, %d of other namespaces).\n\n",
		n, noun, map[bool]string{true: "was", false: "were"}[n == 1], p.Unmanaged, p.Foreign)
}

// displayAddress is the address, or for a managed order the configuration
// no longer knows, its client and order ids.
func displayAddress(a *Action) string {
	if a.Address != "" {
		return a.Address
	}
	if a.Before != nil {
		return fmt.Sprintf("%s (order %s)", a.ClientOrderID, a.Before.OrderID)
	}
	return a.ClientOrderID
}

// blockName turns order.btc_bid["l1"] into order "btc_bid".
func blockName(addr string) string {
	name, ok := strings.CutPrefix(addr, "order.")
	if !ok || name == "" {
		return "order"
	}
	if i := strings.IndexByte(name, '['); i >= 0 {
		name = name[:i]
	}
	return fmt.Sprintf("order %q", name)
}

func (r *renderer) header(a *Action) string {
	addr := displayAddress(a)
	switch a.Kind {
	case Create:
		switch a.Why {
		case WhyRefill:
			return addr + ` will be placed again (because its last order filled and on_fill = "replace")`
		case WhyCancelledOutside:
			return addr + " will be placed again (because its last order was cancelled)"
		case WhyRequested:
			return addr + " will be placed, as requested"
		}
		return addr + " will be placed"
	case Replace:
		if a.Why == WhyRequested {
			return addr + " will be replaced, as requested"
		}
		return addr + " must be replaced"
	default:
		switch a.Why {
		case WhyNotInConfig:
			return addr + " will be cancelled (because it is not in the configuration)"
		case WhyDuplicate:
			return addr + " will be cancelled (because it is a duplicate)"
		case WhyFilled:
			return addr + ` will be cancelled (because its orders have filled the declared amount and on_fill = "done")`
		}
		return addr + " will be cancelled"
	}
}

func (r *renderer) action(a *Action) {
	if a.Kind != Create && a.Kind != Replace && a.Kind != Cancel {
		return
	}
	fmt.Fprintln(r.w)
	r.p.bold.Fprint(r.w, "  # "+r.header(a))
	fmt.Fprintln(r.w)
	var sym string
	var c *color.Color
	switch a.Kind {
	case Create:
		sym, c = "  +", r.p.add
	case Cancel:
		sym, c = "  -", r.p.del
	default:
		sym, c = "-/+", r.p.repl
	}
	for _, reason := range a.Reasons {
		if a.Why == WhyChanged || a.Why == WhyNotInConfig {
			break // the attributes or the header say it
		}
		fmt.Fprintf(r.w, "    # %s\n", r.redact(reason))
	}
	for _, n := range a.Notes {
		fmt.Fprintf(r.w, "    # %s\n", r.redact(n))
	}
	c.Fprint(r.w, sym)
	fmt.Fprintf(r.w, " %s {\n", blockName(a.Address))
	rows, hidden := r.rows(a)
	width := 0
	for _, row := range rows {
		width = max(width, len(row.name))
	}
	for _, row := range rows {
		r.row(row, width)
	}
	if hidden > 0 {
		noun := "attributes"
		if hidden == 1 {
			noun = "attribute"
		}
		fmt.Fprintf(r.w, "        # (%d unchanged %s hidden)\n", hidden, noun)
	}
	fmt.Fprintln(r.w, "    }")
}

// row is one attribute line of a block.
type row struct {
	name           string
	old, new       string
	hasOld, hasNew bool
	forces         bool
}

var attrOrder = []string{"symbol", "side", "type", "amount", "price", "stop_price", "options", "client_order_id", "order_id"}

const knownAfterApply = "(known after apply)"

func (r *renderer) rows(a *Action) ([]row, int) {
	var oldv, newv map[string]string
	if a.Before != nil && a.Kind != Create {
		oldv = liveValues(a.Before)
	}
	if a.After != nil && a.Kind != Cancel {
		newv = orderValues(a.After)
	}
	hidden := a.Hidden()
	var rows []row
	unchanged := 0
	for _, name := range attrOrder {
		o, hasO := oldv[name]
		n, hasN := newv[name]
		if !hasO && !hasN {
			continue
		}
		if slices.Contains(hidden, name) {
			if hasO {
				o = sensitiveValue
			}
			if hasN {
				n = sensitiveValue
			}
		}
		o, n = r.redactValue(o), r.redactValue(n)
		if hasO && hasN && o == n && !slices.Contains(a.Changed, name) {
			unchanged++
			continue
		}
		rows = append(rows, row{name: name, old: o, new: n, hasOld: hasO, hasNew: hasN, forces: slices.Contains(a.Changed, name)})
	}
	return rows, unchanged
}

func (r *renderer) row(x row, width int) {
	pad := strings.Repeat(" ", width-len(x.name))
	switch {
	case x.hasOld && x.hasNew:
		r.p.repl.Fprint(r.w, "      ~")
		fmt.Fprintf(r.w, " %s%s = %s -> %s", x.name, pad, x.old, x.new)
		if x.forces {
			fmt.Fprint(r.w, " # forces replacement")
		}
	case x.hasNew:
		r.p.add.Fprint(r.w, "      +")
		fmt.Fprintf(r.w, " %s%s = %s", x.name, pad, x.new)
	default:
		r.p.del.Fprint(r.w, "      -")
		fmt.Fprintf(r.w, " %s%s = %s", x.name, pad, x.old)
	}
	fmt.Fprintln(r.w)
}

func liveValues(l *LiveOrder) map[string]string {
	v := map[string]string{
		"symbol":          fmt.Sprintf("%q", l.Symbol),
		"side":            fmt.Sprintf("%q", l.Side),
		"type":            fmt.Sprintf("%q", orderType(l.Type)),
		"amount":          l.OriginalAmount.String(),
		"price":           l.Price.String(),
		"client_order_id": fmt.Sprintf("%q", l.ClientOrderID),
		"order_id":        fmt.Sprintf("%q", l.OrderID),
	}
	if orderType(l.Type) == "stop-limit" || !l.StopPrice.IsZero() {
		v["stop_price"] = l.StopPrice.String()
	}
	if len(l.Options) > 0 {
		v["options"] = optionsString(l.Options)
	}
	return v
}

func orderValues(o *Order) map[string]string {
	v := map[string]string{
		"symbol":          fmt.Sprintf("%q", o.Symbol),
		"side":            fmt.Sprintf("%q", o.Side),
		"type":            fmt.Sprintf("%q", orderType(o.Type)),
		"amount":          o.Amount.String(),
		"price":           o.Price.String(),
		"client_order_id": fmt.Sprintf("%q", o.ClientOrderID),
		"order_id":        knownAfterApply,
	}
	if orderType(o.Type) == "stop-limit" || !o.StopPrice.IsZero() {
		v["stop_price"] = o.StopPrice.String()
	}
	if len(o.Options) > 0 {
		v["options"] = optionsString(o.Options)
	}
	return v
}

// redactValue hides a rendered value that is a sensitive one.
func (r *renderer) redactValue(v string) string {
	for _, s := range r.opts.Sensitive {
		if s != "" && (v == s || v == fmt.Sprintf("%q", s)) {
			return sensitiveValue
		}
	}
	return v
}

// redact replaces every sensitive value inside free text, where it stands as
// a whole word: "1" hides "price 1 -> 2" but not "order.l1".
func (r *renderer) redact(text string) string {
	for _, s := range r.opts.Sensitive {
		if s != "" {
			text = replaceWord(text, s, sensitiveValue)
		}
	}
	return text
}

func replaceWord(text, word, with string) string {
	var b strings.Builder
	for {
		i := strings.Index(text, word)
		if i < 0 {
			b.WriteString(text)
			return b.String()
		}
		j := i + len(word)
		if (i == 0 || !wordByte(text[i-1])) && (j == len(text) || !wordByte(text[j]) || endsSentence(text[j:])) {
			b.WriteString(text[:i])
			b.WriteString(with)
		} else {
			b.WriteString(text[:j])
		}
		text = text[j:]
	}
}

// endsSentence reports a full stop that is not a decimal point.
func endsSentence(rest string) bool {
	return rest[0] == '.' && (len(rest) == 1 || rest[1] < '0' || rest[1] > '9')
}

func wordByte(c byte) bool {
	return c == '.' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
