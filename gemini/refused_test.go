package gemini

import (
	"context"
	"net"
	"testing"
)

// TestRefusedConnectionIsNotRetried: nothing listens at the address, so the
// read fails at once instead of after seconds of backoff (issue 15, case
// 7), and IsConnectionRefused says why.
func TestRefusedConnectionIsNotRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	clock := newClock()
	c, err := New(Config{BaseURL: "http://" + addr, APIKey: testKey, APISecret: testSecret, PrivateRate: -1, PublicRate: -1, Now: clock.Now, Sleep: clock.Sleep})
	if err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"public":  func() error { _, err := c.Ticker(context.Background(), "btcusd"); return err },
		"private": func() error { _, err := c.Balances(context.Background()); return err },
	} {
		clock.slept = nil
		err := call()
		if err == nil || !IsConnectionRefused(err) {
			t.Errorf("%s: err = %v, want a refused connection", name, err)
		}
		if len(clock.slept) != 0 {
			t.Errorf("%s: slept %v before giving up, want no retry", name, clock.slept)
		}
		if IsAmbiguous(err) {
			t.Errorf("%s: a refused connection is not ambiguous: nothing was sent", name)
		}
	}
	if IsConnectionRefused(context.Canceled) {
		t.Error("IsConnectionRefused(context.Canceled)")
	}
}
