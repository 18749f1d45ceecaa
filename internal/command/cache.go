package command

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"orderform/plan"
)

// Symbol rules change rarely; reading them once per symbol per run would
// spend the public rate limit (120/min) for nothing. They are cached on disk
// per environment for a day, and dropped at once when the exchange rejects
// an order for its increments.
const rulesTTL = 24 * time.Hour

type rulesCache struct {
	path    string
	Fetched map[string]time.Time        `json:"fetched"`
	Rules   map[string]plan.SymbolRules `json:"rules"`
}

func loadRulesCache(dir string) *rulesCache {
	c := &rulesCache{Fetched: map[string]time.Time{}, Rules: map[string]plan.SymbolRules{}}
	if dir == "" {
		return c
	}
	c.path = filepath.Join(dir, "symbols.json")
	b, err := os.ReadFile(c.path)
	if err != nil {
		return c
	}
	var onDisk rulesCache
	if json.Unmarshal(b, &onDisk) != nil {
		return c // a damaged cache is only a cache: read the exchange again
	}
	if onDisk.Fetched != nil && onDisk.Rules != nil {
		c.Fetched, c.Rules = onDisk.Fetched, onDisk.Rules
	}
	return c
}

// get returns the cached rules for symbol when they are fresh.
func (c *rulesCache) get(symbol string, now time.Time) (plan.SymbolRules, bool) {
	r, ok := c.Rules[symbol]
	if !ok || now.Sub(c.Fetched[symbol]) > rulesTTL || now.Before(c.Fetched[symbol]) {
		return plan.SymbolRules{}, false
	}
	return r, true
}

func (c *rulesCache) put(r plan.SymbolRules, now time.Time) {
	c.Rules[r.Symbol] = r
	c.Fetched[r.Symbol] = now
}

func (c *rulesCache) save() error {
	if c.path == "" {
		return nil
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(c.path, b)
}

// dropRulesCache forgets every cached symbol rule of an environment.
func dropRulesCache(dir string) {
	if dir != "" {
		os.Remove(filepath.Join(dir, "symbols.json"))
	}
}

// writeFileAtomic writes b to path through a temporary file in the same
// directory and a rename, with mode 0600, so a crash never leaves half a file.
func writeFileAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return writeFileMode(path, b, 0o600)
}

// writeFileMode is writeFileAtomic into an existing directory, with mode.
func writeFileMode(path string, b []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
