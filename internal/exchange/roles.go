package exchange

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2"

	"orderform/gemini"
	"orderform/internal/exchange/cache"
)

// Least privilege: plan and show need only to read the book, which an
// Auditor key (read-only) can; apply and destroy need the Trader role and
// refuse any other key before sending anything. A key that can withdraw
// (Fund Manager) works, with a warning on every plan and apply: orderform
// never needs that role, and a leaked key with it can move money out.

// KeyRoles returns the API key's roles, from the cache (per exchange and
// key) when it is fresh.
func KeyRoles(ctx context.Context, conn *Conn, now time.Time) (gemini.Roles, error) {
	store := cache.Open(conn.CacheDir, conn.Debug)
	if r, ok := store.Roles(now); ok {
		return r, nil
	}
	r, err := conn.Client.Roles(ctx)
	if err != nil {
		return gemini.Roles{}, fmt.Errorf("check the API key's roles: %w", err)
	}
	store.SaveRoles(r, now)
	return r, nil
}

// KeyRoleError is a key whose roles do not allow what the command does.
type KeyRoleError struct{ msg string }

func (e *KeyRoleError) Error() string { return e.msg }

// CheckKey fails when the key cannot read the book, or, with trade, cannot
// place and cancel orders.
func CheckKey(r gemini.Roles, trade bool) error {
	switch {
	case r.IsTrader:
		return nil
	case trade && r.IsAuditor:
		return &KeyRoleError{"the API key is read-only (Auditor role): `orderform plan` and `show` work with it, but apply and destroy need a key with the Trader role, so nothing was sent. " +
			"Give this command a Trader key (with no other role) in GEMINI_API_KEY / GEMINI_API_SECRET, as the apply job of examples/ci does"}
	case trade:
		return &KeyRoleError{"the API key lacks the Trader role, so it can neither place nor cancel an order: nothing was sent. " +
			"Create a key with the Trader role only and set GEMINI_API_KEY / GEMINI_API_SECRET"}
	case !r.IsAuditor:
		return &KeyRoleError{"the API key has neither the Trader nor the Auditor role, so it cannot read the live orders: " +
			"create a key with the Trader role only (or, for plans alone, an Auditor key) and set GEMINI_API_KEY / GEMINI_API_SECRET"}
	}
	return nil
}

// FundManagerSummary heads the warning about a key that can withdraw.
const FundManagerSummary = "The API key can withdraw funds"

const fundManagerDetail = "The key has the Fund Manager role: whoever holds it can move money out of the account. " +
	"orderform never needs that role: create a key with the Trader role only (an Auditor key for plans), use it instead, and delete this one."

// KeyWarnings are the warnings a plan or apply gives about the key.
func KeyWarnings(r gemini.Roles) hcl.Diagnostics {
	if !r.IsFundManager {
		return nil
	}
	return hcl.Diagnostics{{Severity: hcl.DiagWarning, Summary: FundManagerSummary, Detail: fundManagerDetail}}
}
