package command

// A relHarness shared by the soak, catalogue and security tests: a simulator
// on loopback, a configuration directory pointing at it, and run() called
// in-process with an environment of the test's choosing.

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"orderform/gemini"
	"orderform/gemini/sim"
	"orderform/internal/exchange"
)

// relHarness is one simulator and one configuration directory aimed at it.
type relHarness struct {
	t testing.TB
	// noHistoryMargin runs commands with history walks starting right at
	// the last read (exchange.WithHistoryMargin).
	noHistoryMargin bool
	srv             *sim.Server
	url             string
	dir             string            // the configuration directory
	env             map[string]string // what getenv answers
}

// relOptions tune newRelHarness.
type relOptions struct {
	key, secret string
	roles       []string
	sim         sim.Options
	// wrap, when set, wraps the simulator's handler (to record what it saw).
	wrap func(http.Handler) http.Handler
}

// newRelHarness starts a simulator with one trader key and returns a relHarness
// whose environment carries that key.
func newRelHarness(t testing.TB, o relOptions) *relHarness {
	t.Helper()
	if o.key == "" {
		o.key, o.secret = "account-relHarness", "relHarness-secret"
	}
	opts := o.sim
	opts.Keys = append([]sim.Key{{Key: o.key, Secret: o.secret, Roles: o.roles}}, opts.Keys...)
	s, err := sim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = s
	if o.wrap != nil {
		h = o.wrap(s)
	}
	ts := httptest.NewServer(h) // 127.0.0.1, ephemeral port
	t.Cleanup(ts.Close)
	dir := t.TempDir()
	return &relHarness{
		t: t, srv: s, url: ts.URL, dir: filepath.Join(dir, "cfg"),
		env: map[string]string{
			"GEMINI_API_KEY":      o.key,
			"GEMINI_API_SECRET":   o.secret,
			"ORDERFORM_CACHE_DIR": filepath.Join(dir, "cache"),
			"NO_COLOR":            "1",
		},
	}
}

func (h *relHarness) getenv(k string) string { return h.env[k] }

// exchangeBlock is an exchange block aimed at the relHarness's simulator.
func (h *relHarness) exchangeBlock(namespace string) string {
	return fmt.Sprintf("exchange {\n  environment = \"local\"\n  url         = %q\n  namespace   = %q\n}\n", h.url, namespace)
}

// write replaces the configuration directory's files with files.
func (h *relHarness) write(files map[string]string) {
	h.t.Helper()
	if err := os.RemoveAll(h.dir); err != nil {
		h.t.Fatal(err)
	}
	if err := os.MkdirAll(h.dir, 0o755); err != nil {
		h.t.Fatal(err)
	}
	for name, text := range files {
		p := filepath.Join(h.dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			h.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			h.t.Fatal(err)
		}
	}
}

// relResult is what one run of the command line gave.
type relResult struct {
	code           int
	stdout, stderr string
}

func (r relResult) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// relRunTimeout bounds every in-process run: a hang is a failure, not a stuck CI.
const relRunTimeout = 60 * time.Second

// run runs the command line in-process with ctx and the relHarness's
// environment. stdin is empty (not a terminal).
func (h *relHarness) run(ctx context.Context, args ...string) relResult {
	h.t.Helper()
	return h.runIn(ctx, "", args...)
}

// runIn is run with stdin.
func (h *relHarness) runIn(ctx context.Context, stdin string, args ...string) relResult {
	h.t.Helper()
	var out, errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		if h.noHistoryMargin {
			ctx = exchange.WithHistoryMargin(ctx, 0)
		}
		done <- run(ctx, args, h.getenv, strings.NewReader(stdin), &out, &errb)
	}()
	select {
	case code := <-done:
		return relResult{code: code, stdout: out.String(), stderr: errb.String()}
	case <-time.After(relRunTimeout):
		h.t.Fatalf("orderform %s: no answer after %s (hang)", strings.Join(args, " "), relRunTimeout)
		return relResult{}
	}
}

// client returns a signed client of the simulator for another key (orders
// placed beside orderform's), which must be among the simulator's keys.
func (h *relHarness) client(key, secret string) *gemini.Client {
	h.t.Helper()
	c, err := gemini.New(gemini.Config{BaseURL: h.url, APIKey: key, APISecret: secret, PrivateRate: -1, PublicRate: -1, MaxReadRetries: -1})
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// requestCount is the number of Gemini requests the simulator has received.
func (h *relHarness) requestCount() int {
	n := 0
	for _, c := range h.srv.Requests() {
		n += c
	}
	return n
}
