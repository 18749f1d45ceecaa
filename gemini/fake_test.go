package gemini

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

const (
	testKey    = "account-Xq7testkey0123456789"
	testSecret = "SECRETsecret-2f9c1d7e5b3a-do-not-leak"
)

// fake is a Gemini stand-in on loopback. It checks every private request the
// way Gemini does (headers, empty body, HMAC recomputed with the secret,
// request equal to the path, nonce increasing) and hands valid ones to handle.
type fake struct {
	t   *testing.T
	srv *httptest.Server

	mu         sync.Mutex
	handle     func(w http.ResponseWriter, r *http.Request, p map[string]any)
	lastNonce  int64
	nonces     []int64
	payloads   []map[string]any
	rawPayload []string
	signatures []string
	rejected   int              // requests refused for an invalid nonce by the fake itself
	timeNonce  func() int64     // when set, nonces are checked against it (±30) instead of increasing
	date       func() time.Time // when set, the Date header of every answer (the exchange's clock)
}

func newFake(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, p map[string]any)) *fake {
	t.Helper()
	f := &fake{t: t, handle: handle}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func replyJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func geminiError(w http.ResponseWriter, status int, reason, message string) {
	replyJSON(w, status, fmt.Sprintf(`{"result":"error","reason":%q,"message":%q}`, reason, message))
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	date := f.date
	f.mu.Unlock()
	if date != nil {
		w.Header().Set("Date", date().UTC().Format(http.TimeFormat))
	}
	body, _ := io.ReadAll(r.Body)
	if r.Method == http.MethodGet {
		for _, h := range []string{"X-Gemini-Apikey", "X-Gemini-Payload", "X-Gemini-Signature"} {
			if r.Header.Get(h) != "" {
				f.t.Errorf("public GET %s carries %s", r.URL.Path, h)
			}
		}
		f.mu.Lock()
		h := f.handle
		f.mu.Unlock()
		h(w, r, nil)
		return
	}
	check := func(ok bool, format string, args ...any) bool {
		if !ok {
			f.t.Errorf("%s: "+format, append([]any{r.URL.Path}, args...)...)
		}
		return ok
	}
	check(r.Method == http.MethodPost, "method %s, want POST", r.Method)
	check(len(body) == 0, "body %q, want empty", body)
	check(r.ContentLength == 0, "ContentLength %d, want 0", r.ContentLength)
	check(r.Header.Get("Content-Length") == "0", "Content-Length header %q, want 0", r.Header.Get("Content-Length"))
	check(r.Header.Get("Content-Type") == "text/plain", "Content-Type %q", r.Header.Get("Content-Type"))
	check(r.Header.Get("Cache-Control") == "no-cache", "Cache-Control %q", r.Header.Get("Cache-Control"))
	if !check(r.Header.Get("X-GEMINI-APIKEY") == testKey, "API key %q", r.Header.Get("X-GEMINI-APIKEY")) {
		geminiError(w, 400, "InvalidApiKey", "bad key")
		return
	}
	encoded := r.Header.Get("X-GEMINI-PAYLOAD")
	mac := hmac.New(sha512.New384, []byte(testSecret))
	mac.Write([]byte(encoded))
	want := hex.EncodeToString(mac.Sum(nil))
	if !check(r.Header.Get("X-GEMINI-SIGNATURE") == want, "signature does not verify") {
		geminiError(w, 400, "InvalidSignature", "InvalidSignature")
		return
	}
	raw, err := base64.StdEncoding.DecodeString(encoded)
	if !check(err == nil, "payload is not standard base64: %v", err) {
		geminiError(w, 400, "InvalidJson", "bad payload")
		return
	}
	var p map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if !check(dec.Decode(&p) == nil, "payload is not JSON: %s", raw) {
		geminiError(w, 400, "InvalidJson", "bad payload")
		return
	}
	if !check(p["request"] == r.URL.Path, "payload request %v != path", p["request"]) {
		geminiError(w, 400, "EndpointMismatch", "EndpointMismatch")
		return
	}
	nonceText, _ := p["nonce"].(string)
	nonce, err := strconv.ParseInt(nonceText, 10, 64)
	if !check(err == nil, "nonce %v is not a string of digits", p["nonce"]) {
		geminiError(w, 400, "InvalidNonce", "bad nonce")
		return
	}

	f.mu.Lock()
	ok := nonce > f.lastNonce
	if f.timeNonce != nil {
		now := f.timeNonce()
		ok = ok && nonce >= now-30 && nonce <= now+30
	}
	if !ok {
		f.rejected++
		f.mu.Unlock()
		geminiError(w, 400, "InvalidNonce", fmt.Sprintf("Nonce '%d' has not increased since your last call to the Gemini API.", nonce))
		return
	}
	f.lastNonce = nonce
	f.nonces = append(f.nonces, nonce)
	f.payloads = append(f.payloads, p)
	f.rawPayload = append(f.rawPayload, string(raw))
	f.signatures = append(f.signatures, want)
	h := f.handle
	f.mu.Unlock()
	h(w, r, p)
}

// fakeClock is a clock that only moves when slept on.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	slept []time.Duration
}

func newClock() *fakeClock { return &fakeClock{t: time.Unix(1700000000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slept = append(c.slept, d)
	if d > 0 {
		c.t = c.t.Add(d)
	}
	return ctx.Err()
}

func (c *fakeClock) total() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var sum time.Duration
	for _, d := range c.slept {
		sum += d
	}
	return sum
}

// testClient returns a client for f with no pacing and a fake clock, after
// applying edit to its config.
func testClient(t *testing.T, f *fake, edit func(*Config)) (*Client, *fakeClock) {
	t.Helper()
	clock := newClock()
	cfg := Config{
		BaseURL: f.srv.URL, APIKey: testKey, APISecret: testSecret,
		PrivateRate: -1, PublicRate: -1,
		Now: clock.Now, Sleep: clock.Sleep,
	}
	if edit != nil {
		edit(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, clock
}

const orderJSON = `{"order_id":"106817811","id":"106817811","symbol":"btcusd","exchange":"gemini",
 "avg_execution_price":"3632.8508430064554","side":"buy","type":"exchange limit",
 "timestamp":"1547220404","timestampms":1547220404836,"is_live":true,"is_cancelled":false,
 "is_hidden":false,"was_forced":false,"executed_amount":"3.7567928949",
 "remaining_amount":"1.2432071051","client_order_id":"20190110-4738721","options":[],
 "price":"3633.00","original_amount":"5"}`
