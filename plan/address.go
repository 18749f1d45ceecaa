package plan

import (
	"strconv"
	"strings"
)

// CompareAddresses orders order addresses the way Terraform orders resource
// instances: by block name, then the address without an instance key, then
// count indices by number (order.grid[2] before order.grid[10]), then
// for_each keys as text. Strings that are not addresses ("", a client order
// id) sort before addresses, as text, as they always have. It is the one comparison of addresses:
// plans, their renderings, saved plans, reports and show all use it.
func CompareAddresses(a, b string) int {
	an, ak, aok := splitAddress(a)
	bn, bk, bok := splitAddress(b)
	switch {
	case !aok || !bok:
		if aok != bok {
			if aok {
				return 1
			}
			return -1
		}
		return strings.Compare(a, b)
	case an != bn:
		return strings.Compare(an, bn)
	}
	ai, aInt := indexKey(ak)
	bi, bInt := indexKey(bk)
	switch {
	case ak == "" || bk == "": // no key first
		return strings.Compare(ak, bk)
	case aInt && bInt:
		if ai != bi {
			if ai < bi {
				return -1
			}
			return 1
		}
		return strings.Compare(ak, bk) // same number, written differently
	case aInt != bInt: // indices before keys
		if aInt {
			return -1
		}
		return 1
	}
	return strings.Compare(ak, bk)
}

// splitAddress splits order.name[key] into name and key (without the
// brackets; "" when there is none). ok is false when addr is not an
// order's address.
func splitAddress(addr string) (name, key string, ok bool) {
	rest, ok := strings.CutPrefix(addr, "order.")
	if !ok || rest == "" {
		return "", "", false
	}
	i := strings.IndexByte(rest, '[')
	if i < 0 {
		return rest, "", true
	}
	if i == 0 || !strings.HasSuffix(rest, "]") {
		return "", "", false
	}
	return rest[:i], rest[i+1 : len(rest)-1], true
}

// indexKey reports whether key is a count index, and its value.
func indexKey(key string) (int, bool) {
	if key == "" || key[0] == '"' {
		return 0, false
	}
	n, err := strconv.Atoi(key)
	return n, err == nil
}
