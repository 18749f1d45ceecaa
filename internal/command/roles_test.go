package command

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"orderform/internal/exchange"
)

// Least privilege (issue 13, case 8): plan and show work with an Auditor
// (read-only) key; apply and destroy, from a directory or a saved plan,
// refuse it with a clear message before anything is sent; a key that can
// withdraw (Fund Manager) draws a warning on plan and apply.

const rolesConfig = `
order "bid" {
  symbol = "btcusd"
  side   = "buy"
  amount = "0.001"
  price  = 60000
}
`

// noWrites fails the test when the simulator received a placement or a
// cancel.
func noWrites(t *testing.T, h *relHarness, what string) {
	t.Helper()
	for path, n := range h.srv.Requests() {
		if strings.HasPrefix(path, "/v1/order/new") || strings.HasPrefix(path, "/v1/order/cancel") {
			t.Errorf("%s sent %s (%d requests)", what, path, n)
		}
	}
}

func TestAuditorKeyPlansButNeverApplies(t *testing.T) {
	h := newRelHarness(t, relOptions{key: "account-auditor", secret: "auditor-secret", roles: []string{"auditor"}})
	h.write(map[string]string{"main.hcl": h.exchangeBlock("roles") + rolesConfig})
	ctx := context.Background()
	saved := filepath.Join(filepath.Dir(h.dir), "auditor.plan")

	if r := h.run(ctx, "plan", "-out", saved, h.dir); r.code != exitOK || !strings.Contains(r.stdout, "1 to place") {
		t.Fatalf("plan with an auditor key: %s", r)
	}
	r := h.run(ctx, "plan", "-json", h.dir)
	var doc struct {
		Errored bool `json:"errored"`
	}
	if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &doc) != nil || doc.Errored {
		t.Errorf("plan -json with an auditor key: %s", r)
	}
	if r := h.run(ctx, "show", h.dir); r.code != exitOK || !strings.Contains(r.stdout, "Balances:") {
		t.Errorf("show with an auditor key: %s", r)
	}
	noWrites(t, h, "plan and show")

	for _, args := range [][]string{
		{"apply", "-auto-approve", h.dir},
		{"apply", "-auto-approve", "-json", h.dir},
		{"destroy", "-auto-approve", h.dir},
		{"apply", saved},
	} {
		h.srv.ResetRequests()
		r := h.run(ctx, args...)
		what := strings.Join(args[:len(args)-1], " ")
		if r.code != exitError || !strings.Contains(r.stderr, "the API key is read-only (Auditor role): `orderform plan` and `show` work with it, but apply and destroy need a key with the Trader role, so nothing was sent") {
			t.Errorf("%s with an auditor key: %s", what, r)
		}
		noWrites(t, h, what)
		for path := range h.srv.Requests() {
			if path == "/v1/orders/history" || path == "/v1/balances" {
				t.Errorf("%s read %s after the key was refused", what, path)
			}
		}
	}
	if n := len(h.srv.Orders()); n != 0 {
		t.Errorf("%d orders placed with an auditor key", n)
	}
}

func TestFundManagerKeyWarns(t *testing.T) {
	h := newRelHarness(t, relOptions{key: "account-funds", secret: "funds-secret", roles: []string{"trader", "fundmanager"}})
	h.write(map[string]string{"main.hcl": h.exchangeBlock("roles") + rolesConfig})
	ctx := context.Background()
	const warn = "Warning: The API key can withdraw funds"

	if r := h.run(ctx, "plan", h.dir); r.code != exitOK || !strings.Contains(r.stderr, warn) || !strings.Contains(r.stderr, "Fund Manager role") {
		t.Errorf("plan with a fund manager key: %s", r)
	}
	r := h.run(ctx, "plan", "-json", h.dir)
	var doc struct {
		Diagnostics []struct{ Severity, Summary string } `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || r.code != exitOK {
		t.Fatalf("plan -json: %v\n%s", err, r)
	}
	if len(doc.Diagnostics) != 1 || doc.Diagnostics[0].Severity != "warning" || doc.Diagnostics[0].Summary != exchange.FundManagerSummary {
		t.Errorf("plan -json diagnostics = %+v, want the fund manager warning", doc.Diagnostics)
	}
	saved := filepath.Join(filepath.Dir(h.dir), "funds.plan")
	if r := h.run(ctx, "plan", "-out", saved, h.dir); r.code != exitOK {
		t.Fatalf("plan -out: %s", r)
	}
	if r := h.run(ctx, "apply", saved); r.code != exitOK || !strings.Contains(r.stderr, warn) {
		t.Errorf("apply PLANFILE with a fund manager key: %s", r)
	}
	h.write(map[string]string{"main.hcl": h.exchangeBlock("roles") + strings.Replace(rolesConfig, "60000", "59000", 1)})
	if r := h.run(ctx, "apply", "-auto-approve", h.dir); r.code != exitOK || !strings.Contains(r.stderr, warn) {
		t.Errorf("apply with a fund manager key: %s", r)
	}

	// A trader-only key: no warning.
	tr := newRelHarness(t, relOptions{})
	tr.write(map[string]string{"main.hcl": tr.exchangeBlock("roles") + rolesConfig})
	if r := tr.run(ctx, "plan", tr.dir); r.code != exitOK || strings.Contains(r.stderr, "withdraw") {
		t.Errorf("plan with a trader key: %s", r)
	}
}

func TestKeyWithNeitherReadNorTradeRole(t *testing.T) {
	h := newRelHarness(t, relOptions{key: "account-funds", secret: "funds-secret", roles: []string{"fundmanager"}})
	h.write(map[string]string{"main.hcl": h.exchangeBlock("roles") + rolesConfig})
	for _, args := range [][]string{{"plan", h.dir}, {"apply", "-auto-approve", h.dir}} {
		h.srv.ResetRequests()
		r := h.run(context.Background(), args...)
		if r.code != exitError || !(strings.Contains(r.stderr, "neither the Trader nor the Auditor role") || strings.Contains(r.stderr, "lacks the Trader role")) {
			t.Errorf("%s with a fund-manager-only key: %s", args[0], r)
		}
		noWrites(t, h, args[0])
		if n := h.srv.Requests()["/v1/orders"]; n != 0 {
			t.Errorf("%s read the orders after the key was refused", args[0])
		}
	}
}
