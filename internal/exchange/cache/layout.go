package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"

	"orderform/plan"
)

// Where the caches live:
//
//	<Root>/<environment>-<hash>/symbols.json        symbol rules (Rules)
//	<Root>/<environment>-<hash>/roles.json          the key's roles (Roles)
//	<Root>/<environment>-<hash>/fees.json           the account's fee rate (Fee)
//	<Root>/<environment>-<hash>/history/<sym>.json  closed orders (History)
//	<dir>/.orderform/cache/…                        the same, for the built-in local exchange
//
// The hash is of the environment, base URL, account and key, never the key
// itself.

// Dir is the cache directory of one exchange and key: under root
// ($ORDERFORM_CACHE_DIR or the user cache directory, see Root) a directory
// named by a hash of the environment, base URL, account and key (never the
// key itself); "" when root is "".
//
// The built-in local exchange (base URL "local:<book>") keeps its cache
// beside its book, so that deleting .orderform/ to start again forgets
// both: a history cache that outlived its book would report fills that
// never happened.
func Dir(root string, t plan.Target, key string) string {
	if state, ok := strings.CutPrefix(t.BaseURL, "local:"); ok {
		return filepath.Join(filepath.Dir(state), "cache")
	}
	if root == "" {
		return ""
	}
	h := sha256.Sum256([]byte(t.Environment + "\x00" + t.BaseURL + "\x00" + t.Account + "\x00" + key))
	return filepath.Join(root, t.Environment+"-"+hex.EncodeToString(h[:6]))
}

// Root is dir ($ORDERFORM_CACHE_DIR), or orderform's directory in the
// user cache directory; "" when there is none.
func Root(dir string) string {
	if dir != "" {
		return dir
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "orderform")
}
