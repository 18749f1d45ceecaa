package cache

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"orderform/gemini"
	"orderform/plan"
)

var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// Symbol rules are cached for a day; a damaged cache is only a cache.
func TestRulesCache(t *testing.T) {
	dir := t.TempDir()
	c := Open(dir, nil).Rules()
	c.Put(plan.SymbolRules{Symbol: "btcusd", PriceIncrement: decimal.RequireFromString("0.01")}, t0)
	c.Save()
	c = Open(dir, nil).Rules()
	if r, ok := c.Get("btcusd", t0.Add(23*time.Hour)); !ok || !r.PriceIncrement.Equal(decimal.RequireFromString("0.01")) {
		t.Errorf("a day-old entry: got %+v, %v", r, ok)
	}
	if _, ok := c.Get("btcusd", t0.Add(25*time.Hour)); ok {
		t.Error("an entry older than a day was served")
	}
	if _, ok := c.Get("btcusd", t0.Add(-time.Hour)); ok {
		t.Error("an entry from the future (clock moved back) was served")
	}
	if st, err := os.Stat(filepath.Join(dir, "symbols.json")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("cache file mode: %v %v", st, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "symbols.json"), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok := Open(dir, nil).Rules().Get("btcusd", t0); ok {
		t.Error("a damaged cache served an entry")
	}
	Open(dir, nil).DropRules()
	if _, err := os.Stat(filepath.Join(dir, "symbols.json")); !os.IsNotExist(err) {
		t.Errorf("DropRules left the file: %v", err)
	}
}

// Roles and fee rates are fresh for a day, never from the future; a
// negative rate is not served.
func TestRolesAndFeeCache(t *testing.T) {
	d := Open(t.TempDir(), nil)
	if _, ok := d.Roles(t0); ok {
		t.Error("roles served from an empty cache")
	}
	d.SaveRoles(gemini.Roles{IsTrader: true}, t0)
	if r, ok := d.Roles(t0.Add(23 * time.Hour)); !ok || !r.IsTrader {
		t.Errorf("roles a day old: %+v, %v", r, ok)
	}
	for _, at := range []time.Time{t0.Add(24 * time.Hour), t0.Add(-time.Second)} {
		if _, ok := d.Roles(at); ok {
			t.Errorf("roles served at %v", at)
		}
	}
	d.SaveFeeRate(decimal.RequireFromString("0.004"), t0)
	if r, ok := d.FeeRate(t0.Add(time.Hour)); !ok || !r.Equal(decimal.RequireFromString("0.004")) {
		t.Errorf("fee rate: %v, %v", r, ok)
	}
	if _, ok := d.FeeRate(t0.Add(24 * time.Hour)); ok {
		t.Error("a day-old fee rate was served")
	}
	d.SaveFeeRate(decimal.RequireFromString("-0.001"), t0)
	if _, ok := d.FeeRate(t0); ok {
		t.Error("a negative fee rate was served")
	}
	d.SaveFeeRate(decimal.RequireFromString("0.004"), t0)
	d.DropFeeRate()
	if _, ok := d.FeeRate(t0); ok {
		t.Error("a dropped fee rate was served")
	}
}

// A cache at "" caches nothing and writes nothing.
func TestNoCacheDir(t *testing.T) {
	var d Store
	d.SaveRoles(gemini.Roles{IsTrader: true}, t0)
	d.SaveFeeRate(decimal.New(1, -3), t0)
	r := d.Rules()
	r.Put(plan.SymbolRules{Symbol: "btcusd"}, t0)
	r.Save()
	d.History("btcusd", 0).Save()
	d.DropRules()
	if _, ok := d.Roles(t0); ok {
		t.Error("roles served without a cache directory")
	}
	if _, ok := d.FeeRate(t0); ok {
		t.Error("fee rate served without a cache directory")
	}
}

// Every cache that cannot be saved says so on the debug log, and only
// there: a lost cache only costs reads.
func TestSaveFailuresAreLogged(t *testing.T) {
	dir := t.TempDir()
	blocked := filepath.Join(dir, "file")
	if err := os.WriteFile(blocked, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	d := Open(filepath.Join(blocked, "cache"), &log) // a directory under a file: every write fails
	d.Rules().Save()
	d.SaveRoles(gemini.Roles{}, t0)
	d.SaveFeeRate(decimal.New(1, -3), t0)
	d.History("btcusd", 0).Save()
	for _, want := range []string{"cache: symbol rules not saved: ", "cache: key roles not saved: ", "cache: fee rates not saved: ", "cache: history of btcusd not saved: "} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("debug log lacks %q:\n%s", want, log.String())
		}
	}
	Open(filepath.Join(blocked, "cache"), nil).Rules().Save() // no writer: nothing to report to, no panic
}

// Dropping a cache that is not there is not a failure.
func TestDropMissingIsQuiet(t *testing.T) {
	var log bytes.Buffer
	d := Open(t.TempDir(), &log)
	d.DropRules()
	d.DropFeeRate()
	if log.Len() != 0 {
		t.Errorf("debug log: %q", log.String())
	}
}
