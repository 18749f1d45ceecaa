package sim

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// fakeClock is a clock a test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: fixedNow} }

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) Add(d time.Duration) {
	f.mu.Lock()
	f.t = f.t.Add(d)
	f.mu.Unlock()
}

// timedPost sends a private request as the time-nonce key with the given
// nonce (seconds).
func timedPost(t *testing.T, c *client, path string, nonce int64, fields map[string]any) reply {
	t.Helper()
	payload := map[string]any{"request": path, "nonce": strconv.FormatInt(nonce, 10)}
	for k, v := range fields {
		payload[k] = v
	}
	raw, _ := json.Marshal(payload)
	return c.as(testKeys[3]).postRaw(t, path, raw, nil)
}

func num(t *testing.T, v any) int64 {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("want a JSON number, got %T %v", v, v)
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// The exchange's clock runs ahead or behind: every stamp and check uses it.
func TestClockOffset(t *testing.T) {
	for _, off := range []time.Duration{15 * time.Minute, -15 * time.Minute, 90 * time.Second} {
		t.Run(off.String(), func(t *testing.T) {
			s, c := start(t, Options{Now: newFakeClock().Now, ClockOffset: off})
			exch := fixedNow.Add(off)

			r := c.post(t, "/v1/order/new", goodOrder(map[string]any{"client_order_id": "skewed"}))
			if r.status != 200 {
				t.Fatalf("order/new: %d %s", r.status, r.body)
			}
			o := r.object()
			if got := num(t, o["timestampms"]); got != exch.UnixMilli() {
				t.Errorf("timestampms %d, want the exchange's %d (offset %s)", got, exch.UnixMilli(), off)
			}
			if got := o["timestamp"]; got != strconv.FormatInt(exch.Unix(), 10) {
				t.Errorf("timestamp %v, want %d", got, exch.Unix())
			}
			if got, want := r.header.Get("Date"), exch.UTC().Format(http.TimeFormat); got != want {
				t.Errorf("Date %q, want %q", got, want)
			}
			if got := s.Now(); !got.Equal(exch) {
				t.Errorf("Now() %v, want %v", got, exch)
			}

			// A fill is stamped with the exchange's time too, and history
			// filters by it.
			if err := s.Fill(o["order_id"].(string), decimal.Zero); err != nil {
				t.Fatal(err)
			}
			hist := func(since int64) int {
				r := c.post(t, "/v1/orders/history", map[string]any{"timestamp": since})
				if r.status != 200 {
					t.Fatalf("history: %d %s", r.status, r.body)
				}
				return len(r.array())
			}
			if n := hist(exch.UnixMilli()); n != 1 {
				t.Errorf("history from the exchange's placement time: %d orders, want 1", n)
			}
			if n := hist(exch.UnixMilli() + 1); n != 0 {
				t.Errorf("history from just after it: %d orders, want 0", n)
			}
			trades := c.post(t, "/v1/mytrades", nil).array()
			if len(trades) != 1 || num(t, trades[0]["timestampms"]) != exch.UnixMilli() {
				t.Errorf("trades %v, want one stamped %d", trades, exch.UnixMilli())
			}

			// Time-based nonces are judged against the exchange's clock: the
			// machine's time is out of the window, the exchange's in it.
			if r := timedPost(t, c, "/v1/balances", fixedNow.Unix(), nil); off.Abs() > 30*time.Second && (r.status != 400 || r.reason() != ReasonInvalidNonce) {
				t.Errorf("nonce at the machine's time with the exchange %s away: %d %s, want InvalidNonce", off, r.status, r.body)
			}
			if r := timedPost(t, c, "/v1/balances", exch.Unix(), nil); r.status != 200 {
				t.Errorf("nonce at the exchange's time: %d %s", r.status, r.body)
			}
		})
	}
}

// The clock offset can be changed while the exchange runs, from Go and over
// the admin API, and the admin API reports the clock.
func TestClockOffsetAdmin(t *testing.T) {
	s, c := start(t, Options{Now: newFakeClock().Now})
	ctx := context.Background()
	ac := &AdminClient{URL: c.url}
	got, err := ac.SetClockOffset(ctx, -2*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	want := Clock{Offset: -2 * time.Minute, NonceWindow: DefaultNonceWindow, Now: fixedNow.Add(-2 * time.Minute).UTC()}
	if got != want {
		t.Errorf("SetClockOffset answered %+v, want %+v", got, want)
	}
	if s.ClockOffset() != -2*time.Minute {
		t.Errorf("ClockOffset() %s after the admin call", s.ClockOffset())
	}
	if r := c.get(t, "/v1/symbols"); r.header.Get("Date") != want.Now.Format(http.TimeFormat) {
		t.Errorf("public Date %q, want %q", r.header.Get("Date"), want.Now.Format(http.TimeFormat))
	}
	s.SetClockOffset(0)
	if got, err := ac.Clock(ctx); err != nil || got.Offset != 0 || !got.Now.Equal(fixedNow) {
		t.Errorf("Clock() = %+v, %v after SetClockOffset(0)", got, err)
	}
	var e *Error
	if err := ac.do(ctx, http.MethodPost, "/admin/clock", map[string]any{"offset": "5m"}, nil); !errors.As(err, &e) {
		t.Errorf("unknown field: %v, want an admin error", err)
	}
}

// The time-based nonce window is the server's to set: default ±30 s.
func TestNonceWindow(t *testing.T) {
	base := fixedNow.Unix()
	for _, tc := range []struct {
		window  time.Duration
		nonce   int64
		allowed bool
	}{
		{0, base + 30, true}, {0, base - 30, true}, {0, base + 31, false}, {0, base - 31, false},
		{2 * time.Second, base + 2, true}, {2 * time.Second, base - 2, true},
		{2 * time.Second, base + 3, false}, {2 * time.Second, base - 3, false},
	} {
		_, c := start(t, Options{Now: newFakeClock().Now, NonceWindow: tc.window})
		r := timedPost(t, c, "/v1/balances", tc.nonce, nil)
		if got := r.status == 200; got != tc.allowed {
			t.Errorf("window %s, nonce now%+d: %d %s, want allowed=%v", tc.window, tc.nonce-base, r.status, r.body, tc.allowed)
		}
	}
	s, c := start(t, Options{Now: newFakeClock().Now})
	if _, err := (&AdminClient{URL: c.url}).SetNonceWindow(context.Background(), time.Second); err != nil {
		t.Fatal(err)
	}
	if s.NonceWindow() != time.Second {
		t.Errorf("NonceWindow() %s after the admin call", s.NonceWindow())
	}
	if r := timedPost(t, c, "/v1/balances", base+2, nil); r.reason() != ReasonInvalidNonce {
		t.Errorf("2 s off with a 1 s window: %d %s", r.status, r.body)
	}
	if err := s.SetNonceWindow(-time.Second); err == nil {
		t.Error("a negative window was accepted")
	}
	if _, err := New(Options{NonceWindow: -time.Second}); err == nil {
		t.Error("New took a negative window")
	}
}
