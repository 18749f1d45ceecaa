package gemini

import (
	"net/http"
	"testing"
	"time"
)

func TestExchangeClockBounds(t *testing.T) {
	var k exchangeClock
	t0 := time.Unix(1700000000, 0)
	if _, _, known := k.bounds(); known {
		t.Fatal("known before any answer")
	}
	// The exchange stamped 12:00:10 (second resolution) while the request
	// took from t0 to t0+200ms: offset in [10s-200ms, 11s].
	k.observe(t0.Add(10*time.Second), time.Second, t0, t0.Add(200*time.Millisecond))
	lo, hi, known := k.bounds()
	if !known || lo != 9800*time.Millisecond || hi != 11*time.Second {
		t.Fatalf("bounds = [%s, %s] %t, want [9.8s, 11s]", lo, hi, known)
	}
	// A millisecond stamp narrows it.
	t1 := t0.Add(time.Second)
	k.observe(t1.Add(10500*time.Millisecond), time.Millisecond, t1, t1.Add(20*time.Millisecond))
	lo, hi, _ = k.bounds()
	if lo != 10480*time.Millisecond || hi != 10501*time.Millisecond {
		t.Fatalf("bounds = [%s, %s], want [10.48s, 10.501s]", lo, hi)
	}
	// A later, coarser answer does not widen it (beyond drift).
	t2 := t1.Add(time.Second)
	k.observe(t2.Add(10*time.Second), time.Second, t2, t2)
	lo, hi, _ = k.bounds()
	if lo < 10480*time.Millisecond-time.Millisecond || hi > 10501*time.Millisecond+time.Millisecond {
		t.Fatalf("bounds widened to [%s, %s]", lo, hi)
	}
	// A clock step (bounds no longer overlap) starts again from the newest.
	t3 := t2.Add(time.Second)
	k.observe(t3.Add(-time.Minute), time.Millisecond, t3, t3.Add(time.Millisecond))
	lo, hi, _ = k.bounds()
	if lo != -time.Minute-time.Millisecond || hi != -time.Minute+time.Millisecond {
		t.Fatalf("after a step: bounds = [%s, %s], want about -1m", lo, hi)
	}
	// Over an hour without answers the bounds widen by the allowed drift,
	// so a slowly drifting clock is never ruled out.
	t4 := t3.Add(time.Hour)
	k.observe(t4.Add(-time.Minute+600*time.Millisecond), time.Millisecond, t4, t4)
	lo, hi, _ = k.bounds()
	if lo != -time.Minute+600*time.Millisecond {
		t.Fatalf("after an hour of drift: bounds = [%s, %s], want the newest answer kept", lo, hi)
	}
}

func TestClockFromDateHeader(t *testing.T) {
	exchange := time.Unix(1700000000, 0).Add(-90 * time.Second) // the fake clock is 90 s ahead of the exchange
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, p map[string]any) {
		w.Header().Set("Date", exchange.UTC().Format(http.TimeFormat))
		if r.URL.Path == "/v1/symbols" {
			w.Header().Set("Age", "30")
			w.Header().Set("Date", exchange.Add(-30*time.Second).UTC().Format(http.TimeFormat))
		}
		replyJSON(w, 200, `["btcusd"]`)
	})
	c, clock := testClient(t, f, nil)
	if d, known := c.ClockOffset(); known || d != 0 || !c.ExchangeNow().Equal(clock.Now()) {
		t.Fatalf("before any answer: offset %s, %t; ExchangeNow %s", d, known, c.ExchangeNow())
	}
	if _, err := c.Symbols(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, known := c.ClockOffset(); known {
		t.Fatal("learned from a cached answer (Age header)")
	}
	if _, err := c.Balances(t.Context()); err == nil {
		t.Log("balances decoded") // the body does not matter, only its Date
	}
	d, known := c.ClockOffset()
	if !known || d < -90*time.Second || d > -89*time.Second {
		t.Fatalf("offset = %s, %t; want within [-90s, -89s]", d, known)
	}
	if got := c.ExchangeNow(); got.Sub(exchange) < 0 || got.Sub(exchange) > time.Second {
		t.Fatalf("ExchangeNow = %s, want within a second after %s", got, exchange)
	}
	if d, skewed := c.ClockSkewed(); !skewed {
		t.Fatalf("ClockSkewed = %s, false; want a 90 s skew reported", d)
	}
}
