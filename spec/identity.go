package spec

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// ClientOrderID is the deterministic client order id of the order at
// address in namespace (docs/safety.md, "Ownership and namespaces"):
//
//	of:<namespace>:<first 16 hex chars of SHA-256(namespace NUL address)>
//
// For a valid namespace (1–12 of [a-z0-9_-]) it has at most 32 characters,
// all from Gemini's [A-Za-z0-9:_.#-], within its limit of 36.
func ClientOrderID(namespace, address string) string {
	var buf [128]byte // on the stack for usual lengths: one allocation per id
	b := append(append(append(buf[:0], namespace...), 0), address...)
	sum := sha256.Sum256(b)
	var h [16]byte
	hex.Encode(h[:], sum[:8])
	// plan.ManagedPrefix(namespace), which plan cannot import from here;
	// internal/exchange's tests hold the two together.
	return "of:" + namespace + ":" + string(h[:])
}

var namespaceRE = regexp.MustCompile(`^[a-z0-9_-]{1,12}$`)

// ValidNamespace reports whether ns may be used as a namespace.
func ValidNamespace(ns string) bool { return namespaceRE.MatchString(ns) }

// instanceKey is the key of one instance of an order block: none, a
// count index or a for_each key.
type instanceKey struct {
	kind  byte // 0 none, 'i' index, 's' string
	index int
	str   string
}

// address is the address of an instance of block name: order.name,
// order.name[0] or order.name["key"].
func address(name string, k instanceKey) string {
	switch k.kind {
	case 'i':
		return "order." + name + "[" + strconv.Itoa(k.index) + "]"
	case 's':
		return "order." + name + "[" + quoteKey(k.str) + "]"
	}
	return "order." + name
}

// quoteKey writes a key as an HCL string literal: quotes, backslashes and
// control characters escaped, template introducers doubled. The result is
// part of an order's identity, so this must never change.
func quoteKey(s string) string {
	plain := true // nothing to escape: the common case, without a builder
	for i := 0; i < len(s) && plain; i++ {
		c := s[i]
		plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '$' && c != '%'
	}
	if plain {
		return `"` + s + `"`
	}
	var b strings.Builder
	b.WriteByte('"')
	for i, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		case (r == '$' || r == '%') && strings.HasPrefix(s[i+1:], "{"):
			b.WriteRune(r)
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
