package command

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"orderform/gemini"
	"orderform/gemini/sim"
	"orderform/internal/exchange"
)

// Case 12 of issue 12: the local exchange is served on a new loopback port
// by every command, and each command used to start its own nonce sequence
// from the clock. A run whose nonces ran ahead of the clock (a burst, or
// another process) made the next command's requests InvalidNonce. Now the
// key's last nonce is kept beside the book, and every command continues it.
func TestLocalCommandsContinueOneNonceSequence(t *testing.T) {
	dir := exCopy(t, "../../examples/quickstart")
	env := exEnv(t)
	exRun(t, env, exitChanges, "plan", "-detailed-exitcode", "-no-color", dir)

	state := exchange.LocalStatePath(dir)
	file := filepath.Join(filepath.Dir(state), "nonce-"+strings.TrimPrefix(exchange.KeyID(sim.LocalKey), "sha256:"))
	before := readNonceRecord(t, file)

	// Another process, its nonces ten minutes ahead of the clock (a long
	// burst), uses the book and the nonce file.
	s, err := sim.New(sim.Options{StatePath: state})
	if err != nil {
		t.Fatal(err)
	}
	url, stop, err := sim.Serve(context.Background(), s, "")
	if err != nil {
		t.Fatal(err)
	}
	ahead := func() time.Time { return time.Now().Add(10 * time.Minute) }
	c, err := gemini.New(gemini.Config{BaseURL: url, APIKey: sim.LocalKey, APISecret: sim.LocalSecret,
		PrivateRate: -1, PublicRate: -1, NonceFile: file, Now: ahead})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Balances(context.Background()); err != nil {
		t.Fatal(err)
	}
	stop()
	seeded := readNonceRecord(t, file)
	if !(seeded > before && seeded > time.Now().Add(5*time.Minute).UnixMilli()) {
		t.Fatalf("nonce file went from %d to %d, want ten minutes ahead", before, seeded)
	}

	// The next commands continue from there.
	exRun(t, env, exitOK, "apply", "-auto-approve", "-no-color", dir)
	exRun(t, env, exitOK, "sim", "order", "-dir", dir, "btcusd", "buy", "0.001", "50000")
	exRun(t, env, exitOK, "plan", "-detailed-exitcode", "-no-color", dir)
	if after := readNonceRecord(t, file); after <= seeded {
		t.Errorf("nonce file at %d after more commands, want above %d", after, seeded)
	}
}

// readNonceRecord reads the last nonce of a nonce file, which holds nothing
// but the mode and that number.
func readNonceRecord(t *testing.T, path string) int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	if len(f) != 3 || f[0] != "orderform-nonce" || f[1] != "increasing" {
		t.Fatalf("nonce file %s holds %q", path, b)
	}
	var v int64
	for _, c := range f[2] {
		v = v*10 + int64(c-'0')
	}
	return v
}
