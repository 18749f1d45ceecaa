package spec

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// movedAddr is a parsed order address of a moved block.
type movedAddr struct {
	name string
	key  instanceKey
	rng  hcl.Range
}

func (m movedAddr) String() string { return address(m.name, m.key) }

// parseMovedAddr parses order.x, order.x[0] or order.x["key"].
func parseMovedAddr(expr hcl.Expression) (movedAddr, *hcl.Diagnostic) {
	bad := func() (movedAddr, *hcl.Diagnostic) {
		return movedAddr{}, errDiag("Invalid address",
			`A moved block's from and to are order addresses, like order.btc_bid, order.btc_bid[0] or order.btc_bid["l1"].`, expr.Range())
	}
	t, d := hcl.AbsTraversalForExpr(expr)
	if d.HasErrors() || len(t) < 2 || len(t) > 3 || t.RootName() != "order" {
		return bad()
	}
	name, ok := t[1].(hcl.TraverseAttr)
	if !ok {
		return bad()
	}
	m := movedAddr{name: name.Name, rng: expr.Range()}
	if len(t) == 3 {
		idx, ok := t[2].(hcl.TraverseIndex)
		if !ok || idx.Key.IsNull() || !idx.Key.IsKnown() {
			return bad()
		}
		switch idx.Key.Type() {
		case cty.String:
			m.key = instanceKey{kind: 's', str: idx.Key.AsString()}
		case cty.Number:
			i, err := strconv.Atoi(idx.Key.AsBigFloat().Text('f', -1))
			if err != nil || i < 0 {
				return bad()
			}
			m.key = instanceKey{kind: 'i', index: i}
		default:
			return bad()
		}
	}
	return m, nil
}

// resolveMoved turns moved blocks into instance-level moves. A move of a
// whole block (order.a to order.b) moves each instance of order.b from the
// same key of order.a. Chains (a to b, b to c) are followed to their end.
func (c *Config) resolveMoved(orders []Order) hcl.Diagnostics {
	declared := make(map[string]bool, len(orders))
	for _, o := range orders {
		declared[o.Address] = true
	}
	next, froms, diags := c.movedEdges(declared)
	sort.Strings(froms)
	diags = append(diags, c.followMoves(next, froms)...)
	return dedupe(diags)
}

// movedEdge is one address's move: where to, the moved block, and the range
// of its to.
type movedEdge struct {
	to    string
	rng   hcl.Range // the moved block
	toRng hcl.Range
}

// movedEdges reads the moved blocks into one move per address (an expanded
// block's moves per instance), refusing a from that is still declared and
// an address moved twice or two moved to one.
func (c *Config) movedEdges(declared map[string]bool) (map[string]movedEdge, []string, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	next := map[string]movedEdge{}
	target := map[string]string{} // immediate destination → source
	var froms []string
	for _, mb := range c.pending.moved {
		from, d1 := parseMovedAddr(mb.attrs["from"].Expr)
		to, d2 := parseMovedAddr(mb.attrs["to"].Expr)
		if d1 != nil || d2 != nil {
			for _, d := range []*hcl.Diagnostic{d1, d2} {
				if d != nil {
					diags = append(diags, d)
				}
			}
			continue
		}
		if from.String() == to.String() {
			diags = append(diags, errDiag("Redundant moved block", "from and to are the same address.", mb.block.DefRange))
			continue
		}
		pairs := [][2]string{{from.String(), to.String()}}
		if from.key.kind == 0 && to.key.kind == 0 {
			if _, ok := c.orderOf[from.name]; ok {
				diags = append(diags, errDiag("Moved order still declared",
					fmt.Sprintf("%s is still declared in the configuration; a moved block's from must be an address that no longer exists.", from), from.rng))
				continue
			}
			if ob := c.orderOf[to.name]; ob != nil && (ob.attrs["count"] != nil || ob.attrs["for_each"] != nil) {
				pairs = pairs[:0]
				for _, k := range c.keys[to.name] {
					pairs = append(pairs, [2]string{address(from.name, k), address(to.name, k)})
				}
			}
		} else if declared[from.String()] {
			diags = append(diags, errDiag("Moved order still declared",
				fmt.Sprintf("%s is still declared in the configuration; a moved block's from must be an address that no longer exists.", from), from.rng))
			continue
		}
		for _, p := range pairs {
			if prev, ok := next[p[0]]; ok {
				diags = append(diags, errDiag("Ambiguous move statements",
					fmt.Sprintf("%s is moved twice: here, and at %s.", p[0], prev.rng), mb.block.DefRange))
				continue
			}
			if prev, ok := target[p[1]]; ok {
				diags = append(diags, errDiag("Ambiguous move statements",
					fmt.Sprintf("Both %s and %s are moved to %s; only one live order can become it.", prev, p[0], p[1]), mb.block.DefRange))
				continue
			}
			target[p[1]] = p[0]
			next[p[0]] = movedEdge{p[1], mb.block.DefRange, to.rng}
			froms = append(froms, p[0])
		}
	}
	return next, froms, diags
}

// followMoves follows each chain of moves to its end, records it in c.Moved
// and reports cycles and moves to undeclared orders.
func (c *Config) followMoves(next map[string]movedEdge, froms []string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	inCycle := map[string]bool{}
	for _, from := range froms {
		if inCycle[from] {
			continue
		}
		e := next[from]
		path := []string{from}
		for {
			n, ok := next[e.to]
			if !ok || e.to == from {
				break
			}
			if len(path) > len(next) {
				break // a cycle not through from; reported from its members
			}
			path = append(path, e.to)
			e = n
		}
		if e.to == from || len(path) > len(next) {
			if e.to == from {
				for _, p := range path {
					inCycle[p] = true
				}
				diags = append(diags, errDiag("Cyclic move statements",
					fmt.Sprintf("The moved blocks starting at %s lead back to it: %s.", from, strings.Join(append(path, from), " → ")), next[from].rng))
			}
			continue
		}
		to := e.to
		if name := blockName(to); c.orderOf[name] == nil {
			diags = append(diags, warnDiag("Moved to an undeclared order",
				fmt.Sprintf("No order block %q is declared, so the live order of %s will be cancelled.", name, from), e.toRng))
		}
		c.Moved = append(c.Moved, Moved{
			From: from, To: to,
			FromClientOrderID: ClientOrderID(c.Exchange.Namespace, from),
			ToClientOrderID:   ClientOrderID(c.Exchange.Namespace, to),
			Range:             next[from].rng,
		})
	}
	return diags
}

// blockName is the block name of an order address.
func blockName(addr string) string {
	name := strings.TrimPrefix(addr, "order.")
	if i := strings.IndexByte(name, '['); i >= 0 {
		name = name[:i]
	}
	return name
}
