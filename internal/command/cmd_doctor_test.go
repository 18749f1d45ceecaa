package command

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"orderform/gemini/sim"
)

// doctorSim serves a simulator on loopback with the given keys and returns
// a configuration directory aimed at it as the sandbox would be.
func doctorSim(t *testing.T, keys ...sim.Key) string {
	t.Helper()
	s, err := sim.New(sim.Options{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	url, stop, err := sim.Serve(context.Background(), s, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop() })
	return doctorConfig(t, url)
}

func doctorConfig(t *testing.T, url string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`exchange {
  environment = "sandbox"
  url         = %q
  namespace   = "doctor"
}

order "bid" {
  symbol = "btcusd"
  side   = "buy"
  amount = 0.001
  price  = 50000
}
`, url)
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func runDoctor(t *testing.T, dir, key, secret string) (int, string) {
	t.Helper()
	env := exEnv(t, "GEMINI_API_KEY", key, "GEMINI_API_SECRET", secret)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"doctor", "-no-color", dir}, env, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String() + stderr.String()
}

func TestDoctor(t *testing.T) {
	dir := doctorSim(t,
		sim.Key{Key: "account-trader", Secret: "trader-secret-0123456789", Roles: []string{"trader"}},
		sim.Key{Key: "account-funds", Secret: "funds-secret-0123456789", Roles: []string{"trader", "fundmanager"}},
		sim.Key{Key: "account-audit", Secret: "audit-secret-0123456789", Roles: []string{"auditor"}},
		sim.Key{Key: "account-time", Secret: "time-secret-0123456789", TimeNonce: true},
	)
	for _, tc := range []struct {
		name, key, secret string
		code              int
		want, notWant     []string
	}{
		{
			name: "trader key passes", key: "account-trader", secret: "trader-secret-0123456789", code: exitOK,
			want: []string{
				"Checking sandbox (http://127.0.0.1:", "namespace doctor",
				"✓ exchange reachable at http://127.0.0.1:",
				"✓ clock within 1s of the exchange's",
				"✓ the API key authenticates",
				"✓ the key has the Trader role",
				`✓ nonce mode "increasing" accepted`,
				`i whether the key "Requires Heartbeat" cannot be read`,
				"✓ symbol btcusd is open (price step 0.01, amount step 0.00000001, minimum 0.00001)",
				"All checks passed (0 warning(s)).",
			},
			notWant: []string{"✗", "FUND MANAGER"},
		},
		{
			name: "fund manager warns", key: "account-funds", secret: "funds-secret-0123456789", code: exitOK,
			want: []string{
				"✓ the key has the Trader role",
				"! THE KEY HAS THE FUND MANAGER ROLE: IT CAN WITHDRAW FUNDS",
				"create a key with the Trader role only",
				"All checks passed (1 warning(s)).",
			},
		},
		{
			name: "auditor warns: it can plan, not apply", key: "account-audit", secret: "audit-secret-0123456789", code: exitOK,
			want: []string{
				"! the key is read-only (Auditor role): plan and show work with it, apply and destroy refuse it",
				"All checks passed (1 warning(s)).",
			},
		},
		{
			name: "wrong secret fails with what to do", key: "account-trader", secret: "not-the-secret", code: exitError,
			want: []string{
				"✓ exchange reachable",
				"✗ the API secret is wrong",
				"InvalidSignature",
				"set GEMINI_API_SECRET to the secret shown when the key was created",
				"1 check(s) failed, 0 warning(s).",
			},
			notWant: []string{"not-the-secret", "✓ the API key authenticates"},
		},
		{
			name: "unknown key", key: "account-nobody", secret: "whatever-secret", code: exitError,
			want: []string{"✗ the exchange does not know the API key", "sandbox and production keys are separate"},
		},
		{
			name: "time-based key without nonce = time", key: "account-time", secret: "time-secret-0123456789", code: exitError,
			want: []string{"✗ the exchange refused the nonce", `set nonce = "time" in the exchange block`},
		},
		{
			name: "master key without account", key: "master-group", secret: "group-secret-0123456789", code: exitError,
			want: []string{"✗ GEMINI_API_KEY is a master key, and the exchange block names no account", `set account = "primary"`},
		},
		{
			name: "no key", code: exitError,
			want: []string{"✗ the sandbox environment needs an API key", "export GEMINI_API_KEY and GEMINI_API_SECRET"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out := runDoctor(t, dir, tc.key, tc.secret)
			if code != tc.code {
				t.Errorf("exit %d, want %d", code, tc.code)
			}
			mustContain(t, "doctor output", out, tc.want...)
			for _, nw := range tc.notWant {
				if strings.Contains(out, nw) {
					t.Errorf("doctor output contains %q:\n%s", nw, out)
				}
			}
		})
	}
}

// TestDoctorTimeNonce: a time-based key passes once the configuration says
// nonce = "time".
func TestDoctorTimeNonce(t *testing.T) {
	dir := doctorSim(t, sim.Key{Key: "account-time", Secret: "time-secret-0123456789", TimeNonce: true})
	b, _ := os.ReadFile(filepath.Join(dir, "main.hcl"))
	b = bytes.Replace(b, []byte(`namespace   = "doctor"`), []byte("namespace   = \"doctor\"\n  nonce       = \"time\""), 1)
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out := runDoctor(t, dir, "account-time", "time-secret-0123456789")
	if code != exitOK {
		t.Errorf("exit %d, want 0", code)
	}
	mustContain(t, "doctor output", out, `✓ nonce mode "time" accepted`, "All checks passed")
}

// TestDoctorExchangeDown: maintenance and an unreachable exchange stop the
// checks with what to do.
func TestDoctorExchangeDown(t *testing.T) {
	s, err := sim.New(sim.Options{Keys: []sim.Key{{Key: "account-trader", Secret: "trader-secret-0123456789"}}})
	if err != nil {
		t.Fatal(err)
	}
	url, stop, err := sim.Serve(context.Background(), s, "")
	if err != nil {
		t.Fatal(err)
	}
	s.SetFault(sim.Fault{Kind: sim.FaultStatus, Status: 503})
	code, out := runDoctor(t, doctorConfig(t, url), "account-trader", "trader-secret-0123456789")
	if code != exitError {
		t.Errorf("maintenance: exit %d, want 1", code)
	}
	mustContain(t, "maintenance", out, "✗ the exchange at "+url+" answered 503", "maintenance", "https://status.gemini.com")

	stop() // now nothing listens on that port
	code, out = runDoctor(t, doctorConfig(t, url), "account-trader", "trader-secret-0123456789")
	if code != exitError {
		t.Errorf("unreachable: exit %d, want 1", code)
	}
	mustContain(t, "unreachable", out, "✗ the exchange is not reachable at "+url, "check the network")
}
