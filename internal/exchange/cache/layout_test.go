package cache

import (
	"path/filepath"
	"strings"
	"testing"

	"orderform/plan"
)

// The local exchange's caches live beside its book; a remote exchange's
// under the root, one directory per environment, URL, account and key,
// named without the key.
func TestDir(t *testing.T) {
	book := filepath.Join("cfg", ".orderform", "local.json")
	if got, want := Dir("/root", plan.Target{Environment: "local", BaseURL: "local:" + book}, "k"), filepath.Join("cfg", ".orderform", "cache"); got != want {
		t.Errorf("local: %q, want %q", got, want)
	}
	remote := plan.Target{Environment: "sandbox", BaseURL: "https://api.sandbox.gemini.com"}
	if got := Dir("", remote, "k"); got != "" {
		t.Errorf("no root: %q", got)
	}
	a, b := Dir("/root", remote, "account-secretkey1"), Dir("/root", remote, "account-secretkey2")
	if a == b || filepath.Dir(a) != "/root" || !strings.HasPrefix(filepath.Base(a), "sandbox-") || strings.Contains(a, "secretkey") {
		t.Errorf("remote dirs %q, %q", a, b)
	}
	if Dir("/root", remote, "account-secretkey1") != a {
		t.Error("the same key got another directory")
	}
}

func TestRoot(t *testing.T) {
	if got := Root("/x"); got != "/x" {
		t.Errorf("Root(/x) = %q", got)
	}
	if got := Root(""); got != "" && filepath.Base(got) != "orderform" {
		t.Errorf("Root(\"\") = %q", got)
	}
}
