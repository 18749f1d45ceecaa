package gemini

import (
	"net/http"
	"sync"
	"time"
)

// The exchange's clock.
//
// Every timestamp Gemini sends (an order's timestampms, the history cursor)
// is on Gemini's clock, and this machine's clock may be off by seconds or
// minutes. The client learns the offset (exchange clock minus local clock)
// from every answer: the Date header (second resolution) and the timestampms
// of a freshly placed order (millisecond resolution). Each answer bounds the
// offset: the exchange stamped it at some moment between the local times the
// request was sent and its answer arrived, so
//
//	offset ∈ [stamp − received, stamp + resolution − sent]
//
// and the bounds of successive answers are intersected. Bounds that no
// longer overlap (a clock was stepped) start the estimate again from the
// newest answer. Between answers the bounds widen by maxDrift, so a slow
// drift of either clock over a long run is never ruled out.

// SkewWarning is the clock offset beyond which plan and apply warn: history
// cursors and "did this order land in this run" are judged on the exchange's
// clock, so nothing breaks, but time-based nonces fail at 30 s and a clock
// that far off usually means NTP is not running.
const SkewWarning = 5 * time.Second

// maxDrift is how fast two clocks may drift apart, as a fraction: 1/5000 is
// 200 ppm, well above what NTP-disciplined or free-running quartz clocks do.
const maxDrift = 5000

// exchangeClock is what a Client has learned of the exchange's clock.
type exchangeClock struct {
	mu     sync.Mutex
	known  bool
	lo, hi time.Duration // the offset lies within [lo, hi]
	at     time.Time     // local time of the last observation
}

// observe narrows the offset with an answer the exchange stamped at a moment
// within [stamp, stamp+resolution), between the local times sent and received.
func (k *exchangeClock) observe(stamp time.Time, resolution time.Duration, sent, received time.Time) {
	if stamp.IsZero() || received.Before(sent) {
		return
	}
	lo, hi := stamp.Sub(received), stamp.Add(resolution).Sub(sent)
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.known {
		drift := max(received.Sub(k.at), 0) / maxDrift
		plo, phi := k.lo-drift, k.hi+drift
		if lo <= phi && plo <= hi { // overlapping: keep what both allow
			lo, hi = max(lo, plo), min(hi, phi)
		}
	}
	k.known, k.lo, k.hi, k.at = true, lo, hi, received
}

// bounds returns the interval the offset lies in, and whether any answer
// has been seen.
func (k *exchangeClock) bounds() (lo, hi time.Duration, known bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.lo, k.hi, k.known
}

// observeDate learns from an answer's Date header. An answer with an Age
// header came from a cache and was stamped earlier: it is not used.
func (c *Client) observeDate(h http.Header, sent, received time.Time) {
	if h.Get("Age") != "" {
		return
	}
	v := h.Get("Date")
	if v == "" {
		return
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return
	}
	c.clock.observe(t, time.Second, sent, received)
}

// ExchangeNow returns the time on the exchange's clock: the local clock
// (Config.Now) plus the offset learned so far, or the local clock alone
// before any answer. Compare exchange timestamps (timestampms, history
// cursors) with this, never with the local clock.
func (c *Client) ExchangeNow() time.Time {
	d, _ := c.ClockOffset()
	return c.now().Add(d)
}

// ClockOffset returns how far the exchange's clock is ahead of the local one
// (negative when behind): the middle of the bounds the answers so far allow,
// rounded to the millisecond. known is false, and d zero, before any answer
// carried a time.
func (c *Client) ClockOffset() (d time.Duration, known bool) {
	lo, hi, known := c.clock.bounds()
	if !known {
		return 0, false
	}
	return (lo + (hi-lo)/2).Round(time.Millisecond), true
}

// ClockBounds returns the interval [lo, hi] the offset (exchange minus local)
// certainly lies in, for decisions that must hold however the clocks stand,
// such as "the exchange's time is certainly past T": local now + lo > T.
// "Certainly" assumes the exchange's servers agree with each other: the Date
// header comes from its web front, timestampms from its matching engine, and
// if those differ by a fraction of a second the bounds are off by as much.
// Leave a margin of a second where that matters.
func (c *Client) ClockBounds() (lo, hi time.Duration, known bool) {
	return c.clock.bounds()
}

// ClockSkewed reports the offset and whether it certainly exceeds
// SkewWarning in either direction, whatever the uncertainty of the
// estimate: the condition for a warning in plan and apply.
func (c *Client) ClockSkewed() (d time.Duration, skewed bool) {
	lo, hi, known := c.clock.bounds()
	if !known {
		return 0, false
	}
	d, _ = c.ClockOffset()
	return d, lo > SkewWarning || hi < -SkewWarning
}
