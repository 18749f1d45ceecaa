// Package cache holds the exchange's on-disk caches — symbol rules, the
// key's roles, the account's fee rates and the closed-order history — and
// the one definition of where they live (Dir, Root).
//
// Every cache is only a cache: what it holds can be read from the exchange
// again, at the cost of requests. So a cache that is missing, damaged, stale
// or from another version reads as empty, and a failure to save or drop one
// is not an error of the command: it is dropped on purpose, and reported on
// the debug log (ORDERFORM_LOG=debug) as "cache: …" so that a read-only or
// full disk can still be diagnosed. Files are written through
// internal/atomicfile (0600, in a 0700 directory), so a concurrent reader
// sees the old cache or the new one, never half of either.
package cache

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"orderform/internal/atomicfile"
)

// A Store is the caches of one exchange and key (Dir says where they are);
// the zero Store, or one at "", caches nothing.
type Store struct {
	path  string
	debug io.Writer // ORDERFORM_LOG=debug; nil = none
}

// Open returns the caches in directory path ("" = none), reporting failures
// to save them on debug (nil = nowhere).
func Open(path string, debug io.Writer) Store {
	return Store{path: path, debug: debug}
}

// file is where the cache name lives; "" when d caches nothing.
func (d Store) file(name ...string) string {
	if d.path == "" {
		return ""
	}
	return filepath.Join(append([]string{d.path}, name...)...)
}

// read decodes the cache file at path into v; false when there is none or
// it is damaged.
func read(path string, v any) bool {
	if path == "" {
		return false
	}
	b, err := os.ReadFile(path)
	return err == nil && json.Unmarshal(b, v) == nil
}

// save writes v to the cache file at path; a failure is only logged (see
// the package comment).
func (d Store) save(what, path string, v any, indent bool) {
	if path == "" {
		return
	}
	var (
		b   []byte
		err error
	)
	if indent {
		b, err = json.MarshalIndent(v, "", "  ")
	} else {
		b, err = json.Marshal(v)
	}
	if err == nil {
		err = atomicfile.Write(path, b)
	}
	d.logf("cache: %s not saved: %v\n", what, err)
}

// drop removes the cache file at path; a failure is only logged.
func (d Store) drop(what, path string) {
	if path == "" {
		return
	}
	if err := os.Remove(path); !errors.Is(err, fs.ErrNotExist) {
		d.logf("cache: %s not dropped: %v\n", what, err)
	}
}

func (d Store) logf(format, what string, err error) {
	if err != nil && d.debug != nil {
		fmt.Fprintf(d.debug, format, what, err)
	}
}
