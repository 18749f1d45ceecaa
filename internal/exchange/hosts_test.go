package exchange

import (
	"testing"
)

// The hosts that an environment may reach, and the production prompt.
func TestCheckHost(t *testing.T) {
	cases := []struct {
		env, url string
		ok       bool
	}{
		{"local", "http://127.0.0.1:8399", true},
		{"local", "http://localhost:8399", true},
		{"local", "http://[::1]:8399", true},
		{"local", "local:/tmp/x/.orderform/local.json", true},
		{"local", "https://api.sandbox.gemini.com", false},
		{"local", "https://api.gemini.com", false},
		{"local", "https://127.0.0.1.example.com", false},
		{"local", "https://0.0.0.0", false},
		{"sandbox", "https://api.sandbox.gemini.com", true},
		{"sandbox", "https://API.SANDBOX.GEMINI.COM.", true},
		{"sandbox", "http://127.0.0.1:8399", true},
		{"sandbox", "https://api.gemini.com", false},
		{"sandbox", "https://sandbox.example.com", false},
		{"production", "https://api.gemini.com", true},
		{"production", "https://api.sandbox.gemini.com", true},
		{"production", "https://example.com", true},
		{"production", "http://127.0.0.1:8399", true},
	}
	for _, c := range cases {
		err := checkHost(c.env, c.url, "url")
		if (err == nil) != c.ok {
			t.Errorf("checkHost(%q, %q) = %v, want ok %v", c.env, c.url, err, c.ok)
		}
	}
	for _, c := range []struct {
		env, url string
		red      bool
	}{
		{"production", "https://api.gemini.com", true},
		{"production", "http://127.0.0.1:1", true},
		{"local", "https://api.gemini.com", true}, // refused before any prompt, but red if it ever got there
		{"sandbox", "https://example.com", true},
		{"sandbox", "https://api.sandbox.gemini.com", false},
		{"local", "local:/x/local.json", false},
		{"local", "http://127.0.0.1:1", false},
	} {
		if got := IsProductionTarget(c.env, c.url); got != c.red {
			t.Errorf("IsProductionTarget(%q, %q) = %v, want %v", c.env, c.url, got, c.red)
		}
	}
}
