package command

// Security: secrets and signatures never leave the process in output,
// logs or files; files are private and written atomically; plain HTTP only
// on loopback; the simulator refuses what Gemini refuses; a key that cannot
// trade fails plan early.

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"orderform/gemini"
	"orderform/gemini/sim"
)

const (
	secKey    = "account-SECKEY-1b2c3d4e5f"
	secSecret = "SECRET-DO-NOT-LEAK-7f3a9c1e5b"
)

// signatureRecorder wraps the simulator and keeps every signature and
// payload it is sent.
type signatureRecorder struct {
	mu   sync.Mutex
	sigs map[string]bool
}

func (r *signatureRecorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if s := req.Header.Get("X-GEMINI-SIGNATURE"); s != "" {
			r.mu.Lock()
			r.sigs[s] = true
			r.mu.Unlock()
		}
		h.ServeHTTP(w, req)
	})
}

func (r *signatureRecorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.sigs))
	for s := range r.sigs {
		out = append(out, s)
	}
	return out
}

// secretSweep collects every byte orderform shows or writes.
type secretSweep struct {
	t     *testing.T
	texts map[string]string // where → what
}

func (s *secretSweep) add(where string, r relResult) {
	s.texts[where+" stdout"] = r.stdout
	s.texts[where+" stderr"] = r.stderr
}

// check asserts that no secret, no full key and no signature appears.
func (s *secretSweep) check(sigs []string) {
	s.t.Helper()
	if len(sigs) < 10 {
		s.t.Fatalf("only %d signatures were recorded: the sweep would prove nothing", len(sigs))
	}
	for where, text := range s.texts {
		if strings.Contains(text, secSecret) {
			s.t.Errorf("%s shows the API secret", where)
		}
		if strings.Contains(text, secKey) {
			s.t.Errorf("%s shows the full API key", where)
		}
		for _, sig := range sigs {
			if strings.Contains(text, sig) || strings.Contains(text, sig[:32]) {
				s.t.Errorf("%s shows a request signature (%s...)", where, sig[:16])
				break
			}
		}
	}
}

func TestSecretsNeverShown(t *testing.T) {
	t.Parallel()
	rec := &signatureRecorder{sigs: map[string]bool{}}
	h := newRelHarness(t, relOptions{key: secKey, secret: secSecret, wrap: rec.wrap})
	h.env["ORDERFORM_LOG"] = "debug"
	h.write(map[string]string{"main.hcl": h.exchangeBlock("sec") + `
variable "size" {
  type    = number
  default = 0.001
}

order "bid" {
  symbol = "btcusd"
  side   = "buy"
  amount = var.size
  price  = 60000
}

order "ask" {
  symbol  = "ethusd"
  side    = "sell"
  amount  = "0.01"
  price   = 4000
  options = ["maker-or-cancel"]
}
`})
	ctx := context.Background()
	sweep := &secretSweep{t: t, texts: map[string]string{}}
	planFile := filepath.Join(filepath.Dir(h.dir), "plans", "p.plan")
	if err := os.MkdirAll(filepath.Dir(planFile), 0o700); err != nil {
		t.Fatal(err)
	}
	step := func(name string, want int, args ...string) relResult {
		t.Helper()
		r := h.run(ctx, args...)
		sweep.add(name, r)
		if want >= 0 && r.code != want {
			t.Errorf("%s: exit %d, want %d\n%s", name, r.code, want, r)
		}
		return r
	}
	step("validate", 0, "validate", h.dir)
	step("validate -json", 0, "validate", "-json", h.dir)
	r := step("plan", 0, "plan", h.dir)
	if !strings.Contains(r.stderr, "gemini:") {
		t.Fatalf("ORDERFORM_LOG=debug wrote no debug log:\n%s", r)
	}
	step("plan -json", 0, "plan", "-json", h.dir)
	step("plan -out", 0, "plan", "-out", planFile, h.dir)
	step("show plan", 0, "show", planFile)
	step("show -json plan", 0, "show", "-json", planFile)
	step("apply plan", 0, "apply", planFile)
	step("apply stale plan", 1, "apply", planFile)
	step("show", 0, "show", h.dir)
	step("show -json", 0, "show", "-json", h.dir)
	step("doctor", -1, "doctor", h.dir)

	// Error paths: the exchange failing in every way it can.
	h.srv.SetFault(sim.Fault{Path: "/v1/orders", Kind: sim.FaultStatus, Status: 500, Count: 10})
	step("plan, 500", 1, "plan", "-no-color", h.dir)
	h.srv.ClearFaults()
	h.srv.SetFault(sim.Fault{Path: "/v1/order/new", Kind: sim.FaultLoseResponse, Count: 1})
	h.write(map[string]string{"main.hcl": strings.Replace(h.readConfig(t), "price  = 60000", "price  = 59000", 1)})
	step("apply, lost response", -1, "apply", "-auto-approve", h.dir)
	h.srv.ClearFaults()
	h.srv.SetFault(sim.Fault{Path: "/v1/order/cancel", Kind: sim.FaultStatus, Status: 429, RetryAfter: 1, Count: 1})
	h.write(map[string]string{"main.hcl": strings.Replace(h.readConfig(t), "price  = 59000", "price  = 58000", 1)})
	step("apply -json, 429", -1, "apply", "-auto-approve", "-json", h.dir)
	h.srv.ClearFaults()
	step("destroy", 0, "destroy", "-auto-approve", h.dir)

	// A wrong secret: the exchange refuses the signature; neither secret
	// may show.
	h.env["GEMINI_API_SECRET"] = secSecret + "-WRONG"
	r = step("plan, wrong secret", 1, "plan", h.dir)
	if !strings.Contains(r.stderr, "InvalidSignature") && !strings.Contains(strings.ToLower(r.stderr), "signature") {
		t.Errorf("a wrong secret should say the signature was refused:\n%s", r)
	}
	h.env["GEMINI_API_SECRET"] = secSecret

	// Everything orderform wrote.
	root := filepath.Dir(h.dir)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		sweep.texts["file "+rel] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sweep.check(rec.all())
}

// readConfig returns the configuration's main.hcl.
func (h *relHarness) readConfig(t *testing.T) string {
	b, err := os.ReadFile(filepath.Join(h.dir, "main.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestWrittenFilesPrivateAndAtomic checks every file orderform writes:
// saved plans, the local exchange's book and the caches are mode 0600 in
// directories of mode 0700 (those it creates), are replaced by a rename
// rather than rewritten in place (a crash leaves the old or the new file,
// never half of one), and leave no temporary files behind.
func TestWrittenFilesPrivateAndAtomic(t *testing.T) {
	root := t.TempDir()
	cfg := filepath.Join(root, "cfg")
	cache := filepath.Join(root, "cache")
	plans := filepath.Join(root, "plans")
	if err := os.MkdirAll(cfg, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfg, "main.hcl"), []byte(`
exchange {
  environment = "local"
  namespace   = "files"
}

order "bid" {
  symbol = "ethusd"
  side   = "buy"
  amount = "0.01"
  price  = 1000
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"ORDERFORM_CACHE_DIR": cache, "NO_COLOR": "1"}
	h := &relHarness{t: t, dir: cfg, env: env}
	ctx := context.Background()
	must := func(args ...string) {
		t.Helper()
		if r := h.run(ctx, args...); r.code != 0 {
			t.Fatalf("orderform %s: %s", strings.Join(args, " "), r)
		}
	}
	planFile := filepath.Join(plans, "p.plan")
	if err := os.MkdirAll(plans, 0o755); err != nil {
		t.Fatal(err)
	}

	must("plan", "-out", planFile, cfg)
	state := filepath.Join(cfg, ".orderform", "local.json")
	stat := func(p string) os.FileInfo {
		t.Helper()
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi
	}
	// Hold the files open: a file replaced by a rename keeps its old inode
	// and bytes behind the open descriptor (and the inode cannot be reused
	// by the next temporary file); one rewritten in place does not.
	hold := func(p string) (*os.File, []byte) {
		t.Helper()
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		b, err := io.ReadAll(f)
		if err != nil {
			t.Fatal(err)
		}
		return f, b
	}
	replaced := func(f *os.File, was []byte) {
		t.Helper()
		fi, err := f.Stat()
		if err != nil {
			t.Fatal(err)
		}
		if os.SameFile(fi, stat(f.Name())) {
			t.Errorf("%s was rewritten in place, not replaced by a rename", f.Name())
		}
		now, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<30))
		if err != nil {
			t.Fatal(err)
		}
		if string(now) != string(was) {
			t.Errorf("%s: the old file changed under an open descriptor: written in place", f.Name())
		}
	}
	planF, planWas := hold(planFile)
	stateF, stateWas := hold(state)
	journal := state + ".journal"
	journalF, journalWas := hold(journal)

	must("plan", "-out", planFile, cfg)
	must("apply", "-auto-approve", cfg)
	replaced(planF, planWas)
	// The local exchange's snapshot is replaced by a rename or left alone
	// (its changes go to the journal); the journal is only appended to.
	if fi, err := stateF.Stat(); err == nil && os.SameFile(fi, stat(state)) {
		if now, _ := os.ReadFile(state); string(now) != string(stateWas) {
			t.Errorf("%s was rewritten in place, not replaced by a rename", state)
		}
	} else {
		replaced(stateF, stateWas)
	}
	if fi, err := journalF.Stat(); err == nil && os.SameFile(fi, stat(journal)) {
		now, _ := os.ReadFile(journal)
		if len(now) <= len(journalWas) || string(now[:len(journalWas)]) != string(journalWas) {
			t.Errorf("%s was not appended to: %d bytes before, %d after", journal, len(journalWas), len(now))
		}
	}

	// Modes, and no temporary files left behind, under every directory
	// orderform wrote to. Directories orderform created are 0700.
	var files []string
	created := map[string]bool{filepath.Join(cfg, ".orderform"): true, cache: true, plans: false}
	for _, dir := range []string{filepath.Join(cfg, ".orderform"), cache, filepath.Dir(planFile)} {
		if _, err := os.Stat(dir); os.IsNotExist(err) && dir == cache {
			continue // the local exchange keeps its cache in .orderform/cache
		}
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			switch {
			case d.IsDir():
				if (created[dir] || path != dir) && fi.Mode().Perm() != 0o700 {
					t.Errorf("directory %s has mode %v, want 0700", path, fi.Mode().Perm())
				}
			case strings.Contains(d.Name(), ".tmp") || strings.HasPrefix(d.Name(), ".") && d.Name() != ".orderform":
				t.Errorf("temporary file %s left behind", path)
			default:
				files = append(files, path)
				if fi.Mode().Perm() != 0o600 {
					t.Errorf("file %s has mode %v, want 0600", path, fi.Mode().Perm())
				}
			}
			return nil
		})
		if err != nil {
			t.Errorf("walk %s: %v", dir, err)
		}
	}
	if len(files) < 4 { // the book, the plan, the symbol rules and the key's roles
		t.Errorf("checked only %v", files)
	}
	if fi := stat(planFile); fi.Mode().Perm() != 0o600 {
		t.Errorf("saved plan has mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestPlainHTTPOnlyOnLoopback(t *testing.T) {
	for _, c := range []struct {
		url string
		ok  bool
	}{
		{"https://api.gemini.com", true},
		{"https://api.sandbox.gemini.com", true},
		{"http://127.0.0.1:8399", true},
		{"http://127.8.9.10:1", true},
		{"http://localhost:8399", true},
		{"http://[::1]:8399", true},
		{"http://api.gemini.com", false},
		{"http://203.0.113.7:8399", false},
		{"http://10.0.0.1", false},
		{"http://0.0.0.0:8399", false},
		{"http://[::]:8399", false},
		{"http://127.0.0.1.nip.io", false},
		{"http://localhost.example.com", false},
		{"http://[::ffff:8.8.8.8]:80", false},
		{"ftp://127.0.0.1", false},
		{"127.0.0.1:8399", false},
		{"https://user:pass@api.gemini.com", false},
	} {
		err := gemini.CheckURL(c.url)
		if (err == nil) != c.ok {
			t.Errorf("CheckURL(%q) = %v, want ok=%v", c.url, err, c.ok)
		}
	}
	// The simulator itself listens on loopback unless told otherwise.
	h := &relHarness{t: t, env: map[string]string{}}
	r := h.run(context.Background(), "sim", "-addr", "0.0.0.0:0")
	if r.code != exitError || !strings.Contains(r.stderr, "not a loopback address") {
		t.Errorf("sim on 0.0.0.0 without -listen-any: %s", r)
	}
}

// TestSimulatorRefusesBadRequests sends raw requests: unsigned, wrongly
// signed, replayed and without the role the path needs.
func TestSimulatorRefusesBadRequests(t *testing.T) {
	h := newRelHarness(t, relOptions{key: "account-trader", secret: "trader-secret", sim: sim.Options{
		Keys: []sim.Key{{Key: "account-auditor", Secret: "auditor-secret", Roles: []string{"auditor"}}},
	}})
	nonce := time.Now().UnixMilli()
	payload := func(path string, n int64, extra string) []byte {
		return []byte(fmt.Sprintf(`{"request":%q,"nonce":"%d"%s}`, path, n, extra))
	}
	send := func(path, key, secret string, body []byte, omit string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, h.url+path, http.NoBody)
		p, sig := gemini.Sign(secret, body)
		if omit != "key" {
			req.Header.Set("X-GEMINI-APIKEY", key)
		}
		if omit != "payload" {
			req.Header.Set("X-GEMINI-PAYLOAD", p)
		}
		if omit != "signature" {
			req.Header.Set("X-GEMINI-SIGNATURE", sig)
		}
		req.Header.Set("Content-Type", "text/plain")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	next := func() int64 { nonce++; return nonce }
	newOrder := `,"symbol":"btcusd","amount":"0.001","price":"1000","side":"buy","type":"exchange limit","client_order_id":"raw-1"`

	for _, c := range []struct {
		name, path, key, secret, omit string
		body                          []byte
		status                        int
		reason                        string
	}{
		{"no key", "/v1/balances", "account-trader", "trader-secret", "key", payload("/v1/balances", next(), ""), 400, "MissingApikeyHeader"},
		{"no payload", "/v1/balances", "account-trader", "trader-secret", "payload", payload("/v1/balances", next(), ""), 400, "MissingPayloadHeader"},
		{"no signature", "/v1/balances", "account-trader", "trader-secret", "signature", payload("/v1/balances", next(), ""), 400, "MissingSignatureHeader"},
		{"unknown key", "/v1/balances", "account-nobody", "trader-secret", "", payload("/v1/balances", next(), ""), 400, "InvalidApiKey"},
		{"wrong secret", "/v1/balances", "account-trader", "not-the-secret", "", payload("/v1/balances", next(), ""), 400, "InvalidSignature"},
		{"signed for another path", "/v1/order/new", "account-trader", "trader-secret", "", payload("/v1/balances", next(), ""), 400, "EndpointMismatch"},
		{"auditor places an order", "/v1/order/new", "account-auditor", "auditor-secret", "", payload("/v1/order/new", next(), newOrder), 403, "MissingRole"},
		{"auditor cancels", "/v1/order/cancel", "account-auditor", "auditor-secret", "", payload("/v1/order/cancel", next(), `,"order_id":"9007199254740993"`), 403, "MissingRole"},
	} {
		status, body := send(c.path, c.key, c.secret, c.body, c.omit)
		if status != c.status || !strings.Contains(body, `"reason":"`+c.reason+`"`) {
			t.Errorf("%s: HTTP %d %s, want %d with reason %s", c.name, status, body, c.status, c.reason)
		}
	}
	if n := len(h.srv.Orders()); n != 0 {
		t.Errorf("refused requests placed %d orders", n)
	}

	// Replays: the same signed request twice, and an older nonce.
	body := payload("/v1/balances", next(), "")
	if status, b := send("/v1/balances", "account-trader", "trader-secret", body, ""); status != 200 {
		t.Fatalf("a good request: HTTP %d %s", status, b)
	}
	if status, b := send("/v1/balances", "account-trader", "trader-secret", body, ""); status != 400 || !strings.Contains(b, "InvalidNonce") {
		t.Errorf("a replayed request: HTTP %d %s, want 400 InvalidNonce", status, b)
	}
	old := payload("/v1/balances", nonce-5, "")
	if status, b := send("/v1/balances", "account-trader", "trader-secret", old, ""); status != 400 || !strings.Contains(b, "InvalidNonce") {
		t.Errorf("an old nonce: HTTP %d %s, want 400 InvalidNonce", status, b)
	}
	order := payload("/v1/order/new", next(), newOrder)
	if status, b := send("/v1/order/new", "account-trader", "trader-secret", order, ""); status != 200 {
		t.Fatalf("a good order: HTTP %d %s", status, b)
	}
	if status, b := send("/v1/order/new", "account-trader", "trader-secret", order, ""); status != 400 || !strings.Contains(b, "InvalidNonce") {
		t.Errorf("a replayed order: HTTP %d %s, want 400 InvalidNonce", status, b)
	}
	if n := len(h.srv.Orders()); n != 1 {
		t.Errorf("a replayed order placed twice: %d orders", n)
	}
}

// TestSimStateHoldsNoSecret: the simulator's state file remembers nonces per
// key, never a secret.
func TestSimStateHoldsNoSecret(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "book.json")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := sim.New(sim.Options{Keys: []sim.Key{{Key: secKey, Secret: secSecret}}, StatePath: path})
	if err != nil {
		t.Fatal(err)
	}
	url, stop, err := sim.Serve(context.Background(), s, "")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	c, err := gemini.New(gemini.Config{BaseURL: url, APIKey: secKey, APISecret: secSecret, PrivateRate: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Balances(context.Background()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), secSecret) {
		t.Errorf("the simulator's state file holds the secret")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, want 0600", fi.Mode().Perm())
	}
}
