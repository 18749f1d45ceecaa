package gemini

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNonceRecord(t *testing.T) {
	rec := nonceRecord(NonceIncreasing, 1765000000123)
	if got := parseNonceRecord(rec, NonceIncreasing); got != 1765000000123 {
		t.Errorf("round trip: %d", got)
	}
	if len(rec) != len(nonceRecord(NonceTime, 1)) {
		t.Errorf("records differ in width: %q", rec)
	}
	for _, s := range []string{"", "garbage", rec[:10], "orderform-nonce increasing -5\n", "orderform-nonce increasing 99999999999999999999999\n"} {
		if got := parseNonceRecord(s, NonceIncreasing); got != 0 {
			t.Errorf("parseNonceRecord(%q) = %d, want 0", s, got)
		}
	}
	if got := parseNonceRecord(rec, NonceTime); got != 0 {
		t.Errorf("another mode's record read as %d", got)
	}
}

// A nonce file continues the sequence of whoever wrote it last, in its
// mode; a time-based nonce too far ahead for Gemini's window is not
// followed; and the file holds nothing but the mode and the number.
func TestNonceStore(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "nonce-x") // the directory is made
	clock := newClock()
	ctx := context.Background()
	src := func(mode NonceMode) *nonceSource {
		return &nonceSource{mode: mode, now: clock.Now, sleep: clock.Sleep,
			state: &keyState{slot: make(chan struct{}, 1), file: &nonceStore{path: path}}}
	}
	// next under the key's turn, as a request takes it.
	next := func(n *nonceSource) (int64, error) {
		release, err := n.state.acquire(ctx)
		if err != nil {
			return 0, err
		}
		defer release()
		return n.next(ctx)
	}
	a := src(NonceIncreasing)
	for want := clock.Now().UnixMilli(); want < clock.Now().UnixMilli()+5; want++ {
		if v, err := next(a); err != nil || v != want {
			t.Fatalf("next = %d, %v; want %d", v, err, want)
		}
	}
	b := src(NonceIncreasing) // another process: its own state, the same file
	if v, _ := next(b); v != clock.Now().UnixMilli()+5 {
		t.Errorf("the second process starts at %d, want %d", v, clock.Now().UnixMilli()+5)
	}
	if v, _ := next(a); v != clock.Now().UnixMilli()+6 {
		t.Errorf("the first continues at %d, want %d", v, clock.Now().UnixMilli()+6)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(raw)) != strings.TrimSpace(nonceRecord(NonceIncreasing, clock.Now().UnixMilli()+6)) {
		t.Errorf("file holds %q", raw)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, %v; want 0600", fi.Mode(), err)
	}

	// Time mode: the increasing record is another mode's, so not followed.
	tm := src(NonceTime)
	if v, _ := next(tm); v != clock.Now().Unix() {
		t.Errorf("time nonce %d, want the clock's second %d", v, clock.Now().Unix())
	}
	// A stored time nonce beyond Gemini's window is not followed either.
	os.WriteFile(path, []byte(nonceRecord(NonceTime, clock.Now().Unix()+120)), 0o600)
	if v, _ := next(src(NonceTime)); v != clock.Now().Unix() {
		t.Errorf("time nonce %d after a stored one 120 s ahead, want %d", v, clock.Now().Unix())
	}
	// One within the lead is followed.
	os.WriteFile(path, []byte(nonceRecord(NonceTime, clock.Now().Unix()+3)), 0o600)
	if v, _ := next(src(NonceTime)); v != clock.Now().Unix()+4 {
		t.Errorf("time nonce %d after a stored one 3 s ahead, want %d", v, clock.Now().Unix()+4)
	}
}

// A nonce file that cannot be kept is an error that names it, and no
// request is sent.
func TestNonceStoreUnwritable(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, p map[string]any) { replyJSON(w, 200, `[]`) })
	c, _ := testClient(t, f, func(c *Config) { c.NonceFile = filepath.Join(blocker, "nonce-x") })
	_, err := c.Balances(context.Background())
	if err == nil || !strings.Contains(err.Error(), filepath.Join(blocker, "nonce-x")) {
		t.Fatalf("err = %v, want one naming the nonce file", err)
	}
	if n := len(f.nonces); n != 0 {
		t.Errorf("%d requests sent without a kept nonce", n)
	}
}
