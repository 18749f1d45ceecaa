package exchange

import (
	"fmt"
	"net/url"
	"strings"

	"orderform/gemini"
)

// The host decides, not the label: an exchange block that says "local" or
// "sandbox" must not reach real money because a url or GEMINI_API_URL
// points elsewhere. Every base URL is classified by its host before the
// first request, and the labels, headers and the production prompt follow
// the class as well as the environment's name.

// hostKind says whose exchange a base URL reaches.
type hostKind int

const (
	hostLoopback hostKind = iota // this machine: a simulator (or the built-in local exchange)
	hostSandbox                  // Gemini's sandbox: test money
	hostRemote                   // anything else, Gemini's production among them: real money as far as orderform can tell
)

// hostOf returns the lower-case host name of a base URL, without a
// trailing dot.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
}

// kindOfURL classifies a base URL; "local:<path>" is the built-in local
// exchange.
func kindOfURL(raw string) hostKind {
	if strings.HasPrefix(raw, "local:") {
		return hostLoopback
	}
	h := hostOf(raw)
	switch {
	case h != "" && gemini.IsLoopbackHost(h):
		return hostLoopback
	case h == hostOf(gemini.SandboxURL):
		return hostSandbox
	}
	return hostRemote
}

// checkHost refuses a base URL whose host needs a more serious environment
// than the one named: only "production" may reach a host that is neither on
// this machine nor Gemini's sandbox, and "local" only this machine. from
// says where the URL came from ("the url at main.hcl:3", "GEMINI_API_URL").
func checkHost(environment, raw, from string) error {
	kind := kindOfURL(raw)
	switch {
	case kind == hostLoopback, environment == "production":
		return nil
	case kind == hostSandbox && environment == "sandbox":
		return nil
	}
	var what, want string
	switch {
	case kind == hostSandbox:
		what, want = "Gemini's sandbox", `environment = "sandbox"`
	case hostOf(raw) == hostOf(gemini.ProductionURL):
		what, want = "Gemini's production exchange, where orders trade real money", `environment = "production"`
	default:
		what, want = "not on this machine (not a loopback address), so orders sent there may trade real money", `environment = "production"`
	}
	return fmt.Errorf("%s is %s, which is %s, but the exchange block says environment = %q. orderform goes by the host, not the label: "+
		"set %s in the exchange block to use it; a simulator is reached on a loopback address (http://127.0.0.1:PORT), Gemini's sandbox at %s with environment = \"sandbox\"",
		from, raw, what, environment, want, gemini.SandboxURL)
}

// IsProductionTarget reports whether a target may trade real money: it is
// named production, or its host is neither this machine nor the sandbox.
// The production prompt and labels go by it.
func IsProductionTarget(environment, baseURL string) bool {
	return environment == "production" || kindOfURL(baseURL) == hostRemote
}
