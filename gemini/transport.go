package gemini

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// maxBody bounds how much of an answer is read.
const maxBody = 16 << 20

// Backoff of retried reads: doubling from retryBase, capped at retryCap,
// with jitter; a longer Retry-After wins.
const (
	retryBase = 500 * time.Millisecond
	retryCap  = 8 * time.Second
)

// request is one API call.
type request struct {
	call    string // what is being done, for errors and logs: "place order"
	path    string // "/v1/order/new"; also the payload's request field
	private bool   // signed POST; otherwise a public GET
	read    bool   // has no effect on the exchange, so may be sent again
	fields  []field
	// stampMS, when set, returns the exchange's timestampms of the decoded
	// answer, stamped while the request was handled (order/new): the clock
	// learns from it.
	stampMS func() int64
}

// maxNonceResends bounds how often one call is signed again after Gemini
// refused its nonce: another process's request signed later may overtake
// it on the way, once or, rarely, a few times.
const maxNonceResends = 3

// do sends req and decodes a successful answer into out. A rejected nonce is
// re-signed and sent again, up to maxNonceResends times (Gemini did nothing
// with it); reads are retried after 429, 5xx and network errors within the
// retry budget.
func (c *Client) do(ctx context.Context, req request, out any) error {
	if req.private && (c.cfg.APIKey == "" || c.cfg.APISecret == "") {
		return fmt.Errorf("%s: %w", req.call, errNoCredentials)
	}
	nonceResends := 0
	var waited time.Duration
	for retries := 0; ; {
		err := c.once(ctx, req, out)
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return err
		case req.private && IsNonce(err) && nonceResends < maxNonceResends:
			nonceResends++
			c.logf("POST %s: nonce rejected; signing again with a fresh nonce (%d/%d)", req.path, nonceResends, maxNonceResends)
			continue
		case !req.read || !retryable(err):
			return err
		case retries >= c.maxRetries:
			c.logf("%s: giving up after %d retries", req.path, retries)
			return err
		}
		d := c.backoff(retries, err)
		if waited+d > c.maxWait {
			c.logf("%s: not retrying: waiting %s would pass the retry budget of %s", req.path, d, c.maxWait)
			return err
		}
		retries++
		c.logf("%s: retry %d/%d in %s", req.path, retries, c.maxRetries, d.Round(time.Millisecond))
		if serr := c.sleep(ctx, d); serr != nil {
			return fmt.Errorf("%w; stopped retrying: %w", err, serr)
		}
		waited += d
	}
}

// backoff is the wait before retry number retries+1 after err.
func (c *Client) backoff(retries int, err error) time.Duration {
	d := retryBase << min(retries, 10)
	d = min(d, retryCap)
	d = d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
	if ae, ok := reasonOf(err); ok && ae.retryAfter > d {
		d = ae.retryAfter
	}
	return d
}

// once paces, signs (for private calls), sends and reads one request.
func (c *Client) once(ctx context.Context, req request, out any) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", req.call, err)
	}
	method, lim := http.MethodGet, c.public
	if req.private {
		method, lim = http.MethodPost, c.private
	}
	if err := c.pace(ctx, lim); err != nil {
		return fmt.Errorf("%s: %w", req.call, err)
	}
	hreq, err := http.NewRequestWithContext(ctx, method, c.cfg.BaseURL+req.path, http.NoBody)
	if err != nil {
		return fmt.Errorf("%s: %w", req.call, err)
	}
	nonceNote, signed := "", []string(nil)
	if req.private {
		release, note, sig, err := c.sign(ctx, hreq, req)
		if err != nil {
			return fmt.Errorf("%s: %w", req.call, err)
		}
		defer release()
		nonceNote, signed = note, sig
	}
	var sent atomic.Bool
	hreq = hreq.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteHeaders: func() { sent.Store(true) },
	}))

	c.count(req.path)
	start := time.Now()
	sentAt := c.now()
	resp, err := c.http.Do(hreq)
	receivedAt := c.now()
	if err != nil {
		ne := &NetError{Call: req.call, Sent: sent.Load(), Err: err}
		c.logf("%s %s%s: error after %s: %v (sent=%t)", method, req.path, nonceNote, since(start), err, ne.Sent)
		return ne
	}
	c.observeDate(resp.Header, sentAt, receivedAt)
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
	if err != nil {
		c.logf("%s %s%s: %d, reading the answer failed after %s: %v", method, req.path, nonceNote, resp.StatusCode, since(start), err)
		return &NetError{Call: req.call, Sent: true, Err: err}
	}
	clean := func(s string) string { return c.redact(s, signed...) }
	if ae := parseError(req.call, resp.StatusCode, body, clean); ae != nil {
		ae.retryAfter = retryAfter(resp.Header.Get("Retry-After"), c.now())
		c.logf("%s %s%s: %d %s in %s", method, req.path, nonceNote, resp.StatusCode, ae.Reason, since(start))
		return ae
	}
	c.logf("%s %s%s: %d in %s", method, req.path, nonceNote, resp.StatusCode, since(start))
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return &APIError{Status: resp.StatusCode, Reason: ReasonBadResponse, Call: req.call,
			Message: oneLine(c.redact(err.Error(), signed...))}
	}
	if req.stampMS != nil {
		if ms := req.stampMS(); ms > 0 {
			c.clock.observe(time.UnixMilli(ms), time.Millisecond, sentAt, receivedAt)
		}
	}
	return nil
}

// sign takes the key's turn (one private request of the key in flight, in
// this process and in every process sharing its nonce file: its nonce
// reaches Gemini before the next one is made) and signs hreq with the next
// nonce. The caller releases the turn once the answer is in; note is the
// nonce for the debug log, signed what the log must redact.
func (c *Client) sign(ctx context.Context, hreq *http.Request, req request) (release func(), note string, signed []string, err error) {
	release, err = c.key.acquire(ctx)
	if err != nil {
		return nil, "", nil, err
	}
	nonce, err := c.nonces.next(ctx)
	if err == nil {
		var payload []byte
		payload, err = buildPayload(req.path, nonce, c.cfg.Account, req.fields)
		if err == nil {
			encoded, signature := Sign(c.cfg.APISecret, payload)
			h := hreq.Header
			h.Set("Content-Type", "text/plain")
			h.Set("Content-Length", "0")
			h.Set("Cache-Control", "no-cache")
			h.Set("X-GEMINI-APIKEY", c.cfg.APIKey)
			h.Set("X-GEMINI-PAYLOAD", encoded)
			h.Set("X-GEMINI-SIGNATURE", signature)
			hreq.ContentLength = 0
			return release, fmt.Sprintf(" nonce=%d", nonce), []string{signature, encoded}, nil
		}
	}
	release()
	return nil, "", nil, err
}

// pace waits for a token of lim, on the client's clock.
func (c *Client) pace(ctx context.Context, lim *rate.Limiter) error {
	now := c.now()
	r := lim.ReserveN(now, 1)
	if !r.OK() {
		return fmt.Errorf("rate limiter refused the request")
	}
	d := r.DelayFrom(now)
	if d <= 0 {
		return nil
	}
	if err := c.sleep(ctx, d); err != nil {
		r.CancelAt(c.now())
		return err
	}
	return nil
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(min(s, 24*3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
