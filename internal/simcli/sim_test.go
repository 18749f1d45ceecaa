package simcli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"orderform/gemini"
)

// syncBuffer is a bytes.Buffer safe to read while a command writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func runSim(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(context.Background(), args, func(k string) string { return env[k] }, &out, &errb)
	return code, out.String(), errb.String()
}

// TestSimServe starts `orderform sim`, has the client package place an
// order through it, moves the market over the admin API, stops it with the
// context, and finds the book again in the state file.
func TestSimServe(t *testing.T) {
	t.Parallel()
	state := filepath.Join(t.TempDir(), "book.json")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"-addr", "127.0.0.1:0", "-state", state}, func(string) string { return "" }, &out, &errb)
	}()
	var url, key, secret string
	for i := 0; i < 200 && secret == ""; i++ {
		time.Sleep(10 * time.Millisecond)
		if m := regexp.MustCompile(`export GEMINI_API_URL=(\S+) GEMINI_API_KEY=(\S+) GEMINI_API_SECRET=(\S+)`).FindStringSubmatch(out.String()); m != nil {
			url, key, secret = m[1], m[2], m[3]
		}
	}
	if secret == "" {
		t.Fatalf("no URL and credentials printed:\n%s\n%s", out.String(), errb.String())
	}
	if !strings.HasPrefix(key, "account-") || !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Errorf("key %q url %q", key, url)
	}
	c, err := gemini.New(gemini.Config{BaseURL: url, APIKey: key, APISecret: secret, PrivateRate: -1, PublicRate: -1})
	if err != nil {
		t.Fatal(err)
	}
	o, err := c.NewOrder(ctx, gemini.NewOrder{ClientOrderID: "cli-test", Symbol: "btcusd", Side: "buy", Type: gemini.TypeLimit,
		Amount: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("60000.00")})
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runSim(t, nil, "orders", "-url", url)
	if code != 0 || !strings.Contains(stdout, o.OrderID) || !strings.Contains(stdout, "cli-test") {
		t.Errorf("sim orders -url: %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = runSim(t, nil, "price", "btcusd", "59000", "59999.99", "-url", url)
	if code != 0 || !strings.Contains(stdout, "order "+o.OrderID+" (cli-test): buy btcusd exchange limit filled 0.001 at 60000") {
		t.Errorf("sim price -url: %d\n%s%s", code, stdout, stderr)
	}
	if code, _, stderr := runSim(t, nil, "fault", "-url", url, "-path", "/v1/symbols", "-count", "1", "-status", "429", "status"); code != 0 {
		t.Errorf("sim fault: %s", stderr)
	}
	if _, err := c.Symbols(ctx); err != nil { // the client retries the read
		t.Errorf("symbols after one 429: %v", err)
	}
	code, stdout, stderr = runSim(t, nil, "clock", "-url", url, "-nonce-window", "5s", "-90s")
	if code != 0 || !strings.Contains(stdout, "offset -1m30s") || !strings.Contains(stdout, "window ±5s") {
		t.Errorf("sim clock: %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, _ = runSim(t, nil, "clock", "-url", url, "0"); code != 0 || !strings.Contains(stdout, "offset 0s") {
		t.Errorf("sim clock 0: %d\n%s", code, stdout)
	}
	if code, _, stderr := runSim(t, nil, "fault", "-url", url, "-path", "/v1/order/new", "-count", "1", "slow-commit"); code != 0 {
		t.Errorf("sim fault slow-commit: %s", stderr)
	}
	if code, stdout, stderr := runSim(t, nil, "fault", "-url", url, "release"); code != 0 || !strings.Contains(stdout, "Released 0 held requests") {
		t.Errorf("sim fault release: %d %s%s", code, stdout, stderr)
	}
	runSim(t, nil, "fault", "-url", url, "clear")

	cancel()
	select {
	case code := <-done:
		if code != 0 || !strings.Contains(out.String(), "Simulator stopped.") {
			t.Errorf("exit %d after cancel:\n%s%s", code, out.String(), errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sim did not stop on cancel")
	}
	code, stdout, _ = runSim(t, nil, "orders", "-all", "-state", state)
	if code != 0 || !strings.Contains(stdout, o.OrderID) || !strings.Contains(stdout, "filled") {
		t.Errorf("the book after a restart:\n%s", stdout)
	}
}

func TestSimRefusals(t *testing.T) {
	if code, _, stderr := runSim(t, nil, "-addr", "0.0.0.0:0"); code != 1 || !strings.Contains(stderr, "not a loopback address") {
		t.Errorf("non-loopback: %d %s", code, stderr)
	}
	if code, _, stderr := runSim(t, map[string]string{"GEMINI_API_KEY": "account-x"}, "-addr", "127.0.0.1:0"); code != 1 || !strings.Contains(stderr, "both") {
		t.Errorf("key without secret: %d %s", code, stderr)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte("{garbage"), 0o600)
	if code, _, stderr := runSim(t, nil, "-addr", "127.0.0.1:0", "-state", bad); code != 1 || !strings.Contains(stderr, bad) {
		t.Errorf("corrupt state: %d %s", code, stderr)
	}
	if code, _, stderr := runSim(t, nil, "balances", "-state", bad); code != 1 || !strings.Contains(stderr, bad) {
		t.Errorf("corrupt state, balances: %d %s", code, stderr)
	}
	if code, _, stderr := runSim(t, nil, "fault", "drop"); code != 1 || !strings.Contains(stderr, "-url") {
		t.Errorf("fault without -url: %d %s", code, stderr)
	}
	if code, _, stderr := runSim(t, nil, "frobnicate"); code != 1 || !strings.Contains(stderr, "unknown subcommand") {
		t.Errorf("unknown subcommand: %d %s", code, stderr)
	}
}

// TestSimEnvCredentials: credentials from the environment are used and the
// secret is never printed.
func TestSimEnvCredentials(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int, 1)
	env := map[string]string{"GEMINI_API_KEY": "account-from-env", "GEMINI_API_SECRET": "do-not-print-me"}
	go func() {
		done <- Run(ctx, []string{"-addr", "127.0.0.1:0"}, func(k string) string { return env[k] }, &out, &errb)
	}()
	for i := 0; i < 200 && !strings.Contains(out.String(), "Ctrl-C"); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if s := out.String(); !strings.Contains(s, "account-from-env") || strings.Contains(s, "do-not-print-me") || !strings.Contains(s, "$GEMINI_API_SECRET") {
		t.Errorf("output:\n%s", s)
	}
}
