package gemini_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"orderform/gemini"
	"orderform/gemini/sim"
)

// nonceClient is a client of the simulator's local key at base, keeping its
// nonces in file.
func nonceClient(t testing.TB, base, file string, now func() time.Time) *gemini.Client {
	t.Helper()
	c, err := gemini.New(gemini.Config{BaseURL: base, APIKey: sim.LocalKey, APISecret: sim.LocalSecret,
		PrivateRate: -1, PublicRate: -1, NonceFile: file, Now: now, MaxReadRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// otherName returns base with 127.0.0.1 spelt localhost: the same exchange
// under another base URL, as the local exchange is on a new port each time.
func otherName(t testing.TB, base string) string {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	return "http://localhost:" + u.Port()
}

// Case 12 of issue 12: two clients of one key with separate in-process
// state, as two processes have (the second reaches the file through a
// symbolic link to its directory, so each has its own state but they share
// the file and its lock), interleave their requests against the simulator without a nonce
// error. Without the shared file each starts its own sequence from the clock.
func TestNonceFileSharedBySeparateStates(t *testing.T) {
	s, err := sim.New(sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	base, stop, err := sim.Serve(t.Context(), s, "")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	dir := t.TempDir()
	file := filepath.Join(dir, "keys", "nonce-key")
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "keys"), filepath.Join(dir, "alias")); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "alias", "nonce-key")
	ctx := context.Background()

	// A burst runs ahead of a clock that does not move; the next "process"
	// on the same clock starts above it, not at the clock.
	frozen := time.Now()
	still := func() time.Time { return frozen }
	a := nonceClient(t, base, file, still)
	for range 20 {
		if _, err := a.Balances(ctx); err != nil {
			t.Fatal(err)
		}
	}
	b := nonceClient(t, otherName(t, base), link, still)
	if _, err := b.Balances(ctx); err != nil {
		t.Fatalf("a second process after a burst: %v", err)
	}
	if n := b.Stats()["/v1/balances"]; n != 1 {
		t.Errorf("the second process needed %d requests for one call: it started below the first", n)
	}

	// Both at once, on the real clock.
	a = nonceClient(t, base, file, nil)
	b = nonceClient(t, otherName(t, base), link, nil)
	const calls = 100
	var wg sync.WaitGroup
	errs := make(chan error, 2*calls)
	for _, c := range []*gemini.Client{a, b} {
		wg.Go(func() {
			for range calls {
				if _, err := c.Balances(ctx); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("interleaved: %v", err)
	}
	// They take turns, so neither is ever overtaken: not one InvalidNonce,
	// not even one answered by signing again.
	if sent := a.Stats()["/v1/balances"] + b.Stats()["/v1/balances"]; sent != 2*calls {
		t.Errorf("%d calls took %d requests: some were refused for their nonce and signed again", 2*calls, sent)
	}
}

// The same with two real processes: this test binary runs itself as the
// second one.
func TestNonceFileAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	s, err := sim.New(sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	base, stop, err := sim.Serve(t.Context(), s, "")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	file := filepath.Join(t.TempDir(), "nonce-key")
	const calls = 150
	cmd := exec.Command(os.Args[0], "-test.run=^TestNonceHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "ORDERFORM_NONCE_HELPER="+strings.Join([]string{otherName(t, base), file, strconv.Itoa(calls)}, "|"))
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := nonceClient(t, base, file, nil)
	var failed error
	for range calls {
		if _, err := c.Balances(context.Background()); err != nil && failed == nil {
			failed = err
		}
	}
	werr := cmd.Wait()
	if failed != nil {
		t.Errorf("this process: %v", failed)
	}
	if werr != nil || !strings.Contains(out.String(), "helper ok") {
		t.Errorf("the other process: %v\n%s", werr, out.String())
	}
	if n := c.Stats()["/v1/balances"]; n != calls {
		t.Errorf("this process: %d calls took %d requests: some were refused for their nonce", calls, n)
	}
}

// TestNonceHelperProcess is the second process of TestNonceFileAcrossProcesses.
func TestNonceHelperProcess(t *testing.T) {
	env := os.Getenv("ORDERFORM_NONCE_HELPER")
	if env == "" {
		t.Skip("only run by TestNonceFileAcrossProcesses")
	}
	parts := strings.Split(env, "|")
	n, _ := strconv.Atoi(parts[2])
	c := nonceClient(t, parts[0], parts[1], nil)
	for i := range n {
		if _, err := c.Balances(context.Background()); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if sent := c.Stats()["/v1/balances"]; sent != n {
		t.Fatalf("%d calls took %d requests: some were refused for their nonce", n, sent)
	}
	fmt.Printf("helper ok: %d calls in %d requests\n", n, n)
}

// A second client of the key in one process, made without the nonce file
// (a program's own second client, a test placing orders beside orderform's)
// continues the sequence of the client that has the file. Before, it started
// its own sequence from the clock: after a burst of the first had run its
// nonces ahead of the clock, every request of the second, re-signed three
// times, was refused as InvalidNonce. The clock is frozen, so the first
// client's ten requests run ten nonces ahead of it.
func TestClientWithoutNonceFileJoinsTheFilesSequence(t *testing.T) {
	s, err := sim.New(sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	base, stop, err := sim.Serve(t.Context(), s, "")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	frozen := time.Now()
	now := func() time.Time { return frozen }
	withFile := nonceClient(t, base, filepath.Join(t.TempDir(), "nonce-key"), now)
	ctx := t.Context()
	for range 10 {
		if _, err := withFile.Balances(ctx); err != nil {
			t.Fatal(err)
		}
	}
	without, err := gemini.New(gemini.Config{BaseURL: base, APIKey: sim.LocalKey, APISecret: sim.LocalSecret,
		PrivateRate: -1, PublicRate: -1, Now: now, MaxReadRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := without.Balances(ctx); err != nil {
			t.Fatalf("request %d of the client without the nonce file: %v", i+1, err)
		}
		if _, err := withFile.Balances(ctx); err != nil {
			t.Fatalf("request %d of the client with the nonce file after the other's: %v", i+1, err)
		}
	}
}
