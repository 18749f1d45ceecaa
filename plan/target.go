package plan

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// matches reports whether addr is selected by one of the patterns: the exact
// address, or, for a pattern without an instance key, any of its instances.
func matches(patterns []string, addr string) bool {
	for _, p := range patterns {
		if addr == p || (strings.HasPrefix(addr, p) && len(addr) > len(p) && addr[len(p)] == '[' && !strings.HasSuffix(p, "]")) {
			return true
		}
	}
	return false
}

func (c *computer) targeted(addr string) bool {
	return len(c.in.Targets) == 0 || matches(c.in.Targets, addr)
}

// checkTargets warns about -target and -replace addresses that select
// nothing, and refuses a -replace that -target leaves out.
func (c *computer) checkTargets() {
	known := func(p string) bool {
		for i := range c.in.Desired {
			if matches([]string{p}, c.in.Desired[i].Address) {
				return true
			}
		}
		for _, m := range c.in.Moved {
			if matches([]string{p}, m.From) {
				return true
			}
		}
		for _, addr := range c.recovered {
			if matches([]string{p}, addr) {
				return true
			}
		}
		return false
	}
	if len(c.in.Targets) > 0 {
		c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Plan limited by -target",
			Detail: "Only the targeted orders are reconciled. Other orders, and managed orders whose address the configuration no longer knows, are left as they are: run a plan without -target to bring the whole book in line."})
	}
	for _, t := range c.in.Targets {
		if !known(t) {
			c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Target matches no order",
				Detail: fmt.Sprintf("-target=%s selects no order of the configuration, so it changes nothing.", t)})
		}
	}
	for _, r := range c.in.Replace {
		switch {
		case !known(r):
			c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Replace address matches no order",
				Detail: fmt.Sprintf("-replace=%s selects no order of the configuration, so nothing is replaced.", r)})
		case !c.anyTargeted(r):
			c.diags = append(c.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Replace address not targeted",
				Detail: fmt.Sprintf("-replace=%s selects orders that -target leaves out, so they would not be replaced. Add -target=%s, or leave -target out.", r, r)})
		}
	}
}

// anyTargeted reports whether some order of the configuration that pattern
// selects is targeted.
func (c *computer) anyTargeted(pattern string) bool {
	for i := range c.in.Desired {
		if addr := c.in.Desired[i].Address; matches([]string{pattern}, addr) && c.targeted(addr) {
			return true
		}
	}
	return false
}
