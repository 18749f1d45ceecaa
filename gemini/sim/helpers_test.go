package sim

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// Test keys: a trader, an auditor, a fund manager and a time-nonce trader.
var testKeys = []Key{
	{Key: "account-trader", Secret: "trader-secret", Roles: []string{RoleTrader}},
	{Key: "account-auditor", Secret: "auditor-secret", Roles: []string{RoleAuditor}},
	{Key: "account-funds", Secret: "funds-secret", Roles: []string{RoleFundManager}},
	{Key: "account-timed", Secret: "timed-secret", Roles: []string{RoleTrader}, TimeNonce: true},
	{Key: "master-group", Secret: "master-secret", Roles: []string{RoleTrader}},
}

// start serves a simulator on loopback for the test.
func start(t testing.TB, opts Options) (*Server, *client) {
	t.Helper()
	if opts.Keys == nil {
		opts.Keys = testKeys
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	url, stop, err := Serve(context.Background(), s, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop() })
	return s, newClient(url, testKeys[0])
}

// client is a minimal Gemini client: enough to sign requests the way the
// documentation says, and nothing the package under test provides.
type client struct {
	url    string
	key    Key
	nonces *nonceBook // shared by the clients of one server
	http   *http.Client
}

// nonceBook hands out increasing nonces per key: max(last+1, now in ms).
type nonceBook struct {
	mu   sync.Mutex
	last map[string]int64
}

func newClient(url string, k Key) *client {
	return &client{url: url, key: k, nonces: &nonceBook{last: map[string]int64{}}, http: &http.Client{Timeout: 10 * time.Second}}
}

func (c *client) as(k Key) *client {
	n := *c
	n.key = k
	return &n
}

func (c *client) nextNonce() int64 {
	c.nonces.mu.Lock()
	defer c.nonces.mu.Unlock()
	n := max(c.nonces.last[c.key.Key]+1, time.Now().UnixMilli())
	c.nonces.last[c.key.Key] = n
	return n
}

// reply is a decoded answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) object() map[string]any {
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(string(r.body)))
	dec.UseNumber()
	dec.Decode(&m)
	return m
}

func (r reply) array() []map[string]any {
	var a []map[string]any
	dec := json.NewDecoder(strings.NewReader(string(r.body)))
	dec.UseNumber()
	dec.Decode(&a)
	return a
}

func (r reply) reason() string {
	s, _ := r.object()["reason"].(string)
	return s
}

// post sends a signed private request; fields are merged into the payload
// after request and nonce.
func (c *client) post(t testing.TB, path string, fields map[string]any) reply {
	t.Helper()
	payload := map[string]any{"request": path, "nonce": strconv.FormatInt(c.nextNonce(), 10)}
	for k, v := range fields {
		payload[k] = v
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	return c.postRaw(t, path, raw, nil)
}

// postRaw signs raw as the payload and sends it, with extra headers
// (an empty value deletes a header).
func (c *client) postRaw(t testing.TB, path string, raw []byte, hdr map[string]string) reply {
	t.Helper()
	b64 := base64.StdEncoding.EncodeToString(raw)
	req, _ := http.NewRequest(http.MethodPost, c.url+path, nil)
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("X-GEMINI-APIKEY", c.key.Key)
	req.Header.Set("X-GEMINI-PAYLOAD", b64)
	req.Header.Set("X-GEMINI-SIGNATURE", sign(c.key.Secret, b64))
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	return c.do(t, req)
}

func (c *client) get(t testing.TB, path string) reply {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.url+path, nil)
	return c.do(t, req)
}

func (c *client) do(t testing.TB, req *http.Request) reply {
	t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, body}
}

// order places a limit order and returns its decoded answer.
func (c *client) order(t testing.TB, fields map[string]any) map[string]any {
	t.Helper()
	base := map[string]any{"symbol": "btcusd", "side": "buy", "type": "exchange limit", "amount": "0.01", "price": "60000.00"}
	for k, v := range fields {
		base[k] = v
	}
	r := c.post(t, "/v1/order/new", base)
	if r.status != 200 {
		t.Fatalf("order/new %v: HTTP %d %s", base, r.status, r.body)
	}
	return r.object()
}

func dec(t testing.TB, v any) decimal.Decimal {
	t.Helper()
	s, ok := v.(string)
	if !ok {
		t.Fatalf("want a decimal string, got %T %v", v, v)
	}
	x, err := decimal.NewFromString(s)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
func b64enc(b []byte) string            { return base64.StdEncoding.EncodeToString(b) }
