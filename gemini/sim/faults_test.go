package sim

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFaultStatus(t *testing.T) {
	s, c := start(t, Options{})
	for _, tc := range []struct {
		status, retry int
		reason        string
	}{
		{503, 0, ReasonMaintenance},
		{500, 0, ReasonSystem},
		{502, 0, ReasonSystem},
		{429, 3, ReasonRateLimit},
	} {
		s.SetFault(Fault{Path: "/v1/order/new", Kind: FaultStatus, Status: tc.status, RetryAfter: tc.retry, Count: 1})
		r := c.post(t, "/v1/order/new", goodOrder(nil))
		checkEnvelope(t, r, tc.status, tc.reason)
		if got := r.header.Get("Retry-After"); tc.retry > 0 && got != strconv.Itoa(tc.retry) {
			t.Errorf("Retry-After %q, want %d", got, tc.retry)
		}
		if n := len(s.Orders()); n != 0 {
			t.Fatalf("a %d fault placed an order", tc.status)
		}
	}
	// The count is used up: the next request goes through.
	if r := c.post(t, "/v1/order/new", goodOrder(nil)); r.status != 200 {
		t.Errorf("after the faults: %d %s", r.status, r.body)
	}
	// Path "" hits everything until cleared, but never the admin API.
	s.SetFault(Fault{Kind: FaultStatus})
	for _, p := range []string{"/v1/symbols", "/v1/pubticker/btcusd"} {
		checkEnvelope(t, c.get(t, p), 503, ReasonMaintenance)
	}
	if _, err := (&AdminClient{URL: c.url}).Orders(context.Background()); err != nil {
		t.Errorf("admin API under a fault: %v", err)
	}
	s.ClearFaults()
	if r := c.get(t, "/v1/symbols"); r.status != 200 {
		t.Errorf("after ClearFaults: %d", r.status)
	}
}

func TestFaultConnection(t *testing.T) {
	s, c := start(t, Options{})
	send := func(cid string) error {
		body := goodOrder(map[string]any{"client_order_id": cid})
		body["request"], body["nonce"] = "/v1/order/new", strconv.FormatInt(c.nextNonce(), 10)
		raw, _ := jsonMarshal(body)
		req, _ := http.NewRequest(http.MethodPost, c.url+"/v1/order/new", nil)
		b64 := b64enc(raw)
		req.Header.Set("X-GEMINI-APIKEY", c.key.Key)
		req.Header.Set("X-GEMINI-PAYLOAD", b64)
		req.Header.Set("X-GEMINI-SIGNATURE", sign(c.key.Secret, b64))
		resp, err := c.http.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	placed := func(cid string) int {
		n := 0
		for _, o := range s.Orders() {
			if o.ClientOrderID == cid {
				n++
			}
		}
		return n
	}

	s.SetFault(Fault{Path: "/v1/order/new", Kind: FaultDrop, Count: 1})
	if err := send("dropped"); err == nil {
		t.Error("dropped request answered")
	}
	if placed("dropped") != 0 {
		t.Error("a dropped request placed its order")
	}

	s.SetFault(Fault{Path: "/v1/order/new", Kind: FaultLoseResponse, Count: 1})
	if err := send("lost"); err == nil {
		t.Error("lost response arrived")
	}
	if placed("lost") != 1 {
		t.Error("a request whose response was lost did not place its order")
	}

	s.SetFault(Fault{Path: "/v1/order/new", Kind: FaultLatency, Latency: 300 * time.Millisecond, Count: 1})
	c.http.Timeout = 50 * time.Millisecond
	if err := send("slow"); err == nil {
		t.Error("a slow request beat a shorter client timeout")
	}
	c.http.Timeout = 10 * time.Second
	if err := send("fast"); err != nil || placed("fast") != 1 {
		t.Errorf("after the latency fault: %v", err)
	}

	want := map[string]int{"/v1/order/new": 4}
	if diff := cmp.Diff(want, s.Requests()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	s.ResetRequests()
	if len(s.Requests()) != 0 {
		t.Error("ResetRequests left counts")
	}
}

func TestRateLimit(t *testing.T) {
	// A slow rate keeps this robust on a loaded machine: refills while the
	// 40 requests arrive are few.
	_, c := start(t, Options{RateLimit: true, PublicPerMinute: 120, PrivatePerMinute: 120})
	for _, private := range []bool{false, true} {
		var mu sync.Mutex
		statuses := map[int]int{}
		var limited reply
		var wg sync.WaitGroup
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var r reply
				if private {
					r = c.post(t, "/v1/heartbeat", nil) // admitted ones may fail on nonce order; 429 comes first
				} else {
					r = c.get(t, "/v1/pubticker/btcusd")
				}
				mu.Lock()
				defer mu.Unlock()
				statuses[r.status]++
				if r.status == http.StatusTooManyRequests {
					limited = r
				}
			}()
		}
		wg.Wait()
		// 2 a second with a burst of 2 and 5 queued: of 40 at once, at
		// most 7 (plus what refills meanwhile) get through.
		if statuses[429] < 20 || statuses[429] > 33 {
			t.Errorf("private=%v: statuses %v, want 20–33 answered 429", private, statuses)
		}
		checkEnvelope(t, limited, 429, ReasonRateLimit)
		if ra, err := strconv.Atoi(limited.header.Get("Retry-After")); err != nil || ra < 1 {
			t.Errorf("Retry-After %q", limited.header.Get("Retry-After"))
		}
	}
}
