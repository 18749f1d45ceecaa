package plan

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Block is one order block of the configuration as a whole.
type Block struct {
	Address   string // order.x
	Expansion string // "count", "for_each", or "" for a single order
	// PreventCancel is true when the block protects its instances,
	// including those it no longer declares (see spec.OrderBlock).
	PreventCancel bool
	Range         hcl.Range // the prevent_cancel argument, or the block
}

// maxIndex bounds the count indexes tried when recovering the address of
// an order: the language's own bound on count.
const maxIndex = 100000

// Recover returns the addresses, by client id, of the orders in ids (which
// it empties of those it finds) that one of blocks could have produced: its
// bare address, or for a count block an index below the language's bound.
// The exchange keeps only hashes, so they are found by hashing every
// candidate with clientOrderID; for_each keys that are gone cannot be
// enumerated, and stay unknown.
func Recover(blocks []Block, clientOrderID func(string) string, ids map[string]bool) map[string]string {
	found := map[string]string{}
	if clientOrderID == nil || len(ids) == 0 {
		return found
	}
	try := func(addr string) {
		if id := clientOrderID(addr); ids[id] {
			found[id] = addr
			delete(ids, id)
		}
	}
	for _, b := range blocks {
		try(b.Address)
	}
	var buf []byte
	for _, b := range blocks {
		if b.Expansion != "count" {
			continue
		}
		for i := 0; i < maxIndex && len(ids) > 0; i++ {
			buf = append(strconv.AppendInt(append(append(buf[:0], b.Address...), '['), int64(i), 10), ']')
			try(string(buf))
		}
	}
	return found
}

// recoverLeftovers names the managed live orders in idx that the
// configuration no longer knows, where it can.
func (c *computer) recoverLeftovers(idx []int32) {
	ids := map[string]bool{}
	for _, i := range idx {
		if addr, _ := c.addressOf(&c.in.Live[i]); addr == "" {
			ids[c.in.Live[i].ClientOrderID] = true
		}
	}
	c.recovered = Recover(c.in.Blocks, c.in.ClientOrderID, ids)
}

// blockOf returns the block of an address: order.x for order.x["k"].
func (c *computer) blockOf(addr string) *Block {
	name := addr
	if i := strings.IndexByte(addr, '['); i >= 0 {
		name = addr[:i]
	}
	for i := range c.in.Blocks {
		if c.in.Blocks[i].Address == name {
			return &c.in.Blocks[i]
		}
	}
	return nil
}

// checkRemoved refuses to cancel live order l, which no desired order
// claims, when a block with prevent_cancel produced it or may have: under
// addr when it is known, otherwise as a for_each instance whose key is
// gone, if the block declares no orders now or orders of l's symbol and
// side.
func (c *computer) checkRemoved(l *LiveOrder, addr string) {
	if addr != "" {
		b := c.blockOf(addr)
		if b == nil || !b.PreventCancel {
			return
		}
		c.protectedError(b, fmt.Sprintf("This plan would cancel order %s (%s) of %s, which the configuration no longer declares, but %s sets prevent_cancel = true for its instances, those it no longer declares included. "+
			"Declare %s again, add a moved block if it was renamed, or remove prevent_cancel to allow the cancel.",
			l.OrderID, l.ClientOrderID, addr, blockName(b.Address), addr))
		return
	}
	for i := range c.in.Blocks {
		b := &c.in.Blocks[i]
		if !b.PreventCancel || b.Expansion != "for_each" || !c.mayHaveProduced(b, l) {
			continue
		}
		c.protectedError(b, fmt.Sprintf("This plan would cancel order %s (%s, a %s %s order), whose address cannot be told: the exchange keeps only a hash of it. "+
			"It may be an instance of %s whose for_each key was renamed or removed, and %s sets prevent_cancel = true. "+
			"If it is, add a moved block from its old address to its new one to keep it; if it is not, or to cancel it anyway, remove prevent_cancel from %s for this plan.",
			l.OrderID, l.ClientOrderID, l.Symbol, l.Side, b.Address, blockName(b.Address), blockName(b.Address)))
	}
}

// mayHaveProduced reports whether block b could have placed l: when b
// declares no orders now, anything; otherwise an order of the symbol and
// side of one of its instances.
func (c *computer) mayHaveProduced(b *Block, l *LiveOrder) bool {
	any := false
	for i := range c.in.Desired {
		d := &c.in.Desired[i]
		if !strings.HasPrefix(d.Address, b.Address+"[") {
			continue
		}
		any = true
		if strings.EqualFold(d.Symbol, l.Symbol) && d.Side == l.Side {
			return true
		}
	}
	return !any
}

func (c *computer) protectedError(b *Block, detail string) {
	r := b.Range
	c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Order is protected by prevent_cancel", Detail: detail, Subject: &r})
}
