package gemini

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func TestBaseURLFor(t *testing.T) {
	for env, want := range map[string]string{"sandbox": SandboxURL, "production": ProductionURL} {
		if got, err := BaseURLFor(env); err != nil || got != want {
			t.Errorf("BaseURLFor(%q) = %q, %v; want %q", env, got, err, want)
		}
	}
	for _, env := range []string{"local", "", "prod", "Sandbox"} {
		if _, err := BaseURLFor(env); err == nil {
			t.Errorf("BaseURLFor(%q) succeeded", env)
		}
	}
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url     string
		wantErr string // "" = accepted
	}{
		{"https://api.gemini.com", ""},
		{"https://api.sandbox.gemini.com/", ""},
		{"http://127.0.0.1:8399", ""},
		{"http://127.9.8.7", ""},
		{"http://[::1]:8399", ""},
		{"http://localhost:8399", ""},
		{"http://LOCALHOST", ""},
		{"http://api.gemini.com", "unencrypted"},
		{"http://10.0.0.5:8399", "unencrypted"},
		{"http://[::2]:1", "unencrypted"},
		{"http://localhost.evil.com", "unencrypted"},
		{"http://127.0.0.1.nip.io", "unencrypted"},
		{"ftp://api.gemini.com", "https://"},
		{"api.gemini.com", "https://"},
		{"https://", "no host"},
		{"https://user:pw@api.gemini.com", "user name or password"},
		{"https://api.gemini.com/v1", "just scheme and host"},
		{"https://api.gemini.com?x=1", "just scheme and host"},
		{"://bad", "not a valid URL"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			err := CheckURL(tt.url)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Errorf("accepted, want an error containing %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "pw@") {
				t.Errorf("error shows the password: %v", err)
			}
		})
	}
	if _, err := New(Config{BaseURL: "http://example.com"}); err == nil {
		t.Error("New accepted http:// to a non-loopback host")
	}
}

// Every private endpoint signs a payload whose request is its path and whose
// fields are exactly the ones the reference documents.
func TestPrivatePayloads(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, p map[string]any) {
		switch r.URL.Path {
		case "/v1/balances", "/v1/orders", "/v1/orders/history":
			replyJSON(w, 200, `[]`)
		case "/v1/roles":
			replyJSON(w, 200, `{"isAuditor":false,"isFundManager":false,"isTrader":true}`)
		default:
			replyJSON(w, 200, orderJSON)
		}
	})
	c, _ := testClient(t, f, func(c *Config) { c.Account = "primary" })
	ctx := context.Background()
	d := decimal.RequireFromString
	steps := []struct {
		call func() error
		want map[string]any
	}{
		{func() error { _, err := c.Balances(ctx); return err }, map[string]any{"request": "/v1/balances"}},
		{func() error { _, err := c.ActiveOrders(ctx); return err }, map[string]any{"request": "/v1/orders"}},
		{func() error { _, err := c.Roles(ctx); return err }, map[string]any{"request": "/v1/roles"}},
		{func() error {
			_, err := c.NewOrder(ctx, NewOrder{ClientOrderID: "of:ns:0123456789abcdef", Symbol: "btcusd", Side: "buy",
				Type: TypeLimit, Amount: d("0.001"), Price: d("64000.00"), Options: []string{"maker-or-cancel"}})
			return err
		}, map[string]any{"request": "/v1/order/new", "client_order_id": "of:ns:0123456789abcdef", "symbol": "btcusd",
			"amount": "0.001", "price": "64000", "side": "buy", "type": "exchange limit", "options": []any{"maker-or-cancel"}}},
		{func() error { _, err := c.CancelOrder(ctx, "106817811"); return err },
			map[string]any{"request": "/v1/order/cancel", "order_id": json.Number("106817811")}},
		{func() error { _, err := c.OrderStatus(ctx, "106817811"); return err },
			map[string]any{"request": "/v1/order/status", "order_id": json.Number("106817811")}},
		{func() error { _, err := c.OrderStatusByClientID(ctx, "20190110-4738721"); return err }, // orderJSON's
			map[string]any{"request": "/v1/order/status", "client_order_id": "20190110-4738721"}},
		{func() error {
			_, err := c.OrdersHistory(ctx, HistoryQuery{Symbol: "ethusd", Since: 1700000000123, Limit: 500})
			return err
		}, map[string]any{"request": "/v1/orders/history", "symbol": "ethusd", "limit_orders": json.Number("500"),
			"timestamp": json.Number("1700000000123")}},
	}
	for i, s := range steps {
		if err := s.call(); err != nil {
			t.Fatalf("step %d (%s): %v", i, s.want["request"], err)
		}
		f.mu.Lock()
		got := f.payloads[len(f.payloads)-1]
		f.mu.Unlock()
		s.want["account"] = "primary"
		s.want["nonce"] = got["nonce"]
		if diff := cmp.Diff(s.want, got); diff != "" {
			t.Errorf("payload of %s (-want +got):\n%s", s.want["request"], diff)
		}
	}
	// The request and nonce lead, in that order.
	for _, raw := range f.rawPayload {
		if !strings.HasPrefix(raw, `{"request":"/v1/`) || !strings.Contains(raw, `","nonce":"`) {
			t.Errorf("payload does not start with request and nonce: %s", raw)
		}
	}
}

// Nonces reach the server strictly increasing however many callers share a
// client, and two clients of one key: run under -race.
func TestNoncesIncreaseAcrossConcurrentCallers(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, p map[string]any) { replyJSON(w, 200, `[]`) })
	c, err := New(Config{BaseURL: f.srv.URL, APIKey: testKey, APISecret: testSecret, PrivateRate: -1})
	if err != nil {
		t.Fatal(err)
	}
	c2, err := New(Config{BaseURL: f.srv.URL, APIKey: testKey, APISecret: testSecret, PrivateRate: -1})
	if err != nil {
		t.Fatal(err)
	}
	const callers = 200
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			switch i % 4 {
			case 0:
				_, err = c.Balances(context.Background())
			case 1:
				_, err = c2.Balances(context.Background())
			case 2:
				_, err = c.ActiveOrders(context.Background())
			default:
				_, err = c2.ActiveOrders(context.Background())
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rejected != 0 {
		t.Errorf("server rejected %d nonces", f.rejected)
	}
	if len(f.nonces) != callers {
		t.Fatalf("server accepted %d requests, want %d", len(f.nonces), callers)
	}
	for i := 1; i < len(f.nonces); i++ {
		if f.nonces[i] <= f.nonces[i-1] {
			t.Fatalf("nonce %d (%d) does not exceed the one before (%d)", i, f.nonces[i], f.nonces[i-1])
		}
	}
	if got := c.Stats(); got["/v1/balances"]+got["/v1/orders"] != callers/2 {
		t.Errorf("Stats = %v, want %d requests", got, callers/2)
	}
}

// A time-based key gets whole seconds near the clock, still increasing.
func TestTimeNonce(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, p map[string]any) { replyJSON(w, 200, `[]`) })
	c, clock := testClient(t, f, func(c *Config) { c.NonceMode = NonceTime })
	f.timeNonce = func() int64 { return clock.Now().Unix() }
	f.date = clock.Now
	for range 25 {
		if _, err := c.Balances(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.nonces[0] != 1700000000 {
		t.Errorf("first nonce %d, want the clock's second 1700000000", f.nonces[0])
	}
	if f.rejected != 0 {
		t.Errorf("server rejected %d nonces", f.rejected)
	}
	if clock.total() == 0 {
		t.Error("25 requests in one second did not wait for the clock")
	}
}

// The fake's own InvalidNonce is answered by a re-signed request, even for
// order/new, since Gemini did nothing with the rejected one; up to
// maxNonceResends times.
func TestInvalidNonceRecovery(t *testing.T) {
	var mu sync.Mutex
	rejectNext := 1
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, p map[string]any) {
		mu.Lock()
		defer mu.Unlock()
		if rejectNext > 0 {
			rejectNext--
			geminiError(w, 400, "InvalidNonce", "Nonce '1' has not increased since your last call to the Gemini API.")
			return
		}
		replyJSON(w, 200, orderJSON)
	})
	c, _ := testClient(t, f, nil)
	o := NewOrder{Symbol: "btcusd", Side: "buy", Type: TypeLimit, Amount: decimal.New(1, 0), Price: decimal.New(1, 0)}
	if _, err := c.NewOrder(context.Background(), o); err != nil {
		t.Fatalf("NewOrder after one InvalidNonce: %v", err)
	}
	if got := c.Stats()["/v1/order/new"]; got != 2 {
		t.Errorf("sent %d requests, want 2", got)
	}

	// One rejection more than the resends allow is returned.
	mu.Lock()
	rejectNext = maxNonceResends + 1
	mu.Unlock()
	_, err := c.NewOrder(context.Background(), o)
	if !IsNonce(err) {
		t.Fatalf("err = %v, want an InvalidNonce error", err)
	}
	if got, want := c.Stats()["/v1/order/new"], 2+maxNonceResends+1; got != want {
		t.Errorf("sent %d requests in all, want %d", got, want)
	}
	if !strings.Contains(err.Error(), "time-based nonce") {
		t.Errorf("error does not explain the nonce problem: %v", err)
	}
}

// failing answers status (with Retry-After retry, if set) for the first n
// requests, then body.
func failing(n, status int, retry, body string) func(http.ResponseWriter, *http.Request, map[string]any) {
	var mu sync.Mutex
	return func(w http.ResponseWriter, r *http.Request, p map[string]any) {
		mu.Lock()
		defer mu.Unlock()
		if n > 0 {
			n--
			if retry != "" {
				w.Header().Set("Retry-After", retry)
			}
			reason := map[int]string{429: "RateLimit", 500: "System", 503: "Maintenance"}[status]
			if reason == "" {
				reason = "InvalidSymbol"
			}
			geminiError(w, status, reason, "failing on purpose")
			return
		}
		replyJSON(w, 200, body)
	}
}

func TestReadRetries(t *testing.T) {
	tests := []struct {
		name          string
		handler       func(http.ResponseWriter, *http.Request, map[string]any)
		wantErr       bool
		wantRequests  int
		wantMinSleeps []time.Duration // each recorded sleep is at least this
		maxTotal      time.Duration
	}{
		{"429 with Retry-After twice", failing(2, 429, "3", `[]`), false, 3, []time.Duration{3 * time.Second, 3 * time.Second}, 30 * time.Second},
		{"503 then success", failing(1, 503, "", `[]`), false, 2, []time.Duration{250 * time.Millisecond}, 30 * time.Second},
		{"500 always: bounded", failing(1000, 500, "", `[]`), true, 5, nil, 30 * time.Second},
		{"429 with a Retry-After past the budget", failing(1000, 429, "120", `[]`), true, 1, nil, 0},
		{"429 Retry-After as a date", failing(1, 429, "Tue, 14 Nov 2023 22:13:25 GMT", `[]`), false, 2, []time.Duration{5 * time.Second}, 30 * time.Second},
		{"400 is not retried", failing(1000, 400, "", `[]`), true, 1, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.handler)
			c, clock := testClient(t, f, nil)
			_, err := c.Balances(context.Background())
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %t", err, tt.wantErr)
			}
			if got := c.Stats()["/v1/balances"]; got != tt.wantRequests {
				t.Errorf("sent %d requests, want %d", got, tt.wantRequests)
			}
			for i, min := range tt.wantMinSleeps {
				if i >= len(clock.slept) || clock.slept[i] < min {
					t.Errorf("sleeps %v: sleep %d shorter than %s", clock.slept, i, min)
				}
			}
			if total := clock.total(); total > tt.maxTotal {
				t.Errorf("slept %s in all, budget %s", total, tt.maxTotal)
			}
		})
	}
}

// A public GET is retried the same way, and a dropped connection counts.
func TestPublicRetryAfterDroppedConnection(t *testing.T) {
	var mu sync.Mutex
	drops := 1
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, p map[string]any) {
		mu.Lock()
		defer mu.Unlock()
		if drops > 0 {
			drops--
			hijackClose(t, w)
			return
		}
		replyJSON(w, 200, `{"bid":"977.59","ask":"977.35","last":"977.65","volume":{"BTC":"2210.5","USD":"2135477.46","timestamp":1483018200000}}`)
	})
	c, _ := testClient(t, f, nil)
	got, err := c.Ticker(context.Background(), "btcusd")
	if err != nil {
		t.Fatal(err)
	}
	if got.Bid.String() != "977.59" || got.Ask.String() != "977.35" || got.Last.String() != "977.65" {
		t.Errorf("Ticker = %+v", got)
	}
	if n := c.Stats()["/v1/pubticker/btcusd"]; n != 2 {
		t.Errorf("sent %d requests, want 2", n)
	}
}

func hijackClose(t *testing.T, w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
}

// order/new and order/cancel are sent once, whatever the failure; whether the
// failure may have taken effect is reported by IsAmbiguous.
func TestWritesAreNotRetried(t *testing.T) {
	tests := []struct {
		name          string
		handler       func(http.ResponseWriter, *http.Request, map[string]any)
		wantAmbiguous bool
		check         func(error) bool
	}{
		{"503", failing(1000, 503, "", ""), true, IsMaintenance},
		{"500", failing(1000, 500, "", ""), true, func(error) bool { return true }},
		{"429", failing(1000, 429, "1", ""), false, IsRateLimited},
		{"406", func(w http.ResponseWriter, _ *http.Request, _ map[string]any) {
			geminiError(w, 406, "InsufficientFunds", "Failed to place buy order due to insufficient funds")
		}, false, IsInsufficientFunds},
		{"connection dropped after the request", func(w http.ResponseWriter, _ *http.Request, _ map[string]any) {
			hijackClose(t, w)
		}, true, func(err error) bool { var ne *NetError; return errors.As(err, &ne) && ne.Sent }},
		{"200 that cannot be read", func(w http.ResponseWriter, _ *http.Request, _ map[string]any) {
			replyJSON(w, 200, `{"order_id": tru`)
		}, true, func(err error) bool { return hasReason(err, ReasonBadResponse) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.handler)
			c, clock := testClient(t, f, nil)
			ctx := context.Background()
			o := NewOrder{Symbol: "btcusd", Side: "buy", Type: TypeLimit, Amount: decimal.New(1, 0), Price: decimal.New(1, 0)}
			_, errNew := c.NewOrder(ctx, o)
			_, errCancel := c.CancelOrder(ctx, "12345")
			for _, err := range []error{errNew, errCancel} {
				if err == nil {
					t.Fatal("call succeeded")
				}
				if IsAmbiguous(err) != tt.wantAmbiguous {
					t.Errorf("IsAmbiguous(%v) = %t", err, !tt.wantAmbiguous)
				}
				if !tt.check(err) {
					t.Errorf("error %v is not of the expected kind", err)
				}
			}
			want := map[string]int{"/v1/order/new": 1, "/v1/order/cancel": 1}
			if diff := cmp.Diff(want, c.Stats()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			if len(clock.slept) != 0 {
				t.Errorf("slept %v", clock.slept)
			}
		})
	}
}

// A request that never left is not ambiguous; one cut off by the caller's
// deadline after it was sent is.
func TestAmbiguity(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c, err := New(Config{BaseURL: "http://" + addr, APIKey: testKey, APISecret: testSecret, MaxReadRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	o := NewOrder{Symbol: "btcusd", Side: "buy", Type: TypeLimit, Amount: decimal.New(1, 0), Price: decimal.New(1, 0)}
	_, err = c.NewOrder(context.Background(), o)
	if err == nil || IsAmbiguous(err) {
		t.Errorf("refused connection: err = %v, IsAmbiguous = %t; want a plain failure", err, IsAmbiguous(err))
	}

	release := make(chan struct{})
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, p map[string]any) {
		<-release
		replyJSON(w, 200, orderJSON)
	})
	defer close(release)
	c2, _ := testClient(t, f, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = c2.NewOrder(ctx, o)
	if !IsAmbiguous(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline after sending: err = %v, IsAmbiguous = %t; want ambiguous and DeadlineExceeded", err, IsAmbiguous(err))
	}
	if _, err := c2.Balances(ctx); err == nil || IsAmbiguous(err) {
		t.Errorf("call with an expired context: err = %v, IsAmbiguous = %t", err, IsAmbiguous(err))
	}
}

// Pacing follows the token buckets on the client's clock: public calls at
// 1/s and private calls at 5/s by default, each with a burst of five (the
// requests Gemini queues over its rate).
func TestPacing(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, p map[string]any) {
		if r.Method == http.MethodGet {
			replyJSON(w, 200, `["btcusd"]`)
			return
		}
		replyJSON(w, 200, `[]`)
	})
	c, clock := testClient(t, f, func(c *Config) { c.PublicRate, c.PrivateRate = 0, 0 })
	ctx := context.Background()
	for range 10 {
		if _, err := c.Symbols(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := clock.total(); got != 5*time.Second {
		t.Errorf("10 public calls at 1/s, burst 5, waited %s, want 5s", got)
	}
	before := clock.total()
	for range 15 {
		if _, err := c.ActiveOrders(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// The private bucket was full (burst 5) after the public calls' 5 s.
	if got := clock.total() - before; got != 2*time.Second {
		t.Errorf("15 private calls at 5/s, burst 5, waited %s, want 2s", got)
	}
}

func TestPrivateCallWithoutCredentials(t *testing.T) {
	f := newFake(t, nil)
	c, _ := testClient(t, f, func(c *Config) { c.APIKey, c.APISecret = "", "" })
	_, err := c.Balances(context.Background())
	if err == nil || !strings.Contains(err.Error(), "GEMINI_API_KEY") {
		t.Errorf("err = %v, want one naming GEMINI_API_KEY", err)
	}
	if len(c.Stats()) != 0 {
		t.Errorf("sent requests: %v", c.Stats())
	}
}

// Redirects are not followed: they would carry the signed headers elsewhere.
func TestRedirectNotFollowed(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, p map[string]any) {
		http.Redirect(w, r, "https://elsewhere.example/v1/balances", http.StatusMovedPermanently)
	})
	c, _ := testClient(t, f, nil)
	_, err := c.Balances(context.Background())
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 301 || !strings.Contains(err.Error(), "redirects") {
		t.Errorf("err = %v, want a 301 APIError about the redirect", err)
	}
}
