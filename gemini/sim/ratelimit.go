package sim

import (
	"context"
	"math"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// queueDepth is how many requests over the rate Gemini delays rather than
// rejects (reference §6).
const queueDepth = 5

// limiter enforces Gemini's request rates: a token bucket per private key
// and per public client address, refilled at the per-minute rate with a
// one-second burst; up to queueDepth requests beyond it wait their turn and
// the rest get 429.
type limiter struct {
	privateRate, publicRate   rate.Limit
	privateBurst, publicBurst int

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	lim    *rate.Limiter
	queued int
}

func newLimiter(privatePerMin, publicPerMin int) *limiter {
	if privatePerMin <= 0 {
		privatePerMin = 600
	}
	if publicPerMin <= 0 {
		publicPerMin = 120
	}
	burst := func(perMin int) int { return max(1, perMin/60) }
	return &limiter{
		privateRate:  rate.Limit(float64(privatePerMin) / 60),
		publicRate:   rate.Limit(float64(publicPerMin) / 60),
		privateBurst: burst(privatePerMin),
		publicBurst:  burst(publicPerMin),
		buckets:      map[string]*bucket{},
	}
}

// wait admits a request of the given class ("private:KEY" or
// "public:ADDR"), delaying it if it is queued, or returns the 429 answer.
func (l *limiter) wait(ctx context.Context, private bool, who string) *Error {
	name := "public:" + who
	r, b := l.publicRate, l.publicBurst
	if private {
		name, r, b = "private:"+who, l.privateRate, l.privateBurst
	}
	l.mu.Lock()
	bk := l.buckets[name]
	if bk == nil {
		bk = &bucket{lim: rate.NewLimiter(r, b)}
		l.buckets[name] = bk
	}
	res := bk.lim.Reserve()
	delay := res.Delay()
	if delay == 0 {
		l.mu.Unlock()
		return nil
	}
	if bk.queued >= queueDepth {
		res.Cancel()
		l.mu.Unlock()
		return &Error{
			Status:     http.StatusTooManyRequests,
			Reason:     ReasonRateLimit,
			Message:    "Requests were made too frequently",
			RetryAfter: int(math.Ceil(delay.Seconds())),
		}
	}
	bk.queued++
	l.mu.Unlock()
	defer func() { l.mu.Lock(); bk.queued--; l.mu.Unlock() }()
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		res.Cancel()
		return &Error{Status: http.StatusServiceUnavailable, Reason: ReasonSystem, Message: "request abandoned while queued"}
	}
}
