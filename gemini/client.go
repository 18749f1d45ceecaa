// Package gemini is orderform's client for Gemini's signed REST API.
//
// It promises what the rest of orderform rests on: requests signed exactly as
// Gemini specifies; nonces that strictly increase per key, with one private
// request in flight at a time so they arrive in order; pacing under Gemini's
// rate limits; retries of reads only (never of order/new or order/cancel);
// money as exact decimals and order ids as strings; typed errors that say in
// a trader's words what went wrong; and no secret in any error or log line.
package gemini

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Base URLs of Gemini's REST API.
const (
	SandboxURL    = "https://api.sandbox.gemini.com"
	ProductionURL = "https://api.gemini.com"
)

// BaseURLFor returns the base URL of the "sandbox" or "production"
// environment. Other names ("local" among them) are the caller's business.
func BaseURLFor(environment string) (string, error) {
	switch environment {
	case "sandbox":
		return SandboxURL, nil
	case "production":
		return ProductionURL, nil
	}
	return "", fmt.Errorf("unknown Gemini environment %q (want \"sandbox\" or \"production\")", environment)
}

// CheckURL accepts an https:// base URL, or an http:// one whose host is a
// loopback address (127.0.0.0/8, ::1, localhost): plain HTTP elsewhere would
// send the signed requests, and the API key, in the clear. A base URL has no
// path, query, fragment or user information.
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("exchange URL %q is not a valid URL", raw)
	}
	shown := u.Redacted()
	if u.User != nil {
		return fmt.Errorf("exchange URL %q must not contain a user name or password", shown)
	}
	if u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("exchange URL %q has no host (want e.g. https://api.gemini.com)", shown)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !IsLoopbackHost(u.Hostname()) {
			return fmt.Errorf("refusing exchange URL %q: http:// would send API requests unencrypted; "+
				"use https://, or http:// only to a loopback address (127.0.0.1, ::1, localhost)", shown)
		}
	default:
		return fmt.Errorf("exchange URL %q must start with https:// (or http:// for a loopback address)", shown)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("exchange URL %q must be just scheme and host, like https://api.gemini.com", shown)
	}
	return nil
}

// IsLoopbackHost reports whether host is this machine: localhost or a
// loopback address (127.0.0.0/8, ::1).
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Config says where and how a Client talks to Gemini. Only BaseURL is
// required; private calls also need APIKey and APISecret.
type Config struct {
	BaseURL   string
	APIKey    string
	APISecret string
	Account   string    // sub-account for master keys: added to every private payload
	NonceMode NonceMode // default NonceIncreasing
	// NonceFile, when set, keeps the key's last nonce so that every process
	// using the file draws from one sequence (see nonce.go): two commands
	// run back to back or at once never go below each other. Clients in one
	// process with the same NonceFile share one sequence whatever their
	// BaseURL. Without it, the sequence is the process's, per BaseURL and
	// key: the one of the last client made with a NonceFile for that BaseURL
	// and key, if any. The file holds a number, never the key or the secret.
	NonceFile   string
	PrivateRate float64 // private requests per second; default 5, negative for no limit
	PublicRate  float64 // public requests per second; default 1, negative for no limit
	// HTTPClient sends the requests; default one with a 30 s timeout. Redirects
	// are never followed: they would carry the signed headers elsewhere.
	HTTPClient *http.Client
	Now        func() time.Time // default time.Now: nonces and pacing
	// Sleep waits for d or until ctx is done; default a timer. Tests make it
	// advance a fake clock, so retries and pacing never really wait.
	Sleep func(ctx context.Context, d time.Duration) error
	// Debug, when set, receives one line per request and per retry decision:
	// method, path, status, latency, reason. Never the secret, signature or
	// payload; the key only as its first characters.
	Debug          io.Writer
	MaxReadRetries int           // retries of a read after 429, 5xx or network errors; default 4, negative for none
	MaxRetryWait   time.Duration // total backoff one read may spend; default 30 s
}

// Client calls Gemini's REST API. It is safe for concurrent use. Private
// requests are sent one at a time per API key and base URL (or nonce file),
// across every Client of the process, each with a nonce above all earlier
// ones, and with a NonceFile above those of every other process too.
type Client struct {
	cfg        Config
	http       *http.Client
	private    *rate.Limiter
	public     *rate.Limiter
	key        *keyState // shared by the key's Clients: one private request in flight
	nonces     *nonceSource
	clock      exchangeClock
	now        func() time.Time
	sleep      func(context.Context, time.Duration) error
	maxRetries int
	maxWait    time.Duration

	logMu   sync.Mutex
	statsMu sync.Mutex
	stats   map[string]int
}

// New returns a client for cfg, after checking the base URL with CheckURL.
func New(cfg Config) (*Client, error) {
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if err := CheckURL(cfg.BaseURL); err != nil {
		return nil, err
	}
	switch cfg.NonceMode {
	case "":
		cfg.NonceMode = NonceIncreasing
	case NonceIncreasing, NonceTime:
	default:
		return nil, fmt.Errorf("unknown nonce mode %q (want %q or %q)", cfg.NonceMode, NonceIncreasing, NonceTime)
	}
	c := &Client{
		cfg:        cfg,
		private:    limiter(cfg.PrivateRate, 5),
		public:     limiter(cfg.PublicRate, 1),
		now:        cfg.Now,
		sleep:      cfg.Sleep,
		maxRetries: cfg.MaxReadRetries,
		maxWait:    cfg.MaxRetryWait,
		stats:      map[string]int{},
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.sleep == nil {
		c.sleep = sleepContext
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = 4
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.maxWait <= 0 {
		c.maxWait = 30 * time.Second
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	if cfg.HTTPClient != nil {
		copied := *cfg.HTTPClient
		hc = &copied
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.http = hc
	st, err := stateFor(cfg)
	if err != nil {
		return nil, err
	}
	c.key = st
	c.nonces = &nonceSource{mode: cfg.NonceMode, now: c.now, sleep: c.sleep, state: st}
	if cfg.NonceMode == NonceTime {
		// Gemini judges a time-based nonce by its own clock.
		c.nonces.now = c.ExchangeNow
	}
	c.logf("client for %s, key %s, nonce %s", cfg.BaseURL, keyHint(cfg.APIKey), cfg.NonceMode)
	return c, nil
}

// limiter returns a token bucket of perSecond (def when zero, none when
// negative) whose burst is one second's worth, and at least burstQueued.
func limiter(perSecond, def float64) *rate.Limiter {
	switch {
	case perSecond == 0:
		perSecond = def
	case perSecond < 0:
		return rate.NewLimiter(rate.Inf, 1)
	}
	return rate.NewLimiter(rate.Limit(perSecond), max(burstQueued, int(perSecond)))
}

// burstQueued is the smallest burst of a pace. Gemini delays up to five
// requests over its rate rather than refusing them (reference §6), so five
// at once never draw a 429 from a client that keeps under the rate on
// average; and a plan's public reads for five symbols (rules, tickers)
// overlap instead of waiting a second each at the default 1/s.
const burstQueued = 5

func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// keyHint shows enough of an API key to tell keys apart in a log.
func keyHint(key string) string {
	switch {
	case key == "":
		return "(none)"
	case len(key) <= 12:
		return key[:min(len(key), 4)] + "…"
	}
	return key[:10] + "…"
}

// Stats returns how many HTTP requests were sent, by path, retries included.
func (c *Client) Stats() map[string]int {
	c.statsMu.Lock()
	defer c.statsMu.Unlock()
	out := make(map[string]int, len(c.stats))
	for k, v := range c.stats {
		out[k] = v
	}
	return out
}

func (c *Client) count(path string) {
	c.statsMu.Lock()
	c.stats[path]++
	c.statsMu.Unlock()
}

func (c *Client) logf(format string, args ...any) {
	if c.cfg.Debug == nil {
		return
	}
	line := c.redact(fmt.Sprintf(format, args...))
	c.logMu.Lock()
	defer c.logMu.Unlock()
	fmt.Fprintf(c.cfg.Debug, "gemini: %s\n", line)
}

// redact removes the secret, the full key and the given signed header values
// from text that came from outside (a server message echoing a header).
func (c *Client) redact(s string, signed ...string) string {
	for _, v := range signed {
		if v != "" {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	if c.cfg.APISecret != "" {
		s = strings.ReplaceAll(s, c.cfg.APISecret, "[secret]")
	}
	if len(c.cfg.APIKey) > 12 {
		s = strings.ReplaceAll(s, c.cfg.APIKey, keyHint(c.cfg.APIKey))
	}
	return s
}

// errNoCredentials is returned by private calls of a client without a key.
var errNoCredentials = errors.New("no API key: set GEMINI_API_KEY and GEMINI_API_SECRET")
