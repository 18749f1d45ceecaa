package sim

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// sendAsync sends a signed request in the background with ctx; the reply
// (or the transport error) arrives on the returned channel.
func sendAsync(ctx context.Context, c *client, path string, nonce string, fields map[string]any) <-chan asyncReply {
	payload := map[string]any{"request": path, "nonce": nonce}
	for k, v := range fields {
		payload[k] = v
	}
	raw, _ := json.Marshal(payload)
	b64 := b64enc(raw)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, c.url+path, nil)
	req.Header.Set("X-GEMINI-APIKEY", c.key.Key)
	req.Header.Set("X-GEMINI-PAYLOAD", b64)
	req.Header.Set("X-GEMINI-SIGNATURE", sign(c.key.Secret, b64))
	out := make(chan asyncReply, 1)
	go func() {
		resp, err := c.http.Do(req)
		if err != nil {
			out <- asyncReply{err: err}
			return
		}
		defer resp.Body.Close()
		var body json.RawMessage
		json.NewDecoder(resp.Body).Decode(&body)
		out <- asyncReply{reply: reply{resp.StatusCode, resp.Header, body}}
	}()
	return out
}

type asyncReply struct {
	reply
	err error
}

func waitHeld(t *testing.T, s *Server, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.WaitHeld(ctx, n); err != nil {
		t.Fatal(err)
	}
}

func countCID(s *Server, cid string) int {
	n := 0
	for _, o := range s.Orders() {
		if o.ClientOrderID == cid {
			n++
		}
	}
	return n
}

// A slow order/new is processed at the end of its delay: a request signed
// later but processed first spends a higher increasing nonce, so the slow
// one fails with InvalidNonce and places nothing, as on Gemini.
func TestSlowCommitLaterNonceWins(t *testing.T) {
	s, c := start(t, Options{})
	s.SetFault(Fault{Path: "/v1/order/new", Kind: FaultSlowCommit, Count: 1})
	first := c.nextNonce()
	slow := sendAsync(context.Background(), c, "/v1/order/new", strconv.FormatInt(first, 10), goodOrder(map[string]any{"client_order_id": "slow"}))
	waitHeld(t, s, 1)
	if n := countCID(s, "slow"); n != 0 {
		t.Fatalf("a held request placed %d orders before its delay ended", n)
	}
	if r := c.post(t, "/v1/balances", nil); r.status != 200 { // nonce > first
		t.Fatalf("later request: %d %s", r.status, r.body)
	}
	if n := s.Release(); n != 1 {
		t.Errorf("Release released %d requests, want 1", n)
	}
	got := <-slow
	if got.err != nil {
		t.Fatalf("the held request's client: %v", got.err)
	}
	checkEnvelope(t, got.reply, 400, ReasonInvalidNonce)
	if n := countCID(s, "slow"); n != 0 {
		t.Errorf("the stale-nonce request placed %d orders", n)
	}
	if s.Held() != 0 {
		t.Errorf("Held() = %d after Release", s.Held())
	}
}

// The client gives up (its timeout) while the exchange holds the request:
// the order is placed anyway when the delay ends, stamped then.
func TestSlowCommitLandsAfterClientGaveUp(t *testing.T) {
	clk := newFakeClock()
	s, c := start(t, Options{Now: clk.Now})
	s.SetFault(Fault{Path: "/v1/order/new", Kind: FaultSlowCommit, Count: 1})
	ctx, cancel := context.WithCancel(context.Background())
	slow := sendAsync(ctx, c, "/v1/order/new", strconv.FormatInt(c.nextNonce(), 10), goodOrder(map[string]any{"client_order_id": "late"}))
	waitHeld(t, s, 1)
	cancel() // the client times out and gives up
	if got := <-slow; got.err == nil {
		t.Fatalf("the client got an answer %d %s while the request was held", got.status, got.body)
	}
	if n := countCID(s, "late"); n != 0 {
		t.Fatalf("%d orders before the delay ended", n)
	}
	clk.Add(40 * time.Second)
	s.Release()
	if n := countCID(s, "late"); n != 1 {
		t.Fatalf("after the delay: %d orders, want 1 (the exchange took the request)", n)
	}
	if o := s.Orders()[0]; !o.Time.Equal(fixedNow.Add(40 * time.Second)) {
		t.Errorf("placed at %v, want the time the delay ended, %v", o.Time, fixedNow.Add(40*time.Second))
	}
}

// With time-based nonces, a request held past the nonce window is refused
// when it is processed; one that is processed within it lands.
func TestSlowCommitTimeNonce(t *testing.T) {
	clk := newFakeClock()
	s, c := start(t, Options{Now: clk.Now, NonceWindow: 2 * time.Second})
	tc := c.as(testKeys[3])
	nonce := strconv.FormatInt(fixedNow.Unix(), 10)

	s.SetFault(Fault{Path: "/v1/order/new", Kind: FaultSlowCommit, Count: 1})
	slow := sendAsync(context.Background(), tc, "/v1/order/new", nonce, goodOrder(map[string]any{"client_order_id": "stale"}))
	waitHeld(t, s, 1)
	clk.Add(3 * time.Second)
	s.Release()
	checkEnvelope(t, (<-slow).reply, 400, ReasonInvalidNonce)
	if n := countCID(s, "stale"); n != 0 {
		t.Errorf("a request processed outside the nonce window placed %d orders", n)
	}

	// A real delay (Latency) within the window: processed when it ends.
	s.SetFault(Fault{Path: "/v1/order/new", Kind: FaultSlowCommit, Count: 1, Latency: 20 * time.Millisecond})
	nonce = strconv.FormatInt(clk.Now().Unix(), 10)
	got := <-sendAsync(context.Background(), tc, "/v1/order/new", nonce, goodOrder(map[string]any{"client_order_id": "fresh"}))
	if got.err != nil || got.status != 200 {
		t.Fatalf("slow request within the window: %v %d %s", got.err, got.status, got.body)
	}
	if n := countCID(s, "fresh"); n != 1 {
		t.Errorf("%d orders, want 1", n)
	}
}

// The slow commit over the admin API: set it, see the request held,
// release it.
func TestSlowCommitAdmin(t *testing.T) {
	s, c := start(t, Options{})
	ctx := context.Background()
	ac := &AdminClient{URL: c.url}
	if err := ac.SetFault(ctx, Fault{Path: "/v1/order/new", Kind: FaultSlowCommit, Count: 1}); err != nil {
		t.Fatal(err)
	}
	if fs := s.Faults(); len(fs) != 1 || fs[0].Kind != FaultSlowCommit {
		t.Fatalf("faults %+v", fs)
	}
	slow := sendAsync(ctx, c, "/v1/order/new", strconv.FormatInt(c.nextNonce(), 10), goodOrder(map[string]any{"client_order_id": "admin"}))
	waitHeld(t, s, 1)
	if n, err := ac.Held(ctx); err != nil || n != 1 {
		t.Errorf("Held over HTTP: %d, %v", n, err)
	}
	if n, err := ac.Release(ctx); err != nil || n != 1 {
		t.Errorf("Release over HTTP: %d, %v", n, err)
	}
	if got := <-slow; got.err != nil || got.status != 200 {
		t.Errorf("released request: %v %d %s", got.err, got.status, got.body)
	}
	if n := countCID(s, "admin"); n != 1 {
		t.Errorf("%d orders, want 1", n)
	}
	if k, err := ParseFaultKind("slow-commit"); err != nil || k != FaultSlowCommit {
		t.Errorf("ParseFaultKind: %v %v", k, err)
	}
}
