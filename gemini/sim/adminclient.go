package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// AdminClient drives a running simulator's admin API, e.g. `orderform sim
// price -url URL`.
type AdminClient struct {
	URL  string       // base URL, e.g. http://127.0.0.1:8399
	HTTP *http.Client // nil = http.DefaultClient
}

func (c *AdminClient) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.URL, "/")+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var env struct{ Reason, Message string }
		if json.Unmarshal(data, &env) == nil && env.Reason != "" {
			return &Error{Status: resp.StatusCode, Reason: env.Reason, Message: env.Message}
		}
		return fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, bytes.TrimSpace(data))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

// SetMarket is Server.SetMarket over HTTP.
func (c *AdminClient) SetMarket(ctx context.Context, symbol string, bid, ask decimal.Decimal) (MarketView, error) {
	var m MarketView
	err := c.do(ctx, http.MethodPost, "/admin/price", adminPrice{symbol, bid, ask}, &m)
	return m, err
}

// Fund is Server.Fund over HTTP.
func (c *AdminClient) Fund(ctx context.Context, currency string, amount decimal.Decimal) (BalanceView, error) {
	var b BalanceView
	err := c.do(ctx, http.MethodPost, "/admin/fund", adminFund{currency, amount}, &b)
	return b, err
}

// Fill is Server.Fill over HTTP.
func (c *AdminClient) Fill(ctx context.Context, orderID string, amount decimal.Decimal) (OrderView, error) {
	var o OrderView
	err := c.do(ctx, http.MethodPost, "/admin/fill", adminFill{orderID, amount}, &o)
	return o, err
}

// SetFault is Server.SetFault over HTTP.
func (c *AdminClient) SetFault(ctx context.Context, f Fault) error {
	return c.do(ctx, http.MethodPost, "/admin/fault", faultToJSON(f), nil)
}

// ClearFaults is Server.ClearFaults over HTTP.
func (c *AdminClient) ClearFaults(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/admin/faults/clear", nil, nil)
}

// Orders is Server.Orders over HTTP.
func (c *AdminClient) Orders(ctx context.Context) ([]OrderView, error) {
	var out []OrderView
	err := c.do(ctx, http.MethodGet, "/admin/orders", nil, &out)
	return out, err
}

// Balances is Server.Balances over HTTP, sorted by currency.
func (c *AdminClient) Balances(ctx context.Context) ([]BalanceView, error) {
	var out []BalanceView
	err := c.do(ctx, http.MethodGet, "/admin/balances", nil, &out)
	return out, err
}

// Markets is Server.Markets over HTTP.
func (c *AdminClient) Markets(ctx context.Context) ([]MarketView, error) {
	var out []MarketView
	err := c.do(ctx, http.MethodGet, "/admin/markets", nil, &out)
	return out, err
}

// Clock is the exchange's clock: its offset, its nonce window and its time.
type Clock struct {
	Offset      time.Duration
	NonceWindow time.Duration
	Now         time.Time
}

func (a adminClock) clock() Clock {
	var c Clock
	if a.OffsetMs != nil {
		c.Offset = time.Duration(*a.OffsetMs) * time.Millisecond
	}
	if a.NonceWindowMs != nil {
		c.NonceWindow = time.Duration(*a.NonceWindowMs) * time.Millisecond
	}
	if a.Now != nil {
		c.Now = *a.Now
	}
	return c
}

// Clock reads the exchange's clock.
func (c *AdminClient) Clock(ctx context.Context) (Clock, error) {
	var a adminClock
	err := c.do(ctx, http.MethodGet, "/admin/clock", nil, &a)
	return a.clock(), err
}

// SetClockOffset is Server.SetClockOffset over HTTP.
func (c *AdminClient) SetClockOffset(ctx context.Context, d time.Duration) (Clock, error) {
	ms := d.Milliseconds()
	var a adminClock
	err := c.do(ctx, http.MethodPost, "/admin/clock", adminClock{OffsetMs: &ms}, &a)
	return a.clock(), err
}

// SetNonceWindow is Server.SetNonceWindow over HTTP.
func (c *AdminClient) SetNonceWindow(ctx context.Context, d time.Duration) (Clock, error) {
	ms := d.Milliseconds()
	var a adminClock
	err := c.do(ctx, http.MethodPost, "/admin/clock", adminClock{NonceWindowMs: &ms}, &a)
	return a.clock(), err
}

// Release is Server.Release over HTTP: it returns once the held requests
// have been processed.
func (c *AdminClient) Release(ctx context.Context) (int, error) {
	var out struct{ Released int }
	err := c.do(ctx, http.MethodPost, "/admin/release", nil, &out)
	return out.Released, err
}

// Held is Server.Held over HTTP.
func (c *AdminClient) Held(ctx context.Context) (int, error) {
	var out struct{ Held int }
	err := c.do(ctx, http.MethodGet, "/admin/held", nil, &out)
	return out.Held, err
}
